@_spi(Engine) import TraceCmd

/// zstd compression of Parquet pages, through the compressor the trace writer uses
/// (`libzstd.so.1`, loaded at run time by TraceCmd, so no zstd headers are needed to build).
/// One context, reused; not thread-safe.
final class ZstdCompressor {
    private let context: CompressionContext
    let level: Int32

    init(level: Int32) throws(TableExportError) {
        guard let c = Compressor(name: "zstd") else { throw .missingLibrary("libzstd.so.1") }
        context = CompressionContext(c, level: level)
        self.level = level
    }

    /// Compresses `source` into `destination` (replacing its contents); false on a zstd error.
    func compress(_ source: UnsafeRawBufferPointer, into destination: ByteBuffer) -> Bool {
        destination.removeAll()
        let cap = context.compressor.bound(source.count)
        destination.reserve(cap)
        guard let n = context.compress(source, into: UnsafeMutableRawBufferPointer(start: destination.base, count: cap))
        else { return false }
        destination.setCount(n)
        return true
    }
}
