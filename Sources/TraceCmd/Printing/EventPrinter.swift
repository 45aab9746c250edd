@_spi(Engine) import TraceEvent
import Dispatch
/// Everything needed to print the events of one trace file like `trace-cmd report`: the
/// file's event formats, their compiled print formats and output plugins (both prepared on
/// first use of each event), kernel symbols, printk formats and the comm table.
@_spi(Engine) public final class EventPrinter {
    /// How event text is produced.
    @_spi(Engine) public struct Options: Sendable {
        /// `-R`: print every field as `name=value` instead of the print format.
        @_spi(Engine) public var raw = false
        /// Output plugins in effect (`EventPlugins.none` for `-N`).
        @_spi(Engine) public var plugins: EventPlugins = .standard
        /// Whether setting up may use other threads (event formats parsed on all cores,
        /// kallsyms parsed in the background); otherwise all of it runs on the calling thread.
        @_spi(Engine) public var concurrent = true
        /// Whether the kallsyms table starts parsing in the background right away (when
        /// ``concurrent``), for a caller that prints symbols soon (the report); otherwise it
        /// is parsed on first use (the event API, whose callers may never ask for text).
        @_spi(Engine) public var symbolsAhead = true

        @_spi(Engine) public init(raw: Bool = false, plugins: EventPlugins = .standard, concurrent: Bool = true,
                                  symbolsAhead: Bool = true) {
            self.raw = raw
            self.plugins = plugins
            self.concurrent = concurrent
            self.symbolsAhead = symbolsAhead
        }
    }

    /// The file whose events are printed.
    @_spi(Engine) public let file: TraceFile
    /// All event formats of the file.
    package let registry: EventRegistry
    /// The file's kernel symbols (parsed in the background from the printer's creation; this
    /// waits for them).
    @_spi(Engine) public var symbols: KallsymsTable { kallsyms.table }
    /// The file's kernel symbols, for lookups that need not wait before their first use.
    @_spi(Engine) public let kallsyms: LazyKallsymsTable
    /// pid → comm, as the report shows it.
    @_spi(Engine) public let comms: CommTable
    /// Printing options.
    @_spi(Engine) public let options: Options
    /// Formats that could not be parsed (the reference skips them too).
    package private(set) var formatErrors: [EventFormatError] = []

    let context: PrintFormatContext
    /// What printing one event needs, prepared on first use of the event.
    final class EventSlot {
        let format: CompiledPrintFormat
        let plugin: (any EventPlugin)?
        /// The report's event column: `name:` padded with spaces to 22 columns (at least one
        /// space), written with one copy per line.
        let nameColumn: [UInt8]
        /// See ``EventPrinter/isStateless(eventAt:)``.
        let stateless: Bool
        /// Whether the event prints its raw fields (`-R`, or `-r` naming it).
        let printRaw: Bool

        init(format: CompiledPrintFormat, plugin: (any EventPlugin)?, name: String, raw: Bool) {
            self.format = format
            self.plugin = plugin
            printRaw = raw
            var column = Array(name.utf8)
            column.append(0x3a)
            column.append(contentsOf: repeatElement(0x20, count: max(22 - column.count, 1)))
            nameColumn = column
            // A plugin may also append the print format's text: both must be stateless.
            stateless = !raw && format.isStateless && (plugin?.isStateless ?? true)
        }
    }

    /// Per event index: its slot, made on first use, read per record without reference
    /// counting. Single-threaded by contract.
    private let slots: ObjectTable<EventSlot>
    private let slotCount: Int
    /// Environment handed to plugins.
    @_spi(Engine) public let environment: PluginEnvironment
    /// Event indices printed as raw fields (`-r`) and without their plugin (`-n`); set by
    /// ``setEventFlags(printRaw:noHandler:)`` before the first record is printed.
    private var rawEvents: Set<Int> = []
    private var noHandlerEvents: Set<Int> = []

