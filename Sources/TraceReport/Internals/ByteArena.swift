@_spi(Engine) import TraceEvent

/// A batch's copies of record payloads and comms (and its table of lines): bytes appended one
/// after the other into one growing allocation, read back as ``RawBytes`` (or as the plain
/// values stored) by where they went.
///
/// The views it hands out stay valid until the arena grows, is reset or is released: the
/// report stores a whole batch first, and reads it (on a formatting thread) only after, so
/// no view is held across a store. One thread at a time owns an arena (see
/// `ParallelLineWriter.Batch`).
@safe
final class ByteArena {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes stored (with their alignment padding).
    private(set) var used = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        unsafe base = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 16), alignment: 16)
    }

    deinit { unsafe base.deallocate() }

    /// Forgets every stored byte (the capacity stays).
    func reset() { used = 0 }

    /// Copies `bytes` in (8-byte aligned) and returns where they went.
    @inline(__always)
    func store(_ bytes: RawBytes) -> Int {
        unsafe store(bytes.unsafeBuffer)
    }

    /// Copies `bytes` in (8-byte aligned) and returns where they went.
    @inline(__always)
    func store(_ bytes: [UInt8]) -> Int {
        unsafe bytes.withUnsafeBytes { unsafe store($0) }
    }

    /// Copies a line's payload and comm in (each 8-byte aligned) and returns where they went.
    @inline(__always)
    func store(payload: RawBytes, comm: [UInt8]) -> (payload: Int, comm: Int) {
        let p = unsafe store(payload.unsafeBuffer)
        let c = unsafe comm.withUnsafeBytes { unsafe store($0) }
        return (p, c)
    }

    @inline(__always)
    private func store(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = bytes.count
        let at = used
        if at + n > capacity { grow(at + n) }
        if n > 0, let src = bytes.baseAddress { unsafe (base + at).copyMemory(from: src, byteCount: n) }
        used = (at + n + 7) & ~7
        return at
    }

    private func grow(_ needed: Int) {
        let bigger = max(needed, capacity * 2)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 16)
        unsafe memory.copyMemory(from: base, byteCount: used)
        unsafe base.deallocate()
        unsafe base = memory
        capacity = bigger
    }

    /// The `count` bytes stored at `start` (an empty view when they are not all stored).
    @inline(__always)
    func bytes(at start: Int32, count: Int32) -> RawBytes {
        // Both below 2^32 as unsigned values: their sum cannot overflow.
        let lo = Int(UInt32(bitPattern: start)), n = Int(UInt32(bitPattern: count))
        guard lo &+ n <= used else { return RawBytes() }
        return unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(start: base + lo, count: n))
    }

    /// Copies the bytes of `value` in (8-byte aligned); returns where they went.
    @inline(__always)
    func append<T: BitwiseCopyable>(_ value: T) -> Int {
        precondition(MemoryLayout<T>.alignment <= 8, "ByteArena stores values aligned to 8 bytes at most")
        let n = MemoryLayout<T>.size
        let at = used
        if at + n > capacity { grow(at + n) }
        unsafe (base + at).storeBytes(of: value, as: T.self)
        used = (at + n + 7) & ~7
        return at
    }

    /// Calls `body` with each value of type `T` stored by ``append(_:)`` from the start on (all
    /// of the arena holding such values), in order.
    @inline(__always)
    func forEach<T: BitwiseCopyable>(_: T.Type, _ body: (T) -> Void) {
        let size = MemoryLayout<T>.size
        let stride = (size + 7) & ~7
        var at = 0
        while at <= used &- size {
            body(unsafe (base + at).load(as: T.self))
            at &+= stride
        }
    }
}
