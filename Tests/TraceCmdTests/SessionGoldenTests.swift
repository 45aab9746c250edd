import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// Sessions and per-file facts against libtracecmd (golden `info.json` and `records.txt` of
/// `scripts/golden/tcinfo.c`) and the reference's report order.
@Suite struct SessionGoldenTests {
    /// The trace files of a tcinfo/report manifest row: paths under Tests/Fixtures, and as
    /// the reference's command line named them.
    static func inputs(_ e: Fixtures.Entry) -> (paths: [String], display: [String]) {
        let display = e.argvInputs.filter { !$0.hasPrefix("--") }
        let paths = display.map { e.cwd == "." ? $0 : e.cwd + "/" + $0 }
        return (paths.map(Fixtures.path), display)
    }

    static func session(_ e: Fixtures.Entry, settings: TimestampCorrector.Settings = .init()) throws -> TraceSession {
        let (paths, display) = inputs(e)
        let files = try paths.map { try TraceFile.open($0) }
        return TraceSession(files: files, paths: display, settings: settings)
    }

    static func parseJSON(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// Differences between `expected` and `actual`, for every key of `expected` (extra keys
    /// of `actual` are fine).
    static func differences(_ expected: Any, _ actual: Any, at path: String = "$") -> [String] {
        switch (expected, actual) {
        case let (e as [String: Any], a as [String: Any]):
            var out: [String] = []
            for (k, ev) in e.sorted(by: { $0.key < $1.key }) {
                guard let av = a[k] else { out.append("\(path).\(k): missing"); continue }
                out += differences(ev, av, at: "\(path).\(k)")
            }
            return out
        case let (e as [Any], a as [Any]):
            guard e.count == a.count else { return ["\(path): \(e.count) items expected, \(a.count) found"] }
            return zip(e, a).enumerated().flatMap { differences($0.element.0, $0.element.1, at: "\(path)[\($0.offset)]") }
        case (is NSNull, is NSNull):
            return []
        case let (e as NSNumber, a as NSNumber):
            // Compare integers exactly (timestamps exceed Double's precision).
            return e.int64Value == a.int64Value && e.uint64Value == a.uint64Value && e == a
                ? [] : ["\(path): \(e) expected, \(a) found"]
        case let (e as String, a as String):
            return e == a ? [] : ["\(path): \"\(e)\" expected, \"\(a)\" found"]
        default:
            return ["\(path): \(expected) expected, \(actual) found"]
        }
    }

    // MARK: info.json

    @Test(arguments: Fixtures.entries("info"))
    func infoMatchesLibtracecmd(_ entry: Fixtures.Entry) throws {
        let summary = try SessionSummary(session: try Self.session(entry))
        let ours = try Self.parseJSON(summary.json())
        let golden = try Self.parseJSON(try entry.expected())
        let diffs = Self.differences(golden, ours)
        #expect(diffs.isEmpty, "\(entry): \(diffs.prefix(8).joined(separator: "; "))")
        #expect(summary.files.allSatisfy { $0.readErrors.isEmpty })
    }

    @Test func infoParityOverTheManifest() throws {
        let entries = Fixtures.entries("info")
        #expect(entries.count >= 30, "manifest info rows: \(entries.count)")
        var identical = 0
        for e in entries {
            let summary = try SessionSummary(session: try Self.session(e))
            if Self.differences(try Self.parseJSON(try e.expected()), try Self.parseJSON(summary.json())).isEmpty {
                identical += 1
            }
        }
        #expect(identical == entries.count, "\(identical) of \(entries.count) info.json identical")
    }

    @Test func jsonHasTheSchemaKeysAndSyncQuality() throws {
        let e = try #require(Fixtures.entries("info").first { $0.fixture == "session-2guests" })
        let summary = try SessionSummary(session: try Self.session(e))
        let doc = try #require(try Self.parseJSON(summary.json()) as? [String: Any])
        let files = try #require(doc["files"] as? [[String: Any]])
        #expect(files.count == 3)
        for key in ["path", "version", "compression", "clock", "traceID", "role", "firstTimestamp", "cpus",
                    "cpuStats", "instances", "guests", "timeSync", "syncQuality"] {
            #expect(files[0][key] != nil, "missing \(key)")
        }
        #expect(doc["host"] as? Int == 0)
        #expect((doc["diagnostics"] as? [Any])?.isEmpty == true)
        let q = try #require(files[2]["syncQuality"] as? [String: Any])
        let cpus = try #require(q["cpus"] as? [[String: Any]])
        // guest2 cpu 1: offsets 2599 then -435 (golden timeSync): a jump of 3034 ns.
        #expect(cpus[1]["firstOffset"] as? Int == 2599)
        #expect(cpus[1]["lastOffset"] as? Int == -435)
        #expect(cpus[1]["largestJump"] as? Int == 3034)
        #expect((cpus[1]["driftNsPerSecond"] as? Double).map { $0 < 0 } == true)
        #expect(files[0]["syncQuality"] is NSNull)
    }

    // MARK: records.txt

    @Test(arguments: Fixtures.entries("records"))
    func recordsMatchLibtracecmd(_ entry: Fixtures.Entry) throws {
        let session = try Self.session(entry)
        let expected = try entry.expected().split(separator: "\n").map(String.init)
        var timeline = try session.timeline(.init(includeInstances: false))
        var ours: [String] = []
        ours.reserveCapacity(expected.count)
        let multi = session.peers.count > 1
        while let r = try timeline.next() {
            ours.append(multi ? "\(r.peer) \(r.record.cpu) \(r.record.timestamp)"
                              : "\(r.record.cpu) \(r.record.timestamp)")
        }
        #expect(ours.count == expected.count, "\(entry): \(ours.count) records, reference \(expected.count)")
        if let i = (0..<min(ours.count, expected.count)).first(where: { ours[$0] != expected[$0] }) {
            Issue.record("\(entry): record \(i): \(ours[i]), reference \(expected[i])")
        }
    }

    @Test func recordsParityOverTheManifest() throws {
        let entries = Fixtures.entries("records")
        var identical = 0
        for e in entries {
            let session = try Self.session(e)
            let multi = session.peers.count > 1
            var timeline = try session.timeline(.init(includeInstances: false))
            var ours = ""
            while let r = try timeline.next() {
                ours += multi ? "\(r.peer) \(r.record.cpu) \(r.record.timestamp)\n" : "\(r.record.cpu) \(r.record.timestamp)\n"
            }
            if ours == (try e.expected()) { identical += 1 }
        }
        #expect(entries.count >= 30)
        #expect(identical == entries.count, "\(identical) of \(entries.count) records.txt identical")
    }

    // MARK: report order

    /// `(prefix, cpu, timestamp text)` of every event line of a report: the prefix is the file
    /// name (several `-i`) or the instance name before the first colon; empty for none.
    static func reportKeys(_ text: String, filePrefix: Bool = true) -> [(prefix: String, cpu: Int, ts: String)] {
        var out: [(String, Int, String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let u = Array(line.utf8)
            guard let open = u.firstIndex(of: UInt8(ascii: "[")),
                  let close = u[open...].firstIndex(of: UInt8(ascii: "]")), close > open + 1,
                  u[(open + 1)..<close].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { continue }
            var j = close + 1
            while j < u.count, u[j] == 32 { j += 1 }
            var k = j
            while k < u.count, (u[k] >= 48 && u[k] <= 57) || u[k] == UInt8(ascii: ".") { k += 1 }
            guard k > j, k < u.count, u[k] == UInt8(ascii: ":") else { continue }
            var prefix = ""
            if let c = u.firstIndex(of: UInt8(ascii: ":")), c < open, filePrefix || u[0] != 32 {
                prefix = String(decoding: u[..<c], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            }
            let cpu = Int(String(decoding: u[(open + 1)..<close], as: UTF8.self)) ?? -1
            out.append((prefix, cpu, String(decoding: u[j..<k], as: UTF8.self)))
        }
        return out
    }

    static func firstMismatch(_ ours: [(String, Int, String)], _ expected: [(prefix: String, cpu: Int, ts: String)]) -> Int? {
        for i in 0..<min(ours.count, expected.count) {
            let a = ours[i]
            let b = expected[i]
            if a.0 != b.prefix || a.1 != b.cpu || a.2 != b.ts { return i }
        }
        return nil
    }

    /// `SECS.USECS` as the reference prints a nanosecond timestamp by default (rounded to µs).
    static func usecs(_ ts: UInt64) -> String {
        let us = (ts + 500) / 1000
        let frac = String(us % 1_000_000)
        return "\(us / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
    }

    @Test(arguments: ["buffers", "v6-buffers"])
    func instancesComeAfterTheTopBufferOnTies(_ fixture: String) throws {
        let e = try #require(Fixtures.manifest.first { $0.fixture == fixture && $0.flagset == "default" })
        let session = try Self.session(e)
        let expected = Self.reportKeys(try e.expected(), filePrefix: false)
        #expect(expected.count > 2000)
        var timeline = try session.timeline()
        var i = 0
        var ties = 0
        var last: UInt64 = 0
        while let r = try timeline.next() {
            defer { i += 1 }
            guard i < expected.count else { continue }
            let name = session.peers[r.peer].file.buffers[r.buffer].name
            let x = expected[i]
            if x.prefix != name || x.cpu != r.record.cpu || x.ts != Self.usecs(r.record.timestamp) {
                Issue.record("\(fixture) line \(i): ours \(name) [\(r.record.cpu)] \(Self.usecs(r.record.timestamp)), reference \(x.prefix) [\(x.cpu)] \(x.ts)")
                return
            }
            if r.record.timestamp == last { ties += 1 }
            last = r.record.timestamp
        }
        #expect(i == expected.count)
        if fixture == "buffers" { #expect(ties > 0, "the fixture should exercise equal timestamps") }
    }

    /// `-t` reports (sessions: with the file-name prefix), `[CPU]` and nanosecond columns
    /// in order; clocks the reference does not print in seconds show the integer.
    @Test(arguments: Fixtures.entries("t"))
    func reportOrderWithNanoseconds(_ entry: Fixtures.Entry) throws {
        try Self.compareOrder(entry, settings: .init())
    }

    @Test(arguments: Fixtures.entries("raw-ts"))
    func rawReportOrder(_ entry: Fixtures.Entry) throws {
        try Self.compareOrder(entry, settings: .init(rawTimestamps: true))
    }

    static func compareOrder(_ entry: Fixtures.Entry, settings: TimestampCorrector.Settings) throws {
        let session = try Self.session(entry, settings: settings)
        let multi = session.peers.count > 1
        let expected = Self.reportKeys(try entry.expected(), filePrefix: multi)
        #expect(!expected.isEmpty)
        let seconds = expected.first?.ts.contains(".") ?? true
        // Microseconds: raw timestamps of a file with no stored clock stay seconds.microseconds.
        let micro = expected.first.map { $0.ts.split(separator: ".").last?.count == 6 } ?? false
        var timeline = try session.timeline()
        var ours: [(String, Int, String)] = []
        while let r = try timeline.next() {
            if settings.rawTimestamps { #expect(r.record.timestamp == r.record.rawTimestamp) }
            let ts = micro ? Self.usecs(r.record.timestamp)
                : seconds ? formatTimestamp(r.record.timestamp) : String(r.record.timestamp)
            ours.append((multi ? session.peers[r.peer].path : "", r.record.cpu, ts))
        }
        #expect(ours.count == expected.count, "\(entry)")
        if let i = Self.firstMismatch(ours, expected) {
            Issue.record("\(entry) line \(i): ours \(ours[i]), reference \(expected[i])")
        }
    }

    /// `--cpu 0` with several files keeps CPU 0 of the first file only (the reference
    /// compares with the merged CPU index).
    @Test func mergedCPUSelectionMatchesReportCPU0() throws {
        for e in Fixtures.entries("cpu0") where Self.inputs(e).display.count > 1 {
            let session = try Self.session(e)
            let expected = Self.reportKeys(try e.expected())
            var timeline = try session.timeline(.init(mergedCPUs: [0]))
            var ours: [(String, Int, String)] = []
            while let r = try timeline.next() {
                ours.append((session.peers[r.peer].path, r.record.cpu, Self.usecs(r.record.timestamp)))
            }
            #expect(ours.count == expected.count, "\(e)")
            #expect(!ours.isEmpty)
            if let i = Self.firstMismatch(ours, expected) {
                Issue.record("\(e) line \(i): ours \(ours[i]), reference \(expected[i])")
            }
        }
    }
}
