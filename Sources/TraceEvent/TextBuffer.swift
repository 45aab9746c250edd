/// A growable byte buffer that output is formatted into, then flushed in large writes.
///
/// Formatting code appends bytes and ASCII/UTF-8 text; nothing is converted through
/// `String(format:)` or Foundation on the hot path.
public struct TextBuffer: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    public init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes held.
    @inlinable public var count: Int { bytes.count }

    @inlinable public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    @inlinable public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func append(contentsOf b: some Sequence<UInt8>) {
        bytes.append(contentsOf: b)
    }

    /// Appends `byte` `count` times (padding).
    @inlinable public mutating func append(repeating byte: UInt8, count: Int) {
        if count <= 0 { return }
        bytes.reserveCapacity(bytes.count + count)
        for _ in 0..<count { bytes.append(byte) }
    }

    /// Appends the decimal text of `value`.
    @inlinable public mutating func appendDecimal(_ value: UInt64) {
        if value < 10 { bytes.append(UInt8(truncatingIfNeeded: value) &+ 0x30); return }
        // Count the digits, then write them from the last one, without a temporary buffer.
        var n = 1
        var p: UInt64 = 10
        while n < 20 && value >= p { n += 1; p = p &* 10 }
        let start = bytes.count
        for _ in 0..<n { bytes.append(0x30) }
        bytes.withUnsafeMutableBufferPointer { b in
            var v = value
            var i = start + n
            while i > start { i -= 1; b[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30; v /= 10 }
        }
    }

    /// Appends the bytes of a static string (a literal), without creating a `String`.
    @inlinable public mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends the decimal text of `value`, with a leading `-` when negative.
    @inlinable public mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            bytes.append(0x2d)
            appendDecimal(UInt64(bitPattern: 0 &- value))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    /// Removes all bytes, keeping the capacity.
    @inlinable public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}
