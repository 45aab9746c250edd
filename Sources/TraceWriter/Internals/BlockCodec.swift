@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// One worker's compression and decompression state (zstd contexts) with a safe interface:
/// the zstd/zlib calls of the data pump, from `RawBytes` views into a ``ScratchBuffer``.
///
/// `@safe`: sources and destinations are bounds-checked views and buffers; the raw
/// buffers the C libraries take are made here only. Not thread-safe: one per worker.
@safe
final class BlockCodec {
    private let decompressor: Decompressor?
    private let decompression: DecompressionContext?
    private let compression: CompressionContext?

    /// A codec that decompresses with `decompressor` (the input's chunks) and compresses
    /// with `compressor` (the output's), either or both absent.
    init(decompressor: Decompressor?, compressor: Compressor?) {
        self.decompressor = decompressor
        decompression = decompressor.map { DecompressionContext($0) }
        compression = compressor.map { CompressionContext($0) }
    }

    /// Decompresses `source` into `range` of `destination` (exactly the declared
    /// uncompressed size). Returns the bytes produced, or `nil` on failure (also without a
    /// decompressor, or when `range` is not inside `destination`).
    func decompress(_ source: RawBytes, into destination: ScratchBuffer, range: Range<Int>) -> Int? {
        guard let d = decompressor, let ctx = decompression,
              let dst = unsafe destination.unsafeMutableBytes(range) else { return nil }
        return unsafe ctx.decompress(d, source.unsafeBuffer, into: dst)
    }

    /// Compresses `source` into `destination` from `offset` to its end (at least
    /// `Compressor.bound(source.count)` bytes). Returns the compressed size, or `nil` on
    /// failure (also without a compressor).
    func compress(_ source: RawBytes, into destination: ScratchBuffer, at offset: Int) -> Int? {
        guard let ctx = compression, offset >= 0, offset <= destination.count,
              let dst = unsafe destination.unsafeMutableBytes(offset..<destination.count) else { return nil }
        return unsafe ctx.compress(source.unsafeBuffer, into: dst)
    }
}
