/// What the print-format engine needs to know about the trace besides the event format.
///
/// Not `Sendable`: its symbol resolver may be one thread's (``SharedSymbolResolver``).
@_spi(Engine) public struct PrintFormatContext {
    /// Byte order of the record data.
    @_spi(Engine) public var byteOrder: ByteOrder
    /// Size of a C `long` on the traced machine (4 or 8), from the trace file header.
    @_spi(Engine) public var longSize: Int
    /// Kernel symbols for `%pS`/`%ps`/`%pF`/`%pf`; without them addresses print as hex.
    @_spi(Engine) public var symbols: (any SymbolResolver)?
    /// The kernel's printk format strings by address (the trace file's printk section), in
    /// the form libtraceevent keeps them: without the surrounding quotes and a final `\n`
    /// (as ``PrintkFormats`` stores them). libtraceevent prints a pointer-sized field passed
    /// to `%s` as the string found here, and takes the formats of `ftrace:bprint` records
    /// (trace_printk) from here.
    @_spi(Engine) public var printkStrings: [UInt64: String]

    /// Creates a context.
    /// - Parameters:
    ///   - byteOrder: byte order of the record data.
    ///   - longSize: size of a C `long` on the traced machine (4 or 8).
    ///   - symbols: kernel symbol table for the `%pS` family, if any.
    ///   - printkStrings: printk format strings by address, if any.
    @_spi(Engine) public init(byteOrder: ByteOrder = .host, longSize: Int = 8, symbols: (any SymbolResolver)? = nil,
                printkStrings: [UInt64: String] = [:]) {
        self.byteOrder = byteOrder
        self.longSize = longSize
        self.symbols = symbols
        self.printkStrings = printkStrings
    }
}

/// Why an event's print format cannot be used as written. The engine then prints the event
/// the way libtraceevent does for such events: `[FAILED TO PARSE]` and the raw fields.
@_spi(Engine) public struct PrintFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The event (`system:name`).
    @_spi(Engine) public var event: String
    /// What went wrong.
    @_spi(Engine) public var message: String

    @_spi(Engine) public var description: String { "print fmt of \(event): \(message)" }
}

/// An event's `print fmt:` compiled once into a renderer that turns record payloads into the
/// same text as libtraceevent 1.7.1 (`trace-cmd report -N`).
///
/// Compile once per event type, then call ``render(payload:into:)`` for each record; rendering
/// reads the payload in place and appends to a ``TextBuffer`` without parsing any text.
///
/// Rendering keeps two pieces of libtraceevent's per-event state, so the records of one event
/// type must be rendered from one thread at a time, in order: the raw-field printer (used for
/// events whose format failed) remembers string fields that once held unprintable bytes and
/// prints them as `ARRAY[...]` from then on, and after a `bprint` record whose buffer lacks
/// arguments for its format, every later `bprint` record prints as failed.
///
/// Not `Sendable`: that memory is written while rendering, and the symbol resolver may be one
/// thread's. Compile one per thread (as ``EventPrinter`` copies do).
@_spi(Engine) public final class CompiledPrintFormat {
    // `indirect`: a piece is one reference, so the per-record loop over pieces copies a
    // pointer instead of a multi-payload tuple through the runtime's generic copy.
    indirect enum Piece: Sendable {
        case literal([UInt8])
        case number(PrintfConversion, lengthClass: Int8, PrintFormatExpression, star: PrintFormatExpression?)
        case string(PrintfConversion, PrintFormatStringArgument, star: PrintFormatExpression?)
        case pointer(PrintFormatPointerArgument, star: PrintFormatExpression?)
    }

    struct RawField: Sendable {
        enum Kind: Sendable {
            case array(PrintFormatBufferSource, size: Int, string: Bool)
            case pointer(offset: Int, size: Int)
            case signed(offset: Int, size: Int, long: Bool)
            case unsigned(offset: Int, size: Int, long: Bool)
        }
        var label: [UInt8]
        var kind: Kind
    }

    /// The event this format belongs to.
    @_spi(Engine) public let eventName: String
    /// The reason the format could not be used, if it could not; ``render(payload:into:)``
    /// then prints `[FAILED TO PARSE]` and the raw fields, as the reference does.
    @_spi(Engine) public let parseFailure: PrintFormatError?

