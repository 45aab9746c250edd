/// Where a `__data_loc`/`__rel_loc` (or any field used as one) finds its data.
struct PrintFormatDynamicLocation: Sendable {
    var offset: Int
    var size: Int
    var relative: Bool

    /// libtraceevent's `dynamic_offset_field`: the data's offset and length, both 0 when the
    /// descriptor lies outside the record; an offset or length past the end reads as 0.
    @inline(__always)
    func resolve(_ data: RawSpan, _ order: ByteOrder) -> (offset: Int, length: Int) {
        let total = data.count
        guard offset + size <= total else { return (0, 0) }
        let v = PrintFormatRead.number(data, offset, size, order)
        let o = Int(v & 0xffff)
        let l = size == 2 ? total - o : Int((v >> 16) & 0xffff)
        var off = o > total ? 0 : o
        let len = o + l > total ? 0 : l
        if relative { off += offset + size }
        return (off, len)
    }
}

enum PrintFormatRead {
    /// `tep_read_number`: 1, 2, 4 or 8 bytes in the file's order, anything else reads 0.
    @inline(__always)
    static func number(_ data: RawSpan, _ offset: Int, _ size: Int, _ order: ByteOrder) -> UInt64 {
        data.loadUnsigned(at: offset, size: size, order: order) ?? 0
    }
}

/// Operators of compiled numeric expressions.
enum PrintFormatBinaryOp: Sendable {
    case add, sub, mul, div, mod, shl, shr, and, or, logicalAnd, logicalOr
    case lt, gt, le, ge, eq, ne
    /// An operator libtraceevent parses but does not evaluate (`^`, `:`...): yields 0.
    case zero
}

/// A compiled numeric argument expression, evaluated per record on 64-bit unsigned values
/// the way libtraceevent's `eval_num_arg` does.
indirect enum PrintFormatExpression: Sendable {
    case constant(UInt64)
    /// A scalar field: `size` bytes at `offset` (0 when outside the record or not 1/2/4/8).
    case field(offset: Int, size: Int)
    /// `REC->array[index]` on a fixed array: element `index` of `elementSize` bytes.
    case fieldElement(offset: Int, elementSize: Int, index: PrintFormatExpression, castMask: UInt64)
    /// `__get_dynamic_array(f)[index]`: note libtraceevent adds the index in bytes.
    case dynamicElement(PrintFormatDynamicLocation, elementSize: Int, index: PrintFormatExpression, castMask: UInt64)
    /// A cast that truncates (`(u8)`, `(unsigned int)`...).
    case mask(UInt64, PrintFormatExpression)
    case negate(PrintFormatExpression)
    case plus(PrintFormatExpression)
    case not(PrintFormatExpression)
    case complement(PrintFormatExpression)
    case binary(PrintFormatBinaryOp, PrintFormatExpression, PrintFormatExpression)
    case conditional(PrintFormatExpression, PrintFormatExpression, PrintFormatExpression)
    case dynamicLength(PrintFormatDynamicLocation)
    /// `__get_dynamic_array(f)` used as a number: libtraceevent yields a host address there;
    /// we yield the data offset in the record.
    case dynamicOffset(PrintFormatDynamicLocation)

    func evaluate(_ data: RawSpan, _ order: ByteOrder) -> UInt64 {
        switch self {
        case .constant(let v):
            return v
        case .field(let offset, let size):
            guard offset + size <= data.count else { return 0 }
            return PrintFormatRead.number(data, offset, size, order)
        case .fieldElement(let offset, let elementSize, let index, let mask):
            let i = index.evaluate(data, order)
            let off = Int(UInt32(truncatingIfNeeded: UInt64(offset) &+ i &* UInt64(elementSize)))
            guard off + elementSize <= data.count else { return 0 }
            return PrintFormatRead.number(data, off, elementSize, order) & mask
        case .dynamicElement(let loc, let elementSize, let index, let mask):
            let i = index.evaluate(data, order)
            let base = loc.resolve(data, order).offset
            let off = Int(UInt32(truncatingIfNeeded: UInt64(base) &+ i))
            guard off + elementSize <= data.count else { return 0 }
            return PrintFormatRead.number(data, off, elementSize, order) & mask
        case .mask(let m, let e):
            return e.evaluate(data, order) & m
        case .negate(let e):
            return 0 &- e.evaluate(data, order)
        case .plus(let e):
            return e.evaluate(data, order)
        case .not(let e):
            return e.evaluate(data, order) == 0 ? 1 : 0
        case .complement(let e):
            return ~e.evaluate(data, order)
        case .binary(let op, let l, let r):
            let a = l.evaluate(data, order)
            let b = r.evaluate(data, order)
            switch op {
            case .add: return a &+ b
            case .sub: return a &- b
            case .mul: return a &* b
            case .div: return b == 0 ? 0 : a / b
            case .mod: return b == 0 ? 0 : a % b
            case .shl: return a << (b & 63)
            case .shr: return a >> (b & 63)
            case .and: return a & b
            case .or: return a | b
            case .logicalAnd: return (a != 0 && b != 0) ? 1 : 0
            case .logicalOr: return (a != 0 || b != 0) ? 1 : 0
            case .lt: return a < b ? 1 : 0
            case .gt: return a > b ? 1 : 0
            case .le: return a <= b ? 1 : 0
            case .ge: return a >= b ? 1 : 0
            case .eq: return a == b ? 1 : 0
            case .ne: return a != b ? 1 : 0
            case .zero: return 0
            }
        case .conditional(let c, let t, let f):
            return c.evaluate(data, order) != 0 ? t.evaluate(data, order) : f.evaluate(data, order)
        case .dynamicLength(let loc):
            return UInt64(loc.resolve(data, order).length)
        case .dynamicOffset(let loc):
            return UInt64(loc.resolve(data, order).offset)
        }
    }
}

