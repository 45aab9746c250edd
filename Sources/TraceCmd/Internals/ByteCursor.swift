@_spi(Engine) import TraceEvent
/// A bounds-checked reader over a span of bytes in a trace file (or a decompressed section).
///
/// Every read checks the remaining length first and throws a ``TraceFileError`` naming the
/// file, what is being read and the absolute offset; nothing traps on bad data.
@_spi(Engine) public struct ByteCursor {
    /// The bytes being read.
    package let bytes: UnsafeRawBufferPointer
    /// Current position within `bytes`.
    @_spi(Engine) public var position: Int
    /// Byte order for multi-byte integers.
    @_spi(Engine) public var order: ByteOrder
    /// File offset of `bytes[0]`, for error messages (for a decompressed section, the
    /// offset of the section in the file).
    @_spi(Engine) public var baseOffset: Int
    /// The file's path, for error messages.
    @_spi(Engine) public var file: String
    /// What is being read, for error messages.
    @_spi(Engine) public var context: String

    package init(bytes: UnsafeRawBufferPointer, position: Int = 0, order: ByteOrder, baseOffset: Int = 0,
                file: String, context: String) {
        self.bytes = bytes
        self.position = position
        self.order = order
        self.baseOffset = baseOffset
        self.file = file
        self.context = context
    }

    /// Bytes left after ``position``.
    @_spi(Engine) public var remaining: Int { max(0, bytes.count - position) }
    /// Whether everything has been read.
    @_spi(Engine) public var isAtEnd: Bool { position >= bytes.count }
    /// Absolute offset of ``position``, for messages.
    @_spi(Engine) public var absoluteOffset: Int { baseOffset + position }

    /// An error at the current position.
    @_spi(Engine) public func error(_ kind: TraceFileError.Kind) -> TraceFileError {
        TraceFileError(file: file, context: context, offset: absoluteOffset, kind: kind)
    }

    func need(_ n: Int) throws(TraceFileError) {
        guard n >= 0, n <= remaining else {
            throw error(.truncated(needed: n, available: remaining))
        }
    }

    @_spi(Engine) public mutating func readU8() throws(TraceFileError) -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }

    @_spi(Engine) public mutating func readU16() throws(TraceFileError) -> UInt16 {
        try need(2)
        defer { position += 2 }
        return UInt16(truncatingIfNeeded: bytes.loadUnsigned(at: position, size: 2, order: order) ?? 0)
    }

    @_spi(Engine) public mutating func readU32() throws(TraceFileError) -> UInt32 {
        try need(4)
        defer { position += 4 }
        return UInt32(truncatingIfNeeded: bytes.loadUnsigned(at: position, size: 4, order: order) ?? 0)
    }

    @_spi(Engine) public mutating func readU64() throws(TraceFileError) -> UInt64 {
        try need(8)
        defer { position += 8 }
        return bytes.loadUnsigned(at: position, size: 8, order: order) ?? 0
    }

    /// Reads a 64-bit value that must be usable as a non-negative `Int` (a size or offset).
    @_spi(Engine) public mutating func readSize64(_ what: String) throws(TraceFileError) -> Int {
        let at = absoluteOffset
        let v = try readU64()
        guard v <= UInt64(Int.max / 2) else {
            throw TraceFileError(file: file, context: context, offset: at,
                                 kind: .invalidValue("\(what) \(v) is out of range"))
        }
        return Int(v)
    }

    /// Reads `n` bytes as a view into the underlying buffer.
    package mutating func readBytes(_ n: Int) throws(TraceFileError) -> UnsafeRawBufferPointer {
        try need(n)
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + n])
    }

    /// Reads `n` bytes, copied.
    @_spi(Engine) public mutating func readByteArray(_ n: Int) throws(TraceFileError) -> [UInt8] {
        Array(try readBytes(n))
    }

    /// A cursor over the next `n` bytes (numbered from this cursor's offset), which this one skips.
    @_spi(Engine) public mutating func readCursor(_ n: Int, context: String) throws(TraceFileError) -> ByteCursor {
        let at = absoluteOffset
        return ByteCursor(bytes: try readBytes(n), order: order, baseOffset: at, file: file, context: context)
    }

    /// The rest of the bytes up to the first NUL (or the end), as a String; the position
    /// does not move.
    @_spi(Engine) public func peekCString() -> String {
        var end = position
        while end < bytes.count && bytes[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[min(position, end)..<end]), as: UTF8.self)
    }

    /// The rest of the bytes as NUL-terminated strings (text after the last NUL is not one);
    /// the position does not move.
    @_spi(Engine) public func peekNULTerminatedStrings() -> [String] {
        var list: [String] = []
        var start = position
        var i = position
        while i < bytes.count {
            if bytes[i] == 0 {
                list.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                start = i + 1
            }
            i += 1
        }
        return list
    }

    /// Reads a NUL-terminated string (the NUL is consumed, not returned).
    @_spi(Engine) public mutating func readCString() throws(TraceFileError) -> String {
        var end = position
        while end < bytes.count && bytes[end] != 0 { end += 1 }
        guard end < bytes.count else {
            throw error(.truncated(needed: end - position + 1, available: remaining))
        }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        return s
    }

    /// Moves to `offset` within `bytes`.
    @_spi(Engine) public mutating func seek(to offset: Int) throws(TraceFileError) {
        guard offset >= 0, offset <= bytes.count else {
            throw error(.invalidValue("offset \(offset) is past the end (\(bytes.count))"))
        }
        position = offset
    }

    /// Skips `n` bytes.
    @_spi(Engine) public mutating func skip(_ n: Int) throws(TraceFileError) {
        try need(n)
        position += n
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes up to the first NUL (or all of them), as a String.
    func cStringPrefix() -> String {
        var end = 0
        while end < count && self[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: self[0..<end]), as: UTF8.self)
    }
}

extension MappedFile {
    /// The file's bytes in `range` (clamped to the file), copied.
    @_spi(Engine) public func copyBytes(_ range: Range<Int>) -> [UInt8] {
        let lo = min(max(range.lowerBound, 0), bytes.count), hi = min(max(range.upperBound, lo), bytes.count)
        return Array(UnsafeRawBufferPointer(rebasing: bytes[lo..<hi]))
    }

    /// A cursor over the file's bytes in `range` (which must lie within the file), numbered
    /// by file offset.
    @_spi(Engine) public func cursor(_ range: Range<Int>, order: ByteOrder, file: String,
                                     context: String) -> ByteCursor {
        ByteCursor(bytes: UnsafeRawBufferPointer(rebasing: bytes[range]), order: order, baseOffset: range.lowerBound,
                   file: file, context: context)
    }
}

extension Array where Element == UInt8 {
    /// Calls `body` with a cursor over these bytes, numbered from `baseOffset`.
    func withCursor<R>(order: ByteOrder, baseOffset: Int, file: String, context: String,
                       _ body: (inout ByteCursor) throws(TraceFileError) -> R) throws(TraceFileError) -> R {
        try withTypedBytes { (buf) throws(TraceFileError) -> R in
            var c = ByteCursor(bytes: buf, order: order, baseOffset: baseOffset, file: file, context: context)
            return try body(&c)
        }
    }

    /// `withUnsafeBytes` for a body that throws ``TraceFileError``.
    func withTypedBytes<R>(_ body: (UnsafeRawBufferPointer) throws(TraceFileError) -> R) throws(TraceFileError) -> R {
        let r: Result<R, TraceFileError> = withUnsafeBytes { buf in
            Result { () throws(TraceFileError) -> R in try body(buf) }
        }
        return try r.get()
    }
}