    let pieces: [Piece]
    /// Per piece: the event field it prints (for `-R` output), and for literal pieces
    /// whether the text ends in `0x`.
    let pieceFields: [String?]
    let pieceEnds0x: [Bool]
    let rawFields: [RawField]
    /// Per event field: its name, and whether libtraceevent prints it raw in `-R` output
    /// whatever the format (arrays and strings).
    let fieldNames: [String]
    let fieldAlwaysRaw: [Bool]
    let byteOrder: ByteOrder
    let longSize: Int
    let symbols: (any SymbolResolver)?
    let printk: [UInt64: [UInt8]]
    /// For `ftrace:bprint`: how to find the format and the arguments of each record.
    let bprint: PrintFormatBinaryPrintf?
    /// Per raw field: libtraceevent cleared its "string" flag after seeing unprintable bytes.
    /// The extra last element records that a `bprint` record lacked arguments, after which
    /// libtraceevent prints every later record of the event as failed.
    private let notString: UncheckedArray<Bool>
    /// `bprint`: the decoded argument table of the record being rendered (reused).
    private let bprintScratch = UncheckedArray<UInt8>()

    /// The pieces again, as plain values that the per-record loop reads without reference
    /// counting: literals, numbers of a field, strings of a field or `__get_str`; anything
    /// else refers back to its piece in ``pieces``.
    struct FastOp {
        enum Kind: UInt8 { case literal, fieldNumber, fieldString, dynamicString, pointerAddress, pointerSymbol, general }
        var kind: Kind
        var lengthClass: Int8 = 0
        var conversion: PrintfConversion
        /// Literal: offset in ``literalPool``; field: its offset; general: piece index.
        var offset = 0
        var size = 0
        var mask = UInt64.max
        var location = PrintFormatDynamicLocation(offset: 0, size: 0, relative: false)
    }
    private let fastOps: [FastOp]
    private let literalPool: [UInt8]

    /// Compiles the print format of `event`.
    ///
    /// Never fails: a format the reference cannot handle either (unknown helper function,
    /// missing arguments, syntax error) compiles to the reference's fallback output, and
    /// ``parseFailure`` says why.
    @_spi(Engine) public init(event: EventFormat, context: PrintFormatContext) {
        eventName = event.system + ":" + event.name
        byteOrder = context.byteOrder
        longSize = context.longSize
        symbols = context.symbols
        var pk: [UInt64: [UInt8]] = [:]
        for (k, v) in context.printkStrings { pk[k] = Array(v.utf8) }
        printk = pk
        rawFields = event.fields.map { Self.rawField($0, longSize: context.longSize) }
        notString = UncheckedArray(repeating: false, count: rawFields.count + 1)
        fieldNames = event.fields.map(\.name)
        fieldAlwaysRaw = event.fields.map {
            let t = PrintFormatFieldTraits($0, longSize: context.longSize)
            return t.isArray || t.isString
        }
        var compiler = PrintFormatCompiler(event: event, longSize: context.longSize, byteOrder: context.byteOrder)
        do {
            pieces = try compiler.compile()
            pieceFields = compiler.pieceFields
            parseFailure = nil
        } catch {
            pieces = []
            pieceFields = []
            parseFailure = PrintFormatError(event: eventName, message: error.message)
        }
        bprint = PrintFormatBinaryPrintf(event: event, context: context)
        pieceEnds0x = pieces.map {
            guard case .literal(let b) = $0, b.count > 1 else { return false }
            return b[b.count - 2] == UInt8(ascii: "0") && b[b.count - 1] == UInt8(ascii: "x")
        }
        (fastOps, literalPool) = Self.fastProgram(pieces)
    }

    private static func fastProgram(_ pieces: [Piece]) -> ([FastOp], [UInt8]) {
        var pool: [UInt8] = []
        var ops: [FastOp] = []
        let plain = PrintfConversion(piece: Array("%d".utf8))
        for (i, piece) in pieces.enumerated() {
            switch piece {
            case .literal(let b):
                ops.append(FastOp(kind: .literal, conversion: plain, offset: pool.count, size: b.count))
                pool += b
            case .number(let c, let ls, .field(let offset, let size), star: nil):
                ops.append(FastOp(kind: .fieldNumber, lengthClass: ls, conversion: c, offset: offset, size: size))
            case .number(let c, let ls, .mask(let m, .field(let offset, let size)), star: nil):
                ops.append(FastOp(kind: .fieldNumber, lengthClass: ls, conversion: c, offset: offset, size: size, mask: m))
            case .string(let c, .fieldBytes(let offset, let size), star: nil):
                ops.append(FastOp(kind: .fieldString, conversion: c, offset: offset, size: size))
            case .string(let c, .dynamicString(let loc), star: nil):
                ops.append(FastOp(kind: .dynamicString, conversion: c, location: loc))
            case .pointer(.address(.field(let offset, let size)), star: nil):
                ops.append(FastOp(kind: .pointerAddress, conversion: plain, offset: offset, size: size))
            case .pointer(.symbol(.field(let offset, let size), let withOffset), star: nil):
                // `lengthClass` 1: with `+0xoffset`.
                ops.append(FastOp(kind: .pointerSymbol, lengthClass: withOffset ? 1 : 0, conversion: plain,
                                  offset: offset, size: size))
            default:
                ops.append(FastOp(kind: .general, conversion: plain, offset: i))
            }
        }
        return (ops, pool)
    }

