/// The typed ftrace event messages of Perfetto this exporter writes, with their field numbers
/// (facts from Perfetto's `protos/perfetto/trace/ftrace/*.proto`: `FtraceEvent`'s field for the
/// event, then each event field's number).
///
/// An event is written typed only when every one of its own fields (the `common_*` ones aside)
/// has a field here of the same kind (text or number); otherwise it is written as a
/// `GenericFtraceEvent` with all its fields, so nothing of it is lost. The events chosen are
/// those Perfetto's trace processor turns into tracks, slices and thread state (scheduling,
/// interrupts, processes, CPU idle and frequency, workqueues, timers, memory).
enum PerfettoTypedEvents {
    /// How a field is written: a varint (the event's number, sign-extended from its size when
    /// it is signed) or a string.
    enum Kind: Sendable {
        case number
        case string
    }

    /// One typed message: its field number in `FtraceEvent` and its fields by ftrace name.
    struct Message: Sendable {
        let event: Int
        let system: String?
        let fields: [String: (number: Int, kind: Kind)]

        init(_ event: Int, system: String? = nil, _ fields: [String: (Int, Kind)]) {
            self.event = event
            self.system = system
            self.fields = fields.mapValues { (number: $0.0, kind: $0.1) }
        }
    }

    /// By ftrace event name.
    static let messages: [String: Message] = [
        "print": Message(3, system: "ftrace", ["ip": (1, .number), "buf": (2, .string)]),
        "sched_switch": Message(4, system: "sched", [
            "prev_comm": (1, .string), "prev_pid": (2, .number), "prev_prio": (3, .number),
            "prev_state": (4, .number), "next_comm": (5, .string), "next_pid": (6, .number),
            "next_prio": (7, .number)]),
        "cpu_frequency": Message(11, system: "power", ["state": (1, .number), "cpu_id": (2, .number)]),
        "cpu_frequency_limits": Message(12, system: "power", [
            "min_freq": (1, .number), "max_freq": (2, .number), "cpu_id": (3, .number)]),
        "cpu_idle": Message(13, system: "power", ["state": (1, .number), "cpu_id": (2, .number)]),
        "sched_wakeup": Message(17, system: "sched", [
            "comm": (1, .string), "pid": (2, .number), "prio": (3, .number), "target_cpu": (5, .number)]),
        "sched_waking": Message(20, system: "sched", [
            "comm": (1, .string), "pid": (2, .number), "prio": (3, .number), "target_cpu": (5, .number)]),
        "softirq_entry": Message(24, system: "irq", ["vec": (1, .number)]),
        "softirq_exit": Message(25, system: "irq", ["vec": (1, .number)]),
        "softirq_raise": Message(26, system: "irq", ["vec": (1, .number)]),
        "irq_handler_entry": Message(36, system: "irq", ["irq": (1, .number), "name": (2, .string)]),
        "irq_handler_exit": Message(37, system: "irq", ["irq": (1, .number), "ret": (2, .number)]),
        "workqueue_activate_work": Message(56, system: "workqueue", ["work": (1, .number), "function": (2, .number)]),
        "workqueue_execute_end": Message(57, system: "workqueue", ["work": (1, .number), "function": (2, .number)]),
        "workqueue_execute_start": Message(58, system: "workqueue", ["work": (1, .number), "function": (2, .number)]),
        "workqueue_queue_work": Message(59, system: "workqueue", [
            "work": (1, .number), "function": (2, .number), "req_cpu": (4, .number), "cpu": (5, .number),
            "workqueue": (6, .string)]),
        "sched_wakeup_new": Message(114, system: "sched", [
            "comm": (1, .string), "pid": (2, .number), "prio": (3, .number), "target_cpu": (5, .number)]),
        "task_newtask": Message(235, system: "task", [
            "pid": (1, .number), "comm": (2, .string), "clone_flags": (3, .number), "oom_score_adj": (4, .number)]),
        "task_rename": Message(236, system: "task", [
            "pid": (1, .number), "oldcomm": (2, .string), "newcomm": (3, .string), "oom_score_adj": (4, .number)]),
        "sched_process_exec": Message(237, system: "sched", [
            "filename": (1, .string), "pid": (2, .number), "old_pid": (3, .number)]),
        "sched_process_exit": Message(238, system: "sched", [
            "comm": (1, .string), "pid": (2, .number), "tgid": (3, .number), "prio": (4, .number)]),
        "sched_process_fork": Message(239, system: "sched", [
            "parent_comm": (1, .string), "parent_pid": (2, .number), "child_comm": (3, .string),
            "child_pid": (4, .number)]),
        "sched_process_free": Message(240, system: "sched", ["comm": (1, .string), "pid": (2, .number), "prio": (3, .number)]),
        "sched_process_hang": Message(241, system: "sched", ["comm": (1, .string), "pid": (2, .number)]),
        "sched_process_wait": Message(242, system: "sched", ["comm": (1, .string), "pid": (2, .number), "prio": (3, .number)]),
        "kfree": Message(298, system: "kmem", ["call_site": (1, .number), "ptr": (2, .number)]),
        "mm_page_alloc": Message(307, system: "kmem", [
            "gfp_flags": (1, .number), "migratetype": (2, .number), "order": (3, .number), "pfn": (5, .number)]),
        "mm_page_free": Message(310, system: "kmem", ["order": (1, .number), "pfn": (3, .number)]),
        "mm_page_free_batched": Message(311, system: "kmem", ["pfn": (3, .number)]),
        "rss_stat": Message(313, system: "kmem", [
            "member": (1, .number), "size": (2, .number), "curr": (3, .number), "mm_id": (4, .number)]),
        "oom_score_adj_update": Message(326, system: "oom", [
            "comm": (1, .string), "oom_score_adj": (2, .number), "pid": (3, .number)]),
        "sched_pi_setprio": Message(353, system: "sched", [
            "comm": (1, .string), "newprio": (2, .number), "oldprio": (3, .number), "pid": (4, .number)]),
        "sched_migrate_task": Message(491, system: "sched", [
            "comm": (1, .string), "pid": (2, .number), "prio": (3, .number), "orig_cpu": (4, .number),
            "dest_cpu": (5, .number)]),
        "hrtimer_cancel": Message(552, system: "timer", ["hrtimer": (1, .number)]),
        "hrtimer_expire_entry": Message(553, system: "timer", [
            "hrtimer": (1, .number), "now": (2, .number), "function": (3, .number)]),
        "hrtimer_expire_exit": Message(554, system: "timer", ["hrtimer": (1, .number)]),
        "timer_start": Message(555, system: "timer", [
            "timer": (1, .number), "function": (2, .number), "expires": (3, .number), "now": (4, .number),
            "flags": (6, .number), "bucket_expiry": (7, .number)]),
        "timer_cancel": Message(556, system: "timer", ["timer": (1, .number)]),
        "timer_expire_entry": Message(557, system: "timer", [
            "timer": (1, .number), "now": (2, .number), "function": (3, .number), "baseclk": (4, .number)]),
        "timer_expire_exit": Message(558, system: "timer", ["timer": (1, .number)]),
    ]

    /// `FtraceEvent.sys_enter` (`SysEnterFtraceEvent`: `id` 1, `args` 2, repeated) and
    /// `FtraceEvent.sys_exit` (`SysExitFtraceEvent`: `id` 1, `ret` 2). Written for the
    /// `syscalls:sys_enter_*`/`sys_exit_*` events (`__syscall_nr` is the id, the arguments in
    /// format order) when Perfetto knows the recording machine's syscall table.
    static let sysEnter = 329
    static let sysExit = 330

    /// Machines (`uname -m`) whose syscall numbers Perfetto's trace processor names.
    static let syscallArchitectures: Set<String> = ["x86_64", "aarch64", "arm64", "armv7l", "armv8l", "arm", "i386", "i686", "x86"]
}
