@_spi(Engine) import TraceCmd

/// What the page of a session shows, built in one streaming pass over its events: lanes
/// (host CPUs, guest VCPUs, the host threads that run the VCPUs, clock sync), task slices
/// from `sched_switch`, ticks for the other events, lost events, per-pixel summaries, and the
/// exact events and slices: in plain form when they fit ``ViewOptions/detailLimit`` and
/// ``ViewOptions/sliceLimit``, else in compressed detail tiles that the page decodes for the
/// visible window.
///
/// ```swift
/// let session = try TraceSession.open(["trace.dat", "trace-guest1.vm.dat"])
/// let view = try SessionView(session: session)
/// let page: String = view.html()      // one self-contained HTML page
/// let picture: String = view.svg()    // a static SVG of the whole window
/// ```
///
/// Memory and page size stay bounded whatever the number of events: the summaries have a
/// fixed number of bins per lane (see ``ViewOptions/summaryBins``), the plain events stop at
/// ``ViewOptions/detailLimit`` and the detail tiles at ``ViewOptions/tileBytes``.
public struct SessionView: Sendable {
    /// A file of the session as the page names it.
    public struct Peer: Sendable, Hashable {
        /// Index of the file in the session.
        public var index: Int
        /// The path given for the file.
        public var path: String
        /// `host`, `guest` or `file` (a file that is neither).
        public var role: String
        /// The guest's name from the host's GUEST option, else `nil`.
        public var guestName: String?
        /// Events of this file in the window: what `trace-cmd report` prints for it, one
        /// line per event (without its `[EVENTS DROPPED]` lines).
        public var eventCount: Int
        /// Events lost by the ring buffer as the records say (unknown counts count 0).
        public var lostEvents: UInt64
        /// Places where events were lost (pages flagged as having lost events).
        public var lostMarks: Int
        /// The sync quality of a guest (the figures of `tracecmd peers`), `nil` for others.
        public var syncQuality: SyncQuality?
    }

    /// One horizontal lane of the page.
    public struct Lane: Sendable, Hashable {
        /// What the lane shows.
        public enum Kind: String, Sendable, Hashable {
            /// A host CPU (or a CPU of a file that is not a guest).
            case cpu
            /// A guest VCPU.
            case vcpu
            /// The host thread that runs a guest VCPU: when it ran on which host CPU, and
            /// its time in the guest (between `kvm_entry` and `kvm_exit`).
            case hostThread
            /// A guest's TIME_SHIFT samples.
            case sync
        }
        /// What the lane shows.
        public var kind: Kind
        /// The group (peer) the lane is drawn in: an index into ``SessionView/groups``.
        public var group: Int
        /// The file whose events fill the lane (the host's for a host thread).
        public var peer: Int?
        /// The CPU or VCPU number (`nil` for sync lanes).
        public var cpu: Int?
        /// The host PID of a VCPU thread.
        public var hostPID: Int32?
        /// The lane's label, e.g. `CPU 1`, `VCPU 0`, `host pid 4242`, `clock sync`.
        public var label: String
    }

    /// A group of lanes: one peer (or a guest the host knows without its file).
    public struct Group: Sendable, Hashable {
        /// E.g. `host trace.dat` or `guest guest1.vm (trace-guest1.vm.dat)`.
        public var title: String
        /// The peer drawn, `nil` for a guest without a file.
        public var peer: Int?
        /// Warnings about the guest's sync data (empty when it looks right).
        public var warnings: [String]
    }

