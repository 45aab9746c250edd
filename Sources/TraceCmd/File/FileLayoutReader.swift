@_spi(Engine) import TraceEvent
/// Reads the layout of a trace file: initial format, headers, formats, options, sections and
/// buffer locations, for versions 6 and 7. Used by ``TraceFile``.
struct FileLayoutReader {
    /// The whole file, as its ``MappedFile`` keeps it.
    let bytes: RawBytes
    let file: String

    var version = 0
    var order: ByteOrder = .little
    var longSize = 8
    var pageSize = 4096
    var compression: Compression?
    var decompressor: Decompressor?
    var options: [TraceOption] = []
    var sections: [SectionInfo] = []
    var buffers: [TraceBuffer] = []
    var cpuCount = 0
    var headerPage = ""
    var headerEvent = ""
    var ftraceFormats: [String] = []
    var eventFormats: [(system: String, formats: [String])] = []
    var optionGroups: [TraceFile.OptionGroup] = []
    var warnings: [TraceFileError] = []
    var sectionsStart: Int?
    var kallsyms: TraceFile.MetadataLocation?
    var printk: TraceFile.MetadataLocation?
    var cmdlines: TraceFile.MetadataLocation?

    /// Upper bound for a decompressed block, relative to its compressed size: zstd's own
    /// limit (a block of at most 128 KiB repeating one byte takes 4 bytes), which a chunk
    /// of empty pages reaches (zlib stays near 1,032).
    static let maxExpansion = 32768
    /// Absolute upper bound for one decompressed block.
    static let maxBlock = 1 << 31

    init(bytes: RawBytes, file: String) {
        self.bytes = bytes
        self.file = file
    }

    func cursor(_ context: String, at position: Int = 0) -> ByteCursor {
        ByteCursor(bytes: bytes, position: position, order: order, file: file, context: context)
    }

    mutating func readAll() throws(TraceFileError) {
        var c = cursor("initial format")
        let magic = try c.readBytes(10)
        let expected: [UInt8] = [0x17, 0x08, 0x44] + Array("tracing".utf8)
        guard magic.elementsEqual(expected) else {
            throw TraceFileError(file: file, context: "initial format", offset: 0, kind: .badMagic)
        }
        let v = try c.readCString()
        guard let vn = Int(v), vn == 6 || vn == 7 else {
            throw TraceFileError(file: file, context: "initial format", offset: 10, kind: .unsupportedVersion(v))
        }
        version = vn
        let endian = try c.readU8()
        guard endian <= 1 else { throw c.error(.invalidValue("endianness flag \(endian)")) }
        order = endian == 0 ? .little : .big
        c.order = order
        let ls = try c.readU8()
        guard ls == 4 || ls == 8 else { throw c.error(.invalidValue("long size \(ls)")) }
        longSize = Int(ls)
        let ps = try c.readU32()
        guard ps >= 64, ps <= 1 << 24, ps & (ps - 1) == 0 else {
            throw c.error(.invalidValue("page size \(ps)"))
        }
        pageSize = Int(ps)
        if version >= 7 {
            try readV7(&c)
        } else {
            try readV6(&c)
        }
    }

    // MARK: Version 6

