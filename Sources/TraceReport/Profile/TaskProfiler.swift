@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// `trace-cmd report --profile` for one input file: per task, the events it ran into, with
/// counts and the time between paired events (wakeup to run, run to schedule out, irq entry
/// to exit, ...), the blocking stack traces (`ftrace:kernel_stack` records following an
/// event) and the interrupts, following trace-cmd 3.1.6's `trace-profile.c` accounting:
///
/// - every event of the file is profiled; pairs are `sched_switch` (scheduled out, by
///   prev_state) with `sched_wakeup` (woken) and the next `sched_switch` in (run), irq
///   entry/exit, softirq raise/entry/exit, funcgraph entry/exit and raw syscalls
///   enter/exit; a paired event's time is the delta from its start, kept per task (and
///   per global task with `-G` for interrupts);
/// - other events are counted per task, by the value of their first field;
/// - a stack trace goes to the start it follows (added when the start is matched) or to the
///   event it follows.
///
/// The records come in report order (after the report's filters); ``output(into:)``
/// prints the profile. Where the reference's order comes from hash tables (the events of a
/// task with equal sort keys, the groups of `--by-comm`), this orders them by value.
final class TaskProfiler {
    enum Kind { case undefined, stack, schedSwitch, wakeup, function, syscall, irq, softirq, softirqRaise, processExec, userMate }
    enum Handler { case none, stack, schedSwitch, wakeup, fgraphEntry, fgraphExit, processExec }
    enum Printer { case none, schedSwitch, softirq, function, syscall }

    /// What the profiler does with one event (`struct event_data`).
    final class EventData {
        let index: Int
        let id: Int
        let name: String
        let kind: Kind
        /// The profiler of the file the event belongs to (its symbols print its values).
        unowned let owner: TaskProfiler
        var start: EventData?
        var end: EventData?
        var pidField: FormatField?
        var startMatchField: FormatField?
        var endMatchField: FormatField?
        var dataField: FormatField?
        var handler = Handler.none
        var printer = Printer.none
        var migrate = false
        var global = false

        init(index: Int, id: Int, name: String, kind: Kind, owner: TaskProfiler) {
            self.owner = owner
            self.index = index
            self.id = id
            self.name = name
            self.kind = kind
        }
    }

    /// A stack trace record kept for later: its `caller` words and its timestamp.
    struct StackRecord {
        var caller: [UInt8]
        var ts: UInt64
    }

    /// The first event of a pair, waiting for its end.
    final class Start {
        let event: EventData
        let searchValue: UInt64
        let value: UInt64
        let ts: UInt64
        let cpu: Int
        var stack: StackRecord?
        unowned let task: Task

        init(event: EventData, searchValue: UInt64, value: UInt64, ts: UInt64, cpu: Int, task: Task) {
            self.event = event
            self.searchValue = searchValue
            self.value = value
            self.ts = ts
            self.cpu = cpu
            self.task = task
        }
    }

    /// The statistics of one stack trace under one event.
    struct StackStats {
        var count: UInt64 = 0
        var time: UInt64 = 0
        var timeMin: UInt64 = 0, tsMin: UInt64 = 0
        var timeMax: UInt64 = 0, tsMax: UInt64 = 0
    }

    struct EventKey: Hashable {
        var event: ObjectIdentifier
        var searchValue: UInt64
        var value: UInt64
    }

    /// The statistics of one event (with one search value and value) of one task.
    final class EventStats {
        let event: EventData
        var searchValue: UInt64
        var value: UInt64
        var count: UInt64 = 0
        var total: UInt64 = 0
        var timeMax: UInt64 = 0, tsMax: UInt64 = 0
        var timeMin: UInt64 = 0, tsMin: UInt64 = 0
        var lastTime: UInt64 = 0
        var stacks: [[UInt8]: StackStats] = [:]

        init(event: EventData, searchValue: UInt64, value: UInt64) {
            self.event = event
            self.searchValue = searchValue
            self.value = value
        }
    }

