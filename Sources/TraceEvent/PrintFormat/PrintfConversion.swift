/// One printf conversion (`%-08.3llx`), parsed once from a format piece and applied with
/// C (glibc) semantics to integers and byte strings, writing straight into a ``TextBuffer``.
struct PrintfConversion: Sendable, Equatable {
    var leftAlign = false
    var zeroPad = false
    var alternate = false
    var plusSign = false
    var spaceSign = false
    /// Field width, or -1 when none (or when it comes from an argument).
    var width = -1
    var widthFromArgument = false
    /// Precision, or -1 when none (or when it comes from an argument).
    var precision = -1
    var precisionFromArgument = false
    /// The conversion character (`d`, `x`, `s`, `p`, ...).
    var conversion: UInt8 = UInt8(ascii: "d")

    /// Parses a piece starting with `%` and ending with its conversion character.
    init(piece: [UInt8]) {
        var i = 1
        let n = piece.count
        flags: while i < n {
            switch piece[i] {
            case UInt8(ascii: "-"): leftAlign = true
            case UInt8(ascii: "0"): zeroPad = true
            case UInt8(ascii: "#"): alternate = true
            case UInt8(ascii: "+"): plusSign = true
            case UInt8(ascii: " "): spaceSign = true
            default: break flags
            }
            i += 1
        }
        if i < n, piece[i] == UInt8(ascii: "*") {
            widthFromArgument = true
            i += 1
        } else {
            var w = -1
            while i < n, piece[i] >= 0x30, piece[i] <= 0x39 {
                w = (w < 0 ? 0 : w) &* 10 &+ Int(piece[i] - 0x30)
                if w > 1 << 20 { w = 1 << 20 }
                i += 1
            }
            width = w
        }
        if i < n, piece[i] == UInt8(ascii: ".") {
            i += 1
            if i < n, piece[i] == UInt8(ascii: "*") {
                precisionFromArgument = true
                i += 1
            } else {
                var p = 0
                while i < n, piece[i] >= 0x30, piece[i] <= 0x39 {
                    p = p &* 10 &+ Int(piece[i] - 0x30)
                    if p > 1 << 20 { p = 1 << 20 }
                    i += 1
                }
                precision = p
            }
        }
        if let last = piece.last { conversion = last }
    }

    /// This conversion with the `*` argument applied (C rules: a negative width means
    /// left alignment, a negative precision means none).
    @inline(__always)
    func applying(starArgument: Int32?) -> PrintfConversion {
        guard let a = starArgument else { return self }
        var c = self
        if widthFromArgument {
            if a < 0 {
                c.leftAlign = true
                c.width = a == Int32.min ? 1 << 20 : min(Int(-a), 1 << 20)
            } else {
                c.width = min(Int(a), 1 << 20)
            }
        } else if precisionFromArgument {
            c.precision = a < 0 ? -1 : min(Int(a), 1 << 20)
        }
        return c
    }

    /// Formats an integer already truncated/extended to the C argument type: `magnitude`
    /// is the absolute value and `negative` its sign (only for `d`/`i`).
    func appendInteger(magnitude: UInt64, negative: Bool, into out: inout TextBuffer) {
        let conv = conversion
        // The common forms, written directly: `%d %u %x` without flags, width or precision,
        // and `%0Nx`.
        if precision < 0 && !alternate && !plusSign && !spaceSign {
            if width < 0 {
                switch conv {
                case UInt8(ascii: "u"):
                    out.appendDecimal(magnitude)
                    return
                case UInt8(ascii: "d"), UInt8(ascii: "i"):
                    if negative { out.append(0x2d) }
                    out.appendDecimal(magnitude)
                    return
                case UInt8(ascii: "x"):
                    out.appendHex(magnitude)
                    return
                default:
                    break
                }
            } else if zeroPad && !leftAlign && conv == UInt8(ascii: "x") && width <= 64 {
                out.appendHex(magnitude, minDigits: width)
                return
            }
        }
        let base: UInt64
        var upper = false
        var signed = false
        switch conv {
        case UInt8(ascii: "x"): base = 16
        case UInt8(ascii: "X"): base = 16; upper = true
        case UInt8(ascii: "o"): base = 8
        case UInt8(ascii: "u"): base = 10
        default: base = 10; signed = true
        }
        do {
            var digitsBuf = InlineArray<32, UInt8>(repeating: 0)
            var nd = 0
            if !(precision == 0 && magnitude == 0) {
                var v = magnitude
                // Constant divisors (no hardware division) for the common bases.
                if base == 10 {
                    repeat {
                        digitsBuf[31 - nd] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
                        nd += 1
                        v /= 10
                    } while v != 0
                } else if base == 16 {
                    let letter: UInt8 = upper ? 0x41 - 10 : 0x61 - 10
                    repeat {
                        let d = UInt8(truncatingIfNeeded: v & 15)
                        digitsBuf[31 - nd] = d < 10 ? 0x30 &+ d : letter &+ d
                        nd += 1
                        v >>= 4
                    } while v != 0
                } else {
                    repeat {
                        let d = UInt8(truncatingIfNeeded: v % base)
                        digitsBuf[31 - nd] = d < 10 ? 0x30 + d : (upper ? 0x41 : 0x61) + d - 10
                        nd += 1
                        v /= base
                    } while v != 0
                }
            }
            var zeros = precision > nd ? precision - nd : 0
            if alternate && base == 8 && zeros == 0 && (nd == 0 || digitsBuf[32 - nd] != 0x30) {
                zeros = 1
            }
            var prefixCount = 0
            var prefix: (UInt8, UInt8) = (0, 0)
            if signed {
                if negative {
                    prefix.0 = 0x2d; prefixCount = 1
                } else if plusSign {
                    prefix.0 = 0x2b; prefixCount = 1
                } else if spaceSign {
                    prefix.0 = 0x20; prefixCount = 1
                }
            } else if alternate && base == 16 && magnitude != 0 {
                prefix = (0x30, upper ? 0x58 : 0x78); prefixCount = 2
            }
            var total = prefixCount + zeros + nd
            if zeroPad && !leftAlign && precision < 0 && width > total {
                zeros += width - total
                total = width
            }
            let pad = width > total ? width - total : 0
            // One write in place: padding, sign or prefix, zeros, digits.
            let left = leftAlign
            out.appendPadded(pad: pad, leftAlign: left, prefix: prefix, prefixCount: prefixCount,
                             zeros: zeros, digits: digitsBuf, digitCount: nd)
        }
    }

    /// Formats a C string (`bytes` up to its first NUL) with width and precision.
    func appendString(_ bytes: RawSpan, into out: inout TextBuffer) {
        var len = 0
        let limit = precision >= 0 ? min(precision, bytes.count) : bytes.count
        while len < limit, bytes[len] != 0 { len += 1 }
        let pad = width > len ? width - len : 0
        if !leftAlign { out.append(repeating: 0x20, count: pad) }
        if len > 0 { out.append(contentsOf: bytes.extracting(0..<len)) }
        if leftAlign { out.append(repeating: 0x20, count: pad) }
    }

    /// Formats the bytes of `range` in `bytes` (clamped to it) as a C string.
    @inline(__always)
    func appendString(_ bytes: RawSpan, _ range: Range<Int>, into out: inout TextBuffer) {
        appendString(bytes.extracting(bytes.clamped(range)), into: &out)
    }

    /// Formats a byte array (no NUL inside) as a C string.
    func appendString(_ bytes: [UInt8], into out: inout TextBuffer) {
        appendString(RawSpan(_elements: bytes.span), into: &out)
    }
}