    /// Whether ``render(payload:into:)`` prints each record from its own data. It does not
    /// for a format the reference cannot parse (its raw-field fallback remembers fields that
    /// held unprintable bytes) nor for `ftrace:bprint` (a record without arguments makes
    /// every later one print as failed): those must be rendered in record order by one
    /// instance.
    @_spi(Engine) public var isStateless: Bool { parseFailure == nil && bprint == nil }

    /// Compiles the print format of `event`, throwing instead of falling back when the
    /// reference would print `[FAILED TO PARSE]`.
    @_spi(Engine) public static func strict(event: EventFormat, context: PrintFormatContext) throws(PrintFormatError) -> CompiledPrintFormat {
        let c = CompiledPrintFormat(event: event, context: context)
        if let e = c.parseFailure { throw e }
        return c
    }

    private static func rawField(_ f: FormatField, longSize: Int) -> RawField {
        let t = PrintFormatFieldTraits(f, longSize: longSize)
        let label = Array((" " + f.name + "=").utf8)
        if t.isArray {
            let src: PrintFormatBufferSource = t.isDynamic
                ? .dynamic(PrintFormatDynamicLocation(offset: f.offset, size: f.size, relative: t.isRelative))
                : .inline(offset: f.offset, size: f.size)
            return RawField(label: label, kind: .array(src, size: f.size, string: t.isString))
        }
        if t.isPointer { return RawField(label: label, kind: .pointer(offset: f.offset, size: f.size)) }
        if f.isSigned { return RawField(label: label, kind: .signed(offset: f.offset, size: f.size, long: t.isLong)) }
        return RawField(label: label, kind: .unsigned(offset: f.offset, size: f.size, long: t.isLong))
    }

    // MARK: - Rendering

    /// Appends the text of one record of this event.
    ///
    /// - Parameters:
    ///   - payload: the record's event data, starting at `common_type` (all of the record's
    ///     data, as its size is used for `__data_loc` bounds and zero-sized fields).
    ///   - out: the buffer to append to.
    @_spi(Engine) public func render(payload: RawSpan, into out: inout TextBuffer) {
        if parseFailure != nil || notString[rawFields.count] {
            renderFailed(payload, into: &out)
            return
        }
        if let bprint {
            renderBinaryPrintf(bprint, payload, into: &out)
            return
        }
        let order = byteOrder
        let opsArray = fastOps, poolArray = literalPool
        let ops = opsArray.span
        let pool = RawSpan(_elements: poolArray.span)
        let size = payload.count
        var i = 0
        while i < ops.count {
            let op = ops[i]
            i &+= 1
            switch op.kind {
            case .literal:
                out.append(contentsOf: pool.extracting(op.offset..<(op.offset + op.size)))
            case .fieldNumber:
                var v: UInt64 = 0
                if op.offset + op.size <= size { v = (payload.loadUnsigned(at: op.offset, size: op.size, order: order) ?? 0) & op.mask }
                Self.appendNumber(v, lengthClass: op.lengthClass, conversion: op.conversion, into: &out)
            case .fieldString:
                Self.appendFieldString(op.offset, op.size, op.conversion, payload, into: &out)
            case .dynamicString:
                Self.appendDynamicString(op.location, op.conversion, payload, order, into: &out)
            case .pointerAddress:
                let v = op.offset + op.size <= size ? PrintFormatRead.number(payload, op.offset, op.size, order) : 0
                if v == 0 { out.append("(nil)" as StaticString) } else { out.append0xHex(v) }
            case .pointerSymbol:
                let v = op.offset + op.size <= size ? PrintFormatRead.number(payload, op.offset, op.size, order) : 0
                appendSymbol(v, withOffset: op.lengthClass != 0, into: &out)
            case .general:
                renderPiece(pieces[op.offset], payload, order, into: &out)
            }
        }
    }

