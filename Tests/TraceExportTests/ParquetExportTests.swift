import Foundation
import Synchronization
import Testing
import TraceCmd
@testable import TraceExport

/// Parquet exports read by pyarrow, duckdb and polars, compared with `trace-cmd report`.
@Suite(.serialized) struct ParquetExportTests {
    @Test(arguments: TableCheck.sets.indices)
    func fixtureMatchesReport(_ index: Int) throws {
        let (sub, files) = TableCheck.sets[index]
        let dir = TableCheck.directory(sub)
        let out = TableCheck.temporary("parquet")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(files.map { dir + "/" + $0 })
        let summary = try ParquetExporter().export(session, to: out)
        let v = try TableCheck.check("parquet", output: out, files: files, in: dir)
        TableCheck.expectMatches(v, "\(sub)/\(files[0])")
        #expect(summary.events == UInt64(v.rows))
        #expect(summary.tables.count == v.tables)
        // The session tables: one row per file, the guests' VCPUs as the host lists them.
        let peers = v.session_tables?["peers.parquet"] ?? []
        #expect(peers.count == files.count)
        let vcpus = v.session_tables?["vcpus.parquet"] ?? []
        let expected = session.guests.reduce(0) { $0 + $1.guest.vcpuCount }
        #expect(vcpus.count == expected)
        for row in vcpus {
            guard let peer = row["peer"]?.int, let vcpu = row["vcpu"]?.int else { continue }
            let pid = session.hostPID(peer: Int(peer), vcpu: Int(vcpu))
            #expect(row["host_pid"]?.int == pid.map(Int64.init))
        }
        let sync = v.session_tables?["time_sync.parquet"] ?? []
        let samples = session.peers.reduce(0) { $0 + ($1.timeShift?.stored.reduce(0) { $0 + $1.count } ?? 0) }
        #expect(sync.count == samples)
        if files.count > 1 { #expect(samples > 0) }
    }

    /// Small row groups, no compression, several flushes forced by a tiny memory budget:
    /// the same rows.
    @Test func smallRowGroupsUncompressed() throws {
        let dir = TableCheck.directory("session-2guests-tsync")
        let files = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]
        let out = TableCheck.temporary("parquet")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(files.map { dir + "/" + $0 })
        try ParquetExporter(options: .init(compression: .none, rowGroupRows: 97, memoryBudget: 1))
            .export(session, to: out)
        let v = try TableCheck.check("parquet", output: out, files: files, in: dir)
        TableCheck.expectMatches(v, "small row groups")
        // Several row groups in the big files, each stated sorted by common_ts.
        let (status, text, _) = try TableCheck.run("/usr/bin/env", ["python3", "-c", """
            import pyarrow.parquet as pq
            m = pq.ParquetFile('\(out)/sched_switch.parquet').metadata
            print(m.num_row_groups, all(m.row_group(i).sorting_columns[0].column_index == 0 for i in range(m.num_row_groups)))
            """])
        #expect(status == 0)
        let parts = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect((Int(parts.first ?? "") ?? 0) > 5)
        #expect(parts.last == "True")
    }

    /// The report's selection options select the same events as the report.
    @Test func selectionMatchesReport() throws {
        let dir = TableCheck.directory("")
        let out = TableCheck.temporary("parquet")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(dir + "/events.dat")
        var s = EventSelection()
        s.cpus = [1]
        s.filter = "sched_switch,sched_wakeup: prev_pid != 0 || pid > 100"
        try ParquetExporter().export(session, to: out, selection: s)
        let v = try TableCheck.check("parquet", output: out, files: ["events.dat"], in: dir,
                                     refArgs: ["--cpu", "1", "-F", "sched_switch,sched_wakeup: prev_pid != 0 || pid > 100"])
        TableCheck.expectMatches(v, "selection")
        #expect(v.tables == 2)
    }

    /// The CLI writes the same files (and says so on a bad output path).
    @Test func commandLine() throws {
        let dir = TableCheck.directory("session-tsync")
        let out = TableCheck.temporary("parquet")
        defer { TableCheck.remove(out) }
        let tool = ExportFixtures.root.appendingPathComponent(".build/debug/tracecmd").path
        guard FileManager.default.fileExists(atPath: tool) else {
            Issue.record("no \(tool): build the package first")
            return
        }
        let (status, _, _) = try TableCheck.run(tool, ["export", "parquet", "-i", "trace.dat", "-i", "trace-guest1.vm.dat",
                                                      "-o", out, "--no-progress"], in: dir)
        #expect(status == 0)
        let v = try TableCheck.check("parquet", output: out, files: ["trace.dat", "trace-guest1.vm.dat"], in: dir)
        TableCheck.expectMatches(v, "cli")
        let (bad, _, err) = try TableCheck.run(tool, ["export", "parquet", "-i", "trace.dat", "-o", "/proc/nonexistent/x"], in: dir)
        #expect(bad != 0)
        #expect(err.contains("/proc/nonexistent/x"))
    }

    /// Progress comes in order, ends at 1, and counts every event.
    @Test func progressReachesTheEnd() throws {
        let out = TableCheck.temporary("parquet")
        defer { TableCheck.remove(out) }
        let session = try TraceSession.open(ExportFixtures.fixture("lost-events.dat"))
        let seen = Mutex<[ExportProgress]>([])
        let summary = try ParquetExporter().export(session, to: out) { p in seen.withLock { $0.append(p) } }
        let values = seen.withLock { $0 }
        #expect(values.last == ExportProgress(events: summary.events, fraction: 1))
        #expect(zip(values, values.dropFirst()).allSatisfy { $0.fraction <= $1.fraction && $0.events <= $1.events })
        #expect(summary.events > 0)
    }

    /// A directory that cannot be made is a typed error naming it.
    @Test func unwritableDirectory() throws {
        let session = try TraceSession.open(ExportFixtures.fixture("v7-zstd.dat"))
        #expect(throws: TableExportError.self) {
            try ParquetExporter().export(session, to: "/proc/nonexistent/out")
        }
    }

    /// The footer's Thrift encoding: field deltas, long field jumps, zigzag varints.
    @Test func thriftCompactEncoding() {
        let b = ByteBuffer()
        var w = ThriftCompactWriter(b)
        w.structBody { w in
            w.i32(1, -1)
            w.i64(20, 300)
            w.bool(21, true)
            w.string(22, "ab")
        }
        #expect(b.array == [0x15, 0x01, 0x06, 0x28, 0xd8, 0x04, 0x11, 0x18, 0x02, 0x61, 0x62, 0x00])
    }
}
