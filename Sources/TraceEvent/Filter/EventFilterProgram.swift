/// One filter expression compiled for one event: a flat array of instructions evaluated
/// directly on a record's bytes.
struct EventFilterProgram: Sendable {
    /// Where a string comparison takes its left side from.
    enum StringSource: Sendable {
        /// A `char[N]`-like field: the bytes up to the first NUL.
        case inline(offset: Int, size: Int)
        /// A `__data_loc` / `__rel_loc` string: the 32-bit word at `offset` locates it.
        case dynamic(offset: Int, size: Int, relative: Bool)
        /// A numeric field shown as a string: the name of the kernel function containing the
        /// value when `symbolic` (pointers and longs) and one is known, else `0x<hex>`.
        case number(offset: Int, size: Int, signed: Bool, symbolic: Bool)
        /// The task name of the record's `common_pid`.
        case comm(pidOffset: Int, pidSize: Int)
    }

    enum Instruction: Sendable {
        // Truth values.
        case constant(Bool)
        case and(Int, Int)
        case or(Int, Int)
        case not(Int)
        case compare(EventFilterCompareOp, Int, Int)
        case stringCompare(EventFilterStringOp, StringSource, [UInt8], EventFilterRegex?)
        /// A value used as a truth value (non-zero is true).
        case truth(Int)
        // Values.
        case field(offset: Int, size: Int, signed: Bool)
        case number(UInt64)
        case cpu
        /// Evaluating this is an error (a string where a number is needed, `~`).
        case invalid
        case arithmetic(EventFilterArithmeticOp, Int, Int)
    }

    private(set) var instructions: [Instruction] = []
    private(set) var root = 0
    private var pidField = (offset: 4, size: 4)
    /// The expression as `tep_filter_make_string` writes it.
    let text: String

    /// A filter that keeps (`true`) or drops every record of its event.
    init(constant: Bool) {
        instructions = [.constant(constant)]
        text = constant ? "TRUE" : "FALSE"
    }

    /// Compiles a parsed, simplified expression tree.
    init(nodes: [EventFilterNode], root: Int, event: EventFormat) throws(EventFilterParseFailure) {
        text = EventFilterParser.describe(nodes, root)
        // `COMM` is the comm of `common_pid` (libtraceevent's `tep_data_pid`).
        if let pid = event.commonFields.first(where: { $0.name == "common_pid" }) {
            pidField = (pid.offset, pid.size)
        }
        self.root = try compileTruth(nodes, root)
    }

    private mutating func emit(_ i: Instruction) -> Int {
        instructions.append(i)
        return instructions.count - 1
    }

    private static func incomplete() -> EventFilterParseFailure {
        EventFilterParseFailure(kind: .referenceCrash, message: "Syntax error (incomplete expression)", offset: nil)
    }

    private mutating func compileTruth(_ nodes: [EventFilterNode], _ i: Int?) throws(EventFilterParseFailure) -> Int {
        guard let i, i >= 0, i < nodes.count else { throw Self.incomplete() }
        switch nodes[i] {
        case .boolean(let b):
            return emit(.constant(b))
        case .logic(.not, _, let r):
            let operand = try compileTruth(nodes, r)
            return emit(.not(operand))
        case .logic(let op, let l, let r):
            let left = try compileTruth(nodes, l)
            let right = try compileTruth(nodes, r)
            return emit(op == .and ? .and(left, right) : .or(left, right))
        case .compare(let c, let l, let r):
            let left = try compileValue(nodes, l)
            let right = try compileValue(nodes, r)
            return emit(.compare(c, left, right))
        case .stringCompare(let op, let field, let value, let regex):
            let source: StringSource
            switch field {
            case .comm:
                source = .comm(pidOffset: pidField.offset, pidSize: pidField.size)
            case .cpu:
                // libtraceevent dereferences the pseudo-field's NULL event here (segfault).
                throw EventFilterParseFailure(kind: .referenceCrash,
                                              message: "CPU cannot be compared with a string", offset: nil)
            case .format(let f, let traits):
                if traits.isString {
                    source = traits.isDynamic
                        ? .dynamic(offset: f.offset, size: f.size, relative: traits.isRelative)
                        : .inline(offset: f.offset, size: f.size)
                } else {
                    source = .number(offset: f.offset, size: f.size, signed: traits.isSigned,
                                     symbolic: traits.isPointerOrLong)
                }
            }
            return emit(.stringCompare(op, source, value, regex))
        case .arithmetic, .number, .charAddress, .text, .field:
            let value = try compileValue(nodes, i)
            return emit(.truth(value))
        }
    }

