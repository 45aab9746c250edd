/// How the pages of a Parquet export are compressed.
public enum ParquetCompression: Sendable, Hashable {
    /// No compression.
    case none
    /// zstd at `level` (1 is fast; higher levels are smaller and slower), through the
    /// system's `libzstd.so.1`.
    case zstd(level: Int = 1)

    /// Parquet's `CompressionCodec` value.
    var codec: Int32 {
        switch self {
        case .none: return 0
        case .zstd: return 6
        }
    }
}
