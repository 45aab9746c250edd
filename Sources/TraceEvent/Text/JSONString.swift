/// JSON string literals, written once for every module that writes JSON (`tracecmd peers
/// --json`, the exports' metadata, the session page's embedded data).
@_spi(Engine) public enum JSONString {
    /// Appends `s` to `text` as a JSON string literal, quotes included. With `forScript`,
    /// `<`, `>`, `&`, U+2028 and U+2029 are escaped too, so that the literal is safe inside an
    /// HTML `<script>` element and in JavaScript source.
    @_spi(Engine) public static func append(_ s: String, to text: inout String, forScript: Bool = false) {
        text += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "<" where forScript, ">" where forScript, "&" where forScript,
                 "\u{2028}" where forScript, "\u{2029}" where forScript:
                appendEscape(u.value, to: &text)
            default:
                if u.value < 0x20 { appendEscape(u.value, to: &text) } else { text.unicodeScalars.append(u) }
            }
        }
        text += "\""
    }

    /// `s` as a JSON string literal, quotes included.
    @_spi(Engine) public static func literal(_ s: String, forScript: Bool = false) -> String {
        var text = ""
        append(s, to: &text, forScript: forScript)
        return text
    }

    private static func appendEscape(_ value: UInt32, to text: inout String) {
        let h = String(value, radix: 16)
        text += "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