    /// `trace-cmd report -r` / `-n`: the events at these indices (of ``registry``) print
    /// their raw fields instead of their print format, or skip their output plugin. Call it
    /// before printing any record (events already prepared keep their setting).
    @_spi(Engine) public func setEventFlags(printRaw: Set<Int>, noHandler: Set<Int>) {
        rawEvents = printRaw
        noHandlerEvents = noHandler
    }

    /// Prepares printing for `file`; `session` is shared plugin state for a whole report.
    @_spi(Engine) public init(file: TraceFile, options: Options = Options(), session: PluginSession? = nil) throws(TraceFileError) {
        self.file = file
        self.options = options
        // Start-up work runs on all cores (unless `options.concurrent` is off): reading the
        // kallsyms text and the event formats in slices, at the same time; the formats are then
        // registered in file order.
        var jobs: [(text: String, system: String)] = file.ftraceFormats.map { ($0, "ftrace") }
        for sys in file.eventFormats { for text in sys.formats { jobs.append((text, sys.system)) } }
        let results = StartupResults()
        let concurrent = options.concurrent && ProcessInfoCores.active > 1
        let symbolsAhead = concurrent && options.symbolsAhead
        let slices = jobs.count < 64 || !concurrent ? 1 : max(1, min(ProcessInfoCores.active * 2, 8))
        let sliceSize = (jobs.count + slices - 1) / max(slices, 1)
        let allJobs = jobs
        @Sendable func work(_ k: Int) {
            if k == 0 {
                // First: reading the text is the longest job (decompressing it, in a v7
                // file), and the table starts parsing on another thread as soon as it is
                // read, while the formats may still be parsing. Lookups wait for it; the
                // report's first symbols come that much sooner.
                let table: Result<LazyKallsymsTable, TraceFileError>
                do throws(TraceFileError) {
                    table = .success(LazyKallsymsTable(text: try file.kallsymsText(), background: symbolsAhead))
                } catch {
                    table = .failure(error)
                }
                results.lock.withLock { results.kallsyms = table }
                return
            }
            let lo = min(allJobs.count, (k - 1) * sliceSize), hi = min(allJobs.count, lo + sliceSize)
            var out: [Result<EventFormat, EventFormatError>] = []
            out.reserveCapacity(hi - lo)
            for job in allJobs[lo..<hi] {
                do throws(EventFormatError) {
                    out.append(.success(try EventFormat(parsing: job.text, system: job.system)))
                } catch {
                    out.append(.failure(error))
                }
            }
            results.lock.withLock { results.slices[k] = out }
        }
        if concurrent {
            DispatchQueue.concurrentPerform(iterations: slices + 1) { work($0) }
        } else {
            for k in 0...slices { work(k) }
        }
        var reg = EventRegistry(byteOrder: file.byteOrder, longSize: file.longSize)
        var errors: [EventFormatError] = []
        let (parsedSlices, kallsymsTable) = results.lock.withLock { (results.slices, results.kallsyms) }
        for k in 0...slices {
            for r in parsedSlices[k] ?? [] {
                switch r {
                case .success(let f): reg.add(f)
                case .failure(let e): errors.append(e)
                }
            }
        }
        registry = reg
        formatErrors = errors
        // Parsing on another thread since its text was read (lookups wait for it), or on first
        // use.
        kallsyms = try kallsymsTable.get()
        let pk = try file.printkText()
        let printk = PrintkFormats(parsing: pk)
        var pkMap: [UInt64: String] = [:]
        for e in printk.entries { pkMap[e.address] = e.format }
        let cl = try file.savedCmdlinesText()
        comms = CommTable(SavedCmdlines(parsing: cl))
        let resolver = SharedSymbolResolver(kallsyms) // caches answers in front of the table's lock
        context = PrintFormatContext(byteOrder: file.byteOrder, longSize: file.longSize, symbols: resolver,
                                     printkStrings: pkMap)
        slotCount = reg.formats.count
        slots = ObjectTable(count: slotCount)
        environment = PluginEnvironment(symbols: resolver, comms: comms, session: session)
    }

