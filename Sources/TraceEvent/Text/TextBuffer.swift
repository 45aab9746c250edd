/// A growable byte buffer that output is formatted into, then flushed in large writes.
///
/// Formatting code appends bytes and ASCII/UTF-8 text; nothing is converted through
/// `String(format:)` or Foundation on the hot path. A value type (copies are independent,
/// copy-on-write) over one raw allocation: an append is a capacity check and a copy, and
/// ``appendUnsafe(maxCount:_:)`` lets formatting code write its bytes in place.
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

    /// The bytes written so far, as an array (a copy; use ``withUnsafeBytes(_:)`` to read
    /// them in place).
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

    /// Calls `body` with the bytes written so far.
    @inlinable @_spi(Engine) public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
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
    @_spi(Engine) public mutating func appendUnsafe(maxCount: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
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
    @inlinable @inline(__always) @_spi(Engine) public mutating func append(contentsOf b: UnsafeRawBufferPointer) {
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
