/// The kernel's symbol table, parsed from the text of `/proc/kallsyms` (the KALLSYMS section of
/// a trace file), for turning addresses into function names.
///
/// Lines look like `ffffffff81000000 T _stext` or, for a module, `ffffffffc0a01000 t fn\t[mod]`.
/// Parsing follows libtraceevent's `tep_parse_kallsyms`: symbols whose name starts with `$`
/// and absolute symbols (type `A`/`a`) are skipped, and parsing stops at the first line it
/// cannot read (see ``stoppedAtLine``). Lookups return the same symbol as libtraceevent does,
/// including among symbols that share an address.
///
/// The table is compact: addresses, types and module indices in flat arrays and all names in
/// one byte buffer.
public struct KallsymsTable: SymbolResolver, Sendable {
    /// Symbol start addresses, ascending (ties in the reference's order).
    private var addresses: [UInt64] = []
    /// `names[nameOffsets[i]..<nameOffsets[i+1]]` is symbol `i`'s name.
    private var nameOffsets: [UInt32] = [0]
    private var names: [UInt8] = []
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
        self = KallsymsTable(parsing: t.utf8.span.bytes)
    }

    /// Parses kallsyms text given as bytes. A NUL byte ends the text.
    /// Parses a kallsyms text given as bytes (as stored in a trace file).
    public init(parsing bytes: [UInt8]) {
        self = Self(parsing: bytes.span.bytes)
    }

    @_spi(Engine) public init(parsing bytes: RawSpan) {
        // Pass 1: parse lines in file order into temporary arrays.
        var fileAddr: [UInt64] = []
        var nameStart: [Int32] = []
        var nameLen: [Int32] = []
        var fileType: [UInt8] = []
        var fileModule: [Int32] = []
        var moduleLookup: [[UInt8]: Int32] = [:]
        var modules: [String] = []
        let estimate = bytes.count / 40
        fileAddr.reserveCapacity(estimate)
        nameStart.reserveCapacity(estimate)
        nameLen.reserveCapacity(estimate)
        fileType.reserveCapacity(estimate)
        fileModule.reserveCapacity(estimate)

        let end = TextLines.textEnd(bytes)
        var lineNo = 0
        var pos = 0
        var stopped: Int?
        var lastModule: (start: Int, len: Int, index: Int32)?
        while pos < end {
            let eol = TextLines.index(of: 0x0a, in: bytes, from: pos, to: end)
            lineNo += 1
            defer { pos = eol + 1 }
            if eol == pos { continue } // strtok skips empty lines
            guard let line = Self.parseLine(bytes, pos, eol) else {
                stopped = lineNo
                break
            }
            let first = bytes[line.nameStart]
            if first == 0x24 /* $ */ || line.type == 0x41 /* A */ || line.type == 0x61 /* a */ {
                continue
            }
            var mod: Int32 = -1
            if let m = line.module {
                if let lm = lastModule, lm.len == m.count,
                   memcmpEqual(bytes, lm.start, m.lowerBound, m.count) {
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
            fileAddr.append(line.address)
            nameStart.append(Int32(truncatingIfNeeded: line.nameStart))
            nameLen.append(Int32(truncatingIfNeeded: line.nameEnd - line.nameStart))
            fileType.append(line.type)
            fileModule.append(mod)
        }
        stoppedAtLine = stopped
        moduleNames = modules

        // Pass 2: reference order, then copy names into one buffer in that order.
        let fa = fileAddr.span
        let order = GlibcSearch.referenceOrder(count: fa.count) { fa[$0] }
        let n = order.count
        var totalNames = 0
        for l in nameLen { totalNames += Int(l) }
        addresses.reserveCapacity(n)
        types.reserveCapacity(n)
        moduleIndices.reserveCapacity(n)
        nameOffsets.reserveCapacity(n + 1)
        names.reserveCapacity(totalNames)
        for i in order {
            let j = Int(i)
            addresses.append(fileAddr[j])
            types.append(fileType[j])
            moduleIndices.append(fileModule[j])
            let s = Int(nameStart[j])
            bytes.append(s..<(s + Int(nameLen[j])), to: &names) // one copy, not byte by byte
            nameOffsets.append(UInt32(truncatingIfNeeded: names.count))
        }
    }

    /// Number of symbols.
    public var count: Int { addresses.count }

    /// The start address of symbol `index` (symbols are in ascending address order).
    public func address(atIndex index: Int) -> UInt64? {
        index >= 0 && index < addresses.count ? addresses[index] : nil
    }

    /// Calls `body` with the bytes of symbol `index`'s name, without allocating.
    @_spi(Engine) public func withName<R>(atIndex index: Int, _ body: (RawSpan) throws -> R) rethrows -> R? {
        guard index >= 0, index < addresses.count else { return nil }
        let s = Int(nameOffsets[index]), e = Int(nameOffsets[index + 1])
        return try body(names.span.bytes.extracting(s..<e))
    }

    /// Symbol `index`.
    public func symbol(atIndex index: Int) -> Symbol? {
        guard index >= 0, index < addresses.count else { return nil }
        let s = Int(nameOffsets[index]), e = Int(nameOffsets[index + 1])
        let m = moduleIndices[index]
        return Symbol(address: addresses[index],
                      name: String(decoding: names[s..<e], as: UTF8.self),
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
        guard let i = _index(containing: address), i < addresses.count, i + 1 < nameOffsets.count else { return nil }
        let s = Int(nameOffsets[i]), e = Int(nameOffsets[i + 1])
        return (String(decoding: names[s..<e], as: UTF8.self), addresses[i], size(atIndex: i))
    }

    public func symbol(at address: UInt64) -> String? {
        guard let i = _index(containing: address), addresses[i] == address else { return nil }
        return symbol(atIndex: i)?.name
    }

    // MARK: Parsing

    private struct Line {
        var address: UInt64
        var type: UInt8
        var nameStart: Int
        var nameEnd: Int
        var module: Range<Int>?
    }

    /// Reads one line as `sscanf(line, "%16llx %c %n%*s%n%*1[\t][%n%*s%n")` does.
    @inline(__always)
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
        let ns = p
        while p < end, !isSpace(b[p]) { p += 1 }
        guard p > ns else { return nil }
        let ne = p
        var module: Range<Int>?
        if p + 1 < end, b[p] == 0x09, b[p + 1] == 0x5b /* [ */ {
            let ms = p + 2
            var q = ms
            while q < end, isSpace(b[q]) { q += 1 }
            let ts = q
            while q < end, !isSpace(b[q]) { q += 1 }
            if q > ts { module = ms..<(q - 1) } // the reference drops the last byte (`]`)
        }
        return Line(address: addr, type: type, nameStart: ns, nameEnd: ne, module: module)
    }
}

@inline(__always) func isSpace(_ c: UInt8) -> Bool {
    c == 0x20 || (c >= 0x09 && c <= 0x0d)
}

@inline(__always) private func memcmpEqual(_ b: RawSpan, _ x: Int, _ y: Int, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        if b[x + i] != b[y + i] { return false }
        i += 1
    }
    return true
}
