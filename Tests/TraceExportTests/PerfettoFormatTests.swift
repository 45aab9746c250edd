import Foundation
import Testing
@_spi(Engine) import TraceCmd
@testable import TraceExport

/// The field numbers the exporter writes, checked against Perfetto's own protos (the perfetto
/// package's perfetto_trace_pb2), and the guest VCPU links.
@Suite struct PerfettoFormatTests {
    struct Check: Encodable {
        var path: [String]
        var number: Int
        var kind: String?
    }

    static var checks: [Check] {
        typealias P = PerfettoProto
        var c: [Check] = []
        func add(_ path: [String], _ n: Int, _ kind: String? = nil) { c.append(Check(path: path, number: n, kind: kind)) }
        add(["Trace", "packet"], P.Trace.packet, "message")
        let packet: [(String, Int, String)] = [
            ("ftrace_events", P.Packet.ftraceEvents, "message"), ("process_tree", P.Packet.processTree, "message"),
            ("timestamp", P.Packet.timestamp, "number"), ("trusted_packet_sequence_id", P.Packet.trustedPacketSequenceID, "number"),
            ("track_event", P.Packet.trackEvent, "message"), ("sequence_flags", P.Packet.sequenceFlags, "number"),
            ("ftrace_stats", P.Packet.ftraceStats, "message"), ("system_info", P.Packet.systemInfo, "message"),
            ("track_descriptor", P.Packet.trackDescriptor, "message"),
            ("first_packet_on_sequence", P.Packet.firstPacketOnSequence, "number"), ("machine_id", P.Packet.machineID, "number"),
        ]
        for (n, v, k) in packet { add(["TracePacket", n], v, k) }
        for (n, v, k) in [("cpu", P.Bundle.cpu, "number"), ("event", P.Bundle.event, "message"),
                          ("lost_events", P.Bundle.lostEvents, "number"), ("compact_sched", P.Bundle.compactSched, "message")] {
            add(["FtraceEventBundle", n], v, k)
        }
        typealias C = P.CompactSched
        for (n, v) in [("switch_timestamp", C.switchTimestamp), ("switch_prev_state", C.switchPrevState),
                       ("switch_next_pid", C.switchNextPid), ("switch_next_prio", C.switchNextPrio),
                       ("switch_next_comm_index", C.switchNextCommIndex), ("waking_timestamp", C.wakingTimestamp),
                       ("waking_pid", C.wakingPid), ("waking_target_cpu", C.wakingTargetCPU), ("waking_prio", C.wakingPrio),
                       ("waking_comm_index", C.wakingCommIndex), ("waking_common_flags", C.wakingCommonFlags)] {
            add(["FtraceEventBundle.CompactSched", n], v, "number")
        }
        add(["FtraceEventBundle.CompactSched", "intern_table"], C.internTable, "string")
        add(["FtraceEvent", "timestamp"], P.Event.timestamp, "number")
        add(["FtraceEvent", "pid"], P.Event.pid, "number")
        add(["FtraceEvent", "common_flags"], P.Event.commonFlags, "number")
        add(["FtraceEvent", "generic"], P.Event.generic, "message")
        add(["FtraceEvent", "generic", "event_name"], P.Generic.eventName, "string")
        add(["FtraceEvent", "generic", "field"], P.Generic.field, "message")
        add(["GenericFtraceEvent.Field", "name"], P.Generic.fieldName, "string")
        add(["GenericFtraceEvent.Field", "str_value"], P.Generic.strValue, "string")
        add(["GenericFtraceEvent.Field", "int_value"], P.Generic.intValue, "number")
        add(["GenericFtraceEvent.Field", "uint_value"], P.Generic.uintValue, "number")
        add(["FtraceStats", "phase"], P.Stats.phase, "number")
        add(["FtraceStats", "cpu_stats"], P.Stats.cpuStats, "message")
        for (n, v) in [("cpu", P.Stats.cpu), ("entries", P.Stats.entries), ("overrun", P.Stats.overrun),
                       ("commit_overrun", P.Stats.commitOverrun), ("bytes_read", P.Stats.bytesRead),
                       ("dropped_events", P.Stats.droppedEvents), ("read_events", P.Stats.readEvents)] {
            add(["FtraceCpuStats", n], v, "number")
        }
        add(["FtraceCpuStats", "oldest_event_ts"], P.Stats.oldestEventTs, "double")
        add(["FtraceCpuStats", "now_ts"], P.Stats.nowTs, "double")
        add(["SystemInfo", "utsname"], P.SystemInfo.utsname, "message")
        add(["SystemInfo", "page_size"], P.SystemInfo.pageSize, "number")
        add(["SystemInfo", "num_cpus"], P.SystemInfo.numCPUs, "number")
        add(["SystemInfo", "machine_name"], P.SystemInfo.machineName, "string")
        for (n, v) in [("sysname", P.SystemInfo.sysname), ("version", P.SystemInfo.version),
                       ("release", P.SystemInfo.release), ("machine", P.SystemInfo.machine)] {
            add(["Utsname", n], v, "string")
        }
        add(["ProcessTree", "threads"], P.ProcessTree.threads, "message")
        add(["ProcessTree", "processes"], P.ProcessTree.processes, "message")
        add(["ProcessTree.Process", "pid"], P.ProcessTree.processPid, "number")
        add(["ProcessTree.Process", "cmdline"], P.ProcessTree.processCmdline, "string")
        add(["ProcessTree.Process", "cmdline_is_comm"], P.ProcessTree.cmdlineIsComm, "number")
        add(["ProcessTree.Thread", "tgid"], P.ProcessTree.tgid, "number")
        add(["ProcessTree.Thread", "tid"], P.ProcessTree.tid, "number")
        add(["ProcessTree.Thread", "name"], P.ProcessTree.name, "string")
        add(["TrackDescriptor", "uuid"], P.Track.uuid, "number")
        add(["TrackDescriptor", "name"], P.Track.name, "string")
        add(["TrackDescriptor", "description"], P.Track.description, "string")
        add(["TrackEvent", "type"], P.Track.eventType, "number")
        add(["TrackEvent", "track_uuid"], P.Track.trackUUID, "number")
        add(["TrackEvent", "name"], P.Track.eventName, "string")
        add(["TrackEvent", "debug_annotations"], P.Track.debugAnnotations, "message")
        add(["TrackEvent", "flow_ids"], P.Track.flowIDs, "fixed64")
        add(["DebugAnnotation", "name"], P.Track.annotationName, "string")
        add(["DebugAnnotation", "uint_value"], P.Track.annotationUint, "number")
        add(["DebugAnnotation", "int_value"], P.Track.annotationInt, "number")
        add(["DebugAnnotation", "string_value"], P.Track.annotationString, "string")
        // The typed events: their field in FtraceEvent, then each field of their message.
        for (name, m) in PerfettoTypedEvents.messages {
            add(["FtraceEvent", name], m.event, "message")
            for (field, target) in m.fields {
                add(["FtraceEvent", name, field], target.number, target.kind == .string ? "string" : "number")
            }
        }
        add(["FtraceEvent", "sys_enter"], PerfettoTypedEvents.sysEnter, "message")
        add(["FtraceEvent", "sys_enter", "id"], 1, "number")
        add(["FtraceEvent", "sys_enter", "args"], 2, "number")
        add(["FtraceEvent", "sys_exit"], PerfettoTypedEvents.sysExit, "message")
        add(["FtraceEvent", "sys_exit", "id"], 1, "number")
        add(["FtraceEvent", "sys_exit", "ret"], 2, "number")
        return c
    }