    mutating func readV6(_ c: inout ByteCursor) throws(TraceFileError) {
        c.context = "header info"
        try readHeaderInfo(&c)
        c.context = "ftrace event formats"
        ftraceFormats = try readFtraceFormats(&c)
        c.context = "event formats"
        eventFormats = try readEventFormats(&c)
        c.context = "kallsyms"
        kallsyms = .init(plainAt: c.position, lengthSize: 4, context: "kallsyms")
        let ks = Int(try c.readU32())
        try c.skip(ks)
        c.context = "printk formats"
        printk = .init(plainAt: c.position, lengthSize: 4, context: "printk formats")
        let pk = Int(try c.readU32())
        try c.skip(pk)
        c.context = "saved command lines"
        cmdlines = .init(plainAt: c.position, lengthSize: 8, context: "saved command lines")
        let cl = try c.readSize64("saved command lines size")
        try c.skip(cl)
        c.context = "CPU count"
        let cpus = try c.readU32()
        guard cpus <= 1 << 16 else { throw c.error(.invalidValue("CPU count \(cpus)")) }
        cpuCount = Int(cpus)
        c.context = "data type"
        var tag = try c.readBytes(10).cStringPrefix()
        if tag == "options  " || tag == "options" {
            c.context = "options"
            let first = options.count
            try readOptionList(&c, stopAtZeroID: true)
            optionGroups.append(.init(section: nil, options: first..<options.count))
            c.context = "data type"
            tag = try c.readBytes(10).cStringPrefix()
        }
        let traceClock = options.lazy.compactMap { o -> String? in
            if case .traceClock(let t) = o.value { return TraceFile.selectedClock(t) } else { return nil }
        }.last
        switch tag {
        case "flyrecord":
            var top = try readV6Flyrecord(&c, name: "")
            if top.clock == nil { top.clock = traceClock }
            buffers.append(top)
        case "latency  ", "latency":
            buffers.append(TraceBuffer(name: "", clock: traceClock, pageSize: pageSize, cpus: [],
                                       isCompressed: false, kind: .latency,
                                       textRange: c.position..<bytes.count))
        default:
            throw c.error(.invalidValue("unknown data type \"\(tag)\""))
        }
        for o in options {
            guard case .buffer(let b) = o.value else { continue }
            var bc = cursor("BUFFER \"\(b.name)\"")
            guard b.offset <= UInt64(bytes.count) else {
                throw TraceFileError(file: file, context: "BUFFER option \"\(b.name)\"", offset: o.payloadOffset,
                                     kind: .invalidValue("offset \(b.offset) is past the end of the file"))
            }
            try bc.seek(to: Int(b.offset))
            let t = try bc.readBytes(10).cStringPrefix()
            guard t == "flyrecord" else {
                throw bc.error(.invalidValue("instance data does not start with flyrecord"))
            }
            buffers.append(try readV6Flyrecord(&bc, name: b.name))
        }
    }

    /// Reads the per-CPU offset/size pairs after a v6 `flyrecord` tag, then the optional clock.
    mutating func readV6Flyrecord(_ c: inout ByteCursor, name: String) throws(TraceFileError) -> TraceBuffer {
        c.context = name.isEmpty ? "flyrecord CPU data" : "flyrecord CPU data of \"\(name)\""
        guard cpuCount <= c.remaining / 16 else {
            throw c.error(.truncated(needed: cpuCount * 16, available: c.remaining))
        }
        var cpus: [CPUDataLocation] = []
        for cpu in 0..<cpuCount {
            let at = c.absoluteOffset
            let off = try c.readSize64("CPU data offset")
            let size = try c.readSize64("CPU data size")
            var kept = size
            if off > bytes.count || size > bytes.count - off {
                // A recording cut short: keep what is there, say so.
                kept = off > bytes.count ? 0 : bytes.count - off
                warnings.append(TraceFileError(file: file, context: c.context, offset: at,
                                               kind: .truncated(needed: size, available: kept)))
            }
            cpus.append(CPUDataLocation(cpu: cpu, offset: min(off, bytes.count), size: kept, storedOffset: off))
        }
        // trace-cmd 2.x+ writes the trace_clock text after the offsets: u64 size, text.
        var clock: String?
        var probe = c
        if let n = try? probe.readU64(), n > 0, n < 4096, n <= UInt64(probe.remaining),
           let text = try? probe.readBytes(Int(n)) {
            let s = text.cStringPrefix()
            clock = TraceFile.selectedClock(s)
            if clock != nil { c = probe }
        }
        return TraceBuffer(name: name, clock: clock, pageSize: pageSize, cpus: cpus, isCompressed: false,
                           kind: .flyrecord, textRange: nil)
    }

