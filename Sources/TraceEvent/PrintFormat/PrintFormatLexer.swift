/// Tokens of a `print fmt:` text, split the way libtraceevent's tokenizer splits them.
///
/// Quoted strings keep their backslash escapes (they are interpreted later, only in the
/// format string), adjacent double-quoted strings are joined into one token, and operators
/// are the one- to three-character runs libtraceevent recognises (`->`, `&&`, `<<=`, ...).
struct PrintFormatToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// End of the text (or a byte the tokenizer refuses).
        case none
        /// An identifier or number: a run of `[A-Za-z0-9_]`.
        case item
        /// A double-quoted string (quotes removed, escapes kept).
        case dquote
        /// A single-quoted literal (quotes removed, escapes kept).
        case squote
        /// `(`, `)` or `,`.
        case delim
        /// Any other printable punctuation run.
        case op
    }

    var kind: Kind
    var text: String

    static let end = PrintFormatToken(kind: .none, text: "")

    func isDelim(_ s: String) -> Bool { kind == .delim && text == s }
    func isOp(_ s: String) -> Bool { kind == .op && text == s }
    /// libtraceevent's "item type": an identifier or a quoted string.
    var isItemLike: Bool { kind == .item || kind == .dquote || kind == .squote }
}

/// Splits a print-format text into ``PrintFormatToken``s.
struct PrintFormatLexer {
    private let bytes: [UInt8]
    private var pos = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0d)
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f
    }

    private static func isPrint(_ c: UInt8) -> Bool { c >= 0x20 && c < 0x7f }

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    /// The next token, skipping white space (newlines included).
    mutating func next() -> PrintFormatToken {
        while let c = peek(), Self.isSpace(c) { pos += 1 }
        guard let c = peek() else { return .end }
        pos += 1
        if Self.isAlnum(c) {
            let start = pos - 1
            while let d = peek(), Self.isAlnum(d) { pos += 1 }
            return PrintFormatToken(kind: .item, text: Self.string(bytes[start..<pos]))
        }
        if c == 0x22 || c == 0x27 { // " '
            return quoted(c)
        }
        // Non-ASCII or control bytes are not part of the grammar: stop there.
        guard Self.isPrint(c) else { return .end }
        if c == 0x28 || c == 0x29 || c == 0x2c { // ( ) ,
            return PrintFormatToken(kind: .delim, text: String(UnicodeScalar(c)))
        }
        var op: [UInt8] = [c]
        switch c {
        case UInt8(ascii: "-") where peek() == UInt8(ascii: ">"):
            pos += 1
            op.append(UInt8(ascii: ">"))
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "|"), UInt8(ascii: "&"),
             UInt8(ascii: ">"), UInt8(ascii: "<"):
            if peek() == c {
                pos += 1
                op.append(c)
                if c == UInt8(ascii: ">") || c == UInt8(ascii: "<") { testEqual(&op) }
            } else {
                testEqual(&op)
            }
        case UInt8(ascii: "!"), UInt8(ascii: "="):
            testEqual(&op)
        default:
            break
        }
        return PrintFormatToken(kind: .op, text: Self.string(op[...]))
    }

    private mutating func testEqual(_ op: inout [UInt8]) {
        if peek() == UInt8(ascii: "=") {
            pos += 1
            op.append(UInt8(ascii: "="))
        }
    }

    /// A quoted token; the opening quote is consumed. Escaped quotes do not end it, and
    /// double-quoted strings separated only by white space are concatenated.
    private mutating func quoted(_ quote: UInt8) -> PrintFormatToken {
        var out: [UInt8] = []
        var lastWasBackslash = false
        while true {
            guard let ch = peek() else {
                return .end // unterminated string
            }
            pos += 1
            if ch == quote && !lastWasBackslash {
                if quote == 0x22 {
                    // Concatenate a following double-quoted string.
                    var p = pos
                    while p < bytes.count, Self.isSpace(bytes[p]) { p += 1 }
                    if p < bytes.count, bytes[p] == 0x22 {
                        pos = p + 1
                        lastWasBackslash = false
                        continue
                    }
                }
                break
            }
            if !Self.isPrint(ch) && ch != 0x0a && !lastWasBackslash {
                // libtraceevent ends a string at a non-printable byte and drops that byte.
                break
            }
            out.append(ch)
            lastWasBackslash = (ch == 0x5c && !lastWasBackslash)
        }
        return PrintFormatToken(kind: quote == 0x22 ? .dquote : .squote, text: Self.string(out[...]))
    }

    private static func string(_ s: ArraySlice<UInt8>) -> String {
        String(decoding: s, as: UTF8.self)
    }
}
