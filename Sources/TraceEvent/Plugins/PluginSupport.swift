/// A field a plugin reads, resolved once per event format (plugin-private helper).
struct PluginField {
    let name: String
    /// `nil` when the format has no such field.
    let offset: Int?
    let size: Int

    /// Looks `name` up among the event's own fields (libtraceevent's `tep_find_field`).
    init(_ name: String, in format: EventFormat) {
        self.init(name, field: format.fields.first(where: { $0.name == name }))
    }

    /// Looks `name` up among the common fields first, then the event's own
    /// (`tep_find_any_field`).
    init(any name: String, in format: EventFormat) {
        self.init(name, field: format.commonFields.first(where: { $0.name == name })
                  ?? format.fields.first(where: { $0.name == name }))
    }

    /// Looks `name` up among the common fields only (`tep_find_common_field`).
    init(common name: String, in format: EventFormat) {
        self.init(name, field: format.commonFields.first(where: { $0.name == name }))
    }

    private init(_ name: String, field: FormatField?) {
        self.name = name
        self.offset = field?.offset
        self.size = field?.size ?? 0
    }

    var exists: Bool { offset != nil }

    /// Reads the field as libtraceevent's `tep_read_number_field` does: an unsigned
    /// number of 1, 2, 4 or 8 bytes (zero-extended). `nil` when the field is missing, has
    /// another size, or lies outside the record.
    @inline(__always)
    func read(_ p: RawSpan, _ order: ByteOrder) -> UInt64? {
        guard let offset else { return nil }
        return p.loadUnsigned(at: offset, size: size, order: order)
    }

    /// `tep_get_field_val`: the value, or `nil` after writing the reference's error text
    /// when `err` is set (`<CANT FIND FIELD name>` or ` name=INVALID`).
    @inline(__always)
    func value(_ p: RawSpan, _ order: ByteOrder, err: Bool,
               _ out: inout TextBuffer) -> UInt64? {
        if let v = read(p, order) { return v }
        if err {
            if offset == nil {
                out.append("<CANT FIND FIELD ")
                out.append(name)
                out.append(">")
            } else {
                out.append(" ")
                out.append(name)
                out.append("=INVALID")
            }
        }
        return nil
    }

    /// The error text of `tep_print_num_field`/`tep_print_func_field` with `err` set.
    func appendCantFind(_ out: inout TextBuffer) {
        out.append("CAN'T FIND FIELD \"")
        out.append(name)
        out.append("\"")
    }
}

/// Number formatting of the plugins (printf conversions used by the reference).
enum PluginText {
    private static let hexDigits: StaticString = "0123456789abcdef"

    /// `%llx` with at least `minDigits` digits, zero-padded (`%08llx`).
    static func hex(_ v: UInt64, minDigits: Int = 1, _ out: inout TextBuffer) {
        var digits = 1
        var t = v >> 4
        while t != 0 { digits += 1; t >>= 4 }
        if minDigits > digits { out.append(repeating: 0x30, count: minDigits - digits) }
        var shift = (digits - 1) * 4
        hexDigits.withUTF8Span { h in
            while shift >= 0 {
                out.append(h[Int((v >> UInt64(shift)) & 0xf)])
                shift -= 4
            }
        }
    }

    /// `%llu` with at least `minDigits` digits, zero-padded (`%03llu`).
    static func unsigned(_ v: UInt64, minDigits: Int = 1, _ out: inout TextBuffer) {
        if minDigits > 1 {
            var digits = 1
            var t = v / 10
            while t != 0 { digits += 1; t /= 10 }
            if minDigits > digits { out.append(repeating: 0x30, count: minDigits - digits) }
        }
        out.appendDecimal(v)
    }

    /// `%lld` of a value read as unsigned (libtraceevent reads fields zero-extended).
    static func signed64(_ v: UInt64, _ out: inout TextBuffer) {
        out.appendDecimal(Int64(bitPattern: v))
    }

    /// `%d` of `(int)value`.
    static func int32(_ v: UInt64, _ out: inout TextBuffer) {
        out.appendDecimal(Int64(Int32(truncatingIfNeeded: v)))
    }

    /// `%.*s` of a `char[size]` field: its bytes up to the first NUL. Returns their range.
    @discardableResult
    static func fixedString(_ p: RawSpan, offset: Int, size: Int,
                            _ out: inout TextBuffer) -> Range<Int> {
        let bytes = fixedStringBytes(p, offset: offset, size: size)
        out.append(contentsOf: p.extracting(bytes))
        return bytes
    }

    /// The range of a `char[size]` field's bytes up to its first NUL (clipped to the record).
    static func fixedStringBytes(_ p: RawSpan, offset: Int, size: Int) -> Range<Int> {
        let start = max(0, min(offset, p.count))
        let end = max(start, min(offset + max(size, 0), p.count))
        return start..<p.firstIndex(of: 0, in: start..<end)
    }

    /// `name/0x%llx` of `tep_print_func_field` (the offset is `start - value`, as the
    /// reference computes it, so it wraps for addresses inside a function), or
    /// `0x%08llx` when no symbol covers the value; cut to 127 bytes like its buffer.
    static func funcField(_ v: UInt64, symbols: (any SymbolResolver)?, _ out: inout TextBuffer) {
        if let sym = symbols?.symbol(containing: v) {
            let mark = out.count
            out.append(sym.name)
            out.append("/0x")
            hex(sym.start &- v, &out)
            if out.count - mark > 127 { out.removeLast(out.count - mark - 127) }
        } else {
            out.append("0x")
            hex(v, minDigits: 8, &out)
        }
    }
}
