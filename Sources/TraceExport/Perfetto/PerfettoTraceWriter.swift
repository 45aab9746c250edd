@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// One export in progress: the machines' metadata, the open bundle of every CPU, the event
/// plans by type, and the output buffer written to the file in large blocks.
final class PerfettoTraceWriter {
    let session: TraceSession
    let options: PerfettoExporter.Options
    let file: PerfettoOutputFile
    /// Packets not yet written to the file.
    let out = ProtoBuffer(capacity: 1 << 22)
    /// Written when `out` holds this much.
    let outLimit = 1 << 22
    /// A bundle is flushed at this many bytes of events even before `bundleEvents`.
    let bundleBytes = 1 << 20

    /// Per peer: machine id (0 for the host), name, whether syscalls are typed.
    let machineIDs: [Int]
    let machineNames: [String]
    let syscalls: [Bool]
    /// Per peer and buffer: the open bundle of each CPU.
    private var bundles: [[[PerfettoCPUBundle?]]]
    /// Per peer: the plan of each event id.
    private var plans: [[PerfettoEventPlan?]]
    private(set) var events: UInt64 = 0
    private(set) var bundleCount = 0
    private var started = false
    private var firstTimestamp: UInt64 = 0
    private var lastTimestamp: UInt64 = 0

    init(session: TraceSession, options: PerfettoExporter.Options, file: PerfettoOutputFile) {
        self.session = session
        self.options = options
        self.file = file
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
        bundles = session.peers.map { p in p.file.buffers.map { _ in [] } }
        plans = session.peers.map { _ in [] }
    }

    var machineCount: Int { session.peers.count }

    // MARK: Events

    /// Adds one event.
    @inline(__always)
    func add(_ e: borrowing EventView) throws(PerfettoExportError) {
        let ts = e.timestamp
        if !started { try start(at: ts) }
        lastTimestamp = ts
        let bundle = self.bundle(peer: e.peer, buffer: e.bufferIndex, cpu: e.cpu)
        let missed = e.missedEvents
        if missed != .none {
            if bundle.count > 0 { flush(bundle) }
            bundle.lostBefore = true
            bundle.lostNotices += 1
            if case .count(let n) = missed { bundle.lostCount &+= n }
        }
        if ts < bundle.first { bundle.first = ts }
        bundle.last = ts
        bundle.count += 1
        bundle.total += 1
        events &+= 1

        guard let id = e.id, let plan = plan(peer: e.peer, id: id, e) else {
            writeUnknown(e, ts: ts, into: bundle)
            return try check(bundle)
        }
        switch plan.shape {
        case .compactSwitch(let s):
            bundle.hasCompact = true
            let o = plan.order
            bundle.switchTimestamp.varint(ts &- bundle.lastSwitch)
            bundle.lastSwitch = ts
            e.withPayload { p in
                bundle.switchPrevState.varint(UInt64(bitPattern: s.prevState.signedValue(in: p, order: o) ?? 0))
                bundle.switchNextPid.varint(UInt64(bitPattern: s.nextPid.signedValue(in: p, order: o) ?? 0))
                bundle.switchNextPrio.varint(UInt64(bitPattern: s.nextPrio.signedValue(in: p, order: o) ?? 0))
                let comm = s.nextComm.stringBytes(in: p, order: o) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                bundle.switchNextComm.varint(UInt64(bundle.intern(comm)))
            }
        case .compactWaking(let w):
            bundle.hasCompact = true
            let o = plan.order
            bundle.wakingTimestamp.varint(ts &- bundle.lastWaking)
            bundle.lastWaking = ts
            let flags = e.flags
            e.withPayload { p in
                bundle.wakingPid.varint(UInt64(bitPattern: w.pid.signedValue(in: p, order: o) ?? 0))
                bundle.wakingTargetCPU.varint(UInt64(bitPattern: w.targetCPU.signedValue(in: p, order: o) ?? 0))
                bundle.wakingPrio.varint(UInt64(bitPattern: w.prio.signedValue(in: p, order: o) ?? 0))
                let comm = w.comm.stringBytes(in: p, order: o) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                bundle.wakingComm.varint(UInt64(bundle.intern(comm)))
            }
            bundle.wakingFlags.varint(UInt64(flags))
        case .typed(let event, let fields):
            let ev = bundle.events
            let start = beginEvent(e, ts: ts, into: ev)
            let m = ev.begin(event)
            let o = plan.order
            e.withPayload { p in
                for f in fields {
                    if f.isString {
                        if let b = f.field.stringBytes(in: p, order: o) { PerfettoText.writeString(f.number, b, into: ev) }
                    } else if let v = f.field.value(in: p, order: o) {
                        ev.uint(f.number, v)
                    }
                }
            }
            ev.end(m)
            ev.end(start)
        case .sysEnter(let idField, let args):
            let ev = bundle.events
            let start = beginEvent(e, ts: ts, into: ev)
            let m = ev.begin(PerfettoTypedEvents.sysEnter)
            let o = plan.order
            e.withPayload { p in
                if let v = idField.value(in: p, order: o) { ev.uint(1, v) }
                for a in args { ev.uint(2, a.value(in: p, order: o) ?? 0) }
            }
            ev.end(m)
            ev.end(start)
        case .sysExit(let idField, let ret):
            let ev = bundle.events
            let start = beginEvent(e, ts: ts, into: ev)
            let m = ev.begin(PerfettoTypedEvents.sysExit)
            let o = plan.order
            e.withPayload { p in
                if let v = idField.value(in: p, order: o) { ev.uint(1, v) }
                if let v = ret.value(in: p, order: o) { ev.uint(2, v) }
            }
            ev.end(m)
            ev.end(start)
        case .generic(let name, let fields):
            let ev = bundle.events
            let start = beginEvent(e, ts: ts, into: ev)
            let m = ev.begin(PerfettoProto.Event.generic)
            name.withUnsafeBytes { ev.append($0) }
            let o = plan.order
            for f in fields {
                switch f.kind {
                case .signed, .unsigned, .string:
                    e.withPayload { p in Self.writeGenericScalar(f, p, o, into: ev) }
                default:
                    if let v = e.value(of: f.eventField) {
                        var text = v.description
                        text.withUTF8 { Self.writeGenericString(f, UnsafeRawBufferPointer($0), into: ev) }
                    }
                }
            }
            ev.end(m)
            ev.end(start)
        }
        try check(bundle)
    }

