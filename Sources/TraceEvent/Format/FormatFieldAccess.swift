/// Reading a field's value out of a record's event data.
///
/// `payload` is the event's data as the ring buffer stores it, starting at `common_type`
/// (the field offsets of a format are relative to it). Every accessor checks bounds and returns
/// `nil` (or an empty result) when the data does not hold the field; none allocates except
/// ``FormatField/stringValue(in:order:)``.
extension FormatField {
    /// libtraceevent's classification of a field (its `TEP_FIELD_IS_*` flags), derived from
    /// the declaration. Compute it once per field, not per record.
    @_spi(Engine) public struct Flags: OptionSet, Sendable, Hashable {
        @_spi(Engine) public let rawValue: UInt16
        @_spi(Engine) public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// `signed:1`.
        @_spi(Engine) public static let signed = Flags(rawValue: 1 << 0)
        /// The declaration has brackets (`char comm[16]`, `char buf[]`, `__data_loc char[] s`),
        /// or it is an old 2-byte `__data_loc` string.
        @_spi(Engine) public static let array = Flags(rawValue: 1 << 1)
        /// An array whose type mentions `char`, `u8` or `s8`, or an old 2-byte `__data_loc`.
        @_spi(Engine) public static let string = Flags(rawValue: 1 << 2)
        /// `__data_loc` or `__rel_loc`.
        @_spi(Engine) public static let dynamic = Flags(rawValue: 1 << 3)
        /// `__rel_loc`.
        @_spi(Engine) public static let relative = Flags(rawValue: 1 << 4)
        /// The type mentions `long` (including `long long`).
        @_spi(Engine) public static let long = Flags(rawValue: 1 << 5)
        /// The type has a `*`.
        @_spi(Engine) public static let pointer = Flags(rawValue: 1 << 6)
    }

    /// The field's libtraceevent flags.
    @_spi(Engine) public var flags: Flags {
        var f: Flags = []
        if isSigned { f.insert(.signed) }
        if arrayLength != nil { f.insert(.array) }
        if storage != .inline { f.insert(.dynamic) }
        if storage == .relLoc { f.insert(.relative) }
        if f.contains(.array), type.contains("char") || type.contains("u8") || type.contains("s8") {
            f.insert(.string)
        }
        if storage != .inline, size == 2 { f.formUnion([.string, .array]) }
        if type.contains("long") { f.insert(.long) }
        if type.contains("*") { f.insert(.pointer) }
        return f
    }

    /// The type as libtraceevent spells it: `char[16]`, `__data_loc char[]`, `unsigned long`.
    @_spi(Engine) public var declaredType: String {
        var s = ""
        switch storage {
        case .inline: break
        case .dataLoc: s = "__data_loc "
        case .relLoc: s = "__rel_loc "
        }
        s += type
        if let n = arrayLength {
            s += storage == .inline && n > 0 ? "[\(n)]" : "[]"
        }
        return s
    }

    /// The element size libtraceevent uses for indexing (`REC->field[i]` in print formats):
    /// `size / arrayLength` for fixed arrays; for dynamic arrays the size of a `u8`…`s64`
    /// or `char` element type (0 for other types); 1 for flexible strings; `longSize` for
    /// other flexible `long` arrays; `size` for scalars.
    @_spi(Engine) public func elementSize(longSize: Int) -> Int {
        let f = flags
        guard f.contains(.array) || f.contains(.dynamic) else { return size }
        if let n = arrayLength, n > 0 { return size / n }
        if f.contains(.dynamic) {
            guard arrayLength != nil else { return 0 }
            let last = type.split(separator: " ").last.map(String.init) ?? type
            switch last {
            case "u8", "s8", "char": return 1
            case "u16", "s16": return 2
            case "u32", "s32": return 4
            case "u64", "s64": return 8
            default: return 0
            }
        }
        if f.contains(.string) { return 1 }
        if f.contains(.long) { return longSize }
        return 0
    }

    // MARK: Scalars

    /// The field's `size` bytes at its offset as an unsigned number (size 1, 2, 4 or 8).
    @inlinable @inline(__always)
    @_spi(Engine) public func unsignedValue(in payload: RawSpan, order: ByteOrder) -> UInt64? {
        payload.loadUnsigned(at: offset, size: size, order: order)
    }

    /// The field's value sign-extended from its `size` bytes (size 1, 2, 4 or 8).
    @inlinable @inline(__always)
    @_spi(Engine) public func signedValue(in payload: RawSpan, order: ByteOrder) -> Int64? {
        payload.loadSigned(at: offset, size: size, order: order)
    }

    /// The field's value as a 64-bit pattern: sign-extended when the field is signed,
    /// zero-extended otherwise.
    @inlinable @inline(__always)
    @_spi(Engine) public func value(in payload: RawSpan, order: ByteOrder) -> UInt64? {
        if isSigned {
            return payload.loadSigned(at: offset, size: size, order: order).map { UInt64(bitPattern: $0) }
        }
        return payload.loadUnsigned(at: offset, size: size, order: order)
    }

