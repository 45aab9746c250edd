/// A field a filter refers to: an event/common field, or one of the pseudo-fields `COMM`
/// (the task name of the record's `common_pid`) and `CPU` (the record's CPU).
enum EventFilterField: Sendable {
    case format(FormatField, EventFilterFieldTraits)
    case comm
    case cpu

    var name: String {
        switch self {
        case .format(let f, _): return f.name
        case .comm: return "COMM"
        case .cpu: return "CPU"
        }
    }
}

/// libtraceevent's classification of a field (its `TEP_FIELD_IS_*` flags) as far as the
/// filter needs it, computed once per field from the format declaration.
struct EventFilterFieldTraits: Sendable, Hashable {
    var isSigned: Bool
    var isString: Bool
    var isDynamic: Bool
    var isRelative: Bool
    var isPointerOrLong: Bool

    init(_ f: FormatField) {
        isSigned = f.isSigned
        isDynamic = f.storage != .inline
        isRelative = f.storage == .relLoc
        let isArray = f.arrayLength != nil || (isDynamic && f.size == 2)
        let charType = f.type.contains("char") || f.type.contains("u8") || f.type.contains("s8")
        isString = (isArray && charType) || (isDynamic && f.size == 2)
        isPointerOrLong = f.type.contains("*") || f.type.contains("long")
    }
}

enum EventFilterLogicOp: Sendable { case and, or, not }
enum EventFilterArithmeticOp: Sendable { case add, sub, mul, div, mod, shiftRight, shiftLeft, and, or, xor, bitNot }
enum EventFilterCompareOp: Sendable { case eq, ne, lt, gt, le, ge, regex, notRegex }
enum EventFilterStringOp: Sendable { case match, notMatch, regex, notRegex }

/// A node of a parsed filter, in an arena (children are indices into it).
enum EventFilterNode: Sendable {
    case boolean(Bool)
    case logic(EventFilterLogicOp, left: Int?, right: Int?)
    case arithmetic(EventFilterArithmeticOp, left: Int?, right: Int?)
    case compare(EventFilterCompareOp, left: Int?, right: Int?)
    case stringCompare(EventFilterStringOp, EventFilterField, value: [UInt8], regex: EventFilterRegex?)
    case number(UInt64)
    /// A one-character single-quoted literal used as a number. libtraceevent then compares
    /// with the address of its copy of the string (a heap pointer); we use a fixed stand-in.
    case charAddress
    /// A string literal where a number is needed (an operand of `+`, `&`, ...): evaluating
    /// it is an error ("must have number field"), so the whole filter does not match.
    case text([UInt8], singleQuoted: Bool)
    case field(EventFilterField)
}

/// A parse failure inside one expression.
struct EventFilterParseFailure: Error {
    var kind: EventFilterError.Kind
    var message: String
    var offset: Int?
}

/// Parses the expression part of a filter for one event, with libtraceevent 1.7.1's grammar.
///
/// libtraceevent's filter grammar is a left-to-right state machine rather than a precedence
/// grammar. What it accepts and builds:
/// - a comparison is `FIELD op VALUE`: the left side must be a field name (or `COMM`/`CPU`),
///   the right side a number, a quoted string, or a one-character `'c'`; a field on the right
///   is a syntax error;
/// - `&&` and `||` have the same precedence and group to the left:
///   `a || b && c` is `(a || b) && c`;
/// - `!` applies to the next comparison or parenthesized group;
/// - arithmetic `+ - * / % << >> & | ^` is allowed only as `FIELD op VALUE` used as a truth
///   value (`prev_state & 2`); it cannot be compared (`(x & 1) == 1` is a syntax error);
/// - a string on the right of `==`/`!=` makes an exact string comparison, of `=~`/`!~` a
///   case-insensitive POSIX basic regex search; `<`, `>`, ... with a string are errors;
/// - an unknown field makes its comparison FALSE (the tree is simplified at parse time);
/// - numbers are C `strtoull(s, NULL, 0)`: decimal, `0x` hex, `0` octal; `-1` is not a
///   number but `-` then `1`, and `x == -1` quietly becomes `x - 1`;
/// - a complete comparison followed by another one without `&&`/`||` replaces it
///   (`a == 1 b == 2` is `b == 2`), as in the reference.
struct EventFilterParser {
    let tokens: [EventFilterToken]
    let event: EventFormat
    let inputLength: Int
    private(set) var nodes: [EventFilterNode] = []
    private var position = 0

    init(tokens: [EventFilterToken], event: EventFormat, inputLength: Int) {
        self.tokens = tokens
        self.event = event
        self.inputLength = inputLength
    }

