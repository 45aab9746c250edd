/// A node of the argument tree of a print format, shaped exactly as libtraceevent shapes it
/// (its operator-precedence handling has quirks, e.g. `a - b - c` groups as `a - (b - c)`,
/// and output must match it). Built once per event, then compiled into evaluators.
final class PrintFormatNode {
    enum Kind {
        /// An empty operand (left side of a unary operator).
        case null
        /// A literal: number, identifier, type name or quoted text (raw, escapes kept).
        case atom(String)
        /// `REC->name` (`field` is nil when the event has no such field).
        case field(name: String, field: FormatField?)
        /// `(type) item`.
        case typecast(type: String, item: PrintFormatNode)
        /// Unary (`left` is a `.null` node), binary, `?` (right is a `:` node) or `[` operator.
        case op(String, left: PrintFormatNode?, right: PrintFormatNode?, prio: Int)
        case flags(value: PrintFormatNode, delim: String?, entries: [(value: String, text: String)])
        case symbolic(value: PrintFormatNode, entries: [(value: String, text: String)])
        case hex(buffer: PrintFormatNode, length: PrintFormatNode, spaced: Bool)
        case intArray(buffer: PrintFormatNode, count: PrintFormatNode, elementSize: PrintFormatNode)
        /// `__get_str(name)` / `__get_rel_str(name)`.
        case string(name: String)
        /// `__get_bitmask(name)`.
        case bitmask(name: String)
        /// `__get_cpumask(name)`.
        case cpumask(name: String)
        /// `__get_dynamic_array(name)` and the sockaddr variants.
        case dynamicArray(field: FormatField)
        /// `__get_dynamic_array_len(name)`.
        case dynamicArrayLength(field: FormatField)
        /// Argument `k` of an `ftrace:bprint` record (decoded per record from its buffer).
        case bprintArgument(Int)
    }

    var kind: Kind

    init(_ kind: Kind = .null) { self.kind = kind }

    func copy() -> PrintFormatNode { PrintFormatNode(kind) }

    /// Numeric code of the node type in libtraceevent (`enum tep_print_arg_type`), which it
    /// prints in some error texts.
    var libtraceeventTypeCode: Int {
        switch kind {
        case .null: return 0
        case .atom: return 1
        case .field: return 2
        case .flags: return 3
        case .symbolic: return 4
        case .hex(_, _, let spaced): return spaced ? 5 : 15
        case .intArray: return 6
        case .typecast: return 7
        case .string: return 8
        case .dynamicArray: return 10
        case .op: return 11
        case .bitmask: return 13
        case .dynamicArrayLength: return 14
        case .cpumask: return 16
        case .bprintArgument: return 1
        }
    }
}

/// Why a print format could not be parsed (libtraceevent then prints the event as
/// `[FAILED TO PARSE]` followed by its raw fields).
struct PrintFormatParseFailure: Error, Sendable {
    var message: String
}

/// Parses the text after `print fmt:` into the format string and its argument trees,
/// following libtraceevent 1.7.1's grammar and tree shapes.
struct PrintFormatParser {
    private var lexer: PrintFormatLexer
    private let event: EventFormat
    private let longSize: Int

    init(event: EventFormat, longSize: Int) {
        self.event = event
        self.longSize = longSize
        lexer = PrintFormatLexer(event.printFormatText)
    }

    private mutating func read() -> PrintFormatToken { lexer.next() }

    private func fail(_ message: String) -> PrintFormatParseFailure {
        PrintFormatParseFailure(message: message)
    }

    /// libtraceevent looks a field up among the common fields first.
    private func anyField(_ name: String) -> FormatField? {
        if let f = event.commonFields.first(where: { $0.name == name }) { return f }
        return event.fields.first(where: { $0.name == name })
    }

    private func eventField(_ name: String) -> FormatField? {
        event.fields.first(where: { $0.name == name })
    }

