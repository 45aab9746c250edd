import Foundation
import Testing
@_spi(Engine) import TraceCmd
import TraceWriter

/// Files we could only partly read (cut short, a corrupt chunk, a page with an impossible
/// header) convert as far as they can be read; what was left out is reported; the reference
/// opens and reads every output.
@Suite struct BadInputTests {
    static let cuts: [(String, Int)] = [("v7-zstd.dat", 75), ("v7-zstd.dat", 99), ("v6.dat", 75), ("v6.dat", 99),
                                        ("buffers.dat", 75), ("buffers.dat", 90), ("v6-buffers.dat", 95),
                                        ("v7-nocompress.dat", 90), ("session-tsync/trace-guest1.vm.dat", 95)]

    /// Every line the reference prints for the output is a line it prints for the input
    /// (up to the alignment of the buffer-name column, which depends on the buffers left, and
    /// the task names the report learns from earlier events, see ``SplitTests``).
    func expectSubset(_ out: String, of original: String, _ what: String) throws {
        func norm(_ text: String) -> [String] {
            SplitTests.lines(text).map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression) }
        }
        let whole = Set(norm(try Reference.report([original], []).text))
        let r = try Reference.report([out], [])
        #expect(r.status == 0, "\(what): the reference cannot read the output")
        let extra = norm(r.text).filter { !whole.contains($0) }
        #expect(extra.isEmpty, "\(what): lines not in the input's report: \(extra.prefix(3))")
    }

    @Test(arguments: cuts.map { "\($0.0)@\($0.1)" })
    func truncatedFileConvertsWhatIsReadable(_ c: String) throws {
        let parts = c.split(separator: "@")
        let fixture = String(parts[0]), percent = Int(parts[1]) ?? 90
        let original = Fixtures.path(fixture)
        let data = try Data(contentsOf: URL(fileURLWithPath: original))
        let dir = try Fixtures.scratch("cut-\(percent)-" + fixture)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cut = dir + "/cut.dat"
        try data.prefix(data.count * percent / 100).write(to: URL(fileURLWithPath: cut))
        let input = try TraceFile.open(cut)
        for format in [OutputFormat(version: 6), OutputFormat(version: 7, compression: .zstd), OutputFormat(version: 7, compression: .none)] {
            let out = dir + "/out-\(format.version)-\(format.compression).dat"
            let report = try TraceWriter.convert(input, to: out, format: format)
            #expect(!report.dropped.isEmpty, "\(c) → \(format): nothing reported dropped")
            #expect(report.dropped.allSatisfy { $0.file == cut })
            // Our reader reads the output without a warning; the reference reads it too.
            let back = try TraceFile.open(out)
            #expect(back.warnings.isEmpty, "\(c) → \(format): \(back.warnings)")
            try expectSubset(out, of: original, "\(c) → \(format)")
        }
    }

    /// Fuzz regression (`Tests/Fixtures/fuzz-regressions/FuzzConvert`, 1 flag byte + a v7
    /// file): a CPUCOUNT option of 168 M CPUs made the version 6 writer build a 2.7 GB CPU
    /// table. The file converts with the CPUs that have data, the count reported dropped,
    /// and what is written reads back.
    @Test func hugeCPUCountConvertsToV6WithTheCPUsThatHaveData() throws {
        let dir = try Fixtures.scratch("fuzz-cpucount")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.dat", out = dir + "/out.dat"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fuzz-regressions/FuzzConvert/oom-v6-cpu-table-f887047f.bin")))
        #expect(bytes.first == 0) // the harness's flag byte: version 6
        try bytes.dropFirst().write(to: URL(fileURLWithPath: input))
        let file = try TraceFile.open(input)
        #expect(file.cpuCount > 1 << 16)
        let report = try TraceWriter.convert(file, to: out, format: OutputFormat(version: 6))
        #expect(report.dropped.contains { $0.context == "CPU count" })
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int ?? .max
        #expect(size < 1 << 24, "output of \(size) bytes")
        let back = try TraceFile.open(out)
        #expect(back.cpuCount <= 1 << 16)
        #expect(back.warnings.isEmpty, "\(back.warnings)")
    }

    /// Fuzz regression (flag byte 6: v7 zstd): a chunk that does not decompress is written
    /// as 4,048 empty pages, which zstd packs 31,000 to 1; our reader refused that chunk of our
    /// own output as implausible (the bound was 16,384 to 1, below zstd's 32,768). The output
    /// now reads back, every page loads, and the reference reads it too.
    @Test func emptyPagesWrittenForABadChunkReadBack() throws {
        let dir = try Fixtures.scratch("fuzz-empty-pages")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.dat", out = dir + "/out.dat"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fuzz-regressions/FuzzConvert/crash-empty-pages-ratio-9f00c35e.bin")))
        #expect(bytes.first == 6)
        try bytes.dropFirst().write(to: URL(fileURLWithPath: input))
        let report = try TraceWriter.convert(try TraceFile.open(input), to: out,
                                             format: OutputFormat(version: 7, compression: .zstd))
        #expect(report.dropped.contains { "\($0)".contains("pages written empty") })
        let back = try TraceFile.open(out)
        #expect(back.warnings.isEmpty, "\(back.warnings)")
        var pages = 0
        for b in back.buffers {
            for i in b.cpus.indices {
                let source = try CPUPageSource(file: back, buffer: b, cpuIndex: i, decompressAhead: false)
                for p in 0..<source.pageCount { _ = try source.page(p); pages += 1 }
            }
        }
        #expect(pages >= 4048)
        #expect(try Reference.report([out], []).status == 0)
    }

    /// Metadata cut short: a typed error naming the file, and no output file left behind.
    @Test func unreadableMetadataLeavesNoOutput() throws {
        let original = Fixtures.path("v6.dat")
        let data = try Data(contentsOf: URL(fileURLWithPath: original))
        let dir = try Fixtures.scratch("cut-meta")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: dir + "/cut.dat"))
        #expect(throws: TraceWriteError.self) {
            _ = try TraceWriter.convert(path: dir + "/cut.dat", to: dir + "/out.dat")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.dat"))
    }

    /// The kind of the file at `path` (`lstat`: a link is not followed).
    static func kind(_ path: String) -> FileAttributeType? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
    }

    /// An output that is a device is written, never truncated or removed: `/dev/null` takes the
    /// whole file, and a failed write to `/dev/full` is a typed error that leaves the device in
    /// place (run as root, removing the output after a failed write once removed the node).
    @Test func deviceOutputIsNeitherTruncatedNorRemoved() throws {
        let source = try TraceFile.open(Fixtures.path("v7-zstd.dat"))
        #expect(Self.kind("/dev/null") == .typeCharacterSpecial)
        _ = try TraceWriter.convert(source, to: "/dev/null", format: OutputFormat(version: 6))
        #expect(Self.kind("/dev/null") == .typeCharacterSpecial)
        try #require(Self.kind("/dev/full") == .typeCharacterSpecial)
        do {
            _ = try TraceWriter.convert(source, to: "/dev/full", format: OutputFormat(version: 6))
            Issue.record("a write to /dev/full succeeded")
        } catch {
            #expect(error.file == "/dev/full")
            #expect(error.description.contains("No space left on device"))
        }
        #expect(Self.kind("/dev/full") == .typeCharacterSpecial)
    }

    /// After a failed write, only a regular file is removed: a symbolic link named as the
    /// output (here to a file that cannot be written) and what it points to stay.
    @Test func failedWriteThroughALinkKeepsTheLink() throws {
        try #require(Self.kind("/dev/full") == .typeCharacterSpecial)
        let dir = try Fixtures.scratch("link-out")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/out.dat", withDestinationPath: "/dev/full")
        #expect(throws: TraceWriteError.self) {
            _ = try TraceWriter.convert(path: Fixtures.path("v6.dat"), to: dir + "/out.dat")
        }
        #expect(Self.kind(dir + "/out.dat") == .typeSymbolicLink)
        #expect(Self.kind("/dev/full") == .typeCharacterSpecial)
    }

    /// A file cut inside its header (the reference's convert fails on it too): a typed error
    /// naming the file, and no output.
    @Test(arguments: Array(Fixtures.unreadable))
    func unreadableFixtureIsAnError(_ fixture: String) throws {
        let dir = try Fixtures.scratch("unreadable-" + fixture)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Reference.run(["convert", "-i", Fixtures.path(fixture), "-o", dir + "/ref.dat"]).status != 0)
        do {
            _ = try TraceWriter.convert(path: Fixtures.path(fixture), to: dir + "/out.dat")
            Issue.record("\(fixture) converted")
        } catch {
            #expect(error.file == Fixtures.path(fixture))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.dat"))
    }

    /// A chunk that does not decompress: its pages are written empty and reported; the
    /// reference, which cannot read past the chunk in the input, reads the whole output.
    @Test func corruptChunkIsDroppedAndReported() throws {
        let original = Fixtures.path("v7-zstd.dat")
        let source = try TraceFile.open(original)
        let top = try #require(source.topBuffer)
        let pages = try CPUPageSource(file: source, buffer: top, cpuIndex: 0, decompressAhead: false)
        let chunk = try #require(pages.chunks.first)
        var data = try Data(contentsOf: URL(fileURLWithPath: original))
        for i in (chunk.offset + 100)..<(chunk.offset + 400) { data[i] ^= 0x5A }
        let dir = try Fixtures.scratch("corrupt-chunk")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try data.write(to: URL(fileURLWithPath: dir + "/bad.dat"))
        for format in [OutputFormat(version: 6), OutputFormat(version: 7, compression: .zstd)] {
            let out = dir + "/out-\(format.version).dat"
            let report = try TraceWriter.convert(path: dir + "/bad.dat", to: out, format: format)
            #expect(report.dropped.count == 1)
            guard case .decompressionFailed = report.dropped.first?.kind else {
                Issue.record("expected a decompression failure, got \(report.dropped)")
                continue
            }
            #expect(report.dropped.first?.offset == chunk.offset)
            try expectSubset(out, of: original, "corrupt chunk → \(format)")
            let r = try Reference.report([out], [])
            let input = try Reference.report([dir + "/bad.dat"], [])
            #expect(r.text.split(separator: "\n").count > input.text.split(separator: "\n").count)
        }
    }

    /// A page whose commit is larger than the page: written empty and reported.
    @Test func impossiblePageIsEmptiedAndReported() throws {
        let original = Fixtures.path("v6.dat")
        let source = try TraceFile.open(original)
        let top = try #require(source.topBuffer)
        let at = top.cpus[0].offset + source.pageSize + 8
        var data = try Data(contentsOf: URL(fileURLWithPath: original))
        for k in 0..<8 { data[at + k] = k < 2 ? 0xFF : 0 }
        let dir = try Fixtures.scratch("bad-page")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try data.write(to: URL(fileURLWithPath: dir + "/bad.dat"))
        let report = try TraceWriter.convert(path: dir + "/bad.dat", to: dir + "/out.dat", format: OutputFormat(version: 7, compression: .zstd))
        #expect(report.dropped.count == 1)
        #expect(report.dropped.first?.offset == top.cpus[0].offset + source.pageSize)
        try expectSubset(dir + "/out.dat", of: original, "bad page")
    }
}
