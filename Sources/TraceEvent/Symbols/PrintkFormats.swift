/// The kernel's `trace_printk()` format strings by address, parsed from the text of tracefs
/// `printk_formats` (the printk section of a trace file).
///
/// Lines look like `0xffffffff82a3c1b0 : "format text\n"`. As in libtraceevent
/// (`tep_parse_printk_formats`), each format is kept exactly as the file escapes it
/// (`\t`, `\"`, `\\` stay two characters; the print-format parser unescapes them), minus the
/// surrounding quotes and minus a final `\n` just before the closing quote. A `bprint` event
/// is printed with the format found at its `fmt` address, and a `%s` argument holding such
/// an address prints the stored text as is.
public struct PrintkFormats: Sendable {
    /// Addresses, ascending (ties in the reference's order).
    private var addresses: [UInt64] = []
    private var formats: [String] = []

    /// An empty table.
    public init() {}

    /// Parses `printk_formats` text.
    public init(parsing text: String) {
        var t = text
        t.makeContiguousUTF8()
        self = PrintkFormats(parsing: RawSpan(_elements: t.utf8.span))
    }

    /// Parses `printk_formats` text given as bytes. A NUL byte ends the text.
    /// Parses a printk formats text given as bytes (as stored in a trace file).
    public init(parsing bytes: [UInt8]) {
        self = Self(parsing: RawSpan(_elements: bytes.span))
    }

    @_spi(Engine) public init(parsing bytes: RawSpan) {
        var fileAddr: [UInt64] = []
        var fileFormat: [String] = []
        let end = TextLines.textEnd(bytes)
        var pos = 0
        while pos < end {
            let eol = TextLines.index(of: 0x0a, in: bytes, from: pos, to: end)
            defer { pos = eol + 1 }
            if eol == pos { continue }
            // strtok_r(line, ":"): leading ':' are skipped; a line of only ':' ends parsing.
            var p = pos
            while p < eol, bytes[p] == 0x3a { p += 1 }
            if p == eol { break }
            var colon = p
            while colon < eol, bytes[colon] != 0x3a { colon += 1 }
            let address = Self.strtoull16(bytes, p, colon)
            // The format starts one byte after the ':' (skipping the space).
            var s = min(colon + 2, eol)
            var e = eol
            if s < e, bytes[s] == 0x22 { s += 1 }
            if s < e, bytes[e - 1] == 0x22 {
                e -= 1
                if e - s >= 2, bytes[e - 2] == 0x5c, bytes[e - 1] == 0x6e { e -= 2 }
            }
            fileAddr.append(address)
            fileFormat.append(bytes.string(s..<e))
        }
        let fa = fileAddr.span
        let order = GlibcSearch.referenceOrder(count: fa.count) { fa[$0] }
        addresses = order.map { fileAddr[Int($0)] }
        formats = order.map { fileFormat[Int($0)] }
    }

    /// Number of formats.
    public var count: Int { addresses.count }

    /// The format stored for `address` (the one libtraceevent finds when several share it).
    public func format(at address: UInt64) -> String? {
        let a = addresses.span
        return GlibcSearch.bsearch(count: a.count) { i in
            address < a[i] ? -1 : (address > a[i] ? 1 : 0)
        }.map { formats[$0] }
    }

    /// All entries in ascending address order (the order of libtraceevent's `tep_print_printk`).
    public var entries: [(address: UInt64, format: String)] {
        zip(addresses, formats).map { ($0, $1) }
    }

    /// C's `strtoull(s, NULL, 16)` over `b[start..<end]`.
    private static func strtoull16(_ b: RawSpan, _ start: Int, _ end: Int) -> UInt64 {
        var p = start
        while p < end, isSpace(b[p]) { p += 1 }
        var negative = false
        if p < end, b[p] == 0x2b || b[p] == 0x2d { negative = b[p] == 0x2d; p += 1 }
        if p + 2 <= end, b[p] == 0x30, b[p + 1] | 0x20 == 0x78, p + 2 < end, hexDigitValue(b[p + 2]) != nil {
            p += 2
        }
        var v: UInt64 = 0
        var overflow = false
        while p < end, let d = hexDigitValue(b[p]) {
            if v >> 60 != 0 { overflow = true }
            v = v << 4 | UInt64(d)
            p += 1
        }
        if overflow { return .max }
        return negative ? 0 &- v : v
    }
}