    // MARK: Version 7

    mutating func readV7(_ c: inout ByteCursor) throws(TraceFileError) {
        c.context = "compression header"
        let name = try c.readCString()
        let ver = try c.readCString()
        if name != "none" && !name.isEmpty {
            compression = Compression(name: name, version: ver)
            guard let d = Decompressor(name: name) else {
                throw c.error(.unknownCompression(name))
            }
            decompressor = d
        }
        c.context = "first options section offset"
        var next = try c.readU64()
        sectionsStart = c.position
        var visited = Set<UInt64>()
        var chainCut = false
        var strings: [UInt8] = []
        while next != 0 {
            guard !visited.contains(next) else {
                throw TraceFileError(file: file, context: "options section chain", offset: Int(clamping: next),
                                     kind: .optionLoop(Int(clamping: next)))
            }
            visited.insert(next)
            guard next < UInt64(bytes.count) else {
                let e = TraceFileError(file: file, context: "options section chain", offset: c.absoluteOffset,
                                       kind: .invalidValue("options section offset \(next) is past the end (\(bytes.count))"))
                if optionGroups.isEmpty { throw e }
                warnings.append(e)
                chainCut = true
                break
            }
            let section: SectionInfo
            let content: SectionContent
            do {
                (section, content) = try readSection(at: Int(next), expecting: TraceOption.ID.done.rawValue, what: "options section")
            } catch {
                if optionGroups.isEmpty { throw error }
                guard case .truncated = error.kind else { throw error }
                warnings.append(error)
                chainCut = true
                break
            }
            sections.append(section)
            let first = options.count
            var oc = content.cursor(order: order, file: file, context: "options section")
            next = try readOptionList(&oc, stopAtZeroID: false)
            optionGroups.append(.init(section: section, options: first..<options.count))
        }
        // Sections referenced by options.
        cpuCount = 0
        for o in options {
            switch o.value {
            case .cpuCount(let n): cpuCount = Int(n)
            case .sectionOffset(let off):
                guard let id = o.id else { continue }
                try readMetadataSection(id: id, offset: off, optionOffset: o.payloadOffset)
            case .strings: break
            default: break
            }
        }
        _ = strings
        strings = []
        // Buffers.
        for o in options {
            switch o.value {
            case .buffer(let b):
                var s: SectionInfo?
                if b.offset != 0 {
                    do {
                        s = try readSectionHeader(at: Int(clamping: b.offset), what: "BUFFER \"\(b.name)\" section",
                                                  optionOffset: o.payloadOffset)
                    } catch {
                        guard case .truncated = error.kind else { throw error }
                        // The data section runs past the end: read its header without the size check.
                        warnings.append(error)
                        s = rawSectionHeader(at: Int(clamping: b.offset))
                    }
                    if let s { sections.append(s) }
                }
                var cpusKept = b.cpus
                for (k, cpu) in b.cpus.enumerated() where cpu.offset > bytes.count || cpu.size > bytes.count - cpu.offset {
                    let kept = cpu.offset > bytes.count ? 0 : bytes.count - cpu.offset
                    warnings.append(TraceFileError(file: file, context: "CPU \(cpu.cpu) data of buffer \"\(b.name)\"",
                                                   offset: cpu.offset, kind: .truncated(needed: cpu.size, available: kept)))
                    cpusKept[k] = CPUDataLocation(cpu: cpu.cpu, offset: min(cpu.offset, bytes.count), size: kept,
                                                  storedOffset: cpu.offset)
                }
                let ps = b.pageSize ?? pageSize
                guard ps >= 64, ps <= 1 << 24 else {
                    throw TraceFileError(file: file, context: "BUFFER \"\(b.name)\" option", offset: o.payloadOffset,
                                         kind: .invalidValue("page size \(ps)"))
                }
                let compressed = (s?.isCompressed ?? false) || (compression != nil && (s?.flags ?? 0) & 1 != 0)
                buffers.append(TraceBuffer(name: b.name, clock: b.clock, pageSize: ps, cpus: cpusKept,
                                           isCompressed: compressed, kind: .flyrecord, textRange: nil))
            case .bufferText(let b):
                let s = try readSectionHeader(at: Int(clamping: b.offset), what: "BUFFER_LAT \"\(b.name)\" section",
                                              optionOffset: o.payloadOffset)
                sections.append(s)
                buffers.append(TraceBuffer(name: b.name, clock: b.clock, pageSize: pageSize, cpus: [],
                                           isCompressed: s.isCompressed, kind: .latency,
                                           textRange: s.contentRange))
            default: break
            }
        }
        if chainCut && !buffers.contains(where: { $0.isTopLevel }) {
            if let b = recoverTopBuffer() { buffers.append(b) }
        }
        // Top buffer first, as the reference lists it.
        if let i = buffers.firstIndex(where: { $0.isTopLevel }), i != 0 {
            let top = buffers.remove(at: i)
            buffers.insert(top, at: 0)
        }
        if cpuCount == 0 { cpuCount = buffers.first?.cpus.count ?? 0 }
        // Section names from the strings sections.
        let stringSecs = sections.filter { $0.id == TraceOption.ID.strings.rawValue }
        if !stringSecs.isEmpty {
            var all: [UInt8] = []
            for s in stringSecs {
                if let content = try? sectionContent(s) { all += content }
            }
            for i in sections.indices {
                let sid = Int(sections[i].stringID)
                if sid < all.count {
                    var e = sid
                    while e < all.count && all[e] != 0 { e += 1 }
                    sections[i].name = String(decoding: all[sid..<e], as: UTF8.self)
                }
            }
        }
    }

