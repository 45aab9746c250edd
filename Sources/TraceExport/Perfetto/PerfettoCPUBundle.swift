@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
/// The open `FtraceEventBundle` of one CPU of one file (and buffer): encoded events, the
/// `CompactSched` arrays and their comm intern table. Flushed when it holds
/// ``PerfettoExporter/Options/bundleEvents`` events, when events were lost on the CPU, and at
/// the end, so memory stays bounded whatever the size of the trace.
///
/// The exporter's hot state, touched by the one export that owns the bundle, on one thread:
/// its buffers are `let` references (written without exclusivity checks), its counters plain
/// stored properties.
final class PerfettoCPUBundle {
    let machineID: Int
    let peer: Int
    let buffer: Int
    let cpu: Int
    /// The encoded `FtraceEvent`s (each a `FtraceEventBundle.event` field).
    let events = ProtoBuffer(capacity: 1 << 16)
    // The packed `CompactSched` arrays (their content, without tag and length).
    let switchTimestamp = ProtoBuffer(capacity: 1024)
    let switchPrevState = ProtoBuffer(capacity: 1024)
    let switchNextPid = ProtoBuffer(capacity: 1024)
    let switchNextPrio = ProtoBuffer(capacity: 1024)
    let switchNextComm = ProtoBuffer(capacity: 1024)
    let wakingTimestamp = ProtoBuffer(capacity: 1024)
    let wakingPid = ProtoBuffer(capacity: 1024)
    let wakingTargetCPU = ProtoBuffer(capacity: 1024)
    let wakingPrio = ProtoBuffer(capacity: 1024)
    let wakingComm = ProtoBuffer(capacity: 1024)
    let wakingFlags = ProtoBuffer(capacity: 1024)
    /// `CompactSched.intern_table` entries, encoded.
    let internTable = ProtoBuffer(capacity: 1024)
    /// Text repaired into valid UTF-8 before it is written.
    let scratch = ByteBuffer(capacity: 64)
    /// Comms of up to 15 bytes (all that the kernel records) and their intern-table index.
    private let interned = CommInternTable()
    /// Longer comms (decoded, as their text) and their index.
    private var internedLong: [String: UInt32] = [:]
    private var internCount: UInt32 = 0

    var lastSwitch: UInt64 = 0
    var lastWaking: UInt64 = 0
    var hasCompact = false
    /// Events in the open bundle.
    var count = 0
    /// Events were lost just before the open bundle.
    var lostBefore = false

    /// Events of this CPU written, in all bundles.
    var total: UInt64 = 0
    /// First and last timestamps written on this CPU.
    var first: UInt64 = .max
    var last: UInt64 = 0
    /// Missed-event notices and the known missed counts, for the statistics.
    var lostNotices = 0
    var lostCount: UInt64 = 0

    init(machineID: Int, peer: Int, buffer: Int, cpu: Int) {
        self.machineID = machineID
        self.peer = peer
        self.buffer = buffer
        self.cpu = cpu
    }

    /// The intern-table index of `comm`.
    func intern(_ comm: RawSpan) -> UInt32 {
        if comm.count <= 15 { return internShort(comm) }
        let s = comm.string
        if let i = internedLong[s] { return i }
        let i = addIntern(comm)
        internedLong[s] = i
        return i
    }

    /// The intern-table index of `comm` of at most 15 bytes (allocates and releases nothing).
    @inline(__always)
    private func internShort(_ comm: RawSpan) -> UInt32 {
        if let i = interned.value(of: comm) { return i }
        let i = addIntern(comm)
        interned.insert(comm, i)
        return i
    }

    private func addIntern(_ comm: RawSpan) -> UInt32 {
        PerfettoText.writeString(PerfettoProto.CompactSched.internTable, comm, into: internTable, scratch: scratch)
        defer { internCount += 1 }
        return internCount
    }

    /// The size of a length-delimited field of `content` bytes.
    private static func fieldSize(_ field: Int, _ content: Int) -> Int {
        ProtoBuffer.varintSize(UInt64(field) << 3) + ProtoBuffer.varintSize(UInt64(content)) + content
    }

