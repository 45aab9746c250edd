@_spi(Engine) import TraceEvent

/// What `trace-cmd dump` prints: one bit per kind of item (`--summary`, `--head-page`, ...).
@_spi(Engine) public struct DumpItems: OptionSet, Sendable, Hashable {
    @_spi(Engine) public let rawValue: UInt32
    @_spi(Engine) public init(rawValue: UInt32) { self.rawValue = rawValue }

    @_spi(Engine) public static let summary = DumpItems(rawValue: 1 << 0)
    @_spi(Engine) public static let headPage = DumpItems(rawValue: 1 << 1)
    @_spi(Engine) public static let headEvent = DumpItems(rawValue: 1 << 2)
    @_spi(Engine) public static let ftraceEvents = DumpItems(rawValue: 1 << 3)
    @_spi(Engine) public static let systems = DumpItems(rawValue: 1 << 4)
    @_spi(Engine) public static let events = DumpItems(rawValue: 1 << 5)
    @_spi(Engine) public static let kallsyms = DumpItems(rawValue: 1 << 6)
    @_spi(Engine) public static let printk = DumpItems(rawValue: 1 << 7)
    @_spi(Engine) public static let cmdLines = DumpItems(rawValue: 1 << 8)
    @_spi(Engine) public static let options = DumpItems(rawValue: 1 << 9)
    @_spi(Engine) public static let flyrecord = DumpItems(rawValue: 1 << 10)
    @_spi(Engine) public static let clock = DumpItems(rawValue: 1 << 11)
    @_spi(Engine) public static let sections = DumpItems(rawValue: 1 << 12)
    @_spi(Engine) public static let strings = DumpItems(rawValue: 1 << 13)
    /// `--all`: every item.
    @_spi(Engine) public static let all = DumpItems(rawValue: 0xFFFF_FFFF)
}

/// Why a dump stopped: the file ended or held something `trace-cmd dump` refuses, with its
/// message (e.g. "cannot read the rest of the header"). What was printed before stays printed.
@_spi(Engine) public struct DumpFailure: Error, Sendable, CustomStringConvertible {
    /// The reference's message for this stop.
    @_spi(Engine) public var message: String
    /// File offset where the dump stopped.
    @_spi(Engine) public var offset: Int
    @_spi(Engine) public var description: String { "\(message) (at offset \(offset))" }
}

/// Walks a trace file's headers as `trace-cmd dump` 3.1.6 does: one pass in file order,
/// printing the items asked for, stopping where the reference stops (a short read, a bad
/// magic, a wrong header string) with its message. The file is read as stored: no value is
/// corrected or clamped, and a section the reference reads compressed is decompressed the same
/// way. Output goes to `emit` in pieces (bounded: about 64 KiB at a time), as the bytes the
/// reference prints (names and texts as stored, whatever their encoding).
@_spi(Engine) public struct TraceFileDumpWalker {
    /// The whole file, as its owner (the ``MappedFile``) keeps it.
    let bytes: RawBytes
    let displayPath: String
    let items: DumpItems
    let emit: ([UInt8]) -> Void
    /// Stop once nothing more could be printed (the text is the same; a later part of the
    /// file that would stop the reference is then not read).
    var stopWhenSilent = false

    var out: [UInt8] = []
    /// The file position (may lie past the end after a seek, as `lseek` allows).
    var pos = 0
    /// The decompressed block being read, when reading a compressed section.
    var block: [UInt8]?
    var blockPos = 0
    var order: ByteOrder = .little
    var version = 0
    var decompressor: Decompressor?
    var compressionName = "none"
    var cpus: UInt32 = 0
    var hasClock = false
    var metaStrings: [UInt8] = []
    /// Metadata sections named by options, most recent first: (id, offset, items).
    var sections: [(id: UInt16, offset: UInt64, items: DumpItems)] = []

    /// Dumps `file` (a whole trace file), printing `items`; `displayPath` is the name the
    /// header line shows. Throws where `trace-cmd dump` would die, after emitting what it printed.
    /// - Parameter stopWhenSilent: stop reading once nothing more would be printed (the same
    ///   text, faster; whether the reference would have stopped later is then not known).
    @_spi(Engine) public static func dump(_ file: MappedFile, displayPath: String, items: DumpItems,
                                          stopWhenSilent: Bool = false,
                                          emit: @escaping ([UInt8]) -> Void) throws(DumpFailure) {
        try withExtendedLifetime(file) { () throws(DumpFailure) in
            try dump(file.view, displayPath: displayPath, items: items, stopWhenSilent: stopWhenSilent, emit: emit)
        }
    }

