import TraceCmd

/// What a Parquet or SQLite export wrote.
public struct TableExportSummary: Sendable {
    /// One event table: its event, its name (file or SQL table) and its row count.
    public struct Table: Sendable, Hashable {
        /// `system:name` of the event.
        public var event: String
        /// The file name (Parquet) or SQL table name (SQLite).
        public var name: String
        /// Rows written.
        public var rows: UInt64
    }

    /// Events written.
    public var events: UInt64 = 0
    /// Events skipped because their file has no format for their id.
    public var unknownEvents: UInt64 = 0
    /// The event tables, in the order first met.
    public var tables: [Table] = []
    /// Parts of the trace that could not be read (skipped as the report skips them).
    public var readErrors: [TraceFileError] = []
}

