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
        /// `--ts2secs HZ` given after this input (second and later inputs; 0: none, the
        /// report-wide ``ReportOptions/clockHz`` applies).
        public var clockHz: UInt64 = 0

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

    /// `-h`, `--help`: print the option summary and stop.
    public var help = false
    /// `--align-ts`: timestamps relative to the first event of all inputs' top-level buffers.
    public var alignTimestamps = false
    /// `--ts-check`: warn when a printed record's timestamp is below the previous one.
    public var timestampCheck = false
    /// `--ts2secs HZ` given before a second input: the clock frequency of every input that
    /// has none of its own (0: none).
    public var clockHz: UInt64 = 0
    /// `-I`: drop records with the hard IRQ flag.
    public var dropHardIRQ = false
    /// `-S`: drop records with the soft IRQ flag.
    public var dropSoftIRQ = false
    /// `-r EVENTS`: events (regular expressions matched against the event name or system)
    /// printed as raw fields.
    public var rawEvents: [String] = []
    /// `-n EVENTS`: events (same matching) printed without their output plugin.
    public var noHandlerEvents: [String] = []
    /// `-O [plugin:]option[=value]`, in command-line order.
    public var pluginOptions: [String] = []
    /// `-L`: only the user's own plugins (there are none in this implementation: no plugins).
    public var localPluginsOnly = false
    /// `-V[level]`, `--verbose[=level]`: the log level (0 none ... 6 all), `nil` when not given.
    public var verbosity: Int?
    /// `-T`: print the filters as parsed, then exit.
    public var testFilters = false
    /// A mode that prints facts of the first input instead of its events (the reference's
    /// order of precedence applies when several are given).
    public var info: Set<InfoMode> = []
    /// `--profile`: per-task profile after the events.
    public var profile = false
    /// `-G`: with `--profile`, interrupts are accounted globally, not to the interrupted task.
    public var profileGlobalIRQs = false
    /// `-H` hooks for `--profile`, as given.
    public var profileHooks: [String] = []
    /// `--by-comm`: with `--profile`, tasks of the same comm are merged.
    public var profileByComm = false

    /// What a fact-printing mode shows.
    public enum InfoMode: Sendable, Hashable {
        /// `-p`: the file's and the host's page size.
        case pageSize
        /// `-e`: the file's and the host's byte order.
        case endianness
        /// `-f`: the kernel function list.
        case functions
        /// `-P`: the printk formats.
        case printk
        /// `-E`: the events stored (`system:name`).
        case events
        /// `--check-events`: exit status 22 when an event format cannot be parsed.
        case checkEvents
        /// `--uname`: the recorded uname (and version).
        case uname
        /// `--version`: the recorded trace-cmd version.
        case version
    }

    /// The options of `trace-cmd report` with no flag: one input, `trace.dat`.
    public init() {}
}
