/// The growable byte buffer every encoder of the exports writes into: Parquet pages, levels
/// and footers (``ThriftCompactWriter``), and Perfetto's packets and bundles
/// (``ProtoBuffer``).
///
/// One raw allocation, grown by doubling and reused (``removeAll(keepingAtMost:)`` keeps
/// the memory), written without per-byte bounds checks: every append first makes room for
/// what it writes, so `count <= capacity` always holds and every write lands inside the
/// allocation. The bytes are read through ``withBytes(_:)`` (a `RawSpan` for the closure's
/// scope), copied out with ``array``, or handed to the other internal types (the output file,
/// the zstd compressor) through the `@unsafe` members. While a span lent by ``withBytes(_:)``
/// is alive the memory is never freed or moved (a change that would do so stops the program).
///
/// A class, so that the encoders and the hot per-event state share a buffer by reference
/// without exclusivity checks on it; one thread uses a buffer at a time.
@safe
final class ByteBuffer {
    // Read and written on every value by one thread: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var used = 0
    @exclusivity(unchecked) private var capacity: Int
    /// Spans of ``withBytes(_:)`` alive: the memory must not be freed while they are.
    @exclusivity(unchecked) private var lent = 0

    /// An empty buffer with room for `capacity` bytes.
    init(capacity: Int = 1024) {
        let c = max(64, capacity)
        unsafe self.capacity = c
        unsafe base = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
    }

    deinit { unsafe base.deallocate() }

    /// The number of bytes written.
    var count: Int {
        @inline(__always) get { unsafe used }
    }

    /// Whether nothing was written.
    var isEmpty: Bool {
        @inline(__always) get { unsafe used == 0 }
    }

    /// Makes room for `n` more bytes.
    @inline(__always)
    func reserve(_ n: Int) {
        let room = unsafe capacity &- used
        if n > room { grow(n) }
    }

    // Frees raw memory only, never an object: the optimizer may keep borrowing the callers'
    // references across an append (no retain and release around every value).
    @inline(never) @_effects(releasenone)
    private func grow(_ n: Int) {
        let used = unsafe self.used
        precondition(n >= 0 && n <= Int.max / 4 && used <= Int.max / 4 - n, "ByteBuffer: size overflow")
        precondition(unsafe lent == 0, "ByteBuffer grown while its bytes are read")
        let needed = used + n
        var c = unsafe capacity
        while c < needed { c *= 2 }
        let b = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        unsafe b.copyMemory(from: base, byteCount: used)
        unsafe base.deallocate()
        unsafe base = b
        unsafe capacity = c
    }

    /// Forgets the contents; keeps the memory unless it grew past `keep` bytes.
    @inline(__always)
    func removeAll(keepingAtMost keep: Int = 1 << 22) {
        unsafe used = 0
        if unsafe capacity > keep { shrink(keep) }
    }

    // Frees raw memory only (see grow).
    @inline(never) @_effects(releasenone)
    private func shrink(_ keep: Int) {
        precondition(unsafe lent == 0, "ByteBuffer emptied while its bytes are read")
        let c = max(64, keep / 4)
        unsafe base.deallocate()
        unsafe capacity = c
        unsafe base = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
    }

    // MARK: Appending

    /// Appends one byte.
    @inline(__always)
    func append(_ b: UInt8) {
        reserve(1)
        unsafe base.storeBytes(of: b, toByteOffset: used, as: UInt8.self)
        unsafe used &+= 1
    }

    /// Appends `v` little-endian (4 bytes).
    @inline(__always)
    func appendLE(_ v: UInt32) {
        reserve(4)
        unsafe base.storeBytes(of: v.littleEndian, toByteOffset: used, as: UInt32.self)
        unsafe used &+= 4
    }

    /// Appends `v` little-endian (8 bytes).
    @inline(__always)
    func appendLE(_ v: UInt64) {
        reserve(8)
        unsafe base.storeBytes(of: v.littleEndian, toByteOffset: used, as: UInt64.self)
        unsafe used &+= 8
    }

    /// The number of bytes of `v` as an unsigned LEB128 varint.
    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int {
        // 1 + floor(bits / 7), with 0 taking one byte.
        let bits = 64 &- (v | 1).leadingZeroBitCount
        return (bits &+ 6) / 7
    }