    /// Writes the open bundle as one `TracePacket` into `out` and starts a new one. The
    /// lengths are computed first, so the events are copied once.
    func flush(into out: ProtoBuffer) {
        guard count > 0 || lostBefore else { return }
        typealias C = PerfettoProto.CompactSched
        var compactSize = 0
        if hasCompact {
            compactSize = internTable.count
            for (field, n) in packedSizes where n > 0 { compactSize += Self.fieldSize(field, n) }
        }
        var bundleSize = ProtoBuffer.varintSize(UInt64(PerfettoProto.Bundle.cpu) << 3) + ProtoBuffer.varintSize(UInt64(cpu))
        bundleSize += events.count
        if lostBefore { bundleSize += 2 }
        if hasCompact { bundleSize += Self.fieldSize(PerfettoProto.Bundle.compactSched, compactSize) }
        var packetSize = Self.fieldSize(PerfettoProto.Packet.ftraceEvents, bundleSize)
        if machineID != 0 {
            packetSize += ProtoBuffer.varintSize(UInt64(PerfettoProto.Packet.machineID) << 3)
                + ProtoBuffer.varintSize(UInt64(machineID))
        }
        out.reserve(Self.fieldSize(PerfettoProto.Trace.packet, packetSize))
        out.tag(PerfettoProto.Trace.packet, .lengthDelimited)
        out.varint(UInt64(packetSize))
        out.tag(PerfettoProto.Packet.ftraceEvents, .lengthDelimited)
        out.varint(UInt64(bundleSize))
        out.uint(PerfettoProto.Bundle.cpu, UInt64(cpu))
        out.append(events)
        if lostBefore { out.uint(PerfettoProto.Bundle.lostEvents, 1) }
        if hasCompact {
            out.tag(PerfettoProto.Bundle.compactSched, .lengthDelimited)
            out.varint(UInt64(compactSize))
            out.append(internTable)
            if !switchTimestamp.isEmpty {
                out.bytes(C.switchTimestamp, switchTimestamp)
                out.bytes(C.switchPrevState, switchPrevState)
                out.bytes(C.switchNextPid, switchNextPid)
                out.bytes(C.switchNextPrio, switchNextPrio)
                out.bytes(C.switchNextCommIndex, switchNextComm)
            }
            if !wakingTimestamp.isEmpty {
                out.bytes(C.wakingTimestamp, wakingTimestamp)
                out.bytes(C.wakingPid, wakingPid)
                out.bytes(C.wakingTargetCPU, wakingTargetCPU)
                out.bytes(C.wakingPrio, wakingPrio)
                out.bytes(C.wakingCommIndex, wakingComm)
                out.bytes(C.wakingCommonFlags, wakingFlags)
            }
        }
        if machineID != 0 { out.uint(PerfettoProto.Packet.machineID, UInt64(machineID)) }
        reset()
    }

    /// The packed arrays' field numbers and content sizes, in the order ``flush(into:)`` writes them.
    private var packedSizes: [(Int, Int)] {
        typealias C = PerfettoProto.CompactSched
        return [(C.switchTimestamp, switchTimestamp.count), (C.switchPrevState, switchPrevState.count),
                (C.switchNextPid, switchNextPid.count), (C.switchNextPrio, switchNextPrio.count),
                (C.switchNextCommIndex, switchNextComm.count),
                (C.wakingTimestamp, wakingTimestamp.count), (C.wakingPid, wakingPid.count),
                (C.wakingTargetCPU, wakingTargetCPU.count), (C.wakingPrio, wakingPrio.count),
                (C.wakingCommIndex, wakingComm.count), (C.wakingCommonFlags, wakingFlags.count)]
    }

    private func reset() {
        events.removeAll()
        switchTimestamp.removeAll()
        switchPrevState.removeAll()
        switchNextPid.removeAll()
        switchNextPrio.removeAll()
        switchNextComm.removeAll()
        wakingTimestamp.removeAll()
        wakingPid.removeAll()
        wakingTargetCPU.removeAll()
        wakingPrio.removeAll()
        wakingComm.removeAll()
        wakingFlags.removeAll()
        internTable.removeAll()
        interned.removeAll()
        internedLong.removeAll(keepingCapacity: true)
        internCount = 0
        lastSwitch = 0
        lastWaking = 0
        hasCompact = false
        count = 0
        lostBefore = false
    }

    // MARK: Writing events

    /// Counts missed events before the next one (the open bundle was flushed if it held events).
    func noteLost(_ missed: MissedEvents) {
        lostBefore = true
        lostNotices += 1
        if case .count(let n) = missed { lostCount &+= n }
    }

