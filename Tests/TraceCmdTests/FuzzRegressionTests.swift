import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport
@_spi(Engine) import TraceEvent

/// Inputs that made a libFuzzer harness of `Fuzz/` crash, hang or run out of memory, replayed
/// the way that harness runs them (`Tests/Fixtures/fuzz-regressions/<Harness>/`, see the
/// README there). Each must now end in a typed error or a read, and release what it used.
@Suite struct FuzzRegressionTests {
    static let directory = Fixtures.path("fuzz-regressions")

    /// The regression inputs of one harness (file names), sorted.
    static func inputs(_ harness: String) -> [String] {
        let dir = directory + "/" + harness
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { harness + "/" + $0 }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }

    /// The report options of the report and session harnesses' two flag bytes (the same
    /// decoding as `reportOptions` in Fuzz/Sources/FuzzSupport).
    static func reportOptions(_ b0: UInt8, _ b1: UInt8, inputs: [String]) -> ReportOptions {
        var o = ReportOptions()
        o.inputs = inputs.map { ReportOptions.Input(path: $0) }
        o.multipleInputs = inputs.count > 1
        o.raw = b0 & 1 != 0
        o.nanoseconds = b0 & 2 != 0
        o.latency = b0 & 4 != 0
        o.noPlugins = b0 & 8 != 0
        o.tsDiff = b0 & 16 != 0
        o.rawTimestamps = b0 & 32 != 0
        o.stat = b0 & 64 != 0
        o.wakeupLatency = b0 & 128 != 0
        if b1 & 1 != 0 { o.cpus = [0] }
        if b1 & 2 != 0 { o.inputs[0].filters = ["sched_switch: prev_pid != 0"] }
        if b1 & 4 != 0 { o.inputs[0].excludingFilters = ["irq_handler_entry"] }
        o.noDate = b1 & 8 != 0
        o.firstEvent = b1 & 16 != 0
        o.lastEvent = b1 & 32 != 0
        o.listCPUs = b1 & 64 != 0
        return o
    }

    /// Runs a report over `files` and returns how many bytes it printed (`nil` on a report error).
    @discardableResult
    static func report(_ files: [TraceFile], _ options: ReportOptions) -> Int? {
        var printed = 0
        do {
            try TraceReport(files: files, options: options).run { printed += $0.byteCount }
            return printed
        } catch {
            return nil
        }
    }

    // MARK: Replays

    /// FuzzReport inputs: two flag bytes, then a trace file.
    @Test(arguments: inputs("FuzzReport"))
    func reportReplay(_ name: String) throws {
        let data = try Self.bytes(name)
        try #require(data.count >= 2)
        weak var weakFile: TraceFile?
        do {
            guard let f = try? TraceFile(mapped: MappedFile(copying: Array(data[2...]), path: "trace.dat")) else { return }
            weakFile = f
            Self.report([f], Self.reportOptions(data[0], data[1], inputs: ["trace.dat"]))
        }
        #expect(weakFile == nil, "the report keeps the file alive (retain cycle)")
    }

    /// FuzzDump inputs: a trace file, opened both ways, then `trace-cmd dump --options` and
    /// `--summary` text.
    @Test(arguments: inputs("FuzzDump"))
    func dumpReplay(_ name: String) throws {
        let mapped = MappedFile(copying: try Self.bytes(name), path: "fuzz.dat")
        for mode in [TraceFile.OpenMode.full, .headOnly] {
            guard let f = try? TraceFile(mapped: mapped, mode: mode) else { continue }
            #expect(!TraceFileDump.options(of: f).isEmpty)
            _ = TraceFileDump.summary(of: f)
        }
    }