    /// Dumps `bytes` (a whole trace file): what the `MappedFile` variant does, over a view of
    /// bytes its owner keeps alive meanwhile.
    package static func dump(_ bytes: RawBytes, displayPath: String, items: DumpItems,
                             stopWhenSilent: Bool = false,
                             emit: @escaping ([UInt8]) -> Void) throws(DumpFailure) {
        var w = TraceFileDumpWalker(bytes: bytes, displayPath: displayPath, items: items, emit: emit)
        w.stopWhenSilent = stopWhenSilent
        defer { w.flush() }
        try w.run()
    }

    // MARK: Output

    mutating func print(_ what: DumpItems, _ text: String) {
        guard !items.isDisjoint(with: what) else { return }
        out += text.utf8
        if out.count >= 1 << 16 { flush() }
    }

    /// Prints bytes as stored (a name, a clock, a format text).
    mutating func print<C: Collection<UInt8>>(_ what: DumpItems, bytes: C) {
        guard !items.isDisjoint(with: what) else { return }
        out += bytes
        if out.count >= 1 << 16 { flush() }
    }

    /// Prints bytes of the file as stored.
    mutating func print(_ what: DumpItems, _ bytes: RawBytes) {
        guard !items.isDisjoint(with: what) else { return }
        bytes.append(to: &out)
        if out.count >= 1 << 16 { flush() }
    }

    /// Prints `before`, the stored bytes `name`, then `after`.
    mutating func print(_ what: DumpItems, _ before: String, _ name: [UInt8], _ after: String) {
        print(what, before)
        print(what, bytes: name)
        print(what, after)
    }

    static func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    mutating func flush() {
        if !out.isEmpty { emit(out); out.removeAll(keepingCapacity: true) }
    }

    func fail(_ message: String) -> DumpFailure { DumpFailure(message: message, offset: pos) }

    // MARK: Reading

    /// Reads `n` bytes (from the decompressed block when one is being read); `nil` when they
    /// are not all there (a short read consumes what there was, as `read` does).
    mutating func read(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0 else { return nil }
        if let b = block {
            guard blockPos <= b.count, n <= b.count - blockPos else { blockPos = b.count; return nil }
            defer { blockPos += n }
            return b[blockPos..<(blockPos + n)]
        }
        return readFile(n).map { ArraySlice($0.array) }
    }

    /// Reads `n` (≥ 0) bytes of the file, not of a decompressed block, as ``read(_:)`` does,
    /// as a view of the file (no copy).
    private mutating func readFile(_ n: Int) -> RawBytes? {
        guard pos < bytes.count else { return n == 0 ? RawBytes() : nil }
        let available = bytes.count - pos
        guard n <= available else { pos = bytes.count; return nil }
        defer { pos += n }
        return bytes.clampedSlice(pos..<(pos + n))
    }

    /// A number of `size` bytes in the file's byte order.
    mutating func number(_ size: Int) -> UInt64? {
        if block == nil, size >= 0 {
            return readFile(size).flatMap { $0.loadUnsigned(at: 0, size: size, order: order) }
        }
        guard let b = read(size) else { return nil }
        return Self.integer(b, order: order)
    }

    /// One byte, as ``read(_:)`` of 1 byte.
    mutating func byte() -> UInt8? {
        if block == nil { return readFile(1)?.byte(at: 0) }
        return read(1)?.first
    }

    /// A NUL-terminated string of at most 1024 bytes (`read_file_string`).
    mutating func string() -> [UInt8]? {
        var s: [UInt8] = []
        while s.count < 1024 {
            guard let c = byte() else { return nil }
            if c == 0 { return s }
            s.append(c)
        }
        return nil
    }

    /// `read_dump_string`: `size` bytes in chunks of at most 1023, each printed up to its
    /// first NUL, then a newline.
    mutating func dumpString(_ size: Int32, _ what: DumpItems) throws(DumpFailure) {
        var size = Int(size)
        let printing = !items.isDisjoint(with: what)
        if !printing, size > 1023 {
            // Not printed: skip the whole chunks that are there but the last (no copy), then
            // read on chunk by chunk as below (where it stops, if it does, and its message).
            let available = block.map { $0.count - blockPos } ?? max(0, bytes.count - pos)
            let whole = min((size - 1) / 1023, available / 1023) * 1023
            if whole > 0 {
                skip(whole)
                size -= whole
            }
        }
        while size > 0 {
            let n = size < 1024 ? size : 1023
            if block == nil {
                // From the file: print straight from its bytes.
                guard let chunk = readFile(n) else { throw fail("cannot read \(n) bytes") }
                if printing {
                    let end = chunk.withSpan { $0.firstIndex(of: 0, in: 0..<$0.byteCount) }
                    print(what, chunk.clampedSlice(0..<end))
                }
                size -= n
                continue
            }
            guard let chunk = read(n) else { throw fail("cannot read \(n) bytes") }
            if printing {
                let end = chunk.firstIndex(of: 0) ?? chunk.endIndex
                print(what, bytes: chunk[chunk.startIndex..<end])
            }
            size -= n
        }
        print(what, "\n")
    }

