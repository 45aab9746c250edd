import TraceCmd

/// Why a Perfetto export failed.
public enum PerfettoExportError: Error, Sendable, CustomStringConvertible {
    /// The output file could not be created (`errno` of `open`).
    case cannotCreate(path: String, errno: Int32)
    /// Writing the output failed after `offset` bytes (`errno` of `write`).
    case writeFailed(path: String, offset: Int, errno: Int32)
    /// The selection could not be read (bad filter, unknown event, unreadable formats).
    case query(EventQueryError)
    /// Another error ended the export.
    case failed(String)

    /// A one-line message naming the file.
    public var description: String {
        switch self {
        case .cannotCreate(let path, let e): return "\(path): cannot create the Perfetto trace (errno \(e))"
        case .writeFailed(let path, let offset, let e): return "\(path): write failed at offset \(offset) (errno \(e))"
        case .query(let e): return "\(e)"
        case .failed(let m): return m
        }
    }
}
