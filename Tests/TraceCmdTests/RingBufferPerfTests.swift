import Testing
import TraceCmd

/// Throughput of record iteration (no formatting). Runs only when RB_PERF_FILE names a
/// trace file; meant for release builds:
///   RB_PERF_FILE=/path/big.dat swift test -c release --filter RingBufferPerf
@Suite("RingBufferPerf")
struct RingBufferPerfTests {
    static let file: String? = {
        guard let p = getenvString("RB_PERF_FILE"), !p.isEmpty else { return nil }
        return p
    }()

    @Test("records/s of the merged iteration", .enabled(if: file != nil))
    func throughput() throws {
        guard let path = Self.file else { return }
        let file = try TraceFile.open(path)
        let clock = ContinuousClock()
        for round in 0..<3 {
            var n = 0
            var sum: UInt64 = 0
            let t = clock.measure {
                do {
                    var it = try RecordIterator(file: file)
                    while let r = try it.next() {
                        n += 1
                        sum &+= r.timestamp &+ UInt64(r.payload.count)
                    }
                } catch {
                    Issue.record("\(error)")
                }
            }
            var m = 0
            let t2 = clock.measure {
                do {
                    for s in try RecordIterator.streams(file: file, buffer: file.buffers[0]) {
                        while let r = try s.next() {
                            m += 1
                            sum &+= r.timestamp
                        }
                    }
                } catch {
                    Issue.record("\(error)")
                }
            }
            let secs = Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18
            let secs2 = Double(t2.components.seconds) + Double(t2.components.attoseconds) / 1e18
            print("round \(round): merged \(n) records in \(secs) s = \(Int(Double(n) / secs)) records/s; "
                  + "per-CPU \(m) in \(secs2) s = \(Int(Double(m) / secs2)) records/s (checksum \(sum % 1000))")
            #expect(n == m)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}
