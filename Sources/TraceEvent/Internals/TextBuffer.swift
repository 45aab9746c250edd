/// A growable byte buffer that output is formatted into, then flushed in large writes.
///
/// Formatting code appends bytes and ASCII/UTF-8 text; nothing is converted through
/// `String(format:)` or Foundation on the hot path. A value type (copies are independent,
/// copy-on-write) over one raw allocation: an append is a capacity check and a copy, and
/// ``append(maxCount:_:)`` lets formatting code write its bytes in place through an
/// `OutputSpan`.
///
/// The module's one output-buffer type, and one of the few types of the module that hold
/// unsafe code: every write goes to the tail reserved by ``reserveTail(_:)`` after its
/// capacity check, so the safe API never touches memory outside the allocation. The `@unsafe`
/// members hand out pointers to the engine code that still takes them.
///
/// `@unchecked Sendable` (its storage class is not `Sendable`): copy-on-write as `Array` is:
/// the storage's bytes are written only through ``reserveTail(_:)``, after
/// `isKnownUniquelyReferenced`, so no copy, on any thread, sees them change.
@safe
@_spi(Engine) public struct TextBuffer: @unchecked Sendable {
    @safe @usableFromInline
    final class Storage {
        @usableFromInline let base: UnsafeMutablePointer<UInt8>
        @usableFromInline let capacity: Int

        @usableFromInline
        init(capacity: Int) {
            self.capacity = max(capacity, 16)
            unsafe base = .allocate(capacity: self.capacity)
        }

        deinit { unsafe base.deallocate() }
    }

    @usableFromInline var storage: Storage
    @usableFromInline var _count: Int
    /// Number of bytes held.
    @inlinable @_spi(Engine) public var count: Int { _count }

    @_spi(Engine) public init(capacity: Int = 1 << 16) {
        storage = Storage(capacity: capacity)
        _count = 0
    }

    /// The bytes written so far, as an array (a copy; use ``withBytes(_:)`` to read them in
    /// place).
    @_spi(Engine) public var bytes: [UInt8] {
        unsafe Array(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// The last byte, if any.
    @inlinable @_spi(Engine) public var last: UInt8? { count > 0 ? unsafe storage.base[count - 1] : nil }

    /// Whether no bytes are held.
    @inlinable @_spi(Engine) public var isEmpty: Bool { count == 0 }

    /// The byte at `index` (which must be below ``count``).
    @inlinable @_spi(Engine) public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "TextBuffer index out of range")
        return unsafe storage.base[index]
    }

    /// Calls `body` with the bytes written so far, read in place.
    @inlinable @_spi(Engine) public func withBytes<R>(_ body: (RawSpan) throws -> R) rethrows -> R {
        try unsafe withUnsafeBytes { try body(unsafe $0.bytes) }
    }

