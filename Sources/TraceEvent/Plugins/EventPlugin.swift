/// What the caller does after an ``EventPlugin`` wrote its text.
///
/// libtraceevent runs an event's handler first and then, when the handler returns
/// non-zero, also prints the event's ordinary print-format text after it.
@_spi(Engine) public enum PluginOutcome: Sendable, Hashable {
    /// The plugin's text is the whole event text.
    case done
    /// Append the event's default (print-format) text after the plugin's text.
    /// Some plugins always ask for it (kmem's `(func+0xoff) ` prefix), others only
    /// when a field is missing.
    case appendDefault
    /// The plugin's text is the whole event text, and it used the record given as
    /// the `lookahead` record: the caller must not print that record (a function graph
    /// entry printed together with its return, as a leaf call `func();`).
    case doneConsumingLookahead
}

/// One record as handed to a plugin, besides its data (the plugin's `write` takes the
/// record's payload and lookahead as `RawSpan`s, valid during the call only).
@_spi(Engine) public struct PluginRecord {
    /// The CPU the record was read from (the function plugin keeps per-CPU state).
    @_spi(Engine) public var cpu: Int
    /// The record's timestamp as the report shows it (only `ftrace:func_repeats` uses it).
    @_spi(Engine) public var timestamp: UInt64

    /// A record's CPU and timestamp.
    @_spi(Engine) public init(cpu: Int, timestamp: UInt64 = 0) {
        self.cpu = cpu
        self.timestamp = timestamp
    }
}

/// Receives the pid → comm pairs that plugins learn while printing.
///
/// The reference's sched plugin calls `tep_register_comm` for `prev_comm`/`prev_pid`,
/// `next_comm`/`next_pid` (sched_switch) and `comm`/`pid` (sched_wakeup,
/// sched_wakeup_new) every time it prints such a record. There the registration
/// **never overwrites** an existing entry (the file's saved cmdlines or an earlier
/// registration win) and pid 0 is ignored; a report layer reproduces `trace-cmd report`
/// only if its table follows the same rule. Later records of a newly known pid then
/// show that comm in the `comm-pid` column instead of `<...>`.
@_spi(Engine) public protocol CommRegistry: AnyObject {
    /// Offers `comm` (the bytes of the field up to its first NUL, not NUL-terminated)
    /// for `pid`. The bytes are only valid during the call.
    func register(pid: Int32, comm: RawSpan)
}

/// Resolves an address of a guest's kernel for the kvm plugin, as `trace-cmd report`
/// does for host kvm events when guest trace files are loaded with the host's.
@_spi(Engine) public protocol GuestFunctionResolver: AnyObject {
    /// The function of the guest that the host task `hostPid` runs (a vCPU thread)
    /// containing `address`: its name and start, or `nil`.
    func guestFunction(hostPid: Int32, address: UInt64) -> (name: String, start: UInt64)?
}

/// State that the reference's plugins keep across events and files for a whole run:
/// the function plugin's per-CPU call chains (shared by `ftrace:function` and
/// `ftrace:func_repeats`, and, as in `trace-cmd report`, by all files of the run).
/// Create one per report and pass it in every ``PluginEnvironment``.
@_spi(Engine) public final class PluginSession {
    /// Per CPU: the function call chain guessed so far (`nil` ends a chain).
    var functionStacks: [[String?]] = []

    /// A fresh session (no call chains known yet).
    @_spi(Engine) public init() {}
}

/// What plugins may consult or update while printing a record.
///
/// What plugins may use: symbols, the comm registry, guest symbols, the time format and
/// run-wide state. Its parts live in one shared box: copies share them (``copy()`` makes an
/// independent one), so handing it to a plugin per record costs no reference counting.
@_spi(Engine) public struct PluginEnvironment {
    final class Storage {
        var symbols: (any SymbolResolver)?
        var comms: (any CommRegistry)?
        var guestFunctions: (any GuestFunctionResolver)?
        var formatTimestamp: ((UInt64, inout TextBuffer) -> Void)?
        var session: PluginSession?

        init(symbols: (any SymbolResolver)?, comms: (any CommRegistry)?,
             guestFunctions: (any GuestFunctionResolver)?,
             formatTimestamp: ((UInt64, inout TextBuffer) -> Void)?, session: PluginSession?) {
            self.symbols = symbols
            self.comms = comms
            self.guestFunctions = guestFunctions
            self.formatTimestamp = formatTimestamp
            self.session = session
        }

        func copy() -> Storage {
            Storage(symbols: symbols, comms: comms, guestFunctions: guestFunctions, formatTimestamp: formatTimestamp,
                    session: session)
        }
    }

    // A reference, not copied on write: a printer passes its environment to a plugin per
    // record, and a copy-on-write value would be retained and released for each call.
    private let storage: Storage

    private init(storage: Storage) { self.storage = storage }

    /// An environment with the same parts that later changes to this one do not affect
    /// (copies of an environment share their parts).
    @_spi(Engine) public func copy() -> PluginEnvironment { PluginEnvironment(storage: storage.copy()) }

