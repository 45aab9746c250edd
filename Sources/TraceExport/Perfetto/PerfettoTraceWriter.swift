@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// One export in progress: the machines' metadata, the open bundle of every CPU, the event
/// plans by type, and the output buffer written to the file in large blocks.
///
/// A value the export keeps in a local variable: its per-event lookups (flat tables of
/// indices into ``bundles`` and ``plans``) are then read without reference counting or
/// dynamic exclusivity checks, and each event is written by a method of its bundle that
/// borrows the bundle and the plan in place.
struct PerfettoTraceWriter {
    let session: TraceSession
    let options: PerfettoExporter.Options
    let file: OutputFile
    /// Packets not yet written to the file.
    let out = ProtoBuffer(capacity: 1 << 22)
    /// Written when `out` holds this much.
    let outLimit = 1 << 22
    /// A bundle is flushed at this many bytes of events even before `bundleEvents`.
    let bundleBytes = 1 << 20
    let bundleEvents: Int

    /// Per peer: machine id (0 for the host), name, whether syscalls are typed.
    let machineIDs: [Int]
    let machineNames: [String]
    let syscalls: [Bool]

    /// Every bundle, in creation order.
    private var bundles: [PerfettoCPUBundle] = []
    /// The index in ``bundles`` + 1 of (peer, buffer, cpu) at
    /// `(peer * maxBuffers + buffer) * maxCPUs + cpu` (0: none yet).
    private var bundleSlots: [Int32]
    private let maxBuffers: Int
    private let maxCPUs: Int
    /// Bundles outside the table (a CPU above the file's count): their index in ``bundles``.
    private var extraBundles: [Int: Int] = [:]
    /// Every plan, in creation order.
    private var plans: [PerfettoEventPlan] = []
    /// The index in ``plans`` + 1 of (peer, event id) at `peer * planStride + id` (0: none yet).
    private var planSlots: [Int32]
    private var planStride = 1024
    /// Plan tables: one per peer for its top-level buffer, one per peer for its instances
    /// (whose events are all written as generic events: Perfetto has one ftrace stream per
    /// CPU, and the scheduling events of an instance would be read as the CPU's own).
    private var planTables = 0
    /// Per peer: the index of its top-level buffer (-1: none).
    private let topBuffer: [Int]
    /// Types without a plan (no format) are remembered as such.
    private var noPlan = Set<Int>()

    private(set) var events: UInt64 = 0
    private(set) var bundleCount = 0
    private var started = false
    private var firstTimestamp: UInt64 = 0
    private var lastTimestamp: UInt64 = 0

    init(session: TraceSession, options: PerfettoExporter.Options, file: OutputFile) {
        self.session = session
        self.options = options
        self.file = file
        bundleEvents = max(1, options.bundleEvents)
        let host = session.hostIndex ?? 0
        var ids: [Int] = [], names: [String] = [], sys: [Bool] = []
        for p in session.peers {
            ids.append(p.index == host ? 0 : (p.index == 0 ? host : p.index))
            if p.index == host {
                names.append("host")
            } else if let g = p.guestEntry {
                names.append(g.name)
            } else {
                names.append(PerfettoTraceWriter.baseName(p.path))
            }
            sys.append(PerfettoTypedEvents.syscallArchitectures.contains(PerfettoTraceWriter.uname(p.file).machine ?? ""))
        }
        machineIDs = ids
        machineNames = names
        syscalls = sys
        maxBuffers = max(1, session.peers.map(\.file.buffers.count).max() ?? 1)
        maxCPUs = max(1, min(4096, session.peers.map(\.file.cpuCount).max() ?? 1))
        bundleSlots = Array(repeating: 0, count: session.peers.count * maxBuffers * maxCPUs + 1)
        planTables = 2 * session.peers.count
        topBuffer = session.peers.map { $0.file.buffers.firstIndex(where: \.isTopLevel) ?? -1 }
        planSlots = Array(repeating: 0, count: planTables * planStride + 1)
    }

    var machineCount: Int { session.peers.count }

    // MARK: Events