    /// A printer for another thread: it shares `other`'s file, parsed formats (values) and
    /// kernel symbols (``LazyKallsymsTable`` is thread-safe) but compiles formats, binds
    /// plugins and caches symbol lookups into its own state. Its comm table is its own and
    /// empty, and its plugins register no comms: the caller shows the comms that `other`
    /// settles, in record order, with `prepareForWorker(eventAt:payload:cpu:)`. Only
    /// events for which ``isStateless(eventAt:)`` holds may be printed with it.
    ///
    /// The copy shares no mutable object with `other`: it may be handed to another thread
    /// (and used by one thread at a time, like every printer).
    @_spi(Engine) public init(workerCopyOf other: EventPrinter) {
        file = other.file
        options = other.options
        registry = other.registry
        formatErrors = other.formatErrors
        kallsyms = other.kallsyms
        comms = CommTable(SavedCmdlines())
        // Its own symbol lookup cache (the resolver is per thread).
        var ctx = other.context
        var resolver: (any SymbolResolver)? = ctx.symbols
        if let shared = ctx.symbols as? SharedSymbolResolver { resolver = SharedSymbolResolver(sharing: shared) }
        ctx.symbols = resolver
        context = ctx
        slotCount = other.slotCount
        slots = ObjectTable(count: slotCount)
        rawEvents = other.rawEvents
        noHandlerEvents = other.noHandlerEvents
        let env = other.environment.copy()
        env.symbols = resolver
        env.comms = nil
        env.session = PluginSession()
        environment = env
    }

    /// Whether the text of a record of the event at `index` depends only on the record (and
    /// on comms registered in order): true unless its plugin keeps state from record to
    /// record (function, function graph) or its print format is one the reference renders
    /// statefully. Binds the event's format and plugin on first use.
    @inline(__always)
    @_spi(Engine) public func isStateless(eventAt index: Int) -> Bool {
        withSlot(index) { $0.stateless }
    }

    /// Whether `prepareForWorker(eventAt:payload:cpu:)` can register comms for records of
    /// the event at `index` (a stateless event with an output plugin).
    @_spi(Engine) public func registersComms(eventAt index: Int) -> Bool {
        withSlot(index) { $0.stateless && $0.plugin != nil }
    }

    /// Calls `body` with the slot of the event at `index` (made on first use), without
    /// reference counting.
    @inline(__always)
    func withSlot<R>(_ index: Int, _ body: (EventSlot) -> R) -> R {
        slots.with(index, orMake: { makeSlot(index) }, body)
    }

    @inline(never)
    private func makeSlot(_ index: Int) -> EventSlot {
        let format = CompiledPrintFormat(event: registry.formats[index], context: context)
        let reg = registry
        let plugin = noHandlerEvents.contains(index) ? nil
            : options.plugins.bind(reg.formats[index], byteOrder: file.byteOrder, longSize: file.longSize,
                                   formatNamed: { reg.format(system: $0, name: $1) })
        return EventSlot(format: format, plugin: plugin, name: reg.formats[index].name,
                         raw: options.raw || rawEvents.contains(index))
    }

    /// For a record to be printed elsewhere (by a ``init(workerCopyOf:)`` printer): when the
    /// event ``isStateless(eventAt:)``, registers the comms that printing the record would
    /// register (the sched plugin's) and returns true. Returns false, registering nothing,
    /// when the record must be printed by this printer, in order.
    @inline(__always)
    package func prepareForWorker(eventAt index: Int, payload: RawBytes, cpu: Int) -> Bool {
        withSlot(index) { s in
            guard s.stateless else { return false }
            // Through the optional, in place: no copy (and reference counting) of the plugin.
            if s.plugin != nil {
                payload.withSpan { s.plugin?.registerComms(PluginRecord(cpu: cpu), payload: $0, environment: self.environment) }
            }
            return true
        }
    }

