import TraceCmd

/// A small table of session facts, held whole (a few rows per file, guest or VCPU).
struct SessionTable: Sendable {
    enum Cell: Sendable, Hashable {
        case integer(Int64)
        case text(String)
        case null
    }

    let name: String
    let columns: [TableColumn]
    let rows: [[Cell]]
}

/// The tables that describe a session, shared by the Parquet and SQLite exports:
///
/// - `peers`: one row per file (`peer` index, path, role, trace ID, clock, CPU count, the
///   guest name for a matched guest file);
/// - `guests`: the host's GUEST entries (name, trace ID, VCPU count, the guest's `peer`);
/// - `vcpus`: VCPU → host task (`guest`, `peer`, `vcpu`, `host_pid`), `host_pid` null when
///   the host did not know the task;
/// - `time_sync`: the TIME_SHIFT samples of each guest file as stored (`peer`, `cpu`,
///   `time` (guest clock, ns), `offset`, `scaling`, `fraction`).
enum SessionTables {
    static func make(_ session: TraceSession) -> [SessionTable] {
        let i32 = ColumnType.integer(bits: 32, signed: true)
        let i64 = ColumnType.integer(bits: 64, signed: true)
        let u64 = ColumnType.integer(bits: 64, signed: false)
        func id(_ v: UInt64?) -> SessionTable.Cell { v.map { .integer(Int64(bitPattern: $0)) } ?? .null }
        func int(_ v: Int?) -> SessionTable.Cell { v.map { .integer(Int64($0)) } ?? .null }

        let peers = SessionTable(
            name: "peers",
            columns: [TableColumn("peer", i32), TableColumn("path", .string), TableColumn("role", .string),
                      TableColumn("trace_id", u64, nullable: true), TableColumn("clock", .string),
                      TableColumn("cpus", i32), TableColumn("guest", .string, nullable: true),
                      TableColumn("is_host", i32)],
            rows: session.peers.map { p in
                [.integer(Int64(p.index)), .text(p.path), .text(p.role.rawValue), id(p.traceID),
                 .text(p.file.clock), .integer(Int64(p.file.cpuCount)),
                 p.guestEntry.map { .text($0.name) } ?? .null,
                 .integer(p.index == session.hostIndex ? 1 : 0)]
            })
        let guests = SessionTable(
            name: "guests",
            columns: [TableColumn("guest", .string), TableColumn("trace_id", u64), TableColumn("vcpus", i32),
                      TableColumn("peer", i32, nullable: true)],
            rows: session.guests.map { g in
                [.text(g.guest.name), id(g.guest.traceID), .integer(Int64(g.guest.vcpuCount)), int(g.fileIndex)]
            })
        var vcpuRows: [[SessionTable.Cell]] = []
        for g in session.guests {
            for vcpu in 0..<max(g.guest.vcpuCount, g.guest.hostPIDs.count) {
                let pid = vcpu < g.guest.hostPIDs.count ? g.guest.hostPIDs[vcpu] : -1
                vcpuRows.append([.text(g.guest.name), int(g.fileIndex), .integer(Int64(vcpu)),
                                 pid == -1 ? .null : .integer(Int64(pid))])
            }
        }
        let vcpus = SessionTable(
            name: "vcpus",
            columns: [TableColumn("guest", .string), TableColumn("peer", i32, nullable: true),
                      TableColumn("vcpu", i32), TableColumn("host_pid", i32, nullable: true)],
            rows: vcpuRows)
        var syncRows: [[SessionTable.Cell]] = []
        for p in session.peers {
            guard let shift = p.timeShift else { continue }
            for (cpu, samples) in shift.stored.enumerated() {
                for s in samples {
                    syncRows.append([.integer(Int64(p.index)), .integer(Int64(cpu)), .integer(s.time),
                                     .integer(s.offset), .integer(s.scaling), .integer(s.fraction)])
                }
            }
        }
        let sync = SessionTable(
            name: "time_sync",
            columns: [TableColumn("peer", i32), TableColumn("cpu", i32), TableColumn("time", i64),
                      TableColumn("offset", i64), TableColumn("scaling", i64), TableColumn("fraction", i64)],
            rows: syncRows)
        return [peers, guests, vcpus, sync]
    }

    /// Key-value facts every exported file carries: the host clock, the host's trace ID and
    /// every peer (JSON).
    static func metadata(_ session: TraceSession) -> [(String, String)] {
        let host = session.host ?? session.peers.first
        func hex(_ v: UInt64?) -> String { v.map { "0x" + String($0, radix: 16) } ?? "" }
        var peers: [String] = []
        for p in session.peers {
            peers.append("{\"peer\":\(p.index),\"path\":\(json(p.path)),\"role\":\"\(p.role.rawValue)\","
                         + "\"trace_id\":\"\(hex(p.traceID))\",\"clock\":\(json(p.file.clock))}")
        }
        return [("trace-cmd.clock", host?.file.clock ?? "local"),
                ("trace-cmd.trace_id", hex(host?.traceID)),
                ("trace-cmd.peers", "[" + peers.joined(separator: ",") + "]")]
    }

    /// A JSON string literal.
    static func json(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { let h = String(u.value, radix: 16); out += "\\u" + String(repeating: "0", count: 4 - h.count) + h } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
