import CSQLite

/// A database opened with the system's libsqlite3, for writing an export: statements run
/// or prepared, every failure a ``TableExportError/sqlite(path:message:)`` naming the file.
final class SQLiteDatabase {
    let path: String
    private var handle: OpaquePointer?

    init(path: String) throws(TableExportError) {
        self.path = path
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        handle = db
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            handle = nil
            throw .sqlite(path: path, message: message)
        }
    }

    deinit { if let h = handle { sqlite3_close(h) } }

    var message: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    /// Runs `sql` (one or more statements without results).
    func execute(_ sql: String) throws(TableExportError) {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let m = error.map { String(cString: $0) } ?? message
            sqlite3_free(error)
            throw .sqlite(path: path, message: "\(m) in: \(sql.prefix(200))")
        }
    }

    func prepare(_ sql: String) throws(TableExportError) -> Statement {
        var s: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil) == SQLITE_OK, let s else {
            throw .sqlite(path: path, message: "\(message) in: \(sql.prefix(200))")
        }
        return Statement(database: self, handle: s)
    }

    func close() throws(TableExportError) {
        guard let h = handle else { return }
        if sqlite3_close(h) != SQLITE_OK { throw .sqlite(path: path, message: message) }
        handle = nil
    }

    /// A prepared statement: bind parameters (1-based), then ``step()``.
    final class Statement {
        unowned let database: SQLiteDatabase
        let handle: OpaquePointer
        /// `SQLITE_TRANSIENT`: SQLite copies text and blobs when they are bound.
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        init(database: SQLiteDatabase, handle: OpaquePointer) {
            self.database = database
            self.handle = handle
        }

        deinit { sqlite3_finalize(handle) }

        @inline(__always) func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(handle, i, v) }
        @inline(__always) func bindNull(_ i: Int32) { sqlite3_bind_null(handle, i) }
        @inline(__always) func bindText(_ i: Int32, _ b: UnsafeRawBufferPointer) {
            if let p = b.baseAddress, b.count > 0 {
                sqlite3_bind_text(handle, i, p.assumingMemoryBound(to: CChar.self), Int32(b.count), Self.transient)
            } else {
                sqlite3_bind_text(handle, i, "", 0, Self.transient)   // empty text, not NULL
            }
        }
        @inline(__always) func bindBlob(_ i: Int32, _ b: UnsafeRawBufferPointer) {
            if let p = b.baseAddress, b.count > 0 {
                sqlite3_bind_blob(handle, i, p, Int32(b.count), Self.transient)
            } else {
                sqlite3_bind_zeroblob(handle, i, 0)                    // empty blob, not NULL
            }
        }
        @inline(__always) func bindText(_ i: Int32, _ b: RawSpan) {
            b.withUnsafeBytes { bindText(i, $0) }
        }
        @inline(__always) func bindBlob(_ i: Int32, _ b: RawSpan) {
            b.withUnsafeBytes { bindBlob(i, $0) }
        }
        func bindText(_ i: Int32, _ s: String) {
            var s = s
            s.withUTF8 { bindText(i, UnsafeRawBufferPointer($0)) }
        }

        /// Runs the statement (an insert) and resets it for the next row.
        func step() throws(TableExportError) {
            let rc = sqlite3_step(handle)
            sqlite3_reset(handle)
            if rc != SQLITE_DONE && rc != SQLITE_ROW {
                throw .sqlite(path: database.path, message: database.message)
            }
        }
    }
}
