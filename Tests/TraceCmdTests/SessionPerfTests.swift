import Testing
@testable import TraceCmd

/// Merge-key cost: a concrete corrector in each stream (``CorrectedRecordStream``, what
/// ``SessionTimeline`` uses) against the escaping-closure correction of
/// ``CPURecordStream/timestampCorrection``. Runs only with SESSION_PERF=1, in release:
///   SESSION_PERF=1 swift test -c release --filter SessionPerf
@Suite("SessionPerf")
struct SessionPerfTests {
    static let enabled = getenvString("SESSION_PERF") == "1"

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    @Test("closure vs concrete corrector", .enabled(if: enabled))
    func correctorCost() throws {
        let dir = Fixtures.path("session-tsync")
        let files = try ["trace.dat", "trace-guest1.vm.dat"].map { try TraceFile.open(dir + "/" + $0) }
        let session = TraceSession(files: files)
        let rounds = 300
        let clock = ContinuousClock()
        for attempt in 0..<3 {
            var n1 = 0, n2 = 0
            var sum1: UInt64 = 0, sum2: UInt64 = 0
            let closure = try clock.measure {
                for _ in 0..<rounds {
                    var streams: [CPURecordStream] = []
                    for p in session.peers {
                        guard let top = p.file.topBuffer else { continue }
                        for s in try RecordIterator.streams(file: p.file, buffer: top) {
                            var c = p.corrector
                            let cpu = s.cpu
                            s.timestampCorrection = { c.correct($0, cpu: cpu) }
                            streams.append(s)
                        }
                    }
                    var m = RecordMerger(streams: streams)
                    while let (_, r) = try m.next() { n1 += 1; sum1 &+= r.timestamp }
                }
            }
            let concrete = try clock.measure {
                for _ in 0..<rounds {
                    var t = try session.timeline(.init(includeInstances: false))
                    while let (_, r) = try t.nextIndexed() { n2 += 1; sum2 &+= r.timestamp }
                }
            }
            #expect(n1 == n2)
            #expect(sum1 == sum2)
            let a = Self.seconds(closure), b = Self.seconds(concrete)
            print("attempt \(attempt): \(n1) records; closure \(Int(Double(n1) / a)) records/s, "
                  + "concrete \(Int(Double(n2) / b)) records/s (concrete takes \(Int(b / a * 100)) % of the closure time)")
        }
    }
}