    /// The index of the record's event in ``registry``, or `nil` when unknown.
    @inline(__always)
    package func eventIndex(of payload: RawBytes) -> Int? {
        let layout = registry.commonLayout, order = file.byteOrder
        guard let id = payload.withSpan({ layout.eventID(in: $0, order: order) }) else { return nil }
        return registry.index(ofID: id)
    }

    /// The common pid of a record.
    @inline(__always)
    package func pid(of payload: RawBytes) -> Int32 {
        let layout = registry.commonLayout, order = file.byteOrder
        return payload.withSpan { layout.pid(in: $0, order: order) } ?? 0
    }

    /// The compiled print format of the event at `index`.
    @_spi(Engine) public func printFormat(ofEventAt index: Int) -> CompiledPrintFormat {
        withSlot(index) { $0.format }
    }

    func plugin(ofEventAt index: Int) -> (any EventPlugin)? {
        withSlot(index) { $0.plugin }
    }

    /// Appends `name: ` padded to 20 columns (the report's event column), then the event
    /// text, as `writeInfo(eventIndex:payload:pageRest:cpu:timestamp:into:)`.
    @inline(__always)
    package func writeNameAndInfo(eventIndex index: Int, payload: RawBytes,
                    pageRest: RawBytes? = nil, cpu: Int, timestamp: UInt64,
                    into out: inout TextBuffer) {
        withSlot(index) { s in
            out.append(contentsOf: s.nameColumn)
            write(slot: s, payload: payload, pageRest: pageRest, cpu: cpu, timestamp: timestamp, into: &out)
        }
    }

    @inline(__always)
    private func write(slot s: EventSlot, payload: RawBytes, pageRest: RawBytes?,
                       cpu: Int, timestamp: UInt64, into out: inout TextBuffer) {
        if s.printRaw {
            let raw = pageRest ?? payload
            raw.withSpan { s.format.renderRawFields(payload: $0, into: &out) }
            return
        }
        if let p = s.plugin {
            let rec = PluginRecord(cpu: cpu, timestamp: timestamp)
            let environment = self.environment
            let result = payload.withSpan { p.write(rec, payload: $0, lookahead: nil, into: &out, environment: environment) }
            switch result {
            case .done, .doneConsumingLookahead: return
            case .appendDefault: break
            }
        }
        payload.withSpan { s.format.render(payload: $0, into: &out) }
    }

    /// Appends the event text of a record (what follows `name: ` in a report line).
    ///
    /// - Parameter pageRest: the payload followed by the rest of its page. libtraceevent's
    ///   raw field printer (`-R`) reads fixed-size fields in place even where they run past
    ///   the record's end; this is what it then reads.
    package func writeInfo(eventIndex index: Int, payload: RawBytes, pageRest: RawBytes? = nil,
             cpu: Int, timestamp: UInt64, into out: inout TextBuffer) {
        withSlot(index) { write(slot: $0, payload: payload, pageRest: pageRest, cpu: cpu, timestamp: timestamp, into: &out) }
    }

    /// Whether the file's common fields include `name` (e.g. `common_migrate_disable`).
    @_spi(Engine) public func hasCommonField(_ name: String) -> FormatField? {
        registry.commonFields.first { $0.name == name }
    }
}

/// What the start-up jobs of an ``EventPrinter`` produce on their threads: each slice of
/// parsed formats and the kernel symbol table, stored under ``lock``.
///
/// `@unchecked Sendable`: every stored property is read and written under ``lock`` only.
private final class StartupResults: @unchecked Sendable {
    let lock = Lock()
    /// Per slice (1 ...), its formats in file order.
    var slices: [Int: [Result<EventFormat, EventFormatError>]] = [:]
    var kallsyms: Result<LazyKallsymsTable, TraceFileError> = .success(LazyKallsymsTable(KallsymsTable()))
}
