@_spi(Engine) import TraceCmd

/// The compression of a version 7 output file.
public enum OutputCompression: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Not compressed.
    case none
    /// zlib (deflate).
    case zlib
    /// Zstandard, as `trace-cmd record` writes by default.
    case zstd

    /// The name as `--compression` takes it.
    public var description: String { rawValue }
}

/// The layout of an output file: format version and (version 7) compression.
public struct OutputFormat: Sendable, Hashable, CustomStringConvertible {
    /// File format version, 6 or 7.
    public var version: Int
    /// Compression (version 7 only; version 6 is never compressed).
    public var compression: OutputCompression

    /// A format.
    /// - Parameters:
    ///   - version: 6 or 7.
    ///   - compression: the compression of a version 7 file (ignored for version 6).
    public init(version: Int = 7, compression: OutputCompression = .zstd) {
        self.version = version
        self.compression = version == 6 ? .none : compression
    }

    /// `version 7, zstd`.
    public var description: String { "version \(version), \(compression)" }

    /// The trace-cmd default: version 7 with zstd.
    public static let `default` = OutputFormat()
}
