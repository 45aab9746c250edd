@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
/// The options of a report, named after `trace-cmd report`'s flags.
public struct ReportOptions: Sendable {
    /// One input file and what applies to it alone.
    public struct Input: Sendable {
        /// The path as given.
        public var path: String
        /// `-F` filters given after this `-i` (and, for the first input, before any `-i`),
        /// before `-v`.
        public var filters: [String] = []
        /// `-F` filters attached to this input after `-v`: they exclude records.
        public var excludingFilters: [String] = []
        /// `--ts-offset` given after this input (trace-cmd 3.1.6 honours it for the second
        /// and later inputs only).
        public var tsOffset: Int64 = 0

        /// An input read with no filter and no offset of its own.
        public init(path: String) { self.path = path }

        /// The name shown in the file column: the path's last component.
        public var label: String {
            if let i = path.lastIndex(of: "/") { return String(path[path.index(after: i)...]) }
            return path
        }
    }

    /// Input files (`-i`), in order; the first is the host in a multi-peer session.
    public var inputs: [Input] = [Input(path: "trace.dat")]
    /// Whether `-i` was given more than once (every line then starts with the file name).
    public var multipleInputs = false
    /// `-t`: nanosecond timestamps.
    public var nanoseconds = false
    /// `-R`: raw field output.
    public var raw = false
    /// `-l`: latency format (flags column).
    public var latency = false
    /// `-N`: no output plugins.
    public var noPlugins = false
    /// `--cpu`: only these CPUs (numbered across all inputs, as the reference does).
    public var cpus: Set<Int>?
    /// `--ts-diff`: the time since the previous printed event.
    public var tsDiff = false
    /// `--raw-ts`: raw ring-buffer timestamps, no corrections.
    public var rawTimestamps = false
    /// `--stat`: print the kernel buffer statistics only.
    public var stat = false
    /// `--cpus`: list the CPUs with data.
    public var listCPUs = false
    /// `--first-event`: with the CPU list, each CPU's first event time.
    public var firstEvent = false
    /// `--last-event`: with the CPU list, each CPU's last event time.
    public var lastEvent = false
    /// `--nodate`: ignore the DATE option.
    public var noDate = false
    /// `-w`: wakeup latencies after sched_switch lines and a summary at the end.
    public var wakeupLatency = false
    /// `-q`: quiet (no warnings).
    public var quiet = false
    /// `--threads`: how many threads the report uses (our extension): the reading thread
    /// plus `threads - 1` threads that format lines. `nil`: two threads per core (only the
    /// reading thread on a single core); 1 does everything on the calling thread (no
    /// formatting threads, no decompression ahead, no parallel start-up). The output is the
    /// same either way: records that depend on earlier ones (function plugin, `-w`,
    /// `--ts-diff`, `-R`, ...) are always formatted in order.
    public var threads: Int?

    /// The options of `trace-cmd report` with no flag: one input, `trace.dat`.
    public init() {}
}
