#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) import TraceEvent
import TraceWriter

/// Input: 1 flag byte, then a trace file. Converts the file (read → write) to the format the
/// flag byte picks (bits 0-1: v6, v7 none, v7 zstd, v7 zlib) and, when bit 2 is set, also cuts
/// a split piece of 50 events out of it; then reads what was written back. Whatever we write
/// must read back: it opens without an error or warning, every page of every CPU loads, and
/// when nothing was reported dropped, each CPU serves as many records as the input's (a
/// mismatch or an error traps, which libFuzzer reports).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard bytes.count > 1 else { return 0 }
    let flags = bytes[0]
    let mapped = MappedFile(copying: Array(bytes.dropFirst()), path: "fuzz.dat")
    guard let input = try? TraceFile(mapped: mapped, mode: .full) else { return 0 }
    let formats = [OutputFormat(version: 6), OutputFormat(version: 7, compression: .none),
                   OutputFormat(version: 7, compression: .zstd), OutputFormat(version: 7, compression: .zlib)]
    let format = formats[Int(flags & 3)]
    let out = "/tmp/fuzz-convert-\(getpid()).dat"
    defer { unlink(out) }
    do {
        let report = try TraceWriter.convert(input, to: out, format: format)
        check(out, against: report.dropped.isEmpty ? input : nil, format: format)
    } catch {
        touch(error.description)
    }
    if flags & 4 != 0 {
        do {
            let reports = try TraceWriter.split(input, options: SplitOptions(limit: .events(50), format: format)) { _ in out }
            if !reports.isEmpty { check(out, against: nil, format: format) }
        } catch {
            touch(error.description)
        }
    }
    return 0
}

/// Reads `path` back; traps when it does not read cleanly, or (with `input`) when a CPU
/// serves a different number of records than the same CPU of the input.
func check(_ path: String, against input: TraceFile?, format: OutputFormat) {
    let back: TraceFile
    do { back = try TraceFile.open(path) } catch { fatalError("written file does not open: \(error)") }
    guard back.warnings.isEmpty else { fatalError("written file reads with warnings: \(back.warnings)") }
    guard back.version == format.version else { fatalError("wrote version \(back.version), asked \(format.version)") }
    for b in back.buffers {
        for i in b.cpus.indices {
            let source: CPUPageSource
            do { source = try CPUPageSource(file: back, buffer: b, cpuIndex: i, decompressAhead: false) } catch {
                fatalError("written CPU data does not open: \(error)")
            }
            guard source.truncation == nil, source.trailingBytes == 0 else { fatalError("written CPU data is cut") }
            for p in 0..<source.pageCount {
                do { try source.withPage(p) { touch($0) } } catch { fatalError("written page \(p) does not load: \(error)") }
            }
        }
    }
    guard let input else { return }
    for b in input.buffers where b.kind == .flyrecord {
        guard let ob = back.buffers.first(where: { $0.name == b.name }) else { fatalError("buffer \(b.name) lost") }
        for c in b.cpus {
            let n = records(input, b, c.cpu)
            let m = records(back, ob, c.cpu)
            guard n == m else { fatalError("buffer \"\(b.name)\" CPU \(c.cpu): \(n) records in, \(m) out") }
        }
    }
}

/// Records of one CPU served until the first error (or the end).
func records(_ f: TraceFile, _ b: TraceBuffer, _ cpu: Int) -> Int {
    guard let i = b.cpus.firstIndex(where: { $0.cpu == cpu }),
          let s = try? CPURecordStream(file: f, buffer: b, cpuIndex: i) else { return 0 }
    var n = 0
    while let r = try? s.next() {
        r.withPayload { touch($0) }
        n += 1
    }
    return n
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzConvert_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