    /// The format string and the argument list.
    mutating func parse() throws(PrintFormatParseFailure) -> (format: String, args: [PrintFormatNode]) {
        let first = read()
        guard first.kind == .dquote else { throw fail("print fmt does not start with a string") }
        var format = first.text
        var tok = read()
        while tok.kind == .dquote { // concatenation that the lexer did not merge
            format += tok.text
            tok = read()
        }
        if tok.kind == .none { return (format, []) }
        guard tok.isDelim(",") else { throw fail("expected ',' after the format string") }
        var args: [PrintFormatNode] = []
        while true {
            let arg = PrintFormatNode()
            var t = try processArg(arg)
            args.append(arg)
            if t.kind == .op {
                t = try processOp(arg, t)
                consolidate(arg)
                // libtraceevent continues with the next argument whatever followed.
                if t.kind == .none { break }
                continue
            }
            if t.isDelim(",") { continue }
            break
        }
        return (format, args)
    }

    // MARK: - Arguments

    private mutating func processArg(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        let t = read()
        return try processArgToken(arg, t)
    }

    /// Nesting depth of the recursive descent, bounded so that a hostile format cannot
    /// exhaust the stack.
    private var depth = 0

    private mutating func processArgToken(_ arg: PrintFormatNode, _ tok: PrintFormatToken) throws(PrintFormatParseFailure) -> PrintFormatToken {
        depth += 1
        defer { depth -= 1 }
        guard depth < 256 else { throw fail("print fmt nested too deeply") }
        switch tok.kind {
        case .item:
            if tok.text == "REC" {
                return try processEntry(arg)
            }
            var atom = tok.text
            var t = read()
            if t.isDelim("(") {
                return try processFunction(arg, atom)
            }
            while t.kind == .item {
                atom += " " + t.text
                t = read()
            }
            arg.kind = .atom(atom)
            return t
        case .dquote, .squote:
            arg.kind = .atom(tok.text)
            return read()
        case .delim where tok.text == "(":
            return try processParen(arg)
        case .delim, .op:
            arg.kind = .op(tok.text, left: nil, right: nil, prio: 0)
            return try processOp(arg, tok)
        case .none:
            throw fail("unexpected end of print fmt")
        }
    }

    private static func opPriority(_ op: String) -> Int? {
        switch op {
        case "~", "!": return 4
        case "*", "/", "%": return 6
        case "+", "-": return 7
        case "<<", ">>": return 8
        case "<", ">", "<=", ">=": return 9
        case "==", "!=": return 10
        case "&": return 11
        case "^": return 12
        case "|": return 13
        case "&&": return 14
        case "||": return 15
        case "?": return 16
        case "++", "--": return 3
        default: return nil
        }
    }

    private static let binaryOps: Set<String> = [
        ">>", "<<", "&", "|", "&&", "||", "-", "+", "*", "^", "/", "%", "<", ">", "<=", ">=", "==", "!=",
    ]

    private mutating func processOp(_ arg: PrintFormatNode, _ opTok: PrintFormatToken) throws(PrintFormatParseFailure) -> PrintFormatToken {
        depth += 1
        defer { depth -= 1 }
        guard depth < 256 else { throw fail("print fmt nested too deeply") }
        let token = opTok.text
        var right: PrintFormatNode? = nil
        var t: PrintFormatToken
        if case .op(let op, nil, _, _) = arg.kind {
            // Unary operator.
            guard token.count == 1, token == "~" || token == "!" || token == "+" || token == "-" else {
                throw fail("bad op token \(token)")
            }
            let r = PrintFormatNode()
            arg.kind = .op(op, left: PrintFormatNode(.null), right: r, prio: 0)
            right = r
            t = try processArg(r)
        } else if token == "?" {
            let left = arg.copy()
            arg.kind = .op("?", left: left, right: nil, prio: 0)
            t = try processCond(arg)
        } else if Self.binaryOps.contains(token) {
            let left = arg.copy()
            guard let prio = Self.opPriority(token) else { throw fail("unknown op '\(token)'") }
            arg.kind = .op(token, left: left, right: nil, prio: prio)
            t = read()
            if token == "*" && t.isDelim(")") {
                // A pointer type: "(void *)".
                guard case .atom(let a) = left.kind else { throw fail("bad pointer type") }
                arg.kind = .atom(a + " *")
                return t
            }
            let r = PrintFormatNode()
            t = try processArgToken(r, t)
            if case .op(let rop, let rl, let rr, let rprio) = r.kind,
               (Self.opPriority(token) ?? -1) < (Self.opPriority(rop) ?? -1) {
                // Rotate: (left op r.left) r.op r.right
                let mine = arg.kind
                guard case .op(let myOp, let myLeft, _, let myPrio) = mine else { throw fail("internal") }
                // arg takes r's operator, r becomes the old arg with r.left as its right.
                r.kind = .op(myOp, left: myLeft, right: rl, prio: myPrio)
                arg.kind = .op(rop, left: r, right: rr, prio: rprio)
            } else {
                arg.kind = .op(token, left: left, right: r, prio: prio)
            }
            right = r
        } else if token == "[" {
            let left = arg.copy()
            arg.kind = .op("[", left: left, right: nil, prio: 0)
            t = try processArray(arg)
        } else {
            throw fail("unknown op '\(token)'")
        }

        if t.kind == .op && t.text != ":" {
            // An unknown operator ("[" too) has priority -1: it applies to the right operand.
            let prio = Self.opPriority(t.text) ?? -1
            var argPrio = 0
            if case .op(_, _, _, let p) = arg.kind { argPrio = p }
            if prio > argPrio {
                return try processOp(arg, t)
            }
            guard let r = right else { throw fail("operator without right operand") }
            return try processOp(r, t)
        }
        return t
    }

