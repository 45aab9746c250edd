import Foundation
import Testing
import TraceCmd
@testable import TraceExport

/// The link from each guest VCPU to the host task that runs it, in the Parquet and SQLite
/// exports, on a session whose GUEST options name known host PIDs (``PatchedGuestSession``):
/// the expected PIDs are the ones written into the file, the expected event counts per
/// (guest, VCPU) those of `trace-cmd report -i host -i guest1 -i guest2`.
@Suite(.serialized) struct GuestLinkExportTests {
    /// (peer, cpu) -> events, from the reference's merged report of the patched session.
    static func referenceCounts(_ s: PatchedGuestSession) throws -> [String: Int] {
        var args = ["report", "-t"]
        for p in s.paths { args += ["-i", p] }
        let (status, out, err) = try TableCheck.run("/usr/bin/env", ["trace-cmd"] + args)
        #expect(status == 0, "\(err)")
        // Multi-file lines start with the file name column: "name: comm-pid [cpu] ts: ...".
        let files = PatchedGuestSession.files
        var counts: [String: Int] = [:]
        for line in out.split(separator: "\n") {
            let l = line.drop { $0 == " " }
            guard let peer = files.firstIndex(where: { l.hasPrefix($0 + ":") }),
                  let open = l.firstIndex(of: "["), let close = l[open...].firstIndex(of: "]"),
                  let cpu = Int(l[l.index(after: open)..<close]) else { continue }
            counts["\(peer)|\(cpu)", default: 0] += 1
        }
        return counts
    }

    @Test func parquetVCPUTableNamesTheHostTasks() throws {
        let s = try PatchedGuestSession()
        defer { s.remove() }
        let out = TableCheck.temporary("parquet")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(s.paths)
        _ = try ParquetExporter().export(session, to: out)
        let table = URL(fileURLWithPath: out).appendingPathComponent("session/vcpus.parquet").path
        let script = """
            import sys, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1]).to_pylist()
            for r in sorted(t, key=lambda r: (r["peer"], r["vcpu"])):
                print(f'{r["peer"]}|{r["vcpu"]}|{r["host_pid"]}')
            """
        let (status, text, err) = try TableCheck.run("/usr/bin/env", ["python3", "-c", script, table])
        #expect(status == 0, "\(err)")
        let expected = [("guest1.vm", 1), ("guest2.vm", 2)].flatMap { name, peer in
            (s.pids[name] ?? []).enumerated().map { "\(peer)|\($0.offset)|\($0.element)" }
        }
        #expect(expected.count == 4)
        #expect(text.split(separator: "\n").map(String.init) == expected)
    }

    @Test func sqliteGuestEventsCarryTheHostTask() throws {
        let s = try PatchedGuestSession()
        defer { s.remove() }
        let out = TableCheck.temporary("trace.sqlite")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(s.paths)
        _ = try SQLiteExporter().export(session, to: out)
        let (status, text, err) = try TableCheck.run("/usr/bin/sqlite3", ["-separator", "|", out, """
            select peer, common_cpu, guest, host_pid, count(*) from guest_events
            group by peer, common_cpu, guest, host_pid order by peer, common_cpu
            """])
        #expect(status == 0, "\(err)")
        let counts = try Self.referenceCounts(s)
        var expected: [String] = []
        for (name, peer) in [("guest1.vm", 1), ("guest2.vm", 2)] {
            for (vcpu, pid) in (s.pids[name] ?? []).enumerated() {
                guard let n = counts["\(peer)|\(vcpu)"] else { continue }
                expected.append("\(peer)|\(vcpu)|\(name)|\(pid)|\(n)")
            }
        }
        #expect(expected.count == 4)
        #expect(text.split(separator: "\n").map(String.init) == expected)
    }
}
