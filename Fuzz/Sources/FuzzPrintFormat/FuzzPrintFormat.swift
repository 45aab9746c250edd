@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: `<system>\n<event format text>\0<record payload>` (the first line names the
/// system, the rest up to the first NUL byte is the format file, everything after it is one
/// record's event data). Compiles the print format, prints the payload with it (little endian,
/// 64-bit longs; big endian, 32-bit longs), prints its raw fields, and runs the plugin bound
/// to the event, if any.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let parts = splitAtNUL(bytes, count: 2)
    var nl = 0
    while nl < parts[0].count, parts[0][nl] != UInt8(ascii: "\n") { nl += 1 }
    let system = text(UnsafeRawBufferPointer(rebasing: parts[0][0..<nl]))
    let formatText = UnsafeRawBufferPointer(rebasing: parts[0][min(nl + 1, parts[0].count)...])
    guard let event = try? EventFormat(parsing: formatText.bytes, system: system) else { return 0 }
    // The payload in its own heap block, so reads past it are caught.
    let payloadCopy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(parts[1].count, 1), alignment: 8)
    defer { payloadCopy.deallocate() }
    payloadCopy.copyMemory(from: parts[1])
    let payloadBuffer = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(payloadCopy)[0..<parts[1].count])
    let payload = payloadBuffer.bytes
    let printk: [UInt64: String] = [0xffffffff81000000: "printk %s\\n", 0xffffffff81001000: "%d %pS"]
    var out = TextBuffer(capacity: 1024)
    for (order, longSize) in [(ByteOrder.little, 8), (.big, 4)] {
        let context = PrintFormatContext(byteOrder: order, longSize: longSize, symbols: embeddedKallsyms,
                                         printkStrings: printk)
        let compiled = CompiledPrintFormat(event: event, context: context)
        compiled.render(payload: payload, into: &out)
        compiled.renderRawFields(payload: payload, into: &out)
        if let plugin = EventPlugins.standard.bind(event, byteOrder: order, longSize: longSize,
                                                   formatNamed: { _, _ in event }) {
            let env = PluginEnvironment(symbols: embeddedKallsyms, comms: FuzzComms(), session: PluginSession())
            for _ in 0..<2 {
                _ = plugin.write(PluginRecord(cpu: 1, timestamp: 1_000_000), payload: payload,
                                 lookahead: plugin.needsLookahead ? payload : nil, into: &out, environment: env)
            }
        }
        touch(out)
        out.removeAll()
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzPrintFormat_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
