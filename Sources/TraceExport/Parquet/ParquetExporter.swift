@_spi(Engine) import TraceCmd

/// Exports a session to Parquet in LISA's layout: a directory with one file per event type
/// (`sched_switch.parquet`: `common_ts` on the host clock, sorted, `common_cpu`,
/// `common_pid`, every format field, `peer`), and the session's tables in `session/`
/// (`peers`, `guests`, `vcpus`, `time_sync`).
///
/// Strings are UTF-8 columns, byte arrays binary, number arrays and cpumasks lists. Each
/// file's key-value metadata holds the event's format (`trace-cmd.format`), the host clock
/// (`trace-cmd.clock`), the host's trace ID (`trace-cmd.trace_id`) and the peers
/// (`trace-cmd.peers`, JSON).
///
/// Rows are streamed: each event type's rows are written as a row group every
/// ``Options/rowGroupRows`` rows, and the largest buffers are flushed when all of them
/// together pass ``Options/memoryBudget``, so memory does not grow with the trace.
///
/// ```swift
/// let session = try TraceSession.open(["trace.dat", "trace-guest1.vm.dat"])
/// let summary = try ParquetExporter().export(session, to: "out")
/// print(summary.events, "events in", summary.tables.count, "files")
/// ```
public struct ParquetExporter: Sendable {
    /// Settings of a Parquet export.
    public struct Options: Sendable, Hashable {
        /// Page compression (default zstd level 1).
        public var compression: ParquetCompression
        /// Rows per row group of an event file.
        public var rowGroupRows: Int
        /// Bytes of buffered rows over all event files before the largest are written.
        public var memoryBudget: Int

        /// Options; the defaults suit traces of any size.
        public init(compression: ParquetCompression = .zstd(level: 1), rowGroupRows: Int = 1 << 20,
                    memoryBudget: Int = 96 << 20) {
            self.compression = compression
            self.rowGroupRows = max(1, rowGroupRows)
            self.memoryBudget = max(1 << 16, memoryBudget)
        }
    }

    /// The export's settings.
    public var options: Options

    /// An exporter with `options`.
    public init(options: Options = Options()) { self.options = options }

    /// Writes the selected events of `session` and its tables into `directory` (created when
    /// missing; files of the same names are replaced).
    ///
    /// - Parameters:
    ///   - progress: called now and then with how far the export has gone (from this thread).
    /// - Throws: ``TableExportError``: a file that cannot be written, a selection that
    ///   cannot be read (a bad filter, an unknown event name).
    @discardableResult
    public func export(_ session: TraceSession, to directory: String, selection: EventSelection = .init(),
                       progress: (@Sendable (ExportProgress) -> Void)? = nil) throws(TableExportError) -> TableExportSummary {
        try OutputFile.makeDirectory(directory)
        let run = try ParquetExportRun(session: session, directory: directory, options: options)
        let span = progress == nil ? (first: UInt64(0), last: UInt64(0)) : SessionSpan.of(session, selection)
        var tracker = ExportProgressTracker(first: span.first, last: span.last, callback: progress)
        do {
            run.summary.readErrors = try session.forEachEvent(selection) { e in
                try run.append(e)
                tracker.advance(timestamp: e.timestamp)
            }
        } catch let error as TableExportError {
            throw error
        } catch {
            throw .read("\(error)")
        }
        try run.finish()
        try Self.writeSessionTables(session, directory: directory + "/session", compression: options.compression,
                                    compressor: run.compressor)
        tracker.finish()
        return run.summary
    }

    static func writeSessionTables(_ session: TraceSession, directory: String, compression: ParquetCompression,
                                   compressor: ZstdCompressor?) throws(TableExportError) {
        try OutputFile.makeDirectory(directory)
        let meta = SessionTables.metadata(session)
        for table in SessionTables.make(session) {
            let w = try ParquetFileWriter(path: directory + "/\(table.name).parquet", schema: table.columns,
                                          keyValues: meta + [("trace-cmd.table", table.name)],
                                          compression: compression, compressor: compressor)
            for row in table.rows {
                for (i, cell) in row.enumerated() {
                    let c = w.columns[i]
                    switch cell {
                    case .null: c.appendNull()
                    case .integer(let v): c.append(v)
                    case .text(var s): s.withUTF8 { c.append(bytes: UnsafeRawBufferPointer($0)) }
                    }
                }
                w.endRow()
            }
            try w.close()
        }
    }
}

/// The state of one Parquet export: an open file per event table, the binding of each
/// file's event ids to them.
final class ParquetExportRun {
    final class Table {
        let writer: ParquetFileWriter
        let event: String
        let name: String
        let ts: ParquetColumnBuffer, cpu: ParquetColumnBuffer, pid: ParquetColumnBuffer, peer: ParquetColumnBuffer
        let fields: [ParquetColumnBuffer]
        var lastTimestamp: UInt64 = 0
        var rows: UInt64 = 0

        init(writer: ParquetFileWriter, event: String, name: String) {
            self.writer = writer
            self.event = event
            self.name = name
            let c = writer.columns
            ts = c[0]; cpu = c[1]; pid = c[2]; peer = c[c.count - 1]
            fields = Array(c[EventTableLayout.leadingColumns..<(c.count - 1)])
        }
    }

    struct Binding {
        let table: Int
        let reader: EventFieldReader
    }

