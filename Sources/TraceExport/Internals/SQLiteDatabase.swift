import CSQLite

/// A database opened with the system's libsqlite3, for writing an export: statements run
/// or prepared, every failure a ``TableExportError/sqlite(path:message:)`` naming the file.
///
/// The one place the sqlite3 C API is called. Safe to use: it takes Strings, numbers and
/// `RawSpan`s (which SQLite copies while binding them) and gives back values.
@safe
final class SQLiteDatabase {
    let path: String
    private var handle: OpaquePointer?

    init(path: String) throws(TableExportError) {
        self.path = path
        var db: OpaquePointer?
        let rc = unsafe sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        unsafe handle = db
        if rc != SQLITE_OK {
            let message = unsafe db.map { unsafe Self.text(sqlite3_errmsg($0)) } ?? "cannot open"
            unsafe sqlite3_close(db)
            unsafe handle = nil
            throw .sqlite(path: path, message: message)
        }
    }

    deinit { if let h = unsafe handle { unsafe sqlite3_close(h) } }

    /// A C string of SQLite's as a String.
    @unsafe private static func text(_ p: UnsafePointer<CChar>?) -> String {
        guard let p = unsafe p else { return "" }
        return unsafe String(cString: p)
    }

    /// SQLite's message for the last failure.
    var message: String { unsafe handle.map { unsafe Self.text(sqlite3_errmsg($0)) } ?? "closed" }

    /// Runs `sql` (one or more statements without results).
    func execute(_ sql: String) throws(TableExportError) {
        var error: UnsafeMutablePointer<CChar>?
        if unsafe sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let m = unsafe error.map { unsafe Self.text($0) } ?? message
            unsafe sqlite3_free(error)
            throw .sqlite(path: path, message: "\(m) in: \(sql.prefix(200))")
        }
    }

    /// A prepared statement of `sql`.
    func prepare(_ sql: String) throws(TableExportError) -> Statement {
        var s: OpaquePointer?
        guard unsafe sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil) == SQLITE_OK,
              let s = unsafe s else {
            throw .sqlite(path: path, message: "\(message) in: \(sql.prefix(200))")
        }
        return unsafe Statement(database: self, handle: s)
    }

    /// Closes the database (the statements were released before).
    func close() throws(TableExportError) {
        guard let h = unsafe handle else { return }
        if unsafe sqlite3_close(h) != SQLITE_OK { throw .sqlite(path: path, message: message) }
        unsafe handle = nil
    }

    /// A prepared statement: bind parameters (1-based), then ``step()``.
    @safe
    final class Statement {
        unowned let database: SQLiteDatabase
        private let handle: OpaquePointer
        /// `SQLITE_TRANSIENT`: SQLite copies text and blobs when they are bound.
        private static let transient = unsafe unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        @unsafe fileprivate init(database: SQLiteDatabase, handle: OpaquePointer) {
            self.database = database
            unsafe self.handle = handle
        }

        deinit { unsafe sqlite3_finalize(handle) }

        /// Binds a number to parameter `i`.
        @inline(__always) func bind(_ i: Int32, _ v: Int64) { unsafe sqlite3_bind_int64(handle, i, v) }

        /// Binds NULL to parameter `i`.
        @inline(__always) func bindNull(_ i: Int32) { unsafe sqlite3_bind_null(handle, i) }

        /// Binds `b` (UTF-8) as text to parameter `i` (empty text, not NULL, when empty).
        @inline(__always) func bindText(_ i: Int32, _ b: RawSpan) {
            unsafe b.withUnsafeBytes { unsafe bindText(i, $0) }
        }

        /// Binds `b` as a blob to parameter `i` (an empty blob, not NULL, when empty).
        @inline(__always) func bindBlob(_ i: Int32, _ b: RawSpan) {
            _ = unsafe b.withUnsafeBytes { b in
                if let p = b.baseAddress, b.count > 0 {
                    unsafe sqlite3_bind_blob(handle, i, p, Int32(b.count), Self.transient)
                } else {
                    unsafe sqlite3_bind_zeroblob(handle, i, 0)
                }
            }
        }

        /// Binds `s` as text to parameter `i`.
        func bindText(_ i: Int32, _ s: String) {
            var s = s
            s.withUTF8 { unsafe bindText(i, UnsafeRawBufferPointer($0)) }
        }

        /// Binds the UTF-8 bytes `b` as text to parameter `i`.
        func bindText(_ i: Int32, _ b: [UInt8]) {
            unsafe b.withUnsafeBytes { unsafe bindText(i, $0) }
        }

        @unsafe @inline(__always) private func bindText(_ i: Int32, _ b: UnsafeRawBufferPointer) {
            if let p = b.baseAddress, b.count > 0 {
                unsafe sqlite3_bind_text(handle, i, p.assumingMemoryBound(to: CChar.self), Int32(b.count), Self.transient)
            } else {
                unsafe sqlite3_bind_text(handle, i, "", 0, Self.transient)   // empty text, not NULL
            }
        }

        /// Runs the statement (an insert) and resets it for the next row.
        func step() throws(TableExportError) {
            let rc = unsafe sqlite3_step(handle)
            unsafe sqlite3_reset(handle)
            if rc != SQLITE_DONE && rc != SQLITE_ROW {
                throw .sqlite(path: database.path, message: database.message)
            }
        }
    }
}