    /// The content of a section: a view of the file, or decompressed bytes (numbered from
    /// the section's content offset either way).
    enum SectionContent {
        case mapped(base: Int, bytes: RawBytes)
        case owned(base: Int, storage: ByteStorage, count: Int)

        /// A cursor over the content (which keeps decompressed bytes alive).
        func cursor(order: ByteOrder, file: String, context: String) -> ByteCursor {
            switch self {
            case .mapped(let base, let b):
                return ByteCursor(bytes: b, order: order, baseOffset: base, file: file, context: context)
            case .owned(let base, let storage, let count):
                return ByteCursor(storage: storage, count: count, order: order, baseOffset: base, file: file,
                                  context: context)
            }
        }
    }

    /// A section header read without checking that the section fits in the file.
    func rawSectionHeader(at offset: Int) -> SectionInfo? {
        guard offset >= 0, offset + SectionInfo.headerSize <= bytes.count,
              let id = bytes.loadUnsigned(at: offset, size: 2, order: order),
              let fl = bytes.loadUnsigned(at: offset + 2, size: 2, order: order),
              let sid = bytes.loadUnsigned(at: offset + 4, size: 4, order: order),
              let size = bytes.loadUnsigned(at: offset + 8, size: 8, order: order) else { return nil }
        return SectionInfo(id: UInt16(id), flags: UInt16(fl), stringID: UInt32(sid), name: nil, offset: offset,
                           size: Int(clamping: size))
    }

