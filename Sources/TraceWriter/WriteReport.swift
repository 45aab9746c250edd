@_spi(Engine) import TraceCmd

/// What a write produced, and what of the input could not be carried over.
public struct WriteReport: Sendable, CustomStringConvertible {
    /// The path written.
    public var path: String
    /// The layout written.
    public var format: OutputFormat
    /// Bytes written.
    public var size: Int
    /// Ring-buffer pages written, over all buffers and CPUs.
    public var pages: Int
    /// Problems of the input that were left out of the output: unreadable chunks (written as
    /// empty pages), pages with an impossible header (emptied), data cut short, options that
    /// cannot be carried over. Empty when the input was copied whole.
    public var dropped: [TraceFileError]

    /// Whether everything of the input was written.
    public var isComplete: Bool { dropped.isEmpty }

    /// `path: version 7, zstd, N pages, S bytes` and one line per dropped part.
    public var description: String {
        var s = "\(path): \(format), \(pages) pages, \(size) bytes"
        for d in dropped { s += "\n  dropped: \(d)" }
        return s
    }
}
