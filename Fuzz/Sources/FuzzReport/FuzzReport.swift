@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport
@_spi(Engine) @testable import TraceEvent

/// Input: two flag bytes choosing report options (see `reportOptions`), then a trace file.
/// Runs the whole `trace-cmd report` (`TraceReport`) on it: every record of every buffer
/// formatted as the reference prints it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard bytes.count >= 2 else { return 0 }
    let fileBytes = Array(bytes[2...])
    guard let file = try? TraceFile(mapped: MappedFile(copying: fileBytes, path: "trace.dat"), mode: .full) else {
        return 0
    }
    runReport([file], reportOptions(bytes[0], bytes[1], inputs: ["trace.dat"]))
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzReport_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
