import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// `tracecmd peers` rendering (the library part the CLI prints) and sync quality.
@Suite struct PeersTests {
    static func summary(_ dir: String, _ names: [String]) throws -> SessionSummary {
        let files = try names.map { try TraceFile.open(Fixtures.path(dir + "/" + $0)) }
        return try SessionSummary(session: TraceSession(files: files, paths: names))
    }

    static func json(_ s: SessionSummary) throws -> [String: Any] {
        let any = try JSONSerialization.jsonObject(with: Data(s.json().utf8))
        return try #require(any as? [String: Any])
    }

    @Test func textShowsRolesGuestsCountsAndSync() throws {
        let s = try Self.summary("session-2guests", ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"])
        let text = s.text()
        #expect(text.hasPrefix("session of 3 files, host trace.dat\n"))
        #expect(text.contains("trace.dat: host\n"))
        #expect(text.contains("trace-guest1.vm.dat: guest of trace.dat\n"))
        #expect(text.contains("guest1.vm  id 0xb391c3c54d976343  2 vcpus  host pids [? ?]  file trace-guest1.vm.dat"))
        // Counts and times from libtracecmd (golden info.json).
        #expect(text.contains("cpu 0: 225 records, 594.131717808 .. 594.626711678"))
        #expect(text.contains("cpu 1: 395 records, 593.905543503 .. 594.388451308"))
        #expect(text.contains("time sync  peer 0xe5ec3cb530a61ca8, flags 0x1 (interpolate)"))
        // guest2 cpu 1: offsets 2599 -> -435.
        #expect(text.contains("offset 2599 .. -435 ns"))
        #expect(text.contains("largest jump 3034 ns"))
        #expect(!text.contains("warning"))
        #expect(!text.contains("note:"))
    }

    @Test func driftIsOffsetChangePerSecondOfGuestTime() throws {
        let s = try Self.summary("session-2guests", ["trace.dat", "trace-guest1.vm.dat"])
        let guest = try #require(s.files[1].syncQuality)
        let ts = try #require(try TraceFile.open(Fixtures.path("session-2guests/trace-guest1.vm.dat")).parsedTimeShift())
        for (cpu, samples) in ts.samples.enumerated() {
            let q = guest.cpus[cpu]
            let first = try #require(samples.first), last = try #require(samples.last)
            #expect(q.sampleCount == samples.count)
            let drift = Double(last.offset - first.offset) / Double(last.time - first.time) * 1e9
            #expect(abs((q.driftNsPerSecond ?? .nan) - drift) < 1e-6)
        }
        let doc = try Self.json(s)
        let files = try #require(doc["files"] as? [[String: Any]])
        let quality = try #require(files[1]["syncQuality"] as? [String: Any])
        #expect(quality["peerTraceID"] as? String == "0xe5ec3cb530a61ca8")
        #expect((quality["warnings"] as? [Any])?.isEmpty == true)
    }

    @Test func inconsistentTimeShiftIsWarned() throws {
        // trace-cmd 3.1.6's writer bug (see Fixtures/timesync/README.md).
        let s = try Self.summary("timesync/ptp-316-counts-3-2", ["host.dat", "guest.dat"])
        let q = try #require(s.files[1].syncQuality)
        #expect(q.warnings.contains(.writerCountBug(realCounts: [3, 2], storedCount: 2)))
        let text = s.text()
        #expect(text.contains("warning: TIME_SHIFT written by trace-cmd 3.1.6"))
        let doc = try Self.json(s)
        let files = try #require(doc["files"] as? [[String: Any]])
        let warnings = try #require((files[1]["syncQuality"] as? [String: Any])?["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("[3, 2]") })
        // The host's other guest has no file.
        let diags = try #require(doc["diagnostics"] as? [[String: Any]])
        #expect(diags.map { $0["kind"] as? String } == ["guestWithoutFile"])
    }

    /// The reference merges the misread (non-monotonic) guest times as they come: our
    /// timeline's guest records in the order of `report -t -i host -i guest`.
    @Test func misreadGuestTimesMergeLikeTheReference() throws {
        let dir = "timesync/ptp-316-counts-3-2"
        let files = try ["host.dat", "guest.dat"].map { try TraceFile.open(Fixtures.path(dir + "/" + $0)) }
        let session = TraceSession(files: files)
        let expected = SessionGoldenTests.reportKeys(
            try String(contentsOfFile: Fixtures.path(dir + "/report-t-multi.txt"), encoding: .utf8))
        var t = try session.timeline(.init(peers: [1]))
        var ours: [(String, Int, String)] = []
        var decreasing = 0
        var last: UInt64 = 0
        while let r = try t.next() {
            if r.record.timestamp < last { decreasing += 1 }
            last = r.record.timestamp
            ours.append(("trace-guest2.vm.dat", r.record.cpu, formatTimestamp(r.record.timestamp)))
        }
        #expect(decreasing > 0)
        #expect(ours.count == expected.count)
        #expect(SessionGoldenTests.firstMismatch(ours, expected) == nil)
    }

    @Test func peerMismatchIsWarned() throws {
        let host = try TraceFile.open(Fixtures.path("session-2guests/trace.dat"))
        let guest = try TraceFile.open(Fixtures.path("session-1guest/trace-guest1.vm.dat"))
        let s = try SessionSummary(session: TraceSession(files: [host, guest], paths: ["h.dat", "g.dat"]))
        let text = s.text()
        #expect(text.contains("g.dat: guest\n"), "not 'guest of h.dat': its peer is another host")
        #expect(text.contains("is not the host's trace ID 0xE5EC3CB530A61CA8"))
        #expect(text.contains("note: g.dat: trace ID"))
    }

    @Test func singleFileHasNoGuestsOrSync() throws {
        let s = try SessionSummary(session: TraceSession(files: [try TraceFile.open(Fixtures.path("buffers.dat"))],
                                                         paths: ["buffers.dat"]))
        let text = s.text()
        #expect(text.hasPrefix("buffers.dat: single\n"))
        #expect(text.contains("instance inst2: cpus 2, first 584.810638877"))
        #expect(!text.contains("guests"))
        #expect(!text.contains("time sync"))
        let doc = try Self.json(s)
        let f = try #require((doc["files"] as? [[String: Any]])?.first)
        #expect(f["syncQuality"] is NSNull)
        #expect(f["timeSync"] is NSNull)
        #expect(doc["host"] is NSNull)
    }

    @Test func jsonEscapesAndFormats() {
        var w = JSONText()
        w.open("[")
        w.item(); w.string("a\"b\\c\n\u{1}é")
        w.item(); w.number(-5)
        w.item(); w.optional(Optional<Int>.none)
        w.close("]")
        #expect(w.text == #"["a\"b\\c\n\u0001é", -5, null]"#)
        #expect(formatTimestamp(1_000_000_007) == "1.000000007")
        #expect(formatTimestamp(5) == "0.000000005")
        #expect(formatFixed(-1144.0414, decimals: 3) == "-1144.041")
        #expect(formatFixed(0.0004, decimals: 3) == "0.000")
        #expect(formatFixed(2.5, decimals: 0) == "3")
    }
}