    /// `ftrace:bprint` (trace_printk): the format is the printk string at the record's
    /// `fmt` address, the arguments are packed in its `buf`.
    private func renderBinaryPrintf(_ b: PrintFormatBinaryPrintf, _ payload: RawSpan,
                                    into out: inout TextBuffer) {
        let addr = payload.loadUnsigned(at: b.fmtOffset, size: b.fmtSize, order: byteOrder) ?? 0
        let ip = payload.loadUnsigned(at: b.ipOffset, size: b.ipSize, order: byteOrder) ?? 0
        guard let program = b.programs[addr] else {
            renderPointer(.symbol(.constant(ip), withOffset: false), plen: 1, payload, byteOrder, into: &out)
            out.append(": (NO FORMAT FOUND at ")
            out.appendHex(addr)
            out.append(")\n")
            return
        }
        // Decode the arguments into a table: 16 bytes per argument (value, string location),
        // followed by copies of the string arguments.
        let slots = program.plan.count + 1
        // Reused across records (rendering is single-threaded per instance, see above).
        var scratch = bprintScratch.exchange(with: [])
        let need = 16 * slots + payload.count + 1
        if scratch.count < need { scratch = [UInt8](repeating: 0, count: max(need, 2 * scratch.count)) }
        do {
            var used = 16 * slots
            var count = 1
            func put64(_ at: Int, _ v: UInt64) {
                for j in 0..<8 { scratch[at + j] = UInt8(truncatingIfNeeded: v >> UInt64(8 * j)) }
            }
            func putNumber(_ k: Int, _ v: UInt64) {
                put64(16 * k, v)
                put64(16 * k + 8, UInt64.max)
            }
            putNumber(0, ip)
            var p = b.bufOffset
            let size = payload.count
            for entry in program.plan {
                guard p < size else { break }
                var kind = entry
                if case .pointerOrString = kind {
                    let c = payload[p]
                    kind = (c >= 0x20 && c < 0x7f) ? .string : .number(size: longSize)
                }
                switch kind {
                case .number(let vsize):
                    p = (p + 3) & ~3
                    putNumber(count, payload.loadUnsigned(at: p, size: vsize, order: byteOrder) ?? 0)
                    p += vsize
                case .string, .pointerOrString:
                    var e = p
                    while e < size, payload[e] != 0 { e += 1 }
                    let len = e - p
                    if len > 0 {
                        var k = 0
                        while k < len { scratch[used + k] = payload[p + k]; k += 1 }
                    }
                    put64(16 * count, 0)
                    let loc = UInt64(UInt32(used)) | UInt64(UInt32(len)) << 32
                    put64(16 * count + 8, loc)
                    used += len
                    p = e + 1
                }
                count += 1
            }
            let table = RawSpan(_elements: scratch.span).extracting(0..<used)
            var pieces = program.pieces
            var failed = program.failsWhenComplete
            if count != slots {
                (pieces, failed) = program.pieces(arguments: count, longSize: longSize)
            }
            if failed { notString.set(rawFields.count, true) }
            for piece in pieces {
                renderPiece(piece, table, .little, into: &out)
            }
        }
        _ = bprintScratch.exchange(with: scratch)
    }

    @inline(__always)
    private func renderPiece(_ piece: Piece, _ payload: RawSpan, _ order: ByteOrder,
                             into out: inout TextBuffer) {
        switch piece {
        case .literal(let bytes):
            out.append(contentsOf: bytes)
        case .number(let conv, let ls, let expr, let star):
            let v = expr.evaluate(payload, order)
            let c = conv.applying(starArgument: star.map { Int32(truncatingIfNeeded: $0.evaluate(payload, order)) })
            Self.appendNumber(v, lengthClass: ls, conversion: c, into: &out)
        case .string(let conv, let arg, let star):
            var c = conv
            if let star {
                let a = Int32(truncatingIfNeeded: star.evaluate(payload, order))
                if a >= 0 { c = conv.applying(starArgument: a) }
            }
            renderString(arg, c, payload, order, into: &out)
        case .pointer(let arg, let star):
            let plen = star.map { Int(Int32(truncatingIfNeeded: $0.evaluate(payload, order))) } ?? 1
            renderPointer(arg, plen: plen, payload, order, into: &out)
        }
    }

