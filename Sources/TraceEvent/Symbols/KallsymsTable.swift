/// The kernel's symbol table, parsed from the text of `/proc/kallsyms` (the KALLSYMS section of
/// a trace file), for turning addresses into function names.
///
/// Lines look like `ffffffff81000000 T _stext` or, for a module, `ffffffffc0a01000 t fn\t[mod]`.
/// Parsing follows libtraceevent's `tep_parse_kallsyms`: symbols whose name starts with `$`
/// and absolute symbols (type `A`/`a`) are skipped, and parsing stops at the first line it
/// cannot read (see ``stoppedAtLine``). Lookups return the same symbol as libtraceevent does,
/// including among symbols that share an address.
///
/// The table is compact: addresses, types, name ranges and module indices in flat arrays; the
/// names stay in the parsed text, which the table keeps (shared with the caller's array, not
/// copied, when it parses an array).
public struct KallsymsTable: SymbolResolver, Sendable {
    /// Symbol start addresses, ascending (ties in the reference's order).
    private var addresses: [UInt64] = []
    /// Symbol `i`'s name is `text[start..<start + length]`, with `start` in the low 32 bits of
    /// `nameRanges[i]` and `length` in the high 32 bits.
    private var nameRanges: [UInt64] = []
    /// The kallsyms text (the names are in it).
    private var text: [UInt8] = []
    private var types: [UInt8] = []
    /// Index into `moduleNames`, -1 for the core kernel.
    private var moduleIndices: [Int32] = []
    private var moduleNames: [String] = []

    /// The 1-based number of the first line that could not be parsed, after which the
    /// reference ignores the rest of the text; `nil` when every line was read.
    public private(set) var stoppedAtLine: Int?

    /// One symbol.
    public struct Symbol: Sendable, Hashable {
        /// Start address.
        public var address: UInt64
        /// Name (`schedule`).
        public var name: String
        /// The kallsyms type letter (`T`, `t`, `W`, `D`, …).
        public var type: Character
        /// The module name, `nil` for the core kernel.
        public var module: String?
    }

    /// An empty table.
    public init() {}

    /// Parses kallsyms text.
    public init(parsing text: String) {
        var t = text
        t.makeContiguousUTF8()
        self = KallsymsTable(parsing: RawSpan(_elements: t.utf8.span))
    }

    /// Parses a kallsyms text given as bytes (as stored in a trace file). A NUL byte ends the
    /// text. The table keeps `bytes` (the names are in it) rather than a copy.
    public init(parsing bytes: [UInt8]) {
        self.init(parsing: RawSpan(_elements: bytes.span), keeping: bytes)
    }

    /// Parses a kallsyms text given as bytes; the table keeps a copy of the text.
    @_spi(Engine) public init(parsing bytes: RawSpan) {
        self.init(parsing: bytes, keeping: nil)
    }