    /// Adds one event.
    @inline(__always)
    mutating func add(_ e: borrowing EventView) throws(PerfettoExportError) {
        let ts = e.timestamp
        if !started { try start(at: ts) }
        lastTimestamp = ts
        let peer = e.peer
        let buffer = e.bufferIndex
        let b = bundleIndex(peer: peer, buffer: buffer, cpu: e.cpu)
        let missed = e.missedEvents
        if missed != .none {
            if bundles[b].count > 0 { flush(b) }
            bundles[b].noteLost(missed)
        }
        events &+= 1
        let table = peer < topBuffer.count && buffer != topBuffer[peer] ? peer + syscalls.count : peer
        let p: Int
        if let id = e.id { p = planIndex(peer: table, id: id, e) } else { p = -1 }
        let full: Bool
        if p >= 0, plans[p].direct {
            // Everything read from the event first: the bundle and the plan are then
            // borrowed in place for the write, which allocates and releases nothing.
            let pid = e.pid
            let flags = e.flags
            full = e.withBytes { payload in
                bundles[b].add(ts: ts, pid: pid, flags: flags, payload: payload, plan: plans[p],
                                    limit: bundleEvents, bytes: bundleBytes)
            }
        } else {
            full = addOther(e, ts: ts, bundle: b, plan: p)
        }
        guard full else { return }
        flush(b)
        if out.count >= outLimit { try drain() }
    }

    /// Adds an event of a compact plan, of a plan that reads fields through the event API,
    /// or of no plan (`plan` -1); returns whether its bundle is full.
    @inline(never)
    private func addOther(_ e: borrowing EventView, ts: UInt64, bundle b: Int, plan p: Int) -> Bool {
        guard p >= 0 else { return bundles[b].addUnknown(e, ts: ts, limit: bundleEvents, bytes: bundleBytes) }
        if plans[p].compact {
            var flags: UInt8 = 0
            if case .compactWaking = plans[p].kind { flags = e.flags }
            let written = e.withBytes { payload in
                bundles[b].addCompact(ts: ts, flags: flags, payload: payload, plan: plans[p],
                                      limit: bundleEvents, bytes: bundleBytes)
            }
            if let written { return written }
        }
        return bundles[b].add(e, ts: ts, plan: plans[p], limit: bundleEvents, bytes: bundleBytes)
    }

    private mutating func flush(_ bundle: Int) {
        bundles[bundle].flush(into: out)
        bundleCount += 1
    }

    /// Writes the packets of ``out`` to the file and empties it.
    private func drain() throws(PerfettoExportError) {
        defer { out.removeAll() }
        do {
            try file.write(out.buffer)
        } catch {
            throw .writeFailed(path: error.path, offset: Int(error.offset), errno: error.errno)
        }
    }

    // MARK: Lookups

    /// The index in ``bundles`` of the bundle of (peer, buffer, cpu), made when first met.
    @inline(__always)
    private mutating func bundleIndex(peer: Int, buffer: Int, cpu: Int) -> Int {
        if buffer >= 0, buffer < maxBuffers, cpu >= 0, cpu < maxCPUs {
            let i = (peer &* maxBuffers &+ buffer) &* maxCPUs &+ cpu
            if i >= 0, i < bundleSlots.count {
                let slot = bundleSlots[i]
                if slot > 0 { return Int(slot) &- 1 }
            }
        }
        return makeBundle(peer: peer, buffer: buffer, cpu: cpu)
    }

    private mutating func makeBundle(peer: Int, buffer: Int, cpu: Int) -> Int {
        let key = (peer << 40) | (buffer << 20) | (cpu & 0xfffff)
        if let b = extraBundles[key] { return b }
        let b = PerfettoCPUBundle(machineID: peer < machineIDs.count ? machineIDs[peer] : peer, peer: peer, buffer: buffer, cpu: cpu)
        let index = bundles.count
        bundles.append(b)
        let i = (peer * maxBuffers + buffer) * maxCPUs + cpu
        if buffer >= 0, buffer < maxBuffers, cpu >= 0, cpu < maxCPUs, i >= 0, i < bundleSlots.count {
            bundleSlots[i] = Int32(index + 1)
        } else {
            extraBundles[key] = index
        }
        return index
    }

