@_spi(Engine) import TraceEvent

/// Text written into string fields: the event's bytes as they are when they are valid UTF-8
/// (the common case, checked without allocating), else with invalid sequences replaced
/// (``UTF8Repair``), so every reader of the trace can decode it.
enum PerfettoText {
    /// Writes string field `field` holding `bytes`; `scratch` holds a repaired copy when
    /// they are not valid UTF-8.
    @inline(__always)
    static func writeString(_ field: Int, _ bytes: RawSpan, into out: ProtoBuffer, scratch: ByteBuffer) {
        if validUTF8(bytes) {
            out.bytes(field, bytes)
        } else {
            repair(bytes, into: scratch)
            scratch.withBytes { out.bytes(field, $0) }
        }
    }

    /// Writes string field `field` holding `text`'s UTF-8 (valid, as every String's).
    static func writeString(_ field: Int, _ text: String, into out: ProtoBuffer) {
        out.string(field, text)
    }

    /// Replaces the contents of `scratch` with `bytes`, invalid sequences replaced.
    static func repair(_ bytes: RawSpan, into scratch: ByteBuffer) {
        scratch.removeAll(keepingAtMost: 1 << 16)
        UTF8Repair.append(repairing: bytes, to: scratch)
    }

    /// Whether `bytes` are valid UTF-8 (as Swift's decoder sees it).
    @inline(__always)
    static func validUTF8(_ bytes: RawSpan) -> Bool { UTF8Repair.isValid(bytes) }
}
