import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// Corrected timestamps against the reference (`trace-cmd report -t -i host -i guest`) on
/// real host/guest recordings of trace-cmd 3.1.6, and on copies of a real guest file whose
/// TIME_SHIFT payload was rewritten with hand-chosen sample tables (Fixtures/timesync/variants).
@Suite struct TimeSyncReferenceTests {
    typealias F = TimeSyncFixtures

    static func timeShift(_ dir: String) throws -> TimeShift {
        let bytes = try F.data("\(dir)/timeshift.bin")
        guard let ts = try TimeShift.parse(bytes, order: .little) else {
            throw F.Missing(description: "\(dir): TIME_SHIFT ignored")
        }
        return ts
    }

    /// Corrects every raw guest timestamp and compares with the reference's corrected value.
    /// Returns the number of lines compared.
    @discardableResult
    static func compare(raw rawPath: String, corrected correctedPath: String, corrector: TimestampCorrector,
                        skipCPUs: Set<Int> = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        var corrector = corrector
        let raw = try F.lines(rawPath)
        let corrected = try F.lines(correctedPath)
        #expect(!raw.isEmpty, sourceLocation: sourceLocation)
        let pairs = try #require(F.pair(raw: raw, corrected: corrected), "unsound pairing \(correctedPath)",
                                 sourceLocation: sourceLocation)
        var compared = 0
        var mismatches = 0
        for (r, c) in pairs where !skipCPUs.contains(r.cpu) {
            let got = corrector.correct(r.ts, cpu: r.cpu)
            if got != c.ts {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("\(correctedPath): cpu \(r.cpu) raw \(r.ts): got \(got), reference \(c.ts)",
                                 sourceLocation: sourceLocation)
                }
            }
            compared += 1
        }
        #expect(mismatches == 0, "\(mismatches) of \(compared) lines differ", sourceLocation: sourceLocation)
        return compared
    }

    // MARK: real sessions

    @Test func consistentPtpSessionParsesLikeDump() throws {
        let ts = try Self.timeShift("ptp-consistent")
        let dump = try F.text("ptp-consistent/dump-options.txt")
        let host = try F.text("ptp-consistent/host-traceid.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ts.peerTraceID == UInt64(host.dropFirst(2), radix: 16))
        #expect(dump.contains(String(format: "0x%llX [peer's trace id]", ts.peerTraceID)))
        #expect(ts.flags == .interpolate)
        #expect(ts.cpuCount == 2)
        #expect(ts.hasFractions)
        #expect(ts.unreadBytes == 0)
        // dump prints each stored sample as "offset scaling fraction time", cpu by cpu.
        let printed = dump.split(separator: "\n").filter { $0.hasSuffix("[offset * scaling >> fraction @ time]") }
            .map { $0.replacingOccurrences(of: "[offset * scaling >> fraction @ time]", with: "")
                .trimmingCharacters(in: .whitespaces) }
        let ours = ts.stored.flatMap { $0 }.map { "\($0.offset) \($0.scaling) \($0.fraction) \($0.time)" }
        #expect(printed == ours)
        #expect(ts.stored.map(\.count) == [10, 10])
        #expect(ts.samples == ts.stored)
    }

    /// Statistics of the real samples (values as `trace-cmd dump --options` prints them).
    @Test func consistentPtpSessionQuality() throws {
        let bytes = try F.data("ptp-consistent/timeshift.bin")
        let hostText = try F.text("ptp-consistent/host-traceid.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        let host = try #require(UInt64(hostText.dropFirst(2), radix: 16))
        let q = SyncQuality.analyze(payload: bytes, order: .little, hostTraceID: host)
        #expect(q.warnings.isEmpty)
        #expect(q.cpus.map(\.sampleCount) == [10, 10])
        #expect(q.cpus[0].firstOffset == -421)
        #expect(q.cpus[0].lastOffset == -445)
        #expect(q.cpus[0].firstTime == 441609350470)
        #expect(q.cpus[0].lastTime == 442585578453)
        #expect(q.cpus[0].largestJump == 325)
        let drift = try #require(q.cpus[0].driftNsPerSecond)
        #expect(abs(drift - (-24.0 / 976_227_983.0 * 1e9)) < 1e-9)
        #expect(q.cpus[1].firstOffset == -2134)
        #expect(q.cpus[1].lastOffset == -421)
        #expect(q.cpus[1].largestJump == 3200)
        let wrongHost = SyncQuality.analyze(payload: bytes, order: .little, hostTraceID: host ^ 1)
        #expect(wrongHost.warnings == [.peerMismatch(peer: host, host: host ^ 1)])
    }

    @Test func consistentPtpSessionMatchesReference() throws {
        let ts = try Self.timeShift("ptp-consistent")
        let n = try Self.compare(raw: "ptp-consistent/report-raw.txt", corrected: "ptp-consistent/report-t-multi.txt",
                                 corrector: TimestampCorrector(timeShift: ts))
        #expect(n == 76)
        // The events fall between samples (the variants below cover before-first and after-last).
        let raw = try F.lines("ptp-consistent/report-raw.txt").filter { $0.cpu == 0 }.map(\.ts)
        let times = ts.samples[0].map { UInt64($0.time) }
        #expect(raw.allSatisfy { $0 > times[0] && $0 < times[times.count - 1] })
        #expect(Set(raw.map { t in times.lastIndex { $0 <= t } ?? -1 }).count >= 5)
    }

    /// trace-cmd 3.1.6 wrote cpu 0 with 3 samples and cpu 1 with 2, both count fields saying 2.
    /// The reference reads cpu 0 as 2 shifted samples and cpu 1 as 1 sample from inside cpu 0's data.
    @Test func inconsistent316SessionMatchesReference() throws {
        let ts = try Self.timeShift("ptp-316-counts-3-2")
        let dump = try F.text("ptp-316-counts-3-2/dump-options.txt")
        #expect(dump.contains("2 [samples count for CPU 0]"))
        #expect(dump.contains("1 [samples count for CPU 1]"))
        #expect(ts.stored.map(\.count) == [2, 1])
        #expect(ts.unreadBytes > 0)
        try Self.compare(raw: "ptp-316-counts-3-2/report-raw.txt", corrected: "ptp-316-counts-3-2/report-t-multi.txt",
                         corrector: TimestampCorrector(timeShift: ts))
        let bytes = try F.data("ptp-316-counts-3-2/timeshift.bin")
        let q = SyncQuality.analyze(payload: bytes, order: .little, hostTraceID: ts.peerTraceID)
        #expect(q.warnings.contains(.writerCountBug(realCounts: [3, 2], storedCount: 2)))
        #expect(q.warnings.contains(.countsDisagree([2, 1])))
        #expect(!q.warnings.contains { if case .peerMismatch = $0 { return true } else { return false } })
    }

    /// Written with cpu 0: 1 sample, cpu 1: 4 samples (count fields 4). The reference reads
    /// cpu 0 as 4 garbage samples (one with a negative time, so every timestamp compares below
    /// it as unsigned) and cpu 1 as 0 samples, for which its result is undefined (it reads
    /// outside the array): cpu 1 is left out of the comparison; we leave its timestamps alone.
    @Test func inconsistent316SessionWithEmptyCPU() throws {
        let ts = try Self.timeShift("ptp-316-counts-1-4")
        #expect(ts.stored.map(\.count) == [4, 0])
        #expect(ts.samples[0][0].time < 0)
        let n = try Self.compare(raw: "ptp-316-counts-1-4/report-raw.txt", corrected: "ptp-316-counts-1-4/report-t-multi.txt",
                                 corrector: TimestampCorrector(timeShift: ts), skipCPUs: [1])
        #expect(n == 100)
        var c = TimestampCorrector(timeShift: ts)
        #expect(c.correct(377137601750, cpu: 1) == 377137601750)
        let bytes = try F.data("ptp-316-counts-1-4/timeshift.bin")
        let q = SyncQuality.analyze(payload: bytes, order: .little, hostTraceID: nil)
        #expect(q.warnings.contains(.writerCountBug(realCounts: [1, 4], storedCount: 4)))
        #expect(q.warnings.contains(.noSamples(cpu: 1)))
        #expect(q.warnings.contains(.implausibleSamples(cpu: 0)))
    }

    // MARK: the shared session fixtures, read through the file layer

    /// Guest and host timestamps of `trace-cmd report -t -i trace.dat -i trace-guest1.vm.dat`
    /// from the raw ones of `--raw-ts`, with the options as `TraceFile` reads them.
    @Test(arguments: ["session-1guest", "session-tsync", "session-v6"])
    func sessionFixtureMatchesReference(session: String) throws {
        for name in ["trace-guest1.vm.dat", "trace.dat"] {
            let file = try TraceFile.open(Fixtures.path("\(session)/\(name)"))
            let ts = try file.timeShiftPayload.flatMap { try TimeShift.parse($0, order: file.byteOrder) }
            #expect((ts != nil) == (name != "trace.dat"))
            let tsc = file.tsc2nsec.map { TSCConversion(mult: $0.multiplier, shift: $0.shift, offset: $0.offset) }
            var corrector = TimestampCorrector(timeShift: ts, tsc: tsc, offsetOptions: file.offsetOptions,
                                               dateOptions: file.dateOptions)
            let golden = Fixtures.path("golden/\(session)/report")
            let raw = try F.lines(absolutePath: golden + "/raw-ts.txt", prefix: name)
            let corrected = try F.lines(absolutePath: golden + "/t.txt", prefix: name)
            #expect(raw.count > 10)
            let pairs = try #require(F.pair(raw: raw, corrected: corrected), "\(session)/\(name): unsound pairing")
            let wrong = pairs.filter { corrector.correct($0.raw.ts, cpu: $0.raw.cpu) != $0.corrected.ts }
            #expect(wrong.isEmpty, "\(session)/\(name): \(wrong.count) of \(pairs.count) differ, first \(String(describing: wrong.first))")
        }
    }

    // MARK: DATE and OFFSET options of real recordings

    static func optionString(_ dump: String, _ name: String) -> String? {
        let lines = dump.split(separator: "\n", omittingEmptySubsequences: false)
        guard let i = lines.firstIndex(where: { $0.contains("[Option \(name), ") }), i + 1 < lines.count else { return nil }
        return String(lines[i + 1])
    }

    @Test(arguments: ["neg", "hex", "oct", "sp"])
    func offsetOptionMatchesReference(name: String) throws {
        let dump = try F.text("date-offset/\(name).dump-options.txt")
        let s = try #require(Self.optionString(dump, "OFFSET"))
        try Self.compare(raw: "date-offset/\(name).report-raw.txt", corrected: "date-offset/\(name).report-t.txt",
                         corrector: TimestampCorrector(offsetOptions: [s]))
        // --nodate does not affect OFFSET; --raw-ts ignores it.
        var raw = TimestampCorrector(offsetOptions: [s], settings: .init(rawTimestamps: true))
        #expect(raw.correct(12345, cpu: 0) == 12345)
    }

    @Test func dateOptionMatchesReference() throws {
        let dump = try F.text("date-offset/date.dump-options.txt")
        let s = try #require(Self.optionString(dump, "DATE"))
        #expect(s.hasPrefix("0x"))
        try Self.compare(raw: "date-offset/date.report-raw.txt", corrected: "date-offset/date.report-t.txt",
                         corrector: TimestampCorrector(dateOptions: [s]))
        try Self.compare(raw: "date-offset/date.report-raw.txt", corrected: "date-offset/date.report-t-nodate.txt",
                         corrector: TimestampCorrector(dateOptions: [s], settings: .init(ignoreDate: true)))
    }

    // MARK: rewritten TIME_SHIFT tables, judged by the reference

    @Test(arguments: ["interpolate", "step", "wrap", "onecpu", "nofractions",
                      "tsc", "tsc-signed", "tsc-shift40", "offset", "user-offset", "ts2secs",
                      "ts2secs-1hz", "ts2secs-100hz"])
    func variantMatchesReference(name: String) throws {
        let v = try F.Variant.load(name)
        let ts = try #require(try TimeShift.parse(try v.payload(), order: .little))
        let tsc = v.tsc2nsec.map { TSCConversion(mult: $0.mult, shift: $0.shift, offset: $0.offset) }
        let corrector = TimestampCorrector(timeShift: ts, tsc: tsc, offsetOptions: v.offset.map { [$0] } ?? [],
                                           settings: v.settings)
        try Self.compare(raw: "ptp-consistent/report-raw.txt", corrected: "variants/\(name).report-t-multi.txt",
                         corrector: corrector)
    }

    @Test(arguments: ["fail-count", "fail-negative", "fail-fractions"])
    func variantRefusedLikeReference(name: String) throws {
        let v = try F.Variant.load(name)
        // The reference prints nothing for the session (it cannot open the guest file).
        let err = try F.text("variants/\(name).report-error.txt")
        #expect(err.contains("stdout lines: 0"))
        #expect(!F.exists("variants/\(name).report-t-multi.txt"))
        #expect(throws: TimeShiftError.self) { _ = try TimeShift.parse(try v.payload(), order: .little) }
    }

    /// The variants' tables exercise what they claim to.
    @Test func variantTablesCoverTheRules() throws {
        let interp = try #require(try TimeShift.parse(try F.Variant.load("interpolate").payload(), order: .little))
        // unsorted + two duplicate times in the option, 17 distinct times used
        #expect(interp.stored[0].count == 19)
        #expect(interp.samples[0].count == 17)
        #expect(interp.samples[1].count == 1)
        let raw0 = try F.lines("ptp-consistent/report-raw.txt").filter { $0.cpu == 0 }.map { Int64($0.ts) }
        let times = Set(interp.samples[0].map(\.time))
        #expect(raw0.filter { times.contains($0) }.count >= 6)  // exact hits
        // The kept duplicate is the one stored first.
        #expect(interp.samples[0].first { $0.time == 441885644697 }?.offset == -3_000_000_000_000 + 3 * 1_234_567)
        #expect(interp.samples[0].first { $0.time == 442100000000 }?.offset == -3_000_000_000_000 - 888_888_888)
        let step = try #require(try TimeShift.parse(try F.Variant.load("step").payload(), order: .little))
        #expect(!step.interpolates)
        #expect(step.samples[1].count == 2)
        let nofrac = try #require(try TimeShift.parse(try F.Variant.load("nofractions").payload(), order: .little))
        #expect(!nofrac.hasFractions)
        #expect(nofrac.cpuCount == 6)
        let one = try #require(try TimeShift.parse(try F.Variant.load("onecpu").payload(), order: .little))
        #expect(one.cpuCount == 1)
        #expect(one.unreadBytes == 4)
    }
}