    private mutating func compileValue(_ nodes: [EventFilterNode], _ i: Int?) throws(EventFilterParseFailure) -> Int {
        guard let i, i >= 0, i < nodes.count else { throw Self.incomplete() }
        switch nodes[i] {
        case .number(let v):
            return emit(.number(v))
        case .charAddress:
            return emit(.number(EventFilter.opaqueAddress))
        case .text:
            return emit(.invalid)
        case .field(.cpu):
            return emit(.cpu)
        case .field(.comm):
            return emit(.number(EventFilter.opaqueAddress))
        case .field(.format(let f, let traits)):
            switch f.size {
            case 1, 2, 4, 8:
                return emit(.field(offset: f.offset, size: f.size, signed: traits.isSigned))
            default:
                // libtraceevent leaves the value uninitialized.
                return emit(.number(EventFilter.opaqueAddress))
            }
        case .arithmetic(let op, let l, let r):
            let left = try compileValue(nodes, l)
            let right = try compileValue(nodes, r)
            return emit(op == .bitNot ? .invalid : .arithmetic(op, left, right))
        case .boolean, .logic, .compare, .stringCompare:
            // Not produced by the parser in a value position.
            return emit(.invalid)
        }
    }

    // MARK: evaluation

    /// Whether the record matches. An evaluation error makes the whole expression not match.
    func evaluate(payload: RawSpan, cpu: Int, order: ByteOrder,
                  symbols: (any SymbolResolver)?, comm: (Int32) -> String?) -> Bool {
        var failed = false
        let r = truth(root, payload, cpu, order, symbols, comm, &failed)
        return r && !failed
    }

    private func truth(_ i: Int, _ p: RawSpan, _ cpu: Int, _ order: ByteOrder,
                       _ symbols: (any SymbolResolver)?, _ comm: (Int32) -> String?,
                       _ failed: inout Bool) -> Bool {
        if failed { return false }
        switch instructions[i] {
        case .constant(let b):
            return b
        case .and(let l, let r):
            return truth(l, p, cpu, order, symbols, comm, &failed) && truth(r, p, cpu, order, symbols, comm, &failed)
        case .or(let l, let r):
            return truth(l, p, cpu, order, symbols, comm, &failed) || truth(r, p, cpu, order, symbols, comm, &failed)
        case .not(let r):
            return !truth(r, p, cpu, order, symbols, comm, &failed)
        case .compare(let c, let l, let r):
            let a = value(l, p, cpu, order, &failed)
            let b = value(r, p, cpu, order, &failed)
            if failed { return false }
            switch c {
            case .eq: return a == b
            case .ne: return a != b
            case .lt: return a < b
            case .gt: return a > b
            case .le: return a <= b
            case .ge: return a >= b
            case .regex, .notRegex:
                failed = true
                return false
            }
        case .stringCompare(let op, let source, let expected, let regex):
            return Self.compareString(op, source, expected, regex, p, order, symbols, comm)
        case .truth(let v):
            return value(v, p, cpu, order, &failed) != 0
        case .field, .number, .cpu, .invalid, .arithmetic:
            return value(i, p, cpu, order, &failed) != 0
        }
    }

    private func value(_ i: Int, _ p: RawSpan, _ cpu: Int, _ order: ByteOrder,
                       _ failed: inout Bool) -> UInt64 {
        switch instructions[i] {
        case .field(let offset, let size, let signed):
            if signed {
                guard let v = p.loadSigned(at: offset, size: size, order: order) else {
                    failed = true
                    return 0
                }
                return UInt64(bitPattern: v)
            }
            guard let v = p.loadUnsigned(at: offset, size: size, order: order) else {
                failed = true
                return 0
            }
            return v
        case .number(let v):
            return v
        case .cpu:
            return UInt64(bitPattern: Int64(cpu))
        case .arithmetic(let op, let l, let r):
            let a = value(l, p, cpu, order, &failed)
            let b = value(r, p, cpu, order, &failed)
            if failed { return 0 }
            switch op {
            case .add: return a &+ b
            case .sub: return a &- b
            case .mul: return a &* b
            case .div, .mod:
                guard b != 0 else {
                    failed = true  // the reference dies of SIGFPE
                    return 0
                }
                return op == .div ? a / b : a % b
            case .shiftRight: return a &>> b
            case .shiftLeft: return a &<< b
            case .and: return a & b
            case .or: return a | b
            case .xor: return a ^ b
            case .bitNot:
                failed = true
                return 0
            }
        case .invalid, .constant, .and, .or, .not, .compare, .stringCompare, .truth:
            failed = true
            return 0
        }
    }

    // MARK: strings