/// Where `__print_hex`/`__print_array`/`%p` extensions read a buffer from.
enum PrintFormatBufferSource: Sendable {
    case dynamic(PrintFormatDynamicLocation)
    case inline(offset: Int, size: Int)
    /// Unusable argument: nothing is printed.
    case none

    @inline(__always)
    func start(_ data: RawSpan, _ order: ByteOrder) -> Int? {
        switch self {
        case .dynamic(let loc): return loc.resolve(data, order).offset
        case .inline(let offset, _): return offset
        case .none: return nil
        }
    }
}

/// A compiled `%s` argument (libtraceevent's `print_str_arg`).
indirect enum PrintFormatStringArgument: Sendable {
    /// A literal, printed through the conversion.
    case literal([UInt8])
    /// A field's bytes as a C string (`size` 0: up to the end of the record).
    case fieldBytes(offset: Int, size: Int)
    /// A pointer-sized scalar: the printk string at that address, or its bare hex.
    case fieldPointer(offset: Int, size: Int)
    case flags(PrintFormatExpression, delimiter: [UInt8]?, entries: [(value: Int64, text: [UInt8])])
    case symbolic(PrintFormatExpression, entries: [(value: Int64, text: [UInt8])])
    case hex(PrintFormatBufferSource, length: PrintFormatExpression, spaced: Bool)
    case intArray(PrintFormatBufferSource, count: PrintFormatExpression, elementSize: PrintFormatExpression)
    /// `__get_str`: the NUL-terminated text of a dynamic string (nothing if empty).
    case dynamicString(PrintFormatDynamicLocation)
    case bitmask(PrintFormatDynamicLocation)
    case cpumask(PrintFormatDynamicLocation)
    case conditional(PrintFormatExpression, PrintFormatStringArgument, PrintFormatStringArgument)
    /// A decoded `ftrace:bprint` argument (slot offset in the argument table): a string, or
    /// a number printed as its signed decimal text.
    case bprintValue(slot: Int)
    /// Prints nothing (unknown field, cast, dynamic array...).
    case nothing
}

/// A compiled `%p...` argument (libtraceevent's `print_arg_pointer`).
enum PrintFormatPointerArgument: Sendable {
    /// Plain `%p`: `(nil)` or `0x...`.
    case address(PrintFormatExpression)
    /// `%pS %pF` (with `+0xoffset`) and `%ps %pf` (name only).
    case symbol(PrintFormatExpression, withOffset: Bool)
    /// Fixed text decided at compile time (`INVALIDMAC`, `ARG TYPE NOT FIELD BUT 11`...).
    case text([UInt8])
    case mac(offset: Int, separator: UInt8?, reverse: Bool)
    case ipv4(offset: Int, leadingZeros: Bool, reverse: Bool)
    case ipv6(offset: Int, compressed: Bool, colons: Bool)
    case sockaddr(PrintFormatBufferSource, leadingZeros: Bool, reverse: Bool, port: Bool, compressed: Bool, colons: Bool)
    case uuid(offset: Int, guid: Bool, upper: Bool)
    case hexBuffer(PrintFormatDynamicLocation, delimiter: UInt8?)
    /// A decoded `ftrace:bprint` argument: a string prints as is, a number as `number` says.
    indirect case bprintValue(slot: Int, number: PrintFormatPointerArgument)
    case nothing
}