    /// Parses `bytes`, which are `owner`'s bytes when it is not `nil` (the table then keeps
    /// `owner`, else a copy of the text).
    private init(parsing bytes: RawSpan, keeping owner: [UInt8]?) {
        // Pass 1: parse lines in file order.
        var parsed: [Parsed] = []
        var moduleLookup: [[UInt8]: Int32] = [:]
        var modules: [String] = []
        parsed.reserveCapacity(bytes.count / 40)

        // Names are found by 32-bit offsets: a text (far) longer than any kallsyms ends at 4 GiB.
        let end = min(TextLines.textEnd(bytes), Int(UInt32.max))
        var lineNo = 0
        var pos = 0
        var stopped: Int?
        var lastModule: (start: Int, len: Int, index: Int32)?
        while pos < end {
            lineNo += 1
            let eol: Int
            let read: Line?
            if let (address, type, first) = Self.usualStart(bytes, pos, end) {
                // The 19 bytes before the name hold no newline (digits, spaces, a type that
                // is none), so the line is at least that long.
                let ne = Self.firstSpace(bytes, from: pos + 20, to: end)
                if ne == end || bytes[ne] == 0x0a {
                    eol = ne // the usual line ends with its name: no search for its end
                    read = Line(address: address, type: type, nameFirst: first, nameStart: pos + 19, nameEnd: ne,
                                module: nil)
                } else { // a module, or spaces after the name
                    eol = TextLines.index(of: 0x0a, in: bytes, from: ne, to: end)
                    read = Self.parseRest(bytes, address: address, type: type, nameStart: pos + 19, first: first, eol)
                }
            } else {
                eol = TextLines.index(of: 0x0a, in: bytes, from: pos, to: end)
                if eol == pos { // strtok skips empty lines
                    pos = eol + 1
                    continue
                }
                read = Self.parseLine(bytes, pos, eol)
            }
            pos = eol + 1
            guard let line = read else {
                stopped = lineNo
                break
            }
            if line.nameFirst == 0x24 /* $ */ || line.type == 0x41 /* A */ || line.type == 0x61 /* a */ {
                continue
            }
            var mod: Int32 = -1
            if let m = line.module {
                if let lm = lastModule, lm.len == m.count,
                   bytesEqual(bytes, lm.start, m.lowerBound, m.count) {
                    mod = lm.index
                } else {
                    let key = bytes.array(m)
                    if let i = moduleLookup[key] {
                        mod = i
                    } else {
                        mod = Int32(modules.count)
                        modules.append(String(decoding: key, as: UTF8.self))
                        moduleLookup[key] = mod
                    }
                }
                lastModule = (m.lowerBound, m.count, mod)
            }
            parsed.append(Parsed(address: line.address,
                                 nameRange: UInt64(line.nameEnd - line.nameStart) << 32 | UInt64(line.nameStart),
                                 module: mod, type: line.type))
        }
        stoppedAtLine = stopped
        moduleNames = modules

        // Pass 2: the reference's order.
        let ps = parsed.span
        let order = GlibcSearch.referenceOrder(count: ps.count) { ps[$0].address }
        addresses = order.map { ps[Int($0)].address }
        types = order.map { ps[Int($0)].type }
        moduleIndices = order.map { ps[Int($0)].module }
        nameRanges = order.map { ps[Int($0)].nameRange }
        text = owner ?? bytes.array(0..<end)
    }

    /// Number of symbols.
    public var count: Int { addresses.count }

    /// The start address of symbol `index` (symbols are in ascending address order).
    public func address(atIndex index: Int) -> UInt64? {
        index >= 0 && index < addresses.count ? addresses[index] : nil
    }

    /// The bytes of symbol `index`'s name in `text` (`index` must be valid).
    @inline(__always)
    private func nameRange(_ index: Int) -> Range<Int> {
        let r = nameRanges[index]
        let s = Int(r & 0xffff_ffff)
        return s..<(s + Int(r >> 32))
    }

    /// Calls `body` with the bytes of symbol `index`'s name, without allocating.
    @_spi(Engine) public func withName<R>(atIndex index: Int, _ body: (RawSpan) throws -> R) rethrows -> R? {
        guard index >= 0, index < addresses.count else { return nil }
        return try body(RawSpan(_elements: text.span).extracting(nameRange(index)))
    }

    /// Symbol `index`.
    public func symbol(atIndex index: Int) -> Symbol? {
        guard index >= 0, index < addresses.count else { return nil }
        let m = moduleIndices[index]
        return Symbol(address: addresses[index],
                      name: String(decoding: text[nameRange(index)], as: UTF8.self),
                      type: Character(Unicode.Scalar(types[index])),
                      module: m >= 0 && Int(m) < moduleNames.count ? moduleNames[Int(m)] : nil)
    }

    /// The index of the symbol containing `address`, as libtraceevent finds it: a symbol
    /// starting exactly at `address`, or the last symbol starting below it when the next one
    /// starts above it. Addresses past the last symbol's start match nothing.
    @inlinable
    public func index(containing address: UInt64) -> Int? {
        _index(containing: address)
    }

