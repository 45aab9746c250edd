import Foundation
import SystemPackage
import Testing
import TraceCmd

/// `scripts/golden/libtracecmd-api.c`, built once per test run.
enum LibtracecmdProgram {

    /// The built program, or `nil` when it cannot be built.
    static let program: String? = {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/golden/libtracecmd-api.c").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("libtracecmd-api-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("libtracecmd-api").path
        guard let flags = try? shell("pkg-config --cflags --libs libtracecmd"), !flags.isEmpty,
              (try? shell("cc -O2 -o '\(out)' '\(source)' \(flags)")) != nil,
              FileManager.default.fileExists(atPath: out) else { return nil }
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: out)
        return out
    }()

    static var available: Bool { program != nil }

    @discardableResult
    static func shell(_ command: String) throws -> String {
        try run("/bin/sh", ["-c", command], in: FileManager.default.currentDirectoryPath)
    }

    static func run(_ executable: String, _ args: [String], in directory: String) throws -> String {
        let r = try Reference.execute(executable, args, in: directory)
        guard r.status == 0 else { throw CError.failed(executable, args, r.status) }
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    enum CError: Error { case failed(String, [String], Int32) }

    /// The C program's output lines, each split at spaces.
    static func reference(_ args: [String], in directory: String = Reference.fixtures) throws -> [[String]] {
        try run(program!, args, in: directory).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

}

/// The Swift counterpart of every function of libtracecmd(3) (the table in the TraceCmd
/// documentation, `LibtracecmdAPI.md`), each checked against what libtracecmd itself gives:
/// `scripts/golden/libtracecmd-api.c`, built at test time with `cc` and `pkg-config`, runs
/// the C functions on the fixtures and prints the results as text.
@Suite(.enabled(if: LibtracecmdProgram.available, "cc, pkg-config or libtracecmd is not installed"))
struct LibtracecmdAPI {
    static func reference(_ args: [String], in directory: String = Reference.fixtures) throws -> [[String]] {
        try LibtracecmdProgram.reference(args, in: directory)
    }

    /// A record as the C program prints it: "cpu ts offset".
    struct Rec: Hashable, CustomStringConvertible {
        var peer = 0
        var cpu: Int
        var ts: UInt64
        var offset: Int
        var description: String { "\(peer)/\(cpu) \(ts) @\(offset)" }

        init(peer: Int = 0, cpu: Int, ts: UInt64, offset: Int) {
            self.peer = peer
            self.cpu = cpu
            self.ts = ts
            self.offset = offset
        }

        /// From `tag cpu ts offset` fields (after the tag).
        init(_ f: ArraySlice<String>) {
            let a = Array(f)
            self.init(cpu: Int(a[0])!, ts: UInt64(a[1])!, offset: Int(a[2])!)
        }

        init(_ e: Event) { self.init(peer: e.peer, cpu: e.cpu, ts: e.timestamp, offset: e.offset) }
        init(_ e: borrowing EventView) { self.init(peer: e.peer, cpu: e.cpu, ts: e.timestamp, offset: e.offset) }
    }

    static func records(_ lines: [[String]], tag: String = "R") -> [Rec] {
        lines.filter { $0.first == tag }.map { Rec($0.dropFirst()) }
    }

    static let singleFiles = ["events.dat", "buffers.dat", "v6.dat", "v6-buffers.dat", "v7-zstd.dat", "lost-events.dat"]
    static let guestDirectory = Reference.path("session-2guests")
    static let guestFiles = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]

    // MARK: files: tracecmd_open, _open_fd, _open_head, _init_data, _close; record: read_*; instances; get_tep

    @Test("open, open_fd, open_head + init_data, traceid, get_tep, instances, read_cpu_first, read_data, read_at, get_first_ts",
          arguments: singleFiles)
    func files(_ name: String) throws {
        let path = Reference.path(name)
        let c = try Self.reference(["file", name])
        func value(_ key: String) -> [String]? { c.first { $0.first == key }.map { Array($0.dropFirst()) } }

        // tracecmd_open / tracecmd_close: a session of one file, released by ARC.
        let session = try TraceSession.open(path)
        let file = session.peers[0].file
        // tracecmd_get_traceid: 0 when the file has none.
        #expect(String(file.traceID ?? 0) == value("traceid")?[0])
        // tracecmd_get_tep: the file's event formats.
        // tracecmd_get_tep: the file's event formats (libtracecmd adds an ftrace:blktrace
        // format of its own when the file has none: tracecmd_blk_hack).
        let types = try session.eventTypes()
        var tep = Set(c.filter { $0.first == "tep" }.map { "\($0[1]) \($0[2])" })
        if !types.contains(where: { $0.name == "blktrace" }) { tep.remove("14 ftrace:blktrace") }
        #expect(Set(types.map { "\($0.id) \($0)" }) == tep)
        #expect(types.count == tep.count)
        // tracecmd_buffer_instances, tracecmd_buffer_instance_name.
        #expect(String(file.instances.count) == value("instances")?[0])
        let names = c.filter { $0.first == "instance" }.map { $0[2] }
        #expect(file.instances.map(\.name) == names)

        // Per buffer (tracecmd_buffer_instance_handle: the buffer's name in a selection).
        var current: TraceBuffer?
        var statistics: BufferStatistics?
        var expectedData: [Int: [Rec]] = [:]
        var swiftData: [Int: [Rec]] = [:]
        func flush() {
            #expect(swiftData == expectedData, "\(name) buffer \(current?.name ?? "")")
            expectedData = [:]
            swiftData = [:]
        }
        for line in c {
            switch line[0] {
            case "buffer":
                if current != nil { flush() }
                let bname = line[1] == "-" ? "" : line[1]
                let b = try #require(file.buffers.first { $0.name == bname })
                current = b
                #expect(String(b.cpuSlots(in: file)) == line[3])
                // tracecmd_get_first_ts of the buffer's handle.
                let stats = try BufferStatistics(file: file, buffer: b, corrector: session.peers[0].corrector(for: b))
                statistics = stats
                #expect(String(stats.firstTimestamp) == line[5], "\(name) \(bname) first_ts")
            case "first":
                let b = try #require(current)
                let cpu = Int(line[1])!
                // tracecmd_read_cpu_first.
                let first = try session.firstEvent(cpu: cpu, buffer: b.name)
                if line[2] == "none" {
                    #expect(first == nil)
                } else {
                    #expect(first.map(Rec.init) == Rec(line.dropFirst()), "\(name) \(b.name) cpu \(cpu)")
                    // tracecmd_read_data: the CPU's records one by one.
                    let cursor = try session.cpuEvents(cpu: cpu, buffer: b.name)
                    var all: [Rec] = []
                    while let e = cursor.next() { all.append(Rec(e)) }
                    #expect(all.first == first.map(Rec.init))
                    swiftData[cpu] = Array(all.dropFirst())
                    #expect(cursor.errors.isEmpty)
                }
            case "data":
                let r = Rec(line.dropFirst())
                expectedData[r.cpu, default: []].append(r)
            case "count":
                let cpu = Int(line[1])!
                #expect(String(statistics?.cpus.first { $0.cpu == cpu }?.records ?? -1) == line[2])
            case "at":
                // tracecmd_read_at: the record at (or the first after) an offset.
                let b = try #require(current)
                let offset = Int(line[1])!
                let e = try session.event(atOffset: offset, buffer: b.name)
                if line[2] == "none" {
                    #expect(e == nil, "\(name) \(b.name) at \(offset)")
                } else {
                    #expect(e.map(Rec.init) == Rec(line.dropFirst(3)), "\(name) \(b.name) at \(offset)")
                }
            default:
                break
            }
        }
        flush()

        // tracecmd_open_head, then tracecmd_init_data.
        let head = try TraceFile.open(path, mode: .headOnly)
        #expect(String(head.traceID ?? 0) == value("head_traceid")?[0])
        let loaded = TraceSession(files: [try head.withData()])
        for line in c where line[0] == "head_first" {
            let r = Rec(line.dropFirst())
            #expect(try loaded.firstEvent(cpu: r.cpu).map(Rec.init) == r)
        }
        // tracecmd_open_fd.
        let fd = try FileDescriptor.open(path, .readOnly)
        let viaFD = try fd.closeAfter { try TraceFile.open(fileDescriptor: fd) }
        let fdSession = TraceSession(files: [viaFD])
        for line in c where line[0] == "fd_first" {
            let r = Rec(line.dropFirst())
            #expect(try fdSession.firstEvent(cpu: r.cpu).map(Rec.init) == r)
        }
    }

    // MARK: iterate

    @Test("tracecmd_iterate_events: the top-level buffer in timestamp order", arguments: singleFiles)
    func iterateEvents(_ name: String) throws {
        let expected = Self.records(try Self.reference(["iterate", name]))
        let session = try TraceSession.open(Reference.path(name))
        var got: [Rec] = []
        try session.forEachEvent(EventSelection(buffers: [""])) { got.append(Rec($0)) }
        #expect(got.count == expected.count)
        #expect(got == expected)
        // The same through the sequence of owned events.
        #expect(try session.events(EventSelection(buffers: [""])).map(Rec.init) == expected)
    }

    @Test("tracecmd_iterate_events with a CPU set: EventSelection.cpus",
          arguments: [("events.dat", 1), ("buffers.dat", 0), ("v6.dat", 1)])
    func iterateCPUs(_ name: String, _ cpu: Int) throws {
        let expected = Self.records(try Self.reference(["cpu", name, String(cpu)]))
        let session = try TraceSession.open(Reference.path(name))
        let got = try session.events(EventSelection(cpus: [cpu], buffers: [""])).map(Rec.init)
        #expect(!got.isEmpty)
        #expect(got == expected)
    }

    @Test("tracecmd_iterate_events_multi: host and guests merged (instances left out)")
    func iterateMulti() throws {
        let c = try Self.reference(["multi"] + Self.guestFiles, in: Self.guestDirectory)
        let expected = c.filter { $0.first == "R" }.map {
            Rec(peer: Int($0[1])!, cpu: Int($0[2])!, ts: UInt64($0[3])!, offset: Int($0[4])!)
        }
        let session = try TraceSession.open(Self.guestFiles.map { Self.guestDirectory + "/" + $0 })
        var got: [Rec] = []
        try session.forEachEvent(EventSelection(buffers: [""])) { got.append(Rec($0)) }
        #expect(got.count == expected.count)
        #expect(got == expected)
    }

    /// libtracecmd 3.1.6 has no `tracecmd_iterate_events_reverse`: the reference order is the
    /// exact reverse of its forward order.
    @Test("tracecmd_iterate_events_reverse: newest first", arguments: singleFiles)
    func iterateReverse(_ name: String) throws {
        let forward = Self.records(try Self.reference(["iterate", name]))
        let session = try TraceSession.open(Reference.path(name))
        var got: [Rec] = []
        try session.forEachEventReversed(EventSelection(buffers: [""])) { got.append(Rec($0)) }
        #expect(got.count == forward.count)
        #expect(got == Array(forward.reversed()))
        let sequence = try session.eventsReversed(EventSelection(buffers: [""]))
        #expect(sequence.map(Rec.init) == Array(forward.reversed()))
        #expect(sequence.errors.isEmpty)
    }

    @Test("reverse over a host and its guests: the reverse of iterate_events_multi; a time window")
    func iterateReverseMulti() throws {
        let c = try Self.reference(["multi"] + Self.guestFiles, in: Self.guestDirectory)
        let forward = c.filter { $0.first == "R" }.map {
            Rec(peer: Int($0[1])!, cpu: Int($0[2])!, ts: UInt64($0[3])!, offset: Int($0[4])!)
        }
        let session = try TraceSession.open(Self.guestFiles.map { Self.guestDirectory + "/" + $0 })
        let got = try session.eventsReversed(EventSelection(buffers: [""])).map(Rec.init)
        #expect(got == Array(forward.reversed()))
        // A window: `end` is where reading starts, `start` where it stops.
        let lo = forward[forward.count / 3].ts, hi = forward[2 * forward.count / 3].ts
        var window: [Rec] = []
        try session.forEachEventReversed(EventSelection(start: lo, end: hi, buffers: [""])) { window.append(Rec($0)) }
        #expect(window == Array(forward.filter { $0.ts >= lo && $0.ts <= hi }.reversed()))
    }

    /// libtracecmd 3.1.6 has no `tracecmd_iterate_reset`: a second `tracecmd_iterate_events`
    /// on a handle goes on where the first ended (nothing is left), and a new handle starts
    /// over. A Swift sequence starts over on every `makeIterator()`.
    @Test("tracecmd_iterate_reset: every iteration of a sequence starts at the first event")
    func iterateReset() throws {
        let c = try Self.reference(["reset", "events.dat"])
        let first = Self.records(c, tag: "A")
        #expect(Self.records(c, tag: "B").isEmpty)
        #expect(Self.records(c, tag: "C") == first)
        let events = try TraceSession.open(Reference.path("events.dat")).events(EventSelection(buffers: [""]))
        #expect(events.map(Rec.init) == first)
        #expect(events.map(Rec.init) == first)
        var it = events.makeIterator()
        _ = it.next()
        _ = it.next()
        var again = events.makeIterator()
        #expect(again.next().map(Rec.init) == first.first)
    }

    @Test("tracecmd_follow_event and tracecmd_follow_missed_events: several handlers, one pass",
          arguments: [("lost-events.dat", "sched", "sched_switch", "sched", "sched_wakeup"),
                      ("events.dat", "sched", "sched_wakeup", "sched", "sched_switch")])
    func follow(_ name: String, _ s1: String, _ e1: String, _ s2: String, _ e2: String) throws {
        let c1 = try Self.reference(["follow", name, s1, e1])
        let c2 = try Self.reference(["follow", name, s2, e2])
        func followed(_ c: [[String]]) -> [Rec] { c.filter { $0[0] == "F" }.map { Rec($0.dropFirst(3)) } }
        let missedExpected = c1.filter { $0[0] == "M" }.map { "\($0[1]) \($0[2]) \($0[3]) \($0[4]) \($0[5])" }

        var first: [Rec] = [], second: [Rec] = [], missed: [String] = [], order: [String] = []
        var router = EventRouter()
        router.follow(s1, e1) { e in first.append(Rec(e)); order.append("1") }
        router.follow(s2, e2) { e in second.append(Rec(e)); order.append("2") }
        router.follow(nil, "no_such_event") { _ in Issue.record("called for an event not in the trace") }
        router.followMissedEvents { e in
            let m: Int64 = switch e.missedEvents {
            case .none: 0
            case .unknown: -1
            case .count(let n): Int64(n)
            }
            missed.append("\(e.name) \(e.cpu) \(e.timestamp) \(e.offset) \(m)")
            order.append("M")
        }
        var all = 0
        router.forEachEvent { _ in all += 1 }
        let session = try TraceSession.open(Reference.path(name))
        try router.run(on: session, EventSelection(buffers: [""]))
        #expect(first == followed(c1))
        #expect(second == followed(c2))
        #expect(!first.isEmpty && !second.isEmpty)
        #expect(missed == missedExpected)
        #expect(all == Self.records(try Self.reference(["iterate", name])).count)
        // A missed-events handler runs before the followers of the same event.
        if let m = order.firstIndex(of: "M"), m + 1 < order.count { #expect(order[m + 1] != "M") }
    }

    @Test("tracecmd_filter_add: keeping and (neg) excluding filters",
          arguments: [("events.dat", "sched_switch: prev_pid != 0", false),
                      ("events.dat", "sched_switch", true),
                      ("buffers.dat", "sched/.*", true),
                      ("events.dat", "sched_wakeup: target_cpu == 1", false)])
    func filter(_ name: String, _ filter: String, _ neg: Bool) throws {
        let expected = Self.records(try Self.reference(["iterate", name, filter, neg ? "1" : "0"]))
        let session = try TraceSession.open(Reference.path(name))
        let selection = neg ? EventSelection(excludingFilter: filter, buffers: [""])
                            : EventSelection(filter: filter, buffers: [""])
        let got = try session.events(selection).map(Rec.init)
        #expect(!got.isEmpty)
        #expect(got == expected)
    }

    // MARK: maps, peer

    @Test("tracecmd_map_vcpus, get_cpu_map, map_get_host_pid, map_get_guest, map_find_by_host_pid, map private data, get_traceid, get_guest_cpumap",
          arguments: ["session-1guest", "session-2guests", "session-2guests-tsync"])
    func maps(_ dir: String) throws {
        let directory = Reference.path(dir)
        let files = (try FileManager.default.contentsOfDirectory(atPath: directory))
            .filter { $0.hasPrefix("trace-") && $0.hasSuffix(".dat") }.sorted()
        let inputs = ["trace.dat"] + files
        let c = try Self.reference(["multi"] + inputs, in: directory)
        let session = try TraceSession.open(inputs.map { directory + "/" + $0 })
        let host = try #require(session.host?.file)

        // tracecmd_map_vcpus: the guests of the host that have a file in the session.
        #expect(String(session.guests.filter { $0.fileIndex != nil }.count) == c.first { $0[0] == "map_vcpus" }?[1])
        // Private data per VCPU: a dictionary keyed by (file, VCPU) replaces map_set/get_private.
        var privateData: [[Int]: String] = [:]
        for line in c {
            switch line[0] {
            case "traceid":
                #expect(String(session.peers[Int(line[1])!].traceID ?? 0) == line[2])
            case "cpumap":
                // tracecmd_get_guest_cpumap: name, VCPU count, host PID per VCPU.
                let i = Int(line[1])!
                let g = try #require(host.guest(traceID: session.peers[i].traceID ?? 0))
                #expect(g.name == line[2])
                #expect(String(g.hostPIDs.count) == line[3])
                #expect(g.hostPIDs.map(String.init) == Array(line.dropFirst(4)))
            case "map" where line[1] != "0":
                // tracecmd_get_cpu_map of a guest VCPU: its host PID and its guest's file.
                let i = Int(line[1])!, vcpu = Int(line[2])!, pid = Int32(line[3])!
                #expect(session.hostPID(peer: i, vcpu: vcpu) == (pid == -1 ? nil : pid))
                let link = session.guests.first { $0.guest.traceID == session.peers[i].traceID }
                #expect(link?.fileIndex == Int(line[4]))
                // tracecmd_map_find_by_host_pid (host PIDs the host knows only).
                if pid != -1 { #expect(session.guestVCPU(hostPID: pid)?.guest == Int(line[5])) }
                privateData[[i, vcpu]] = "vcpu \(vcpu) of \(i)"
            default:
                break
            }
        }
        #expect(c.first { $0[0] == "find_none" }?[1] == "1")
        #expect(session.guestVCPU(hostPID: 999_999) == nil)
        for (key, value) in privateData { #expect(value == "vcpu \(key[1]) of \(key[0])") }
        #expect(privateData.count == (1..<session.peers.count).reduce(0) { $0 + session.peers[$1].file.cpuCount })
    }

    // MARK: timestamp

    @Test("tracecmd_add_ts_offset and tracecmd_get_first_ts", arguments: ["events.dat", "buffers.dat"])
    func tsOffset(_ name: String) throws {
        let offset: Int64 = 1_000_000
        let c = try Self.reference(["offset", name, String(offset)])
        let file = try TraceFile.open(Reference.path(name))
        let session = TraceSession(files: [file], userOffsets: [0: offset])
        let first5 = Array(try session.events(EventSelection(buffers: [""])).prefix(5)).map(Rec.init)
        #expect(first5 == Self.records(c))
        // libtracecmd's first_ts is taken at open, before the offset is added.
        let plain = TraceSession(files: [file])
        let stats = try BufferStatistics(file: file, buffer: try #require(file.topBuffer), corrector: plain.peers[0].corrector)
        #expect(String(stats.firstTimestamp) == c.first { $0[0] == "first_ts" }?[1])
    }

    /// libtracecmd 3.1.6 has no `tracecmd_get_tsc2nsec`; the reference is the TSC2NSEC
    /// option as `trace-cmd dump --options` shows it (no fixture has one).
    @Test("tracecmd_get_tsc2nsec: the TSC2NSEC option", .enabled(if: Reference.available),
          arguments: ["events.dat", "clock-x86-tsc.dat", "session-2guests-tsync/trace.dat"])
    func tsc2nsec(_ name: String) throws {
        let dump = try Reference.run(["dump", "--options", "-i", name])
        let file = try TraceFile.open(Reference.path(name))
        #expect(dump.contains("TSC2NSEC") == (file.tsc2nsec != nil))
    }

    // MARK: log, private data

    @Test("tracecmd_set_loglevel: errors are typed values; tracecmd_set/get_private: captured state")
    func logAndPrivate() throws {
        // What libtracecmd logs is thrown or returned here.
        #expect(throws: TraceFileError.self) { try TraceFile.open(Reference.path("README.md")) }
        #expect(throws: TraceFileError.self) { try TraceFile.open(Reference.path("no-such-file.dat")) }
        let session = try TraceSession.open([Reference.path("events.dat"), Reference.path("v6.dat")])
        #expect(session.diagnostics.contains(.noHost))
        // The C program sets and reads back a handle's private pointer.
        #expect(try Self.reference(["file", "events.dat"]).contains(["private", "private"]))
        // In Swift the callback captures what it needs.
        let label = "events.dat"
        var seen: [String] = []
        let router = { (e: borrowing EventView) in seen.append("\(label) \(e.cpu)") }
        try TraceSession.open(Reference.path(label)).forEachEvent(EventSelection(cpus: [0]), router)
        #expect(!seen.isEmpty && seen.allSatisfy { $0 == "events.dat 0" })
        #expect(try Self.reference(["file", "events.dat"]).contains(["loglevel", "ok"]))
    }
}