    /// Appends the record's fields as ` name=value` pairs, as libtraceevent prints an event
    /// in raw mode (`trace-cmd report -R`): a field that a conversion of the format prints
    /// is printed through that conversion (the search resumes after the conversion used for
    /// the previous field), arrays, strings and other fields are printed from their bytes.
    @_spi(Engine) public func renderRawFields(payload: RawSpan, into out: inout TextBuffer) {
        let count = pieces.count
        // libtraceevent keeps no parsed format for bprint events: their fields print raw.
        var cursor: Int? = (parseFailure == nil && count > 0 && bprint == nil) ? 0 : nil
        for index in 0..<rawFields.count {
            out.append(contentsOf: rawFields[index].label)
            guard let start = cursor, !fieldAlwaysRaw[index] else {
                appendRawField(index, payload, into: &out)
                continue
            }
            let name = fieldNames[index]
            var i = start
            var has0x = false
            var found = false
            repeat {
                if case .literal = pieces[i] {
                    has0x = pieceEnds0x[i]
                } else if pieceFields[i] == name {
                    if has0x { out.append(0x30); out.append(0x78) }
                    renderPiece(pieces[i], payload, byteOrder, into: &out)
                    cursor = i + 1 < count ? i + 1 : nil
                    found = true
                    break
                } else {
                    has0x = false
                }
                i = i + 1 < count ? i + 1 : 0
            } while i != start
            if !found { appendRawField(index, payload, into: &out) }
        }
    }

    /// Convenience: the text of one record as a `String`.
    @_spi(Engine) public func render(payload: RawSpan) -> String {
        var b = TextBuffer(capacity: 256)
        render(payload: payload, into: &b)
        return String(decoding: b.bytes, as: UTF8.self)
    }

    @inline(__always)
    static func appendNumber(_ v: UInt64, lengthClass: Int8, conversion c: PrintfConversion, into out: inout TextBuffer) {
        let signed = c.conversion == UInt8(ascii: "d") || c.conversion == UInt8(ascii: "i")
        var mag: UInt64
        var neg = false
        switch lengthClass {
        case -2:
            if signed { let s = Int8(truncatingIfNeeded: v); neg = s < 0; mag = UInt64(s.magnitude) }
            else { mag = UInt64(UInt8(truncatingIfNeeded: v)) }
        case -1:
            if signed { let s = Int16(truncatingIfNeeded: v); neg = s < 0; mag = UInt64(s.magnitude) }
            else { mag = UInt64(UInt16(truncatingIfNeeded: v)) }
        case 0:
            if signed { let s = Int32(truncatingIfNeeded: v); neg = s < 0; mag = UInt64(s.magnitude) }
            else { mag = UInt64(UInt32(truncatingIfNeeded: v)) }
        default:
            if signed { let s = Int64(bitPattern: v); neg = s < 0; mag = s.magnitude }
            else { mag = v }
        }
        c.appendInteger(magnitude: mag, negative: neg, into: &out)
    }

    /// `%s` of a field's bytes as a C string (`size` 0 or less: up to the end of the record).
    @inline(__always)
    static func appendFieldString(_ offset: Int, _ size: Int, _ c: PrintfConversion, _ data: RawSpan,
                                  into out: inout TextBuffer) {
        guard offset >= 0, offset <= data.count else { return }
        let len = size <= 0 ? data.count - offset : min(size, data.count - offset)
        c.appendString(data, offset..<(offset + len), into: &out)
    }

    /// `%s` of `__get_str`: the text of a dynamic string, nothing when it is empty.
    @inline(__always)
    static func appendDynamicString(_ loc: PrintFormatDynamicLocation, _ c: PrintfConversion,
                                    _ data: RawSpan, _ order: ByteOrder, into out: inout TextBuffer) {
        let (offset, len) = loc.resolve(data, order)
        guard len != 0, offset >= 0, offset < data.count else { return }
        c.appendString(data, offset..<data.count, into: &out)
    }

