@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: the text of an event `format` file. Parses it as an ftrace event and as an event
/// of another system, and adds it to an event registry.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    var registry = EventRegistry()
    for system in ["ftrace", "fuzz"] {
        do {
            let f = try registry.add(parsing: bytes.bytes, system: system)
            for field in f.commonFields + f.fields { fuzzSink &+= UInt64(f.field(named: field.name)?.offset ?? 0) }
            touch(f.printFormatText)
            fuzzSink &+= UInt64(bitPattern: Int64(registry.format(id: f.id)?.fields.count ?? 0))
        } catch {
            touch(error.description)
        }
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzEventFormat_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