    /// Parses the whole expression; returns the arena and its root.
    mutating func parse() throws(EventFilterParseFailure) -> (nodes: [EventFilterNode], root: Int) {
        nodes.removeAll(keepingCapacity: true)
        position = 0
        switch try level(negated: false, depth: 0) {
        case .complete(let root):
            return (nodes, root)
        case .closedParenthesis:
            // A `)` without its `(` at the top: the reference returns "unbalanced parenthesis".
            throw failure(.syntax, "Unbalanced number of ')'")
        }
    }

    private enum LevelEnd {
        case complete(Int)
        case closedParenthesis(Int)
    }

    private var currentOffset: Int {
        position < tokens.count ? tokens[position].offset : inputLength
    }

    private func failure(_ kind: EventFilterError.Kind, _ message: String) -> EventFilterParseFailure {
        EventFilterParseFailure(kind: kind, message: message, offset: currentOffset)
    }

    private mutating func add(_ node: EventFilterNode) throws(EventFilterParseFailure) -> Int {
        guard nodes.count < EventFilter.maximumNodes else {
            throw failure(.tooComplex, "filter has more than \(EventFilter.maximumNodes) nodes")
        }
        nodes.append(node)
        return nodes.count - 1
    }

    /// One nesting level of the reference's state machine: the top level, the inside of a
    /// parenthesis, or the operand of `!` (`negated`, which returns as soon as one operand
    /// is complete).
    private mutating func level(negated: Bool, depth: Int) throws(EventFilterParseFailure) -> LevelEnd {
        guard depth <= EventFilter.maximumNesting else {
            throw failure(.tooComplex, "parentheses or '!' nested more than \(EventFilter.maximumNesting) deep")
        }
        var currentOp: Int?       // the last && / || node
        var currentExp: Int?      // the last comparison, arithmetic, group or !
        var leftItem: Int?        // a value waiting for its operator

        while position < tokens.count {
            let token = tokens[position]
            position += 1
            switch token.kind {
            case .item, .singleQuoted, .doubleQuoted:
                let item = try add(makeItem(token))
                if leftItem == nil {
                    leftItem = item
                } else if let exp = currentExp {
                    try addRight(exp, item)
                    leftItem = nil
                    if negated {
                        if currentOp != nil { throw failure(.syntax, "Syntax error") }
                        return .complete(exp)
                    }
                } else {
                    throw failure(.syntax, "Syntax error")
                }

            case .delimiter:
                switch token.text.first {
                case UInt8(ascii: ","):
                    throw failure(.syntax, "Illegal token ','")
                case UInt8(ascii: "("):
                    if leftItem != nil { throw failure(.syntax, "Open paren can not come after item") }
                    if currentExp != nil { throw failure(.syntax, "Open paren can not come after expression") }
                    let inner: Int
                    switch try level(negated: false, depth: depth + 1) {
                    case .closedParenthesis(let node): inner = node
                    case .complete: throw failure(.syntax, "Unbalanced number of '('")
                    }
                    if negated {
                        if currentOp != nil { throw failure(.syntax, "Syntax error") }
                        return .complete(inner)
                    }
                    if let op = currentOp {
                        try addRight(op, inner)
                    } else {
                        currentExp = inner
                    }
                default:  // ")"
                    if currentOp == nil && currentExp == nil { throw failure(.syntax, "Syntax error") }
                    if let exp = currentExp, !isComplete(exp) { throw failure(.syntax, "Syntax error") }
                    if let op = currentOp, !isComplete(op) { throw failure(.syntax, "Syntax error") }
                    // `currentOp ?? currentExp` is non-nil here.
                    return .closedParenthesis(currentOp ?? currentExp ?? 0)
                }

            case .op:
                let kind = Self.classify(token.text)
                switch kind {
                case .logic(let logic):
                    if logic != .not, currentExp == nil, currentOp == nil {
                        throw failure(.syntax, "Syntax error")
                    }
                    if leftItem != nil { throw failure(.syntax, "Syntax error") }
                    if logic == .not {
                        let not = try add(.logic(.not, left: nil, right: nil))
                        if let op = currentOp { try addRight(op, not) }
                        currentExp = not
                        let operand: Int
                        switch try level(negated: true, depth: depth + 1) {
                        case .complete(let node): operand = node
                        case .closedParenthesis:
                            // The reference passes this internal code up as an error.
                            throw failure(.syntax, "unbalanced number of parenthesis")
                        }
                        try addRight(not, operand)
                    } else {
                        let node = try add(.logic(logic, left: currentOp ?? currentExp, right: nil))
                        currentOp = node
                        currentExp = nil
                    }
                case .arithmetic, .compare:
                    guard let left = leftItem else { throw failure(.syntax, "Syntax error") }
                    let node: Int
                    if case .arithmetic(let a) = kind {
                        node = try add(.arithmetic(a, left: nil, right: nil))
                    } else if case .compare(let c) = kind {
                        node = try add(.compare(c, left: nil, right: nil))
                    } else {
                        throw failure(.syntax, "Syntax error")
                    }
                    if let op = currentOp { try addRight(op, node) }
                    guard addLeft(node, left) else { throw failure(.syntax, "Syntax error") }
                    currentExp = node
                case .unknown:
                    throw failure(.syntax, "Unknown op token \(token.string)")
                }
            }
        }

        guard let root = currentOp ?? currentExp else { throw failure(.syntax, "Syntax error") }
        try collapse(root)
        return .complete(root)
    }

