import TestSupport
import Foundation
import Testing

/// The consumers and the oracle of the Perfetto tests: Python `protobuf` with the `perfetto`
/// package's `perfetto_trace_pb2` (scripts/export-check/perfetto_dump.py) reads the exported file, and the
/// reference `trace-cmd report` gives the expected events.
enum PerfettoReference {
    /// Runs `executable` with `arguments`; its standard output and exit status.
    static func run(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> (output: Data, status: Int32) {
        try ProcessRunner.run(executable, arguments, directory: directory)
    }

    /// The `python3` of the PATH (the one `scripts/install-deps` gives `protobuf` and `perfetto`).
    static let python = "/usr/bin/env"

    /// What perfetto_dump.py reads from a trace (see the script's header).
    struct Dump {
        var unknown: [String]
        var machines: [Int: (name: String, machine: String)]
        /// By "machine:cpu".
        var events: [String: [(ts: UInt64, name: String)]]
        var switches: [String: [Switch]]
        var lostBundles: [String: Int]
        var genericFields: [String: [String]]
        var threads: [String: String]
        var stats: [String: [String: Any]]
        var tracks: [[String: Any]]
        var trackEvents: [[String: Any]]
        /// With `values`: every FtraceEvent's fields ("machine:cpu", ts, name, [(field, value)]).
        var values: [(key: String, ts: UInt64, name: String, fields: [(String, Any)])] = []
    }

    struct Switch: Equatable, CustomStringConvertible {
        var ts: UInt64
        var prevState: Int64
        var nextPid: Int64
        var nextPrio: Int64
        var nextComm: String
        var description: String { "\(ts) state=\(prevState) -> \(nextComm):\(nextPid) [\(nextPrio)]" }
    }

    static func dump(_ path: String, values: Bool = false) throws -> Dump {
        let script = ExportFixtures.root.appendingPathComponent("scripts/export-check/perfetto_dump.py").path
        let r = try run(python, ["python3", script, path] + (values ? ["--values"] : []))
        try #require(r.status == 0, "perfetto_dump.py failed on \(path)")
        let any = try JSONSerialization.jsonObject(with: r.output)
        let j = try #require(any as? [String: Any])
        var d = Dump(unknown: j["unknown"] as? [String] ?? ["no unknown list"], machines: [:], events: [:],
                     switches: [:], lostBundles: [:], genericFields: [:], threads: [:], stats: [:], tracks: [], trackEvents: [])
        for (k, v) in j["machines"] as? [String: [String: Any]] ?? [:] {
            d.machines[Int(k) ?? -1] = (v["name"] as? String ?? "", v["machine"] as? String ?? "")
        }
        for (k, v) in j["cpus"] as? [String: [String: Any]] ?? [:] {
            d.events[k] = (v["events"] as? [[Any]] ?? []).map { (num($0[0]), $0[1] as? String ?? "") }
            d.switches[k] = (v["switches"] as? [[Any]] ?? []).map {
                Switch(ts: num($0[0]), prevState: snum($0[1]), nextPid: snum($0[2]), nextPrio: snum($0[3]),
                       nextComm: $0[4] as? String ?? "")
            }
            d.lostBundles[k] = v["lost_bundles"] as? Int ?? 0
        }
        d.genericFields = j["generic_fields"] as? [String: [String]] ?? [:]
        d.threads = j["threads"] as? [String: String] ?? [:]
        d.stats = j["stats"] as? [String: [String: Any]] ?? [:]
        d.tracks = j["tracks"] as? [[String: Any]] ?? []
        d.trackEvents = j["track_events"] as? [[String: Any]] ?? []
        for v in j["values"] as? [[Any]] ?? [] where v.count == 4 {
            let fields = (v[3] as? [[Any]] ?? []).compactMap { f -> (String, Any)? in
                guard f.count == 2, let n = f[0] as? String else { return nil }
                return (n, f[1])
            }
            d.values.append((v[0] as? String ?? "", num(v[1]), v[2] as? String ?? "", fields))
        }
        return d
    }

    static func num(_ v: Any) -> UInt64 { (v as? NSNumber)?.uint64Value ?? 0 }
    static func snum(_ v: Any) -> Int64 { (v as? NSNumber)?.int64Value ?? 0 }

    /// One line of `trace-cmd report -t -R`.
    struct Line {
        var peer: Int
        var cpu: Int
        var ts: UInt64
        var name: String
        var info: String
    }

    /// The reference report of `files` (run in `directory`, the host first), parsed: events,
    /// and the `[EVENTS DROPPED]` notices per "peer:cpu".
    static func report(_ files: [String], directory: String, instances: [String] = [], extra: [String] = [],
                       perFile: [String] = []) throws
        -> (lines: [Line], dropped: [String: Int])
    {
        var args = ["report", "-t", "-R"] + extra
        for f in files { args += ["-i", f] + perFile }
        let r = try run("/usr/bin/trace-cmd", args, directory: directory)
        try #require(r.status == 0, "trace-cmd report failed")
        let text = String(decoding: r.output, as: UTF8.self)
        var labels = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for i in instances where labels[i] == nil { labels[i] = 0 }
        var lines: [Line] = []
        var dropped: [String: Int] = [:]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var s = Substring(raw).drop { $0 == " " }
            // The file column of a session (`trace-guest1.vm.dat: `) or an instance's name.
            var peer = 0
            if let colon = s.firstIndex(of: ":"), let p = labels[String(s[..<colon])] {
                peer = p
                s = s[s.index(after: colon)...]
            }
            let body = s.drop { $0 == " " }
            if body.hasPrefix("CPU:"), body.contains("EVENTS DROPPED") {
                let cpu = Int(body.dropFirst(4).prefix { $0.isNumber }) ?? -1
                dropped["\(peer):\(cpu)", default: 0] += 1
                continue
            }
            // comm-pid [cpu] sec.nsec: name: info
            guard let open = body.firstRange(of: " ["), let close = body[open.upperBound...].firstIndex(of: "]"),
                  let cpu = Int(body[open.upperBound..<close]) else { continue }
            let rest = body[body.index(after: close)...].drop { $0 == " " }
            guard let tsEnd = rest.firstIndex(of: ":") else { continue }
            let tsText = rest[..<tsEnd]
            guard let dot = tsText.firstIndex(of: "."), let sec = UInt64(tsText[..<dot]),
                  let frac = UInt64(tsText[tsText.index(after: dot)...]), tsText[tsText.index(after: dot)...].count == 9
            else { continue }
            let after = rest[rest.index(after: tsEnd)...].drop { $0 == " " }
            guard let nameEnd = after.firstIndex(of: ":") else { continue }
            let name = String(after[..<nameEnd])
            let info = String(after[after.index(after: nameEnd)...].drop { $0 == " " })
            lines.append(Line(peer: peer, cpu: cpu, ts: sec * 1_000_000_000 + frac, name: name, info: info))
        }
        return (lines, dropped)
    }

    /// The raw fields of a `sched_switch` line of `report -R`.
    static func parseSwitch(_ l: Line) -> Switch? {
        // prev_comm=... prev_pid=N prev_prio=N prev_state=N next_comm=... next_pid=N next_prio=N
        let s = l.info
        guard let nc = s.range(of: " next_comm="), let np = s.range(of: " next_pid=", options: .backwards),
              let nr = s.range(of: " next_prio=", options: .backwards),
              let ps = s.range(of: " prev_state=", options: .backwards) else { return nil }
        let state = s[ps.upperBound..<nc.lowerBound]
        let comm = String(s[nc.upperBound..<np.lowerBound])
        guard let pid = Int64(s[np.upperBound..<nr.lowerBound]), let prio = Int64(s[nr.upperBound...]),
              let st = Int64(state) else { return nil }
        return Switch(ts: l.ts, prevState: st, nextPid: pid, nextPrio: prio, nextComm: comm)
    }
}
