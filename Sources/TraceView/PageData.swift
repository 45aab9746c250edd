/// Builds the page's embedded data: JSON text, and typed arrays as little-endian bytes in
/// base64 (the page decodes them into `Uint8Array`, `Uint16Array`, `Float64Array` ...).
struct PageData {
    private(set) var text = ""
    private var first: [Bool] = []

    private var pendingKey = false

    /// Separates values: a comma before every value but the first of its container (a
    /// value after a key is not a new item).
    private mutating func item() {
        if pendingKey { pendingKey = false; return }
        guard let f = first.last else { return }
        if f { first[first.count - 1] = false } else { text += "," }
    }

    mutating func open(_ bracket: Character) {
        item()
        text.append(bracket)
        first.append(true)
    }

    mutating func close(_ bracket: Character) {
        text.append(bracket)
        first.removeLast()
    }

    mutating func key(_ k: String) {
        item()
        appendString(k)
        text += ":"
        pendingKey = true
    }

    private mutating func value(_ body: (inout String) -> Void) {
        item()
        body(&text)
    }

    mutating func string(_ s: String) { value { _ in }; appendString(s) }
    mutating func number<T: BinaryInteger>(_ n: T) { value { $0 += String(n) } }
    mutating func number(_ d: Double) { value { $0 += d.isFinite ? String(d) : "null" } }
    mutating func bool(_ b: Bool) { value { $0 += b ? "true" : "false" } }
    mutating func null() { value { $0 += "null" } }

    /// A JSON string; `<`, `>` and `&` escaped so that the text is safe inside `<script>`.
    private mutating func appendString(_ s: String) {
        text += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "<": text += "\\u003c"
            case ">": text += "\\u003e"
            case "&": text += "\\u0026"
            case "\u{2028}": text += "\\u2028"
            case "\u{2029}": text += "\\u2029"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    text.unicodeScalars.append(u)
                }
            }
        }
        text += "\""
    }

    /// Typed arrays as base64 strings.
    mutating func bytes(_ a: [UInt8]) { string(Base64.encode(a)) }
    mutating func uint16(_ a: [UInt16]) {
        var b: [UInt8] = []
        b.reserveCapacity(a.count * 2)
        for v in a { b.append(UInt8(v & 0xFF)); b.append(UInt8(v >> 8)) }
        string(Base64.encode(b))
    }
    mutating func uint32(_ a: [UInt32]) {
        var b: [UInt8] = []
        b.reserveCapacity(a.count * 4)
        for v in a { for s in stride(from: 0, to: 32, by: 8) { b.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
        string(Base64.encode(b))
    }
    mutating func float64(_ a: [Double]) {
        var b: [UInt8] = []
        b.reserveCapacity(a.count * 8)
        for v in a {
            let bits = v.bitPattern
            for s in stride(from: 0, to: 64, by: 8) { b.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        }
        string(Base64.encode(b))
    }
}

/// Standard base64 (RFC 4648, with padding).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= data.count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = data.count - i
        if rest > 0 {
            var n = UInt32(data[i]) << 16
            if rest == 2 { n |= UInt32(data[i + 1]) << 8 }
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