    @Test func fieldNumbersAreThoseOfPerfettosProtos() throws {
        let json = try JSONEncoder().encode(Self.checks)
        let input = PerfettoFormatTests.temporary("checks.json")
        try json.write(to: URL(fileURLWithPath: input))
        let script = ExportFixtures.root.appendingPathComponent("scripts/export-check/perfetto_fields.py").path
        let r = try PerfettoReference.run("/bin/sh", ["-c", "python3 \"$0\" < \"$1\"", script, input])
        #expect(r.status == 0, "\(String(decoding: r.output, as: UTF8.self))")
        #expect(Self.checks.count > 150)
    }

    static func temporary(_ name: String) -> String {
        PerfettoExportTests.temporary(name)
    }

    /// The wire writer: minimal varints, lengths written in front of nested messages.
    @Test func wireFormat() {
        let b = ProtoBuffer(capacity: 4)
        b.uint(1, 300)
        let m = b.begin(2)
        for _ in 0..<200 { b.uint(3, 1) }
        b.end(m)
        b.int(4, -1)
        // A short message: its length fits the byte kept for it.
        let short = b.begin(5)
        b.uint(1, 7)
        b.end(short)
        let bytes = b.array
        #expect(Array(bytes[0..<3]) == [0x08, 0xac, 0x02])
        #expect(Array(bytes[3..<6]) == [0x12, 0x90, 0x03]) // 400 bytes of content
        #expect(bytes.count == 3 + 3 + 400 + 11 + 4)
        #expect(Array(bytes[406..<417]) == [0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        #expect(Array(bytes[417...]) == [0x2a, 0x02, 0x08, 0x07])
        for v: UInt64 in [0, 1, 127, 128, 16383, 16384, 1 << 35, .max] {
            let x = ProtoBuffer(capacity: 1)
            x.varint(v)
            #expect(x.count == ProtoBuffer.varintSize(v))
        }
    }