    private mutating func processCond(_ top: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        let left = PrintFormatNode()
        let right = PrintFormatNode()
        var t = try processArg(left)
        while t.kind == .op && t.text != ":" {
            t = try processOp(left, t)
        }
        guard t.isOp(":") else { throw fail("expected ':'") }
        t = try processArg(right)
        let colon = PrintFormatNode(.op(":", left: left, right: right, prio: 0))
        if case .op(let op, let l, _, let p) = top.kind {
            top.kind = .op(op, left: l, right: colon, prio: p)
        }
        return t
    }

    private mutating func processArray(_ top: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        let index = PrintFormatNode()
        let t = try processArg(index)
        guard t.isOp("]") else { throw fail("expected ']'") }
        if case .op(let op, let l, _, let p) = top.kind {
            top.kind = .op(op, left: l, right: index, prio: p)
        }
        return read()
    }

    private mutating func processEntry(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        var t = read()
        if t.isDelim(")") {
            // "(REC)->field": the caller sees an item ")" and comes back here.
            return PrintFormatToken(kind: .item, text: ")")
        }
        guard t.isOp("->") else { throw fail("expected '->' after REC") }
        t = read()
        guard t.kind == .item else { throw fail("expected a field name after REC->") }
        arg.kind = .field(name: t.text, field: anyField(t.text))
        return read()
    }

    private mutating func processParen(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        var t = try processArg(arg)
        if t.kind == .op {
            t = try processOp(arg, t)
        }
        if t.kind == .item && t.text == ")" {
            return try processEntry(arg)
        }
        guard t.isDelim(")") else { throw fail("expected ')'") }
        t = read()
        if t.isItemLike || t.isDelim("(") {
            guard case .atom(let type) = arg.kind else {
                throw fail("previous needed to be TEP_PRINT_ATOM")
            }
            let item = PrintFormatNode()
            arg.kind = .typecast(type: type, item: item)
            return try processArgToken(item, t)
        }
        return t
    }

    // MARK: - Helper functions

    private mutating func processFunction(_ arg: PrintFormatNode, _ name: String) throws(PrintFormatParseFailure) -> PrintFormatToken {
        switch name {
        case "__print_flags": return try processFlags(arg)
        case "__print_symbolic": return try processSymbols(arg)
        case "__print_hex", "__print_hex_str":
            let buffer = try delimitedArg(",")
            let length = try delimitedArg(")")
            arg.kind = .hex(buffer: buffer, length: length, spaced: name == "__print_hex")
            return read()
        case "__print_array":
            let buffer = try delimitedArg(",")
            let count = try delimitedArg(",")
            let size = try delimitedArg(")")
            arg.kind = .intArray(buffer: buffer, count: count, elementSize: size)
            return read()
        case "__get_str", "__get_rel_str":
            let n = try nameInParens()
            arg.kind = .string(name: n)
            return read()
        case "__get_bitmask", "__get_rel_bitmask":
            let n = try nameInParens()
            arg.kind = .bitmask(name: n)
            return read()
        case "__get_cpumask", "__get_rel_cpumask":
            let n = try nameInParens()
            arg.kind = .cpumask(name: n)
            return read()
        case "__get_dynamic_array", "__get_rel_dynamic_array", "__get_sockaddr", "__get_sockaddr_rel":
            return try processDynamicArray(arg)
        case "__get_dynamic_array_len", "__get_rel_dynamic_array_len":
            let t = read()
            guard t.kind == .item, let f = eventField(t.text) else { throw fail("dynamic array field not found") }
            guard read().isDelim(")") else { throw fail("expected ')'") }
            arg.kind = .dynamicArrayLength(field: f)
            return read()
        case "__builtin_expect":
            var t = try processArg(arg)
            guard t.isDelim(",") else { throw fail("expected ','") }
            t = read()
            guard t.kind == .item else { throw fail("expected an item") }
            guard read().isDelim(")") else { throw fail("expected ')'") }
            return read()
        case "sizeof":
            return try processSizeof(arg)
        default:
            // libtraceevent only knows functions registered by plugins; none are loaded.
            throw fail("function \(name) not defined")
        }
    }

