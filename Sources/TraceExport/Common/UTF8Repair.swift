@_spi(Engine) import TraceEvent

/// UTF-8 checking and repair of event text without allocating: what Swift's decoder
/// (`String(decoding:as: UTF8.self)`) accepts and what it makes of the rest, so that the
/// exports' text is the same as the event API's `FieldValue` strings.
///
/// A sequence is valid when it has no overlong forms, no surrogates and nothing above
/// U+10FFFF. Repair replaces each maximal ill-formed subpart (a byte that cannot start a
/// sequence, or the longest valid prefix of a sequence cut short) with U+FFFD, as Swift does.
enum UTF8Repair {
    /// The replacement character U+FFFD in UTF-8.
    static let replacement: (UInt8, UInt8, UInt8) = (0xef, 0xbf, 0xbd)

    /// Whether `bytes` are valid UTF-8. ASCII runs are checked eight bytes at a time.
    static func isValid(_ bytes: RawSpan) -> Bool {
        let n = bytes.byteCount
        var i = 0
        while i < n {
            if i + 8 <= n, (bytes.loadUnsigned(at: i, size: 8, order: .little) ?? 0) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            if bytes[i] < 0x80 { i += 1; continue }
            let (length, valid) = sequence(bytes, at: i)
            if !valid { return false }
            i += length
        }
        return true
    }

    /// Appends `bytes` to `out` with every ill-formed subpart replaced by U+FFFD.
    static func append(repairing bytes: RawSpan, to out: ByteBuffer) {
        let n = bytes.byteCount
        var i = 0
        var run = 0   // start of the pending valid run
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let (length, valid) = sequence(bytes, at: i)
            if valid { i += length; continue }
            if run < i { out.append(bytes.extracting(run..<i)) }
            out.append(replacement.0)
            out.append(replacement.1)
            out.append(replacement.2)
            i += length
            run = i
        }
        if run < n { out.append(bytes.extracting(run..<n)) }
    }

    /// The sequence starting with the non-ASCII byte at `i`: its length and whether it is
    /// valid; when it is not, the length of its maximal ill-formed subpart (at least 1).
    @inline(__always)
    private static func sequence(_ bytes: RawSpan, at i: Int) -> (Int, Bool) {
        let n = bytes.byteCount
        let length: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xbf
        switch bytes[i] {
        case 0xc2...0xdf: length = 2
        case 0xe0: length = 3; lo = 0xa0
        case 0xe1...0xec, 0xee...0xef: length = 3
        case 0xed: length = 3; hi = 0x9f
        case 0xf0: length = 4; lo = 0x90
        case 0xf1...0xf3: length = 4
        case 0xf4: length = 4; hi = 0x8f
        default: return (1, false)
        }
        var k = 1
        while k < length {
            guard i + k < n else { return (k, false) }
            let b = bytes[i + k]
            if k == 1 {
                guard b >= lo, b <= hi else { return (1, false) }
            } else {
                guard b & 0xc0 == 0x80 else { return (k, false) }
            }
            k += 1
        }
        return (length, true)
    }
}
