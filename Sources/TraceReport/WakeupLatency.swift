@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
/// `trace-cmd report -w`: the latency from a task's wakeup to the sched_switch that runs it,
/// appended to sched_switch lines, and a summary (average, maximum, minimum; and the same for
/// real-time tasks) at the end.
struct WakeupLatency {
    let order: ByteOrder
    let wakeupIndex: Int
    let wakeupPid: FormatField
    let wakeupSuccess: FormatField?
    let wakeupNewIndex: Int?
    let wakeupNewPid: FormatField?
    let wakeupNewSuccess: FormatField?
    let switchIndex: Int
    let nextPid: FormatField
    let nextPrio: FormatField

    var pending: [UInt32: UInt64] = [:]
    var total: UInt64 = 0, count: UInt64 = 0
    var totalRT: UInt64 = 0, countRT: UInt64 = 0
    var maxLat: UInt64 = 0, maxTime: UInt64 = 0, minLat = UInt64.max, minTime: UInt64 = 0
    var maxRT: UInt64 = 0, maxRTTime: UInt64 = 0, minRT = UInt64.max, minRTTime: UInt64 = 0

    /// `nil` when the file lacks the sched events (the reference then prints nothing extra).
    init?(printer: EventPrinter) {
        let reg = printer.registry
        order = printer.file.byteOrder
        guard let w = reg.format(system: "sched", name: "sched_wakeup"), let wi = reg.index(ofID: w.id),
              let wp = w.field(named: "pid"),
              let sw = reg.format(system: "sched", name: "sched_switch"), let si = reg.index(ofID: sw.id),
              let np = sw.field(named: "next_pid"), let pr = sw.field(named: "next_prio") else { return nil }
        wakeupIndex = wi
        wakeupPid = wp
        wakeupSuccess = w.field(named: "success")
        switchIndex = si
        nextPid = np
        nextPrio = pr
        if let n = reg.format(system: "sched", name: "sched_wakeup_new"), let ni = reg.index(ofID: n.id) {
            guard let p = n.field(named: "pid") else { return nil }
            wakeupNewIndex = ni
            wakeupNewPid = p
            wakeupNewSuccess = n.field(named: "success")
        } else {
            wakeupNewIndex = nil
            wakeupNewPid = nil
            wakeupNewSuccess = nil
        }
    }

    mutating func process(eventIndex: Int, payload: RawSpan, timestamp: UInt64,
                          into out: inout TextBuffer) {
        if eventIndex == wakeupIndex || (wakeupNewIndex != nil && eventIndex == wakeupNewIndex) {
            let isNew = eventIndex != wakeupIndex
            if let s = isNew ? wakeupNewSuccess : wakeupSuccess,
               let v = s.unsignedValue(in: payload, order: order), v == 0 { return }
            guard let f = isNew ? wakeupNewPid : wakeupPid, let pid = f.unsignedValue(in: payload, order: order) else { return }
            pending[UInt32(truncatingIfNeeded: pid)] = timestamp
        } else if eventIndex == switchIndex {
            guard let prio = nextPrio.unsignedValue(in: payload, order: order),
                  let pid = nextPid.unsignedValue(in: payload, order: order),
                  let start = pending.removeValue(forKey: UInt32(truncatingIfNeeded: pid)) else { return }
            let rt = prio <= 99
            let cal = timestamp &- start
            if cal > maxLat { maxLat = cal; maxTime = timestamp }
            if cal < minLat { minLat = cal; minTime = timestamp }
            if rt {
                if cal > maxRT { maxRT = cal; maxRTTime = timestamp }
                if cal < minRT { minRT = cal; minRTTime = timestamp }
            }
            out.append(" Latency: \(cal / 1000).\(Self.pad3(cal % 1000)) usecs")
            total &+= cal; count += 1
            if rt { totalRT &+= cal; countRT += 1 }
        }
    }

    static func pad3(_ v: UInt64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }

    static func pad6(_ v: UInt64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    static func timings(_ total: UInt64, _ count: UInt64, _ lmax: UInt64, _ tmax: UInt64, _ lmin: UInt64,
                        _ tmin: UInt64, into out: inout TextBuffer) {
        let avg = total / count
        out.append("\nAverage wakeup latency: \(avg / 1000).\(pad3(avg % 1000)) usecs\n")
        out.append("Maximum Latency: \(lmax / 1000).\(pad3(lmax % 1000)) usecs at ")
        out.append("timestamp: \(tmax / 1_000_000_000).\(pad6(((tmax &+ 500) % 1_000_000_000) / 1000))\n")
        out.append("Minimum Latency: \(lmin / 1000).\(pad3(lmin % 1000)) usecs at ")
        out.append("timestamp: \(tmin / 1_000_000_000).\(pad6(((tmin &+ 500) % 1_000_000_000) / 1000))\n\n")
    }

    func finish(into out: inout TextBuffer) {
        guard count > 0 else { return }
        Self.timings(total, count, maxLat, maxTime, minLat, minTime, into: &out)
        if countRT > 0 {
            out.append("RT task timings:\n")
            Self.timings(totalRT, countRT, maxRT, maxRTTime, minRT, minRTTime, into: &out)
        }
    }
}