    /// The files of the session.
    public internal(set) var peers: [Peer] = []
    /// The lane groups, host first.
    public internal(set) var groups: [Group] = []
    /// The lanes in drawing order.
    public internal(set) var lanes: [Lane] = []
    /// The time range shown (host clock, ns): the events' and, without a window, the sync
    /// samples'.
    public internal(set) var start: UInt64 = 0
    /// The end of the range shown.
    public internal(set) var end: UInt64 = 0
    /// Events per event name over all files.
    public internal(set) var eventCounts: [String: Int] = [:]
    /// Whether every event and task slice of the window fits the plain part of the page;
    /// when not, the plain tables (``detailEnd``, ``sliceEnd``) stop early and the page
    /// carries detail tiles (``tileCount``) instead of them.
    public internal(set) var detailsComplete = true
    /// The time of the first event not in the plain table (``end`` when all are).
    public internal(set) var detailEnd: UInt64 = 0
    /// The end of the range whose task slices are all in the plain table (``end`` when all are).
    public internal(set) var sliceEnd: UInt64 = 0
    /// Events stored in detail tiles (0 when every event is embedded in plain form): the
    /// page decodes the tiles of the visible window when zoomed in (see
    /// ``ViewOptions/tileEvents``).
    public internal(set) var tiledEvents = 0
    /// The number of detail tiles.
    public var tileCount: Int { tiles.count }
    /// The end of the range the detail tiles cover (``end`` unless ``ViewOptions/tileBytes``
    /// stopped them).
    public internal(set) var tiledEnd: UInt64 = 0
    /// Errors met while reading (damaged pages are skipped, as the report skips them).
    public internal(set) var readErrors: [String] = []
    /// The title of the page.
    public internal(set) var title = ""
    /// The options the view was built with.
    public let options: ViewOptions

    // Internal data for the renderers.
    var tiles: [TileWriter.Tile] = []
    /// The tasks of the tiles' events: the report's comm and the PID.
    var eventTasks: [(comm: String, pid: Int32)] = []
    /// Per file, the report's file column (empty for a single file).
    var peerLabels: [String] = []
    var bins: LaneBins?
    var tasks: [(comm: String, pid: Int32, peer: Int)] = []
    var names: [String] = []
    var slices = SliceTable()
    var ticks = TickTable()
    var lines: [String] = []
    var lost: [(lane: Int, time: UInt64, count: Int64)] = []
    /// Sync markers: lane, host time, offset (ns), VCPU.
    var syncMarks: [(lane: Int, time: UInt64, offset: Int64, cpu: Int)] = []
    /// Per-task total busy ns (for the legend's colours).
    var taskBusy: [UInt64] = []

    /// Exact task slices: a run of one task on a lane (kind 0), a VCPU thread running on a
    /// host CPU (kind 1, `task` = host CPU) or in the guest (kind 2).
    struct SliceTable: Sendable {
        var lane: [UInt16] = []
        var start: [UInt64] = []
        var end: [UInt64] = []
        var task: [UInt32] = []
        var kind: [UInt8] = []
        var count: Int { lane.count }
    }

    /// Exact events: lane, time, event name index.
    struct TickTable: Sendable {
        var lane: [UInt16] = []
        var time: [UInt64] = []
        var name: [UInt16] = []
        var count: Int { lane.count }
    }

    /// Builds the view of `session` in one pass over its events.
    /// - Parameters:
    ///   - session: the session (host first, as for `trace-cmd report -i host -i guest ...`).
    ///   - options: the window, summary resolution and detail budget.
    /// - Throws: `EventQueryError` when the events cannot be read.
    public init(session: TraceSession, options: ViewOptions = ViewOptions()) throws {
        self.options = options
        var builder = ViewBuilder(session: session, options: options)
        try builder.run(into: &self)
    }
}

/// Fills a ``SessionView``: lane layout first, then one pass over the events.
struct ViewBuilder {
    let session: TraceSession
    let options: ViewOptions

    /// Per peer: the lane of each CPU (-1: none).
    var cpuLane: [[Int]] = []
    /// VCPU thread lanes by host PID.
    var threadLane: [Int32: Int] = [:]
    /// Per lane: the open task slice (start, task+1), task 0 = idle / unknown.
    var openStart: [UInt64] = []
    var openTask: [UInt32] = []
    var laneSeen: [Bool] = []
    /// Per lane: whether a `sched_switch` was seen on it.
    var laneSwitched: [Bool] = []
    /// Per lane: the time of its last event.
    var laneLast: [UInt64] = []
    /// Per thread lane: since when it runs on which host CPU; since when it is in the guest.
    var runSince: [Int: (time: UInt64, cpu: Int)] = [:]
    var guestSince: [Int: UInt64] = [:]
    /// Per host CPU: the VCPU thread lane running on it (-1: none).
    var cpuThread: [Int] = []
    /// Per peer, per event id: what the event is (see `Kind`), its name index, its fields.
    var kinds: [[Int: EventKind]] = []
    var taskIndex: [Int64: UInt32] = [:]
    /// The tiles' task table: (peer, pid) -> the last index given, and (peer, pid, comm) -> index.
    var eventTaskByPID: [Int64: Int] = [:]
    var eventTaskIndex: [EventTaskKey: Int] = [:]