    /// Kernel symbols of the trace (its kallsyms), for function names.
    @_spi(Engine) public var symbols: (any SymbolResolver)? {
        get { storage.symbols }
        nonmutating set { storage.symbols = newValue }
    }
    /// Where learnt comms go (see ``CommRegistry``).
    @_spi(Engine) public var comms: (any CommRegistry)? {
        get { storage.comms }
        nonmutating set { storage.comms = newValue }
    }
    /// Guest symbol lookup for kvm events; `nil` when there are no guests.
    @_spi(Engine) public var guestFunctions: (any GuestFunctionResolver)? {
        get { storage.guestFunctions }
        nonmutating set { storage.guestFunctions = newValue }
    }
    /// Writes a timestamp the way the report prints its time column (`ftrace:func_repeats`
    /// shows the time of the first repeat with it: `trace-cmd report` uses `%12d`, or
    /// `%6.1000d` with `-t`... through `tep_func_repeat_format`). `nil` prints the raw number.
    @_spi(Engine) public var formatTimestamp: ((UInt64, inout TextBuffer) -> Void)? {
        get { storage.formatTimestamp }
        nonmutating set { storage.formatTimestamp = newValue }
    }
    /// Run-wide plugin state; without one, each bound plugin keeps its own.
    @_spi(Engine) public var session: PluginSession? {
        get { storage.session }
        nonmutating set { storage.session = newValue }
    }

    /// An environment; every part is optional (without symbols, addresses print in hex).
    @_spi(Engine) public init(symbols: (any SymbolResolver)? = nil, comms: (any CommRegistry)? = nil,
                guestFunctions: (any GuestFunctionResolver)? = nil,
                formatTimestamp: ((UInt64, inout TextBuffer) -> Void)? = nil,
                session: PluginSession? = nil) {
        storage = Storage(symbols: symbols, comms: comms, guestFunctions: guestFunctions,
                          formatTimestamp: formatTimestamp, session: session)
    }
}

/// An output override bound to one event format: field offsets are resolved once, by
/// ``EventPlugins/bind(_:byteOrder:longSize:formatNamed:)``, then ``write(_:payload:lookahead:into:environment:)``
/// formats records of that event.
///
/// Bound plugins may keep state between records (the function plugin's per-CPU call
/// indentation), so use one instance per event id and file.
@_spi(Engine) public protocol EventPlugin: AnyObject {
    /// Appends the event's text (what `trace-cmd report` prints after `name: `) for
    /// `record` to `out`. Never traps: a record too short for a field is handled like a
    /// field the reference cannot read.
    ///
    /// - Parameters:
    ///   - payload: the record's data, starting at `common_type`.
    ///   - lookahead: for plugins with ``needsLookahead``: the payload of the record the
    ///     report would read next — the earliest next unread record over all CPUs of the same
    ///     buffer (lowest CPU on equal timestamps), as `tracecmd_peek_next_data` returns it.
    func write(_ record: PluginRecord, payload: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome

    /// Whether the plugin wants the `lookahead` record (only the function graph
    /// entry plugin does).
    var needsLookahead: Bool { get }

    /// Whether a record's text depends only on the record and on the comms registered
    /// through ``registerComms(_:payload:environment:)``, not on the records printed before it.
    /// Such records may be printed out of order, on other threads, by other copies of the
    /// plugin (the function plugin's call indentation and the function graph are not).
    var isStateless: Bool { get }

    /// Registers in `environment.comms` what ``write(_:payload:lookahead:into:environment:)`` would register
    /// for `record`, without writing anything: a report that prints records on other threads
    /// calls this in record order, then prints with an environment without comms.
    func registerComms(_ record: PluginRecord, payload: RawSpan, environment: PluginEnvironment)
}

extension EventPlugin {
    /// Most plugins need no lookahead.
    @_spi(Engine) public var needsLookahead: Bool { false }
    /// Most plugins print each record from its own data.
    @_spi(Engine) public var isStateless: Bool { true }
    /// Most plugins register no comms.
    @_spi(Engine) public func registerComms(_ record: PluginRecord, payload: RawSpan, environment: PluginEnvironment) {}
}

/// Options of the plugins (`trace-cmd report -O plugin:option`), with the reference's
/// defaults.
@_spi(Engine) public struct PluginOptions: Sendable, Hashable {
    /// `ftrace:parent`: print ` <-- parent` after a function event's function.
    @_spi(Engine) public var functionParent = false
    /// `ftrace:indent`: indent function events by their call nesting, per CPU.
    @_spi(Engine) public var functionIndent = true
    /// `ftrace:offset`: print `+0xoff ` after function names in function and stack events.
    @_spi(Engine) public var functionOffset = false
    /// `fgraph:tailprint`: print `/* function */` after a function graph return's `}`.
    @_spi(Engine) public var graphTailPrint = false
    /// `fgraph:depth`: print ` (depth)` after function graph entries and returns.
    @_spi(Engine) public var graphDepth = false

    /// The reference's defaults: only `indent` set.
    @_spi(Engine) public init() {}
}
