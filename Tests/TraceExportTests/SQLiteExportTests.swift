import Foundation
import Testing
import TraceCmd
@testable import TraceExport

/// SQLite exports opened by the sqlite3 CLI (integrity, counts) and Python's sqlite3 (rows),
/// compared with `trace-cmd report`.
@Suite(.serialized) struct SQLiteExportTests {
    @Test(arguments: TableCheck.sets.indices)
    func fixtureMatchesReport(_ index: Int) throws {
        let (sub, files) = TableCheck.sets[index]
        let dir = TableCheck.directory(sub)
        let out = TableCheck.temporary("trace.sqlite")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(files.map { dir + "/" + $0 })
        let summary = try SQLiteExporter().export(session, to: out)
        let v = try TableCheck.check("sqlite", output: out, files: files, in: dir)
        #expect(v.integrity == "ok")
        TableCheck.expectMatches(v, "sqlite \(sub)/\(files[0])")
        #expect(summary.events == UInt64(v.rows))
        #expect((v.session_tables?["peers.parquet"] ?? []).count == files.count)
    }

    /// The views: `events` has every row; `guest_events` gives each guest event the host PID
    /// the session maps its VCPU to, and only guest events.
    @Test func viewsJoinGuestsToHostTasks() throws {
        let dir = TableCheck.directory("session-2guests")
        let files = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]
        let out = TableCheck.temporary("trace.sqlite")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(files.map { dir + "/" + $0 })
        let summary = try SQLiteExporter().export(session, to: out)
        func query(_ sql: String) throws -> [String] {
            let (status, text, err) = try TableCheck.run("/usr/bin/sqlite3", ["-separator", "|", out, sql])
            #expect(status == 0, "\(err)")
            return text.split(separator: "\n").map(String.init)
        }
        #expect(try query("select count(*) from events") == ["\(summary.events)"])
        // Guest events per peer, from the event API.
        var guestCounts: [Int: Int] = [:]
        try session.forEachEvent { e in
            if e.peer != session.hostIndex { guestCounts[e.peer, default: 0] += 1 }
        }
        let rows = try query("select peer, count(*), count(host_pid) from guest_events group by peer order by peer")
        #expect(rows == guestCounts.keys.sorted().map { p in
            let known = try? session.events(EventSelection(peers: [p])).reduce(0) { $0 + ($1.hostPID == nil ? 0 : 1) }
            return "\(p)|\(guestCounts[p] ?? 0)|\(known ?? -1)"
        })
        // The indexes the queries by time and by peer/CPU use.
        let plan = try query("explain query plan select * from sched_switch where peer = 1 and common_cpu = 0 and common_ts > 0")
        #expect(plan.contains { $0.contains("sched_switch_peer_cpu") })
        let plan2 = try query("explain query plan select * from sched_switch where common_ts between 1 and 2")
        #expect(plan2.contains { $0.contains("sched_switch_ts") })
    }

    /// The CLI, with the report's selection options.
    @Test func commandLineSelection() throws {
        let dir = TableCheck.directory("")
        let out = TableCheck.temporary("trace.sqlite")
        defer { TableCheck.remove(out) }
        let tool = ExportFixtures.root.appendingPathComponent(".build/debug/tracecmd").path
        let (status, _, err) = try TableCheck.run(tool, ["export", "sqlite", "-i", "v7-zstd.dat", "-o", out, "--cpu", "0",
                                                         "-F", "sched_switch: prev_pid != 0"], in: dir)
        #expect(status == 0, "\(err)")
        let v = try TableCheck.check("sqlite", output: out, files: ["v7-zstd.dat"], in: dir,
                                     refArgs: ["--cpu", "0", "-F", "sched_switch: prev_pid != 0"])
        #expect(v.integrity == "ok")
        TableCheck.expectMatches(v, "sqlite selection")
        #expect(v.tables == 1)
    }

    /// A database that cannot be created is a typed error naming it.
    @Test func unwritablePath() throws {
        let session = try TraceSession.open(ExportFixtures.fixture("v7-zstd.dat"))
        #expect(throws: TableExportError.self) {
            try SQLiteExporter().export(session, to: "/proc/nonexistent/x.sqlite")
        }
    }
}