    // MARK: Dynamic data

    /// The decoded `__data_loc`/`__rel_loc` word: the data's offset from the start of the
    /// payload (a `__rel_loc` offset already made absolute) and its length, without checking
    /// them against the payload. `nil` for an inline field or when the word is not readable.
    /// An old 2-byte `__data_loc` has no length: it runs to the end of the payload.
    @inlinable @inline(__always)
    @_spi(Engine) public func dynamicLocation(in payload: RawSpan, order: ByteOrder)
        -> (offset: Int, length: Int)?
    {
        guard storage != .inline, size == 4 || size == 2,
              let word = payload.loadUnsigned(at: offset, size: size, order: order)
        else { return nil }
        var o = Int(word & 0xffff)
        let l = size == 2 ? payload.count - o : Int((word >> 16) & 0xffff)
        if storage == .relLoc { o += offset + size }
        return (o, l)
    }

    /// The range of the payload holding a dynamic field's data; `nil` for an inline field,
    /// an unreadable word, or data that does not lie inside the payload.
    @inlinable @inline(__always)
    @_spi(Engine) public func dynamicRange(in payload: RawSpan, order: ByteOrder) -> Range<Int>? {
        guard let (o, l) = dynamicLocation(in: payload, order: order),
              l >= 0, o <= payload.count, l <= payload.count - o
        else { return nil }
        return o..<(o + l)
    }

    /// The range of the payload holding the field's bytes: `offset..<offset+size` for inline
    /// fields, the rest of the payload for a zero-size flexible array (`char buf[]`), the
    /// resolved range for `__data_loc`/`__rel_loc`. `nil` when not inside the payload.
    @inlinable @inline(__always)
    @_spi(Engine) public func dataRange(in payload: RawSpan, order: ByteOrder) -> Range<Int>? {
        if storage != .inline { return dynamicRange(in: payload, order: order) }
        guard offset >= 0, offset <= payload.count else { return nil }
        if size == 0 { return offset..<payload.count }
        guard size > 0, size <= payload.count - offset else { return nil }
        return offset..<(offset + size)
    }

    // MARK: Strings

    /// The range of the payload holding the field's bytes up to (not including) the first
    /// NUL, or all of them when there is none: the text of a `char[N]` array, a `char buf[]`
    /// tail or a `__data_loc char[]` string.
    @inlinable
    @_spi(Engine) public func stringRange(in payload: RawSpan, order: ByteOrder) -> Range<Int>? {
        guard let r = dataRange(in: payload, order: order) else { return nil }
        return r.lowerBound..<payload.firstIndex(of: 0, in: r)
    }

    /// The field's text (see ``stringRange(in:order:)``) as a `String`, invalid UTF-8 replaced.
    @_spi(Engine) public func stringValue(in payload: RawSpan, order: ByteOrder) -> String? {
        guard let r = stringRange(in: payload, order: order) else { return nil }
        return payload.string(r)
    }

    // MARK: Array elements

    /// The element size used by the element accessors when none is given: `size / arrayLength`
    /// for a fixed array, `nil` otherwise.
    @inlinable
    @_spi(Engine) public var fixedElementSize: Int? {
        guard storage == .inline, let n = arrayLength, n > 0, size % n == 0 else { return nil }
        return size / n
    }

    /// The number of `elementSize`-byte elements in the field's data (fixed, flexible or
    /// dynamic array). `elementSize` defaults to that of a fixed array.
    @inlinable
    @_spi(Engine) public func elementCount(in payload: RawSpan, order: ByteOrder,
                             elementSize: Int? = nil) -> Int
    {
        guard let es = elementSize ?? fixedElementSize, es > 0,
              let r = dataRange(in: payload, order: order) else { return 0 }
        return r.count / es
    }

    /// Element `index` of an array field as an unsigned number. `elementSize` (1, 2, 4 or 8)
    /// defaults to that of a fixed array and must be given for dynamic and flexible arrays.
    @inlinable
    @_spi(Engine) public func unsignedElement(_ index: Int, in payload: RawSpan, order: ByteOrder,
                                elementSize: Int? = nil) -> UInt64?
    {
        guard index >= 0, let es = elementSize ?? fixedElementSize, es > 0,
              let r = dataRange(in: payload, order: order),
              index < r.count / es
        else { return nil }
        return payload.loadUnsigned(at: r.lowerBound + index * es, size: es, order: order)
    }

    /// Element `index` of an array field, sign-extended. See ``unsignedElement(_:in:order:elementSize:)``.
    @inlinable
    @_spi(Engine) public func signedElement(_ index: Int, in payload: RawSpan, order: ByteOrder,
                              elementSize: Int? = nil) -> Int64?
    {
        guard index >= 0, let es = elementSize ?? fixedElementSize, es > 0,
              let r = dataRange(in: payload, order: order),
              index < r.count / es
        else { return nil }
        return payload.loadSigned(at: r.lowerBound + index * es, size: es, order: order)
    }
}