    private mutating func nameInParens() throws(PrintFormatParseFailure) -> String {
        let t = read()
        guard t.kind == .item else { throw fail("expected a field name") }
        guard read().isDelim(")") else { throw fail("expected ')'") }
        return t.text
    }

    /// An argument followed by `delim`, with operators allowed (and folded when constant).
    private mutating func delimitedArg(_ delim: String) throws(PrintFormatParseFailure) -> PrintFormatNode {
        let node = PrintFormatNode()
        var t = try processArg(node)
        if t.kind == .op {
            t = try processOp(node, t)
            consolidate(node)
        }
        guard t.isDelim(delim) else { throw fail("expected '\(delim)'") }
        return node
    }

    /// The first argument of `__print_flags`/`__print_symbolic`: a whole expression.
    private mutating func fieldArg(_ node: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        var t = try processArg(node)
        while t.kind == .op {
            t = try processOp(node, t)
        }
        return t
    }

    private mutating func processFlags(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        let value = PrintFormatNode()
        var t = try fieldArg(value)
        while t.kind == .op { t = try processOp(value, t) }
        guard t.isDelim(",") else { throw fail("expected ','") }
        t = read()
        var delim: String? = nil
        if t.isItemLike {
            delim = t.text
            t = read()
        }
        guard t.isDelim(",") else { throw fail("expected ','") }
        let (entries, end) = try processEntries()
        guard end.isDelim(")") else { throw fail("expected ')'") }
        arg.kind = .flags(value: value, delim: delim, entries: entries)
        return read()
    }

    private mutating func processSymbols(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        let value = PrintFormatNode()
        let t = try fieldArg(value)
        guard t.isDelim(",") else { throw fail("expected ','") }
        let (entries, end) = try processEntries()
        guard end.isDelim(")") else { throw fail("expected ')'") }
        arg.kind = .symbolic(value: value, entries: entries)
        return read()
    }

    /// `{ value, "text" }, ...`; values are kept as libtraceevent's text evaluation.
    private mutating func processEntries() throws(PrintFormatParseFailure) -> ([(value: String, text: String)], PrintFormatToken) {
        var entries: [(value: String, text: String)] = []
        var t: PrintFormatToken
        repeat {
            t = read()
            guard t.isOp("{") else { return (entries, t) }
            let v = PrintFormatNode()
            t = try processArg(v)
            if t.kind == .op { t = try processOp(v, t) }
            guard t.isDelim(",") else { throw fail("expected ',' in a symbol entry") }
            guard let value = Self.evalText(v) else { throw fail("cannot evaluate a symbol value") }
            let s = PrintFormatNode()
            t = try processArg(s)
            guard t.isOp("}") else { throw fail("expected '}'") }
            guard let text = Self.evalText(s) else { throw fail("cannot evaluate a symbol text") }
            entries.append((value, text))
            t = read()
        } while t.isDelim(",")
        return (entries, t)
    }

    private mutating func processDynamicArray(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        let t = read()
        guard t.kind == .item, let f = eventField(t.text) else { throw fail("dynamic array field not found") }
        arg.kind = .dynamicArray(field: f)
        guard read().isDelim(")") else { throw fail("expected ')'") }
        let n = read()
        guard n.isOp("[") else { return n }
        // libtraceevent parses an index here and then fails on it.
        throw fail("index on a dynamic array")
    }