    /// Writes `v` as a varint at `offset` (room for 10 bytes from there was made); returns
    /// the offset after it.
    @inline(__always)
    private func storeVarint(_ v: UInt64, at offset: Int) -> Int {
        var v = v
        var i = offset
        while v >= 0x80 {
            unsafe base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            i &+= 1
            v >>= 7
        }
        unsafe base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
        return i &+ 1
    }

    /// Appends `v` as an unsigned LEB128 varint (Thrift, RLE run headers, protobuf).
    @inline(__always)
    func appendVarint(_ v: UInt64) {
        reserve(10)
        unsafe used = storeVarint(v, at: used)
    }

    /// Appends two varints (a protobuf tag and its value).
    @inline(__always)
    func appendVarints(_ a: UInt64, _ b: UInt64) {
        reserve(20)
        unsafe used = storeVarint(b, at: storeVarint(a, at: used))
    }

    /// Appends two varints and a placeholder byte; returns the offset after the placeholder
    /// (a protobuf nested message's tag, then its length's first byte; see ``setByte(_:at:)``
    /// and ``replaceByte(at:withVarint:)``).
    @inline(__always)
    func appendVarintAndPlaceholder(_ a: UInt64) -> Int {
        reserve(11)
        let end = unsafe storeVarint(a, at: used) &+ 1
        unsafe used = end
        return end
    }

    /// Copies `n` bytes from `source` to the end (room was made; `source` is not inside the
    /// part of this buffer that moves).
    @inline(__always)
    private func appendRaw(_ source: UnsafeRawPointer, _ n: Int) {
        unsafe (base + used).copyMemory(from: source, byteCount: n)
        unsafe used &+= n
    }

    /// Appends `bytes`.
    @inline(__always)
    func append(_ bytes: RawSpan) {
        let n = bytes.byteCount
        guard n > 0 else { return }
        // The bytes may be this buffer's own (lent by withBytes): grow() refuses to move them.
        reserve(n)
        unsafe bytes.withUnsafeBytes { b in
            if let p = b.baseAddress { unsafe appendRaw(p, n) }
        }
    }

    /// Appends `bytes`.
    func append(contentsOf bytes: [UInt8]) {
        let n = bytes.count
        guard n > 0 else { return }
        reserve(n)
        unsafe bytes.withUnsafeBytes { b in
            if let p = b.baseAddress { unsafe appendRaw(p, n) }
        }
    }

    /// Appends `s`'s UTF-8.
    func append(utf8 s: String) {
        var s = s
        s.withUTF8 { u in
            let n = u.count
            guard n > 0 else { return }
            reserve(n)
            if let p = u.baseAddress { unsafe appendRaw(UnsafeRawPointer(p), n) }
        }
    }

    /// Appends `other`'s bytes (`other` may be this buffer).
    func append(_ other: ByteBuffer) {
        let n = other.count
        guard n > 0 else { return }
        reserve(n)
        // Read other's address after reserving: it moved if other is self and grew.
        unsafe appendRaw(UnsafeRawPointer(other.base), n)
    }

    // MARK: Changing written bytes

    /// Replaces the byte at `offset` (which was written).
    @inline(__always)
    func setByte(_ b: UInt8, at offset: Int) {
        precondition(offset >= 0 && offset < count, "ByteBuffer: offset out of range")
        unsafe base.storeBytes(of: b, toByteOffset: offset, as: UInt8.self)
    }

    /// Replaces the byte at `offset` (which was written) with `v` as a varint, moving the
    /// bytes after it up by the varint's extra bytes (a nested message's length, written
    /// when the message ends).
    func replaceByte(at offset: Int, withVarint v: UInt64) {
        precondition(offset >= 0 && offset < count, "ByteBuffer: offset out of range")
        let size = Self.varintSize(v)
        let extra = size - 1
        reserve(extra)
        let tail = unsafe used - offset - 1
        unsafe (base + offset + size).copyMemory(from: base + offset + 1, byteCount: tail)
        _ = storeVarint(v, at: offset)
        unsafe used += extra
    }

