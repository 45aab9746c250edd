@_spi(Engine) import TraceEvent

/// Bytes this module owns outside an array, at an address that does not move: a decompressed
/// section or chunk, read through ``view`` (a `RawBytes`) like the mapped file.
///
/// The storage grows with ``reserve(_:)`` (which moves it: views of the old bytes must no
/// longer be in use) and is written only by the decompressors (``Decompressor``,
/// ``DecompressionContext``), through the `@unsafe` ``unsafeMutableBuffer``. A view stays
/// valid while the object lives and is not written or grown; the owners (a section's reader,
/// ``ChunkPrefetcher``'s slots) make sure of that.
@safe
package final class ByteStorage {
    private var buffer: UnsafeMutableRawBufferPointer

    /// Storage for at least `capacity` bytes (uninitialized until written).
    package init(capacity: Int = 0) {
        unsafe buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
    }

    deinit { unsafe buffer.deallocate() }

    /// The number of bytes the storage holds.
    package var capacity: Int { unsafe buffer.count }

    /// Makes room for at least `capacity` bytes; the old bytes are not kept.
    package func reserve(_ capacity: Int) {
        guard capacity > self.capacity else { return }
        unsafe buffer.deallocate()
        unsafe buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// A view of the first `count` bytes (clamped to the capacity), valid while this object
    /// lives and is neither written nor grown.
    package func view(count: Int) -> RawBytes {
        let n = min(max(count, 0), capacity)
        return unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }

    /// The first `count` bytes (clamped to the capacity), for a decompressor to write.
    @unsafe
    package func unsafeMutableBuffer(count: Int) -> UnsafeMutableRawBufferPointer {
        let n = min(max(count, 0), capacity)
        return unsafe UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
    }
}
