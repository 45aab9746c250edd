@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: a trace file. Reads every record of every buffer, all CPUs merged
/// (`RecordIterator`), then every CPU stream on its own, again from its middle page
/// (`CPURecordStream.seek(toPage:)`), touching every payload byte.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard let file = try? TraceFile(mapped: MappedFile(copying: Array(bytes), path: "fuzz.dat"), mode: .full) else {
        return 0
    }
    forEachRecord(of: file) { r in
        r.withPayload { touch($0) }
        fuzzSink &+= r.timestamp &+ UInt64(r.offset) &+ UInt64(r.recordSize) &+ UInt64(bitPattern: r.missedEventsValue)
    }
    for buffer in file.buffers where buffer.kind == .flyrecord {
        guard let streams = try? RecordIterator.streams(file: file, buffer: buffer) else { continue }
        for s in streams {
            for start in [0, s.pageCount / 2] {
                s.seek(toPage: start)
                while true {
                    do {
                        guard let r = try s.next() else { break }
                        r.withPayload { touch($0) }
                    } catch {
                        touch(error.description)
                    }
                }
            }
        }
    }
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzRecords_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
