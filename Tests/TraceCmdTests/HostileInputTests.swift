import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport

/// Truncated and corrupted copies of every real fixture must end in a typed error or a
/// correct read: never a crash, a hang or a huge allocation.
@Suite struct HostileInputTests {
    /// Opens `bytes` both ways and reads every page; returns whether it succeeded.
    /// Any thrown error must be a `TraceFileError` (anything else is a failure).
    @discardableResult
    static func exercise(_ bytes: [UInt8], name: String, report: Bool = false) -> Bool {
        let mapped = MappedFile(copying: bytes, path: name)
        do {
            _ = try TraceFile(mapped: mapped, mode: .headOnly)
            let f = try TraceFile(mapped: mapped, mode: .full)
            _ = try? f.kallsymsText()
            _ = try? f.printkText()
            _ = try? f.savedCmdlinesText()
            _ = TraceFileDump.options(of: f)
            for b in f.buffers where b.kind == .flyrecord {
                for i in b.cpus.indices {
                    guard let s = try? CPUPageSource(file: f, buffer: b, cpuIndex: i) else { continue }
                    for p in 0..<min(s.pageCount, 4096) { _ = try? s.page(p) }
                }
                // Every record, in merged order; errors end a part of a stream, then it goes on.
                if var it = try? RecordIterator(file: f, buffer: b) {
                    var guardCount = 0
                    while guardCount < 2_000_000 {
                        guardCount += 1
                        do { guard try it.next() != nil else { break } } catch { continue }
                    }
                }
            }
            if report {
                // Format every record too (the whole report pipeline).
                var n = 0
                _ = try? TraceReport(files: [f], options: ReportOptions()).run(sink: { n += $0.byteCount })
            }
            return true
        } catch {
            return false
        }
    }

    /// The recordings of Tests/Fixtures itself and its sessions (the helper suites' own copies
    /// in subfolders such as ringbuffer/ and timesync/ are exercised by those suites).
    static let smallFixtures: [String] = Fixtures.allTraceFiles.filter { name in
        (!name.contains("/") || name.hasPrefix("session-")) &&
        ((try? FileManager.default.attributesOfItem(atPath: Fixtures.path(name))[.size] as? Int) ?? 0) < 2_000_000
    }

    @Test(arguments: smallFixtures)
    func everyTruncation(_ name: String) throws {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
        // Every byte of the metadata part (up to the first CPU data), then every page boundary
        // and a spread of offsets through the data.
        let full = try TraceFile.open(Fixtures.path(name))
        let dataStart = full.buffers.flatMap(\.cpus).map(\.offset).min() ?? data.count
        var cuts = Set(0..<min(dataStart, data.count))
        var off = 0
        while off < data.count { cuts.insert(off); cuts.insert(max(0, off - 1)); off += full.pageSize }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<100 { cuts.insert(Int.random(in: 0..<data.count, using: &rng)) }
        var opened = 0
        for cut in cuts.sorted() {
            if Self.exercise(Array(data[0..<cut]), name: "\(name)[0..<\(cut)]") { opened += 1 }
        }
        // The complete file reads; a file cut inside its header does not.
        #expect(Self.exercise(data, name: name))
        #expect(!Self.exercise(Array(data[0..<min(20, data.count)]), name: name))
    }

    @Test(arguments: smallFixtures)
    func singleByteCorruptions(_ name: String) throws {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
        var rng = SystemRandomNumberGenerator()
        let full = try TraceFile.open(Fixtures.path(name))
        let dataStart = full.buffers.flatMap(\.cpus).map(\.offset).min() ?? data.count
        // Half the flips in the metadata (where most structure is), half anywhere.
        for i in 0..<2000 {
            var copy = data
            let at = i % 2 == 0 ? Int.random(in: 0..<max(1, min(dataStart, data.count)), using: &rng)
                                : Int.random(in: 0..<data.count, using: &rng)
            copy[at] ^= UInt8.random(in: 1...255, using: &rng)
            Self.exercise(copy, name: "\(name)@\(at)", report: i % 100 == 0)
        }
    }

    @Test func errorsNameFileContextAndOffset() throws {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("v7-zstd.dat"))))
        // Wrong magic.
        var bad = data
        bad[0] = 0
        #expect(throws: TraceFileError(file: "x.dat", context: "initial format", offset: 0, kind: .badMagic)) {
            try TraceFile(mapped: MappedFile(copying: bad, path: "x.dat"))
        }
        // Truncated in the initial format.
        do {
            _ = try TraceFile(mapped: MappedFile(copying: Array(data[0..<14]), path: "y.dat"))
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "y.dat")
            #expect(error.description.contains("y.dat"))
            if case .truncated = error.kind {} else { Issue.record("expected truncation, got \(error.kind)") }
        }
        // Unknown compression: replace "zstd" by "zzzz".
        var z = data
        if let i = z.indices.first(where: { z[$0] == 0x7a && z[$0 + 1] == 0x73 && z[$0 + 2] == 0x74 && z[$0 + 3] == 0x64 }) {
            z[i + 1] = 0x7a; z[i + 2] = 0x7a; z[i + 3] = 0x7a
            #expect(throws: TraceFileError.self) { try TraceFile(mapped: MappedFile(copying: z, path: "z.dat")) }
            do { _ = try TraceFile(mapped: MappedFile(copying: z, path: "z.dat")) } catch {
                #expect(error.kind == .unknownCompression("zzzz"))
            }
        } else {
            Issue.record("fixture has no zstd header")
        }
    }

    @Test func optionSectionLoopIsDetected() throws {
        // Point the DONE option of the last options section back at the first options section.
        let path = Fixtures.path("v7-nocompress.dat")
        let file = try TraceFile.open(path)
        var data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard let firstSection = file.optionGroups.first?.section,
              let lastDone = file.options.last(where: { $0.rawID == 0 }) else {
            Issue.record("fixture has no options sections"); return
        }
        var v = UInt64(firstSection.offset).littleEndian
        withUnsafeBytes(of: &v) { raw in for k in 0..<8 { data[lastDone.payloadOffset + k] = raw[k] } }
        do {
            _ = try TraceFile(mapped: MappedFile(copying: data, path: "loop.dat"))
            Issue.record("expected a loop error")
        } catch {
            #expect(error.kind == .optionLoop(firstSection.offset))
        }
    }

    @Test func compressedSizesThatLieAreRejected() throws {
        let path = Fixtures.path("v7-zstd.dat")
        let file = try TraceFile.open(path)
        var data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let sec = try #require(file.sections.first { $0.isCompressed && $0.id == 18 })
        // Claim a huge uncompressed size.
        let at = sec.offset + 16 + 4
        data[at] = 0xff; data[at + 1] = 0xff; data[at + 2] = 0xff; data[at + 3] = 0x7f
        #expect(throws: TraceFileError.self) { try TraceFile(mapped: MappedFile(copying: data, path: "lie.dat")) }
    }
}