    /// A v7 file cut short loses its last options section, which holds the BUFFER option. For
    /// compressed data the top-level buffer can still be found: its flyrecord section is the
    /// first section with id 3 in the file's sequence of sections, each CPU's chunk table
    /// starts page-aligned after the previous one, and the CPU count is in CPUCOUNT.
    mutating func recoverTopBuffer() -> TraceBuffer? {
        guard let start = sectionsStart, cpuCount > 0, cpuCount <= 4096 else { return nil }
        var at = start
        var flyrecord: SectionInfo?
        var steps = 0
        while at + SectionInfo.headerSize <= bytes.count, steps < 10_000 {
            steps += 1
            guard let s = rawSectionHeader(at: at) else { break }
            if s.id == TraceOption.ID.buffer.rawValue { flyrecord = s; break }
            guard s.size <= bytes.count - at - SectionInfo.headerSize else { break }
            at += SectionInfo.headerSize + s.size
        }
        guard let fly = flyrecord, fly.isCompressed, compression != nil else {
            warnings.append(TraceFileError(file: file, context: "BUFFER option", offset: bytes.count,
                                           kind: .invalidValue("the file is cut before its BUFFER option; the data cannot be located")))
            return nil
        }
        func align(_ x: Int) -> Int { (x + pageSize - 1) / pageSize * pageSize }
        var p = align(fly.contentOffset)
        var cpus: [CPUDataLocation] = []
        for cpu in 0..<cpuCount {
            guard p + 4 <= bytes.count, let n = bytes.loadUnsigned(at: p, size: 4, order: order) else { break }
            var q = p + 4
            var complete = true
            for _ in 0..<min(Int(n), (bytes.count - q) / 8 + 1) {
                guard q + 8 <= bytes.count, let cs = bytes.loadUnsigned(at: q, size: 4, order: order),
                      Int(cs) <= bytes.count - q - 8 else { complete = false; break }
                q += 8 + Int(cs)
            }
            cpus.append(CPUDataLocation(cpu: cpu, offset: p, size: q - p - 4))
            if !complete { break }
            p = align(q)
        }
        let clock = options.lazy.compactMap { o -> String? in
            if case .traceClock(let t) = o.value { return TraceFile.selectedClock(t) } else { return nil }
        }.last
        warnings.append(TraceFileError(file: file, context: "BUFFER option", offset: bytes.count,
                                       kind: .invalidValue("the file is cut before its BUFFER option; the top-level buffer was located from its data section")))
        sections.append(fly)
        return TraceBuffer(name: "", clock: clock, pageSize: pageSize, cpus: cpus, isCompressed: true,
                           kind: .flyrecord, textRange: nil)
    }

    func readSectionHeader(at offset: Int, what: String, optionOffset: Int) throws(TraceFileError) -> SectionInfo {
        guard offset >= 0, offset <= bytes.count else {
            throw TraceFileError(file: file, context: what, offset: optionOffset,
                                 kind: .invalidValue("section offset \(offset) is past the end (\(bytes.count))"))
        }
        var c = cursor(what, at: offset)
        let id = try c.readU16()
        let flags = try c.readU16()
        let sid = try c.readU32()
        let size = try c.readSize64("section size")
        guard size <= c.remaining else {
            throw TraceFileError(file: file, context: what, offset: offset + 8,
                                 kind: .truncated(needed: size, available: c.remaining))
        }
        return SectionInfo(id: id, flags: flags, stringID: sid, name: nil, offset: offset, size: size)
    }

    func readSection(at offset: Int, expecting id: UInt16, what: String) throws(TraceFileError) -> (SectionInfo, SectionContent) {
        let s = try readSectionHeader(at: offset, what: what, optionOffset: offset)
        guard s.id == id else {
            throw TraceFileError(file: file, context: what, offset: offset,
                                 kind: .invalidValue("section id \(s.id), expected \(id)"))
        }
        if s.isCompressed {
            let (storage, count) = try Self.decompressSectionStorage(s, bytes: bytes, order: order,
                                                                     decompressor: decompressor, file: file)
            return (s, .owned(base: s.contentOffset, storage: storage, count: count))
        }
        return (s, .mapped(base: s.contentOffset, bytes: bytes.clampedSlice(s.contentRange)))
    }

    func sectionContent(_ s: SectionInfo) throws(TraceFileError) -> [UInt8] {
        if s.isCompressed {
            return try Self.decompressSection(s, bytes: bytes, order: order, decompressor: decompressor, file: file)
        }
        return bytes.array(s.contentRange)
    }

