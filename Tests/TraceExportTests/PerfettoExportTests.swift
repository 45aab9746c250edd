import Foundation
import Testing
import TraceCmd
@testable import TraceExport

/// Perfetto export checked by the real consumer (Python protobuf + perfetto_trace_pb2) against
/// the reference report of the same files.
@Suite struct PerfettoExportTests {
    /// A fixture: its directory and files (host first).
    struct Case: CustomTestStringConvertible, Sendable {
        var directory: String
        var files: [String]
        var testDescription: String { directory.isEmpty ? files[0] : directory }
        var dir: String { ExportFixtures.fixture(directory) }
        var paths: [String] { files.map { dir + "/" + $0 } }
    }

    static let sessions: [Case] = [
        Case(directory: "session-1guest", files: ["trace.dat", "trace-guest1.vm.dat"]),
        Case(directory: "session-2guests", files: ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
        Case(directory: "session-tsync", files: ["trace.dat", "trace-guest1.vm.dat"]),
        Case(directory: "session-2guests-tsync", files: ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
        Case(directory: "session-v6", files: ["trace.dat", "trace-guest1.vm.dat"]),
    ]
    static let singles: [Case] = ["v7-zstd.dat", "v6.dat", "events.dat", "all-events.dat", "lost-events.dat",
                                  "lost-events-extract.dat", "kstack.dat", "userstack.dat", "uprobe.dat", "buffers.dat",
                                  "clock-mono.dat", "date.dat"].map { Case(directory: "", files: [$0]) }

    static func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("perfetto-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(UUID().uuidString + "-" + name).path
    }

    /// Names as the export writes them: `syscalls:sys_enter_*`/`sys_exit_*` become Perfetto's
    /// `sys_enter`/`sys_exit` on machines whose syscall table Perfetto knows.
    static func exportedName(_ name: String, syscalls: Bool) -> String {
        if syscalls, name.hasPrefix("sys_enter_") { return "sys_enter" }
        if syscalls, name.hasPrefix("sys_exit_") { return "sys_exit" }
        return name
    }

    /// Exports `c` and compares it with `trace-cmd report -t -R` of the same files.
    func check(_ c: Case, selection: EventSelection = .init(), reportFlags: [String] = [], perFile: [String] = [],
               bundleEvents: Int = 2048) throws {
        let session = try TraceSession.open(c.paths)
        let out = Self.temporary("\(c.testDescription.replacingOccurrences(of: "/", with: "_"))-\(bundleEvents).pftrace")
        let summary = try PerfettoExporter(session: session, options: .init(bundleEvents: bundleEvents))
            .export(to: out, selection: selection)
        let dump = try PerfettoReference.dump(out)
        #expect(dump.unknown.count == 0, "unknown fields: \(dump.unknown.prefix(5))")

        let instances = session.peers.flatMap { $0.file.buffers.map(\.name) }.filter { !$0.isEmpty }
        let dir = c.directory.isEmpty ? ExportFixtures.fixture("") : c.dir
        let ref = try PerfettoReference.report(c.files, directory: dir, instances: instances, extra: reportFlags,
                                                 perFile: perFile)
        #expect(!ref.lines.isEmpty)
        #expect(summary.events == UInt64(ref.lines.count))

        // Machines: the host, then each guest under its GUEST name (machine id = peer index).
        var expectedNames = ["host"]
        if c.files.count > 1 {
            let dumpOut = try PerfettoReference.run("/usr/bin/trace-cmd", ["dump", "--options", "-i", c.files[0]], directory: dir)
            let text = String(decoding: dumpOut.output, as: UTF8.self)
            let guests = text.split(separator: "\n").filter { $0.hasSuffix(" [Guest name]") }
                .map { String($0.dropLast(" [Guest name]".count)) }
            expectedNames += guests
        }
        #expect(Set(dump.machines.values.map(\.name)) == Set(expectedNames))
        #expect(dump.machines[0]?.name == "host")

        // Per peer and CPU: the events (time and name) and the sched_switch sequence.
        var byCPU: [String: [PerfettoReference.Line]] = [:]
        for l in ref.lines { byCPU["\(l.peer):\(l.cpu)", default: []].append(l) }
        #expect(Set(byCPU.keys) == Set(dump.events.keys))
        for (key, lines) in byCPU {
            let machine = Int(key.split(separator: ":")[0]) ?? 0
            let syscalls = PerfettoTypedEvents.syscallArchitectures.contains(dump.machines[machine]?.machine ?? "")
            let expected = lines.map { "\($0.ts) \(Self.exportedName($0.name, syscalls: syscalls))" }.sorted()
            let got = (dump.events[key] ?? []).map { "\($0.ts) \($0.name)" }.sorted()
            #expect(got.count == expected.count, "\(c.testDescription) \(key): \(got.count) events, reference \(expected.count)")
            if got != expected {
                let diff = zip(got, expected).first { $0 != $1 }
                Issue.record("\(c.testDescription) \(key): events differ, first: \(String(describing: diff))")
            }
            let switches = lines.filter { $0.name == "sched_switch" }.compactMap(PerfettoReference.parseSwitch)
            #expect(switches.count == lines.filter { $0.name == "sched_switch" }.count)
            // In time order (a file with instance buffers has a sequence per buffer).
            let exported = (dump.switches[key] ?? []).enumerated().sorted { ($0.element.ts, $0.offset) < ($1.element.ts, $1.offset) }
                .map(\.element)
            let reference = switches.enumerated().sorted { ($0.element.ts, $0.offset) < ($1.element.ts, $1.offset) }.map(\.element)
            #expect(exported == reference, "\(c.testDescription) \(key): sched_switch sequence")
            #expect(dump.lostBundles[key] ?? 0 == ref.dropped[key] ?? 0, "\(c.testDescription) \(key): lost-event marks")
        }
        // Task names: every saved cmdline of each file (pids listed once) under its machine.
        for (peer, file) in c.files.enumerated() {
            let r = try PerfettoReference.run("/usr/bin/trace-cmd", ["dump", "--cmd-lines", "-i", file], directory: dir)
            var seen: [Int: [String]] = [:]
            for line in String(decoding: r.output, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("\t") {
                guard let space = line.firstIndex(of: " "), let pid = Int(line[..<space]), pid > 0 else { continue }
                seen[pid, default: []].append(String(line[line.index(after: space)...]))
            }
            var checked = 0
            for (pid, comms) in seen where comms.count == 1 {
                #expect(dump.threads["\(peer):\(pid)"] == comms[0], "\(file): pid \(pid)")
                checked += 1
            }
            #expect(checked == seen.filter { $0.value.count == 1 }.count)
            // The kernel's per-CPU counts (CPUSTAT) as FtraceStats.
            let opts = try PerfettoReference.run("/usr/bin/trace-cmd", ["dump", "--options", "-i", file], directory: dir)
            var cpu: Int?
            for line in String(decoding: opts.output, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("CPU: ") { cpu = Int(line.dropFirst(5)) }
                if line.hasPrefix("overrun: "), let cpu, let n = Int(line.dropFirst(9)) {
                    let got = dump.stats["\(peer):\(cpu)"]?["overrun"] as? Int
                    #expect(got == n, "\(file) CPU \(cpu): overrun \(String(describing: got)), CPUSTAT \(n)")
                }
            }
        }
        // Every generic event carries all its fields (the names the reference's raw output shows).
        for l in ref.lines {
            guard let fields = dump.genericFields[l.name] else { continue }
            #expect(!fields.isEmpty || l.info.isEmpty, "\(l.name): no fields")
        }
    }

    @Test(arguments: sessions)
    func sessionMatchesTheReport(_ c: Case) throws {
        try check(c)
    }

    @Test(arguments: singles)
    func fileMatchesTheReport(_ c: Case) throws {
        try check(c)
    }

    /// Small bundles: deltas restart in every bundle, lost marks still land on the right CPU.
    @Test func smallBundles() throws {
        try check(Case(directory: "session-2guests-tsync", files: ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
                  bundleEvents: 7)
        try check(Case(directory: "", files: ["lost-events.dat"]), bundleEvents: 5)
    }

    /// The report's selection options give the report's events.
    @Test func selectionFollowsTheReport() throws {
        // The report numbers CPUs over all files of a session: one file here.
        try check(Case(directory: "", files: ["v7-zstd.dat"]), selection: EventSelection(cpus: [1]), reportFlags: ["--cpu", "1"])
        // A filter applies to every file (the report's -F applies to the input it follows).
        let c = Case(directory: "session-2guests", files: ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"])
        try check(c, selection: EventSelection(filter: "sched_switch"), perFile: ["-F", "sched_switch"])
        try check(c, selection: EventSelection(filter: "sched_switch: next_pid != 0"), perFile: ["-F", "sched_switch: next_pid != 0"])
    }
}
