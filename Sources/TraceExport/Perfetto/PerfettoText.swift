/// Text written into string fields: the event's bytes as they are when they are valid UTF-8
/// (the common case, checked without allocating), else with invalid sequences replaced, so
/// every reader of the trace can decode it.
enum PerfettoText {
    /// Writes string field `field` holding `bytes`.
    @inline(__always)
    static func writeString(_ field: Int, _ bytes: UnsafeRawBufferPointer, into out: inout ProtoBuffer) {
        var ascii = true
        for b in bytes where b >= 0x80 { ascii = false; break }
        if ascii || validUTF8(bytes) {
            out.bytes(field, bytes)
        } else {
            var s = String(decoding: bytes, as: UTF8.self)
            s.withUTF8 { u in out.bytes(field, UnsafeRawBufferPointer(u)) }
        }
    }

    /// The UTF-8 of `bytes` with invalid sequences replaced (for lengths computed before writing).
    static func repaired(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var ascii = true
        for b in bytes where b >= 0x80 { ascii = false; break }
        if ascii || validUTF8(bytes) { return nil }
        return Array(String(decoding: bytes, as: UTF8.self).utf8)
    }

    static func validUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