    private enum OperatorKind {
        case logic(EventFilterLogicOp)
        case arithmetic(EventFilterArithmeticOp)
        case compare(EventFilterCompareOp)
        case unknown
    }

    private static func classify(_ text: [UInt8]) -> OperatorKind {
        switch String(decoding: text, as: UTF8.self) {
        case "&&": return .logic(.and)
        case "||": return .logic(.or)
        case "!": return .logic(.not)
        case "+": return .arithmetic(.add)
        case "-": return .arithmetic(.sub)
        case "*": return .arithmetic(.mul)
        case "/": return .arithmetic(.div)
        case "%": return .arithmetic(.mod)
        case ">>": return .arithmetic(.shiftRight)
        case "<<": return .arithmetic(.shiftLeft)
        case "&": return .arithmetic(.and)
        case "|": return .arithmetic(.or)
        case "^": return .arithmetic(.xor)
        case "~": return .arithmetic(.bitNot)
        case "==": return .compare(.eq)
        case "!=": return .compare(.ne)
        case "<": return .compare(.lt)
        case ">": return .compare(.gt)
        case "<=": return .compare(.le)
        case ">=": return .compare(.ge)
        case "=~": return .compare(.regex)
        case "!~": return .compare(.notRegex)
        default: return .unknown
        }
    }

    /// A value token: a quoted string, a number (an item starting with a digit), a field of the
    /// event (common fields first), `COMM`, `CPU`, or — for an unknown name — FALSE.
    private func makeItem(_ token: EventFilterToken) -> EventFilterNode {
        switch token.kind {
        case .singleQuoted, .doubleQuoted:
            // Converted by `addRight` according to the operator.
            return .text(token.text, singleQuoted: token.kind == .singleQuoted)
        default:
            if let first = token.text.first, first >= 0x30, first <= 0x39 {
                return .number(Self.parseNumber(token.text))
            }
            let name = token.string
            if let f = event.commonFields.first(where: { $0.name == name })
                ?? event.fields.first(where: { $0.name == name }) {
                return .field(.format(f, EventFilterFieldTraits(f)))
            }
            if name == "COMM" { return .field(.comm) }
            if name == "CPU" { return .field(.cpu) }
            return .boolean(false)
        }
    }

    /// `strtoull(text, NULL, 0)`: the longest valid prefix; saturates at `UInt64.max`.
    static func parseNumber(_ text: [UInt8]) -> UInt64 {
        var i = 0
        var base: UInt64 = 10
        if text.count >= 2, text[0] == UInt8(ascii: "0"), text[1] | 0x20 == UInt8(ascii: "x"),
           text.count > 2, hexDigit(text[2]) != nil {
            base = 16
            i = 2
        } else if text.first == UInt8(ascii: "0") {
            base = 8
        }
        var value: UInt64 = 0
        var overflow = false
        while i < text.count, let d = hexDigit(text[i]), UInt64(d) < base {
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { overflow = true }
            value = s
            i += 1
        }
        return overflow ? UInt64.max : value
    }

