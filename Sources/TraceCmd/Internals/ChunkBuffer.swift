@_spi(Engine) import TraceEvent

/// The decompressed bytes of one compressed chunk of a CPU's data, as a ``CPUPageSource``
/// serves its pages from them: the chunk decompressed here into a buffer this object owns and
/// reuses, or taken from the source's ``ChunkPrefetcher``.
///
/// The views it hands out (``load(_:context:from:compressedRange:size:)``,
/// ``acquire(_:from:)``) stay valid until the next call to either, or until the buffer (or
/// the prefetcher) is released: the page a stream reads lives until the stream moves on.
/// Not thread-safe: one per source.
@safe
final class ChunkBuffer {
    private var storage: UnsafeMutableRawBufferPointer?

    init() {}

    deinit { unsafe storage?.deallocate() }

    /// Decompresses `size` bytes from `compressedRange` of `file` with `decompressor` (and
    /// `context`, when there is one) into the buffer; `nil` when the range is not inside the
    /// file or the data does not decompress to exactly `size` bytes.
    func load(_ decompressor: Decompressor, context: DecompressionContext?, from file: MappedFile,
              compressedRange: Range<Int>, size: Int) -> RawBytes? {
        guard size >= 0, let source = file.view.slice(compressedRange) else { return nil }
        if (unsafe storage?.count ?? 0) < size {
            unsafe storage?.deallocate()
            unsafe storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        }
        guard let buffer = unsafe storage else { return nil }
        let destination = unsafe UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
        let src = unsafe source.unsafeBuffer
        let produced: Int?
        if let context {
            produced = unsafe context.decompress(decompressor, src, into: destination)
        } else {
            produced = unsafe decompressor.decompress(src, into: destination)
        }
        guard produced == size else { return nil }
        return unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(destination))
    }

    /// Chunk `index` as `prefetcher` decompressed it (valid until its next `acquire`), or
    /// `nil` when it did not decompress to its declared size.
    static func acquire(_ index: Int, from prefetcher: ChunkPrefetcher) -> RawBytes? {
        guard let bytes = unsafe prefetcher.acquire(index) else { return nil }
        return unsafe RawBytes(unsafeBytes: bytes)
    }
}
