/// A growable byte buffer that writes the protobuf wire format: varints, tags, scalar and
/// length-delimited fields, and nested messages whose length is written when they end.
///
/// A nested message is opened with ``begin(_:)``, which writes its tag and one byte for its
/// length, and closed with ``end(_:)``: a length below 128 (an event) goes into that byte;
/// a longer one moves the content up by the extra bytes its varint needs. Every length is
/// minimal and nothing is measured twice.
///
/// Internal and unsafe inside: one allocation, grown by doubling, freed when the buffer goes
/// away; not copyable, so it is never shared (no reference counting on the hot path).
struct ProtoBuffer: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The wire types.
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    var isEmpty: Bool { count == 0 }

    /// Forgets the content (keeps the memory).
    mutating func removeAll() { count = 0 }

    /// Calls `body` with the content.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    @inline(__always)
    mutating func reserve(_ n: Int) {
        if capacity - count < n { grow(n) }
    }

    private mutating func grow(_ n: Int) {
        var c = capacity * 2
        while c - count < n { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }

    /// The number of bytes of `v` as a varint.
    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int {
        // 1 + floor(bits / 7), with 0 taking one byte.
        let bits = 64 - (v | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Writes `v` as a varint; the caller has reserved 10 bytes.
    @inline(__always)
    private mutating func writeVarint(_ v: UInt64) {
        var v = v
        var p = base + count
        while v >= 0x80 {
            p.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            p += 1
            v >>= 7
        }
        p.pointee = UInt8(truncatingIfNeeded: v)
        count = p - base + 1
    }

    @inline(__always)
    mutating func varint(_ v: UInt64) {
        reserve(10)
        writeVarint(v)
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ wire: WireType) {
        varint(UInt64(field) << 3 | wire.rawValue)
    }

    /// A varint field (`uint32`, `uint64`, `bool`, enum).
    @inline(__always)
    mutating func uint(_ field: Int, _ v: UInt64) {
        reserve(20)
        writeVarint(UInt64(field) << 3)
        writeVarint(v)
    }

    /// An `int32`/`int64` field: negative values as the 10-byte two's complement varint.
    @inline(__always)
    mutating func int(_ field: Int, _ v: Int64) {
        uint(field, UInt64(bitPattern: v))
    }

    /// A `fixed64` field.
    mutating func fixed64(_ field: Int, _ v: UInt64) {
        tag(field, .fixed64)
        reserve(8)
        for i in 0..<8 { base[count + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        count += 8
    }

    /// A `double` field.
    mutating func double(_ field: Int, _ v: Double) {
        fixed64(field, v.bitPattern)
    }

    /// Raw bytes, no tag.
    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0, let src = bytes.baseAddress else { return }
        reserve(n)
        UnsafeMutableRawPointer(base + count).copyMemory(from: src, byteCount: n)
        count += n
    }

    /// Raw bytes, no tag.
    @inline(__always)
    mutating func append(_ bytes: RawSpan) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Raw bytes, no tag.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The content of another buffer, no tag.
    mutating func append(_ other: borrowing ProtoBuffer) {
        append(UnsafeRawBufferPointer(start: other.base, count: other.count))
    }

    /// A length-delimited field (`string`, `bytes`, a packed array or a prepared message).
    @inline(__always)
    mutating func bytes(_ field: Int, _ b: UnsafeRawBufferPointer) {
        reserve(20)
        writeVarint(UInt64(field) << 3 | WireType.lengthDelimited.rawValue)
        writeVarint(UInt64(b.count))
        append(b)
    }

    /// A length-delimited field of `b`'s bytes.
    @inline(__always)
    mutating func bytes(_ field: Int, _ b: RawSpan) {
        b.withUnsafeBytes { bytes(field, $0) }
    }

    mutating func string(_ field: Int, _ s: String) {
        var s = s
        s.withUTF8 { u in bytes(field, UnsafeRawBufferPointer(u)) }
    }

    /// A length-delimited field holding another buffer's content.
    mutating func bytes(_ field: Int, _ other: borrowing ProtoBuffer) {
        bytes(field, UnsafeRawBufferPointer(start: other.base, count: other.count))
    }

    /// Opens nested message `field`: returns where its content starts, for ``end(_:)``.
    @inline(__always)
    mutating func begin(_ field: Int) -> Int {
        reserve(11)
        writeVarint(UInt64(field) << 3 | WireType.lengthDelimited.rawValue)
        count += 1
        return count
    }

    /// Closes the nested message whose content starts at `start`: writes its length in front.
    @inline(__always)
    mutating func end(_ start: Int) {
        let length = count - start
        if length < 0x80 {
            base[start - 1] = UInt8(truncatingIfNeeded: length)
            return
        }
        let extra = Self.varintSize(UInt64(length)) - 1
        reserve(extra)
        (base + start + extra).update(from: base + start, count: length)
        var v = UInt64(length)
        var p = base + start - 1
        while v >= 0x80 {
            p.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            p += 1
            v >>= 7
        }
        p.pointee = UInt8(truncatingIfNeeded: v)
        count += extra
    }
}