    /// Calls `body` with the bytes written so far (prefer ``withBytes(_:)``).
    @unsafe @inlinable package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try unsafe body(UnsafeRawBufferPointer(start: storage.base, count: count))
        }
    }

    /// Room for `n` more bytes, unshared: returns where they go.
    @unsafe @inlinable @inline(__always)
    mutating func reserveTail(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if _slowPath(!isKnownUniquelyReferenced(&storage) || count + n > storage.capacity) { grow(count + n) }
        return unsafe storage.base + count
    }

    @usableFromInline
    mutating func grow(_ needed: Int) {
        let capacity = Swift.max(needed, storage.capacity * 2)
        let bigger = Storage(capacity: capacity)
        unsafe bigger.base.update(from: storage.base, count: count)
        storage = bigger
    }

    /// Lets `body` write at most `maxCount` bytes at the end in place; it returns how many
    /// it wrote. (The safe form is ``append(maxCount:_:)``.)
    @unsafe @inlinable @inline(__always)
    package mutating func appendUnsafe(maxCount: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let p = unsafe reserveTail(maxCount)
        let n = unsafe body(p)
        _count += Swift.min(Swift.max(n, 0), maxCount)
    }

    /// Lets `body` write at most `maxCount` bytes at the end in place, through an
    /// `OutputSpan` of that capacity (each write is bounds-checked); what it appended stays.
    @inlinable @inline(__always)
    @_spi(Engine) public mutating func append(maxCount: Int, _ body: (inout OutputSpan<UInt8>) -> Void) {
        let n = Swift.max(maxCount, 0)
        let tail = unsafe UnsafeMutableBufferPointer(start: reserveTail(n), count: n)
        var output = unsafe OutputSpan(buffer: tail, initializedCount: 0)
        body(&output)
        _count &+= unsafe output.finalize(for: tail)
    }

    @inlinable @inline(__always) @_spi(Engine) public mutating func append(_ byte: UInt8) {
        let p = unsafe reserveTail(1)
        unsafe p.pointee = byte
        _count &+= 1
    }

    @inlinable @_spi(Engine) public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { unsafe append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    @inlinable @_spi(Engine) public mutating func append(contentsOf b: some Sequence<UInt8>) {
        let done: Bool? = b.withContiguousStorageIfAvailable { unsafe append(contentsOf: UnsafeRawBufferPointer($0)); return true }
        if done == nil { for x in b { append(x) } }
    }

    /// Appends the bytes of an array with one copy.
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf b: [UInt8]) {
        unsafe b.withUnsafeBytes { unsafe append(contentsOf: $0) }
    }

    /// Appends the bytes of `b[range]` with one copy; `range` must be inside the array.
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf b: [UInt8], _ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= b.count, "TextBuffer append range out of bounds")
        unsafe b.withUnsafeBytes { unsafe append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Appends raw bytes with one copy.
    @unsafe @inlinable @inline(__always) package mutating func append(contentsOf b: UnsafeRawBufferPointer) {
        let n = b.count
        guard n > 0, let src = b.baseAddress else { return }
        let p = unsafe reserveTail(n)
        if n <= 16 {
            let s = unsafe src.assumingMemoryBound(to: UInt8.self)
            var i = 0
            while i < n { unsafe p[i] = s[i]; i &+= 1 }
        } else {
            unsafe UnsafeMutableRawPointer(p).copyMemory(from: src, byteCount: n)
        }
        _count &+= n
    }

    /// Appends the bytes of a view.
    @inlinable @inline(__always) package mutating func append(contentsOf b: RawBytes) {
        unsafe append(contentsOf: b.unsafeBuffer)
    }

    /// Appends the bytes of `span`.
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf span: RawSpan) {
        unsafe span.withUnsafeBytes { unsafe append(contentsOf: $0) }
    }

    /// Appends the bytes of `span`.
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf span: Span<UInt8>) {
        unsafe span.withUnsafeBytes { unsafe append(contentsOf: $0) }
    }

    /// Appends `byte` `count` times (padding).
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(repeating byte: UInt8, count n: Int) {
        if n <= 0 { return }
        let p = unsafe reserveTail(n)
        if n <= 32 {
            var i = 0
            while i < n { unsafe p[i] = byte; i &+= 1 }
        } else {
            unsafe p.update(repeating: byte, count: n)
        }
        _count &+= n
    }

    /// Appends the decimal text of `value`.
    @inlinable @_spi(Engine) public mutating func appendDecimal(_ value: UInt64) {
        let p = unsafe reserveTail(20)
        if value < 10 {
            unsafe p.pointee = UInt8(truncatingIfNeeded: value) &+ 0x30
            _count &+= 1
            return
        }
        var n = 1
        var t = value
        while t >= 10 { t /= 10; n &+= 1 }
        var v = value
        var i = n
        while i > 0 {
            i &-= 1
            unsafe p[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
        }
        _count &+= n
    }

    /// Appends the bytes of a static string (a literal), without creating a `String`.
    @inlinable @_spi(Engine) public mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { unsafe append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    /// Appends the bytes of `range` (clamped to the string) of the static string `s`.
    @inlinable @_spi(Engine) public mutating func append(_ s: StaticString, _ range: Range<Int>) {
        s.withUTF8Buffer { b in
            let lo = Swift.min(Swift.max(range.lowerBound, 0), b.count)
            let hi = Swift.min(Swift.max(range.upperBound, lo), b.count)
            unsafe append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[lo..<hi])))
        }
    }

    /// Appends the decimal text of `value`, with a leading `-` when negative.
    @inlinable @_spi(Engine) public mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(0x2d)
            appendDecimal(UInt64(bitPattern: 0 &- value))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    /// Removes the last `n` bytes (at most all of them).
    @inlinable @_spi(Engine) public mutating func removeLast(_ n: Int = 1) {
        _count -= Swift.min(Swift.max(n, 0), count)
    }

    /// Removes all bytes, keeping the capacity.
    @inlinable @_spi(Engine) public mutating func removeAll() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(capacity: storage.capacity) }
        _count = 0
    }
}