    /// The index in ``plans`` of the plan of event `id` in plan table `peer`, made when first
    /// met; -1 when the type has no format.
    @inline(__always)
    private mutating func planIndex(peer: Int, id: Int, _ e: borrowing EventView) -> Int {
        if id >= 0, id < planStride {
            let i = peer &* planStride &+ id
            if i >= 0, i < planSlots.count {
                let slot = planSlots[i]
                if slot > 0 { return Int(slot) &- 1 }
            }
        }
        return makePlan(peer: peer, id: id, e)
    }

    private mutating func makePlan(peer: Int, id: Int, _ e: borrowing EventView) -> Int {
        let key = peer << 32 | (id & 0xffff_ffff)
        guard peer >= 0, peer < planTables, id >= 0, !noPlan.contains(key) else { return -1 }
        if id >= planStride {
            // A larger id than the table holds: grow it (ids are small; this happens rarely).
            guard id < 1 << 20 else { return -1 }
            var stride = planStride
            while stride <= id { stride *= 2 }
            var grown = [Int32](repeating: 0, count: planTables * stride + 1)
            for p in 0..<planTables {
                for i in 0..<planStride { grown[p * stride + i] = planSlots[p * planStride + i] }
            }
            planSlots = grown
            planStride = stride
        }
        guard let type = e.type else {
            noPlan.insert(key)
            return -1
        }
        let instance = peer >= syscalls.count
        let p = PerfettoEventPlan.make(for: type, syscalls: syscalls[peer % syscalls.count], compact: options.compactSched,
                                       typed: !instance)
        plans.append(p)
        planSlots[peer * planStride + id] = Int32(plans.count)
        return plans.count - 1
    }

    // MARK: Metadata

    /// Writes the machines' descriptions and thread names, at the first event.
    private mutating func start(at ts: UInt64) throws(PerfettoExportError) {
        started = true
        firstTimestamp = ts
        for p in session.peers {
            writeSystemInfo(p)
            writeProcessTree(p, at: ts)
        }
        try drain()
    }

    private func writeSystemInfo(_ p: TraceSession.Peer) {
        typealias S = PerfettoProto.SystemInfo
        let packet = out.begin(PerfettoProto.Trace.packet)
        let info = out.begin(PerfettoProto.Packet.systemInfo)
        let u = Self.uname(p.file)
        if u.sysname != nil || u.machine != nil {
            let m = out.begin(S.utsname)
            if let s = u.sysname { out.string(S.sysname, s) }
            if let s = u.version { out.string(S.version, s) }
            if let s = u.release { out.string(S.release, s) }
            if let s = u.machine { out.string(S.machine, s) }
            out.end(m)
        }
        out.uint(S.pageSize, UInt64(max(0, p.file.pageSize)))
        out.uint(S.numCPUs, UInt64(max(0, p.file.cpuCount)))
        out.string(S.machineName, machineNames[p.index])
        out.end(info)
        machineID(p.index)
        out.end(packet)
    }

    private func machineID(_ peer: Int) {
        let id = machineIDs[peer]
        if id != 0 { out.uint(PerfettoProto.Packet.machineID, UInt64(id)) }
    }

