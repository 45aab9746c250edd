/// A growable byte buffer for encoded column data: appends without bounds checks on a
/// capacity it manages itself, reused between row groups (``removeAll()`` keeps the memory).
final class ByteBuffer {
    // Read and written on every value: no dynamic exclusivity checks (one thread uses a buffer).
    @exclusivity(unchecked) private(set) var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private(set) var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = max(64, capacity)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private func grow(_ needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let b = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        b.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = b
        capacity = c
    }

    /// Forgets the contents; keeps the memory unless it grew past `keep` bytes.
    func removeAll(keepingAtMost keep: Int = 1 << 22) {
        count = 0
        if capacity > keep {
            base.deallocate()
            capacity = max(64, keep / 4)
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
    }

    @inline(__always)
    func append(_ b: UInt8) {
        reserve(1)
        base.storeBytes(of: b, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func appendLE(_ v: UInt32) {
        reserve(4)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    @inline(__always)
    func appendLE(_ v: UInt64) {
        reserve(8)
        base.storeBytes(of: v.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    @inline(__always)
    func append(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0, let src = bytes.baseAddress else { return }
        reserve(n)
        (base + count).copyMemory(from: src, byteCount: n)
        count += n
    }

    func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Unsigned LEB128 (Thrift and RLE run headers).
    @inline(__always)
    func appendVarint(_ value: UInt64) {
        var v = value
        reserve(10)
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: count, as: UInt8.self)
            count += 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(v), toByteOffset: count, as: UInt8.self)
        count += 1
    }
}

extension ByteBuffer {
    /// Sets the byte count after writing into reserved memory directly (zstd).
    func setCount(_ n: Int) {
        precondition(n >= 0 && n <= capacity)
        count = n
    }
}
