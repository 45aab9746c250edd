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
    private var interned: [CommKey: UInt32] = [:]
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

    /// A comm of up to 15 bytes as a key without allocation.
    struct CommKey: Hashable {
        var a: UInt64
        var b: UInt64
    }

    /// The intern-table index of `comm`.
    @inline(__always)
    func intern(_ comm: RawSpan) -> UInt32 {
        if comm.count <= 15 {
            var a: UInt64 = 0, b: UInt64 = 0
            for i in 0..<comm.count {
                let v = UInt64(comm[i])
                if i < 8 { a |= v << (8 * UInt64(i)) } else { b |= v << (8 * UInt64(i - 8)) }
            }
            // The length in the top byte keeps "a" and "a\0" apart.
            b |= UInt64(comm.count) << 56
            let key = CommKey(a: a, b: b)
            if let i = interned[key] { return i }
            let i = addIntern(comm)
            interned[key] = i
            return i
        }
        let s = comm.string
        if let i = internedLong[s] { return i }
        let i = addIntern(comm)
        internedLong[s] = i
        return i
    }

    private func addIntern(_ comm: RawSpan) -> UInt32 {
        PerfettoText.writeString(PerfettoProto.CompactSched.internTable, comm, into: internTable)
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
        interned.removeAll(keepingCapacity: true)
        internedLong.removeAll(keepingCapacity: true)
        internCount = 0
        lastSwitch = 0
        lastWaking = 0
        hasCompact = false
        count = 0
        lostBefore = false
    }
}
