@_spi(Engine) import TraceEvent
/// A bounds-checked reader over a span of bytes in a trace file (or a decompressed section).
///
/// Every read checks the remaining length first and throws a ``TraceFileError`` naming the
/// file, what is being read and the absolute offset; nothing traps on bad data. The bytes are
/// a `RawBytes` view of what their owner (the ``MappedFile``, a decompressed section's
/// ``ByteStorage``) keeps alive; a cursor over storage of its own keeps that alive too.
@_spi(Engine) public struct ByteCursor {
    /// The bytes being read.
    package let bytes: RawBytes
    /// What owns `bytes` when nothing else keeps it alive (a decompressed section).
    private let owner: AnyObject?
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

    package init(bytes: RawBytes, position: Int = 0, order: ByteOrder, baseOffset: Int = 0,
                 file: String, context: String) {
        self.init(bytes: bytes, owner: nil, position: position, order: order, baseOffset: baseOffset,
                  file: file, context: context)
    }

    /// A cursor over the first `count` bytes of `storage`, which the cursor keeps alive.
    init(storage: ByteStorage, count: Int, order: ByteOrder, baseOffset: Int, file: String, context: String) {
        self.init(bytes: storage.view(count: count), owner: storage, position: 0, order: order,
                  baseOffset: baseOffset, file: file, context: context)
    }

    private init(bytes: RawBytes, owner: AnyObject?, position: Int, order: ByteOrder, baseOffset: Int,
                 file: String, context: String) {
        self.bytes = bytes
        self.owner = owner
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
        return bytes.byte(at: position) ?? 0
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

    /// Reads `n` bytes as a view into the underlying bytes (valid as long as they are).
    package mutating func readBytes(_ n: Int) throws(TraceFileError) -> RawBytes {
        try need(n)
        defer { position += n }
        return bytes.clampedSlice(position..<position + n)
    }

    /// Reads `n` bytes, copied.
    @_spi(Engine) public mutating func readByteArray(_ n: Int) throws(TraceFileError) -> [UInt8] {
        try need(n)
        defer { position += n }
        return bytes.array(position..<position + n)
    }

    /// Reads `n` bytes as text (UTF-8, invalid sequences replaced).
    mutating func readString(_ n: Int) throws(TraceFileError) -> String {
        try readBytes(n).string
    }

    /// Reads `n` bytes and returns those before the first NUL (or all of them) as text.
    mutating func readCStringField(_ n: Int) throws(TraceFileError) -> String {
        try readBytes(n).cStringPrefix()
    }

    /// A cursor over the next `n` bytes (numbered from this cursor's offset), which this one skips.
    @_spi(Engine) public mutating func readCursor(_ n: Int, context: String) throws(TraceFileError) -> ByteCursor {
        let at = absoluteOffset
        return ByteCursor(bytes: try readBytes(n), owner: owner, position: 0, order: order, baseOffset: at,
                          file: file, context: context)
    }

    /// The index of the first NUL at or after `position` (the end when there is none).
    private func nul(from position: Int) -> Int {
        bytes.withSpan { $0.firstIndex(of: 0, in: position..<$0.byteCount) }
    }

    /// The rest of the bytes up to the first NUL (or the end), as a String; the position
    /// does not move.
    @_spi(Engine) public func peekCString() -> String {
        let end = nul(from: position)
        return bytes.clampedSlice(min(position, end)..<end).string
    }

    /// The rest of the bytes as NUL-terminated strings (text after the last NUL is not one);
    /// the position does not move.
    @_spi(Engine) public func peekNULTerminatedStrings() -> [String] {
        bytes.withSpan { span in
            var list: [String] = []
            var start = position
            while start < span.byteCount {
                let i = span.firstIndex(of: 0, in: start..<span.byteCount)
                guard i < span.byteCount else { break }
                list.append(span.string(start..<i))
                start = i + 1
            }
            return list
        }
    }

    /// Reads a NUL-terminated string (the NUL is consumed, not returned).
    @_spi(Engine) public mutating func readCString() throws(TraceFileError) -> String {
        let end = nul(from: position)
        guard end < bytes.count else {
            throw error(.truncated(needed: end - position + 1, available: remaining))
        }
        let s = bytes.clampedSlice(position..<end).string
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

extension RawBytes {
    /// The bytes up to the first NUL (or all of them), as a String.
    func cStringPrefix() -> String {
        withSpan { $0.string(0..<$0.firstIndex(of: 0, in: 0..<$0.byteCount)) }
    }
}
