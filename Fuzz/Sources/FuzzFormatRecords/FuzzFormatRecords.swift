@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: a trace file. Sets up printing as a report does (event formats compiled, plugins
/// bound, kallsyms, printk formats, saved cmdlines) and prints every record of every buffer
/// (plugin or print format, then the raw fields as `-R` prints them).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard let file = try? TraceFile(mapped: MappedFile(copying: Array(bytes), path: "fuzz.dat"), mode: .full) else {
        return 0
    }
    let formatter = FileFormatter(file: file)
    forEachRecord(of: file) { formatter.format($0) }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzFormatRecords_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
