@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: a trace file. Opens it in both modes (full, head-only) and reads all of its
/// metadata: format texts (parsed), kallsyms, printk formats, saved cmdlines (parsed),
/// options (TIME_SHIFT and TSC2NSEC parsed).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let mapped = MappedFile(copying: Array(bytes), path: "fuzz.dat")
    for mode in [TraceFile.OpenMode.full, .headOnly] {
        do {
            let f = try TraceFile(mapped: mapped, mode: mode)
            touch(f.headerPage)
            touch(f.headerEvent)
            for t in f.ftraceFormats { _ = try? EventFormat(parsing: t, system: "ftrace") }
            for (system, texts) in f.eventFormats {
                for t in texts { _ = try? EventFormat(parsing: t, system: system) }
            }
            if let k = try? f.kallsymsText() { fuzzSink &+= UInt64(KallsymsTable(parsing: k).count) }
            if let p = try? f.printkText() { fuzzSink &+= UInt64(PrintkFormats(parsing: p).count) }
            if let c = try? f.savedCmdlinesText() { fuzzSink &+= UInt64(SavedCmdlines(parsing: c).count) }
            fuzzSink &+= f.traceID ?? 0
            fuzzSink &+= UInt64(f.guests.count)
            if let ts = f.timeShiftPayload { _ = try? TimeShift.parse(ts, order: f.byteOrder) }
            fuzzSink &+= UInt64(f.tsc2nsec?.multiplier ?? 0)
            touch(f.offsetOptions.joined())
            touch(f.dateOptions.joined())
            touch(f.clock)
            touch(f.role.rawValue)
            fuzzSink &+= UInt64(f.instances.count)
        } catch {
            touch(error.description)
        }
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzOpen_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