    struct StartKey: Hashable {
        var event: ObjectIdentifier
        var searchValue: UInt64
    }

    final class Task {
        let pid: Int32
        /// The profiler whose task table holds it.
        unowned let owner: TaskProfiler
        var sleeping = false
        var comm: [UInt8]?
        /// Starts by event and search value, most recent last (the reference finds the most
        /// recently added one).
        var starts: [StartKey: [Start]] = [:]
        var events: [EventKey: EventStats] = [:]
        var proxy: Task?
        var lastStart: Start?
        var lastEvent: EventStats?
        var lastStack: StackRecord?
        var lastStackSerial = 0
        var grouped = false

        init(pid: Int32, owner: TaskProfiler, comm: [UInt8]? = nil) {
            self.pid = pid
            self.owner = owner
            self.comm = comm
        }
    }

    let printer: EventPrinter
    let order: ByteOrder
    let longSize: Int
    var events: [EventData] = []
    var byID: [Int: EventData] = [:]
    var tasks: [Int32: Task] = [:]
    /// "Global Events" (pairs that migrate, with `-G`), then one task per CPU.
    var globals: [Task] = []
    /// The task looked up last, by any profiler of the report: trace-cmd 3.1.6 keeps it in a
    /// static variable and returns it for the same pid whatever the input, so with several
    /// inputs a record can count under another input's task.
    final class LastTask { var task: Task? }
    let lastTask: LastTask
    var commonPid: FormatField?
    var wakeupComm: FormatField?
    var switchPrevComm: FormatField?
    var switchNextComm: FormatField?
    var stackEvent: EventData?
    var stackSerial = 0
    let mergeByComm: Bool

    /// A hook (`-H`): two events paired like the built-in pairs.
    struct Hook {
        var startSystem: String?
        var startEvent: String
        var startMatch: String
        var pid: String?
        var endSystem: String?
        var endEvent: String
        var endMatch: String
        var migrate: Bool
        var global: Bool
    }

    /// A field a pairing (a `-H` hook) names that its event does not have.
    struct MissingField: Error {
        var message: String
    }

