/// Why a Parquet or SQLite export failed: the path and what went wrong.
public enum TableExportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A file or directory could not be created or written (`errno` text).
    case write(path: String, reason: String)
    /// The trace could not be read (the event query's error, as text).
    case read(String)
    /// SQLite refused a statement: the database path and SQLite's message.
    case sqlite(path: String, message: String)
    /// The export needs a library that is not installed (libzstd for zstd compression).
    case missingLibrary(String)

    /// The path and the reason, e.g. `out/sched_switch.parquet: No space left on device`.
    public var description: String {
        switch self {
        case .write(let path, let reason): return "\(path): \(reason)"
        case .read(let message): return message
        case .sqlite(let path, let message): return "\(path): sqlite: \(message)"
        case .missingLibrary(let name): return "\(name) is not installed"
        }
    }
}

extension TableExportError {
    /// The output file's failure: its path and the C library's text.
    init(_ e: OutputFileError) {
        self = .write(path: e.path, reason: e.reason)
    }
}
