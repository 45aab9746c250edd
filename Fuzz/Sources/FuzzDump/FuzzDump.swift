@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: a trace file. Walks it as stored, as `trace-cmd dump --all` does (`tracecmd dump`),
/// then opens it in both modes and prints what `trace-cmd dump --options` and
/// `trace-cmd dump --summary` print.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let mapped = MappedFile(copying: Array(bytes), path: "fuzz.dat")
    do {
        try TraceFileDumpWalker.dump(mapped, displayPath: "fuzz.dat", items: .all) { touch($0.span.bytes) }
    } catch {
        touch(error.description)
    }
    for mode in [TraceFile.OpenMode.full, .headOnly] {
        do {
            let f = try TraceFile(mapped: mapped, mode: mode)
            touch(TraceFileDump.options(of: f))
            touch(TraceFileDump.summary(of: f))
        } catch {
            touch(error.description)
        }
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzDump_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
