@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

extension TaskProfiler {
    /// `nsecs_per_sec` and `mod_to_usec`: `sec.usec` of a timestamp, microseconds rounded.
    static func appendSeconds(_ ts: UInt64, into out: inout TextBuffer) {
        out.appendDecimal(Int64(bitPattern: ts / 1_000_000_000))
        out.append(0x2e)
        let us = ((ts % 1_000_000_000) + 500) / 1000
        ReportLine.appendZeroPadded(us, width: 6, into: &out)
    }

    static func signed(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }

    static let softirqNames = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "BLOCK_IOPOLL", "TASKLET", "SCHED", "HRTIMER", "RCU"]
    static let taskStates = Array("RSDTtXZxKWP".utf8)

    func functionName(_ address: UInt64) -> String? {
        printer.symbols.symbol(containing: address)?.name
    }

    func functionLabel(_ v: UInt64) -> String {
        if let f = functionName(v) { return "func: \(f)()" }
        return "func: 0x" + String(v, radix: 16)
    }

    /// The event's name in the profile (`print_func`, `func_print` or `name:0xvalue`), with
    /// the symbols of the event's own file.
    static func eventLabel(_ e: EventStats) -> String {
        let d = e.event
        switch d.printer {
        case .schedSwitch:
            var s = d.name + ":"
            if e.value != 0 {
                var v = Int32(truncatingIfNeeded: e.value)
                var i = 0
                while v != 0 && i < Self.taskStates.count - 1 {
                    if v & 1 != 0 { s.append(Character(Unicode.Scalar(Self.taskStates[i + 1]))) }
                    i += 1
                    v >>= 1
                }
            } else {
                s += "R"
            }
            return s
        case .softirq:
            let v = Int32(truncatingIfNeeded: e.value)
            if v >= 0 && Int(v) < Self.softirqNames.count { return d.name + ":" + Self.softirqNames[Int(v)] }
            return d.name + ":\(v)"
        case .syscall:
            return d.name + ":\(Int32(truncatingIfNeeded: e.value))"
        case .function:
            return d.owner.functionLabel(e.value)
        case .none:
            if d.kind == .function { return d.owner.functionLabel(e.value) }
            return d.name + ":0x" + String(e.value, radix: 16)
        }
    }

    /// `compare_events`: sched_switch first (by state), then wakeups, then by event id and
    /// total time (largest first); the reference leaves ties in hash order, this orders them by
    /// value and search value.
    static func precedes(_ a: EventStats, _ b: EventStats) -> Bool {
        let aSwitch = a.event.kind == .schedSwitch, bSwitch = b.event.kind == .schedSwitch
        if aSwitch != bSwitch { return aSwitch }
        if aSwitch && a.value != b.value { return a.value < b.value }
        if !aSwitch {
            let aWake = a.event.kind == .wakeup, bWake = b.event.kind == .wakeup
            if aWake != bWake { return aWake }
            if !aWake {
                if a.event.id != b.event.id { return a.event.id < b.event.id }
                if a.total != b.total { return a.total > b.total }
            }
        }
        if a.value != b.value { return a.value < b.value }
        if a.searchValue != b.searchValue { return a.searchValue < b.searchValue }
        return a.event.index < b.event.index
    }

    func outputEvent(_ e: EventStats, into out: inout TextBuffer) {
        out.append("  Event: ")
        out.append(Self.eventLabel(e))
        out.append(" (")
        out.appendDecimal(Self.signed(e.count))
        out.append(0x29)
        if e.total != 0 {
            let avg = e.total / max(e.count, 1)
            out.append(" Total: \(Self.signed(e.total)) Avg: \(Self.signed(avg)) Max: \(Self.signed(e.timeMax))(ts:")
            Self.appendSeconds(e.tsMax, into: &out)
            out.append(") Min:\(Self.signed(e.timeMin))(ts:")
            Self.appendSeconds(e.tsMin, into: &out)
            out.append(0x29)
        }
        out.append(0x0a)
        e.event.owner.outputStacks(e, into: &out)
    }

    func outputTask(_ t: Task, into out: inout TextBuffer) {
        if t.pid < 0 {
            out.append(contentsOf: t.comm ?? Array("(null)".utf8))
            out.append(0x0a)
        } else {
            out.append("\ntask: ")
            out.append(contentsOf: t.comm ?? printer.comms.displayBytes(for: t.pid))
            out.append("-\(t.pid)\n")
        }
        for e in t.events.values.sorted(by: Self.precedes) { outputEvent(e, into: &out) }
    }

    /// Prints the profile (`output_handle`): the global tasks that have events, the groups of
    /// `--by-comm`, then every task by pid.
    func output(into out: inout TextBuffer, flush: (inout TextBuffer) -> Void) {
        for t in globals where !t.events.isEmpty {
            outputTask(t, into: &out)
        }
        let sorted = tasks.values.sorted { $0.pid < $1.pid }
        if mergeByComm {
            // Groups by comm; the reference orders them by pointer bytes (effectively at
            // random): here by comm.
            var groups: [[UInt8]: [EventKey: EventStats]] = [:]
            for t in sorted {
                guard let comm = t.comm else { continue }
                t.grouped = true
                var g = groups[comm] ?? [:]
                for e in t.events.values { merge(e, into: &g) }
                groups[comm] = g
                t.events = [:]
            }
            for comm in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                out.append("\ngroup: ")
                out.append(contentsOf: comm)
                out.append(0x0a)
                for e in (groups[comm] ?? [:]).values.sorted(by: Self.precedes) { outputEvent(e, into: &out) }
                flush(&out)
            }
        }
        for t in sorted where !t.grouped {
            outputTask(t, into: &out)
            if out.count >= 1 << 16 { flush(&out) }
        }
    }

    /// `merge_event_into_group`: wakeups merge whatever the task, scheduling out by state.
    private func merge(_ e: EventStats, into g: inout [EventKey: EventStats]) {
        if e.event.kind == .wakeup {
            e.searchValue = 0
            e.value = 0
        } else if e.event.kind == .schedSwitch {
            e.searchValue = e.value
        }
        let key = EventKey(event: ObjectIdentifier(e.event), searchValue: e.searchValue, value: e.value)
        guard let x = g[key] else {
            g[key] = e
            return
        }
        x.count += e.count
        x.total &+= e.total
        if x.timeMax < e.timeMax { x.timeMax = e.timeMax; x.tsMax = e.tsMax }
        if x.timeMin > e.timeMin { x.timeMin = e.timeMin; x.tsMin = e.tsMin }
        for (caller, s) in e.stacks {
            guard var y = x.stacks[caller] else {
                x.stacks[caller] = s
                continue
            }
            y.count += s.count
            y.time &+= s.time
            if y.timeMax < s.timeMax { y.timeMax = s.timeMax; y.tsMax = s.tsMax }
            if y.timeMin > s.timeMin { y.timeMin = s.timeMin; y.tsMin = s.tsMin }
            x.stacks[caller] = y
        }
    }

    // MARK: stack chains

    struct Stack {
        var caller: [UInt8]
        var stats: StackStats
    }

    struct Chain {
        var value: UInt64
        var time: UInt64
        var timeMin: UInt64, tsMin: UInt64
        var timeMax: UInt64, tsMax: UInt64
        var timeAvg: UInt64
        var count: UInt64
        var percent: Int32 = 0
        var children: [Chain]
    }

    /// `compare_stacks`: the callers as 32-bit words up to the shorter one, then the shorter
    /// first. The reference reads the words (and the addresses, below) in the byte order of
    /// the machine it runs on, little-endian here, whatever the file's.
    static func stackPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = min(a.count, b.count)
        var i = 0
        while i + 4 <= n {
            let x = word(a, i), y = word(b, i)
            if x != y { return x < y }
            i += 4
        }
        return a.count < b.count
    }

    static func word(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// The address at `level` of a stack; `nil` past its end (`stack_overflows`).
    func value(_ s: Stack, level: Int) -> UInt64? {
        let off = longSize * level
        guard longSize == 4 || longSize == 8, off + longSize <= s.caller.count else { return nil }
        var v: UInt64 = 0
        for k in 0..<longSize { v |= UInt64(s.caller[off + k]) << (8 * UInt64(k)) }
        return v
    }

    /// `make_stack_chain`: the stacks (sorted) grouped by their word at `level`, each group
    /// with its children at the next level; sorted by time, then count (largest first),
    /// ties in stack order.
    func makeChains(_ stacks: ArraySlice<Stack>, level: Int) -> [Chain] {
        let stop: UInt64 = longSize < 8 ? (UInt64(1) << (UInt64(longSize) * 8)) - 1 : UInt64.max
        var chains: [Chain] = []
        var start = stacks.startIndex
        var count: UInt64 = 0, time: UInt64 = 0, timeMin: UInt64 = 0, timeMax: UInt64 = 0
        var tsMin: UInt64 = 0, tsMax: UInt64 = 0
        var totalTime: UInt64 = 0, totalCount: UInt64 = 0
        var i = stacks.startIndex
        while i < stacks.endIndex {
            defer { i += 1 }
            guard let v = value(stacks[i], level: level), v != stop else {
                start = i + 1
                continue
            }
            let s = stacks[i].stats
            count += s.count
            time &+= s.time
            if s.timeMax > timeMax { timeMax = s.timeMax; tsMax = s.tsMax }
            if i == start || s.timeMin < timeMin { timeMin = s.timeMin; tsMin = s.tsMin }
            let last = i == stacks.endIndex - 1 || value(stacks[i + 1], level: level) != v
            if last {
                totalTime &+= time
                totalCount += count
                let children = makeChains(stacks[start...i], level: level + 1)
                chains.append(Chain(value: v, time: time, timeMin: timeMin, tsMin: tsMin, timeMax: timeMax, tsMax: tsMax,
                                    timeAvg: count == 0 ? 0 : time / count, count: count, children: children))
                start = i + 1
                count = 0
                time = 0
                timeMin = 0
                timeMax = 0
            }
        }
        // qsort (glibc 2.36: a stable merge sort here) with compare_chains.
        let order = chains.indices.sorted { a, b in
            let x = chains[a], y = chains[b]
            if x.time != y.time { return x.time > y.time }
            if x.count != y.count { return x.count > y.count }
            return a < b
        }
        var sorted = order.map { chains[$0] }
        for k in sorted.indices {
            if totalTime != 0 {
                sorted[k].percent = Int32(truncatingIfNeeded: (sorted[k].time &* 100 &+ totalTime / 2) / totalTime)
            } else if totalCount != 0 {
                sorted[k].percent = Int32(truncatingIfNeeded: (sorted[k].count &* 100 &+ totalCount / 2) / totalCount)
            }
        }
        return sorted
    }

    func outputStacks(_ e: EventStats, into out: inout TextBuffer) {
        guard !e.stacks.isEmpty else { return }
        let stacks = e.stacks.map { Stack(caller: $0.key, stats: $0.value) }
            .sorted { Self.stackPrecedes($0.caller, $1.caller) }
        let chains = makeChains(stacks[...], level: 0)
        var mask: UInt64 = 0
        outputChains(chains, level: 0, mask: &mask, into: &out)
    }

    static func indent(_ level: Int, _ mask: UInt64, into out: inout TextBuffer) {
        for p in 0...(level) {
            out.append(repeating: 0x20, count: 4)
            out.append(p < 64 && mask & (UInt64(1) << UInt64(p)) != 0 ? UInt8(ascii: "|") : 0x20)
            out.append(0x20)
        }
    }

    func chainFunction(_ v: UInt64, into out: inout TextBuffer) {
        if let f = functionName(v) {
            out.append(f)
            out.append(" (0x" + String(v, radix: 16) + ")\n")
        } else {
            out.append("0x" + String(v, radix: 16) + "\n")
        }
    }

    /// `output_chain`.
    func outputChains(_ chains: [Chain], level: Int, mask: inout UInt64, into out: inout TextBuffer) {
        guard !chains.isEmpty else { return }
        let bit = level + 1 < 64 ? UInt64(1) << UInt64(level + 1) : 0
        mask |= bit
        Self.indent(level + 1, mask, into: &out)
        out.append(0x0a)
        var line = UInt8(ascii: "|")
        for (i, c) in chains.enumerated() {
            Self.indent(level, mask, into: &out)
            out.append("    + ")
            if i == chains.count - 1 {
                mask &= ~bit
                line = 0x20
            }
            chainFunction(c.value, into: &out)
            Self.indent(level, mask, into: &out)
            out.append(repeating: 0x20, count: 4)
            out.append(line)
            out.append(0x20)
            out.append("  \(c.percent)% (\(Self.signed(c.count)))")
            if c.time != 0 {
                out.append(" time:\(Self.signed(c.time)) max:\(Self.signed(c.timeMax))(ts:")
                Self.appendSeconds(c.tsMax, into: &out)
                out.append(") min:\(Self.signed(c.timeMin))(ts:")
                Self.appendSeconds(c.tsMin, into: &out)
                out.append(") avg:\(Self.signed(c.timeAvg))")
            }
            out.append(0x0a)
            var children = c.children
            while children.count == 1 {
                Self.indent(level, mask, into: &out)
                out.append(repeating: 0x20, count: 4)
                out.append(line)
                out.append(0x20)
                out.append("   ")
                chainFunction(children[0].value, into: &out)
                children = children[0].children
            }
            if !children.isEmpty {
                outputChains(children, level: level + 1, mask: &mask, into: &out)
            }
            Self.indent(level + 1, mask, into: &out)
            out.append(0x0a)
        }
        mask &= ~bit
        Self.indent(level, mask, into: &out)
        out.append(0x0a)
    }
}
