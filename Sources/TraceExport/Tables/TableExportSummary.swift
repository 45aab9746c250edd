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

/// The host-clock span of the selected events (for progress), read from the first and the
/// last event (one page per CPU each way).
enum SessionSpan {
    private struct Stop: Error {}

    static func of(_ session: TraceSession, _ selection: EventSelection) -> (first: UInt64, last: UInt64) {
        var s = EventSelection(peers: selection.peers, cpus: selection.cpus, start: selection.start, end: selection.end)
        s.buffers = selection.buffers
        var first: UInt64 = 0, last: UInt64 = 0
        _ = try? session.forEachEvent(s) { e in first = e.timestamp; throw Stop() }
        _ = try? session.forEachEventReversed(s) { e in last = e.timestamp; throw Stop() }
        return (first, max(first, last))
    }
}