    /// Sets up the profile of `printer`'s file (`trace_init_profile`).
    init(printer: EventPrinter, globalIRQs: Bool, hooks: [Hook], mergeByComm: Bool, lastTask: LastTask) throws(MissingField) {
        self.printer = printer
        order = printer.file.byteOrder
        longSize = printer.file.longSize
        self.mergeByComm = mergeByComm
        self.lastTask = lastTask
        globals = [Task(pid: -1, owner: self, comm: Array("Global Events".utf8))]
        for c in 0..<max(printer.file.cpuCount, 1) {
            globals.append(Task(pid: Int32(-1 - c), owner: self, comm: Array("Global CPU[\(c)] Events".utf8)))
        }

        let irqEntry = add("irq", "irq_handler_entry", .irq)
        let irqExit = add("irq", "irq_handler_exit", .irq)
        let softirqEntry = add("irq", "softirq_entry", .softirq)
        let softirqExit = add("irq", "softirq_exit", .softirq)
        let softirqRaise = add("irq", "softirq_raise", .softirqRaise)
        let wakeup = add("sched", "sched_wakeup", .wakeup)
        let schedSwitch = add("sched", "sched_switch", .schedSwitch)
        let fgraphEntry = add("ftrace", "funcgraph_entry", .function)
        let fgraphExit = add("ftrace", "funcgraph_exit", .function)
        let syscallEnter = add("raw_syscalls", "sys_enter", .syscall)
        let syscallExit = add("raw_syscalls", "sys_exit", .syscall)
        let exec = add("sched", "sched_process_exec", .processExec)
        stackEvent = add("ftrace", "kernel_stack", .stack)
        if let s = stackEvent {
            s.handler = .stack
            s.dataField = format(s).fields.first { $0.name == "caller" }
        }
        if let e = exec {
            e.handler = .processExec
            e.dataField = format(e).fields.first { $0.name == "old_pid" }
        }
        if let s = schedSwitch {
            s.handler = .schedSwitch
            s.dataField = format(s).fields.first { $0.name == "prev_state" }
            switchPrevComm = format(s).fields.first { $0.name == "prev_comm" }
            switchNextComm = format(s).fields.first { $0.name == "next_comm" }
            s.printer = .schedSwitch
            // Without sched_wakeup the reference reads these through unset fields (undefined
            // values); the fields the pairing would set are what the handler means.
            s.pidField = format(s).fields.first { $0.name == "prev_pid" }
            s.endMatchField = format(s).fields.first { $0.name == "next_pid" }
        }
        if let s = schedSwitch, let w = wakeup {
            try mate(s, pid: "prev_pid", endMatch: "next_pid", w, startMatch: "pid", migrate: true, global: false)
            try mate(w, pid: "pid", endMatch: "pid", s, startMatch: "prev_pid", migrate: true, global: false)
            w.handler = .wakeup
            w.dataField = format(w).fields.first { $0.name == "success" }
            wakeupComm = format(w).fields.first { $0.name == "comm" }
        }
        if let a = irqEntry, let b = irqExit {
            try mate(a, pid: nil, endMatch: "irq", b, startMatch: "irq", migrate: false, global: globalIRQs)
        }
        softirqEntry?.printer = .softirq
        softirqExit?.printer = .softirq
        softirqRaise?.printer = .softirq
        if let a = softirqEntry, let b = softirqExit {
            try mate(a, pid: nil, endMatch: "vec", b, startMatch: "vec", migrate: false, global: globalIRQs)
        }
        if let a = softirqEntry, let r = softirqRaise {
            try mate(r, pid: nil, endMatch: "vec", a, startMatch: "vec", migrate: false, global: globalIRQs)
        }
        if let a = fgraphEntry, let b = fgraphExit {
            try mate(a, pid: nil, endMatch: "func", b, startMatch: "func", migrate: true, global: false)
            a.handler = .fgraphEntry
            b.handler = .fgraphExit
            a.printer = .function
        }
        if let a = syscallEnter, let b = syscallExit {
            try mate(a, pid: nil, endMatch: "id", b, startMatch: "id", migrate: true, global: false)
            a.printer = .syscall
            b.printer = .syscall
        }
        if let f = add("ftrace", "function", .function) {
            f.dataField = format(f).fields.first { $0.name == "ip" }
        }
        for h in hooks {
            let s = add(h.startSystem, h.startEvent, .userMate)
            let e = add(h.endSystem, h.endEvent, .userMate)
            guard let s, let e else { continue }
            try mate(s, pid: h.pid, endMatch: h.startMatch, e, startMatch: h.endMatch, migrate: h.migrate, global: h.global)
        }
        // Every other event, by id: counted by the value of its first field.
        let reg = printer.registry
        for i in reg.formats.indices.sorted(by: { reg.formats[$0].id < reg.formats[$1].id }) {
            let f = reg.formats[i]
            guard byID[f.id] == nil else { continue }
            let d = EventData(index: i, id: f.id, name: f.name, kind: .undefined, owner: self)
            d.dataField = f.fields.first
            register(d)
        }
    }

    private func format(_ d: EventData) -> EventFormat { printer.registry.formats[d.index] }

    private func register(_ d: EventData) {
        if commonPid == nil { commonPid = format(d).commonFields.first { $0.name == "common_pid" } }
        events.append(d)
        byID[d.id] = d
    }

    /// `add_event`: the event named `name` (in `system` when given), once.
    private func add(_ system: String?, _ name: String, _ kind: Kind) -> EventData? {
        let reg = printer.registry
        guard let i = reg.formats.firstIndex(where: { $0.name == name && (system == nil || $0.system == system) }) else {
            return nil
        }
        let f = reg.formats[i]
        let d = EventData(index: i, id: f.id, name: f.name, kind: kind, owner: self)
        register(d)
        return d
    }

