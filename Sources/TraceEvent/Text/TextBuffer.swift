/// A growable byte buffer that output is formatted into, then flushed in large writes.
///
/// Formatting code appends bytes and ASCII/UTF-8 text; nothing is converted through
/// `String(format:)` or Foundation on the hot path. A value type (copies are independent,
/// copy-on-write) over one raw allocation: an append is a capacity check and a copy, and
/// `appendUnsafe(maxCount:_:)` lets formatting code of this package write its bytes in place.
///
/// `@unchecked Sendable` (its storage class is not `Sendable`): copy-on-write as `Array` is:
/// the storage's bytes are written only through ``reserveTail(_:)``, after
/// `isKnownUniquelyReferenced`, so no copy, on any thread, sees them change.
@_spi(Engine) public struct TextBuffer: @unchecked Sendable {
    @usableFromInline
    final class Storage {
        @usableFromInline let base: UnsafeMutablePointer<UInt8>
        @usableFromInline let capacity: Int

        @usableFromInline
        init(capacity: Int) {
            self.capacity = max(capacity, 16)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }
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
        Array(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// The last byte, if any.
    @inlinable @_spi(Engine) public var last: UInt8? { count > 0 ? storage.base[count - 1] : nil }

    /// Whether no bytes are held.
    @inlinable @_spi(Engine) public var isEmpty: Bool { count == 0 }

    /// The byte at `index` (which must be below ``count``).
    @inlinable @_spi(Engine) public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "TextBuffer index out of range")
        return storage.base[index]
    }

    /// Calls `body` with the bytes written so far, read in place.
    @inlinable @_spi(Engine) public func withBytes<R>(_ body: (RawSpan) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body($0.bytes) }
    }

    /// Calls `body` with the bytes written so far.
    @inlinable package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeRawBufferPointer(start: storage.base, count: count))
        }
    }

    /// Room for `n` more bytes, unshared: returns where they go.
    @inlinable @inline(__always)
    mutating func reserveTail(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if _slowPath(!isKnownUniquelyReferenced(&storage) || count + n > storage.capacity) { grow(count + n) }
        return storage.base + count
    }

    @usableFromInline
    mutating func grow(_ needed: Int) {
        let capacity = Swift.max(needed, storage.capacity * 2)
        let bigger = Storage(capacity: capacity)
        bigger.base.update(from: storage.base, count: count)
        storage = bigger
    }

    /// Lets `body` write at most `maxCount` bytes at the end in place; it returns how many
    /// it wrote.
    @inlinable @inline(__always)
    package mutating func appendUnsafe(maxCount: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let p = reserveTail(maxCount)
        let n = body(p)
        _count += Swift.min(Swift.max(n, 0), maxCount)
    }

    @inlinable @inline(__always) @_spi(Engine) public mutating func append(_ byte: UInt8) {
        let p = reserveTail(1)
        p.pointee = byte
        _count &+= 1
    }

    @inlinable @_spi(Engine) public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    @inlinable @_spi(Engine) public mutating func append(contentsOf b: some Sequence<UInt8>) {
        let done: Bool? = b.withContiguousStorageIfAvailable { append(contentsOf: UnsafeRawBufferPointer($0)); return true }
        if done == nil { for x in b { append(x) } }
    }

    /// Appends the bytes of an array with one copy.
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf b: [UInt8]) {
        b.withUnsafeBytes { append(contentsOf: $0) }
    }

    /// Appends raw bytes with one copy.
    @inlinable @inline(__always) package mutating func append(contentsOf b: UnsafeRawBufferPointer) {
        let n = b.count
        guard n > 0, let src = b.baseAddress else { return }
        let p = reserveTail(n)
        if n <= 16 {
            let s = src.assumingMemoryBound(to: UInt8.self)
            var i = 0
            while i < n { p[i] = s[i]; i &+= 1 }
        } else {
            UnsafeMutableRawPointer(p).copyMemory(from: src, byteCount: n)
        }
        _count &+= n
    }

    /// Appends `byte` `count` times (padding).
    /// Appends the bytes of a view.
    @inlinable @inline(__always) package mutating func append(contentsOf b: RawBytes) {
        unsafe append(contentsOf: b.unsafeBuffer)
    }

    /// Appends the bytes of `span`.
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf span: RawSpan) {
        span.withUnsafeBytes { append(contentsOf: $0) }
    }

    @inlinable @inline(__always) @_spi(Engine) public mutating func append(repeating byte: UInt8, count n: Int) {
        if n <= 0 { return }
        let p = reserveTail(n)
        if n <= 32 {
            var i = 0
            while i < n { p[i] = byte; i &+= 1 }
        } else {
            p.update(repeating: byte, count: n)
        }
        _count &+= n
    }

    /// Appends the decimal text of `value`.
    @inlinable @_spi(Engine) public mutating func appendDecimal(_ value: UInt64) {
        let p = reserveTail(20)
        if value < 10 {
            p.pointee = UInt8(truncatingIfNeeded: value) &+ 0x30
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
            p[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
        }
        _count &+= n
    }

    /// Appends the bytes of a static string (a literal), without creating a `String`.
    @inlinable @_spi(Engine) public mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { append(contentsOf: UnsafeRawBufferPointer($0)) }
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
        appendUnsafe(maxCount: total + pad) { p in
            var i = 0
            if !left { while i < pad { p[i] = 0x20; i &+= 1 } }
            if prefixCount > 0 { p[i] = prefix.0; i &+= 1 }
            if prefixCount > 1 { p[i] = prefix.1; i &+= 1 }
            var z = 0
            while z < zeros { p[i] = 0x30; i &+= 1; z &+= 1 }
            var d = 32 - nd
            while d < 32 { p[i] = digitsBuf[d]; i &+= 1; d &+= 1 }
            if left { var k = 0; while k < pad { p[i] = 0x20; i &+= 1; k &+= 1 } }
            return i
        }
    }

    /// Appends `value` in lowercase hexadecimal without prefix (`%llx`).
    @inline(__always)
    mutating func appendHex(_ value: UInt64, minDigits: Int = 1, upper: Bool = false) {
        let nd = Self.hexDigitCount(value)
        let zeros = minDigits > nd ? minDigits - nd : 0
        // One reservation for the whole number (each single-byte append checks the storage).
        appendUnsafe(maxCount: zeros + nd) { p in
            var i = 0
            while i < zeros { p[i] = 0x30; i &+= 1 }
            Self.writeHex(value, digits: nd, upper: upper, at: p + zeros)
            return zeros + nd
        }
    }

    /// Appends `0x` and the hexadecimal of `value` (`0x%llx`).
    @inline(__always)
    mutating func append0xHex(_ value: UInt64) {
        let nd = Self.hexDigitCount(value)
        appendUnsafe(maxCount: nd + 2) { p in
            p[0] = 0x30
            p[1] = 0x78
            Self.writeHex(value, digits: nd, upper: false, at: p + 2)
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
    @inline(__always)
    static func writeHex(_ value: UInt64, digits: Int, upper: Bool, at p: UnsafeMutablePointer<UInt8>) {
        let letter: UInt8 = upper ? 0x41 - 10 : 0x61 - 10
        var k = digits
        var x = value
        while k > 0 {
            k &-= 1
            let d = UInt8(truncatingIfNeeded: x & 0xf)
            p[k] = d < 10 ? 0x30 &+ d : letter &+ d
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