    /// Adds one event of a ``PerfettoEventPlan/direct`` plan, from its values and data read
    /// beforehand; returns whether the bundle is full (it holds `limit` events or `bytes`
    /// bytes of events). Allocates nothing and releases nothing, so the caller's borrows of
    /// the bundle and the plan need no reference counting.
    @inline(__always)
    func add(ts: UInt64, pid: Int32, flags: UInt8, payload p: RawSpan, plan: PerfettoEventPlan,
             limit: Int, bytes: Int) -> Bool {
        tally(ts)
        let start = beginEvent(ts: ts, pid: pid, flags: flags)
        let o = plan.order
        switch plan.kind {
        case .typed:
            let m = events.begin(plan.event)
            for i in 0..<plan.readerCount {
                let f = plan.readers[i]
                if case .string = f.value {
                    if let s = f.string(in: p, o) {
                        PerfettoText.writeString(f.number, p.extracting(s), into: events, scratch: scratch)
                    }
                } else if let v = f.number(in: p, o) {
                    events.uint(f.number, v)
                }
            }
            events.end(m)
        case .sysEnter, .sysExit:
            let m = events.begin(plan.kind == .sysEnter ? PerfettoTypedEvents.sysEnter : PerfettoTypedEvents.sysExit)
            if let v = plan.readers[0].number(in: p, o) { events.uint(1, v) }
            for i in 1..<plan.readerCount {
                if let v = plan.readers[i].number(in: p, o) { events.uint(2, v) }
            }
            events.end(m)
        default:
            let m = events.begin(PerfettoProto.Event.generic)
            plan.prefixes.withRawSpan { prefixes in
                events.append(prefixes.extracting(0..<plan.namePrefixCount))
                for i in 0..<plan.readerCount {
                    let f = plan.readers[i]
                    let name = prefixes.extracting(f.prefixStart..<(f.prefixStart + f.prefixCount))
                    writeGenericScalar(f, name, p, o)
                }
            }
            events.end(m)
        }
        events.end(start)
        return count >= limit || events.count >= bytes
    }

    /// Adds one `sched_switch` or `sched_waking` event of a compact plan from its values and
    /// data read beforehand (`flags` for a waking event); returns whether the bundle is full,
    /// or `nil` (nothing written) when the comm is longer than 15 bytes (see
    /// ``add(_:ts:plan:limit:bytes:)``). Allocates nothing and releases nothing.
    @inline(__always)
    func addCompact(ts: UInt64, flags: UInt8, payload p: RawSpan, plan: PerfettoEventPlan,
                    limit: Int, bytes: Int) -> Bool? {
        let o = plan.order
        if case .compactSwitch = plan.kind {
            let comm = p.extracting(plan.readers[1].string(in: p, o) ?? 0..<0)
            guard comm.byteCount <= 15 else { return nil }
            tally(ts)
            hasCompact = true
            switchTimestamp.varint(ts &- lastSwitch)
            lastSwitch = ts
            switchPrevState.varint(plan.readers[0].number(in: p, o) ?? 0)
            switchNextPid.varint(plan.readers[2].number(in: p, o) ?? 0)
            switchNextPrio.varint(plan.readers[3].number(in: p, o) ?? 0)
            switchNextComm.varint(UInt64(internShort(comm)))
        } else {
            let comm = p.extracting(plan.readers[0].string(in: p, o) ?? 0..<0)
            guard comm.byteCount <= 15 else { return nil }
            tally(ts)
            hasCompact = true
            wakingTimestamp.varint(ts &- lastWaking)
            lastWaking = ts
            wakingFlags.varint(UInt64(flags))
            wakingPid.varint(plan.readers[1].number(in: p, o) ?? 0)
            wakingPrio.varint(plan.readers[2].number(in: p, o) ?? 0)
            wakingTargetCPU.varint(plan.readers[3].number(in: p, o) ?? 0)
            wakingComm.varint(UInt64(internShort(comm)))
        }
        return count >= limit || events.count >= bytes
    }

    /// Adds one event of any plan, reading what it needs from `e`; returns whether the
    /// bundle is full.
    func add(_ e: borrowing EventView, ts: UInt64, plan: PerfettoEventPlan, limit: Int, bytes: Int) -> Bool {
        let readers = plan.readers
        let r = readers.span
        let o = plan.order
        switch plan.kind {
        case .compactSwitch:
            tally(ts)
            hasCompact = true
            switchTimestamp.varint(ts &- lastSwitch)
            lastSwitch = ts
            e.withBytes { p in
                switchPrevState.varint(r[0].number(in: p, o) ?? 0)
                switchNextPid.varint(r[2].number(in: p, o) ?? 0)
                switchNextPrio.varint(r[3].number(in: p, o) ?? 0)
                let comm = r[1].string(in: p, o) ?? 0..<0
                switchNextComm.varint(UInt64(intern(p.extracting(comm))))
            }
        case .compactWaking:
            tally(ts)
            hasCompact = true
            wakingTimestamp.varint(ts &- lastWaking)
            lastWaking = ts
            wakingFlags.varint(UInt64(e.flags))
            e.withBytes { p in
                wakingPid.varint(r[1].number(in: p, o) ?? 0)
                wakingPrio.varint(r[2].number(in: p, o) ?? 0)
                wakingTargetCPU.varint(r[3].number(in: p, o) ?? 0)
                let comm = r[0].string(in: p, o) ?? 0..<0
                wakingComm.varint(UInt64(intern(p.extracting(comm))))
            }
        case .generic where !plan.otherFields.isEmpty:
            tally(ts)
            let start = beginEvent(ts: ts, pid: e.pid, flags: e.flags)
            let m = events.begin(PerfettoProto.Event.generic)
            plan.prefixes.withRawSpan { prefixes in
                events.append(prefixes.extracting(0..<plan.namePrefixCount))
                for i in 0..<plan.readerCount {
                    let f = r[i]
                    let name = prefixes.extracting(f.prefixStart..<(f.prefixStart + f.prefixCount))
                    if f.value == .other {
                        if let v = e.value(of: plan.otherFields[f.other]) {
                            Self.writeGenericString(name, v.description, into: events)
                        }
                    } else {
                        e.withBytes { p in writeGenericScalar(f, name, p, o) }
                    }
                }
            }
            events.end(m)
            events.end(start)
        default:
            let pid = e.pid
            let flags = e.flags
            return e.withBytes { p in add(ts: ts, pid: pid, flags: flags, payload: p, plan: plan, limit: limit, bytes: bytes) }
        }
        return count >= limit || events.count >= bytes
    }

