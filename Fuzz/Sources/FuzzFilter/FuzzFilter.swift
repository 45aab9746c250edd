@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: `<filters>\0<excluding filters>\0<record payload>`: `-F` filter strings, one per
/// line, given before `-v`, then those given after `-v`, then one record's event data. The
/// filters are parsed against real tracefs event formats (sched_switch, sched_wakeup, kmalloc,
/// ftrace function, …); the payload is then matched as a record of every one of them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let parts = splitAtNUL(bytes, count: 3)
    func lines(_ b: UnsafeRawBufferPointer) -> [String] {
        b.isEmpty ? [] : text(b).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
    guard var filter = try? EventFilter(filters: lines(parts[0]), excluding: lines(parts[1]),
                                         events: embeddedFormats, byteOrder: .little,
                                         symbols: embeddedKallsyms) else { return 0 }
    for l in filter.testModeLines { touch(l) }
    let comm: (Int32) -> String? = { $0 == 1 ? "systemd" : ($0 == 42 ? "bash" : nil) }
    for f in embeddedFormats {
        for d in filter.descriptions(eventID: f.id) { touch(d) }
        fuzzSink &+= filter.matches(eventID: f.id, payload: parts[2].bytes, cpu: 0, comm: comm) ? 1 : 0
        fuzzSink &+= filter.accept(eventID: f.id, payload: parts[2].bytes, cpu: 1, comm: comm) ? 1 : 0
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzFilter_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
