@_spi(Engine) import TraceEvent

/// Why a session's events cannot be read as asked (thrown before the first event).
public enum EventQueryError: Error, Sendable, CustomStringConvertible {
    /// A file's data cannot be read (its formats, kernel symbols, comm list or CPU data).
    case file(TraceFileError)
    /// ``EventSelection/filter`` does not parse for the file at `peer` (the same message as
    /// `trace-cmd report -F`).
    case filter(peer: Int, EventFilterError)
    /// A name of ``EventSelection/events`` is no event of any selected file.
    case unknownEvent(String)

    /// A one-line message naming the file, filter or event.
    public var description: String {
        switch self {
        case .file(let e): return e.description
        case .filter(let peer, let e): return "file \(peer): \(e.description)"
        case .unknownEvent(let n): return "no event named \(n)"
        }
    }
}
