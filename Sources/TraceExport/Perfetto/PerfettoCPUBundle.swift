/// The open `FtraceEventBundle` of one CPU of one file (and buffer): encoded events, the
/// `CompactSched` arrays and their comm intern table. Flushed when it holds
/// ``PerfettoExporter/Options/bundleEvents`` events, when events were lost on the CPU, and at
/// the end, so memory stays bounded whatever the size of the trace.
final class PerfettoCPUBundle {
    let machineID: Int
    let cpu: Int
    /// The encoded `FtraceEvent`s (each a `FtraceEventBundle.event` field).
    let events = ProtoBuffer(capacity: 1 << 16)
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

    init(machineID: Int, cpu: Int) {
        self.machineID = machineID
        self.cpu = cpu
    }

    /// A comm of up to 15 bytes as a key without allocation.
    struct CommKey: Hashable {
        var a: UInt64
        var b: UInt64
    }

    /// The intern-table index of `comm`.
    @inline(__always)
    func intern(_ comm: UnsafeRawBufferPointer) -> UInt32 {
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
        let s = String(decoding: comm, as: UTF8.self)
        if let i = internedLong[s] { return i }
        let i = addIntern(comm)
        internedLong[s] = i
        return i
    }

    private func addIntern(_ comm: UnsafeRawBufferPointer) -> UInt32 {
        PerfettoText.writeString(PerfettoProto.CompactSched.internTable, comm, into: internTable)
        defer { internCount += 1 }
        return internCount
    }

    /// Writes the open bundle as one `TracePacket` into `out` and starts a new one.
    func flush(into out: ProtoBuffer) {
        guard count > 0 || lostBefore else { return }
        let packet = out.begin(PerfettoProto.Trace.packet)
        let bundle = out.begin(PerfettoProto.Packet.ftraceEvents)
        out.uint(PerfettoProto.Bundle.cpu, UInt64(cpu))
        out.append(events)
        if lostBefore { out.uint(PerfettoProto.Bundle.lostEvents, 1) }
        if hasCompact {
            typealias C = PerfettoProto.CompactSched
            let c = out.begin(PerfettoProto.Bundle.compactSched)
            out.append(internTable)
            for (field, buffer) in [(C.switchTimestamp, switchTimestamp), (C.switchPrevState, switchPrevState),
                                    (C.switchNextPid, switchNextPid), (C.switchNextPrio, switchNextPrio),
                                    (C.switchNextCommIndex, switchNextComm),
                                    (C.wakingTimestamp, wakingTimestamp), (C.wakingPid, wakingPid),
                                    (C.wakingTargetCPU, wakingTargetCPU), (C.wakingPrio, wakingPrio),
                                    (C.wakingCommIndex, wakingComm), (C.wakingCommonFlags, wakingFlags)]
            where !buffer.isEmpty {
                out.bytes(field, buffer)
            }
            out.end(c)
        }
        out.end(bundle)
        if machineID != 0 { out.uint(PerfettoProto.Packet.machineID, UInt64(machineID)) }
        out.end(packet)
        reset()
    }

    private func reset() {
        events.removeAll()
        for b in [switchTimestamp, switchPrevState, switchNextPid, switchNextPrio, switchNextComm,
                  wakingTimestamp, wakingPid, wakingTargetCPU, wakingPrio, wakingComm, wakingFlags, internTable] {
            b.removeAll()
        }
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
