import Testing
@_spi(Engine) @testable import TraceCmd

@Suite struct SyncQualityTests {
    typealias S = TimeShiftSample
    typealias P = TimeShiftPayload

    static func quality(_ cpus: [[S]], peer: UInt64 = 0xAB, host: UInt64? = 0xAB) -> SyncQuality {
        SyncQuality(timeShift: TimeShift(peerTraceID: peer, flags: .interpolate, stored: cpus), hostTraceID: host)
    }

    @Test func noSyncData() {
        let q = SyncQuality(timeShift: nil, hostTraceID: 1)
        #expect(q.warnings == [.noSyncData])
        #expect(q.cpus.isEmpty)
        #expect(SyncQuality.analyze(payload: nil, order: .little, hostTraceID: 1).warnings == [.noSyncData])
    }

    @Test func perCPUStatistics() {
        let q = Self.quality([
            [S(time: 0, offset: 1000), S(time: 1_000_000_000, offset: 1500), S(time: 2_000_000_000, offset: 900)],
            [S(time: 5, offset: -3_000_000_000_000)],
        ])
        #expect(q.warnings == [.countsDisagree([3, 1])])
        let c0 = q.cpus[0]
        #expect(c0.sampleCount == 3)
        #expect(c0.firstOffset == 1000)
        #expect(c0.lastOffset == 900)
        #expect(c0.firstTime == 0)
        #expect(c0.lastTime == 2_000_000_000)
        #expect(c0.driftNsPerSecond == -50)   // -100 ns over 2 s
        #expect(c0.largestJump == 600)
        let c1 = q.cpus[1]
        #expect(c1.sampleCount == 1)
        #expect(c1.firstOffset == -3_000_000_000_000)
        #expect(c1.driftNsPerSecond == nil)
        #expect(c1.largestJump == nil)
    }

    @Test func extremeOffsetsDoNotTrap() {
        let q = Self.quality([[S(time: 0, offset: Int64.min), S(time: 1, offset: Int64.max)]])
        #expect(q.cpus[0].largestJump == 1)  // wrapping difference
    }

    @Test func peerIDIsCheckedAgainstHost() {
        #expect(Self.quality([[S(time: 0, offset: 1)]], peer: 5, host: 6).warnings == [.peerMismatch(peer: 5, host: 6)])
        #expect(Self.quality([[S(time: 0, offset: 1)]], peer: 5, host: 5).warnings.isEmpty)
        #expect(Self.quality([[S(time: 0, offset: 1)]], peer: 5, host: nil).warnings.isEmpty)
    }

    @Test func inconsistentSamplesAreReported() {
        let q = Self.quality([
            [S(time: 20, offset: 1), S(time: 10, offset: 2), S(time: 10, offset: 3)],
            [],
            [S(time: 1, offset: 0, scaling: 0, fraction: 0)],
        ])
        #expect(q.warnings.contains(.unsortedTimes(cpu: 0)))
        #expect(q.warnings.contains(.duplicateTimes(cpu: 0, dropped: 1)))
        #expect(q.warnings.contains(.noSamples(cpu: 1)))
        #expect(q.warnings.contains(.countsDisagree([2, 0, 1])))
        #expect(q.warnings.contains(.implausibleSamples(cpu: 2)))
        #expect(q.cpus[0].storedCount == 3)
        #expect(q.cpus[0].sampleCount == 2)
        #expect(Self.quality([]).warnings == [.noCPUs])
    }

    @Test func unreadablePayload() {
        let p = P.make(cpus: [[S(time: 1, offset: 1)]], counts: [1000])
        let q = SyncQuality.analyze(payload: p, order: .little, hostTraceID: nil)
        #expect(q.warnings.count == 1)
        guard case .unreadable = q.warnings.first else {
            Issue.record("expected .unreadable, got \(q.warnings)")
            return
        }
    }

    @Test func unreadBytesAreReported() {
        let p = P.make(cpus: [[S(time: 1, offset: 1)]], trailing: [0, 0, 0, 0, 0, 0, 0, 0])
        let q = SyncQuality.analyze(payload: p, order: .little, hostTraceID: nil)
        #expect(q.warnings == [.unreadBytes(8)])
    }

    @Test func recognisesThe316WriterLayout() {
        func cpu(_ n: Int, _ base: Int64) -> [S] {
            (0..<n).map { S(time: base + Int64($0) * 100, offset: -Int64($0) - 1, scaling: 1, fraction: 0) }
        }
        for counts in [[3, 2], [1, 4], [5, 5, 2], [2, 7, 1, 3]] {
            let p = P.make316(cpus: counts.enumerated().map { cpu($0.element, Int64($0.offset) * 10_000 + 1000) })
            let found = SyncQuality.writerCountBugCounts(p.span.bytes, order: .little)
            #expect(found == counts, "\(counts)")
            let q = SyncQuality.analyze(payload: p, order: .little, hostTraceID: nil)
            #expect(q.warnings.contains(.writerCountBug(realCounts: counts, storedCount: counts[counts.count - 1])))
        }
        // Equal counts: consistent, not the bug.
        let ok = P.make316(cpus: [cpu(3, 1000), cpu(3, 5000)])
        let counts = SyncQuality.writerCountBugCounts(ok.span.bytes, order: .little)
        #expect(counts == nil)
        let q = SyncQuality.analyze(payload: ok, order: .little, hostTraceID: 0xAA)
        #expect(q.warnings.isEmpty)
    }
}
