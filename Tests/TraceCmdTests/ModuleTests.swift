import Testing
@_spi(Engine) @testable import TraceCmd

@Test func referenceVersion() {
    #expect(TraceCmdModule.referenceVersion == "3.1.6")
}