    @inline(__always)
    private func check(_ bundle: PerfettoCPUBundle) throws(PerfettoExportError) {
        if bundle.count >= options.bundleEvents || bundle.events.count >= bundleBytes {
            flush(bundle)
            if out.count >= outLimit { try file.write(out) }
        }
    }

    private func flush(_ bundle: PerfettoCPUBundle) {
        bundle.flush(into: out)
        bundleCount += 1
    }

    /// Opens an `FtraceEvent` with its timestamp, pid and flags; returns its start.
    @inline(__always)
    private func beginEvent(_ e: borrowing EventView, ts: UInt64, into ev: ProtoBuffer) -> Int {
        let start = ev.begin(PerfettoProto.Bundle.event)
        ev.uint(PerfettoProto.Event.timestamp, ts)
        ev.uint(PerfettoProto.Event.pid, UInt64(UInt32(bitPattern: e.pid)))
        let flags = e.flags
        if flags != 0 { ev.uint(PerfettoProto.Event.commonFlags, UInt64(flags)) }
        return start
    }

    /// An event whose type the file does not describe: a generic event named by its id.
    private func writeUnknown(_ e: borrowing EventView, ts: UInt64, into bundle: PerfettoCPUBundle) {
        let ev = bundle.events
        let start = beginEvent(e, ts: ts, into: ev)
        let m = ev.begin(PerfettoProto.Event.generic)
        ev.string(PerfettoProto.Generic.eventName, "unknown_event_\(e.id.map(String.init) ?? "none")")
        ev.end(m)
        ev.end(start)
    }

    /// One `GenericFtraceEvent.Field` with a number or text read in place; its length is
    /// computed first, so nothing moves.
    @inline(__always)
    static func writeGenericScalar(_ f: PerfettoEventPlan.GenericField, _ p: UnsafeRawBufferPointer,
                                   _ o: ByteOrder, into ev: ProtoBuffer) {
        switch f.kind {
        case .signed:
            guard let v = f.field.signedValue(in: p, order: o) else { return }
            writeGenericNumber(f, PerfettoProto.Generic.intValue, UInt64(bitPattern: v), into: ev)
        case .unsigned:
            guard let v = f.field.unsignedValue(in: p, order: o) else { return }
            writeGenericNumber(f, PerfettoProto.Generic.uintValue, v, into: ev)
        default:
            guard let b = f.field.stringBytes(in: p, order: o) else { return }
            if let fixed = PerfettoText.repaired(b) {
                fixed.withUnsafeBytes { writeGenericString(f, $0, into: ev) }
            } else {
                writeGenericString(f, b, into: ev)
            }
        }
    }