    /// Appends `n` zero bytes.
    func appendZeros(_ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        unsafe (base + used).initializeMemory(as: UInt8.self, repeating: 0, count: n)
        unsafe used &+= n
    }

    /// The 8 bytes at `offset` (which were written) as a little-endian number.
    @inline(__always)
    func uint64(at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset <= count &- 8, "ByteBuffer: offset out of range")
        return UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Replaces the 8 bytes at `offset` (which were written) with `v`, little-endian.
    @inline(__always)
    func setUInt64(_ v: UInt64, at offset: Int) {
        precondition(offset >= 0 && offset <= count &- 8, "ByteBuffer: offset out of range")
        unsafe base.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt64.self)
    }

    // MARK: Reading

    /// Calls `body` with the bytes written (valid only inside `body`; the buffer may be
    /// appended to meanwhile as long as it does not have to grow).
    @inline(__always)
    func withBytes<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        unsafe lent &+= 1
        defer { unsafe lent &-= 1 }
        let span = unsafe RawSpan(_unsafeBytes: UnsafeRawBufferPointer(start: base, count: used))
        return try body(span)
    }

    /// The order of the bytes against `other` in unsigned lexicographic order: negative when
    /// they come first, zero when equal, positive when they come after.
    func compare(_ other: RawSpan) -> Int {
        let n = unsafe used
        let m = other.byteCount
        let common = min(n, m)
        if common > 0 {
            let c = unsafe other.withUnsafeBytes { o -> Int in
                guard let p = o.baseAddress else { return 0 }
                return unsafe Self.order(UnsafeRawPointer(base), p, count: common)
            }
            if c != 0 { return c }
        }
        return n < m ? -1 : (n > m ? 1 : 0)
    }

    /// Whether the bytes of `range` (which were written) equal `other`.
    @inline(__always)
    func equals(_ range: Range<Int>, _ other: RawSpan) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "ByteBuffer: range out of range")
        let n = range.count
        guard n == other.byteCount else { return false }
        guard n > 0 else { return true }
        return unsafe other.withUnsafeBytes { o -> Bool in
            guard let p = o.baseAddress else { return false }
            return unsafe Self.same(UnsafeRawPointer(base + range.lowerBound), p, count: n)
        }
    }

    /// `memcmp`'s order of the `count` bytes at `a` and `b` (-1, 0 or 1), eight bytes at a
    /// time (big-endian loads order like bytes).
    @unsafe @inline(__always)
    private static func order(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Int {
        var i = 0
        while i &+ 8 <= count {
            let x = unsafe a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let y = unsafe b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if x != y { return UInt64(bigEndian: x) < UInt64(bigEndian: y) ? -1 : 1 }
            i &+= 8
        }
        while i < count {
            let x = unsafe a.load(fromByteOffset: i, as: UInt8.self)
            let y = unsafe b.load(fromByteOffset: i, as: UInt8.self)
            if x != y { return x < y ? -1 : 1 }
            i &+= 1
        }
        return 0
    }

    /// Whether the `count` bytes at `a` and `b` are equal, eight bytes at a time.
    @unsafe @inline(__always)
    private static func same(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var i = 0
        while i &+ 8 <= count {
            if unsafe a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < count {
            if unsafe a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }

    /// Replaces the contents with `bytes`.
    func replace(with bytes: RawSpan) {
        removeAll(keepingAtMost: 1 << 16)
        append(bytes)
    }

    /// A copy of the bytes.
    var array: [UInt8] { unsafe [UInt8](UnsafeRawBufferPointer(start: base, count: used)) }

    // MARK: For the output file and the compressor

    /// The bytes written, valid until the buffer next changes.
    @unsafe var unsafeBytes: UnsafeRawBufferPointer {
        unsafe UnsafeRawBufferPointer(start: base, count: used)
    }

    /// Replaces the contents with at most `capacity` bytes that `write` puts into the buffer's
    /// memory and counts (`nil`: nothing written; the buffer is then empty). `write` must not
    /// write past the memory it is given.
    @unsafe func replaceContents(capacity n: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int?) -> Bool {
        removeAll()
        reserve(n)
        guard let written = unsafe write(UnsafeMutableRawBufferPointer(start: base, count: n)),
              written >= 0, written <= n else { return false }
        unsafe used = written
        return true
    }
}
