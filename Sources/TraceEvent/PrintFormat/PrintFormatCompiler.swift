/// Turns the parsed format string and argument trees into ``CompiledPrintFormat`` pieces:
/// splits the format string into literal text and conversions the way libtraceevent does
/// (including its quirks: `%c`, `% d` and `%+d` are not conversions there and print as
/// `>c<`, `> <`, `>+<` without consuming an argument), binds each conversion to its
/// argument and compiles the argument for its use (number, string or pointer).
struct PrintFormatCompiler {
    let event: EventFormat
    let longSize: Int
    let byteOrder: ByteOrder

    init(event: EventFormat, longSize: Int, byteOrder: ByteOrder) {
        self.event = event
        self.longSize = longSize
        self.byteOrder = byteOrder
    }

    private func fail(_ message: String) -> PrintFormatParseFailure {
        PrintFormatParseFailure(message: message)
    }

    /// For each compiled piece, the event field its argument is (after casts), if any:
    /// `-R` output prints a field through the first conversion that prints it.
    private(set) var pieceFields: [String?] = []

    mutating func compile() throws(PrintFormatParseFailure) -> [CompiledPrintFormat.Piece] {
        var parser = PrintFormatParser(event: event, longSize: longSize)
        var (format, args) = try parser.parse()
        if args.isEmpty && event.system == "ftrace" {
            // Old ftrace formats have no arguments: libtraceevent passes every field in order.
            args = event.fields.map { PrintFormatNode(.field(name: $0.name, field: $0)) }
        }
        let pieces = try split(Array(format.utf8), args)
        pieceFields = pieceNodes.map { node -> String? in
            guard var n = node else { return nil }
            while case .typecast(_, let item) = n.kind { n = item }
            guard case .field(let name, let f?) = n.kind, !f.isCommon,
                  event.fields.contains(where: { $0.name == name }),
                  !event.commonFields.contains(where: { $0.name == name }) else { return nil }
            return name
        }
        return pieces
    }

    /// The argument node of each piece (nil for literal text), parallel to the pieces.
    private var pieceNodes: [PrintFormatNode?] = []

    // MARK: - Format string

    mutating func split(_ fmt: [UInt8], _ args: [PrintFormatNode]) throws(PrintFormatParseFailure) -> [CompiledPrintFormat.Piece] {
        var pieces: [CompiledPrintFormat.Piece] = []
        var argIndex = 0
        var i = 0
        let n = fmt.count
        while i < n {
            let consumed: Int
            if fmt[i] == UInt8(ascii: "%") && (i + 1 >= n || fmt[i + 1] != UInt8(ascii: "%")) {
                consumed = try conversion(fmt, i, args, &argIndex, &pieces)
            } else {
                consumed = literal(fmt, i, &pieces)
            }
            i += max(consumed, 1)
        }
        return pieces
    }

