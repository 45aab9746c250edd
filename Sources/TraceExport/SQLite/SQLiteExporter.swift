@_spi(Engine) import TraceCmd

/// Exports a session to one SQLite database: a table per event type with the columns of
/// the Parquet files (`common_ts` on the host clock, `common_cpu`, `common_pid`, every
/// format field, `peer`), the session tables (`peers`, `guests`, `vcpus`, `time_sync`),
/// indexes by time (`common_ts`) and by peer and CPU (`peer, common_cpu, common_ts`), and
/// two views:
///
/// - `events`: every event (`event`, `common_ts`, `common_cpu`, `common_pid`, `peer`);
/// - `guest_events`: the guests' events with their VCPU's host task (`host_pid`, null when
///   the host did not know it) and guest name, joined through `vcpus`.
///
/// Numbers are SQLite integers: an unsigned 64-bit value above 2^63 (a pointer) is stored
/// as its two's-complement bit pattern (`printf('%x', col)` prints it in hex). Strings are
/// TEXT, byte arrays BLOBs, number arrays and cpumasks JSON arrays (`json_each`).
/// `export_tables` lists the event tables (event, format, rows) and `export_columns` their
/// columns; `metadata` holds the host clock, trace ID and peers.
///
/// ```swift
/// let session = try TraceSession.open(["trace.dat", "trace-guest1.vm.dat"])
/// try SQLiteExporter().export(session, to: "trace.sqlite")
/// ```
public struct SQLiteExporter: Sendable {
    /// An exporter.
    public init() {}

    /// Names the session tables take; an event of the same name gets `system_name`.
    static let reserved: Set<String> = ["peers", "guests", "vcpus", "time_sync", "events", "guest_events",
                                        "export_tables", "export_columns", "metadata"]

    /// Writes the selected events of `session` to a new database at `path` (an existing file
    /// there is replaced).
    ///
    /// - Parameters:
    ///   - session: the files to export (a host and its guests, or one file).
    ///   - path: the database file.
    ///   - selection: which events (peers, CPUs, names, filters, a time window).
    ///   - progress: called now and then with how far the export has gone (from this thread).
    /// - Throws: ``TableExportError``: the database cannot be written, or the selection cannot
    ///   be read (a bad filter, an unknown event name).
    @discardableResult
    public func export(_ session: TraceSession, to path: String, selection: EventSelection = .init(),
                       progress: (@Sendable (ExportProgress) -> Void)? = nil) throws(TableExportError) -> TableExportSummary {
        do { try OutputFile.remove(path) } catch { throw TableExportError(error) }
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; "
                       + "PRAGMA page_size = 16384; PRAGMA cache_size = -65536; BEGIN;")
        let run = SQLiteExportRun(database: db, session: session)
        var tracker = ExportProgressTracker(session: session, selection: selection, callback: progress)
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
        try db.execute("COMMIT;")
        let summary = run.summary
        run.release()
        try db.close()
        tracker.finish()
        return summary
    }
}

/// The state of one SQLite export: a table and an insert statement per event type.
final class SQLiteExportRun {
    final class Table {
        let name: String
        let event: String
        let layout: EventTableLayout
        let insert: SQLiteDatabase.Statement
        let format: String
        var rows: UInt64 = 0

        init(name: String, event: String, layout: EventTableLayout, insert: SQLiteDatabase.Statement, format: String) {
            self.name = name
            self.event = event
            self.layout = layout
            self.insert = insert
            self.format = format
        }
    }

    /// Binds one row's fields (parameters after the common columns); lists become JSON.
    struct Sink: FieldSink {
        let statement: SQLiteDatabase.Statement
        let columns: [TableColumn]
        /// The JSON text of the list being bound.
        let json = ByteBuffer(capacity: 256)

