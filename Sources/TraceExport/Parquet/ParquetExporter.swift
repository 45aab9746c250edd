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
        /// Rows per row group of an event file (at most 2^26).
        public var rowGroupRows: Int
        /// Bytes of buffered rows over all event files before the largest are written (at
        /// most 1 GiB).
        public var memoryBudget: Int
        /// Whether row groups are compressed and written on a second thread, beside the
        /// reading (at most four row groups in flight).
        public var backgroundWriting: Bool

        /// Options; the defaults suit traces of any size.
        public init(compression: ParquetCompression = .zstd(level: 1), rowGroupRows: Int = 1 << 20,
                    memoryBudget: Int = 32 << 20, backgroundWriting: Bool = true) {
            self.backgroundWriting = backgroundWriting
            self.compression = compression
            // Page sizes and value counts are 32-bit in Parquet: a column chunk stays well below
            // 2 GiB (the budget is checked every 65536 events, of at most a page each).
            self.rowGroupRows = min(max(1, rowGroupRows), 1 << 26)
            self.memoryBudget = min(max(1 << 16, memoryBudget), 1 << 30)
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
    ///   - session: the files to export (a host and its guests, or one file).
    ///   - directory: the output directory.
    ///   - selection: which events (peers, CPUs, names, filters, a time window).
    ///   - progress: called now and then with how far the export has gone (from this thread).
    /// - Throws: ``TableExportError``: a file that cannot be written, a selection that
    ///   cannot be read (a bad filter, an unknown event name).
    @discardableResult
    public func export(_ session: TraceSession, to directory: String, selection: EventSelection = .init(),
                       progress: (@Sendable (ExportProgress) -> Void)? = nil) throws(TableExportError) -> TableExportSummary {
        do { try OutputFile.makeDirectory(directory) } catch { throw TableExportError(error) }
        var run = try ParquetExportRun(session: session, directory: directory, options: options)
        var tracker = ExportProgressTracker(session: session, selection: selection, callback: progress)
        do {
            let errors = try session.forEachEvent(selection) { e in
                try run.append(e)
                tracker.advance(timestamp: e.timestamp)
            }
            run.summary.readErrors = errors
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
        do { try OutputFile.makeDirectory(directory) } catch { throw TableExportError(error) }
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
                    case .text(let s): c.append(text: s)
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
///
/// A value the export keeps in a local variable, so its per-event lookups (a flat table of
/// binding indices per peer and event id, each binding a table and a field reader) are read
/// without dynamic exclusivity checks; the row is then written by a method of its table that
/// neither allocates nor releases, so the optimizer needs no reference counting around it.
struct ParquetExportRun {
    /// One output file: its writer and its columns (`let` references the per-event path
    /// writes through), and the field sink of its rows.
    final class Table: FieldSink {
        let writer: ParquetFileWriter
        let event: String
        let name: String
        let ts: ParquetColumnBuffer, cpu: ParquetColumnBuffer
        let pid: ParquetColumnBuffer, peer: ParquetColumnBuffer
        /// The field columns (``writer`` holds them too).
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

        /// Appends one row: the common values read from the event beforehand, the fields read
        /// from `payload` by `reader`; returns whether the row group is full. Allocates and
        /// releases nothing, so the caller's borrows of the table and the reader need no
        /// reference counting.
        @inline(__always)
        func append(ts time: UInt64, cpu: Int, pid: Int32, peer: Int, payload: RawSpan, reader: EventFieldReader,
                    rowGroupRows: UInt64) -> Bool {
            if time < lastTimestamp { writer.groupSorted = false }
            lastTimestamp = time
            ts.append(Int64(bitPattern: time))
            self.cpu.append(Int64(cpu))
            self.pid.append(Int64(pid))
            self.peer.append(Int64(peer))
            reader.decode(payload, into: self)
            writer.endRow()
            rows &+= 1
            return rows % rowGroupRows == 0
        }

        // The field sink: one row's fields into the field columns.
        @inline(__always) func integer(_ column: Int, _ v: Int64) { fields[column].append(v) }
        @inline(__always) func bytes(_ column: Int, _ b: RawSpan) { fields[column].append(bytes: b) }
        @inline(__always) func null(_ column: Int) { fields[column].appendNull() }
        @inline(__always) func beginList(_ column: Int) { fields[column].beginList() }
        @inline(__always) func element(_ column: Int, _ v: Int64) { fields[column].appendElement(v) }
        @inline(__always) func endList(_ column: Int) { fields[column].endList() }
    }

    /// Where one file's event type goes: its table and its field reader.
    struct Binding {
        let table: Table
        let reader: EventFieldReader
    }

    /// Event ids below this are found in a flat table; others in a dictionary.
    static let denseIDs = 1 << 16

    let session: TraceSession
    let directory: String
    let options: ParquetExporter.Options
    let compressor: ZstdCompressor?
    let metadata: [(String, String)]
    let scratch = ParquetFileWriter.PageScratch()
    /// Compresses and writes row groups beside the reading (nil: on the reading thread).
    let background: BackgroundPageWriter?
    var tables: [Table] = []
    var tableByLayout: [EventTableLayout: Int] = [:]
    var usedNames: Set<String> = []
    /// The bindings (grown as types are met).
    private var bindings: [Binding] = []
    /// Per peer, per event id below ``denseIDs``: index in ``bindings`` + 1 (0: not yet
    /// seen, -1: no format).
    private var slots: [Int32]
    private var sparseSlots: [Int: Int32] = [:]
    var summary = TableExportSummary()
    private var events = 0
    private var nextBudgetCheck = 1 << 16
    private let rowGroupRows: UInt64

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
        background = options.backgroundWriting ? BackgroundPageWriter() : nil
        slots = Array(repeating: 0, count: max(1, session.peers.count) * Self.denseIDs)
        rowGroupRows = UInt64(options.rowGroupRows)
    }

    @inline(__always)
    mutating func append(_ e: borrowing EventView) throws(TableExportError) {
        let peer = e.peer
        guard let id = e.id else { summary.unknownEvents += 1; return }
        var slot: Int32
        if id >= 0 && id < Self.denseIDs && peer >= 0 && peer < session.peers.count {
            slot = slots[peer &* Self.denseIDs &+ id]
        } else {
            slot = sparseSlots[peer << 32 | (id & 0xffff_ffff)] ?? 0
        }
        if slot == 0 { slot = try bind(peer: peer, id: id, type: e.type) }
        guard slot > 0 else { summary.unknownEvents += 1; return }
        // Everything read from the event first; the binding is then read where the row is
        // written, so nothing opaque runs while it is held (no reference counting).
        let ts = e.timestamp
        let cpu = e.cpu
        let pid = e.pid
        let index = Int(slot) &- 1
        let full = e.withBytes { payload in
            let b = bindings[index]
            return b.table.append(ts: ts, cpu: cpu, pid: pid, peer: peer, payload: payload, reader: b.reader,
                                  rowGroupRows: rowGroupRows)
        }
        if full { try bindings[index].table.writer.flushRowGroup() }
        events &+= 1
        if events >= nextBudgetCheck {
            nextBudgetCheck = events + (1 << 16)
            try keepWithinBudget()
        }
    }

    /// Writes the largest buffered row groups until the buffers fit half the budget.
    private mutating func keepWithinBudget() throws(TableExportError) {
        var sizes = tables.indices.map { (i: $0, bytes: tables[$0].writer.bufferedBytes) }
        var total = sizes.reduce(0) { $0 + $1.bytes }
        guard total > options.memoryBudget else { return }
        sizes.sort { $0.bytes > $1.bytes }
        for s in sizes where total > options.memoryBudget / 2 {
            try tables[s.i].writer.flushRowGroup()
            total -= s.bytes
        }
    }

    private mutating func setSlot(peer: Int, id: Int, _ v: Int32) {
        if id >= 0 && id < Self.denseIDs && peer >= 0 && peer < session.peers.count {
            slots[peer * Self.denseIDs + id] = v
        } else {
            sparseSlots[peer << 32 | (id & 0xffff_ffff)] = v
        }
    }

    private mutating func bind(peer: Int, id: Int, type: EventType?) throws(TableExportError) -> Int32 {
        guard let type else { setSlot(peer: peer, id: id, -1); return -1 }
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
                compression: options.compression, compressor: compressor, sortColumn: 0, scratch: scratch,
                background: background)
            table = tables.count
            tables.append(Table(writer: w, event: event, name: name + ".parquet"))
            tableByLayout[layout] = table
        }
        bindings.append(Binding(table: tables[table], reader: EventFieldReader(type: type)))
        let slot = Int32(bindings.count)
        setSlot(peer: peer, id: id, slot)
        return slot
    }

    /// A file name made of the event's name (letters, digits, `_`, `-`, `.` kept).
    static func fileName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// Closes every file.
    mutating func finish() throws(TableExportError) {
        summary.events = UInt64(events)
        try background?.drain()
        for t in tables {
            try t.writer.close()
            summary.tables.append(.init(event: t.event, name: t.name, rows: t.rows))
        }
    }
}