    /// Literal text up to the next conversion, with `\n \t \r \\ \x` escapes and `%%`.
    private mutating func literal(_ fmt: [UInt8], _ start: Int, _ pieces: inout [CompiledPrintFormat.Piece]) -> Int {
        var out: [UInt8] = []
        var i = start
        while i < fmt.count {
            let c = fmt[i]
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < fmt.count else { break }
                switch fmt[i] {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                default: out.append(fmt[i])
                }
            } else if c == UInt8(ascii: "%") {
                if i + 1 < fmt.count, fmt[i + 1] == UInt8(ascii: "%") {
                    out.append(c)
                    i += 1
                } else {
                    break
                }
            } else {
                out.append(c)
            }
            i += 1
        }
        pieces.append(.literal(out))
        pieceNodes.append(nil)
        return i - start
    }

    private mutating func conversion(_ fmt: [UInt8], _ start: Int, _ args: [PrintFormatNode], _ argIndex: inout Int,
                            _ pieces: inout [CompiledPrintFormat.Piece]) throws(PrintFormatParseFailure) -> Int {
        var ls = 0
        var lenArg: PrintFormatNode? = nil
        var i = start + 1
        func nextArg() -> PrintFormatNode? {
            guard argIndex < args.count else { return nil }
            defer { argIndex += 1 }
            return args[argIndex]
        }
        while i < fmt.count {
            let c = fmt[i]
            switch c {
            case UInt8(ascii: "#"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                break
            case UInt8(ascii: "h"): ls -= 1
            case UInt8(ascii: "l"): ls += 1
            case UInt8(ascii: "L"): ls = 2
            case UInt8(ascii: "z"), UInt8(ascii: "Z"): ls = 1
            case UInt8(ascii: "*"):
                guard let a = nextArg() else { return try noArgument(i - start) }
                guard lenArg == nil else { throw fail("argument already matched") }
                lenArg = a
            case UInt8(ascii: "p"):
                guard let a = nextArg() else { return try noArgument(i - start) }
                i += Self.pointerExtensionLength(fmt, i + 1)
                let piece = Array(fmt[start...min(i, fmt.count - 1)])
                if piece.count > 31 { throw fail("bad format!") }
                let star = try lenArg.map { (n) throws(PrintFormatParseFailure) in try numeric(n) }
                pieces.append(.pointer(try pointer(a, piece), star: star))
                pieceNodes.append(a)
                return i + 1 - start
            case UInt8(ascii: "d"), UInt8(ascii: "u"), UInt8(ascii: "i"), UInt8(ascii: "x"),
                 UInt8(ascii: "X"), UInt8(ascii: "o"):
                guard let a = nextArg() else { return try noArgument(i - start) }
                let piece = Array(fmt[start...i])
                if piece.count > 30 { throw fail("bad format!") }
                if ls < -2 || ls > 2 { throw fail("bad count (\(ls))") }
                let star = try lenArg.map { (n) throws(PrintFormatParseFailure) in try numeric(n) }
                pieces.append(.number(PrintfConversion(piece: piece), lengthClass: Int8(ls), try numeric(a), star: star))
                pieceNodes.append(a)
                return i + 1 - start
            case UInt8(ascii: "s"):
                guard let a = nextArg() else { return try noArgument(i - start) }
                let piece = Array(fmt[start...i])
                if piece.count > 31 { throw fail("bad format!") }
                let star = try lenArg.map { (n) throws(PrintFormatParseFailure) in try numeric(n) }
                pieces.append(.string(PrintfConversion(piece: piece), try string(a), star: star))
                pieceNodes.append(a)
                return i + 1 - start
            default:
                // Not a conversion libtraceevent knows: it prints ">c<" and moves on.
                pieces.append(.literal([UInt8(ascii: ">"), c, UInt8(ascii: "<")]))
                pieceNodes.append(nil)
                return i + 1 - start
            }
            i += 1
        }
        return i - start
    }

    /// When set, a conversion without an argument does not fail the format: libtraceevent
    /// then keeps the pieces parsed so far and goes on after the `%` and the characters
    /// examined (this is what a truncated `bprint` record prints).
    var tolerateMissingArguments = false

    /// Set when a conversion had no argument (in ``tolerateMissingArguments`` mode).
    private(set) var missedArgument = false

    private mutating func noArgument(_ consumed: Int) throws(PrintFormatParseFailure) -> Int {
        guard tolerateMissingArguments else { throw fail("no argument match") }
        missedArgument = true
        return consumed
    }

    /// How many characters after `%p` belong to the pointer extension (libtraceevent's
    /// `parse_arg_format_pointer`).
    static func pointerExtensionLength(_ fmt: [UInt8], _ at: Int) -> Int {
        func ch(_ k: Int) -> UInt8 { at + k < fmt.count ? fmt[at + k] : 0 }
        var ret = 0
        switch ch(0) {
        case UInt8(ascii: "F"), UInt8(ascii: "S"), UInt8(ascii: "f"), UInt8(ascii: "s"):
            ret += 1
        case UInt8(ascii: "M"), UInt8(ascii: "m"):
            if ch(1) == UInt8(ascii: "R") || ch(1) == UInt8(ascii: "F") { ret += 1 }
            ret += 1
        case UInt8(ascii: "I"), UInt8(ascii: "i"):
            var index = 2
            let kind = ch(1)
            if kind == UInt8(ascii: "S") || kind == UInt8(ascii: "4") || kind == UInt8(ascii: "6") {
                if kind == UInt8(ascii: "S") {
                    while ch(index) == UInt8(ascii: "p") || ch(index) == UInt8(ascii: "f") || ch(index) == UInt8(ascii: "s") {
                        ret += 1
                        index += 1
                    }
                }
                var done = false
                if kind == UInt8(ascii: "S") || kind == UInt8(ascii: "4") {
                    let h = ch(index)
                    if h == UInt8(ascii: "h") || h == UInt8(ascii: "n") || h == UInt8(ascii: "l") || h == UInt8(ascii: "b") {
                        ret += 1
                        index += 1
                    }
                    if kind == UInt8(ascii: "4") {
                        ret += 1
                        done = true
                    }
                }
                if !done {
                    if ch(index) == UInt8(ascii: "c") { ret += 1 }
                    ret += 1
                }
            }
            ret += 1
        case UInt8(ascii: "U"):
            let v = ch(1)
            if v == UInt8(ascii: "L") || v == UInt8(ascii: "l") || v == UInt8(ascii: "B") || v == UInt8(ascii: "b") { ret += 1 }
            ret += 1
        case UInt8(ascii: "h"):
            let v = ch(1)
            if v == UInt8(ascii: "C") || v == UInt8(ascii: "D") || v == UInt8(ascii: "N") { ret += 1 }
            ret += 1
        default:
            break
        }
        return ret
    }

    // MARK: - Field helpers

    private func anyField(_ name: String) -> FormatField? {
        if let f = event.commonFields.first(where: { $0.name == name }) { return f }
        return event.fields.first(where: { $0.name == name })
    }

    private func location(_ f: FormatField) -> PrintFormatDynamicLocation {
        PrintFormatDynamicLocation(offset: f.offset, size: f.size,
                                   relative: PrintFormatFieldTraits(f, longSize: longSize).isRelative)
    }

    private static func flagValue(_ text: String) -> Int64 {
        if let c = text.utf8.first, c >= 0x30, c <= 0x39 {
            return Int64(bitPattern: PrintFormatNumbers.strtoull(text))
        }
        switch text {
        case "HI_SOFTIRQ": return 0
        case "TIMER_SOFTIRQ": return 1
        case "NET_TX_SOFTIRQ": return 2
        case "NET_RX_SOFTIRQ": return 3
        case "BLOCK_SOFTIRQ": return 4
        case "IRQ_POLL_SOFTIRQ": return 5
        case "TASKLET_SOFTIRQ": return 6
        case "SCHED_SOFTIRQ": return 7
        case "HRTIMER_SOFTIRQ": return 8
        case "RCU_SOFTIRQ": return 9
        case "HRTIMER_NORESTART": return 0
        case "HRTIMER_RESTART": return 1
        default: return -1
        }
    }

    // MARK: - Arguments

    /// An argument used as a number (libtraceevent's `eval_num_arg`).
    func numeric(_ node: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatExpression {
        switch node.kind {
        case .null, .flags, .symbolic, .hex, .intArray, .string, .bitmask, .cpumask:
            return .constant(0)
        case .atom(let a):
            // A non-numeric atom would be looked up as a kernel function name; not resolvable
            // by name here, it reads 0 like any unknown name.
            return .constant(PrintFormatNumbers.strtoull(a))
        case .field(_, let f):
            guard let f else { return .constant(0) }
            return .field(offset: f.offset, size: f.size)
        case .typecast(let type, let item):
            let m = PrintFormatNumbers.castValue(UInt64.max, type: type, pointer: false)
            let e = try numeric(item)
            return m == UInt64.max ? e : .mask(m, e)
        case .dynamicArrayLength(let f):
            return .dynamicLength(location(f))
        case .dynamicArray(let f):
            return .dynamicOffset(location(f))
        case .bprintArgument(let k):
            return .field(offset: 16 * k, size: 8)
        case .op(let op, let l, let r, _):
            switch op {
            case "[":
                guard let l, let r else { return .constant(0) }
                return try element(l, r)
            case "?":
                guard let l, let r, case .op(":", let t?, let f?, _) = r.kind else { return .constant(0) }
                return .conditional(try numeric(l), try numeric(t), try numeric(f))
            default:
                let left: PrintFormatExpression = try l.map { (n) throws(PrintFormatParseFailure) in try numeric(n) } ?? .constant(0)
                let right: PrintFormatExpression = try r.map { (n) throws(PrintFormatParseFailure) in try numeric(n) } ?? .constant(0)
                let b = Array(op.utf8)
                let second: UInt8 = b.count > 1 ? b[1] : 0
                switch b.first ?? 0 {
                case UInt8(ascii: "!"):
                    if second == 0 { return .not(right) }
                    if second == UInt8(ascii: "=") { return .binary(.ne, left, right) }
                    return .constant(0)
                case UInt8(ascii: "~"):
                    return .complement(right)
                case UInt8(ascii: "|"):
                    return .binary(second != 0 ? .logicalOr : .or, left, right)
                case UInt8(ascii: "&"):
                    return .binary(second != 0 ? .logicalAnd : .and, left, right)
                case UInt8(ascii: "<"):
                    switch second {
                    case 0: return .binary(.lt, left, right)
                    case UInt8(ascii: "<"): return .binary(.shl, left, right)
                    case UInt8(ascii: "="): return .binary(.le, left, right)
                    default: return .constant(0)
                    }
                case UInt8(ascii: ">"):
                    switch second {
                    case 0: return .binary(.gt, left, right)
                    case UInt8(ascii: ">"): return .binary(.shr, left, right)
                    case UInt8(ascii: "="): return .binary(.ge, left, right)
                    default: return .constant(0)
                    }
                case UInt8(ascii: "="):
                    return second == UInt8(ascii: "=") ? .binary(.eq, left, right) : .constant(0)
                case UInt8(ascii: "-"):
                    if let l, case .null = l.kind { return .negate(right) }
                    return .binary(.sub, left, right)
                case UInt8(ascii: "+"):
                    if let l, case .null = l.kind { return .plus(right) }
                    return .binary(.add, left, right)
                case UInt8(ascii: "/"): return .binary(.div, left, right)
                case UInt8(ascii: "%"): return .binary(.mod, left, right)
                case UInt8(ascii: "*"): return .binary(.mul, left, right)
                default:
                    return .constant(0)
                }
            }
        }
    }

    /// `x[i]` (libtraceevent reads one element of the array field, or of a dynamic array).
    private func element(_ l: PrintFormatNode, _ r: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatExpression {
        let index = try numeric(r)
        var larg = l
        var castType: String? = nil
        while case .typecast(let type, let item) = larg.kind {
            if castType == nil { castType = type }
            larg = item
        }
        let mask = castType.map { PrintFormatNumbers.castValue(UInt64.max, type: $0, pointer: true) } ?? UInt64.max
        switch larg.kind {
        case .dynamicArray(let f):
            let es = PrintFormatFieldTraits(f, longSize: longSize).elementSize
            return .dynamicElement(location(f), elementSize: es != 0 ? es : longSize, index: index, castMask: mask)
        case .field(_, let f):
            guard let f else { return .constant(0) }
            let es = PrintFormatFieldTraits(f, longSize: longSize).elementSize
            return .fieldElement(offset: f.offset, elementSize: es, index: index, castMask: mask)
        default:
            return .constant(0)
        }
    }

    /// An argument printed with `%s` (libtraceevent's `print_str_arg`).
    func string(_ node: PrintFormatNode) throws(PrintFormatParseFailure) -> PrintFormatStringArgument {
        switch node.kind {
        case .null, .typecast, .dynamicArray, .dynamicArrayLength:
            return .nothing
        case .bprintArgument(let k):
            return .bprintValue(slot: 16 * k)
        case .atom(let a):
            return .literal(Array(a.utf8))
        case .field(_, let f):
            guard let f else { return .nothing }
            let t = PrintFormatFieldTraits(f, longSize: longSize)
            if !t.isArray && f.size == longSize {
                return .fieldPointer(offset: f.offset, size: longSize)
            }
            return .fieldBytes(offset: f.offset, size: f.size)
        case .flags(let value, let delim, let entries):
            return .flags(try numeric(value), delimiter: delim.map { Array($0.utf8) },
                          entries: entries.map { (Self.flagValue($0.value), Array($0.text.utf8)) })
        case .symbolic(let value, let entries):
            return .symbolic(try numeric(value),
                             entries: entries.map { (Self.flagValue($0.value), Array($0.text.utf8)) })
        case .hex(let buffer, let length, let spaced):
            return .hex(bufferSource(buffer), length: try numeric(length), spaced: spaced)
        case .intArray(let buffer, let count, let size):
            return .intArray(bufferSource(buffer), count: try numeric(count), elementSize: try numeric(size))
        case .string(let name):
            guard let f = anyField(name) else { return .nothing }
            return .dynamicString(location(f))
        case .bitmask(let name):
            guard let f = anyField(name) else { return .nothing }
            return .bitmask(location(f))
        case .cpumask(let name):
            guard let f = anyField(name) else { return .nothing }
            return .cpumask(location(f))
        case .op(let op, let l, let r, _):
            guard op == "?", let l, let r, case .op(":", let t?, let f?, _) = r.kind else { return .nothing }
            return .conditional(try numeric(l), try string(t), try string(f))
        }
    }

    private func bufferSource(_ node: PrintFormatNode) -> PrintFormatBufferSource {
        switch node.kind {
        case .dynamicArray(let f): return .dynamic(location(f))
        case .field(_, let f?): return .inline(offset: f.offset, size: f.size)
        default: return .none
        }
    }

    /// An argument printed with `%p` and its extensions (libtraceevent's `print_arg_pointer`).
    func pointer(_ node: PrintFormatNode, _ piece: [UInt8]) throws(PrintFormatParseFailure) -> PrintFormatPointerArgument {
        if case .bprintArgument(let k) = node.kind {
            return .bprintValue(slot: 16 * k, number: try pointerArgument(node, piece))
        }
        return try pointerArgument(node, piece)
    }

    private func pointerArgument(_ node: PrintFormatNode, _ piece: [UInt8]) throws(PrintFormatParseFailure) -> PrintFormatPointerArgument {
        var k = 0
        while k < piece.count, piece[k] != UInt8(ascii: "p") { k += 1 }
        let ext = Array(piece[min(k + 1, piece.count)...])
        func ch(_ i: Int) -> UInt8 { i < ext.count ? ext[i] : 0 }
        func unwrapped() -> PrintFormatNode {
            var n = node
            while case .typecast(_, let item) = n.kind { n = item }
            return n
        }
        func notField(_ n: PrintFormatNode) -> PrintFormatPointerArgument {
            .text(Array("ARG TYPE NOT FIELD BUT \(n.libtraceeventTypeCode)".utf8))
        }
        switch ch(0) {
        case UInt8(ascii: "F"), UInt8(ascii: "f"), UInt8(ascii: "S"), UInt8(ascii: "s"):
            return .symbol(try numeric(node), withOffset: ch(0) == UInt8(ascii: "F") || ch(0) == UInt8(ascii: "S"))
        case UInt8(ascii: "M"), UInt8(ascii: "m"):
            let n = unwrapped()
            guard case .field(_, let f) = n.kind else { return notField(n) }
            var sep: UInt8? = UInt8(ascii: ":")
            if ch(0) == UInt8(ascii: "m") { sep = nil } else if ch(1) == UInt8(ascii: "F") { sep = UInt8(ascii: "-") }
            guard let f else { return .nothing }
            guard f.size == 6 else { return .text(Array("INVALIDMAC".utf8)) }
            return .mac(offset: f.offset, separator: sep, reverse: ch(1) == UInt8(ascii: "R"))
        case UInt8(ascii: "I"), UInt8(ascii: "i"):
            let i = ch(0)
            let upper = i == UInt8(ascii: "I")
            func ip4Reverse(_ c: UInt8) -> Bool {
                switch c {
                case UInt8(ascii: "h"): return byteOrder == .little
                case UInt8(ascii: "l"): return true
                default: return false
                }
            }
            switch ch(1) {
            case UInt8(ascii: "4"):
                let n = unwrapped()
                guard case .field(_, let f) = n.kind else { return notField(n) }
                guard let f else { return .nothing }
                guard f.size == 4 else { return .text(Array("INVALIDIPv4".utf8)) }
                return .ipv4(offset: f.offset, leadingZeros: !upper, reverse: ip4Reverse(ch(2)))
            case UInt8(ascii: "6"):
                let compressed = upper && ch(2) == UInt8(ascii: "c")
                let n = unwrapped()
                guard case .field(_, let f) = n.kind else { return notField(n) }
                guard let f else { return .nothing }
                guard f.size == 16 else { return .text(Array("INVALIDIPv6".utf8)) }
                return .ipv6(offset: f.offset, compressed: compressed, colons: upper)
            case UInt8(ascii: "S"):
                var p = 2
                var port = false
                var compressed = false
                if upper {
                    if ch(p) == UInt8(ascii: "p") { port = true; p += 1 }
                    if ch(p) == UInt8(ascii: "c") { compressed = true; p += 1 }
                }
                let reverse = ip4Reverse(ch(p))
                let n = unwrapped()
                let src: PrintFormatBufferSource
                switch n.kind {
                case .field(_, let f):
                    guard let f else { return .nothing }
                    src = .inline(offset: f.offset, size: f.size)
                case .dynamicArray(let f):
                    src = .dynamic(location(f))
                default:
                    return .text(Array("ARG NOT FIELD NOR DYNAMIC ARRAY BUT TYPE \(n.libtraceeventTypeCode)".utf8))
                }
                return .sockaddr(src, leadingZeros: !upper, reverse: reverse, port: port,
                                 compressed: compressed, colons: upper)
            default:
                return .nothing
            }
        case UInt8(ascii: "U"):
            let v = ch(1)
            let n = unwrapped()
            guard case .field(_, let f) = n.kind else { return notField(n) }
            guard let f else { return .nothing }
            guard f.size == 16 else { return .text(Array("INVALIDUUID".utf8)) }
            return .uuid(offset: f.offset, guid: v == UInt8(ascii: "L") || v == UInt8(ascii: "l"),
                         upper: v == UInt8(ascii: "L") || v == UInt8(ascii: "B"))
        case UInt8(ascii: "h"):
            var delim: UInt8? = UInt8(ascii: " ")
            switch ch(1) {
            case UInt8(ascii: "C"): delim = UInt8(ascii: ":")
            case UInt8(ascii: "D"): delim = UInt8(ascii: "-")
            case UInt8(ascii: "N"): delim = nil
            default: break
            }
            guard case .dynamicArray(let f) = node.kind else { return notField(node) }
            return .hexBuffer(location(f), delimiter: delim)
        default:
            return .address(try numeric(node))
        }
    }
}

/// `ftrace:bprint` support (trace_printk records): the format of a record is `"%ps: "`
/// followed by the printk string at the record's `fmt` address, and its arguments are
/// packed in the record's `buf` the way the kernel's `vbin_printf` packs them. One program
/// is compiled per known printk string; the arguments are decoded per record.
struct PrintFormatBinaryPrintf: Sendable {
    /// How one argument is stored in `buf`, as libtraceevent's scan of the format decides.
    enum Argument: Sendable {
        /// A number of `size` bytes, 4-byte aligned.
        case number(size: Int)
        /// A NUL-terminated string.
        case string
        /// `%p` with an extension: a string when its first byte is printable, else a long.
        case pointerOrString
    }

    struct Program: Sendable {
        var format: [UInt8]
        var plan: [Argument]
        var pieces: [CompiledPrintFormat.Piece]
        /// Whether a conversion lacks an argument even when the buffer holds all of them
        /// (libtraceevent's scan of the buffer and its format parser disagree on `%-5s`,
        /// `%hd`...).
        var failsWhenComplete: Bool
        var event: EventFormat

        /// The pieces libtraceevent builds when the record ran out of data after
        /// `arguments` arguments (the instruction pointer included), and whether a
        /// conversion lacked its argument.
        func pieces(arguments: Int, longSize: Int) -> (pieces: [CompiledPrintFormat.Piece], failed: Bool) {
            var compiler = PrintFormatCompiler(event: event, longSize: longSize, byteOrder: .little)
            compiler.tolerateMissingArguments = true
            let nodes = (0..<arguments).map { PrintFormatNode(.bprintArgument($0)) }
            let pieces = (try? compiler.split(format, nodes)) ?? []
            return (pieces, compiler.missedArgument)
        }
    }

    var fmtOffset: Int
    var fmtSize: Int
    var ipOffset: Int
    var ipSize: Int
    var bufOffset: Int
    var programs: [UInt64: Program]

    init?(event: EventFormat, context: PrintFormatContext) {
        guard event.system == "ftrace", event.name == "bprint",
              let fmt = event.fields.first(where: { $0.name == "fmt" }),
              let ip = event.fields.first(where: { $0.name == "ip" }),
              let buf = event.fields.first(where: { $0.name == "buf" }) else { return nil }
        fmtOffset = fmt.offset
        fmtSize = fmt.size
        ipOffset = ip.offset
        ipSize = ip.size
        bufOffset = buf.offset
        var programs: [UInt64: Program] = [:]
        for (addr, text) in context.printkStrings {
            let format = Array(("%ps: " + text).utf8)
            let plan = Self.plan(format, longSize: context.longSize)
            var compiler = PrintFormatCompiler(event: event, longSize: context.longSize, byteOrder: .little)
            compiler.tolerateMissingArguments = true
            let nodes = (0...plan.count).map { PrintFormatNode(.bprintArgument($0)) }
            let pieces = (try? compiler.split(format, nodes)) ?? []
            programs[addr] = Program(format: format, plan: plan, pieces: pieces,
                                     failsWhenComplete: compiler.missedArgument, event: event)
        }
        self.programs = programs
    }

    /// The arguments a format takes from a bprint buffer, in libtraceevent's reading of it
    /// (which differs from printf's: `-`, `h`, ` `, `+` end a conversion without argument).
    static func plan(_ f: [UInt8], longSize: Int) -> [Argument] {
        func ch(_ i: Int) -> UInt8 { i < f.count ? f[i] : 0 }
        func isAlnum(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
        }
        var plan: [Argument] = []
        var i = 5
        while i < f.count {
            if f[i] == UInt8(ascii: "%") {
                var ls = 0
                scan: while true {
                    i += 1
                    let c = ch(i)
                    switch c {
                    case UInt8(ascii: "l"): ls += 1
                    case UInt8(ascii: "L"): ls = 2
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "#"): break
                    case UInt8(ascii: "z"), UInt8(ascii: "Z"): ls = 1
                    case UInt8(ascii: "*"):
                        plan.append(.number(size: 4))
                    case UInt8(ascii: "p"):
                        ls = 1
                        if isAlnum(ch(i + 1)) {
                            i += 1
                            switch ch(i) {
                            case UInt8(ascii: "s"), UInt8(ascii: "S"), UInt8(ascii: "x"):
                                break
                            case UInt8(ascii: "f"), UInt8(ascii: "F"):
                                // %pfw / %pFw are fwnodes since Linux 5.5.
                                if ch(i + 1) == UInt8(ascii: "w") {
                                    plan.append(.pointerOrString)
                                    break scan
                                }
                            default:
                                plan.append(.pointerOrString)
                                break scan
                            }
                        }
                        plan.append(.number(size: longSize))
                        break scan
                    case UInt8(ascii: "d"), UInt8(ascii: "u"), UInt8(ascii: "i"), UInt8(ascii: "x"),
                         UInt8(ascii: "X"), UInt8(ascii: "o"):
                        plan.append(.number(size: ls == 0 ? 4 : ls == 1 ? longSize : ls == 2 ? 8 : ls))
                        break scan
                    case UInt8(ascii: "s"):
                        plan.append(.string)
                        break scan
                    default:
                        break scan
                    }
                }
            }
            i += 1
        }
        return plan
    }
}
