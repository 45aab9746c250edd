@_spi(Engine) import TraceEvent
/// Which events of a session to read: ``TraceSession/forEachEvent(_:_:)``,
/// ``TraceSession/events(_:)`` and ``TraceSession/asyncEvents(_:)`` take one.
///
/// Everything left `nil` reads everything. Peers, CPUs and event names are applied before
/// an event is decoded; the filter and the time window as the records come.
///
/// ```swift
/// var s = EventSelection()
/// s.events = ["sched_switch", "sched:sched_wakeup"]
/// s.filter = "sched_switch: prev_pid != 0"
/// ```
public struct EventSelection: Sendable, Hashable, Codable {
    /// File indices (peers) to read; `nil` reads all.
    public var peers: Set<Int>?
    /// CPU numbers to read in each file; `nil` reads all.
    public var cpus: Set<Int>?
    /// Events to read, each as `name` (`sched_switch`) or `system:name`
    /// (`sched:sched_switch`); `nil` reads all. A name that is no event of any selected file
    /// makes the query throw ``EventQueryError/unknownEvent(_:)``.
    public var events: Set<String>?
    /// A filter in the syntax of `trace-cmd report -F` (`sched_switch: prev_pid != 0`,
    /// `sched/.*`, `COMM == "bash"`), parsed once per file when the query starts and applied
    /// with the report's semantics (an event the filter does not name is dropped; the
    /// `CPU` pseudo-field is the CPU's index over all files, as the report numbers CPUs).
    /// It applies to every selected file (the report applies a `-F` to the input it
    /// follows). A filter that does not parse makes the query throw
    /// ``EventQueryError/filter(peer:_:)``.
    public var filter: String?
    /// A filter in the same syntax whose matching events are left out (the report's
    /// `-v -F`, libtracecmd's `tracecmd_filter_add(handle, filter, true)`): an event it does
    /// not name is kept. Applied after ``filter``. A filter that does not parse makes the
    /// query throw ``EventQueryError/filter(peer:_:)``.
    public var excludingFilter: String?
    /// Buffers to read by name: `""` is the top-level buffer, any other name an instance
    /// (`trace-cmd record -B name`); `nil` reads all (as `trace-cmd report`). `[""]` reads
    /// what `tracecmd_iterate_events` reads of a handle from `tracecmd_open`, `["name"]` what
    /// it reads of `tracecmd_buffer_instance_handle`'s handle.
    public var buffers: Set<String>?
    /// Events before this host-clock time (ns, corrected as ``EventView/timestamp``) are skipped.
    public var start: UInt64?
    /// The iteration ends at the first event after this host-clock time (ns).
    public var end: UInt64?

    /// A selection; every parameter left `nil` selects everything.
    public init(peers: Set<Int>? = nil, cpus: Set<Int>? = nil, events: Set<String>? = nil,
                filter: String? = nil, start: UInt64? = nil, end: UInt64? = nil,
                excludingFilter: String? = nil, buffers: Set<String>? = nil) {
        self.peers = peers
        self.cpus = cpus
        self.events = events
        self.filter = filter
        self.start = start
        self.end = end
        self.excludingFilter = excludingFilter
        self.buffers = buffers
    }
}