// MARK: - Number formatting (printf conversions)

extension TextBuffer {
    /// Appends one formatted integer in a single write: `pad` spaces (before unless
    /// `leftAlign`, then after), the sign or prefix bytes, `zeros` zeros, and the last
    /// `digitCount` bytes of `digits`.
    @inline(__always)
    mutating func appendPadded(pad: Int, leftAlign left: Bool, prefix: (UInt8, UInt8), prefixCount: Int,
                               zeros: Int, digits digitsBuf: InlineArray<32, UInt8>, digitCount nd: Int) {
        let total = prefixCount + zeros + nd
        unsafe appendUnsafe(maxCount: total + pad) { p in
            var i = 0
            if !left { while i < pad { unsafe p[i] = 0x20; i &+= 1 } }
            if prefixCount > 0 { unsafe p[i] = prefix.0; i &+= 1 }
            if prefixCount > 1 { unsafe p[i] = prefix.1; i &+= 1 }
            var z = 0
            while z < zeros { unsafe p[i] = 0x30; i &+= 1; z &+= 1 }
            var d = 32 - nd
            while d < 32 { unsafe p[i] = digitsBuf[d]; i &+= 1; d &+= 1 }
            if left { var k = 0; while k < pad { unsafe p[i] = 0x20; i &+= 1; k &+= 1 } }
            return i
        }
    }

    /// Appends `value` in lowercase hexadecimal without prefix (`%llx`).
    @inline(__always)
    mutating func appendHex(_ value: UInt64, minDigits: Int = 1, upper: Bool = false) {
        let nd = Self.hexDigitCount(value)
        let zeros = minDigits > nd ? minDigits - nd : 0
        // One reservation for the whole number (each single-byte append checks the storage).
        unsafe appendUnsafe(maxCount: zeros + nd) { p in
            var i = 0
            while i < zeros { unsafe p[i] = 0x30; i &+= 1 }
            unsafe Self.writeHex(value, digits: nd, upper: upper, at: p + zeros)
            return zeros + nd
        }
    }

    /// Appends `0x` and the hexadecimal of `value` (`0x%llx`).
    @inline(__always)
    mutating func append0xHex(_ value: UInt64) {
        let nd = Self.hexDigitCount(value)
        unsafe appendUnsafe(maxCount: nd + 2) { p in
            unsafe p[0] = 0x30
            unsafe p[1] = 0x78
            unsafe Self.writeHex(value, digits: nd, upper: false, at: p + 2)
            return nd + 2
        }
    }

    /// The number of hexadecimal digits of `value` (1 for 0).
    @inline(__always)
    static func hexDigitCount(_ value: UInt64) -> Int {
        var nd = 1
        var v = value >> 4
        while v != 0 { nd += 1; v >>= 4 }
        return nd
    }

    /// Writes the last `digits` hexadecimal digits of `value` at `p`.
    @unsafe @inline(__always)
    static func writeHex(_ value: UInt64, digits: Int, upper: Bool, at p: UnsafeMutablePointer<UInt8>) {
        let letter: UInt8 = upper ? 0x41 - 10 : 0x61 - 10
        var k = digits
        var x = value
        while k > 0 {
            k &-= 1
            let d = UInt8(truncatingIfNeeded: x & 0xf)
            unsafe p[k] = d < 10 ? 0x30 &+ d : letter &+ d
            x >>= 4
        }
    }

    /// Appends the decimal of `value` zero-padded to `minDigits` (`%03d` of a non-negative).
    @inline(__always)
    mutating func appendDecimal(_ value: UInt64, minDigits: Int) {
        var nd = 1
        var v = value / 10
        while v != 0 { nd += 1; v /= 10 }
        if minDigits > nd { append(repeating: 0x30, count: minDigits - nd) }
        appendDecimal(value)
    }
}