    struct EventTaskKey: Hashable {
        var peer: Int
        var pid: Int32
        var comm: String
    }

    /// The index of (comm, pid) of `peer` in the tiles' task table.
    mutating func eventTask(peer: Int, pid: Int32, comm: String, into v: inout SessionView) -> Int {
        let key = Int64(peer) << 40 | Int64(UInt32(bitPattern: pid))
        let k = EventTaskKey(peer: peer, pid: pid, comm: comm)
        if let i = eventTaskIndex[k] { eventTaskByPID[key] = i; return i }
        guard v.eventTasks.count < Self.maxTasks else {
            if v.eventTasks.count == Self.maxTasks { v.eventTasks.append(("<...>", -1)) }
            return Self.maxTasks
        }
        v.eventTasks.append((comm, pid))
        let i = v.eventTasks.count - 1
        eventTaskIndex[k] = i
        eventTaskByPID[key] = i
        return i
    }

    struct EventKind {
        var kind: UInt8  // 0 other, 1 sched_switch, 2 kvm_entry, 3 kvm_exit
        var name: UInt16
        var prevPID: EventField?
        var nextPID: EventField?
        var prevComm: EventField?
        var nextComm: EventField?
        /// PID fields whose comm the sched plugin registers (the report's comm of those
        /// PIDs may change after this event).
        var commPIDs: [EventField] = []
    }

    static let maxTasks = 65_000
    static let maxLost = 100_000
    static let maxSyncMarks = 100_000

    init(session: TraceSession, options: ViewOptions) {
        self.session = session
        self.options = options
    }

    mutating func layout(into v: inout SessionView) {
        let host = session.hostIndex
        var fileOfGuest: Set<Int> = []
        for link in session.guests { if let f = link.fileIndex { fileOfGuest.insert(f) } }
        cpuLane = Array(repeating: [], count: session.peers.count)
        func addLane(_ lane: SessionView.Lane) -> Int {
            v.lanes.append(lane)
            return v.lanes.count - 1
        }
        for p in session.peers {
            let isHost = p.index == host
            let isGuest = !isHost && (p.role == .guest || p.guestEntry != nil)
            let name = p.guestEntry?.name
            v.peers.append(SessionView.Peer(index: p.index, path: p.path, role: isHost ? "host" : isGuest ? "guest" : "file",
                                            guestName: name, eventCount: 0, lostEvents: 0, lostMarks: 0,
                                            syncQuality: isGuest ? session.syncQuality(of: p.index) : nil))
        }
        // Host (or the first file) first, then the others in session order.
        var order = Array(session.peers.indices)
        if let host, let i = order.firstIndex(of: host) { order.remove(at: i); order.insert(host, at: 0) }
        for pi in order {
            let p = session.peers[pi]
            let peer = v.peers[pi]
            let g = v.groups.count
            var title: String
            let file = baseName(p.path)
            switch peer.role {
            case "host": title = "host \(file)"
            case "guest": title = "guest \(peer.guestName ?? "?") (\(file))"
            default: title = file
            }
            var warnings: [String] = []
            if let q = peer.syncQuality { warnings = q.warnings.map(\.description) }
            if peer.role == "guest" && p.guestEntry == nil && host != nil {
                warnings.append("the host has no GUEST entry for this file's trace ID")
            }
            if title.isEmpty { title = "file \(pi)" }
            v.groups.append(SessionView.Group(title: title, peer: pi, warnings: warnings))
            let n = p.file.cpuCount
            cpuLane[pi] = Array(repeating: -1, count: n)
            for cpu in 0..<n {
                if peer.role == "guest" {
                    cpuLane[pi][cpu] = addLane(.init(kind: .vcpu, group: g, peer: pi, cpu: cpu, label: "VCPU \(cpu)"))
                    if let pid = p.hostPID(vcpu: cpu), threadLane[pid] == nil, host != nil {
                        threadLane[pid] = addLane(.init(kind: .hostThread, group: g, peer: host, cpu: cpu, hostPID: pid,
                                                        label: "host pid \(pid)"))
                    }
                } else {
                    cpuLane[pi][cpu] = addLane(.init(kind: .cpu, group: g, peer: pi, cpu: cpu, label: "CPU \(cpu)"))
                }
            }
            if peer.role == "guest" {
                _ = addLane(.init(kind: .sync, group: g, peer: pi, label: "clock sync"))
            }
        }
        // Guests the host knows without a file: their VCPU threads.
        if let host {
            for link in session.guests where link.fileIndex == nil {
                let pids = link.guest.hostPIDs.enumerated().filter { $0.element != -1 && threadLane[$0.element] == nil }
                guard !pids.isEmpty else { continue }
                let g = v.groups.count
                v.groups.append(SessionView.Group(title: "guest \(link.guest.name) (no trace file)", peer: nil,
                                                  warnings: []))
                for (vcpu, pid) in pids {
                    threadLane[pid] = addLane(.init(kind: .hostThread, group: g, peer: host, cpu: vcpu, hostPID: pid,
                                                    label: "VCPU \(vcpu) host pid \(pid)"))
                }
            }
        }
        openStart = Array(repeating: 0, count: v.lanes.count)
        openTask = Array(repeating: 0, count: v.lanes.count)
        laneSeen = Array(repeating: false, count: v.lanes.count)
        laneSwitched = laneSeen
        laneLast = Array(repeating: 0, count: v.lanes.count)
        kinds = Array(repeating: [:], count: session.peers.count)
        cpuThread = Array(repeating: -1, count: host.map { session.peers[$0].file.cpuCount } ?? 0)
    }

