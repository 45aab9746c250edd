/// Everything needed to print the events of one trace file like `trace-cmd report`: the
/// file's event formats, their compiled print formats and output plugins (both prepared on
/// first use of each event), kernel symbols, printk formats and the comm table.
public final class EventPrinter {
    /// How event text is produced.
    public struct Options: Sendable {
        /// `-R`: print every field as `name=value` instead of the print format.
        public var raw = false
        /// Output plugins in effect (`EventPlugins.none` for `-N`).
        public var plugins: EventPlugins = .standard

        public init(raw: Bool = false, plugins: EventPlugins = .standard) {
            self.raw = raw
            self.plugins = plugins
        }
    }

    /// The file whose events are printed.
    public let file: TraceFile
    /// All event formats of the file.
    @exclusivity(unchecked) public private(set) var registry: EventRegistry
    /// The file's kernel symbols.
    public let symbols: KallsymsTable
    /// pid → comm, as the report shows it.
    public let comms: CommTable
    /// Printing options.
    public let options: Options
    /// Formats that could not be parsed (the reference skips them too).
    public private(set) var formatErrors: [EventFormatError] = []

    let context: PrintFormatContext
    // Single-threaded by contract: no dynamic exclusivity checks on these per-record lookups.
    @exclusivity(unchecked) private var compiled: [CompiledPrintFormat?]
    @exclusivity(unchecked) private var plugins: [(any EventPlugin)?]
    @exclusivity(unchecked) private var pluginBound: [Bool]
    @exclusivity(unchecked) private var nameBytes: [[UInt8]]
    /// Environment handed to plugins.
    @exclusivity(unchecked) public var environment: PluginEnvironment

    /// Prepares printing for `file`; `session` is shared plugin state for a whole report.
    public init(file: TraceFile, options: Options = Options(), session: PluginSession? = nil) throws(TraceFileError) {
        self.file = file
        self.options = options
        var reg = EventRegistry(byteOrder: file.byteOrder, longSize: file.longSize)
        var errors: [EventFormatError] = []
        for text in file.ftraceFormats {
            do { _ = try reg.add(parsing: text, system: "ftrace") } catch { errors.append(error) }
        }
        for sys in file.eventFormats {
            for text in sys.formats {
                do { _ = try reg.add(parsing: text, system: sys.system) } catch { errors.append(error) }
            }
        }
        registry = reg
        formatErrors = errors
        let ks = try file.kallsymsText()
        symbols = ks.withUnsafeBytes { KallsymsTable(parsing: $0) }
        let pk = try file.printkText()
        let printk = pk.withUnsafeBytes { PrintkFormats(parsing: $0) }
        var pkMap: [UInt64: String] = [:]
        for e in printk.entries { pkMap[e.address] = e.format }
        let cl = try file.savedCmdlinesText()
        comms = CommTable(cl.withUnsafeBytes { SavedCmdlines(parsing: $0) })
        let resolver = SharedSymbolResolver(symbols) // one reference per lookup, not the table's arrays
        context = PrintFormatContext(byteOrder: file.byteOrder, longSize: file.longSize, symbols: resolver,
                                     printkStrings: pkMap)
        let n = reg.formats.count
        compiled = Array(repeating: nil, count: n)
        plugins = Array(repeating: nil, count: n)
        pluginBound = Array(repeating: false, count: n)
        nameBytes = reg.formats.map { Array($0.name.utf8) }
        environment = PluginEnvironment(symbols: resolver, comms: comms, session: session)
    }

    /// The index of the record's event in ``registry``, or `nil` when unknown.
    @inline(__always)
    public func eventIndex(of payload: UnsafeRawBufferPointer) -> Int? {
        guard let id = registry.commonLayout.eventID(in: payload, order: file.byteOrder) else { return nil }
        return registry.index(ofID: id)
    }

    /// The event's name as bytes.
    @inline(__always)
    public func nameBytes(ofEventAt index: Int) -> [UInt8] { nameBytes[index] }

    /// The common pid of a record.
    @inline(__always)
    public func pid(of payload: UnsafeRawBufferPointer) -> Int32 {
        registry.commonLayout.pid(in: payload, order: file.byteOrder) ?? 0
    }

    /// The compiled print format of the event at `index`.
    public func printFormat(ofEventAt index: Int) -> CompiledPrintFormat {
        if let c = compiled[index] { return c }
        let c = CompiledPrintFormat(event: registry.formats[index], context: context)
        compiled[index] = c
        return c
    }

    func plugin(ofEventAt index: Int) -> (any EventPlugin)? {
        if pluginBound[index] { return plugins[index] }
        pluginBound[index] = true
        let reg = registry
        let p = options.plugins.bind(reg.formats[index], byteOrder: file.byteOrder, longSize: file.longSize,
                                     formatNamed: { reg.format(system: $0, name: $1) })
        plugins[index] = p
        return p
    }

    /// Appends the event text of a record (what follows `name: ` in a report line).
    ///
    /// - Parameter pageRest: the payload followed by the rest of its page. libtraceevent's
    ///   raw field printer (`-R`) reads fixed-size fields in place even where they run past
    ///   the record's end; this is what it then reads.
    public func writeInfo(eventIndex index: Int, payload: UnsafeRawBufferPointer, pageRest: UnsafeRawBufferPointer? = nil,
                          cpu: Int, timestamp: UInt64, into out: inout TextBuffer) {
        let fmt = printFormat(ofEventAt: index)
        if options.raw {
            fmt.renderRawFields(payload: pageRest ?? payload, into: &out)
            return
        }
        if let p = plugin(ofEventAt: index) {
            let rec = PluginRecord(payload: payload, cpu: cpu, timestamp: timestamp)
            switch p.write(rec, into: &out, environment: environment) {
            case .done, .doneConsumingLookahead: return
            case .appendDefault: break
            }
        }
        fmt.render(payload: payload, into: &out)
    }

    /// Whether the file's common fields include `name` (e.g. `common_migrate_disable`).
    public func hasCommonField(_ name: String) -> FormatField? {
        registry.commonFields.first { $0.name == name }
    }
}