    private static func compareString(_ op: EventFilterStringOp, _ source: StringSource, _ expected: [UInt8],
                                      _ regex: EventFilterRegex?, _ p: RawSpan, _ order: ByteOrder,
                                      _ symbols: (any SymbolResolver)?, _ comm: (Int32) -> String?) -> Bool {
        switch source {
        case .inline(let offset, let size):
            return test(op, expected, regex, p, cString(p, start: offset, length: size, fieldSize: size))
        case .dynamic(let offset, let size, let relative):
            guard let word = p.loadUnsigned(at: offset, size: 4, order: order) else {
                return test(op, expected, regex, p, 0..<0)
            }
            var start = Int(word & 0xffff)
            if relative {
                // `offset` and `size` come from the format file: add without trapping.
                let (end, o1) = offset.addingReportingOverflow(size)
                let (s, o2) = start.addingReportingOverflow(end)
                start = (o1 || o2) ? -1 : s
            }
            return test(op, expected, regex, p, cString(p, start: start, length: Int(word >> 16), fieldSize: size))
        case .number(let offset, let size, let signed, let symbolic):
            let v: UInt64
            if signed, let s = p.loadSigned(at: offset, size: size, order: order) {
                v = UInt64(bitPattern: s)
            } else if let u = p.loadUnsigned(at: offset, size: size, order: order) {
                v = u
            } else {
                v = EventFilter.opaqueAddress
            }
            if symbolic, let name = symbols?.symbol(containing: v)?.name {
                return testString(op, expected, regex, name)
            }
            // libtraceevent formats `0x<hex>` into a stack buffer of a function that has
            // returned: `strcmp` still sees the text, but `regexec` overwrites it first, so
            // with the reference build `=~` never matches here and `!~` always does.
            switch op {
            case .regex: return false
            case .notRegex: return true
            case .match, .notMatch: return withHex(v) { test(op, expected, regex, $0, 0..<$0.byteCount) }
            }
        case .comm(let pidOffset, let pidSize):
            let pid = Int32(truncatingIfNeeded: p.loadSigned(at: pidOffset, size: pidSize, order: order) ?? 0)
            let name = pid == 0 ? "<idle>" : (comm(pid) ?? "<...>")
            return testString(op, expected, regex, name)
        }
    }

    /// The C string libtraceevent reads for a string field: the bytes up to the first NUL of
    /// the field's data; when the data's last byte is not NUL, of its first `fieldSize` bytes.
    /// Clipped to the record.
    private static func cString(_ p: RawSpan, start: Int, length: Int,
                                fieldSize: Int) -> Range<Int> {
        let count = p.count
        guard start >= 0, start < count, length > 0 else { return 0..<0 }
        let room = count - start  // > 0; comparisons below never overflow
        var limit: Int
        if length <= room, p[start + length - 1] == 0 {
            limit = start + length
        } else {
            limit = start + min(max(fieldSize, 0), room)
        }
        var i = start
        while i < limit, p[i] != 0 { i += 1 }
        return start..<i
    }

    private static func test(_ op: EventFilterStringOp, _ expected: [UInt8], _ regex: EventFilterRegex?,
                             _ s: RawSpan, _ range: Range<Int>) -> Bool {
        switch op {
        case .match: return s.elementsEqual(range, expected)
        case .notMatch: return !s.elementsEqual(range, expected)
        case .regex: return regex?.matches(bytes: s, range) ?? false
        case .notRegex: return !(regex?.matches(bytes: s, range) ?? false)
        }
    }

    private static func testString(_ op: EventFilterStringOp, _ expected: [UInt8], _ regex: EventFilterRegex?,
                                   _ s: String) -> Bool {
        var s = s
        s.makeContiguousUTF8()
        let raw = RawSpan(_elements: s.utf8.span)
        // C stops at an embedded NUL.
        return test(op, expected, regex, raw, 0..<raw.firstIndex(of: 0, in: 0..<raw.byteCount))
    }

    /// Formats `0x<lowercase hex>` in a stack buffer.
    private static func withHex<R>(_ v: UInt64, _ body: (RawSpan) -> R) -> R {
        do {
            var buf = InlineArray<18, UInt8>(repeating: 0)
            var n = 0
            buf[n] = UInt8(ascii: "0"); n += 1
            buf[n] = UInt8(ascii: "x"); n += 1
            var shift = 60
            var started = false
            while shift >= 0 {
                let d = UInt8((v >> UInt64(shift)) & 0xf)
                if d != 0 || started || shift == 0 {
                    started = true
                    buf[n] = d < 10 ? 0x30 + d : 0x61 + d - 10
                    n += 1
                }
                shift -= 4
            }
            return body(RawSpan(_elements: buf.span).extracting(0..<n))
        }
    }
}