        @inline(__always) func parameter(_ column: Int) -> Int32 { Int32(column + EventTableLayout.leadingColumns + 1) }
        func integer(_ column: Int, _ v: Int64) { statement.bind(parameter(column), v) }
        func bytes(_ column: Int, _ b: RawSpan) {
            if columns[column].type == .string { statement.bindText(parameter(column), b) } else { statement.bindBlob(parameter(column), b) }
        }
        func null(_ column: Int) { statement.bindNull(parameter(column)) }
        func beginList(_ column: Int) {
            json.removeAll(keepingAtMost: 1 << 20)
            json.append(UInt8(ascii: "["))
        }
        func element(_ column: Int, _ v: Int64) {
            if json.count > 1 { json.append(UInt8(ascii: ",")) }
            if case .integerList(let bits, false) = columns[column].type {
                let mask: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
                json.append(utf8: String(UInt64(bitPattern: v) & mask))
            } else {
                json.append(utf8: String(v))
            }
        }
        func endList(_ column: Int) {
            json.append(UInt8(ascii: "]"))
            let p = parameter(column)
            json.withBytes { statement.bindText(p, $0) }
        }
    }

    let db: SQLiteDatabase
    let session: TraceSession
    var tables: [Table] = []
    var tableByLayout: [EventTableLayout: Int] = [:]
    var usedNames: Set<String> = SQLiteExporter.reserved
    /// (peer, id) -> table and reader; `nil` value: no format.
    var bindings: [Int: (table: Table, reader: EventFieldReader, sink: Sink)?] = [:]
    var summary = TableExportSummary()

    init(database: SQLiteDatabase, session: TraceSession) {
        db = database
        self.session = session
    }

    /// `"name"`, quotes doubled.
    static func quote(_ name: String) -> String { "\"" + doubled(name, "\"") + "\"" }
    /// `'text'`, quotes doubled.
    static func literal(_ s: String) -> String { "'" + doubled(s, "'") + "'" }
    static func doubled(_ s: String, _ q: Character) -> String {
        var out = ""
        for c in s {
            out.append(c)
            if c == q { out.append(c) }
        }
        return out
    }

    static func sqlType(_ t: ColumnType) -> String {
        switch t {
        case .integer: return "INTEGER"
        case .string, .integerList: return "TEXT"
        case .binary: return "BLOB"
        }
    }

    func append(_ e: borrowing EventView) throws(TableExportError) {
        guard let id = e.id else { summary.unknownEvents += 1; return }
        let key = e.peer << 32 | (id & 0xffff_ffff)
        let binding: (table: Table, reader: EventFieldReader, sink: Sink)?
        if let b = bindings[key] { binding = b } else {
            binding = try bind(e.type)
            bindings[key] = binding
        }
        guard let b = binding else { summary.unknownEvents += 1; return }
        let s = b.table.insert
        s.bind(1, Int64(bitPattern: e.timestamp))
        s.bind(2, Int64(e.cpu))
        s.bind(3, Int64(e.pid))
        s.bind(Int32(b.table.layout.fieldColumns.count + EventTableLayout.leadingColumns + 1), Int64(e.peer))
        let reader = b.reader
        let sink = b.sink
        e.withBytes { reader.decode($0, into: sink) }
        try s.step()
        b.table.rows += 1
        summary.events += 1
    }

    private func bind(_ type: EventType?) throws(TableExportError) -> (table: Table, reader: EventFieldReader, sink: Sink)? {
        guard let type else { return nil }
        let layout = EventTableLayout(type: type)
        let table: Table
        if let t = tableByLayout[layout] {
            table = tables[t]
        } else {
            var name = layout.name
            if usedNames.contains(name) { name = layout.system + "_" + layout.name }
            var k = 2
            while usedNames.contains(name) { name = layout.system + "_" + layout.name + "_\(k)"; k += 1 }
            usedNames.insert(name)
            let columns = layout.columns
            let defs = columns.map { Self.quote($0.name) + " " + Self.sqlType($0.type) + ($0.nullable ? "" : " NOT NULL") }
            try db.execute("CREATE TABLE \(Self.quote(name)) (\(defs.joined(separator: ", ")));")
            let insert = try db.prepare("INSERT INTO \(Self.quote(name)) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ",")));")
            table = Table(name: name, event: type.description, layout: layout, insert: insert,
                          format: EventTableLayout.formatText(of: type))
            tableByLayout[layout] = tables.count
            tables.append(table)
        }
        return (table, EventFieldReader(type: type), Sink(statement: table.insert, columns: layout.fieldColumns))
    }

    /// Finalizes the insert statements (before the database closes).
    func release() {
        bindings = [:]
        tables = []
        tableByLayout = [:]
    }

