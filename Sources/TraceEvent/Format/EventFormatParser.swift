/// Why an event `format` text could not be parsed.
public struct EventFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable {
        /// The text does not start with a `name:` line.
        case missingName
        /// No `ID:` line follows the name.
        case missingID
        /// The `ID:` value is not a number.
        case invalidID(String)
        /// No `format:` line follows the ID.
        case missingFormatLine
        /// A field line does not start with `field:`.
        case expectedField
        /// The declaration of a field (`unsigned long ip`) has no name or no type.
        case invalidDeclaration(String)
        /// A field line lacks `key:` (`offset`, `size`), has it out of order, or has extra text.
        case expectedKey(String)
        /// A field attribute value is not a number.
        case invalidNumber(key: String, value: String)
        /// The text ended inside the field list.
        case unexpectedEnd
        /// Something other than `print fmt:` follows the fields.
        case unexpectedLine
    }

    /// The event's name, when the `name:` line was read.
    public var eventName: String?
    /// The event's ID, when the `ID:` line was read.
    public var eventID: Int?
    /// The 1-based line number in the format text (0 when the text is empty).
    public var line: Int
    /// The offending line's text.
    public var lineText: String
    /// What was wrong.
    public var reason: Reason

    public init(eventName: String?, eventID: Int?, line: Int, lineText: String, reason: Reason) {
        self.eventName = eventName
        self.eventID = eventID
        self.line = line
        self.lineText = lineText
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .missingName: what = "expected 'name:'"
        case .missingID: what = "expected 'ID:'"
        case .invalidID(let s): what = "invalid ID '\(s)'"
        case .missingFormatLine: what = "expected 'format:'"
        case .expectedField: what = "expected 'field:'"
        case .invalidDeclaration(let s): what = "invalid field declaration '\(s)'"
        case .expectedKey(let k): what = "expected '\(k):'"
        case .invalidNumber(let k, let v): what = "invalid \(k) value '\(v)'"
        case .unexpectedEnd: what = "unexpected end of format"
        case .unexpectedLine: what = "expected 'print fmt:'"
        }
        return "event format \(eventName ?? "?") line \(line): \(what): \(lineText)"
    }
}

extension EventFormat {
    /// Parses the text of a tracefs `events/<system>/<event>/format` file.
    ///
    /// Follows libtraceevent's reading of the format: a `name:` line, an `ID:` line, `format:`,
    /// the common fields up to a blank line, the event fields up to the next blank line, then
    /// `print fmt:` whose text is kept unparsed in ``printFormatText``. Field declarations may be
    /// arrays (`char comm[16]`, `char buf[]`), dynamic (`__data_loc char[] name`,
    /// `__data_loc cpumask_t mask`) or relative dynamic (`__rel_loc`); a missing `signed:`
    /// (old kernels) means unsigned. Numbers are read like C's `strtoul(s, NULL, 0)`.
    ///
    /// - Parameters:
    ///   - text: the format text.
    ///   - system: the event's system, known from the trace file's section (`ftrace` for the
    ///     ftrace internal events, where a field may be written `field special:`).
    /// - Throws: ``EventFormatError`` naming the event (when known) and the line.
    public init(parsing text: String, system: String) throws(EventFormatError) {
        var parser = EventFormatTextParser(text: text, isFtrace: system == "ftrace")
        self = try parser.parse(system: system)
    }

    /// Parses a format text given as bytes (as stored in a trace file). Bytes that are not
    /// UTF-8 are replaced; trailing NUL bytes are ignored.
    @_spi(Engine) public init(parsing bytes: RawSpan, system: String) throws(EventFormatError) {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 { end -= 1 }
        let text = bytes.string(0..<end)
        try self.init(parsing: text, system: system)
    }
}

/// Line-oriented reader of one format text.
struct EventFormatTextParser {
    private let lines: [Substring]
    private var index = 0
    private let isFtrace: Bool
    private var name: String?
    private var id: Int?

    init(text: String, isFtrace: Bool) {
        var l = text.split(separator: "\n", omittingEmptySubsequences: false)
        // A final newline ends the last line; it does not start an empty one.
        if l.last?.isEmpty == true { l.removeLast() }
        lines = l
        self.isFtrace = isFtrace
    }

    private func error(_ reason: EventFormatError.Reason, at i: Int? = nil) -> EventFormatError {
        let li = i ?? index
        let text = li < lines.count ? String(lines[li]) : ""
        return EventFormatError(eventName: name, eventID: id, line: lines.isEmpty ? 0 : min(li, lines.count - 1) + 1,
                                lineText: text, reason: reason)
    }

    /// Skips lines that are empty or only whitespace.
    private mutating func skipBlankLines() {
        while index < lines.count, lines[index].allSatisfy(isBlank) { index += 1 }
    }

