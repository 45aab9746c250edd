import Foundation
import Testing
@_spi(Engine) import TraceCmd
import TraceWriter

/// `split` pieces, read by the reference: each piece reports exactly the matching lines of the
/// whole file, and the pieces together report the whole.
///
/// The reference's report names a task after what it learned earlier in the same file (its
/// sched_switch output override remembers comms while printing), which a piece that starts
/// later cannot know: lines are compared with the `comm-pid` column reduced to the PID.
@Suite struct SplitTests {
    static let fixtures = ["v7-zstd.dat", "v6.dat", "v7-nocompress.dat", "buffers.dat", "v6-buffers.dat", "lost-events.dat",
                           "lost-events-extract.dat", "events.dat", "date.dat", "clock-x86-tsc.dat", "kstack.dat",
                           "session-1guest/trace-guest1.vm.dat", "session-tsync/trace.dat"]

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.range(of: #"cpus=\d+$"#, options: .regularExpression) == nil }.map { line in
            String(line).replacingOccurrences(of: #"^( *[^ ]+: )?\s*.*-(\d+)\s+\["#, with: "$1$2 [", options: .regularExpression)
        }
    }

    /// The lines of `whole` in the window `lo...hi` (printed times): timestamped lines inside
    /// it, the lines that continue them (stack traces), and the lost-events marks printed
    /// before them.
    static func window(_ whole: [String], _ lo: Double, _ hi: Double) -> [String] {
        var out: [String] = []
        var inside = false
        var pending: [String] = []
        for l in whole {
            if let t = timestamp(l) {
                inside = t >= lo && t <= hi
                if inside { out += pending }
                pending = []
                if inside { out.append(l) }
            } else if l.contains("EVENTS DROPPED]") || l.contains("LOST EVENTS]") {
                pending.append(l)
            } else if inside {
                out.append(l)
            }
        }
        return out
    }

