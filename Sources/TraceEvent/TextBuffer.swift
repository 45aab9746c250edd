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

    /// Appends raw bytes with one copy. (As a `Sequence`, a raw buffer has no typed
    /// contiguous storage, and the generic append would copy it byte by byte.)
    @inlinable public mutating func append(contentsOf b: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: b.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                                     count: b.count))
    }

    /// Appends `byte` `count` times (padding).
    @inlinable public mutating func append(repeating byte: UInt8, count: Int) {
        if count <= 0 { return }
        if count == 1 { bytes.append(byte); return }
        // One bulk append per 32 bytes, from a pattern on the stack.
        let k = UInt64(byte) &* 0x0101_0101_0101_0101
        var pattern: (UInt64, UInt64, UInt64, UInt64) = (k, k, k, k)
        withUnsafeBytes(of: &pattern) { raw in
            var left = count
            while left > 0 {
                let n = min(left, 32)
                append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                left -= n
            }
        }
    }

    /// Appends the decimal text of `value`.
    @inlinable public mutating func appendDecimal(_ value: UInt64) {
        if value < 10 { bytes.append(UInt8(truncatingIfNeeded: value) &+ 0x30); return }
        var v = value
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch
        withUnsafeMutableBytes(of: &tmp) { raw in
            var i = 24
            while v > 0 { i -= 1; raw[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30; v /= 10 }
            append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i...]))
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
