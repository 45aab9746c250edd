@_spi(Engine) import TraceCmd

/// An error that stopped a trace file from being written: which file, what was being
/// written or read, and why.
public struct TraceWriteError: Error, Sendable, CustomStringConvertible, Hashable {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The output could not be created or written (the system error text).
        case io(String)
        /// The input could not be read (not even partly).
        case input(TraceFileError)
        /// The request cannot be done (an unsupported version or compression, a bad window).
        case unsupported(String)
    }

    /// The path of the file being written (or read, for ``Kind/input(_:)``).
    public var file: String
    /// What was being done (`"open"`, `"write"`, `"CPU 1 data"`, ...).
    public var context: String
    /// What went wrong.
    public var kind: Kind

    /// An error about `file`.
    /// - Parameters:
    ///   - file: the path of the file.
    ///   - context: what was being done.
    ///   - kind: what went wrong.
    public init(file: String, context: String, kind: Kind) {
        self.file = file
        self.context = context
        self.kind = kind
    }

    /// `file: context: reason`.
    public var description: String {
        switch kind {
        case .io(let s): return "\(file): \(context): \(s)"
        case .input(let e): return "\(e)"
        case .unsupported(let s): return "\(file): \(context): \(s)"
        }
    }
}
