@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: two flag bytes choosing report options (see `reportOptions`), a 4-byte little-endian
/// length N, N bytes of a host trace file, then a guest trace file (the rest). Runs
/// `trace-cmd report -i host -i guest`: both files merged on one timeline (TIME_SHIFT
/// correction of the guest, guest/host matching by trace id), then reads the two files as a
/// `TraceSession`: its merged `SessionTimeline` and its `SessionSummary`. Flag byte 1 bit 7
/// adds a user offset to the guest.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard bytes.count >= 6 else { return 0 }
    let n = Int(bytes[2]) | Int(bytes[3]) << 8 | Int(bytes[4]) << 16 | Int(bytes[5]) << 24
    let hostEnd = min(bytes.count, 6 + n)
    let host = Array(bytes[6..<hostEnd])
    let guest = Array(bytes[hostEnd...])
    var files: [TraceFile] = []
    for (data, name) in [(host, "trace.dat"), (guest, "trace-guest1.vm.dat")] {
        guard let f = try? TraceFile(mapped: MappedFile(copying: data, path: name), mode: .full) else { return 0 }
        files.append(f)
    }
    runReport(files, reportOptions(bytes[0], bytes[1], inputs: ["trace.dat", "trace-guest1.vm.dat"]))
    // The session layer on its own: peers, guest links, one merged timeline, sync quality,
    // the summary (`tracecmd peers`).
    let settings = TimestampCorrector.Settings(rawTimestamps: bytes[0] & 32 != 0, ignoreDate: bytes[1] & 8 != 0)
    let session = TraceSession(files: files, settings: settings, userOffsets: bytes[1] & 128 != 0 ? [1: -1_000_000] : [:])
    for d in session.diagnostics { touch(d.description) }
    for p in session.peers.indices {
        if let q = session.syncQuality(of: p) {
            for c in q.cpus { fuzzSink &+= UInt64(c.sampleCount) }
            for w in q.warnings { touch(w.description) }
        }
    }
    if var timeline = try? session.timeline() {
        while true {
            do {
                guard let e = try timeline.next() else { break }
                e.record.withPayload { touch($0) }
                fuzzSink &+= e.record.timestamp &+ UInt64(e.peer)
            } catch {
                touch(error.description)
            }
        }
    }
    if let summary = try? SessionSummary(session: session) {
        touch(summary.json())
        touch(summary.text())
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzSession_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
