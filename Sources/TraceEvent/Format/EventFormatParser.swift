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

/// Line-oriented reader of one format text, over its UTF-8 bytes (the format is ASCII in
/// practice: reading bytes rather than `Character`s keeps a file of 1,500 formats quick to
/// open).
struct EventFormatTextParser {
    private typealias Span = Range<Int>

    private let bytes: [UInt8]
    private let lines: [Span]
    private var index = 0
    private let isFtrace: Bool
    private var name: String?
    private var id: Int?

    init(text: String, isFtrace: Bool) {
        bytes = Array(text.utf8)
        var l: [Span] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0a {
            l.append(start..<i)
            start = i + 1
        }
        // A final newline ends the last line; it does not start an empty one.
        if start < bytes.count { l.append(start..<bytes.count) }
        lines = l
        self.isFtrace = isFtrace
    }

    private func string(_ s: Span) -> String { String(decoding: bytes[s], as: UTF8.self) }

    private func error(_ reason: EventFormatError.Reason, at i: Int? = nil) -> EventFormatError {
        let li = i ?? index
        let text = li < lines.count ? string(lines[li]) : ""
        return EventFormatError(eventName: name, eventID: id, line: lines.isEmpty ? 0 : min(li, lines.count - 1) + 1,
                                lineText: text, reason: reason)
    }

    // MARK: Bytes

    @inline(__always) private static func isBlank(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0d || c == 0
    }

    @inline(__always) private static func isIdentifierChar(_ c: UInt8) -> Bool {
        c == 0x5f || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    }

    private func isBlank(_ s: Span) -> Bool {
        for i in s where !Self.isBlank(bytes[i]) { return false }
        return true
    }

    private func trimLeading(_ s: Span) -> Span {
        var i = s.lowerBound
        while i < s.upperBound, Self.isBlank(bytes[i]) { i += 1 }
        return i..<s.upperBound
    }

    private func trim(_ s: Span) -> Span {
        let t = trimLeading(s)
        var e = t.upperBound
        while e > t.lowerBound, Self.isBlank(bytes[e - 1]) { e -= 1 }
        return t.lowerBound..<e
    }

    private func hasPrefix(_ s: Span, _ prefix: StaticString) -> Bool {
        prefix.withUTF8Span { p in
            guard s.count >= p.count else { return false }
            for k in 0..<p.count where bytes[s.lowerBound + k] != p[k] { return false }
            return true
        }
    }

    private func dropFirst(_ s: Span, _ n: Int) -> Span { min(s.lowerBound + n, s.upperBound)..<s.upperBound }

    private func first(_ s: Span) -> UInt8? { s.isEmpty ? nil : bytes[s.lowerBound] }

    private func firstIndex(of c: UInt8, in s: Span) -> Int? {
        for i in s where bytes[i] == c { return i }
        return nil
    }

    // MARK: Lines

    /// Skips lines that are empty or only whitespace.
    private mutating func skipBlankLines() {
        while index < lines.count, isBlank(lines[index]) { index += 1 }
    }

    /// If the current line is `key:` + value (leading whitespace allowed), returns the value
    /// with surrounding whitespace removed and advances.
    private mutating func take(key: StaticString) -> Span? {
        guard index < lines.count else { return nil }
        let line = trimLeading(lines[index])
        guard hasPrefix(line, key) else { return nil }
        let rest = trimLeading(dropFirst(line, key.utf8CodeUnitCount))
        guard first(rest) == 0x3a else { return nil }
        index += 1
        return trim(dropFirst(rest, 1))
    }

    mutating func parse(system: String) throws(EventFormatError) -> EventFormat {
        skipBlankLines()
        guard let n = take(key: "name"), !n.isEmpty else { throw error(.missingName) }
        name = string(n)
        skipBlankLines()
        guard let idText = take(key: "ID") else { throw error(.missingID) }
        guard let v = parseCUnsigned(bytes[idText]), let iv = Int(exactly: v) else {
            throw error(.invalidID(string(idText)), at: index - 1)
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
            guard hasPrefix(line, "print fmt:") else { throw error(.unexpectedLine) }
            var rest = dropFirst(line, 10)
            if first(rest) == 0x20 { rest = dropFirst(rest, 1) }
            // The print format is one line in practice; keep any further text verbatim.
            var all = Array(bytes[rest])
            var last = lines.count
            while last > index + 1, isBlank(lines[last - 1]) { last -= 1 }
            for j in (index + 1)..<max(index + 1, last) {
                all.append(0x0a)
                all.append(contentsOf: bytes[lines[j]])
            }
            while let b = all.last, b == 0x0d || b == 0 { all.removeLast() }
            printText = String(decoding: all, as: UTF8.self)
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
            if isBlank(raw) {
                index += 1
                return result
            }
            let line = trimLeading(raw)
            if !common, hasPrefix(line, "print fmt:") { return result }
            result.append(try parseField(line, common: common))
            index += 1
        }
    }