    /// A compressed section's block (after its 16-byte header): the compressed bytes and the
    /// uncompressed size, checked.
    private static func compressedBlock(_ s: SectionInfo, bytes: RawBytes, order: ByteOrder,
                                        decompressor: Decompressor?, file: String)
        throws(TraceFileError) -> (decompressor: Decompressor, source: RawBytes, size: Int, what: String) {
        let what = "compressed section \(s.name ?? String(s.id))"
        guard let d = decompressor else {
            throw TraceFileError(file: file, context: what, offset: s.offset,
                                 kind: .invalidValue("section is flagged compressed but the file has no compression"))
        }
        var c = ByteCursor(bytes: bytes, position: s.contentOffset, order: order, file: file, context: what)
        let csize = Int(try c.readU32())
        let usize = Int(try c.readU32())
        guard csize <= s.size - 8 else {
            throw c.error(.invalidValue("compressed size \(csize) exceeds the section size \(s.size)"))
        }
        guard usize <= maxBlock, usize <= max(csize, 64) * maxExpansion else {
            throw c.error(.invalidValue("uncompressed size \(usize) is implausible for \(csize) compressed bytes"))
        }
        let src = try c.readBytes(csize)
        return (d, src, usize, what)
    }

    /// The error for a section block that did not decompress to its size.
    private static func decompressionFailure(_ s: SectionInfo, what: String, size: Int, produced: Int?,
                                             file: String) -> TraceFileError {
        TraceFileError(file: file, context: what, offset: s.contentOffset + 8,
                       kind: .decompressionFailed("expected \(size) bytes, got \(produced.map(String.init) ?? "an error")"))
    }

    /// Decompresses a compressed section's content (after its 16-byte header).
    static func decompressSection(_ s: SectionInfo, bytes: RawBytes, order: ByteOrder,
                                  decompressor: Decompressor?, file: String) throws(TraceFileError) -> [UInt8] {
        let b = try compressedBlock(s, bytes: bytes, order: order, decompressor: decompressor, file: file)
        var out = [UInt8](repeating: 0, count: b.size)
        let n = b.decompressor.decompress(b.source, into: &out)
        guard let n, n == b.size else {
            throw decompressionFailure(s, what: b.what, size: b.size, produced: n, file: file)
        }
        return out
    }

    /// Decompresses a compressed section's content into storage of its own (to read it with
    /// a cursor); returns the storage and the content's size.
    static func decompressSectionStorage(_ s: SectionInfo, bytes: RawBytes, order: ByteOrder,
                                         decompressor: Decompressor?, file: String)
        throws(TraceFileError) -> (ByteStorage, Int) {
        let b = try compressedBlock(s, bytes: bytes, order: order, decompressor: decompressor, file: file)
        let out = ByteStorage(capacity: b.size)
        let n = b.decompressor.decompress(b.source, into: out, count: b.size)
        guard let n, n == b.size else {
            throw decompressionFailure(s, what: b.what, size: b.size, produced: n, file: file)
        }
        return (out, b.size)
    }