    mutating func seek(_ to: Int) { pos = to }

    /// `lseek(fd, n, SEEK_CUR)` on what is being read.
    mutating func skip(_ n: Int) {
        if let b = block { blockPos = max(0, min(b.count, blockPos + n)) } else { pos = max(0, pos &+ n) }
    }

    /// Starts reading a compressed block at the file position (`tracecmd_uncompress_block`).
    mutating func uncompressBlock() -> Bool {
        guard let d = decompressor, let csize = number(4), let rsize = number(4),
              rsize <= UInt64(FileLayoutReader.maxBlock),
              rsize <= max(csize, 64) * UInt64(FileLayoutReader.maxExpansion),
              let src = read(Int(csize)) else { return false }
        var data = [UInt8](repeating: 0, count: Int(rsize))
        let n = d.decompress(src, into: &data)
        guard n == Int(rsize) else { return false }
        block = data
        blockPos = 0
        return true
    }

    mutating func uncompressReset() { block = nil; blockPos = 0 }

    /// The number the 1, 2, 4 or 8 bytes `b` hold in `order` (`nil` for another count).
    static func integer(_ b: ArraySlice<UInt8>, order: ByteOrder) -> UInt64? {
        guard b.count == 1 || b.count == 2 || b.count == 4 || b.count == 8 else { return nil }
        var v: UInt64 = 0
        if order == .little {
            for x in b.reversed() { v = v << 8 | UInt64(x) }
        } else {
            for x in b { v = v << 8 | UInt64(x) }
        }
        return v
    }

    static func i32(_ v: UInt64) -> Int32 { Int32(truncatingIfNeeded: v) }
    static func i64(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }
    static func hex(_ v: UInt64) -> String { String(v, radix: 16, uppercase: true) }

    // MARK: The walk

    mutating func run() throws(DumpFailure) {
        print(.summary, "\n Tracing meta data in file \(displayPath):\n")
        try initialFormat()
        try compression()
        if version < 7 {
            try headerPage()
            try headerEvent()
            try ftraceFormats()
            try eventFormats()
            try kallsyms()
            try printkFormats()
            try cmdlines()
            guard let n = number(4) else { throw fail("cannot read the cpu count") }
            cpus = UInt32(truncatingIfNeeded: n)
            print(.summary, "\t\(Self.i32(n)) [CPUs with tracing data]\n")
            try theRest()
        } else {
            guard let first = number(8) else { throw fail("cannot read offset of the first option section") }
            try metaStringsWalk()
            let count = try countSections()
            seek(Int(clamping: first))
            try options()
            try dumpSections(count)
        }
    }

    mutating func initialFormat() throws(DumpFailure) {
        print(.summary, "\t[Initial format]\n")
        guard let magic = read(3) else { throw fail("cannot read 3 bytes magic") }
        guard magic.elementsEqual([0x17, 0x08, 0x44]) else { throw fail("wrong file magic") }
        guard let tracing = read(7) else { throw fail("cannot read 7 bytes tracing string") }
        guard tracing.elementsEqual("tracing".utf8) else {
            throw fail("wrong tracing string: \(String(decoding: tracing, as: UTF8.self))")
        }
        guard let v = string() else { throw fail("no version string") }
        print(.summary, "\t\t", v, "\t[Version]\n")
        let parsed = CInteger.atoll(Self.text(v))
        guard parsed >= 0, parsed <= 7 else { throw fail("Unsupported file version \(parsed)") }
        version = Int(parsed)
        guard let endian = read(1)?.first else { throw fail("cannot read file endianness") }
        print(.summary, "\t\t\(Int8(bitPattern: endian))\t[\(endian != 0 ? "Big" : "Little") endian]\n")
        order = endian != 0 ? .big : .little
        guard let long = read(1)?.first else { throw fail("cannot read file bytes per long") }
        print(.summary, "\t\t\(Int8(bitPattern: long))\t[Bytes in a long]\n")
        guard let page = number(4) else { throw fail("cannot read file page size") }
        print(.summary, "\t\t\(Self.i32(page))\t[Page size, bytes]\n")
    }

    mutating func compression() throws(DumpFailure) {
        guard version >= 7 else { return }
        guard let name = string() else { throw fail("no compression header") }
        guard let v = string() else { throw fail("no compression version") }
        print(.summary, "\t\t", name, "\t[Compression algorithm]\n")
        print(.summary, "\t\t", v, "\t[Compression version]\n")
        compressionName = Self.text(name)
        if name != Array("none".utf8) {
            guard let d = Decompressor(name: compressionName) else { throw fail("cannot uncompress the file") }
            decompressor = d
        }
    }