    private func renderString(_ arg: PrintFormatStringArgument, _ c: PrintfConversion,
                              _ data: RawSpan, _ order: ByteOrder, into out: inout TextBuffer) {
        switch arg {
        case .bprintValue(let slot):
            let loc = data.loadUnsigned(at: slot + 8, size: 8, order: .little) ?? UInt64.max
            if loc == UInt64.max {
                // A number: libtraceevent prints its "%lld" text.
                let v = Int64(bitPattern: data.loadUnsigned(at: slot, size: 8, order: .little) ?? 0)
                var t = TextBuffer(capacity: 24)
                t.appendDecimal(v)
                c.appendString(t.bytes, into: &out)
            } else {
                let start = Int(UInt32(truncatingIfNeeded: loc))
                let len = Int(UInt32(truncatingIfNeeded: loc >> 32))
                guard start + len <= data.count else { return }
                c.appendString(data, start..<(start + len), into: &out)
            }
        case .nothing:
            return
        case .literal(let bytes):
            c.appendString(bytes, into: &out)
        case .fieldBytes(let offset, let size):
            Self.appendFieldString(offset, size, c, data, into: &out)
        case .fieldPointer(let offset, let size):
            guard let addr = data.loadUnsigned(at: offset, size: size, order: .host) else { return }
            if let s = printk[addr] {
                out.append(contentsOf: s)
            } else {
                out.appendHex(addr)
            }
        case .flags(let expr, let delimiter, let entries):
            var val = expr.evaluate(data, order)
            var printed = false
            for e in entries {
                let fval = e.value
                if val == 0 && fval < 0 {
                    c.appendString(e.text, into: &out)
                    break
                }
                if fval > 0 && (val & UInt64(fval)) == UInt64(fval) {
                    if printed, let d = delimiter { out.append(contentsOf: d) }
                    c.appendString(e.text, into: &out)
                    printed = true
                    val &= ~UInt64(fval)
                }
            }
            if val != 0 {
                if printed, let d = delimiter { out.append(contentsOf: d) }
                out.append0xHex(val)
            }
        case .symbolic(let expr, let entries):
            let val = Int64(bitPattern: expr.evaluate(data, order))
            for e in entries where e.value == val {
                c.appendString(e.text, into: &out)
                return
            }
            out.append0xHex(UInt64(bitPattern: val))
        case .hex(let src, let lengthExpr, let spaced):
            guard let start = src.start(data, order), start >= 0 else { return }
            let len = Int(UInt32(truncatingIfNeeded: lengthExpr.evaluate(data, order)))
            var i = 0
            while i < len, start + i < data.count {
                if i > 0 && spaced { out.append(0x20) }
                out.appendHex(UInt64(data[start + i]), minDigits: 2)
                i += 1
            }
        case .intArray(let src, let countExpr, let sizeExpr):
            guard let start = src.start(data, order), start >= 0 else { return }
            let count = Int(UInt32(truncatingIfNeeded: countExpr.evaluate(data, order)))
            var elSize = Int(Int32(truncatingIfNeeded: sizeExpr.evaluate(data, order)))
            var p = start
            var i = 0
            while i < count {
                if i > 0 { out.append(0x20) }
                switch elSize {
                case 1, 2, 4, 8:
                    guard let v = data.loadUnsigned(at: p, size: elSize, order: .host) else { return }
                    out.appendDecimal(v)
                default:
                    guard p < data.count else { return }
                    out.append("BAD SIZE:")
                    out.appendDecimal(Int64(elSize))
                    out.append(" 0x")
                    out.appendHex(UInt64(data[p]))
                    elSize = 1
                }
                p += elSize
                i += 1
            }
        case .dynamicString(let loc):
            Self.appendDynamicString(loc, c, data, order, into: &out)
        case .bitmask(let loc):
            let (offset, len) = loc.resolve(data, order)
            guard offset >= 0, offset <= data.count else { return }
            let size = max(0, min(len, data.count - offset))
            let text = PrintFormatBitmaps.bitmask(data.extracting(offset..<(offset + size)),
                                                  bigEndian: order == .big)
            c.appendString(text, into: &out)
        case .cpumask(let loc):
            let (offset, len) = loc.resolve(data, order)
            guard offset >= 0, offset <= data.count else { return }
            let size = max(0, min(len, data.count - offset))
            let text = PrintFormatBitmaps.cpumask(data.extracting(offset..<(offset + size)),
                                                  bigEndian: order == .big)
            c.appendString(text, into: &out)
        case .conditional(let cond, let t, let f):
            renderString(cond.evaluate(data, order) != 0 ? t : f, c, data, order, into: &out)
        }
    }

    /// `%pS`/`%ps` of `v`: the symbol's name (and `+0xoffset`), or the address when no
    /// symbol covers it.
    @inline(__always)
    private func appendSymbol(_ v: UInt64, withOffset: Bool, into out: inout TextBuffer) {
        if let start = symbols?.appendName(containing: v, into: &out) {
            if withOffset {
                out.append("+0x" as StaticString)
                out.appendHex(v &- start)
            }
        } else {
            // "0x%lx" of a 64-bit host long: the full value, whatever the trace's long size.
            out.append0xHex(v)
        }
    }

