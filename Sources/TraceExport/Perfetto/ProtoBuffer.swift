/// Writes the protobuf wire format into a ``ByteBuffer``: varints, tags, scalar and
/// length-delimited fields, and nested messages whose length is written when they end.
///
/// A nested message is opened with ``begin(_:)``, which writes its tag and one byte for its
/// length, and closed with ``end(_:)``: a length below 128 (an event) goes into that byte;
/// a longer one moves the content up by the extra bytes its varint needs. Every length is
/// minimal and nothing is measured twice.
///
/// A value holding its buffer by reference: the per-event state keeps its buffers in `let`
/// properties and writes through them without copies or exclusivity checks.
struct ProtoBuffer {
    /// The encoded bytes.
    let buffer: ByteBuffer

    init(capacity: Int = 4096) {
        buffer = ByteBuffer(capacity: capacity)
    }

    /// The wire types.
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// Bytes written.
    var count: Int {
        @inline(__always) get { buffer.count }
    }

    var isEmpty: Bool {
        @inline(__always) get { buffer.isEmpty }
    }

    /// Forgets the content (keeps the memory).
    func removeAll() { buffer.removeAll(keepingAtMost: .max) }

    /// A copy of the content.
    var array: [UInt8] { buffer.array }

    /// Makes room for `n` more bytes.
    @inline(__always)
    func reserve(_ n: Int) { buffer.reserve(n) }

    /// The number of bytes of `v` as a varint.
    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int { ByteBuffer.varintSize(v) }

    @inline(__always)
    func varint(_ v: UInt64) { buffer.appendVarint(v) }

    @inline(__always)
    func tag(_ field: Int, _ wire: WireType) {
        buffer.appendVarint(UInt64(field) << 3 | wire.rawValue)
    }

    /// A varint field (`uint32`, `uint64`, `bool`, enum).
    @inline(__always)
    func uint(_ field: Int, _ v: UInt64) {
        buffer.appendVarints(UInt64(field) << 3, v)
    }

    /// An `int32`/`int64` field: negative values as the 10-byte two's complement varint.
    @inline(__always)
    func int(_ field: Int, _ v: Int64) {
        uint(field, UInt64(bitPattern: v))
    }

    /// A `fixed64` field.
    func fixed64(_ field: Int, _ v: UInt64) {
        tag(field, .fixed64)
        buffer.appendLE(v)
    }

    /// A `double` field.
    func double(_ field: Int, _ v: Double) {
        fixed64(field, v.bitPattern)
    }

    /// Raw bytes, no tag.
    @inline(__always)
    func append(_ bytes: RawSpan) { buffer.append(bytes) }

    /// Raw bytes, no tag.
    func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    /// The content of another buffer, no tag.
    func append(_ other: ProtoBuffer) { buffer.append(other.buffer) }

    /// A length-delimited field (`string`, `bytes`, a packed array or a prepared message).
    @inline(__always)
    func bytes(_ field: Int, _ b: RawSpan) {
        buffer.appendVarints(UInt64(field) << 3 | WireType.lengthDelimited.rawValue, UInt64(b.byteCount))
        buffer.append(b)
    }

    /// A length-delimited field holding `s`'s UTF-8.
    func string(_ field: Int, _ s: String) {
        buffer.appendVarints(UInt64(field) << 3 | WireType.lengthDelimited.rawValue, UInt64(s.utf8.count))
        buffer.append(utf8: s)
    }

    /// A length-delimited field holding another buffer's content.
    func bytes(_ field: Int, _ other: ProtoBuffer) {
        buffer.appendVarints(UInt64(field) << 3 | WireType.lengthDelimited.rawValue, UInt64(other.count))
        buffer.append(other.buffer)
    }

    /// Opens nested message `field`: returns where its content starts, for ``end(_:)``.
    @inline(__always)
    func begin(_ field: Int) -> Int {
        buffer.appendVarintAndPlaceholder(UInt64(field) << 3 | WireType.lengthDelimited.rawValue)
    }

    /// Closes the nested message whose content starts at `start`: writes its length in front.
    @inline(__always)
    func end(_ start: Int) {
        let length = buffer.count - start
        if length < 0x80 {
            buffer.setByte(UInt8(truncatingIfNeeded: length), at: start - 1)
        } else {
            buffer.replaceByte(at: start - 1, withVarint: UInt64(length))
        }
    }
}