    /// Task names from the file's saved cmdlines, as a `ProcessTree`. A trace-cmd file does
    /// not say which task belongs to which thread group, and Perfetto files a thread without
    /// one under process 0; so each task is written as its own process (named by its comm,
    /// `cmdline_is_comm`) and as that process's thread.
    private func writeProcessTree(_ p: TraceSession.Peer, at ts: UInt64) {
        typealias T = PerfettoProto.ProcessTree
        guard let text = try? p.file.savedCmdlinesText() else { return }
        let cmdlines = SavedCmdlines(parsing: text)
        var names: [Int32: String] = [:]
        var order: [Int32] = []
        for (pid, comm) in cmdlines.fileOrder where pid > 0 {
            if names.updateValue(comm, forKey: pid) == nil { order.append(pid) }
        }
        guard !order.isEmpty else { return }
        let packet = out.begin(PerfettoProto.Trace.packet)
        out.uint(PerfettoProto.Packet.timestamp, ts)
        let tree = out.begin(PerfettoProto.Packet.processTree)
        for pid in order {
            guard let name = names[pid] else { continue }
            let process = out.begin(T.processes)
            out.int(T.processPid, Int64(pid))
            PerfettoText.writeString(T.processCmdline, name, into: out)
            out.uint(T.cmdlineIsComm, 1)
            out.end(process)
        }
        for pid in order {
            guard let name = names[pid] else { continue }
            let t = out.begin(T.threads)
            out.int(T.tid, Int64(pid))
            out.int(T.tgid, Int64(pid))
            PerfettoText.writeString(T.name, name, into: out)
            out.end(t)
        }
        out.end(tree)
        machineID(p.index)
        out.end(packet)
    }

    /// Flushes every bundle, then writes the statistics and the guest VCPU links.
    mutating func finish() throws(PerfettoExportError) {
        if !started {
            // No event selected: the machines are still described.
            started = true
            for p in session.peers { writeSystemInfo(p) }
        }
        for b in bundles.indices {
            flush(b)
            if out.count >= outLimit { try drain() }
        }
        for p in session.peers { writeStats(p) }
        if options.linkGuestVCPUs { writeVCPULinks() }
        try drain()
    }

    /// `FtraceStats` at the end of the trace: the kernel's per-CPU counts (CPUSTAT options),
    /// or, without them, the lost events the data records.
    private func writeStats(_ p: TraceSession.Peer) {
        typealias S = PerfettoProto.Stats
        var stats: [Int: PerfettoCPUStats] = [:]
        for o in p.file.options {
            if case .cpuStat(let text) = o.value, let s = PerfettoCPUStats(parsing: text) { stats[s.cpu] = s }
        }
        if stats.isEmpty {
            for b in topBundles(p) where b.lostNotices > 0 {
                var s = PerfettoCPUStats(cpu: b.cpu)
                s.overrun = b.lostCount
                stats[b.cpu] = s
            }
        }
        guard !stats.isEmpty else { return }
        let packet = out.begin(PerfettoProto.Trace.packet)
        out.uint(PerfettoProto.Packet.timestamp, lastTimestamp)
        let m = out.begin(PerfettoProto.Packet.ftraceStats)
        out.uint(S.phase, S.endOfTrace)
        for cpu in stats.keys.sorted() {
            guard let s = stats[cpu] else { continue }
            let c = out.begin(S.cpuStats)
            out.uint(S.cpu, UInt64(s.cpu))
            if let v = s.entries { out.uint(S.entries, v) }
            if let v = s.overrun { out.uint(S.overrun, v) }
            if let v = s.commitOverrun { out.uint(S.commitOverrun, v) }
            if let v = s.bytes { out.uint(S.bytesRead, v) }
            if let v = s.oldestEventTs { out.double(S.oldestEventTs, v) }
            if let v = s.nowTs { out.double(S.nowTs, v) }
            if let v = s.droppedEvents { out.uint(S.droppedEvents, v) }
            if let v = s.readEvents { out.uint(S.readEvents, v) }
            out.end(c)
        }
        out.end(m)
        machineID(p.index)
        out.end(packet)
    }