    static func timestamp(_ line: String) -> Double? {
        guard let r = line.range(of: #"\] +[0-9]+\.[0-9]+:"#, options: .regularExpression) else { return nil }
        let s = line[r].dropFirst().trimmingCharacters(in: .whitespaces).dropLast()
        return Double(s)
    }

    func pieces(_ fixture: String, _ options: SplitOptions, _ dir: String) throws -> [String] {
        let file = try TraceFile.open(Fixtures.path(fixture))
        let reports = try TraceWriter.split(file, options: options) { dir + "/piece.\($0)" }
        #expect(!reports.isEmpty)
        for r in reports { #expect(r.dropped.isEmpty, "\(fixture): \(r.dropped)") }
        return reports.map(\.path)
    }

    /// Pieces of consecutive events (`-e N -r`) and of time (`-m N -r`): each piece's report is
    /// the next run of the whole's lines.
    @Test(arguments: fixtures)
    func consecutivePiecesAreRunsOfTheWhole(_ fixture: String) throws {
        let whole = Self.lines(try Reference.report([Fixtures.path(fixture)], []).text)
        for (name, options) in [("e", SplitOptions(limit: .events(700), repeats: true)),
                                ("m", SplitOptions(limit: .time(nanoseconds: 30_000_000), repeats: true))] {
            let dir = try Fixtures.scratch("split-\(name)-" + fixture)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var at = 0
            for p in try pieces(fixture, options, dir) {
                let r = try Reference.report([p], [])
                #expect(r.status == 0)
                let got = Self.lines(r.text)
                let want = Array(whole[min(at, whole.count)..<min(at + got.count, whole.count)])
                #expect(got.elementsEqual(want), "\(fixture) -\(name): \(p) is not lines \(at + 1)... of the whole\n\(firstDifference(got.joined(separator: "\n"), want.joined(separator: "\n")))")
                if case .events(let n) = options.limit, fixture != "buffers.dat", fixture != "v6-buffers.dat" {
                    #expect(got.filter { Self.timestamp($0) != nil }.count <= n)
                }
                at += got.count
            }
            #expect(at == whole.count, "\(fixture) -\(name): the pieces hold \(at) of \(whole.count) lines")
        }
    }

    /// Per-CPU pieces (`-p N`, `-e N -c`): each piece holds, for every CPU, the next run of
    /// that CPU's lines.
    @Test(arguments: fixtures)
    func perCPUPiecesAreRunsOfEachCPU(_ fixture: String) throws {
        let file = try TraceFile.open(Fixtures.path(fixture))
        let cpus = Set(file.buffers.flatMap { $0.cpus.map(\.cpu) }).sorted()
        var whole: [Int: [String]] = [:]
        for c in cpus { whole[c] = Self.lines(try Reference.report([Fixtures.path(fixture)], ["--cpu", String(c)]).text) }
        for (name, options) in [("p", SplitOptions(limit: .pages(3), repeats: true)),
                                ("ec", SplitOptions(limit: .events(300), repeats: true, perCPU: true))] {
            let dir = try Fixtures.scratch("split-\(name)-" + fixture)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var at: [Int: Int] = [:]
            for p in try pieces(fixture, options, dir) {
                if case .pages(let n) = options.limit, let back = try? TraceFile.open(p) {
                    for b in back.buffers where b.isTopLevel {
                        for c in b.cpus { #expect(c.size <= 4 * n * back.pageSize) }
                    }
                }
                for c in cpus {
                    let got = Self.lines(try Reference.report([p], ["--cpu", String(c)]).text)
                    let all = whole[c] ?? []
                    let from = at[c] ?? 0
                    let want = Array(all[min(from, all.count)..<min(from + got.count, all.count)])
                    #expect(got.elementsEqual(want), "\(fixture) -\(name) CPU \(c): \(p)\n\(firstDifference(got.joined(separator: "\n"), want.joined(separator: "\n")))")
                    at[c] = from + got.count
                }
            }
            for c in cpus { #expect(at[c] == whole[c]?.count, "\(fixture) -\(name): CPU \(c) lines") }
        }
    }

    /// A window `start end`: the piece reports the whole's lines inside it, keeps the input's
    /// metadata and options (a guest its TRACEID and TIME_SHIFT), in every output format.
    @Test(arguments: fixtures)
    func windowKeepsItsLinesAndMetadata(_ fixture: String) throws {
        let input = Fixtures.path(fixture)
        let whole = Self.lines(try Reference.report([input], []).text)
        let stamps = whole.compactMap(Self.timestamp).sorted()
        guard stamps.count > 3 else { return }
        let lo = stamps[stamps.count / 3], hi = stamps[2 * stamps.count / 3]
        // The report prints microseconds, rounded: a printed time covers 500 ns either side.
        let start = UInt64((lo * 1e6).rounded()) * 1000 - 500, end = UInt64((hi * 1e6).rounded()) * 1000 + 499
        let want = Self.window(whole, lo, hi)
        let source = try TraceFile.open(input)
        for format in [nil, OutputFormat(version: 6), OutputFormat(version: 7, compression: .zstd)] {
            let dir = try Fixtures.scratch("split-w-\(format?.version ?? 0)-" + fixture)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let ps = try pieces(fixture, SplitOptions(start: start, end: end, format: format), dir)
            #expect(ps.count == 1)
            guard let p = ps.first else { continue }
            let got = Self.lines(try Reference.report([p], []).text)
            #expect(got.elementsEqual(want), "\(fixture) window: \(firstDifference(got.joined(separator: "\n"), want.joined(separator: "\n")))")
            #expect(try Reference.carriedOptions(p) == Reference.carriedOptions(input))
            let back = try TraceFile.open(p)
            #expect(back.traceID == source.traceID)
            #expect(back.timeShiftPayload == source.timeShiftPayload)
            #expect(back.guests == source.guests)
            #expect(try back.kallsymsText() == source.kallsymsText())
            #expect(try back.savedCmdlinesText() == source.savedCmdlinesText())
        }
    }

    /// A window cut out of every file of a host + guest session still reports as a session:
    /// the reference's session report of the pieces is the whole session's lines in the window.
    @Test(arguments: ["session-1guest", "session-2guests", "session-tsync", "session-v6"])
    func sessionWindowIsStillASession(_ session: String) throws {
        let src = Fixtures.path(session)
        let names = try FileManager.default.contentsOfDirectory(atPath: src).filter { $0.hasSuffix(".dat") }
            .sorted { ($0 == "trace.dat" ? "" : $0) < ($1 == "trace.dat" ? "" : $1) }
        let whole = Self.lines(try Reference.report(names, [], directory: src).text)
        let stamps = whole.compactMap(Self.timestamp).sorted()
        let lo = stamps[stamps.count / 4], hi = stamps[3 * stamps.count / 4]
        let want = Self.window(whole, lo, hi)
        let dir = try Fixtures.scratch("split-session-" + session)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let options = SplitOptions(start: UInt64((lo * 1e6).rounded()) * 1000 - 500, end: UInt64((hi * 1e6).rounded()) * 1000 + 499)
        for n in names {
            let reports = try TraceWriter.split(try TraceFile.open(src + "/" + n), options: options) { _ in dir + "/" + n }
            #expect(reports.count == 1)
        }
        let r = try Reference.report(names, [], directory: dir)
        #expect(r.status == 0)
        let got = Self.lines(r.text)
        #expect(got.elementsEqual(want), "\(session): \(firstDifference(got.joined(separator: "\n"), want.joined(separator: "\n")))")
    }
}