    mutating func kind(peer: Int, id: Int, type: EventType?, names: inout [String], nameIndex: inout [String: UInt16]) -> EventKind {
        if let k = kinds[peer][id] { return k }
        let name = type?.name ?? "unknown"
        var ni: UInt16
        if let i = nameIndex[name] { ni = i } else {
            ni = UInt16(clamping: names.count)
            if names.count < Int(UInt16.max) { names.append(name); nameIndex[name] = ni }
        }
        var k = EventKind(kind: 0, name: ni)
        switch (type?.system, name) {
        case ("sched", "sched_switch"):
            k.kind = 1
            k.prevPID = type?.field(named: "prev_pid")
            k.nextPID = type?.field(named: "next_pid")
            k.prevComm = type?.field(named: "prev_comm")
            k.nextComm = type?.field(named: "next_comm")
            if k.prevPID == nil || k.nextPID == nil { k.kind = 0 }
        case ("kvm", "kvm_entry"): k.kind = 2
        case ("kvm", "kvm_exit"): k.kind = 3
        default: break
        }
        if type?.system == "sched" {
            k.commPIDs = ["prev_pid", "next_pid", "pid"].compactMap { type?.field(named: $0) }
        }
        kinds[peer][id] = k
        return k
    }

    mutating func task(peer: Int, pid: Int64, comm: String?, into v: inout SessionView) -> UInt32 {
        if pid == 0 { return 0 }
        let key = Int64(peer) << 40 | (pid & 0xFF_FFFF_FFFF)
        if let t = taskIndex[key] {
            if let comm, !comm.isEmpty, v.tasks[Int(t) - 1].comm != comm, v.tasks[Int(t) - 1].comm == "" {
                v.tasks[Int(t) - 1].comm = comm
            }
            return t
        }
        guard v.tasks.count < Self.maxTasks else {
            // One shared entry for the tasks beyond the table's bound.
            if v.tasks.count == Self.maxTasks { v.tasks.append(("(other tasks)", -1, peer)); v.taskBusy.append(0) }
            return UInt32(v.tasks.count)
        }
        v.tasks.append((comm ?? "", Int32(truncatingIfNeeded: pid), peer))
        v.taskBusy.append(0)
        let t = UInt32(v.tasks.count)
        taskIndex[key] = t
        return t
    }

