/// Reading numbers and bytes out of a record's data (or any other bytes of a trace file).
///
/// This file is the one place where TraceEvent reads memory through a raw pointer: every load
/// checks its bounds first and returns `nil` (or traps, for the subscript, like an array) when
/// the bytes are not all there. The rest of the engine takes a `RawSpan` and calls these.
/// The `UnsafeRawBufferPointer` loads at the end serve the TraceCmd record and page code that
/// still hands out buffers; they share the implementation and go away with those callers.
extension RawSpan {
    /// The number of bytes (`byteCount`).
    @inlinable @inline(__always)
    @_spi(Engine) public var count: Int { byteCount }

    /// The byte at `offset`; traps when `offset` is outside the span (like an array).
    @inlinable @inline(__always)
    @_spi(Engine) public subscript(_ offset: Int) -> UInt8 {
        unsafe unsafeLoad(fromByteOffset: offset, as: UInt8.self)
    }

    /// The byte at `offset`, or `nil` when `offset` is outside the span.
    @inlinable @inline(__always)
    @_spi(Engine) public func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < byteCount else { return nil }
        return unsafe unsafeLoad(fromUncheckedByteOffset: offset, as: UInt8.self)
    }

    /// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `offset` in `order`.
    ///
    /// Returns `nil` when the bytes are not all inside the span or the size is not one of
    /// 1, 2, 4, 8. Never traps.
    @inlinable @inline(__always)
    @_spi(Engine) public func loadUnsigned(at offset: Int, size: Int, order: ByteOrder) -> UInt64? {
        guard offset >= 0, size > 0, offset <= byteCount - size else { return nil }
        switch size {
        case 1:
            return UInt64(unsafe unsafeLoad(fromUncheckedByteOffset: offset, as: UInt8.self))
        case 2:
            let v = unsafe unsafeLoadUnaligned(fromUncheckedByteOffset: offset, as: UInt16.self)
            return UInt64(order == .little ? UInt16(littleEndian: v) : UInt16(bigEndian: v))
        case 4:
            let v = unsafe unsafeLoadUnaligned(fromUncheckedByteOffset: offset, as: UInt32.self)
            return UInt64(order == .little ? UInt32(littleEndian: v) : UInt32(bigEndian: v))
        case 8:
            let v = unsafe unsafeLoadUnaligned(fromUncheckedByteOffset: offset, as: UInt64.self)
            return order == .little ? UInt64(littleEndian: v) : UInt64(bigEndian: v)
        default:
            return nil
        }
    }

    /// Reads a signed integer of `size` bytes (1, 2, 4 or 8) at `offset`, sign-extended to 64 bits.
    @inlinable @inline(__always)
    @_spi(Engine) public func loadSigned(at offset: Int, size: Int, order: ByteOrder) -> Int64? {
        loadUnsigned(at: offset, size: size, order: order).map { signExtended($0, size: size) }
    }

    /// The index of the first `byte` in `range` (clamped to the span), or the range's
    /// (clamped) end when there is none.
    @inlinable
    @_spi(Engine) public func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int {
        let end = Swift.min(range.upperBound, byteCount)
        var i = Swift.max(range.lowerBound, 0)
        while i < end {
            if unsafe unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self) == byte { return i }
            i &+= 1
        }
        return Swift.max(end, Swift.max(range.lowerBound, 0))
    }

    /// The bytes of `range` (clamped to the span) as UTF-8 text, invalid sequences replaced.
    @_spi(Engine) public func string(_ range: Range<Int>) -> String {
        let r = clamped(range)
        return unsafe withUnsafeBytes { unsafe String(decoding: $0[r], as: UTF8.self) }
    }

    /// All the bytes as UTF-8 text, invalid sequences replaced.
    @_spi(Engine) public var string: String { string(0..<byteCount) }

    /// A copy of the bytes of `range` (clamped to the span).
    @_spi(Engine) public func array(_ range: Range<Int>) -> [UInt8] {
        let r = clamped(range)
        return unsafe withUnsafeBytes { unsafe [UInt8]($0[r]) }
    }

    /// Whether the bytes of `range` equal `other` (false when `range` is not inside the span).
    @inlinable
    @_spi(Engine) public func elementsEqual(_ range: Range<Int>, _ other: some Collection<UInt8>) -> Bool {
        guard range.lowerBound >= 0, range.upperBound <= byteCount, range.count == other.count else { return false }
        var i = range.lowerBound
        for b in other {
            if unsafe unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self) != b { return false }
            i &+= 1
        }
        return true
    }

    /// Appends the bytes of `range` (clamped to the span) to `array`, in one copy.
    @_spi(Engine) public func append(_ range: Range<Int>, to array: inout [UInt8]) {
        let r = clamped(range)
        unsafe withUnsafeBytes { all in
            unsafe array.append(contentsOf: UnsafeRawBufferPointer(rebasing: all[r]).assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The index of the first `byte` in `from..<to` (clamped to the span), or `to` (clamped)
    /// when there is none: `memchr`, for scanning long texts (kallsyms, printk formats).
    @_spi(Engine) public func scan(for byte: UInt8, from: Int, to: Int) -> Int {
        let r = clamped(from..<Swift.max(from, to))
        guard !r.isEmpty else { return r.upperBound }
        return unsafe withUnsafeBytes { all in
            guard let base = all.baseAddress,
                  let p = unsafe LibC.firstByte(byte, in: base + r.lowerBound, count: r.count) else { return r.upperBound }
            return unsafe p - base
        }
    }

    @inlinable
    func clamped(_ range: Range<Int>) -> Range<Int> {
        let lo = Swift.min(Swift.max(range.lowerBound, 0), byteCount)
        let hi = Swift.min(Swift.max(range.upperBound, lo), byteCount)
        return lo..<hi
    }
}

extension UnsafeRawBufferPointer {
    /// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `offset` in `order`.
    ///
    /// Returns `nil` when the bytes are not all inside the buffer or the size is not one of
    /// 1, 2, 4, 8. Never traps. (For the TraceCmd page and record code that still holds
    /// buffers; everything else reads a `RawSpan`.)
    @unsafe @inlinable
    package func loadUnsigned(at offset: Int, size: Int, order: ByteOrder) -> UInt64? {
        guard offset >= 0, size > 0, offset <= count - size, let base = baseAddress else { return nil }
        let p = unsafe base + offset
        switch size {
        case 1:
            return UInt64(unsafe p.load(as: UInt8.self))
        case 2:
            let v = unsafe p.loadUnaligned(as: UInt16.self)
            return UInt64(order == .little ? UInt16(littleEndian: v) : UInt16(bigEndian: v))
        case 4:
            let v = unsafe p.loadUnaligned(as: UInt32.self)
            return UInt64(order == .little ? UInt32(littleEndian: v) : UInt32(bigEndian: v))
        case 8:
            let v = unsafe p.loadUnaligned(as: UInt64.self)
            return order == .little ? UInt64(littleEndian: v) : UInt64(bigEndian: v)
        default:
            return nil
        }
    }

    /// Reads a signed integer of `size` bytes (1, 2, 4 or 8) at `offset`, sign-extended to 64 bits.
    @unsafe @inlinable
    package func loadSigned(at offset: Int, size: Int, order: ByteOrder) -> Int64? {
        unsafe loadUnsigned(at: offset, size: size, order: order).map { signExtended($0, size: size) }
    }
}

/// `u`, the value of a `size`-byte integer (1, 2, 4 or 8), sign-extended to 64 bits.
@inlinable @inline(__always)
func signExtended(_ u: UInt64, size: Int) -> Int64 {
    switch size {
    case 1: return Int64(Int8(truncatingIfNeeded: u))
    case 2: return Int64(Int16(truncatingIfNeeded: u))
    case 4: return Int64(Int32(truncatingIfNeeded: u))
    default: return Int64(bitPattern: u)
    }
}