    private mutating func processSizeof(_ arg: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatToken {
        var t = read()
        var ok = false
        if t.kind == .item && t.text == "unsigned" {
            t = read()
            if t.kind != .item { ok = true }
        }
        if ok || (t.kind == .item && t.text == "int") {
            arg.kind = .atom("4")
        } else if t.kind == .item && t.text == "long" {
            t = read()
            if t.kind == .item && t.text == "long" {
                arg.kind = .atom("8")
            } else {
                guard longSize == 4 || longSize == 8 else { throw fail("long size unknown") }
                arg.kind = .atom(String(longSize))
                ok = true
            }
        } else if t.kind == .item && t.text == "REC" {
            guard read().isOp("->") else { throw fail("expected '->'") }
            let n = read()
            guard n.kind == .item, let f = anyField(n.text),
                  !PrintFormatFieldTraits(f, longSize: longSize).isArray else {
                throw fail("sizeof of an unknown or array field")
            }
            arg.kind = .atom(String(f.size))
        } else {
            throw fail("unsupported sizeof")
        }
        if !ok { t = read() }
        guard t.isDelim(")") else { throw fail("expected ')' after sizeof") }
        return read()
    }

    // MARK: - Constant folding and text evaluation

    /// libtraceevent folds operators whose two operands are literals into one literal.
    private func consolidate(_ node: PrintFormatNode) {
        guard case .op(let op, let l, let r, _) = node.kind else { return }
        if let l { consolidate(l) }
        if let r { consolidate(r) }
        guard let l, let r, case .atom(let la) = l.kind, case .atom(let ra) = r.kind else { return }
        let a = PrintFormatNumbers.strtoull(la)
        let b = PrintFormatNumbers.strtoull(ra)
        let v: UInt64
        switch op {
        case ">>": v = b >= 64 ? 0 : a >> b
        case ">=": v = a >= b ? 1 : 0
        case ">": v = a > b ? 1 : 0
        case "<<": v = b >= 64 ? 0 : a << b
        case "<=": v = a <= b ? 1 : 0
        case "<": v = a < b ? 1 : 0
        case "&&": v = (a != 0 && b != 0) ? 1 : 0
        case "&": v = a & b
        case "||": v = (a != 0 || b != 0) ? 1 : 0
        case "|": v = a | b
        case "-": v = a &- b
        case "+": v = a &+ b
        case "*": v = a &* b
        case "^": v = a ^ b
        case "/": guard b != 0 else { return }; v = a / b
        case "%": guard b != 0 else { return }; v = a % b
        case "==": v = a == b ? 1 : 0
        case "!=": v = a != b ? 1 : 0
        default: return
        }
        node.kind = .atom(String(Int64(bitPattern: v)))
    }

    /// libtraceevent's `arg_eval`: the text of a literal, or the signed decimal value of a
    /// constant expression; nil when it cannot be evaluated.
    static func evalText(_ node: PrintFormatNode) -> String? {
        switch node.kind {
        case .atom(let a): return a
        case .typecast(_, let item): return evalText(item)
        case .op:
            guard let v = numEval(node) else { return nil }
            return String(v)
        default: return nil
        }
    }

    /// libtraceevent's `arg_num_eval` (signed 64-bit arithmetic on constants).
    static func numEval(_ node: PrintFormatNode) -> Int64? {
        switch node.kind {
        case .atom(let a):
            return PrintFormatNumbers.strtoll(a)
        case .typecast(let type, let item):
            guard let v = numEval(item) else { return nil }
            return Int64(bitPattern: PrintFormatNumbers.castValue(UInt64(bitPattern: v), type: type, pointer: false))
        case .op(let op, let l, let r, _):
            func both() -> (Int64, Int64)? {
                guard let l, let r, let a = numEval(l), let b = numEval(r) else { return nil }
                return (a, b)
            }
            switch op {
            case "|", "||", "&", "&&", "<", "<<", "<=", ">", ">>", ">=", "==", "!=":
                guard let (a, b) = both() else { return nil }
                switch op {
                case "|": return a | b
                case "||": return (a != 0 || b != 0) ? 1 : 0
                case "&": return a & b
                case "&&": return (a != 0 && b != 0) ? 1 : 0
                case "<": return a < b ? 1 : 0
                case "<<": return b < 0 || b >= 64 ? 0 : a << b
                case "<=": return a <= b ? 1 : 0
                case ">": return a > b ? 1 : 0
                case ">>": return b < 0 || b >= 64 ? (a < 0 ? -1 : 0) : a >> b
                case ">=": return a >= b ? 1 : 0
                case "==": return a == b ? 1 : 0
                default: return a != b ? 1 : 0
                }
            case "-", "+":
                guard let r, let b = numEval(r) else { return nil }
                var a: Int64 = 0
                if let l, case .null = l.kind {
                    a = 0
                } else {
                    guard let l, let v = numEval(l) else { return nil }
                    a = v
                }
                return op == "-" ? a &- b : a &+ b
            case "~":
                guard let r, let b = numEval(r) else { return nil }
                return ~b
            default:
                return nil
            }
        default:
            return nil
        }
    }
}

/// Number conversions with C library semantics, as libtraceevent applies them to literals.
enum PrintFormatNumbers {
    /// `strtoull(s, NULL, 0)`: optional sign, `0x`/`0` prefixes, stops at the first bad digit,
    /// saturates on overflow.
    static func strtoull(_ s: String) -> UInt64 {
        let (neg, mag) = parse(s)
        return neg ? 0 &- mag : mag
    }