    private func renderPointer(_ arg: PrintFormatPointerArgument, plen: Int,
                               _ data: RawSpan, _ order: ByteOrder, into out: inout TextBuffer) {
        switch arg {
        case .bprintValue(let slot, let number):
            let loc = data.loadUnsigned(at: slot + 8, size: 8, order: .little) ?? UInt64.max
            if loc == UInt64.max {
                renderPointer(number, plen: plen, data, order, into: &out)
            } else {
                let start = Int(UInt32(truncatingIfNeeded: loc))
                let len = Int(UInt32(truncatingIfNeeded: loc >> 32))
                guard start + len <= data.count else { return }
                out.append(contentsOf: data.extracting(start..<(start + len)))
            }
        case .nothing:
            return
        case .text(let t):
            out.append(contentsOf: t)
        case .address(let e):
            let v = e.evaluate(data, order)
            if v == 0 { out.append("(nil)") } else { out.append0xHex(v) }
        case .symbol(let e, let withOffset):
            appendSymbol(e.evaluate(data, order), withOffset: withOffset, into: &out)
        case .mac(let offset, let separator, let reverse):
            guard offset >= 0, offset + 6 <= data.count else { return }
            for i in 0..<6 {
                if i > 0, let s = separator { out.append(s) }
                out.appendHex(UInt64(data[offset + (reverse ? 5 - i : i)]), minDigits: 2)
            }
        case .ipv4(let offset, let leadingZeros, let reverse):
            guard offset >= 0, offset + 4 <= data.count else { return }
            PrintFormatAddresses.ipv4(data, offset, leadingZeros: leadingZeros, reverse: reverse, into: &out)
        case .ipv6(let offset, let compressed, let colons):
            guard offset >= 0, offset + 16 <= data.count else { return }
            if compressed {
                PrintFormatAddresses.ipv6Compressed(data, offset, into: &out)
            } else {
                PrintFormatAddresses.ipv6(data, offset, colons: colons, into: &out)
            }
        case .sockaddr(let src, let leadingZeros, let reverse, let port, let compressed, let colons):
            let offset: Int
            let len: Int
            switch src {
            case .inline(let o, let s): offset = o; len = s
            case .dynamic(let loc): (offset, len) = loc.resolve(data, order)
            case .none: return
            }
            guard let family = data.loadUnsigned(at: offset, size: 2, order: .host) else { return }
            if family == 2 { // AF_INET
                if len < 16 { out.append("INVALIDIPv4"); return }
                guard offset + 8 <= data.count else { return }
                PrintFormatAddresses.ipv4(data, offset + 4, leadingZeros: leadingZeros, reverse: reverse, into: &out)
                if port {
                    out.append(0x3a)
                    out.appendDecimal(data.loadUnsigned(at: offset + 2, size: 2, order: .big) ?? 0)
                }
            } else if family == 10 { // AF_INET6
                if len < 28 { out.append("INVALIDIPv6"); return }
                guard offset + 24 <= data.count else { return }
                if port { out.append(0x5b) }
                if compressed {
                    PrintFormatAddresses.ipv6Compressed(data, offset + 8, into: &out)
                } else {
                    PrintFormatAddresses.ipv6(data, offset + 8, colons: colons, into: &out)
                }
                if port {
                    out.append("]:")
                    out.appendDecimal(data.loadUnsigned(at: offset + 2, size: 2, order: .big) ?? 0)
                }
            }
        case .uuid(let offset, let guid, let upper):
            guard offset >= 0, offset + 16 <= data.count else { return }
            let guidIndex = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
            for i in 0..<16 {
                out.appendHex(UInt64(data[offset + (guid ? guidIndex[i] : i)]), minDigits: 2, upper: upper)
                if i == 3 || i == 5 || i == 7 || i == 9 { out.append(0x2d) }
            }
        case .hexBuffer(let loc, let delimiter):
            let (offset, arrLen) = loc.resolve(data, order)
            var n = plen
            if arrLen < n { n = arrLen }
            guard n >= 1, offset >= 0 else { return }
            for i in 0..<n {
                guard offset + i < data.count else { return }
                if i > 0, let d = delimiter { out.append(d) }
                out.appendHex(UInt64(data[offset + i]), minDigits: 2)
            }
        }
    }

    // MARK: - Fallback

    private func renderFailed(_ data: RawSpan, into out: inout TextBuffer) {
        out.append("[FAILED TO PARSE]")
        appendRawFields(data, into: &out)
    }