    @usableFromInline
    func _index(containing key: UInt64) -> Int? {
        let a = addresses.span
        let n = a.count
        return GlibcSearch.bsearch(count: n) { i in
            let s = a[i]
            let next = i + 1 < n ? a[i + 1] : 0 // the reference's end sentinel
            if key == s || (key > s && key < next) { return 0 }
            return key < s ? -1 : 1
        }
    }

    /// The distance from symbol `index` to the next symbol's start; `nil` for the last one.
    public func size(atIndex index: Int) -> UInt64? {
        guard index >= 0, index + 1 < addresses.count else { return nil }
        return addresses[index + 1] &- addresses[index]
    }

    // MARK: SymbolResolver

    public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        // Only the name is built (no `Symbol` with its type and module): this runs per record.
        guard let i = _index(containing: address), i < addresses.count else { return nil }
        return (String(decoding: text[nameRange(i)], as: UTF8.self), addresses[i], size(atIndex: i))
    }

    public func symbol(at address: UInt64) -> String? {
        guard let i = _index(containing: address), addresses[i] == address else { return nil }
        return symbol(atIndex: i)?.name
    }

    // MARK: Parsing

    /// One parsed line, kept in file order until the table is sorted.
    private struct Parsed {
        var address: UInt64
        var nameRange: UInt64 // as in `nameRanges`
        var module: Int32
        var type: UInt8
    }

    private struct Line {
        var address: UInt64
        var type: UInt8
        /// The name's first byte (names are never empty).
        var nameFirst: UInt8
        var nameStart: Int
        var nameEnd: Int
        var module: Range<Int>?
    }

    /// The address, type and name's first byte of the usual line at `start` (before `end`),
    /// `ffffffff81000000 T name` (16 hex digits, one space, a type, one space, a name), read
    /// with a few word-sized loads; `nil` for any other line, which ``parseLine(_:_:_:)``
    /// then reads. Where it answers, it answers as that does.
    @inline(__always)
    private static func usualStart(_ b: RawSpan, _ start: Int, _ end: Int) -> (UInt64, UInt8, UInt8)? {
        guard end - start >= 20,
              let w0 = b.loadUnsigned(at: start, size: 8, order: .little),
              let w1 = b.loadUnsigned(at: start + 8, size: 8, order: .little),
              let w2 = b.loadUnsigned(at: start + 16, size: 4, order: .little),
              let high = hexValue(ofEightDigits: w0), let low = hexValue(ofEightDigits: w1) else { return nil }
        // Sixteen digits fill %16llx; then " T n": one space, the type, one space, the name.
        let type = UInt8(truncatingIfNeeded: w2 >> 8)
        let first = UInt8(truncatingIfNeeded: w2 >> 24)
        guard w2 & 0x00ff_00ff == 0x0020_0020, !isSpace(type), !isSpace(first) else { return nil }
        return (high << 32 | low, type, first)
    }

    /// Reads one line as `sscanf(line, "%16llx %c %n%*s%n%*1[\t][%n%*s%n")` does.
    private static func parseLine(_ b: RawSpan, _ start: Int, _ end: Int) -> Line? {
        var p = start
        while p < end, isSpace(b[p]) { p += 1 }
        // %16llx: up to 16 characters, an optional 0x prefix included.
        let limit = min(end, p + 16)
        if p + 1 < limit, b[p] == 0x30, b[p + 1] | 0x20 == 0x78 { p += 2 }
        var addr: UInt64 = 0
        var digits = 0
        while p < limit, let d = hexDigitValue(b[p]) {
            addr = addr << 4 | UInt64(d)
            digits += 1
            p += 1
        }
        guard digits > 0 else { return nil }
        while p < end, isSpace(b[p]) { p += 1 }
        guard p < end else { return nil }
        let type = b[p]
        p += 1
        while p < end, isSpace(b[p]) { p += 1 }
        guard p < end else { return nil }
        return parseRest(b, address: addr, type: type, nameStart: p, first: b[p], end)
    }

    /// The rest of a line from its name (at `nameStart`, not a space, before `end`): the name
    /// and the optional `\t[module]`.
    @inline(__always)
    private static func parseRest(_ b: RawSpan, address: UInt64, type: UInt8, nameStart ns: Int, first: UInt8,
                                  _ end: Int) -> Line {
        let ne = firstSpace(b, from: ns + 1, to: end)
        var module: Range<Int>?
        if ne + 1 < end, b[ne] == 0x09, b[ne + 1] == 0x5b /* [ */ {
            let ms = ne + 2
            var ts = ms
            while ts < end, isSpace(b[ts]) { ts += 1 }
            let q = ts < end ? firstSpace(b, from: ts + 1, to: end) : ts
            if q > ts { module = ms..<(q - 1) } // the reference drops the last byte (`]`)
        }
        return Line(address: address, type: type, nameFirst: first, nameStart: ns, nameEnd: ne, module: module)
    }

    /// The index of the first space (``isSpace(_:)``) in `from..<to`, or `to`: eight bytes at a
    /// time. It may read past `to` (inside `b`), not past the end of `b`.
    @inline(__always)
    private static func firstSpace(_ b: RawSpan, from: Int, to: Int) -> Int {
        var p = from
        while p < to, let w = b.loadUnsigned(at: p, size: 8, order: .little) {
            // Flags bytes below 0x21; the lowest flag is exact (a borrow only runs upwards).
            let below = (w &- 0x2121_2121_2121_2121) & ~w & 0x8080_8080_8080_8080
            if below == 0 {
                p += 8
                continue
            }
            let i = below.trailingZeroBitCount >> 3
            if p + i >= to { return to }
            if isSpace(UInt8(truncatingIfNeeded: w >> UInt64(i << 3))) { return p + i }
            p += i + 1
        }
        while p < to, !isSpace(b[p]) { p += 1 }
        return min(p, to)
    }

    /// The value of eight hex digits (`0-9a-fA-F`), the first in the lowest byte of `w`, or
    /// `nil` when a byte is not one.
    @inline(__always)
    static func hexValue(ofEightDigits w: UInt64) -> UInt64? {
        let top: UInt64 = 0x8080_8080_8080_8080
        guard w & top == 0 else { return nil }
        // Per ASCII byte x, bit 7 of x + (0x80 - lo) says x >= lo, of x + (0x7f - hi) x > hi.
        let digit = (w &+ 0x5050_5050_5050_5050) & ~(w &+ 0x4646_4646_4646_4646) & top // 0-9
        let l = w | 0x2020_2020_2020_2020
        let letter = (l &+ 0x1f1f_1f1f_1f1f_1f1f) & ~(l &+ 0x1919_1919_1919_1919) & top // a-f, A-F
        guard digit | letter == top else { return nil }
        var n = (w & 0x0f0f_0f0f_0f0f_0f0f) &+ (letter >> 7) &* 9 // one digit value per byte
        n = (n << 4 | n >> 8) & 0x00ff_00ff_00ff_00ff
        n = (n << 8 | n >> 16) & 0x0000_ffff_0000_ffff
        return (n << 16 | n >> 32) & 0xffff_ffff
    }
}

@inline(__always) func isSpace(_ c: UInt8) -> Bool {
    c == 0x20 || (c >= 0x09 && c <= 0x0d)
}

/// Whether the `n` bytes at `x` equal those at `y`.
@inline(__always) private func bytesEqual(_ b: RawSpan, _ x: Int, _ y: Int, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if b.loadUnsigned(at: x + i, size: 8, order: .little) != b.loadUnsigned(at: y + i, size: 8, order: .little) {
            return false
        }
        i += 8
    }
    while i < n {
        if b[x + i] != b[y + i] { return false }
        i += 1
    }
    return true
}