    /// FuzzOpen / FuzzRecords inputs: a trace file, opened both ways, its metadata texts read
    /// and every record of every buffer read.
    @Test(arguments: inputs("FuzzOpen") + inputs("FuzzRecords"))
    func openAndRecordsReplay(_ name: String) throws {
        let mapped = MappedFile(copying: try Self.bytes(name), path: "fuzz.dat")
        _ = try? TraceFile(mapped: mapped, mode: .headOnly)
        guard let f = try? TraceFile(mapped: mapped, mode: .full) else { return }
        _ = try? f.kallsymsText()
        _ = try? f.printkText()
        _ = try? f.savedCmdlinesText()
        for b in f.buffers where b.kind == .flyrecord {
            guard var it = try? RecordIterator(file: f, buffer: b) else { continue }
            var errors = 0
            while errors < 100_000 {
                do {
                    guard try it.next() != nil else { break }
                } catch {
                    errors += 1
                }
            }
            #expect(errors < 100_000, "reading does not end")
        }
    }

    // MARK: Specific findings

    /// FuzzRecords: heap use after free under AddressSanitizer. When a stream failed to read
    /// its next page, the merge forgot that the stream was to be read again and returned its
    /// previous record a second time, pointing into a chunk buffer already reused. No record
    /// may come out twice; reading goes on after the error.
    @Test func noRecordTwiceAfterAnError() throws {
        let data = try Self.bytes("FuzzRecords/crash-stale-record-after-error-4791b42f.bin")
        let f = try TraceFile(mapped: MappedFile(copying: data, path: "fuzz.dat"), mode: .full)
        var errors = 0
        var records = 0
        for b in f.buffers where b.kind == .flyrecord {
            var seen = Set<[Int]>()
            var it = try RecordIterator(file: f, buffer: b)
            while errors < 10_000 {
                do {
                    guard let r = try it.next() else { break }
                    records += 1
                    let key = [r.cpu, r.pageIndex, r.offsetInPage]
                    let again = !seen.insert(key).inserted
                    #expect(!again, "record returned twice: cpu \(r.cpu) page \(r.pageIndex) offset \(r.offsetInPage)")
                } catch {
                    errors += 1
                }
            }
        }
        #expect(errors > 0 && errors < 10_000)
        #expect(records > 0)
    }

    /// FuzzDump crashed (arithmetic overflow trap) in `TraceFile.sectionNames`: a v7 STRINGS
    /// section header whose size does not fit in the file is listed last by
    /// `sequentialSections()` with its size clamped to `Int.max`, and `offset + 16 + size`
    /// overflowed. The dump now prints the options and skips that section's strings.
    @Test func dumpOfSectionWithHugeSize() throws {
        let data = try Self.bytes("FuzzDump/crash-section-size-overflow-a22e0ea7.bin")
        let f = try TraceFile(mapped: MappedFile(copying: data, path: "huge.dat"), mode: .headOnly)
        let huge = try #require(f.sequentialSections().last)
        #expect(huge.size > data.count)
        #expect(TraceFileDump.options(of: f).contains("[Section "))
        _ = f.sectionNames
    }

    /// FuzzReport and FuzzSession ran out of memory (2 GB after ~15k runs): every stream's
    /// timestamp-correction closure captured the stream itself, so each report leaked all its
    /// streams, their decompressed pages and the files. A report must release its files.
    @Test func reportReleasesItsFile() throws {
        weak var weakFile: TraceFile?
        do {
            let f = try TraceFile.open(Fixtures.path("kstack.dat"))
            weakFile = f
            let printed = Self.report([f], ReportOptions())
            #expect((printed ?? 0) > 0)
        }
        #expect(weakFile == nil)
    }

    @Test func sessionReportReleasesItsFiles() throws {
        var weakFiles: [() -> TraceFile?] = []
        do {
            let host = try TraceFile.open(Fixtures.path("session-1guest/trace.dat"))
            let guest = try TraceFile.open(Fixtures.path("session-1guest/trace-guest1.vm.dat"))
            weakFiles = [{ [weak host] in host }, { [weak guest] in guest }]
            let printed = Self.report([host, guest], Self.reportOptions(0, 0, inputs: ["trace.dat", "trace-guest1.vm.dat"]))
            #expect((printed ?? 0) > 0)
        }
        for w in weakFiles { #expect(w() == nil) }
    }
}