    private func mate(_ start: EventData, pid: String?, endMatch: String, _ end: EventData, startMatch: String,
                      migrate: Bool, global: Bool) throws(MissingField) {
        start.end = end
        end.start = start
        // Event fields only, as tep_find_field (common_pid is not one).
        func field(_ d: EventData, _ name: String) throws(MissingField) -> FormatField {
            guard let f = format(d).fields.first(where: { $0.name == name }) else {
                throw MissingField(message: "Event: \(d.name) does not have field \(name)")
            }
            return f
        }
        if let pid { start.pidField = try field(start, pid) }
        start.endMatchField = try field(start, endMatch)
        end.startMatchField = try field(end, startMatch)
        start.migrate = migrate
        start.global = global
        end.migrate = migrate
        end.global = global
    }

    // MARK: records

    /// `tep_read_number_field`: the field's bytes as an unsigned number (sizes 1, 2, 4, 8);
    /// `nil` otherwise.
    @inline(__always)
    func read(_ f: FormatField?, _ payload: RawSpan) -> UInt64? {
        f?.unsignedValue(in: payload, order: order)
    }

    func task(_ pid: Int32) -> Task {
        if let last = lastTask.task, last.pid == pid { return last }
        let t: Task
        if let known = tasks[pid] {
            t = known
        } else {
            t = Task(pid: pid, owner: self)
            tasks[pid] = t
        }
        lastTask.task = t
        return t
    }

    func task(_ pid: UInt64) -> Task { task(Int32(truncatingIfNeeded: pid)) }

    /// One record (`trace_profile_record`).
    func record(payload: RawSpan, cpu: Int, ts: UInt64, missed: Bool) {
        if missed { dropStarts(cpu: cpu) }
        guard let id = printer.registry.commonLayout.eventID(in: payload, order: order), let d = byID[id] else { return }
        let pid = read(commonPid, payload) ?? 0
        let current = task(pid)
        let stackBefore = current.lastStack != nil ? current.lastStackSerial : nil
        switch d.handler {
        case .none: handleEventData(pid: pid, d, payload, cpu: cpu, ts: ts)
        case .stack: handleStack(pid: pid, d, payload, ts: ts)
        case .schedSwitch: handleSchedSwitch(d, payload, cpu: cpu, ts: ts)
        case .wakeup: handleWakeup(pid: pid, d, payload, cpu: cpu, ts: ts)
        case .fgraphEntry: handleFgraphEntry(pid: pid, d, payload, cpu: cpu, ts: ts)
        case .fgraphExit:
            if let t = handleEnd(pid: pid, d, payload, cpu: cpu, ts: ts) { t.lastEvent = nil }
        case .processExec:
            var p = pid
            if d.dataField != nil, let v = read(d.dataField, payload) { p = v }
            task(p).comm = nil
        }
        // A stack trace kept for this task and not taken by this record is dropped.
        if let s = stackBefore, current.lastStack != nil, current.lastStackSerial == s {
            current.lastStack = nil
        }
    }

    /// Missed events: the starts of that CPU and those that can migrate are forgotten.
    private func dropStarts(cpu: Int) {
        for t in globals + Array(tasks.values) {
            for (k, list) in t.starts {
                let kept = list.filter { s in
                    let drop = s.event.migrate || s.cpu == cpu
                    if drop, t.lastStart === s { t.lastStart = nil }
                    return !drop
                }
                t.starts[k] = kept.isEmpty ? nil : kept
            }
        }
    }

    private func eventTask(_ d: EventData, _ payload: RawSpan, cpu: Int, pid: UInt64) -> Task {
        if d.global {
            return d.migrate ? globals[0] : globals[1 + min(max(cpu, 0), globals.count - 2)]
        }
        var p = pid
        if d.pidField != nil, let v = read(d.pidField, payload) { p = v }
        return task(p)
    }