    /// Appends ` name=value` for every event field, formatted from the raw data the way
    /// libtraceevent does when it cannot use the print format.
    @_spi(Engine) public func appendRawFields(_ data: RawSpan, into out: inout TextBuffer) {
        for index in 0..<rawFields.count {
            out.append(contentsOf: rawFields[index].label)
            appendRawField(index, data, into: &out)
        }
    }

    /// The value of event field `index` formatted from its bytes (libtraceevent's
    /// `print_field_raw`).
    private func appendRawField(_ index: Int, _ data: RawSpan, into out: inout TextBuffer) {
        let order = byteOrder
        let f = rawFields[index]
        do {
            switch f.kind {
            case .array(let src, let size, let string):
                var offset = 0
                var len = 0
                switch src {
                case .dynamic(let loc): (offset, len) = loc.resolve(data, order)
                case .inline(let o, _): offset = o; len = size
                case .none: break
                }
                let end = min(data.count, offset + len)
                if string && !notString[index] && Self.isPrintable(data, offset, end) {
                    var n = offset
                    while n < data.count, data[n] != 0 { n += 1 }
                    if offset < n { out.append(contentsOf: data.extracting(offset..<n)) }
                } else {
                    out.append("ARRAY[")
                    var i = offset
                    while i < end {
                        if i > offset { out.append(", ") }
                        out.appendHex(UInt64(data[i]), minDigits: 2)
                        i += 1
                    }
                    out.append(0x5d)
                    notString.set(index, true)
                }
            case .pointer(let offset, let size):
                out.append0xHex(Self.read(data, offset, size, order))
            case .signed(let offset, let size, let long):
                let v = Self.read(data, offset, size, order)
                switch size {
                case 4:
                    if long {
                        out.append0xHex(UInt64(UInt32(truncatingIfNeeded: v)))
                    } else {
                        out.appendDecimal(Int64(Int32(truncatingIfNeeded: v)))
                    }
                case 2:
                    let s = Int64(Int16(truncatingIfNeeded: v))
                    if s >= 0 && s < 10 { out.append(0x20) }
                    out.appendDecimal(s)
                case 1:
                    out.appendDecimal(Int64(Int8(truncatingIfNeeded: v)))
                default:
                    out.appendDecimal(Int64(bitPattern: v))
                }
            case .unsigned(let offset, let size, let long):
                let v = Self.read(data, offset, size, order)
                if long { out.append0xHex(v) } else { out.appendDecimal(v) }
            }
        }
    }

    @inline(__always)
    private static func read(_ data: RawSpan, _ offset: Int, _ size: Int, _ order: ByteOrder) -> UInt64 {
        data.loadUnsigned(at: offset, size: size, order: order) ?? 0
    }

    private static func isPrintable(_ data: RawSpan, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let c = data[i]
            if c == 0 { break }
            let printable = c >= 0x20 && c < 0x7f
            let space = c == 0x20 || (c >= 0x09 && c <= 0x0d)
            if !printable && !space { return false }
            i += 1
        }
        return true
    }
}

/// What libtraceevent derives from a field's declaration (its `TEP_FIELD_IS_*` flags).
struct PrintFormatFieldTraits {
    var isArray: Bool
    var isDynamic: Bool
    var isRelative: Bool
    var isString: Bool
    var isLong: Bool
    var isPointer: Bool
    /// libtraceevent's `elementsize`.
    var elementSize: Int

    init(_ f: FormatField, longSize: Int) {
        let type = f.type
        isDynamic = f.storage != .inline || type.hasPrefix("__data_loc") || type.hasPrefix("__rel_loc")
        isRelative = f.storage == .relLoc || type.hasPrefix("__rel_loc")
        isArray = f.arrayLength != nil || type.contains("[")
        isString = isArray && (type.contains("char") || type.contains("u8") || type.contains("s8"))
        isLong = type.contains("long")
        isPointer = type.contains("*")
        if isArray {
            if let n = f.arrayLength, n > 0 {
                elementSize = f.size / n
            } else if isDynamic {
                // The size of the last word of the element type, for the kernel's fixed types.
                var base = Substring(type)
                if let b = base.firstIndex(of: "[") { base = base[..<b] }
                let word = base.split(separator: " ").last.map(String.init) ?? ""
                switch word {
                case "u8", "s8", "char": elementSize = 1
                case "u16", "s16": elementSize = 2
                case "u32", "s32": elementSize = 4
                case "u64", "s64": elementSize = 8
                default: elementSize = 0
                }
            } else if isString {
                elementSize = 1
            } else if isLong {
                elementSize = longSize
            } else {
                elementSize = 0
            }
        } else {
            elementSize = f.size
        }
    }
}