    /// Adds one event whose type the file does not describe: a generic event named by its
    /// id; returns whether the bundle is full.
    func addUnknown(_ e: borrowing EventView, ts: UInt64, limit: Int, bytes: Int) -> Bool {
        tally(ts)
        let start = beginEvent(ts: ts, pid: e.pid, flags: e.flags)
        let m = events.begin(PerfettoProto.Event.generic)
        events.string(PerfettoProto.Generic.eventName, "unknown_event_\(e.id.map(String.init) ?? "none")")
        events.end(m)
        events.end(start)
        return count >= limit || events.count >= bytes
    }

    @inline(__always)
    private func tally(_ ts: UInt64) {
        if ts < first { first = ts }
        last = ts
        count += 1
        total += 1
    }

    /// Opens an `FtraceEvent` with its timestamp, pid and flags; returns its start.
    @inline(__always)
    private func beginEvent(ts: UInt64, pid: Int32, flags: UInt8) -> Int {
        let start = events.begin(PerfettoProto.Bundle.event)
        events.uint(PerfettoProto.Event.timestamp, ts)
        events.uint(PerfettoProto.Event.pid, UInt64(UInt32(bitPattern: pid)))
        if flags != 0 { events.uint(PerfettoProto.Event.commonFlags, UInt64(flags)) }
        return start
    }

    /// One `GenericFtraceEvent.Field` with a number or text read in place; its length is
    /// computed first, so nothing moves.
    @inline(__always)
    private func writeGenericScalar(_ f: PerfettoEventPlan.FieldReader, _ name: RawSpan, _ p: RawSpan, _ o: ByteOrder) {
        switch f.value {
        case .signed:
            guard let v = f.number(in: p, o) else { return }
            Self.writeGenericNumber(name, PerfettoProto.Generic.intValue, v, into: events)
        case .unsigned:
            guard let v = f.number(in: p, o) else { return }
            Self.writeGenericNumber(name, PerfettoProto.Generic.uintValue, v, into: events)
        default:
            guard let r = f.string(in: p, o) else { return }
            let s = p.extracting(r)
            if PerfettoText.validUTF8(s) {
                Self.writeGenericString(name, s, into: events)
            } else {
                PerfettoText.repair(s, into: scratch)
                scratch.withBytes { Self.writeGenericString(name, $0, into: events) }
            }
        }
    }

    @inline(__always)
    static func writeGenericNumber(_ name: RawSpan, _ number: Int, _ v: UInt64, into ev: ProtoBuffer) {
        let length = name.count + 1 + ProtoBuffer.varintSize(v)
        ev.varint(UInt64(PerfettoProto.Generic.field << 3 | 2))
        ev.varint(UInt64(length))
        ev.append(name)
        ev.uint(number, v)
    }

    /// `b` must be valid UTF-8.
    @inline(__always)
    static func writeGenericString(_ name: RawSpan, _ b: RawSpan, into ev: ProtoBuffer) {
        let length = name.count + 1 + ProtoBuffer.varintSize(UInt64(b.count)) + b.count
        ev.varint(UInt64(PerfettoProto.Generic.field << 3 | 2))
        ev.varint(UInt64(length))
        ev.append(name)
        ev.bytes(PerfettoProto.Generic.strValue, b)
    }

    /// A `GenericFtraceEvent.Field` holding `text`.
    static func writeGenericString(_ name: RawSpan, _ text: String, into ev: ProtoBuffer) {
        let n = text.utf8.count
        let length = name.count + 1 + ProtoBuffer.varintSize(UInt64(n)) + n
        ev.varint(UInt64(PerfettoProto.Generic.field << 3 | 2))
        ev.varint(UInt64(length))
        ev.append(name)
        ev.string(PerfettoProto.Generic.strValue, text)
    }
}
