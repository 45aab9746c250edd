/// Network address printing for `%pI4 %pi4 %pI6 %pi6 %pI6c %pIS...`, as libtraceevent does it.
enum PrintFormatAddresses {
    static func ipv4(_ data: RawSpan, _ offset: Int, leadingZeros: Bool, reverse: Bool,
                     into out: inout TextBuffer) {
        for i in 0..<4 {
            if i > 0 { out.append(0x2e) }
            let b = UInt64(data[offset + (reverse ? 3 - i : i)])
            if leadingZeros { out.appendDecimal(b, minDigits: 3) } else { out.appendDecimal(b) }
        }
    }

    /// `%pI6` (colons between 16-bit groups) / `%pi6` (none), every byte as two hex digits.
    static func ipv6(_ data: RawSpan, _ offset: Int, colons: Bool, into out: inout TextBuffer) {
        var j = 0
        while j < 16 {
            out.appendHex(UInt64(data[offset + j]), minDigits: 2)
            out.appendHex(UInt64(data[offset + j + 1]), minDigits: 2)
            if colons && j < 14 { out.append(0x3a) }
            j += 2
        }
    }

    /// `%pI6c`: RFC 5952-style compression; IPv4-mapped and ISATAP addresses end in dotted quad.
    static func ipv6Compressed(_ data: RawSpan, _ offset: Int, into out: inout TextBuffer) {
        @inline(__always) func byte(_ i: Int) -> UInt8 { data[offset + i] }
        let w0Zero = byte(0) == 0 && byte(1) == 0 && byte(2) == 0 && byte(3) == 0
        let w1Zero = byte(4) == 0 && byte(5) == 0 && byte(6) == 0 && byte(7) == 0
        let v4mapped = w0Zero && w1Zero && byte(8) == 0 && byte(9) == 0 && byte(10) == 0xff && byte(11) == 0xff
        let isatap = (byte(8) | 0x02) == 0x02 && byte(9) == 0 && byte(10) == 0x5e && byte(11) == 0xfe
        let useIPv4 = v4mapped || isatap
        let range = useIPv4 ? 6 : 8
        func word(_ i: Int) -> UInt16 { UInt16(byte(2 * i)) << 8 | UInt16(byte(2 * i + 1)) }
        var longest = 1
        var colonpos = -1
        for i in 0..<range {
            var z = 0
            var j = i
            while j < range, word(j) == 0 { z += 1; j += 1 }
            if z > longest { longest = z; colonpos = i }
        }
        if longest == 1 { colonpos = -1 }
        var needcolon = false
        var i = 0
        while i < range {
            if i == colonpos {
                if needcolon || i == 0 { out.append(0x3a) }
                out.append(0x3a)
                needcolon = false
                i += longest
                continue
            }
            if needcolon { out.append(0x3a) }
            let w = word(i)
            let hi = w >> 8
            let lo = w & 0xff
            if hi != 0 {
                out.appendHex(UInt64(hi))
                out.appendHex(UInt64(lo), minDigits: 2)
            } else {
                out.appendHex(UInt64(lo))
            }
            needcolon = true
            i += 1
        }
        if useIPv4 {
            if needcolon { out.append(0x3a) }
            ipv4(data, offset + 12, leadingZeros: false, reverse: false, into: &out)
        }
    }
}

/// `__get_bitmask` and `__get_cpumask` texts.
enum PrintFormatBitmaps {
    /// Hex of the mask, most significant byte first, with a comma every 32 bits.
    static func bitmask(_ bytes: RawSpan, bigEndian: Bool) -> [UInt8] {
        let size = bytes.count
        let nrBits = size * 8
        var strSize = (nrBits + 3) / 4
        strSize += nrBits > 0 ? (nrBits - 1) / 32 : 0
        guard strSize > 0 else { return [] }
        var str = [UInt8](repeating: 0x30, count: strSize)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var len = 0
        var i = strSize - 2
        while i >= 0 {
            let index = bigEndian ? size - (len + 1) : len
            guard index >= 0, index < size else { break }
            let b = bytes[index]
            str[i] = hex[Int(b >> 4)]
            str[i + 1] = hex[Int(b & 0xf)]
            len += 1
            if len & 3 == 0 && i > 0 {
                i -= 1
                str[i] = 0x2c
            }
            i -= 2
        }
        return str
    }

    /// The set CPUs as ranges: `0-3,5`.
    static func cpumask(_ bytes: RawSpan, bigEndian: Bool) -> [UInt8] {
        let size = bytes.count
        let nrBits = size * 8
        var out = TextBuffer(capacity: 32)
        var first = true
        var bit = 0
        @inline(__always) func isSet(_ b: Int) -> Bool {
            let byteIndex = bigEndian ? size - (b / 8 + 1) : b / 8
            return bytes[byteIndex] & (1 << UInt8(b % 8)) != 0
        }
        while bit < nrBits {
            guard isSet(bit) else { bit += 1; continue }
            let start = bit
            while bit < nrBits, isSet(bit) { bit += 1 }
            if !first { out.append(0x2c) }
            first = false
            out.appendDecimal(UInt64(start))
            if bit - 1 > start {
                out.append(0x2d)
                out.appendDecimal(UInt64(bit - 1))
            }
        }
        return out.bytes
    }
}
