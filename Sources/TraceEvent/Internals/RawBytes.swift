/// A read-only view of bytes that another internal type owns: a mapped trace file, a
/// ring-buffer page, a decompressed chunk, an output buffer.
///
/// The engine's escapable counterpart of `RawSpan`, for the places that must store a view
/// (a record's payload in the merge's slots, a page in its stream). Every read is
/// bounds-checked: a load outside the view returns `nil`, a slice outside it returns `nil`.
///
/// The one promise the compiler does not check is the lifetime: the owner keeps the memory
/// alive and unchanged while any view of it is in use (a record's payload until its stream
/// is asked for the next record; a mapped file's bytes while the file is open). That is why
/// only owners make views, through the `@unsafe` ``init(unsafeBytes:)``; everything else
/// reads them through the members below, or borrows a `RawSpan` for a closure's scope with
/// ``withSpan(_:)``. Package-internal: the public API hands out `RawSpan`s and owned values.
@safe
@frozen
@usableFromInline
package struct RawBytes {
    @usableFromInline let buffer: UnsafeRawBufferPointer

    /// A view of `unsafeBytes`, which the caller owns and keeps alive while the view is used.
    @unsafe @inlinable @inline(__always)
    package init(unsafeBytes: UnsafeRawBufferPointer) {
        unsafe buffer = unsafeBytes
    }

    /// An empty view.
    @inlinable @inline(__always)
    package init() {
        unsafe buffer = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// The number of bytes.
    @inlinable @inline(__always)
    package var count: Int { unsafe buffer.count }

    /// Whether there are no bytes.
    @inlinable @inline(__always)
    package var isEmpty: Bool { unsafe buffer.count == 0 }

    /// The underlying buffer, for the owners' C calls and copies.
    @unsafe @inlinable @inline(__always)
    package var unsafeBuffer: UnsafeRawBufferPointer { unsafe buffer }

    /// Calls `body` with the bytes as a `RawSpan` (valid only inside `body`).
    @inlinable @inline(__always)
    package func withSpan<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        let span = unsafe RawSpan(_unsafeBytes: buffer)
        return try body(span)
    }

    /// The `length` bytes from offset `start`, or `nil` when they are not inside the view.
    @inlinable @inline(__always)
    package func slice(from start: Int, length: Int) -> RawBytes? {
        guard start >= 0, length >= 0, length <= count &- start else { return nil }
        return unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(start: buffer.baseAddress.map { unsafe $0 + start },
                                                                   count: length))
    }

    /// The bytes of `range`, or `nil` when `range` is not inside the view.
    @inlinable @inline(__always)
    package func slice(_ range: Range<Int>) -> RawBytes? {
        guard range.lowerBound >= 0, range.upperBound <= count else { return nil }
        return unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(rebasing: buffer[range]))
    }

    /// The bytes of `range` clamped to the view.
    @inlinable
    package func clampedSlice(_ range: Range<Int>) -> RawBytes {
        let lo = Swift.min(Swift.max(range.lowerBound, 0), count)
        let hi = Swift.min(Swift.max(range.upperBound, lo), count)
        return unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(rebasing: buffer[lo..<hi]))
    }

    /// The byte at `offset`, or `nil` when `offset` is outside the view.
    @inlinable @inline(__always)
    package func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return unsafe buffer.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// A fixed-size integer in memory order at `offset`, or `nil` when its bytes are not all
    /// inside the view.
    @inlinable @inline(__always)
    package func load<T: FixedWidthInteger & BitwiseCopyable>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count &- MemoryLayout<T>.size else { return nil }
        // A view with at least one byte has a base address.
        return unsafe buffer.baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: T.self)
    }

    /// A little-endian 32-bit word at `offset` (the ring buffer's event header), or `nil`.
    @inlinable @inline(__always)
    package func littleEndianUInt32(at offset: Int) -> UInt32? {
        load(UInt32.self, at: offset).map { UInt32(littleEndian: $0) }
    }

    /// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `offset` in `order`;
    /// `nil` when the bytes are not all inside the view or the size is not one of those.
    @inlinable @inline(__always)
    package func loadUnsigned(at offset: Int, size: Int, order: ByteOrder) -> UInt64? {
        switch size {
        case 1:
            return byte(at: offset).map { UInt64($0) }
        case 2:
            return load(UInt16.self, at: offset).map { UInt64(order == .little ? UInt16(littleEndian: $0) : UInt16(bigEndian: $0)) }
        case 4:
            return load(UInt32.self, at: offset).map { UInt64(order == .little ? UInt32(littleEndian: $0) : UInt32(bigEndian: $0)) }
        case 8:
            return load(UInt64.self, at: offset).map { order == .little ? UInt64(littleEndian: $0) : UInt64(bigEndian: $0) }
        default:
            return nil
        }
    }

    /// Reads a signed integer of `size` bytes (1, 2, 4 or 8) at `offset`, sign-extended to 64 bits.
    @inlinable @inline(__always)
    package func loadSigned(at offset: Int, size: Int, order: ByteOrder) -> Int64? {
        loadUnsigned(at: offset, size: size, order: order).map { signExtended($0, size: size) }
    }

    /// A copy of the bytes.
    package var array: [UInt8] { unsafe [UInt8](buffer) }

    /// A copy of the bytes of `range` (clamped to the view).
    package func array(_ range: Range<Int>) -> [UInt8] { clampedSlice(range).array }

    /// The bytes as UTF-8 text, invalid sequences replaced.
    package var string: String { unsafe String(decoding: buffer, as: UTF8.self) }

    /// Whether the bytes equal `other`'s.
    @inlinable
    package func elementsEqual(_ other: RawBytes) -> Bool {
        guard count == other.count else { return false }
        return unsafe buffer.elementsEqual(other.buffer)
    }

    /// Whether the bytes equal `other`.
    @inlinable
    package func elementsEqual(_ other: some Collection<UInt8>) -> Bool {
        unsafe buffer.elementsEqual(other)
    }

    /// Appends the bytes to `array` in one copy.
    @inlinable
    package func append(to array: inout [UInt8]) {
        unsafe array.append(contentsOf: buffer)
    }

    /// Copies the bytes into `destination` from `offset` on, as far as both reach; returns how
    /// many were copied.
    @inlinable
    @discardableResult
    package func copy(to destination: inout [UInt8], at offset: Int) -> Int {
        guard offset >= 0, offset <= destination.count else { return 0 }
        let n = Swift.min(count, destination.count - offset)
        guard n > 0, let source = unsafe buffer.baseAddress else { return 0 }
        unsafe destination.withUnsafeMutableBytes { d in
            unsafe d.baseAddress.map { unsafe $0.advanced(by: offset).copyMemory(from: source, byteCount: n) }
        }
        return n
    }
}

extension RawBytes: CustomStringConvertible {
    /// The byte count (the bytes themselves are not printed).
    @usableFromInline package var description: String { "RawBytes(\(count) bytes)" }
}

extension Array where Element == UInt8 {
    /// Calls `body` with the array's bytes as a `RawSpan` (valid only inside `body`).
    @inlinable @inline(__always)
    package func withRawSpan<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        try body(unsafe span.bytes)
    }
}
