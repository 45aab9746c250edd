@_spi(Engine) import TraceEvent

/// Text written into string fields: the event's bytes as they are when they are valid UTF-8
/// (the common case, checked without allocating), else with invalid sequences replaced, so
/// every reader of the trace can decode it.
enum PerfettoText {
    /// Writes string field `field` holding `bytes`.
    @inline(__always)
    static func writeString(_ field: Int, _ bytes: RawSpan, into out: ProtoBuffer) {
        if validUTF8(bytes) {
            out.bytes(field, bytes)
        } else {
            out.string(field, bytes.string)
        }
    }

    /// Writes string field `field` holding `text`'s UTF-8 (valid, as every String's).
    static func writeString(_ field: Int, _ text: String, into out: ProtoBuffer) {
        out.string(field, text)
    }

    /// The UTF-8 of `bytes` with invalid sequences replaced (for lengths computed before
    /// writing); `nil` when they are valid as they are.
    static func repaired(_ bytes: RawSpan) -> [UInt8]? {
        if validUTF8(bytes) { return nil }
        return Array(bytes.string.utf8)
    }

    /// Whether `bytes` are valid UTF-8 (as Swift's decoder sees it: no overlong forms, no
    /// surrogates, nothing above U+10FFFF). ASCII runs are checked eight bytes at a time.
    static func validUTF8(_ bytes: RawSpan) -> Bool {
        let n = bytes.byteCount
        var i = 0
        while i < n {
            if i + 8 <= n, (bytes.loadUnsigned(at: i, size: 8, order: .little) ?? 0) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xbf
            switch b0 {
            case 0xc2...0xdf: length = 2
            case 0xe0: length = 3; lo = 0xa0
            case 0xe1...0xec, 0xee...0xef: length = 3
            case 0xed: length = 3; hi = 0x9f
            case 0xf0: length = 4; lo = 0x90
            case 0xf1...0xf3: length = 4
            case 0xf4: length = 4; hi = 0x8f
            default: return false
            }
            guard length <= n - i else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= lo, b1 <= hi else { return false }
            var k = 2
            while k < length {
                guard bytes[i + k] & 0xc0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }
}
