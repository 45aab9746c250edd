@_spi(Engine) import TraceEvent

/// The compression algorithm named in a version 7 file's header.
public struct Compression: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Algorithm name as written in the file (`zstd`, `zlib`).
    public var name: String
    /// Algorithm version as written in the file (`1.5.4`).
    public var version: String

    /// A compression named as in a file header.
    /// - Parameters:
    ///   - name: the algorithm name (`zstd`, `zlib`).
    ///   - version: the algorithm version.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    /// `name version`, e.g. `zstd 1.5.4`.
    public var description: String { version.isEmpty ? name : "\(name) \(version)" }
}

/// The algorithms a version 7 file may name, known by the name its header writes.
enum CompressionAlgorithm: Sendable {
    case zlib, zstd

    init?(name: String) {
        switch name {
        case "zlib": self = .zlib
        case "zstd": self = .zstd
        default: return nil
        }
    }

    var name: String { self == .zlib ? "zlib" : "zstd" }
}