    /// `strtoll(s, NULL, 0)`.
    static func strtoll(_ s: String) -> Int64 {
        let (neg, mag) = parse(s, signedLimit: true)
        if neg {
            return mag >= UInt64(Int64.max) + 1 ? Int64.min : -Int64(mag)
        }
        return mag > UInt64(Int64.max) ? Int64.max : Int64(mag)
    }

    private static func parse(_ s: String, signedLimit: Bool = false) -> (Bool, UInt64) {
        var b = Array(s.utf8)[...]
        while let c = b.first, c == 0x20 || (c >= 0x09 && c <= 0x0d) { b = b.dropFirst() }
        var neg = false
        if let c = b.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            neg = c == UInt8(ascii: "-")
            b = b.dropFirst()
        }
        var base: UInt64 = 10
        if b.first == UInt8(ascii: "0") {
            let rest = b.dropFirst()
            if let x = rest.first, x == UInt8(ascii: "x") || x == UInt8(ascii: "X"),
               let d = rest.dropFirst().first, digit(d, 16) != nil {
                base = 16
                b = rest.dropFirst()
            } else {
                base = 8
            }
        }
        var v: UInt64 = 0
        var overflow = false
        for c in b {
            guard let d = digit(c, base) else { break }
            let (m, o1) = v.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { overflow = true }
            v = a
        }
        if overflow { v = UInt64.max }
        _ = signedLimit
        return (neg, v)
    }

    private static func digit(_ c: UInt8, _ base: UInt64) -> UInt64? {
        let d: UInt64
        switch c {
        case 0x30...0x39: d = UInt64(c - 0x30)
        case 0x61...0x66: d = UInt64(c - 0x61 + 10)
        case 0x41...0x46: d = UInt64(c - 0x41 + 10)
        default: return nil
        }
        return d < base ? d : nil
    }

    /// libtraceevent's `eval_type_str`: what a cast does to a value. Only fixed-size kernel
    /// types and `char`/`short`/`int` truncate (and never sign-extend); everything else,
    /// `long` and pointers included, keeps the 64-bit value.
    static func castValue(_ val: UInt64, type: String, pointer: Bool) -> UInt64 {
        var t = Substring(type)
        guard t.utf8.count >= 2 else { return val }
        if pointer {
            guard t.hasSuffix("*") else { return val }
            t = t.dropLast(2)
            return castValue(val, type: String(t), pointer: false)
        }
        if t.hasSuffix("*") { return val }
        if t.hasPrefix("struct") { return val }
        switch t {
        case "u8", "s8": return val & 0xff
        case "u16", "s16": return val & 0xffff
        case "u32", "s32": return val & 0xffff_ffff
        case "u64", "s64": return val
        default: break
        }
        if t.hasPrefix("unsigned ") { t = t.dropFirst(9) }
        switch t {
        case "char": return val & 0xff
        case "short": return val & 0xffff
        case "int": return val & 0xffff_ffff
        default: return val
        }
    }
}