    /// Writes one row's fields into the field columns.
    struct Sink: FieldSink {
        let columns: UnsafeBufferPointer<Unmanaged<ParquetColumnBuffer>>
        @inline(__always) func c(_ i: Int) -> ParquetColumnBuffer { columns[i].takeUnretainedValue() }
        @inline(__always) mutating func integer(_ column: Int, _ v: Int64) { c(column).append(v) }
        @inline(__always) mutating func bytes(_ column: Int, _ b: UnsafeRawBufferPointer) { c(column).append(bytes: b) }
        @inline(__always) mutating func null(_ column: Int) { c(column).appendNull() }
        @inline(__always) mutating func beginList(_ column: Int) { c(column).beginList() }
        @inline(__always) mutating func element(_ column: Int, _ v: Int64) { c(column).appendElement(v) }
        @inline(__always) mutating func endList(_ column: Int) { c(column).endList() }
    }

    let session: TraceSession
    let directory: String
    let options: ParquetExporter.Options
    let compressor: ZstdCompressor?
    let metadata: [(String, String)]
    var tables: [Table] = []
    /// Per table, its field columns unretained (the tables keep them).
    var fieldRefs: [[Unmanaged<ParquetColumnBuffer>]] = []
    var tableByLayout: [EventTableLayout: Int] = [:]
    var usedNames: Set<String> = []
    var bindings: [Binding] = []
    /// Per peer, per event id: index in ``bindings`` (-1 not yet seen, -2 no format).
    var slots: [[Int32]]
    var summary = TableExportSummary()
    private var sinceBudgetCheck = 0

    init(session: TraceSession, directory: String, options: ParquetExporter.Options) throws(TableExportError) {
        self.session = session
        self.directory = directory
        self.options = options
        if case .zstd(let level) = options.compression {
            compressor = try ZstdCompressor(level: Int32(clamping: level))
        } else {
            compressor = nil
        }
        metadata = SessionTables.metadata(session)
        slots = Array(repeating: [], count: session.peers.count)
    }

    @inline(__always)
    func append(_ e: borrowing EventView) throws(TableExportError) {
        let peer = e.peer
        guard let id = e.id else { summary.unknownEvents += 1; return }
        var slot: Int32 = -1
        if peer < slots.count, id >= 0, id < slots[peer].count { slot = slots[peer][id] }
        if slot == -1 { slot = try bind(peer: peer, id: id, type: e.type) }
        guard slot >= 0 else { summary.unknownEvents += 1; return }
        let b = bindings[Int(slot)]
        let t = tables[b.table]
        let ts = e.timestamp
        if ts < t.lastTimestamp { t.writer.groupSorted = false }
        t.lastTimestamp = ts
        t.ts.append(Int64(bitPattern: ts))
        t.cpu.append(Int64(e.cpu))
        t.pid.append(Int64(e.pid))
        t.peer.append(Int64(peer))
        fieldRefs[b.table].withUnsafeBufferPointer { refs in
            var sink = Sink(columns: refs)
            e.withBytes { span in span.withUnsafeBytes { b.reader.decode($0, into: &sink) } }
        }
        t.writer.endRow()
        t.rows += 1
        summary.events += 1
        if t.writer.rows >= options.rowGroupRows { try t.writer.flushRowGroup() }
        sinceBudgetCheck += 1
        if sinceBudgetCheck >= 8192 {
            sinceBudgetCheck = 0
            try keepWithinBudget()
        }
    }

    /// Writes the largest buffered row groups until the buffers fit half the budget.
    private func keepWithinBudget() throws(TableExportError) {
        var sizes = tables.indices.map { (i: $0, bytes: tables[$0].writer.bufferedBytes) }
        var total = sizes.reduce(0) { $0 + $1.bytes }
        guard total > options.memoryBudget else { return }
        sizes.sort { $0.bytes > $1.bytes }
        for s in sizes where total > options.memoryBudget / 2 {
            try tables[s.i].writer.flushRowGroup()
            total -= s.bytes
        }
    }

    private func bind(peer: Int, id: Int, type: EventType?) throws(TableExportError) -> Int32 {
        guard id >= 0, id < 1 << 20 else { return -2 }
        if slots[peer].count <= id { slots[peer] += Array(repeating: -1, count: id + 1 - slots[peer].count) }
        guard let type else { slots[peer][id] = -2; return -2 }
        let layout = EventTableLayout(type: type)
        let table: Int
        if let t = tableByLayout[layout] {
            table = t
        } else {
            var name = Self.fileName(layout.name)
            if usedNames.contains(name) { name = Self.fileName(layout.system + "." + layout.name) }
            var k = 2
            while usedNames.contains(name) { name = Self.fileName(layout.system + "." + layout.name + ".\(k)"); k += 1 }
            usedNames.insert(name)
            let event = type.description
            let w = try ParquetFileWriter(
                path: directory + "/" + name + ".parquet", schema: layout.columns,
                keyValues: [("trace-cmd.event", event), ("trace-cmd.format", EventTableLayout.formatText(of: type))] + metadata,
                compression: options.compression, compressor: compressor, sortColumn: 0)
            table = tables.count
            let t = Table(writer: w, event: event, name: name + ".parquet")
            tables.append(t)
            fieldRefs.append(t.fields.map { Unmanaged.passUnretained($0) })
            tableByLayout[layout] = table
        }
        bindings.append(Binding(table: table, reader: EventFieldReader(type: type)))
        let slot = Int32(bindings.count - 1)
        slots[peer][id] = slot
        return slot
    }

    /// A file name made of the event's name (letters, digits, `_`, `-`, `.` kept).
    static func fileName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// Closes every file.
    func finish() throws(TableExportError) {
        for t in tables {
            try t.writer.close()
            summary.tables.append(.init(event: t.event, name: t.name, rows: t.rows))
        }
    }
}