    /// Session tables, the description tables, indexes and views.
    func finish() throws(TableExportError) {
        for t in SessionTables.make(session) {
            let defs = t.columns.map { Self.quote($0.name) + " " + Self.sqlType($0.type) }
            try db.execute("CREATE TABLE \(t.name) (\(defs.joined(separator: ", ")));")
            let s = try db.prepare("INSERT INTO \(t.name) VALUES (\(Array(repeating: "?", count: t.columns.count).joined(separator: ",")));")
            for row in t.rows {
                for (i, cell) in row.enumerated() {
                    switch cell {
                    case .null: s.bindNull(Int32(i + 1))
                    case .integer(let v): s.bind(Int32(i + 1), v)
                    case .text(let v): s.bindText(Int32(i + 1), v)
                    }
                }
                try s.step()
            }
        }
        try db.execute("CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT);"
                       + "CREATE TABLE export_tables (name TEXT PRIMARY KEY, event TEXT, format TEXT, rows INTEGER);"
                       + "CREATE TABLE export_columns (tbl TEXT, position INTEGER, column TEXT, type TEXT, bits INTEGER, signed INTEGER);")
        let meta = try db.prepare("INSERT INTO metadata VALUES (?, ?);")
        for (k, v) in SessionTables.metadata(session) {
            meta.bindText(1, k)
            meta.bindText(2, v)
            try meta.step()
        }
        let tableRow = try db.prepare("INSERT INTO export_tables VALUES (?, ?, ?, ?);")
        let columnRow = try db.prepare("INSERT INTO export_columns VALUES (?, ?, ?, ?, ?, ?);")
        for t in tables {
            tableRow.bindText(1, t.name)
            tableRow.bindText(2, t.event)
            tableRow.bindText(3, t.format)
            tableRow.bind(4, Int64(t.rows))
            try tableRow.step()
            for (i, c) in t.layout.columns.enumerated() {
                columnRow.bindText(1, t.name)
                columnRow.bind(2, Int64(i))
                columnRow.bindText(3, c.name)
                let (kind, bits, signed): (String, Int, Bool)
                switch c.type {
                case .integer(let b, let s): (kind, bits, signed) = ("int", b, s)
                case .integerList(let b, let s): (kind, bits, signed) = ("list", b, s)
                case .string: (kind, bits, signed) = ("string", 0, false)
                case .binary: (kind, bits, signed) = ("binary", 0, false)
                }
                columnRow.bindText(4, kind)
                columnRow.bind(5, Int64(bits))
                columnRow.bind(6, signed ? 1 : 0)
                try columnRow.step()
            }
            let q = Self.quote(t.name)
            try db.execute("CREATE INDEX \(Self.quote(t.name + "_ts")) ON \(q) (common_ts);"
                           + "CREATE INDEX \(Self.quote(t.name + "_peer_cpu")) ON \(q) (\(Self.quote(t.layout.peerColumn)), common_cpu, common_ts);")
            summary.tables.append(.init(event: t.event, name: t.name, rows: t.rows))
        }
        // `events`: every table's common columns; compound selects of at most 400 terms each
        // (SQLite allows 500 per compound select).
        let selects = tables.map { t in
            "SELECT \(Self.literal(t.layout.name)) AS event, common_ts, common_cpu, common_pid, "
                + "\(Self.quote(t.layout.peerColumn)) AS peer FROM \(Self.quote(t.name))"
        }
        var body: String
        if selects.isEmpty {
            body = "SELECT NULL AS event, NULL AS common_ts, NULL AS common_cpu, NULL AS common_pid, NULL AS peer WHERE 0"
        } else if selects.count <= 400 {
            body = selects.joined(separator: " UNION ALL ")
        } else {
            body = stride(from: 0, to: selects.count, by: 400).map { i in
                "SELECT * FROM (" + selects[i..<min(i + 400, selects.count)].joined(separator: " UNION ALL ") + ")"
            }.joined(separator: " UNION ALL ")
        }
        try db.execute("CREATE VIEW events AS \(body);")
        try db.execute("""
            CREATE VIEW guest_events AS
              SELECT e.event, e.common_ts, e.common_cpu, e.common_pid, e.peer, v.guest, v.host_pid
              FROM events e JOIN vcpus v ON v.peer = e.peer AND v.vcpu = e.common_cpu;
            """)
    }
}