    /// If the current line is `key:` + value (leading whitespace allowed), returns the value
    /// with surrounding whitespace removed and advances.
    private mutating func take(key: String) -> Substring? {
        guard index < lines.count else { return nil }
        let line = trimLeading(lines[index])
        guard line.hasPrefix(key) else { return nil }
        var rest = line.dropFirst(key.count)
        rest = trimLeading(rest)
        guard rest.first == ":" else { return nil }
        index += 1
        return trim(rest.dropFirst())
    }

    mutating func parse(system: String) throws(EventFormatError) -> EventFormat {
        skipBlankLines()
        guard let n = take(key: "name"), !n.isEmpty else { throw error(.missingName) }
        name = String(n)
        skipBlankLines()
        guard let idText = take(key: "ID") else { throw error(.missingID) }
        guard let v = parseCUnsigned(idText), let iv = Int(exactly: v) else {
            throw error(.invalidID(String(idText)), at: index - 1)
        }
        id = iv
        skipBlankLines()
        guard let f = take(key: "format"), f.isEmpty else { throw error(.missingFormatLine) }
        let common = try readFields(common: true)
        let fields = try readFields(common: false)
        skipBlankLines()
        var printText = ""
        if index < lines.count {
            let line = trimLeading(lines[index])
            guard line.hasPrefix("print fmt:") else { throw error(.unexpectedLine) }
            var rest = line.dropFirst("print fmt:".count)
            if rest.first == " " { rest = rest.dropFirst() }
            // The print format is one line in practice; keep any further text verbatim.
            var all = String(rest)
            var j = index + 1
            var tail: [Substring] = []
            while j < lines.count { tail.append(lines[j]); j += 1 }
            while let last = tail.last, last.allSatisfy(isBlank) { tail.removeLast() }
            for t in tail { all += "\n"; all += t }
            while let last = all.last, last == "\r" || last == "\0" { all.removeLast() }
            printText = all
        }
        return EventFormat(name: name ?? "", system: system, id: iv, commonFields: common,
                           fields: fields, printFormatText: printText)
    }

    /// Reads field lines up to a blank line (or the end of the text for the event fields).
    private mutating func readFields(common: Bool) throws(EventFormatError) -> [FormatField] {
        var result: [FormatField] = []
        while true {
            guard index < lines.count else {
                if common, result.isEmpty { throw error(.unexpectedEnd) }
                return result
            }
            let raw = lines[index]
            if raw.allSatisfy(isBlank) {
                index += 1
                return result
            }
            let line = trimLeading(raw)
            if !common, line.hasPrefix("print fmt:") { return result }
            result.append(try parseField(line, common: common))
            index += 1
        }
    }

    private func parseField(_ line: Substring, common: Bool) throws(EventFormatError) -> FormatField {
        guard line.hasPrefix("field") else { throw error(.expectedField) }
        var rest = trimLeading(line.dropFirst(5))
        if isFtrace, rest.hasPrefix("special") {
            rest = trimLeading(rest.dropFirst(7))
        }
        guard rest.first == ":" else { throw error(.expectedField) }
        rest = rest.dropFirst()
        guard let semi = rest.firstIndex(of: ";") else { throw error(.expectedKey("offset")) }
        let decl = trim(rest[..<semi])
        rest = rest[rest.index(after: semi)...]

        func value(_ key: String, optional: Bool) throws(EventFormatError) -> UInt64? {
            let r = trimLeading(rest)
            guard r.hasPrefix(key) else {
                if optional, r.allSatisfy(isBlank) { return nil }
                throw error(.expectedKey(key))
            }
            var after = trimLeading(r.dropFirst(key.count))
            guard after.first == ":" else { throw error(.expectedKey(key)) }
            after = after.dropFirst()
            guard let end = after.firstIndex(of: ";") else { throw error(.expectedKey(key)) }
            let text = trim(after[..<end])
            guard let v = parseCUnsigned(text) else {
                throw error(.invalidNumber(key: key, value: String(text)))
            }
            rest = after[after.index(after: end)...]
            return v
        }
        guard let off = try value("offset", optional: false), let offset = Int(exactly: off),
              offset <= Int(Int32.max)
        else { throw error(.invalidNumber(key: "offset", value: "")) }
        guard let sz = try value("size", optional: false), let size = Int(exactly: sz),
              size <= Int(Int32.max)
        else { throw error(.invalidNumber(key: "size", value: "")) }
        let signed = try value("signed", optional: true)
        guard rest.allSatisfy(isBlank) else { throw error(.expectedKey("end of line")) }

        guard var field = Self.parseDeclaration(decl) else {
            throw error(.invalidDeclaration(String(decl)))
        }
        field.offset = offset
        field.size = size
        field.isSigned = (signed ?? 0) != 0
        field.isCommon = common
        return field
    }