    /// A copy of session-2guests whose host GUEST options name a host task per VCPU (the
    /// recorded ones say -1: the guests were reached over TCP): the export links each guest
    /// VCPU to that task, on the host and on the guest machine, with one flow.
    @Test func guestVCPUsLinkToTheirHostTasks() throws {
        let patched = try PatchedGuestSession()
        defer { patched.remove() }
        let work = patched.directory
        let pids = patched.pids
        #expect(pids.count == 2)
        // The reference reads the patched host as before.
        let files = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]
        let ref = try PerfettoReference.report(files, directory: work.path)
        #expect(ref.lines.count == 405 + 616 + 770)

        let session = try TraceSession.open(files.map { work.appendingPathComponent($0).path })
        #expect(session.peers[1].hostPID(vcpu: 0) == pids["guest1.vm"]?[0])
        let out = work.appendingPathComponent("s.pftrace").path
        try PerfettoExporter(session: session).export(to: out)
        let dump = try PerfettoReference.dump(out)
        #expect(dump.unknown.count == 0)

        for (peer, name) in [(1, "guest1.vm"), (2, "guest2.vm")] {
            for vcpu in 0..<2 {
                let pid = try #require(pids[name]?[vcpu])
                let times = ref.lines.filter { $0.peer == peer && $0.cpu == vcpu }.map(\.ts)
                let first = try #require(times.min()), last = try #require(times.max())
                // The host track names the guest, the VCPU and the host PID.
                let hostTrack = try #require(dump.tracks.first {
                    ($0["machine"] as? Int) == 0 && ($0["name"] as? String) == "\(name) VCPU \(vcpu) (host PID \(pid))"
                })
                let guestTrack = try #require(dump.tracks.first {
                    ($0["machine"] as? Int) == peer && ($0["name"] as? String) == "VCPU \(vcpu) on host PID \(pid)"
                })
                for track in [hostTrack, guestTrack] {
                    let uuid = PerfettoReference.num(track["uuid"] ?? 0)
                    let events = dump.trackEvents.filter { PerfettoReference.num($0["track"] ?? 0) == uuid }
                    #expect(events.count == 2)
                    let begin = try #require(events.first { ($0["type"] as? Int) == 1 })
                    let end = try #require(events.first { ($0["type"] as? Int) == 2 })
                    // The slice spans the VCPU's events, on the host clock (the merged report's times).
                    #expect(PerfettoReference.num(begin["ts"] ?? 0) == first)
                    #expect(PerfettoReference.num(end["ts"] ?? 0) == last)
                    let ann = begin["annotations"] as? [String: Any] ?? [:]
                    #expect(PerfettoReference.snum(ann["host_pid"] ?? 0) == Int64(pid))
                    #expect(ann["guest"] as? String == name)
                    #expect((begin["flows"] as? [Any])?.count == 1)
                }
                let flows = dump.trackEvents.compactMap { ($0["flows"] as? [Any])?.first.map(PerfettoReference.num) }
                let hostFlow = dump.trackEvents.first {
                    PerfettoReference.num($0["track"] ?? 0) == PerfettoReference.num(hostTrack["uuid"] ?? 0) && ($0["type"] as? Int) == 1
                }.flatMap { ($0["flows"] as? [Any])?.first.map(PerfettoReference.num) }
                #expect(flows.filter { $0 == hostFlow }.count == 2)
            }
        }
    }

    /// Output that cannot be created: a typed error naming the path.
    @Test func unwritableOutput() throws {
        let session = try TraceSession.open(ExportFixtures.fixture("v7-zstd.dat"))
        #expect(throws: PerfettoExportError.self) {
            try PerfettoExporter(session: session).export(to: "/nonexistent-dir/x.pftrace")
        }
        do {
            try PerfettoExporter(session: session).export(to: "/nonexistent-dir/x.pftrace")
        } catch {
            #expect(error.description.contains("/nonexistent-dir/x.pftrace"))
        }
    }
}

/// Damaged input: a typed error or a complete, readable trace, never a crash.
@Suite struct PerfettoDamagedInputTests {
    @Test func truncatedFilesExportOrFail() throws {
        var exports = 0
        for name in ["v7-zstd.dat", "v6.dat", "lost-events.dat"] {
            let path = ExportFixtures.fixture(name)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            for fraction in [0.3, 0.6, 0.9, 0.99] {
                let cut = PerfettoExportTests.temporary("cut-\(name)")
                try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: cut))
                let session: TraceSession
                do { session = try TraceSession.open(cut) } catch { continue }
                let out = PerfettoExportTests.temporary("cut.pftrace")
                do {
                    let summary = try PerfettoExporter(session: session).export(to: out)
                    let dump = try PerfettoReference.dump(out)
                    #expect(dump.unknown.count == 0, "\(name) cut at \(fraction)")
                    let exported = dump.events.values.reduce(0) { $0 + $1.count }
                    #expect(UInt64(exported) == summary.events)
                    exports += 1
                } catch let e as PerfettoExportError {
                    #expect(!e.description.isEmpty)
                }
            }
        }
        #expect(exports > 0)
    }
}