    mutating func header(_ tag: String, _ title: String, _ what: DumpItems) throws(DumpFailure) {
        print(.summary.union(what), "\t[\(title), ")
        guard let s = read(tag.utf8.count + 1) else { throw fail("cannot read \(tag.utf8.count) bytes header string") }
        guard s.prefix(tag.utf8.count).elementsEqual(tag.utf8) else {
            let end = s.firstIndex(of: 0) ?? s.endIndex
            throw fail("wrong header string: \(String(decoding: s[s.startIndex..<end], as: UTF8.self))")
        }
        guard let size = number(8) else { throw fail("cannot read the size of the page header information") }
        print(.summary.union(what), "\(Self.i64(size)) bytes]\n")
        try dumpString(Self.i32(size), what)
    }

    mutating func headerPage() throws(DumpFailure) { try header("header_page", "Header page", .headPage) }
    mutating func headerEvent() throws(DumpFailure) { try header("header_event", "Header event", .headEvent) }

    mutating func ftraceFormats() throws(DumpFailure) {
        print([.summary, .ftraceEvents], "\t[Ftrace format, ")
        guard let n = number(4) else { throw fail("cannot read the count of the ftrace events") }
        print([.summary, .ftraceEvents], "\(Self.i32(n)) events]\n")
        var count = UInt32(truncatingIfNeeded: n)
        while count > 0 {
            guard let size = number(8) else { throw fail("cannot read the size of the \(count) ftrace event") }
            try dumpString(Self.i32(size), .ftraceEvents)
            count -= 1
        }
    }

    mutating func eventFormats() throws(DumpFailure) {
        print([.summary, .events, .systems], "\t[Events format, ")
        guard let n = number(4) else { throw fail("cannot read the count of the event systems") }
        print([.summary, .events, .systems], "\(Self.i32(n)) systems]\n")
        var systems = UInt32(truncatingIfNeeded: n)
        while systems > 0 {
            guard let name = string() else { throw fail("cannot read the name of the \(systems)th system") }
            guard let e = number(4) else { throw fail("cannot read the count of the events in system \(Self.text(name))") }
            print(.systems, "\t\t", name, " \(Self.i32(e)) [system, events]\n")
            var events = UInt32(truncatingIfNeeded: e)
            while events > 0 {
                guard let size = number(8) else {
                    throw fail("cannot read the format size of the \(events)th event from system \(Self.text(name))")
                }
                try dumpString(Self.i32(size), .events)
                events -= 1
            }
            systems -= 1
        }
    }

    mutating func sized(_ title: String, _ what: DumpItems, sizeBytes: Int, _ error: String) throws(DumpFailure) {
        print(.summary.union(what), "\t[\(title), ")
        guard let size = number(sizeBytes) else { throw fail(error) }
        print(.summary.union(what), "\(Self.i32(size)) bytes]\n")
        try dumpString(Self.i32(size), what)
    }

    mutating func kallsyms() throws(DumpFailure) {
        try sized("Kallsyms", .kallsyms, sizeBytes: 4, "cannot read the size of the kallsyms")
    }

    mutating func printkFormats() throws(DumpFailure) {
        try sized("Trace printk", .printk, sizeBytes: 4, "cannot read the size of the trace printk")
    }

    mutating func cmdlines() throws(DumpFailure) {
        try sized("Saved command lines", .cmdLines, sizeBytes: 8, "cannot read the size of the saved command lines")
    }

    /// v6: the OPTIONS / LATENCY / FLYRECORD parts, until something else follows.
    mutating func theRest() throws(DumpFailure) {
        while true {
            guard let tag = read(10) else { throw fail("cannot read the rest of the header") }
            if tag.elementsEqual("options  \0".utf8) {
                try options()
            } else if tag.elementsEqual("latency  \0".utf8) {
                print(.summary, "\t[Latency tracing data]\n")
            } else if tag.elementsEqual("flyrecord\0".utf8) {
                try flyrecord()
            } else {
                skip(-10)
                return
            }
        }
    }