    private static func hexDigit(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: return Int(c - 0x30)
        case 0x61...0x66: return Int(c - 0x61 + 10)
        case 0x41...0x46: return Int(c - 0x41 + 10)
        default: return nil
        }
    }

    // MARK: building

    private func isComplete(_ i: Int) -> Bool {
        switch nodes[i] {
        case .arithmetic(_, _, let right), .logic(_, _, let right), .compare(_, _, let right):
            return right != nil
        case .stringCompare, .boolean:
            return true
        default:
            return false
        }
    }

    private func isItemBoolean(_ i: Int) -> Bool {
        if case .boolean = nodes[i] { return true }
        return false
    }

    /// Attaches `left` as the left operand; `false` when the reference rejects it
    /// (a comparison's left side must be a field).
    private mutating func addLeft(_ op: Int, _ left: Int) -> Bool {
        switch nodes[op] {
        case .arithmetic(let a, _, let r):
            nodes[op] = .arithmetic(a, left: left, right: r)
            return true
        case .logic(let l, _, let r):
            nodes[op] = .logic(l, left: left, right: r)
            return true
        case .compare(let c, _, let r):
            switch nodes[left] {
            case .field, .boolean:
                nodes[op] = .compare(c, left: left, right: r)
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    /// Attaches `arg` as the right operand of `op`, converting a comparison with a string
    /// into a string comparison.
    private mutating func addRight(_ op: Int, _ arg: Int) throws(EventFilterParseFailure) {
        switch nodes[op] {
        case .arithmetic(let a, let l, let r):
            guard r == nil else { throw failure(.syntax, "Syntax error") }
            nodes[op] = .arithmetic(a, left: l, right: arg)
        case .logic(let lo, let l, let r):
            guard r == nil else { throw failure(.syntax, "Syntax error") }
            nodes[op] = .logic(lo, left: l, right: arg)
        case .compare(let c, let l, let r):
            guard r == nil else { throw failure(.syntax, "Syntax error") }
            switch nodes[arg] {
            case .field:
                // The reference reads a field as if it were a value here and fails.
                throw failure(.syntax, "Syntax error")
            case .number, .charAddress:
                break
            case .text(let bytes, let isChar):
                if isChar, bytes.count == 1, c != .regex, c != .notRegex {
                    nodes[arg] = .charAddress
                    break
                }
                try makeStringCompare(op, c, left: l, value: bytes)
                return
            default:
                throw failure(.syntax, "Illegal rvalue")
            }
            if c == .regex || c == .notRegex {
                throw failure(.syntax, "Op not allowed with integers")
            }
            nodes[op] = .compare(c, left: l, right: arg)
        default:
            throw failure(.syntax, "Syntax error")
        }
    }

    private mutating func makeStringCompare(_ op: Int, _ c: EventFilterCompareOp, left: Int?,
                                            value: [UInt8]) throws(EventFilterParseFailure) {
        guard let left else { throw failure(.syntax, "Syntax error") }
        if isItemBoolean(left) {
            nodes[op] = .boolean(false)  // unknown field: the comparison is FALSE
            return
        }
        guard case .field(let field) = nodes[left] else {
            throw failure(.syntax, "Illegal lvalue for string comparison")
        }
        let sop: EventFilterStringOp
        var regex: EventFilterRegex?
        switch c {
        case .eq: sop = .match
        case .ne: sop = .notMatch
        case .regex, .notRegex:
            sop = c == .regex ? .regex : .notRegex
            let pattern = String(decoding: value, as: UTF8.self)
            guard let r = EventFilterRegex(pattern) else {
                throw failure(.invalidRegex, "RegEx '\(pattern)' did not compute")
            }
            regex = r
        default:
            throw failure(.syntax, "Illegal comparison for string")
        }
        nodes[op] = .stringCompare(sop, field, value: value, regex: regex)
    }

    // MARK: simplification

    private enum Truth { case normal, alwaysTrue, alwaysFalse }

    /// Removes the parts that are constant (comparisons on unknown fields) the way
    /// libtraceevent's `collapse_tree` does, so that the tree (and its `-T` text) match.
    private mutating func collapse(_ root: Int) throws(EventFilterParseFailure) {
        try checkDepth(root)
        switch try truth(root) {
        case .normal: break
        case .alwaysTrue: nodes[root] = .boolean(true)
        case .alwaysFalse: nodes[root] = .boolean(false)
        }
    }

    /// Bounds the recursion of the later passes: the tree depth is measured without recursion.
    private func checkDepth(_ root: Int) throws(EventFilterParseFailure) {
        var stack: [(Int, Int)] = [(root, 1)]
        while let (node, depth) = stack.popLast() {
            guard depth <= EventFilter.maximumTreeDepth else {
                throw failure(.tooComplex, "filter tree deeper than \(EventFilter.maximumTreeDepth)")
            }
            switch nodes[node] {
            case .logic(_, let l, let r), .arithmetic(_, let l, let r), .compare(_, let l, let r):
                if let l { stack.append((l, depth + 1)) }
                if let r { stack.append((r, depth + 1)) }
            default:
                break
            }
        }
    }

    /// `test_arg`: whether the subtree is constant, replacing `X && TRUE` by `X` and so on.
    /// Replacing a node by one of its children is done by copying the child into its slot.
    private mutating func truth(_ i: Int?) throws(EventFilterParseFailure) -> Truth {
        guard let i else {
            // An operator without its operand. The reference dereferences NULL here.
            throw EventFilterParseFailure(kind: .referenceCrash,
                                          message: "Syntax error (incomplete expression)",
                                          offset: inputLength)
        }
        switch nodes[i] {
        case .boolean(let b):
            return b ? .alwaysTrue : .alwaysFalse
        case .stringCompare, .number, .charAddress, .text, .field:
            return .normal
        case .arithmetic(_, let l, let r), .compare(_, let l, let r):
            let lt = try truth(l)
            if lt != .normal { return lt }
            let rt = try truth(r)
            if rt != .normal { return rt }
            return .normal
        case .logic(let op, let l, let r):
            if op != .not {
                let lt = try truth(l)
                switch lt {
                case .normal:
                    break
                case .alwaysTrue, .alwaysFalse:
                    if (lt == .alwaysTrue && op == .or) || (lt == .alwaysFalse && op == .and) { return lt }
                    let rt = try truth(r)
                    if rt != .normal { return rt }
                    if let r { nodes[i] = nodes[r] }
                    return .normal
                }
            }
            let rt = try truth(r)
            switch rt {
            case .normal:
                return .normal
            case .alwaysTrue:
                if op == .or { return .alwaysTrue }
                if op == .not { return .alwaysFalse }
            case .alwaysFalse:
                if op == .and { return .alwaysFalse }
                if op == .not { return .alwaysTrue }
            }
            if let l { nodes[i] = nodes[l] }
            return .normal
        }
    }

    // MARK: text

    /// The filter as libtraceevent's `tep_filter_make_string` (and `trace-cmd report -T`)
    /// writes it.
    static func describe(_ nodes: [EventFilterNode], _ i: Int?) -> String {
        guard let i, i >= 0, i < nodes.count else { return "" }
        switch nodes[i] {
        case .boolean(let b):
            return b ? "TRUE" : "FALSE"
        case .logic(.not, _, let r):
            let right = describe(nodes, r)
            if right == "TRUE" { return "FALSE" }
            if right == "FALSE" { return "TRUE" }
            return "!(\(right))"
        case .logic(let op, let l, let r):
            let left = describe(nodes, l)
            let right = describe(nodes, r)
            let lv: Bool? = left == "TRUE" ? true : left == "FALSE" ? false : nil
            let rv: Bool? = right == "TRUE" ? true : right == "FALSE" ? false : nil
            if let lv {
                if (op == .and && !lv) || (op == .or && lv) { return left }
                if let rv { return (op == .and ? (lv && rv) : (lv || rv)) ? "TRUE" : "FALSE" }
            }
            if let rv {
                if (op == .and && !rv) || (op == .or && rv) { return right }
                return left
            }
            return "(\(left)) \(op == .and ? "&&" : "||") (\(right))"
        case .compare(let c, let l, let r):
            let op: String
            switch c {
            case .eq: op = "=="
            case .ne: op = "!="
            case .gt: op = ">"
            case .lt: op = "<"
            case .ge: op = ">="
            case .le: op = "<="
            case .regex, .notRegex: return ""
            }
            return "\(describe(nodes, l)) \(op) \(describe(nodes, r))"
        case .stringCompare(let s, let field, let value, _):
            let op: String
            switch s {
            case .match: op = "=="
            case .notMatch: op = "!="
            case .regex: op = "=~"
            case .notRegex: op = "!~"
            }
            return "\(field.name) \(op) \"\(String(decoding: value, as: UTF8.self))\""
        case .arithmetic(let a, let l, let r):
            let op: String
            switch a {
            case .add: op = "+"
            case .sub: op = "-"
            case .mul: op = "*"
            case .div: op = "/"
            case .mod: op = "%"
            case .shiftRight: op = ">>"
            case .shiftLeft: op = "<<"
            case .and: op = "&"
            case .or: op = "|"
            case .xor: op = "^"
            case .bitNot: op = "[ERROR IN EXPRESSION TYPE]"
            }
            return "\(describe(nodes, l)) \(op) \(describe(nodes, r))"
        case .number(let v):
            return String(Int64(bitPattern: v))
        case .charAddress, .text:
            // The reference prints the address of its copy of the string.
            return String(Int64(bitPattern: EventFilter.opaqueAddress))
        case .field(let f):
            return f.name
        }
    }
}