    private func parseField(_ line: Span, common: Bool) throws(EventFormatError) -> FormatField {
        guard hasPrefix(line, "field") else { throw error(.expectedField) }
        var rest = trimLeading(dropFirst(line, 5))
        if isFtrace, hasPrefix(rest, "special") {
            rest = trimLeading(dropFirst(rest, 7))
        }
        guard first(rest) == 0x3a else { throw error(.expectedField) }
        rest = dropFirst(rest, 1)
        guard let semi = firstIndex(of: 0x3b, in: rest) else { throw error(.expectedKey("offset")) }
        let decl = trim(rest.lowerBound..<semi)
        rest = (semi + 1)..<rest.upperBound

        func value(_ key: StaticString, optional: Bool) throws(EventFormatError) -> UInt64? {
            let r = trimLeading(rest)
            guard hasPrefix(r, key) else {
                if optional, isBlank(r) { return nil }
                throw error(.expectedKey(key.description))
            }
            var after = trimLeading(dropFirst(r, key.utf8CodeUnitCount))
            guard first(after) == 0x3a else { throw error(.expectedKey(key.description)) }
            after = dropFirst(after, 1)
            guard let end = firstIndex(of: 0x3b, in: after) else { throw error(.expectedKey(key.description)) }
            let text = trim(after.lowerBound..<end)
            guard let v = parseCUnsigned(bytes[text]) else {
                throw error(.invalidNumber(key: key.description, value: string(text)))
            }
            rest = (end + 1)..<after.upperBound
            return v
        }
        guard let off = try value("offset", optional: false), let offset = Int(exactly: off),
              offset <= Int(Int32.max)
        else { throw error(.invalidNumber(key: "offset", value: "")) }
        guard let sz = try value("size", optional: false), let size = Int(exactly: sz),
              size <= Int(Int32.max)
        else { throw error(.invalidNumber(key: "size", value: "")) }
        let signed = try value("signed", optional: true)
        guard isBlank(rest) else { throw error(.expectedKey("end of line")) }

        guard var field = parseDeclaration(decl) else {
            throw error(.invalidDeclaration(string(decl)))
        }
        field.offset = offset
        field.size = size
        field.isSigned = (signed ?? 0) != 0
        field.isCommon = common
        return field
    }

    /// Splits a declaration (`unsigned long caller[8]`, `__data_loc char[] name`) into name,
    /// element type, storage and array length. Offset and size are filled in by the caller.
    private func parseDeclaration(_ decl: Span) -> FormatField? {
        var typePart: Span
        let name: Span
        var arrayLength: Int?
        if let open = firstIndex(of: 0x5b, in: decl) {
            guard let close = firstIndex(of: 0x5d, in: open..<decl.upperBound) else { return nil }
            // libtraceevent keeps the last token inside the brackets, read by strtoul into an
            // unsigned int (a symbolic length such as `TASK_COMM_LEN` reads as 0).
            var e = close
            while e > open + 1, bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 { e -= 1 }
            var b = e
            while b > open + 1, bytes[b - 1] != 0x20, bytes[b - 1] != 0x09 { b -= 1 }
            arrayLength = Int(UInt32(truncatingIfNeeded: parseCUnsignedPrefix(bytes[b..<e])))
            let after = trim((close + 1)..<decl.upperBound)
            let before = trim(decl.lowerBound..<open)
            if after.isEmpty {
                // `type name[N]`
                guard let (t, n) = splitLastWord(before) else { return nil }
                typePart = t
                name = n
            } else {
                // `type[] name`
                guard !after.isEmpty, after.allSatisfy({ Self.isIdentifierChar(bytes[$0]) }) else { return nil }
                typePart = before
                name = after
            }
        } else {
            guard let (t, n) = splitLastWord(decl) else { return nil }
            typePart = t
            name = n
        }
        var storage = FormatField.Storage.inline
        if hasPrefix(typePart, "__data_loc") {
            storage = .dataLoc
            typePart = trim(dropFirst(typePart, 10))
        } else if hasPrefix(typePart, "__rel_loc") {
            storage = .relLoc
            typePart = trim(dropFirst(typePart, 9))
        }
        guard !typePart.isEmpty || storage != .inline, !name.isEmpty else { return nil }
        return FormatField(name: string(name), type: string(typePart), offset: 0, size: 0,
                           isSigned: false, storage: storage, arrayLength: arrayLength)
    }

    /// `unsigned long ip` → (`unsigned long`, `ip`); `const char *name` → (`const char *`, `name`).
    private func splitLastWord(_ s: Span) -> (Span, Span)? {
        var i = s.upperBound
        while i > s.lowerBound, Self.isIdentifierChar(bytes[i - 1]) { i -= 1 }
        let name = i..<s.upperBound
        let type = trim(s.lowerBound..<i)
        guard !name.isEmpty, !type.isEmpty else { return nil }
        return (type, name)
    }
}

/// Parses the whole of `s` as C's `strtoul(s, NULL, 0)` would (decimal, `0x` hex, leading-`0`
/// octal); `nil` when `s` is not entirely such a number or overflows.
func parseCUnsigned<C: Collection<UInt8>>(_ s: C) -> UInt64? {
    var digits = s[...]
    var radix: UInt64 = 10
    if digits.count >= 2, digits.first == 0x30, let x = digits.dropFirst().first, x == 0x78 || x == 0x58 {
        radix = 16
        digits = digits.dropFirst(2)
    } else if digits.count > 1, digits.first == 0x30 {
        radix = 8
        digits = digits.dropFirst()
    }
    guard !digits.isEmpty else { return nil }
    var v: UInt64 = 0
    for c in digits {
        guard let d = hexDigitValue(c), UInt64(d) < radix else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: radix)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        if o1 || o2 { return nil }
        v = a
    }
    return v
}

/// The value of the leading digits of `s` read as `strtoul(s, NULL, 0)`; 0 when none.
func parseCUnsignedPrefix<C: Collection<UInt8>>(_ s: C) -> UInt64 {
    var digits = s[...]
    var radix: UInt64 = 10
    if digits.count >= 2, digits.first == 0x30, let x = digits.dropFirst().first, x == 0x78 || x == 0x58 {
        radix = 16
        digits = digits.dropFirst(2)
    } else if digits.first == 0x30 {
        radix = 8
    }
    var v: UInt64 = 0
    for c in digits {
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