    mutating func flyrecord() throws(DumpFailure) {
        print([.summary, .flyrecord], "\t[Flyrecord tracing data]\n")
        var i: UInt32 = 0
        while i < cpus {
            guard let off = number(8) else { throw fail("cannot read the cpu \(i) offset") }
            guard let size = number(8) else { throw fail("cannot read the cpu \(i) size") }
            print(.flyrecord, "\t \(Self.padded(Self.i64(off))) \(Self.padded(Self.i64(size)))\t[offset, size of cpu \(i)]\n")
            i += 1
        }
        print([.summary, .clock], "\t[Tracing clock]\n")
        guard hasClock else {
            print([.summary, .clock], "\t\t No tracing clock saved in the file\n")
            return
        }
        guard let size = number(8) else { throw fail("cannot read clock size") }
        let n = Self.i64(size)
        guard n >= 0, let text = read(Int(n)) else { throw fail("cannot read clock \(n) bytes") }
        let end = text.firstIndex(of: 0) ?? text.endIndex
        print([.summary, .clock], "\t\t", Array(text[text.startIndex..<end]), "\n")
    }

    static func leftPadded(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    static func rightPadded(_ s: String, _ width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - s.count))
    }

    /// `%10.lld`: width 10, precision 0 (a zero prints no digit).
    static func padded(_ v: Int64) -> String {
        let s = v == 0 ? "" : String(v)
        return String(repeating: " ", count: max(0, 10 - s.count)) + s
    }

    // MARK: v7 sections

    /// `get_meta_strings`: the STRINGS sections, for the section names.
    mutating func metaStringsWalk() throws(DumpFailure) {
        let start = pos
        while true {
            guard let id = number(2) else { break }
            guard let fl = number(2) else { throw fail("cannot read section flags") }
            guard number(4) != nil else { throw fail("cannot read section description") }
            guard let size = number(8) else { throw fail("cannot read section size") }
            if id == UInt64(TraceOption.ID.strings.rawValue) {
                var strings: [UInt8]
                if fl & 1 != 0 {
                    guard uncompressBlock(), let b = block else { break }
                    strings = b
                    uncompressReset()
                } else {
                    guard let s = read(Int(clamping: size)) else { break }
                    strings = Array(s)
                }
                print(.strings, "\t[String @ offset]\n")
                var at = 0
                while at < strings.count {
                    let end = strings[at...].firstIndex(of: 0) ?? strings.count
                    print(.strings, "\t\t\"", Array(strings[at..<end]), "\" @ \(metaStrings.count + at)\n")
                    at = end + 1
                }
                metaStrings += strings
            } else {
                pos = Int(clamping: UInt64(pos).addingReportingOverflow(size).overflow ? UInt64(Int.max) : UInt64(pos) + size)
            }
        }
        seek(start)
    }

    func metaString(_ id: UInt64) -> [UInt8]? {
        let offset = Int64(Self.i32(id))
        guard offset >= 0, offset < metaStrings.count else { return nil }
        let s = metaStrings[Int(offset)...]
        let end = s.firstIndex(of: 0) ?? s.endIndex
        return Array(s[s.startIndex..<end])
    }

    /// `walk_v7_sections`: how many sections follow the header.
    mutating func countSections() throws(DumpFailure) -> Int {
        let start = pos
        var count = 0
        while true {
            guard let id = number(2) else { break }
            let at = pos - 2
            guard let fl = number(2) else { throw fail("cannot read section flags") }
            guard let desc = number(4) else { throw fail("cannot read section description") }
            let name = metaString(desc) ?? Array("Unknown".utf8)
            guard var size = number(8) else { throw fail("cannot read section size") }
            // trace-cmd 3.1.6 knows ids up to BUFFER_TEXT (22).
            if id > UInt64(TraceOption.ID.bufferText.rawValue) { print(.sections, "Unknown section id \(id): ", name, "") }
            count += 1
            print(.sections, "\t[Section \(Self.leftPadded(String(id), 2)) @ \(Self.rightPadded(String(at), 16))\t\"", name,
                  "\", flags 0x\(Self.hex(fl)), ")
            if fl & 1 != 0 {
                if id == UInt64(TraceOption.ID.buffer.rawValue) || id == UInt64(TraceOption.ID.bufferText.rawValue) {
                    print(.sections, "\(Self.i64(size)) compressed bytes]\n")
                } else {
                    guard let csize = number(4), let rsize = number(4) else { throw fail("cannot read section size") }
                    print(.sections, "\(Self.i32(csize)) compressed, \(Self.i32(rsize)) uncompressed]\n")
                    size &-= 8
                }
            } else {
                print(.sections, "\(Self.i64(size)) bytes]\n")
            }
            let (next, overflow) = UInt64(pos).addingReportingOverflow(size)
            guard !overflow, next <= UInt64(Int.max) else { break }
            pos = Int(next)
        }
        seek(start)
        return count
    }

    /// `dump_section_header`: prints it for `what`; returns its flags.
    mutating func sectionHeader(_ what: DumpItems) throws(DumpFailure) -> UInt16 {
        let at = pos
        guard let id = number(2) else { throw fail("cannot read the section id") }
        guard let fl = number(2) else { throw fail("cannot read the section flags") }
        guard let desc = number(4) else { throw fail("no section description") }
        guard let size = number(8) else { throw fail("cannot read section size") }
        let name = metaString(desc) ?? Array("Unknown".utf8)
        print(what, "\t[Section \(id) @ \(at): \"", name, "\", flags 0x\(Self.hex(fl)), \(Self.i64(size)) bytes]\n")
        return UInt16(truncatingIfNeeded: fl)
    }

    mutating func dumpSections(_ count: Int) throws(DumpFailure) {
        // (Each section once: options naming the same section again would print it again.)
        var seen: Set<UInt64> = []
        for (k, s) in sections.enumerated() where seen.insert(s.offset).inserted {
            if stopWhenSilent {
                let later = sections[k...].reduce(DumpItems([.summary, .sections])) { $0.union($1.items) }
                if items.isDisjoint(with: later) { return }
            }
            seek(Int(clamping: s.offset))
            let flags = try sectionHeader(s.items)
            if flags & 1 != 0, !uncompressBlock() { throw fail("cannot uncompress section block") }
            switch TraceOption.ID(rawValue: s.id) {
            case .headerInfo?: try headerPage(); try headerEvent()
            case .ftraceEvents?: try ftraceFormats()
            case .eventFormats?: try eventFormats()
            case .kallsyms?: try kallsyms()
            case .printk?: try printkFormats()
            case .cmdlines?: try cmdlines()
            default: break
            }
            uncompressReset()
        }
        print([.summary, .sections], "\t[\(count) sections]\n")
    }

    // MARK: Options

    mutating func options() throws(DumpFailure) {
        let count = try optionsRead()
        print([.summary, .options], "\t[\(count) options]\n")
    }

    /// `dump_options_read`, and the option sections that DONE options chain to (a loop, not a
    /// recursion; a chain back to a section already read stops the dump where the reference
    /// would read forever).
    mutating func optionsRead() throws(DumpFailure) -> Int {
        var count = 0
        var visited: Set<Int> = []
        while true {
            visited.insert(pos)
            guard let next = try optionSection(&count) else { return count }
            guard !visited.contains(next) else { throw fail("option sections loop back to offset \(next)") }
            seek(next)
        }
    }

    /// One options section: its options counted into `count`; the next section's offset
    /// (v7 DONE), or `nil` at the end.
    mutating func optionSection(_ count: inout Int) throws(DumpFailure) -> Int? {
        var flags: UInt16 = 0
        if version >= 7 { flags = try sectionHeader(.options) }
        if flags & 1 != 0, !uncompressBlock() { throw fail("cannot uncompress file block") }
        while true {
            let start = block != nil ? blockPos : pos
            guard let rawID = number(2) else { throw fail("cannot read the option id") }
            if rawID == 0 && version < 7 { break }
            guard let rawSize = number(4) else { throw fail("cannot read the option size") }
            let size = Self.i32(rawSize)
            count += 1
            let known: TraceOption.ID? = TraceOption.ID(rawValue: UInt16(rawID)).flatMap {
                // trace-cmd 3.1.6 does not know these ids.
                [.strings, .btfFile, .lastBootInfo, .modulesFile].contains($0) ? nil : $0
            }
            switch known {
            case .date?, .cpuStat?, .uname?, .hook?, .offset?, .version?, .procMaps?:
                print(.options, "\t\t[Option \(known?.dumpName ?? ""), \(size) bytes]\n")
                if size != 0 { try dumpString(size, .options) }
            case .buffer?, .bufferText?:
                try bufferOption(UInt16(rawID), size)
            case .traceClock?:
                print(.options, "\t\t[Option TRACECLOCK, \(size) bytes]\n")
                try dumpString(size, [.options, .clock])
                hasClock = true
            case .cpuCount?:
                print(.options, "\t\t[Option CPUCOUNT, \(size) bytes]\n")
                print(.options, "\(Self.i32(smallNumber(size)))\n")
            case .traceID?:
                print(.options, "\t\t[Option TRACEID, \(size) bytes]\n")
                print(.options, "0x\(Self.hex(smallNumber(size)))\n")
            case .timeShift?:
                timeShift(size)
            case .guest?:
                guest(size)
            case .tsc2nsec?:
                print(.options, "\n\t\t[Option TSC2NSEC, \(size) bytes]\n")
                guard let m = number(4) else { throw fail("cannot read tsc2nsec multiplier") }
                guard let sh = number(4) else { throw fail("cannot read tsc2nsec shift") }
                guard let off = number(8) else { throw fail("cannot read tsc2nsec offset") }
                print(.options, "\(Self.i32(m)) \(Self.i32(sh)) \(off) [multiplier, shift, offset]\n")
            case .headerInfo?: try sectionOption(rawID, size, "HEADERS", [.headPage, .headEvent])
            case .ftraceEvents?: try sectionOption(rawID, size, "FTRACE EVENTS", .ftraceEvents)
            case .eventFormats?: try sectionOption(rawID, size, "EVENT FORMATS", [.systems, .events])
            case .kallsyms?: try sectionOption(rawID, size, "KALLSYMS", .kallsyms)
            case .printk?: try sectionOption(rawID, size, "PRINTK", .printk)
            case .cmdlines?: try sectionOption(rawID, size, "CMDLINES", .cmdLines)
            case .done?:
                uncompressReset()
                return try optionDone(size)
            case .strings?, .btfFile?, .lastBootInfo?, .modulesFile?, nil:
                print(.options, " \(rawID) \(size)\t[Unknown option, size - skipping]\n")
                // (A size that goes back to this option or before it would read it forever.)
                guard Int(size) > -6 else { throw fail("option \(rawID) at offset \(start) has size \(size)") }
                skip(Int(size))
            }
        }
        uncompressReset()
        return nil
    }

    /// `read_file_number` of an option's whole size: sizes 1, 2, 4 and 8 are read (others
    /// up to 8 are consumed and read as 0; larger ones are not read).
    mutating func smallNumber(_ size: Int32) -> UInt64 {
        guard size >= 0, size <= 8 else { return 0 }
        guard let b = read(Int(size)) else { return 0 }
        guard [1, 2, 4, 8].contains(size) else { return 0 }
        return Self.integer(b, order: order) ?? 0
    }

    mutating func sectionOption(_ id: UInt64, _ size: Int32, _ name: String, _ what: DumpItems) throws(DumpFailure) {
        guard let off = number(8) else { throw fail("cannot read the option \(id) offset") }
        sections.insert((UInt16(truncatingIfNeeded: id), off, what), at: 0)
        print(.options, "\t\t[Option \(name), \(size) bytes] @ \(Self.i64(off))\n")
    }

    /// `dump_option_done`: the offset of the next options section, if there is one.
    mutating func optionDone(_ size: Int32) throws(DumpFailure) -> Int? {
        print(.options, "\t\t[Option DONE, \(size) bytes]\n")
        guard version >= 7, size >= 8 else { return nil }
        guard let next = number(8) else { throw fail("cannot read the next options offset") }
        print(.options, "\(Self.i64(next))\n")
        guard next != 0 else { return nil }
        print(.options, "\n\n")
        return Int(clamping: next)
    }

    mutating func bufferOption(_ id: UInt16, _ size: Int32) throws(DumpFailure) {
        guard size >= 8 else { throw fail("broken buffer option with size \(size)") }
        guard let offset = number(8) else { throw fail("cannot read the offset of the buffer option") }
        guard let name = string() else { throw fail("cannot read the name of the buffer option") }
        let both: DumpItems = [.options, .flyrecord]
        if version < 7 {
            print(both, "\t\t[Option BUFFER, \(size) bytes]\n")
            print(both, "\(Self.i64(offset)) [offset]\n")
            print(both, "\"", name, "\" [name]\n")
            return
        }
        let current = pos
        seek(Int(clamping: offset))
        // (Read from the block when the options are compressed, as the reference does.)
        _ = try sectionHeader(.flyrecord)
        seek(current)
        print(both, "\t\t[Option BUFFER, \(size) bytes]\n")
        print(both, "\(Self.i64(offset)) [offset]\n")
        print(both, "\"", name, "\" [name]\n")
        guard let clock = string() else { throw fail("cannot read clock of the buffer option") }
        print(both, "\"", clock, "\" [clock]\n")
        if id == TraceOption.ID.buffer.rawValue {
            guard let page = number(4) else { throw fail("cannot read the page size of the buffer option") }
            print(both, "\(Self.i32(page)) [Page size, bytes]\n")
            guard let n = number(4) else { throw fail("cannot read the cpu count of the buffer option") }
            let cpus = Self.i32(n)
            print(both, "\(cpus) [CPUs]:\n")
            var total: UInt64 = 0
            var i: Int32 = 0
            while i < cpus {
                guard let cpu = number(4) else { throw fail("cannot read the id of cpu \(i) from the buffer option") }
                guard let off = number(8) else { throw fail("cannot read the offset of cpu \(i) from the buffer option") }
                guard let sz = number(8) else { throw fail("cannot read the data size of cpu \(i) from the buffer option") }
                total &+= sz
                print(both, "   \(Self.i32(cpu)) \(Self.i64(off))\t\(Self.i64(sz))\t[id, data offset and size]\n")
                i += 1
            }
            print(.summary, "\t[buffer \"", name, "\", \"")
            print(.summary, bytes: clock)
            print(.summary, "\" clock, \(Self.i32(page)) page size, \(cpus) cpus, \(Self.i64(total)) bytes flyrecord data]\n")
        } else {
            print(.summary, "\t[buffer \"", name, "\", \"")
            print(.summary, bytes: clock)
            print(.summary, "\" clock, latency data]\n")
        }
    }

    /// `dump_option_timeshift`: reads the fields the stored counts call for, as far as the
    /// option's size allows, and no further (an option whose counts do not match its size
    /// leaves bytes that are then read as the next options, as in the reference).
    mutating func timeShift(_ size: Int32) {
        var size = Int64(size)
        guard size >= 12 else {
            print(.options, "Broken time shift option, size \(size)")
            return
        }
        print(.options, "\t\t[Option TimeShift, \(size) bytes]\n")
        let peer = number(8) ?? 0
        size -= 8
        print(.options, "0x\(Self.hex(peer)) [peer's trace id]\n")
        let flags = number(4) ?? 0
        size -= 4
        print(.options, "0x\(Self.hex(flags)) [peer's protocol flags]\n")
        let cpus = Int(number(4) ?? 0)
        size -= 4
        print(.options, "0x\(Self.hex(UInt64(cpus))) [peer's CPU count]\n")
        // (The reference's per-CPU table is allocated first: a count this large fails there.)
        guard cpus < 1 << 26 else { return }
        var counts: [Int] = []
        var times: [[UInt64]] = [], offsets: [[UInt64]] = [], scalings: [[UInt64]] = [], fracs: [[UInt64]] = []
        // (Where the file ends, the reference reads on with stale values; we stop there.)
        func array(_ n: Int, _ size: inout Int64, _ w: inout TraceFileDumpWalker) -> [UInt64]? {
            var a: [UInt64] = []
            for _ in 0..<n {
                if size < 8 { return nil }
                guard let v = w.number(8) else { return nil }
                a.append(v)
                size -= 8
            }
            return a
        }
        var complete = false
        reading: do {
            for j in 0..<cpus {
                if size < 4 { break reading }
                guard let stored = number(4) else { break reading }
                let n = Int(stored)
                size -= 4
                print(.options, "\(n) [samples count for CPU \(j)]\n")
                counts.append(n)
                // (A count this large fails the reference's allocation: nothing more is read.)
                guard n < 1 << 28 else { break reading }
                guard let t = array(n, &size, &self) else { break reading }
                guard let o = array(n, &size, &self) else { break reading }
                guard let sc = array(n, &size, &self) else { break reading }
                times.append(t); offsets.append(o); scalings.append(sc)
                fracs.append([UInt64](repeating: 0, count: n))
            }
            if size > 0 {
                for j in 0..<cpus {
                    for i in 0..<counts[j] {
                        if size < 8 { break reading }
                        guard let v = number(8) else { break reading }
                        fracs[j][i] = v
                        size -= 8
                    }
                }
            }
            complete = true
        }
        guard complete else {
            print(.options, "Broken time shift option\n")
            return
        }
        for j in 0..<cpus {
            for i in 0..<counts[j] {
                print(.options, "\t\(Self.i64(offsets[j][i])) \(Self.i64(scalings[j][i])) \(fracs[j][i]) \(times[j][i])[offset * scaling >> fraction @ time]\n")
            }
        }
    }

    /// `dump_option_guest`: name, trace ID, CPUs and their host PIDs, as far as the option holds them.
    mutating func guest(_ size: Int32) {
        print(.options, "\t\t[Option GUEST, \(size) bytes]\n")
        guard size > 0, let bytes = read(Int(size)) else { return }
        let p = Array(bytes)
        func u(_ at: Int, _ n: Int) -> UInt64? {
            p.withRawSpan { $0.loadUnsigned(at: at, size: n, order: order) }
        }
        let nameEnd = p.firstIndex(of: 0) ?? p.count
        print(.options, "", Array(p[..<nameEnd]), " [Guest name]\n")
        var at = nameEnd + 1
        guard p.count - at >= 8, let tid = u(at, 8) else { return }
        at += 8
        print(.options, "0x\(Self.hex(tid)) [trace id]\n")
        guard p.count - at >= 4, let n = u(at, 4) else { return }
        at += 4
        let cpus = Self.i32(n)
        print(.options, "\(cpus) [Guest CPUs]\n")
        var k: Int32 = 0
        while k < cpus {
            guard p.count - at >= 8, let cpu = u(at, 4), let pid = u(at + 4, 4) else { break }
            at += 8
            print(.options, "  \(Self.i32(cpu)) \(Self.i32(pid)) [guest cpu, host pid]\n")
            k += 1
        }
    }
}