    /// For each guest VCPU with exported events and a known host task: a track on the host
    /// (`<guest> VCPU <n> (host PID <pid>)`) and one on the guest machine, each with a slice
    /// from the VCPU's first to its last exported event, joined by a flow.
    private func writeVCPULinks() {
        typealias T = PerfettoProto.Track
        var sequences = Set<Int>()
        for p in session.peers where p.guestEntry != nil {
            let guestName = machineNames[p.index]
            for b in topBundles(p) where b.total > 0 {
                guard let hostPID = p.hostPID(vcpu: b.cpu) else { continue }
                let key = UInt64(p.index) << 32 | UInt64(b.cpu)
                let flow = 0x7f00_0000_0000_0000 | key
                let hostUUID = 0x7e00_0000_0000_0000 | key
                let guestUUID = 0x7d00_0000_0000_0000 | key
                let label = "\(guestName) VCPU \(b.cpu)"
                let annotations: [(name: String, text: String?, number: Int64?)] =
                    [("guest", guestName, nil), ("vcpu", nil, Int64(b.cpu)), ("host_pid", nil, Int64(hostPID))]
                for (machine, uuid, name) in [(0, hostUUID, "\(label) (host PID \(hostPID))"),
                                              (machineIDs[p.index], guestUUID, "VCPU \(b.cpu) on host PID \(hostPID)")] {
                    let sequence = 0x7000 + machine
                    let first = sequences.insert(sequence).inserted
                    trackPacket(sequence: sequence, machine: machine, ts: nil, first: first) {
                        let d = self.out.begin(PerfettoProto.Packet.trackDescriptor)
                        self.out.uint(T.uuid, uuid)
                        self.out.string(T.name, name)
                        self.out.string(T.description, "\(guestName) VCPU \(b.cpu) runs in host task \(hostPID)")
                        self.out.end(d)
                    }
                    for (type, ts) in [(T.sliceBegin, b.first), (T.sliceEnd, b.last)] {
                        trackPacket(sequence: sequence, machine: machine, ts: ts, first: false) {
                            let e = self.out.begin(PerfettoProto.Packet.trackEvent)
                            self.out.uint(T.eventType, type)
                            self.out.uint(T.trackUUID, uuid)
                            if type == T.sliceBegin {
                                self.out.string(T.eventName, label)
                                for a in annotations {
                                    let m = self.out.begin(T.debugAnnotations)
                                    self.out.string(T.annotationName, a.name)
                                    if let s = a.text { self.out.string(T.annotationString, s) }
                                    if let i = a.number { self.out.int(T.annotationInt, i) }
                                    self.out.end(m)
                                }
                                self.out.fixed64(T.flowIDs, flow)
                            }
                            self.out.end(e)
                        }
                    }
                }
            }
        }
    }

    private func trackPacket(sequence: Int, machine: Int, ts: UInt64?, first: Bool, _ body: () -> Void) {
        let packet = out.begin(PerfettoProto.Trace.packet)
        if let ts { out.uint(PerfettoProto.Packet.timestamp, ts) }
        out.uint(PerfettoProto.Packet.trustedPacketSequenceID, UInt64(sequence))
        if first {
            out.uint(PerfettoProto.Packet.sequenceFlags, PerfettoProto.Packet.incrementalStateCleared)
            out.uint(PerfettoProto.Packet.firstPacketOnSequence, 1)
        }
        body()
        if machine != 0 { out.uint(PerfettoProto.Packet.machineID, UInt64(machine)) }
        out.end(packet)
    }

    // MARK: Helpers

    /// The bundles of the top-level buffer of peer `p`, by CPU.
    private func topBundles(_ p: TraceSession.Peer) -> [PerfettoCPUBundle] {
        guard let top = p.file.buffers.firstIndex(where: \.isTopLevel) else { return [] }
        return bundles.filter { $0.peer == p.index && $0.buffer == top }.sorted { $0.cpu < $1.cpu }
    }

    static func baseName(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasSuffix(".dat") ? String(name.dropLast(4)) : name
    }

    /// The UNAME option (`Linux vm 6.18.44 x86_64`: system, node, release, machine).
    static func uname(_ file: TraceFile) -> (sysname: String?, release: String?, version: String?, machine: String?) {
        for o in file.options {
            if case .uname(let text) = o.value {
                let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                guard !parts.isEmpty else { break }
                let release = parts.count >= 3 ? parts[2] : nil
                let machine = parts.count >= 4 ? parts[parts.count - 1] : nil
                let version = parts.count > 4 ? parts[3..<(parts.count - 1)].joined(separator: " ") : nil
                return (parts[0], release, version, machine)
            }
        }
        return (nil, nil, nil, nil)
    }
}
