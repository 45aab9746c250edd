@_spi(Engine) import TraceEvent
/// An error met while reading a trace file: what went wrong, in which file, while reading
/// which part of it, and at which byte offset.
public struct TraceFileError: Error, Sendable, CustomStringConvertible, Hashable, Codable {
    /// What went wrong.
    public enum Kind: Sendable, Hashable, Codable {
        /// The file could not be opened or mapped (the system error text).
        case io(String)
        /// The file does not start with the trace-cmd magic `\x17\x08\x44tracing`.
        case badMagic
        /// The version string is not one this reader understands.
        case unsupportedVersion(String)
        /// The data ends before what was being read.
        case truncated(needed: Int, available: Int)
        /// A value read from the file is impossible (a count, size or offset out of range).
        case invalidValue(String)
        /// The file names a compression algorithm this reader does not have.
        case unknownCompression(String)
        /// Decompressing a block failed or produced a size other than the declared one.
        case decompressionFailed(String)
        /// A chain of option sections points back to a section already read.
        case optionLoop(Int)
        /// An operation needs trace data, but the file was opened head-only.
        case headOnly
    }

    /// The path of the file.
    public var file: String
    /// What was being read (`"initial format"`, `"options section"`, `"BUFFER option"`, ...).
    public var context: String
    /// The byte offset in the file (or in the decompressed section, see ``context``).
    public var offset: Int
    /// What went wrong.
    public var kind: Kind

    public init(file: String, context: String, offset: Int, kind: Kind) {
        self.file = file
        self.context = context
        self.offset = offset
        self.kind = kind
    }

    public var description: String {
        let what: String
        switch kind {
        case .io(let s): what = s
        case .badMagic: what = "not a trace-cmd file (bad magic)"
        case .unsupportedVersion(let v): what = "unsupported file version \"\(v)\""
        case .truncated(let need, let avail):
            what = "truncated: needs \(need) bytes, \(avail) available"
        case .invalidValue(let s): what = s
        case .unknownCompression(let s): what = "unknown compression \"\(s)\""
        case .decompressionFailed(let s): what = "decompression failed: \(s)"
        case .optionLoop(let at): what = "option sections loop back to offset \(at)"
        case .headOnly: what = "file was opened head-only; trace data is not available"
        }
        return "\(file): \(context) at offset \(offset): \(what)"
    }
}
