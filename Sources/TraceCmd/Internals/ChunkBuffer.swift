@_spi(Engine) import TraceEvent

/// The decompressed bytes of one compressed chunk of a CPU's data, as a ``CPUPageSource``
/// serves its pages from them: the chunk decompressed here into a buffer this object owns and
/// reuses, or taken from the source's ``ChunkPrefetcher``.
///
/// The views it hands out (``load(_:context:from:compressedRange:size:)``,
/// ``acquire(_:from:)``) stay valid until the next call to either, or until the buffer (or
/// the prefetcher) is released: the page a stream reads lives until the stream moves on.
/// Not thread-safe: one per source.
final class ChunkBuffer {
    private let storage = ByteStorage()

    init() {}

    /// Decompresses `size` bytes from `compressedRange` of `file` with `decompressor` (and
    /// `context`, when there is one) into the buffer; `nil` when the range is not inside the
    /// file or the data does not decompress to exactly `size` bytes.
    func load(_ decompressor: Decompressor, context: DecompressionContext?, from file: MappedFile,
              compressedRange: Range<Int>, size: Int) -> RawBytes? {
        guard size >= 0, let source = file.view.slice(compressedRange) else { return nil }
        storage.reserve(size)
        let produced: Int?
        if let context {
            produced = context.decompress(decompressor, source, into: storage, count: size)
        } else {
            produced = decompressor.decompress(source, into: storage, count: size)
        }
        guard produced == size else { return nil }
        return storage.view(count: size)
    }

    /// Chunk `index` as `prefetcher` decompressed it (valid until its next `acquire`), or
    /// `nil` when it did not decompress to its declared size.
    static func acquire(_ index: Int, from prefetcher: ChunkPrefetcher) -> RawBytes? {
        prefetcher.acquireBytes(index)
    }
}