    mutating func readMetadataSection(id: TraceOption.ID, offset: UInt64, optionOffset: Int) throws(TraceFileError) {
        let what: String
        switch id {
        case .headerInfo: what = "header info section"
        case .ftraceEvents: what = "ftrace events section"
        case .eventFormats: what = "event formats section"
        case .kallsyms: what = "kallsyms section"
        case .printk: what = "printk section"
        case .cmdlines: what = "cmdlines section"
        default: return
        }
        // The option's id is also the id of the section it points to.
        let sid = id.rawValue
        guard offset < UInt64(bytes.count) else {
            throw TraceFileError(file: file, context: "\(id.dumpName) option", offset: optionOffset,
                                 kind: .invalidValue("section offset \(offset) is past the end (\(bytes.count))"))
        }
        let s = try readSectionHeader(at: Int(offset), what: what, optionOffset: optionOffset)
        guard s.id == sid else {
            throw TraceFileError(file: file, context: what, offset: Int(offset),
                                 kind: .invalidValue("section id \(s.id), expected \(sid)"))
        }
        sections.append(s)
        switch id {
        case .kallsyms, .printk, .cmdlines:
            // Only locate the text; its length prefix is read (and a compressed section
            // decompressed) on demand.
            let lenSize = id == .cmdlines ? 8 : 4
            let loc = TraceFile.MetadataLocation(section: s, lengthSize: lenSize, context: what)
            switch id {
            case .kallsyms: kallsyms = loc
            case .printk: printk = loc
            default: cmdlines = loc
            }
        default:
            let (_, content) = try readSection(at: Int(offset), expecting: sid, what: what)
            var c = content.cursor(order: order, file: file, context: what)
            switch id {
            case .headerInfo: try readHeaderInfo(&c)
            case .ftraceEvents: ftraceFormats = try readFtraceFormats(&c)
            default: eventFormats = try readEventFormats(&c)
            }
        }
    }

    // MARK: Shared parts

    mutating func readHeaderInfo(_ c: inout ByteCursor) throws(TraceFileError) {
        let t1 = try c.readBytes(12)
        guard t1.cStringPrefix() == "header_page" else { throw c.error(.invalidValue("missing header_page tag")) }
        let n1 = try c.readSize64("header_page size")
        headerPage = try c.readString(n1)
        let t2 = try c.readBytes(13)
        guard t2.cStringPrefix() == "header_event" else { throw c.error(.invalidValue("missing header_event tag")) }
        let n2 = try c.readSize64("header_event size")
        headerEvent = try c.readString(n2)
    }

    func readFtraceFormats(_ c: inout ByteCursor) throws(TraceFileError) -> [String] {
        let n = Int(try c.readU32())
        guard n <= c.remaining / 8 else { throw c.error(.invalidValue("\(n) ftrace formats do not fit")) }
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let size = try c.readSize64("format size")
            out.append(try c.readString(size))
        }
        return out
    }

    func readEventFormats(_ c: inout ByteCursor) throws(TraceFileError) -> [(system: String, formats: [String])] {
        let systems = Int(try c.readU32())
        guard systems <= c.remaining / 5 else { throw c.error(.invalidValue("\(systems) event systems do not fit")) }
        var out: [(system: String, formats: [String])] = []
        for _ in 0..<systems {
            let name = try c.readCString()
            let count = Int(try c.readU32())
            guard count <= c.remaining / 8 else { throw c.error(.invalidValue("\(count) formats of \(name) do not fit")) }
            var formats: [String] = []
            formats.reserveCapacity(count)
            for _ in 0..<count {
                let size = try c.readSize64("format size")
                formats.append(try c.readString(size))
            }
            out.append((name, formats))
        }
        return out
    }

    /// Reads options until DONE (v7, returning the next section offset) or id 0 (v6).
    @discardableResult
    mutating func readOptionList(_ c: inout ByteCursor, stopAtZeroID: Bool) throws(TraceFileError) -> UInt64 {
        while true {
            let at = c.absoluteOffset
            let id = try c.readU16()
            if id == 0 && stopAtZeroID { return 0 }
            let size = Int(try c.readU32())
            guard size <= c.remaining else {
                throw TraceFileError(file: file, context: "option \(TraceOption.ID(rawValue: id)?.dumpName ?? String(id))",
                                     offset: at + 2, kind: .truncated(needed: size, available: c.remaining))
            }
            let payloadOffset = c.absoluteOffset
            let payload = try c.readCursor(size, context: "option \(TraceOption.ID(rawValue: id)?.dumpName ?? String(id))")
            let value = try TraceOption.decode(id: id, payload: payload, version: version)
            options.append(TraceOption(rawID: id, payloadOffset: payloadOffset, payload: payload.bytes.array, value: value))
            if id == 0 {
                if case .done(let next) = value { return next }
                return 0
            }
        }
    }
}