    /// Splits a declaration (`unsigned long caller[8]`, `__data_loc char[] name`) into name,
    /// element type, storage and array length. Offset and size are filled in by the caller.
    static func parseDeclaration(_ decl: Substring) -> FormatField? {
        var typePart: Substring
        var name: Substring
        var arrayLength: Int?
        if let open = decl.firstIndex(of: "[") {
            guard let close = decl[open...].firstIndex(of: "]") else { return nil }
            let inside = decl[decl.index(after: open)..<close]
            // libtraceevent keeps the last token inside the brackets, read by strtoul into an
            // unsigned int (a symbolic length such as `TASK_COMM_LEN` reads as 0).
            let lastToken = inside.split(whereSeparator: { $0 == " " || $0 == "\t" }).last ?? ""
            arrayLength = Int(UInt32(truncatingIfNeeded: parseCUnsignedPrefix(lastToken)))
            let after = trim(decl[decl.index(after: close)...])
            let before = trim(decl[..<open])
            if after.isEmpty {
                // `type name[N]`
                guard let (t, n) = splitLastWord(before) else { return nil }
                typePart = t
                name = n
            } else {
                // `type[] name`
                guard isIdentifier(after) else { return nil }
                typePart = before
                name = after
            }
        } else {
            guard let (t, n) = splitLastWord(decl) else { return nil }
            typePart = t
            name = n
        }
        var storage = FormatField.Storage.inline
        if typePart.hasPrefix("__data_loc") {
            storage = .dataLoc
            typePart = trim(typePart.dropFirst("__data_loc".count))
        } else if typePart.hasPrefix("__rel_loc") {
            storage = .relLoc
            typePart = trim(typePart.dropFirst("__rel_loc".count))
        }
        guard !typePart.isEmpty || storage != .inline, !name.isEmpty else { return nil }
        return FormatField(name: String(name), type: String(typePart), offset: 0, size: 0,
                           isSigned: false, storage: storage, arrayLength: arrayLength)
    }

    /// `unsigned long ip` → (`unsigned long`, `ip`); `const char *name` → (`const char *`, `name`).
    private static func splitLastWord(_ s: Substring) -> (Substring, Substring)? {
        var i = s.endIndex
        while i > s.startIndex {
            let p = s.index(before: i)
            if isIdentifierChar(s[p]) { i = p } else { break }
        }
        let name = s[i...]
        let type = trim(s[..<i])
        guard !name.isEmpty, !type.isEmpty else { return nil }
        return (type, name)
    }
}

@inline(__always) private func isBlank(_ c: Character) -> Bool {
    c == " " || c == "\t" || c == "\r" || c == "\0"
}

@inline(__always) private func isIdentifierChar(_ c: Character) -> Bool {
    c == "_" || c.isASCII && (c.isLetter || c.isNumber)
}

private func isIdentifier(_ s: Substring) -> Bool {
    !s.isEmpty && s.allSatisfy(isIdentifierChar)
}

private func trimLeading(_ s: Substring) -> Substring {
    var i = s.startIndex
    while i < s.endIndex, isBlank(s[i]) { i = s.index(after: i) }
    return s[i...]
}

private func trim(_ s: Substring) -> Substring {
    var e = s.endIndex
    let t = trimLeading(s)
    while e > t.startIndex, isBlank(s[s.index(before: e)]) { e = s.index(before: e) }
    return s[t.startIndex..<e]
}

/// Parses the whole of `s` as C's `strtoul(s, NULL, 0)` would (decimal, `0x` hex, leading-`0`
/// octal); `nil` when `s` is not entirely such a number or overflows.
func parseCUnsigned(_ s: Substring) -> UInt64? {
    var digits = Substring(s)
    var radix: UInt64 = 10
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
        radix = 16
        digits = digits.dropFirst(2)
    } else if digits.count > 1, digits.first == "0" {
        radix = 8
        digits = digits.dropFirst()
    }
    guard !digits.isEmpty else { return nil }
    var v: UInt64 = 0
    for c in digits.utf8 {
        guard let d = hexDigitValue(c), UInt64(d) < radix else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: radix)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        if o1 || o2 { return nil }
        v = a
    }
    return v
}

/// The value of the leading digits of `s` read as `strtoul(s, NULL, 0)`; 0 when none.
func parseCUnsignedPrefix(_ s: Substring) -> UInt64 {
    var digits = Substring(s)
    var radix: UInt64 = 10
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
        radix = 16
        digits = digits.dropFirst(2)
    } else if digits.first == "0" {
        radix = 8
    }
    var v: UInt64 = 0
    for c in digits.utf8 {
        guard let d = hexDigitValue(c), UInt64(d) < radix else { break }
        let (m, o1) = v.multipliedReportingOverflow(by: radix)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        if o1 || o2 { return .max }
        v = a
    }
    return v
}

@inline(__always) func hexDigitValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return nil
    }
}
