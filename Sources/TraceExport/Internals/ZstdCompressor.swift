@_spi(Engine) import TraceCmd

/// zstd compression of Parquet pages, through the compressor the trace writer uses
/// (`libzstd.so.1`, loaded at run time by TraceCmd, so no zstd headers are needed to build).
/// One context, reused; not thread-safe.
///
/// Safe to use: it reads and writes ``ByteBuffer``s, and hands their memory to zstd only
/// for the duration of one call, with the destination's capacity as its bound.
@safe
final class ZstdCompressor {
    private let context: CompressionContext
    let level: Int32

    init(level: Int32) throws(TableExportError) {
        guard let c = Compressor(name: "zstd") else { throw .missingLibrary("libzstd.so.1") }
        context = CompressionContext(c, level: level)
        self.level = level
    }

    /// Compresses `source` into `destination` (replacing its contents); false on a zstd
    /// error. `source` and `destination` are different buffers.
    func compress(_ source: ByteBuffer, into destination: ByteBuffer) -> Bool {
        precondition(source !== destination, "ZstdCompressor: compressing a buffer into itself")
        let bound = context.compressor.bound(source.count)
        return unsafe destination.replaceContents(capacity: bound) { out in
            unsafe context.compress(source.unsafeBytes, into: out)
        }
    }
}
