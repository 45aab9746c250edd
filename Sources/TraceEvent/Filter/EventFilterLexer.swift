/// One token of a filter expression, as libtraceevent's tokenizer cuts it.
struct EventFilterToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A run of letters, digits and `_` (a field name or a number).
        case item
        /// `'...'` (quotes removed, backslashes kept as written).
        case singleQuoted
        /// `"..."` (quotes removed; adjacent double-quoted strings are joined).
        case doubleQuoted
        /// `(`, `)` or `,`.
        case delimiter
        /// Any other printable character run the tokenizer groups: `==`, `&&`, `=~`, `>>=`, ...
        case op
    }

    var kind: Kind
    var text: [UInt8]
    /// Byte offset of the token's first character in the expression.
    var offset: Int

    var string: String { String(decoding: text, as: UTF8.self) }
}

/// Cuts a filter expression (the part after `:`) into tokens the way libtraceevent 1.7.1 does.
///
/// The rules reproduced here (observed behaviour of `tep_filter_add_filter_str`):
/// - spaces and newlines separate tokens and are dropped;
/// - a NUL, a byte >= 0x80 or another non-printable character that is not a space ends the
///   expression silently, as if the input stopped there;
/// - operators: `-` `+` `|` `&` `>` `<` may double (`&&`, `>>`); `>`/`<`/`>>`/`<<` and
///   single `-` `+` `|` `&` `!` `=` may take a trailing `=`; `->` is one token; any other
///   printable character is a one-character operator; `=` or `!` directly followed by `~`
///   becomes `=~` / `!~`;
/// - quoted strings run to the matching quote (a quote after a backslash does not end them;
///   backslashes are kept), may span newlines, end silently at a non-printable character,
///   and make the expression end if the input ends inside them; consecutive double-quoted
///   strings, separated only by spaces, are one string.
enum EventFilterLexer {
    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0d)
    }

    static func isItemChar(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f
    }

    static func isPrint(_ c: UInt8) -> Bool { c >= 0x20 && c < 0x7f }

    /// Tokenizes `text`; the list ends where libtraceevent's tokenizer would report "no more input".
    static func tokenize(_ text: [UInt8]) -> [EventFilterToken] {
        var tokens: [EventFilterToken] = []
        var i = 0
        let n = text.count
        // A "readable" byte: not past the end, not NUL, not >= 0x80 (a negative `char` in C).
        func peek(_ at: Int) -> UInt8? {
            guard at < n else { return nil }
            let c = text[at]
            return (c == 0 || c >= 0x80) ? nil : c
        }
        scan: while let c = peek(i) {
            let start = i
            if isSpace(c) {
                i += 1
                continue
            }
            if isItemChar(c) {
                var j = i + 1
                while let d = peek(j), isItemChar(d) { j += 1 }
                tokens.append(EventFilterToken(kind: .item, text: Array(text[i..<j]), offset: start))
                i = j
                continue
            }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                let quote = c
                var body: [UInt8] = []
                var j = i + 1
                var previous = c
                while true {
                    // Read characters up to the closing quote.
                    var ended = false
                    while true {
                        guard let d = peek(j) else { ended = true; break }
                        j += 1
                        let keepGoing = (d != quote && isPrint(d)) || previous == UInt8(ascii: "\\")
                            || d == 0x0a
                        previous = d
                        if !keepGoing { break }
                        body.append(d)
                    }
                    if ended { break scan }  // input ended inside the string: no more tokens
                    guard quote == UInt8(ascii: "\"") else { break }
                    // "a" "b" is one string.
                    var k = j
                    while let d = peek(k), isSpace(d) { k += 1 }
                    if peek(k) == quote {
                        j = k + 1
                        previous = quote
                        continue
                    }
                    break
                }
                tokens.append(EventFilterToken(kind: quote == UInt8(ascii: "'") ? .singleQuoted : .doubleQuoted,
                                               text: body, offset: start))
                i = j
                continue
            }
            guard isPrint(c) else { break }  // a control character ends the input
            if c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: ",") {
                tokens.append(EventFilterToken(kind: .delimiter, text: [c], offset: start))
                i += 1
                continue
            }
            // Operators.
            var op: [UInt8] = [c]
            i += 1
            var testEqual = false
            switch c {
            case UInt8(ascii: "-") where peek(i) == UInt8(ascii: ">"):
                op.append(UInt8(ascii: ">"))
                i += 1
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "|"), UInt8(ascii: "&"),
                 UInt8(ascii: ">"), UInt8(ascii: "<"):
                if peek(i) == c {
                    op.append(c)
                    i += 1
                    testEqual = c == UInt8(ascii: ">") || c == UInt8(ascii: "<")
                } else {
                    testEqual = true
                }
            case UInt8(ascii: "!"), UInt8(ascii: "="):
                testEqual = true
            default:
                break
            }
            if testEqual, peek(i) == UInt8(ascii: "=") {
                op.append(UInt8(ascii: "="))
                i += 1
            }
            if op.count == 1, c == UInt8(ascii: "=") || c == UInt8(ascii: "!"), peek(i) == UInt8(ascii: "~") {
                op.append(UInt8(ascii: "~"))
                i += 1
            }
            tokens.append(EventFilterToken(kind: .op, text: op, offset: start))
        }
        return tokens
    }
}
