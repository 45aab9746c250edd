@_spi(Engine) import TraceEvent

/// Growable scratch bytes that one thread at a time fills and then reads: a worker's pages
/// (decompressed chunks, groups of pages to write in one call), the compressed groups in
/// flight to the writing thread, and pages built in memory (``PageMemory``).
///
/// `@safe`: every write is bounds-checked against ``count``; the bytes are read through
/// ``view``, which stays valid until the next ``resize(_:)`` (the owner's promise: a view is
/// used before the buffer is filled again). Only ``BlockCodec`` reaches the memory itself,
/// through ``unsafeMutableBytes(_:)``. Not thread-safe: the owner hands it from thread to
/// thread.
@safe
final class ScratchBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    /// The bytes in use (what ``view`` shows).
    private(set) var count = 0

    init() {
        unsafe storage = .allocate(byteCount: 0, alignment: 16)
    }

    deinit { unsafe storage.deallocate() }

    /// Makes the buffer `n` bytes long. The contents are undefined until written (earlier
    /// bytes are not kept when it grows).
    @inline(__always)
    func resize(_ n: Int) {
        if unsafe storage.count < n {
            unsafe storage.deallocate()
            unsafe storage = .allocate(byteCount: n, alignment: 16)
        }
        count = max(0, n)
    }

    /// The first ``count`` bytes (valid until the next ``resize(_:)``).
    @inline(__always)
    var view: RawBytes {
        unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<count]))
    }

    /// Copies `source` to `offset` on, as far as the buffer reaches; returns how many bytes
    /// were copied.
    @inline(__always)
    @discardableResult
    func copy(_ source: RawBytes, to offset: Int) -> Int {
        guard offset >= 0, offset <= count else { return 0 }
        let n = min(source.count, count - offset)
        guard n > 0, let s = unsafe source.unsafeBuffer.baseAddress, let d = unsafe storage.baseAddress else { return 0 }
        unsafe (d + offset).copyMemory(from: s, byteCount: n)
        return n
    }

    /// Copies `source` to `offset` on, as far as the buffer reaches; returns how many bytes
    /// were copied.
    @discardableResult
    func copy(_ source: [UInt8], to offset: Int) -> Int {
        unsafe source.withUnsafeBytes { b in copy(unsafe RawBytes(unsafeBytes: b), to: offset) }
    }

    /// Sets the bytes of `range` (clamped to the buffer) to zero.
    @inline(__always)
    func zero(_ range: Range<Int>) {
        let lo = min(max(range.lowerBound, 0), count), hi = min(max(range.upperBound, lo), count)
        guard hi > lo else { return }
        unsafe UnsafeMutableRawBufferPointer(rebasing: storage[lo..<hi]).initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// Stores `value`'s bytes in memory order at `offset`; nothing when they do not fit.
    @inline(__always)
    func store(_ value: UInt32, at offset: Int) {
        guard offset >= 0, offset <= count - 4 else { return }
        unsafe storage.storeBytes(of: value, toByteOffset: offset, as: UInt32.self)
    }

    /// The bytes of `range` for a C call that writes them, or `nil` when `range` is not
    /// inside the buffer. Valid until the next ``resize(_:)``.
    @unsafe
    func unsafeMutableBytes(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer? {
        guard range.lowerBound >= 0, range.upperBound <= count else { return nil }
        return unsafe UnsafeMutableRawBufferPointer(rebasing: storage[range])
    }
}