    @inline(__always)
    static func writeGenericNumber(_ f: PerfettoEventPlan.GenericField, _ number: Int, _ v: UInt64, into ev: ProtoBuffer) {
        let length = f.namePrefix.count + 1 + ProtoBuffer.varintSize(v)
        ev.varint(UInt64(PerfettoProto.Generic.field << 3 | 2))
        ev.varint(UInt64(length))
        f.namePrefix.withUnsafeBytes { ev.append($0) }
        ev.uint(number, v)
    }

    /// `b` must be valid UTF-8.
    @inline(__always)
    static func writeGenericString(_ f: PerfettoEventPlan.GenericField, _ b: UnsafeRawBufferPointer, into ev: ProtoBuffer) {
        let length = f.namePrefix.count + 1 + ProtoBuffer.varintSize(UInt64(b.count)) + b.count
        ev.varint(UInt64(PerfettoProto.Generic.field << 3 | 2))
        ev.varint(UInt64(length))
        f.namePrefix.withUnsafeBytes { ev.append($0) }
        ev.bytes(PerfettoProto.Generic.strValue, b)
    }

    // MARK: Lookups

    @inline(__always)
    private func bundle(peer: Int, buffer: Int, cpu: Int) -> PerfettoCPUBundle {
        if peer < bundles.count, buffer < bundles[peer].count, cpu >= 0, cpu < bundles[peer][buffer].count,
           let b = bundles[peer][buffer][cpu] {
            return b
        }
        return makeBundle(peer: peer, buffer: buffer, cpu: cpu)
    }

    private func makeBundle(peer: Int, buffer: Int, cpu: Int) -> PerfettoCPUBundle {
        while bundles.count <= peer { bundles.append([]) }
        while bundles[peer].count <= buffer { bundles[peer].append([]) }
        let slot = max(0, cpu)
        while bundles[peer][buffer].count <= slot { bundles[peer][buffer].append(nil) }
        let b = PerfettoCPUBundle(machineID: peer < machineIDs.count ? machineIDs[peer] : peer, cpu: cpu)
        bundles[peer][buffer][slot] = b
        return b
    }

    @inline(__always)
    private func plan(peer: Int, id: Int, _ e: borrowing EventView) -> PerfettoEventPlan? {
        if peer < plans.count, id >= 0, id < plans[peer].count, let p = plans[peer][id] { return p }
        return makePlan(peer: peer, id: id, e)
    }

    private func makePlan(peer: Int, id: Int, _ e: borrowing EventView) -> PerfettoEventPlan? {
        guard let type = e.type, id >= 0, id < 1 << 20, peer < plans.count else { return nil }
        let p = PerfettoEventPlan.make(for: type, syscalls: syscalls[peer], compact: options.compactSched)
        while plans[peer].count <= id { plans[peer].append(nil) }
        plans[peer][id] = p
        return p
    }

    // MARK: Metadata

    /// Writes the machines' descriptions and thread names, at the first event.
    private func start(at ts: UInt64) throws(PerfettoExportError) {
        started = true
        firstTimestamp = ts
        for p in session.peers {
            writeSystemInfo(p)
            writeProcessTree(p, at: ts)
        }
        try file.write(out)
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

    /// Thread names from the file's saved cmdlines, as a `ProcessTree` of threads.
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
            let t = out.begin(T.threads)
            out.int(T.tid, Int64(pid))
            if let n = names[pid] {
                var n = n
                n.withUTF8 { PerfettoText.writeString(T.name, UnsafeRawBufferPointer($0), into: out) }
            }
            out.end(t)
        }
        out.end(tree)
        machineID(p.index)
        out.end(packet)
    }

    /// Flushes every bundle, then writes the statistics and the guest VCPU links.
    func finish() throws(PerfettoExportError) {
        if !started {
            // No event selected: the machines are still described.
            started = true
            for p in session.peers { writeSystemInfo(p) }
        }
        for peer in bundles { for buffer in peer { for case let b? in buffer { flush(b); if out.count >= outLimit { try file.write(out) } } } }
        for p in session.peers { writeStats(p) }
        if options.linkGuestVCPUs { writeVCPULinks() }
        try file.write(out)
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
            guard p.index < bundles.count, let top = p.file.buffers.firstIndex(where: \.isTopLevel),
                  top < bundles[p.index].count else { return }
            for case let b? in bundles[p.index][top] where b.lostNotices > 0 {
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
            guard p.index < bundles.count, let top = p.file.buffers.firstIndex(where: \.isTopLevel),
                  top < bundles[p.index].count else { continue }
            let guestName = machineNames[p.index]
            for case let b? in bundles[p.index][top] where b.total > 0 {
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