    private func handleEventData(pid: UInt64, _ d: EventData, _ payload: RawSpan, cpu: Int, ts: UInt64) {
        var t: Task?
        if d.start != nil { t = handleEnd(pid: pid, d, payload, cpu: cpu, ts: ts) }
        if d.end != nil { t = handleStart(pid: pid, d, payload, cpu: cpu, ts: ts) }
        if t == nil {
            let t = task(pid)
            t.proxy = nil
            t.lastStart = nil
            t.lastEvent = nil
            account(t, d, payload)
        }
    }

    /// An event without a start: counted under (value, value) of its data field.
    private func account(_ t0: Task, _ d: EventData, _ payload: RawSpan) {
        var t = t0
        if d.pidField != nil {
            let p = read(d.pidField, payload) ?? 0
            let proxy = t
            t = t.owner.task(Int32(truncatingIfNeeded: p))
            proxy.proxy = t
        }
        var value: UInt64 = 0
        if d.dataField != nil, let v = read(d.dataField, payload) { value = v }
        // The reference looks the event up by (value, value), not by its search value.
        let e = eventStats(t, d, searchValue: value, value: value)
        e.count += 1
        t.lastEvent = e
    }

    private func eventStats(_ t: Task, _ d: EventData, searchValue: UInt64, value: UInt64) -> EventStats {
        let key = EventKey(event: ObjectIdentifier(d), searchValue: searchValue, value: value)
        if let e = t.events[key] { return e }
        let e = EventStats(event: d, searchValue: searchValue, value: value)
        t.events[key] = e
        return e
    }

    @discardableResult
    private func handleEnd(pid: UInt64, _ d: EventData, _ payload: RawSpan, cpu: Int, ts: UInt64) -> Task? {
        let t = eventTask(d, payload, cpu: cpu, pid: pid)
        let value = read(d.startMatchField, payload) ?? 0
        let e = d.start.flatMap { findAndUpdateStart(t, $0, ts: ts, searchValue: value) }
        t.lastStart = nil
        t.lastEvent = e
        return t
    }

    @discardableResult
    private func handleStart(pid: UInt64, _ d: EventData, _ payload: RawSpan, cpu: Int, ts: UInt64) -> Task? {
        let t = eventTask(d, payload, cpu: cpu, pid: pid)
        let value = read(d.endMatchField, payload) ?? 0
        let s = addStart(t, d, cpu: cpu, ts: ts, searchValue: value, value: value)
        t.lastStart = s
        t.lastEvent = nil
        return t
    }

    private func addStart(_ t: Task, _ d: EventData, cpu: Int, ts: UInt64, searchValue: UInt64, value: UInt64) -> Start {
        let s = Start(event: d, searchValue: searchValue, value: value, ts: ts, cpu: cpu, task: t)
        t.starts[StartKey(event: ObjectIdentifier(d), searchValue: searchValue), default: []].append(s)
        return s
    }

    private func findAndUpdateStart(_ t: Task, _ d: EventData, ts: UInt64, searchValue: UInt64) -> EventStats? {
        let key = StartKey(event: ObjectIdentifier(d), searchValue: searchValue)
        guard var list = t.starts[key], let s = list.popLast() else { return nil }
        t.starts[key] = list.isEmpty ? nil : list
        if t.lastStart === s { t.lastStart = nil }
        // Timestamps that go backwards (across CPUs) count as 0.
        let delta = ts >= s.ts ? ts - s.ts : 0
        let e = eventStats(t, d, searchValue: s.searchValue, value: s.value)
        e.count += 1
        e.total &+= delta
        e.lastTime = delta
        if delta > e.timeMax { e.timeMax = delta; e.tsMax = ts }
        if e.count == 1 || delta < e.timeMin { e.timeMin = delta; e.tsMin = ts }
        if let st = s.stack { addStack(e, st.caller, time: delta, ts: st.ts) }
        return e
    }

    private func addStack(_ e: EventStats, _ caller: [UInt8], time: UInt64, ts: UInt64) {
        var s = e.stacks[caller] ?? StackStats()
        s.count += 1
        s.time &+= time
        if s.count == 1 || time < s.timeMin { s.timeMin = time; s.tsMin = ts }
        if time > s.timeMax { s.timeMax = time; s.tsMax = ts }
        e.stacks[caller] = s
    }