    mutating func run(into v: inout SessionView) throws {
        layout(into: &v)
        var names: [String] = []
        var nameIndex: [String: UInt16] = [:]
        var counts: [Int] = Array(repeating: 0, count: session.peers.count)
        var perName: [Int] = []
        var first: UInt64?
        var last: UInt64 = 0
        var bins: LaneBins?
        let limit = max(0, options.detailLimit)
        var detailsOpen = true
        var detailEnd: UInt64 = 0
        let sliceLimit = max(0, options.sliceLimit)
        var slicesOpen = true
        var sliceEnd: UInt64 = 0
        let lineLimit = max(16, options.lineLimit)
        let hostIndex = session.hostIndex
        let selection = EventSelection(start: options.start, end: options.end)
        let binCount = options.binCount
        let laneCount = v.lanes.count
        var tiles = TileWriter(capacity: options.tileEvents)
        let tileBytes = max(0, options.tileBytes)
        var tilesOpen = tiles.available && tileBytes > 0
        var tiledEnd: UInt64 = 0
        var labelKnown = Array(repeating: false, count: session.peers.count)
        v.peerLabels = Array(repeating: "", count: session.peers.count)

        func closeSlice(_ lane: Int, at t: UInt64, kind: UInt8, task: UInt32, from s: UInt64,
                        bins: inout LaneBins?, v: inout SessionView) {
            guard t > s, kind != 0 || task != 0 else { return }
            if tilesOpen { tiles.slice(lane: lane, from: s, to: t, task: task, kind: kind) }
            bins?.interval(lane: lane, from: s, to: t, task: kind == 0 ? task : UInt32(task + 1), auxiliary: kind == 2)
            if kind == 0, task > 0, Int(task) <= v.taskBusy.count { v.taskBusy[Int(task) - 1] &+= t - s }
            guard slicesOpen else { return }
            if v.slices.count >= sliceLimit {
                // Exact up to the earliest slice that is not (or may not be) embedded: this
                // one, and those still open.
                slicesOpen = false
                var e = Swift.min(s, t)
                for l in 0..<laneCount where laneSeen[l] && openTask[l] != 0 { e = Swift.min(e, openStart[l]) }
                for r in runSince.values { e = Swift.min(e, r.time) }
                for g in guestSince.values { e = Swift.min(e, g) }
                sliceEnd = e
            } else {
                v.slices.lane.append(UInt16(truncatingIfNeeded: lane))
                v.slices.start.append(s)
                v.slices.end.append(t)
                v.slices.task.append(task)
                v.slices.kind.append(kind)
            }
        }

        /// The slices open now: (lane, start, task, kind) as `closeSlice` would close them.
        func openSlices() -> [(lane: Int, start: UInt64, task: UInt32, kind: UInt8)] {
            var out: [(lane: Int, start: UInt64, task: UInt32, kind: UInt8)] = []
            for l in 0..<laneCount where laneSeen[l] && openTask[l] != 0 { out.append((l, openStart[l], openTask[l], 0)) }
            for (tl, r) in runSince.sorted(by: { $0.key < $1.key }) { out.append((tl, r.time, UInt32(r.cpu), 1)) }
            for (tl, g) in guestSince.sorted(by: { $0.key < $1.key }) {
                out.append((tl, g, UInt32(runSince[tl]?.cpu ?? 0), 2))
            }
            return out
        }

        func stopThread(_ tl: Int, at ts: UInt64, bins: inout LaneBins?, v: inout SessionView) {
            guard let r = runSince[tl] else { return }
            closeSlice(tl, at: ts, kind: 1, task: UInt32(r.cpu), from: r.time, bins: &bins, v: &v)
            if let g = guestSince[tl] {
                closeSlice(tl, at: ts, kind: 2, task: UInt32(r.cpu), from: g, bins: &bins, v: &v)
                guestSince[tl] = nil
            }
            runSince[tl] = nil
            if r.cpu < cpuThread.count, cpuThread[r.cpu] == tl { cpuThread[r.cpu] = -1 }
        }

        let errors = try session.forEachEvent(selection) { e in
            let ts = e.timestamp
            let peer = e.peer
            let cpu = e.cpu
            if first == nil {
                first = ts
                bins = LaneBins(count: binCount, lanes: laneCount, origin: ts,
                                minimumSpan: options.end.map { $0 > ts ? $0 - ts : 0 } ?? 0)
            }
            if ts > last { last = ts }
            counts[peer] += 1
            let id = e.id ?? -1
            let k = kinds[peer][id] ?? kind(peer: peer, id: id, type: e.type, names: &names, nameIndex: &nameIndex)
            let ni = Int(k.name)
            if ni >= perName.count { perName += Array(repeating: 0, count: ni + 1 - perName.count) }
            perName[ni] += 1
            let lanes = cpuLane[peer]
            let lane = cpu >= 0 && cpu < lanes.count ? lanes[cpu] : -1
            if lane >= 0 {
                if !laneSeen[lane] { laneSeen[lane] = true; openStart[lane] = ts; openTask[lane] = 0 }
                laneLast[lane] = ts
                bins?.event(lane: lane, at: ts)
                switch e.missedEvents {
                case .none: break
                case .unknown:
                    v.peers[peer].lostMarks += 1
                    if v.lost.count < Self.maxLost { v.lost.append((lane, ts, -1)) }
                case .count(let n):
                    v.peers[peer].lostMarks += 1
                    v.peers[peer].lostEvents &+= n
                    if v.lost.count < Self.maxLost { v.lost.append((lane, ts, Int64(clamping: n))) }
                }
            }
            // Exact events while the budget lasts.
            var line: String?
            if detailsOpen {
                if v.ticks.count >= limit {
                    detailsOpen = false
                    detailEnd = ts
                } else if lane >= 0 {
                    v.ticks.lane.append(UInt16(truncatingIfNeeded: lane))
                    v.ticks.time.append(ts)
                    v.ticks.name.append(k.name)
                    var text = e.reportLine
                    if text.unicodeScalars.count > lineLimit {
                        text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(lineLimit - 1))) + "…"
                    }
                    line = text
                    v.lines.append(text)
                }
            }
            // Every event (up to the tiles' limit) in the detail tiles.
            if tilesOpen && lane >= 0 {
                if tiles.full { tiles.seal(end: ts, open: openSlices()) }
                if tiles.compressedBytes >= tileBytes {
                    // The budget is spent: the last tile ends here, summaries after it.
                    tiles.seal(end: ts, open: openSlices())
                    tilesOpen = false
                    tiledEnd = ts
                } else {
                    let pid = e.pid
                    if !labelKnown[peer] {
                        let comm = e.comm
                        // The report's file column: what its line has before "comm-pid".
                        labelKnown[peer] = true
                        let whole = e.reportLine
                        let core = String(repeating: " ", count: max(0, 16 - comm.utf8.count)) + comm + "-" + String(pid)
                        let w = Array(whole.utf8), c = Array(core.utf8)
                        if w.count >= c.count, let at = (0...(w.count - c.count)).first(where: { w[$0..<($0 + c.count)].elementsEqual(c) }) {
                            v.peerLabels[peer] = String(decoding: w[0..<at], as: UTF8.self)
                        }
                    }
                    // The report's comm of a PID changes only when a sched event registers
                    // one (below): until then the last lookup holds.
                    let key = Int64(peer) << 40 | Int64(UInt32(bitPattern: pid))
                    let t = eventTaskByPID[key] ?? eventTask(peer: peer, pid: pid, comm: e.comm, into: &v)
                    tiles.add(time: ts, lane: lane, name: Int(k.name), task: t, line: line)
                    for f in k.commPIDs {
                        if let p = e.value(of: f)?.integer {
                            eventTaskByPID[Int64(peer) << 40 | Int64(UInt32(truncatingIfNeeded: p))] = nil
                        }
                    }
                }
            }
            switch k.kind {
            case 1 where lane >= 0:
                let prev = k.prevPID.flatMap { e.value(of: $0)?.integer } ?? 0
                let next = k.nextPID.flatMap { e.value(of: $0)?.integer } ?? 0
                // The task that ran until now: the open slice's; before the lane's first
                // switch, the switch's prev. (A prev that contradicts the last switch, after
                // lost events, is not painted over the time nothing says it ran.)
                var running = openTask[lane]
                if running == 0 && prev != 0 && !laneSwitched[lane] {
                    running = task(peer: peer, pid: prev, comm: k.prevComm.flatMap { e.value(of: $0)?.string }, into: &v)
                }
                closeSlice(lane, at: ts, kind: 0, task: running, from: openStart[lane], bins: &bins, v: &v)
                openStart[lane] = ts
                laneSwitched[lane] = true
                openTask[lane] = next == 0 ? 0
                    : task(peer: peer, pid: next, comm: k.nextComm.flatMap { e.value(of: $0)?.string }, into: &v)
                // A VCPU thread of the host stops running on this CPU (whatever the switch
                // says its prev was: events may have been lost) or starts running on it.
                if peer == hostIndex, !threadLane.isEmpty {
                    if cpu < cpuThread.count, cpuThread[cpu] >= 0 {
                        stopThread(cpuThread[cpu], at: ts, bins: &bins, v: &v)
                    }
                    if let tl = threadLane[Int32(truncatingIfNeeded: next)] {
                        // Still running elsewhere by the record: it stopped there now.
                        if runSince[tl] != nil { stopThread(tl, at: ts, bins: &bins, v: &v) }
                        runSince[tl] = (ts, cpu)
                        if cpu < cpuThread.count { cpuThread[cpu] = tl }
                        bins?.event(lane: tl, at: ts)
                    }
                }
            case 2, 3:
                if peer == hostIndex, let tl = threadLane[e.pid] {
                    bins?.event(lane: tl, at: ts)
                    if runSince[tl] == nil {
                        runSince[tl] = (ts, cpu)
                        if cpu < cpuThread.count { cpuThread[cpu] = tl }
                    }
                    if k.kind == 2 {
                        if guestSince[tl] == nil { guestSince[tl] = ts }
                    } else if let g = guestSince[tl] {
                        closeSlice(tl, at: ts, kind: 2, task: UInt32(cpu), from: g, bins: &bins, v: &v)
                        guestSince[tl] = nil
                    }
                }
            default:
                break
            }
        }
        // Close what still runs at the end.
        for lane in 0..<laneCount where laneSeen[lane] && openTask[lane] != 0 {
            closeSlice(lane, at: laneLast[lane], kind: 0, task: openTask[lane], from: openStart[lane], bins: &bins, v: &v)
        }
        for (tl, r) in runSince.sorted(by: { $0.key < $1.key }) {
            closeSlice(tl, at: last, kind: 1, task: UInt32(r.cpu), from: r.time, bins: &bins, v: &v)
        }
        for (tl, g) in guestSince.sorted(by: { $0.key < $1.key }) {
            let cpu = runSince[tl]?.cpu ?? 0
            closeSlice(tl, at: last, kind: 2, task: UInt32(cpu), from: g, bins: &bins, v: &v)
        }
        if tilesOpen {
            tiles.seal(end: last, open: [])
            tiledEnd = last
        }
        for (i, n) in counts.enumerated() { v.peers[i].eventCount = n }
        for (i, n) in perName.enumerated() where n > 0 && i < names.count { v.eventCounts[names[i], default: 0] += n }
        v.names = names
        v.bins = bins
        v.readErrors = errors.map(\.description)
        v.detailsComplete = detailsOpen && slicesOpen
        if !v.detailsComplete {
            v.tiles = tiles.tiles
            v.tiledEvents = tiles.events
            v.tiledEnd = tiledEnd
        } else {
            v.eventTasks = []
        }
        var start = first ?? options.start ?? 0
        var end = first == nil ? start : last
        // Sync samples on the host clock.
        for lane in v.lanes.indices where v.lanes[lane].kind == .sync {
            guard let pi = v.lanes[lane].peer else { continue }
            let p = session.peers[pi]
            guard let ts = p.timeShift else { continue }
            for (cpu, list) in ts.samples.enumerated() {
                for s in list {
                    let t = p.corrector.corrected(UInt64(bitPattern: s.time), cpu: cpu)
                    if let a = options.start, t < a { continue }
                    if let b = options.end, t > b { continue }
                    if v.syncMarks.count < Self.maxSyncMarks { v.syncMarks.append((lane, t, s.offset, cpu)) }
                }
            }
        }
        if options.start == nil && options.end == nil {
            for m in v.syncMarks {
                if first == nil { start = m.time; end = m.time; first = m.time }
                start = min(start, m.time)
                end = max(end, m.time)
            }
        }
        if end <= start { end = start + 1 }
        v.start = start
        v.end = end
        v.detailEnd = detailsOpen ? end : detailEnd
        v.sliceEnd = slicesOpen ? end : Swift.max(start, sliceEnd)
        v.title = options.title ?? session.peers.map { baseName($0.path) }.joined(separator: " + ")
    }
}

/// The last component of a path.
func baseName(_ path: String) -> String {
    guard let i = path.lastIndex(of: "/"), path.index(after: i) < path.endIndex else { return path }
    return String(path[path.index(after: i)...])
}