    private func commBytes(_ f: FormatField?, _ payload: RawSpan) -> [UInt8]? {
        guard let f, f.offset >= 0, f.offset + f.size <= payload.count else { return nil }
        return payload.array(f.offset..<payload.firstIndex(of: 0, in: f.offset..<(f.offset + f.size)))
    }

    private func handleSchedSwitch(_ d: EventData, _ payload: RawSpan, cpu: Int, ts: UInt64) {
        let prevPid = read(d.pidField, payload) ?? 0
        let prevState = (read(d.dataField, payload) ?? 0) & (1024 - 1)
        let nextPid = read(d.endMatchField, payload) ?? 0
        let prev = task(prevPid)
        if prev.comm == nil { prev.comm = commBytes(switchPrevComm, payload) }
        prev.sleeping = prevState != 0
        let s = addStart(prev, d, cpu: cpu, ts: ts, searchValue: prevPid, value: prevState)
        prev.lastStart = s
        prev.lastEvent = nil
        let next = task(nextPid)
        if next.comm == nil { next.comm = commBytes(switchNextComm, payload) }
        // Woken (a wakeup start) or preempted (a sched_switch start).
        if let w = d.start { _ = findAndUpdateStart(next, w, ts: ts, searchValue: nextPid) }
        _ = findAndUpdateStart(next, d, ts: ts, searchValue: nextPid)
    }

    private func handleWakeup(pid: UInt64, _ d: EventData, _ payload: RawSpan, cpu: Int, ts: UInt64) {
        let proxy = task(pid)
        if d.dataField != nil, let success = read(d.dataField, payload), success == 0 { return }
        let p = read(d.pidField, payload) ?? pid
        let t = task(p)
        if t.comm == nil { t.comm = commBytes(wakeupComm, payload) }
        guard t.sleeping else {
            proxy.proxy = nil
            proxy.lastStart = nil
            proxy.lastEvent = nil
            return
        }
        t.sleeping = false
        proxy.proxy = t
        if let s = d.start { _ = findAndUpdateStart(t, s, ts: ts, searchValue: p) }
        let s = addStart(t, d, cpu: cpu, ts: ts, searchValue: p, value: p)
        t.lastEvent = nil
        t.lastStart = s
    }

    private func stackCaller(_ d: EventData, _ payload: RawSpan) -> [UInt8] {
        guard let f = d.dataField, f.offset <= payload.count else { return [] }
        return payload.array(f.offset..<payload.count)
    }

    private func handleStack(pid: UInt64, _ d: EventData, _ payload: RawSpan, ts: UInt64) {
        var t = task(pid)
        t.lastStack = nil
        let original = t
        let proxy = t.proxy
        if let p = proxy {
            t.proxy = nil
            t = p
        }
        if t.lastStart == nil && t.lastEvent == nil {
            // Kept for a function graph entry that may follow (on the original task).
            if proxy != nil { t = original }
            stackSerial += 1
            t.lastStack = StackRecord(caller: stackCaller(d, payload), ts: ts)
            t.lastStackSerial = stackSerial
            return
        }
        let caller = stackCaller(d, payload)
        if let s = t.lastStart {
            s.stack = StackRecord(caller: caller, ts: ts)
            t.lastStart = nil
            t.lastEvent = nil
            return
        }
        if let e = t.lastEvent {
            t.lastEvent = nil
            addStack(e, caller, time: e.lastTime, ts: ts)
        }
    }

    private func handleFgraphEntry(pid: UInt64, _ d: EventData, _ payload: RawSpan, cpu: Int, ts: UInt64) {
        guard let t = handleStart(pid: pid, d, payload, cpu: cpu, ts: ts) else { return }
        if let st = t.lastStack, let s = t.lastStart {
            s.stack = st
            t.lastStack = nil
            t.lastEvent = nil
        }
        t.lastStart = nil
    }
}
