@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// Writes a ``WritePlan`` as a version 6 or version 7 file, laid out as trace-cmd lays it out.
///
/// Version 6: initial format, header info, ftrace and event formats, kallsyms, printk formats,
/// saved command lines, CPU count, the options (with a BUFFER option per instance), then per
/// buffer a `flyrecord` block (per-CPU offsets and sizes, the clock) and its CPU data, each
/// page-aligned. Version 7: initial format and compression header, the six metadata sections,
/// the options sections of the input (the layout options re-pointed), then per buffer its
/// BUFFER FLYRECORD section (page-aligned CPU data, in chunks of ten pages when compressed)
/// followed by an options section holding its BUFFER option, and last the strings section
/// that names the sections.
struct FileLayoutWriter {
    let plan: WritePlan
    let format: OutputFormat
    let sink: FileSink
    let compressor: Compressor?
    let pump: DataPump
    var dropped: [TraceFileError] = []
    var source: TraceFile { plan.source }
    var order: ByteOrder { source.byteOrder }

    init(plan: WritePlan, format: OutputFormat, path: String) throws(TraceWriteError) {
        self.plan = plan
        self.format = format
        switch format.compression {
        case .none: compressor = nil
        case .zlib, .zstd:
            guard let c = Compressor(name: format.compression.rawValue) else {
                throw TraceWriteError(file: path, context: "compression",
                                      kind: .unsupported("\(format.compression) is not available (library missing)"))
            }
            compressor = c
        }
        sink = try FileSink(path: path, order: plan.source.byteOrder)
        pump = try DataPump(plan: plan, sink: sink, compressor: compressor)
        dropped = plan.dropped
    }

    var cpuCount: Int {
        let most = plan.buffers.flatMap { $0.cpus.map { $0.cpu + 1 } }.max() ?? 0
        return max(source.cpuCount, most)
    }

    /// The options to carry over, grouped as in the input (v7: one group per options section
    /// that holds more than BUFFER options; v6: one group). Layout options are kept in their
    /// places so that v7 can re-point them; v6 drops them.
    var optionGroups: [[TraceOption]] {
        var groups: [[TraceOption]] = []
        for g in source.optionGroups {
            let opts = Array(source.options[g.options])
            if opts.allSatisfy({ $0.id == .done || $0.id == .buffer || $0.id == .bufferText }) { continue }
            groups.append(opts)
        }
        return groups
    }

    mutating func carried(_ o: TraceOption) -> Bool {
        guard let id = o.id else { return true }
        if id.isLayout { return false }
        if id == .btfFile || id == .modulesFile {
            // Compressed with the input's algorithm: kept only when the output uses the same one.
            if source.compression?.name == compressor?.name, format.version == 7 { return true }
            dropped.append(TraceFileError(file: source.path, context: "option \(id.dumpName)", offset: o.payloadOffset,
                                          kind: .invalidValue("compressed with the input's compression; not carried over")))
            return false
        }
        return true
    }

    func initialFormat() -> [UInt8] {
        ByteEncoder.encode(order) { e in
            e.raw([0x17, 0x08, 0x44])
            e.raw("tracing")
            e.cString(String(format.version))
            e.u8(order == .little ? 0 : 1)
            e.u8(UInt8(source.longSize))
            e.u32(source.pageSize)
        }
    }

    static func option(_ e: inout ByteEncoder, _ id: UInt16, _ payload: [UInt8]) {
        e.u16(id)
        e.u32(payload.count)
        e.raw(payload)
    }

    func clockText(_ b: BufferPlan) -> String { b.clock.isEmpty ? source.clock : b.clock }

    // MARK: Version 6

    mutating func writeV6() throws(TraceWriteError) -> WriteReport {
        let meta = try MetadataBlocks(source)
        try sink.write(initialFormat())
        for block in [meta.headerInfo, meta.ftraceEvents, meta.eventFormats, meta.kallsyms, meta.printk, meta.cmdlines] {
            try sink.write(block)
        }
        let cpus = try v6CPUCount()
        var opts = ByteEncoder(order: order)
        opts.u32(cpus)
        opts.fixed("options  ", size: 10)
        for group in optionGroups {
            for o in group where carried(o) {
                Self.option(&opts, o.rawID, o.payload)
            }
        }
        // BUFFER options of the instances: offsets patched once known.
        var bufferOffsetAt: [Int: Int] = [:]
        for (i, b) in plan.buffers.enumerated() where !b.name.isEmpty {
            var payload = ByteEncoder(order: order)
            payload.u64(0)
            payload.cString(b.name)
            bufferOffsetAt[i] = sink.position + opts.bytes.count + 6
            Self.option(&opts, TraceOption.ID.buffer.rawValue, payload.bytes)
        }
        opts.u16(0)
        try sink.write(opts)
        var top = plan.buffers.firstIndex { $0.name.isEmpty }
        if top == nil {
            // Version 6 needs a top-level flyrecord block: an empty one.
            top = -1
        }
        var order6: [Int] = []
        if let t = top { order6.append(t) }
        order6 += plan.buffers.indices.filter { !plan.buffers[$0].name.isEmpty }
        for i in order6 {
            let b = i >= 0 ? plan.buffers[i] : BufferPlan(name: "", clock: source.clock, pageSize: source.pageSize, cpus: [])
            if i >= 0, let at = bufferOffsetAt[i] {
                try sink.align(to: source.pageSize)
                try sink.patch(ByteEncoder.encode(order) { $0.u64(sink.position) }, at: at)
            }
            try writeV6Flyrecord(b, cpuCount: cpus)
        }
        try sink.finish()
        return WriteReport(path: sink.path, format: format, size: sink.position, pages: pump.pagesWritten,
                           dropped: dropped + pump.issues)
    }

    /// The most CPUs a version 6 file is written with: its header lists every CPU (16 bytes
    /// each, in every flyrecord block). A CPU count above it (a damaged CPUCOUNT option) is
    /// written as the CPUs that have data, and reported dropped.
    static let maxV6CPUs = 1 << 16

    /// The CPU count a version 6 output lists (see ``maxV6CPUs``).
    mutating func v6CPUCount() throws(TraceWriteError) -> Int {
        let n = cpuCount
        guard n > Self.maxV6CPUs else { return n }
        let withData = plan.buffers.flatMap { $0.cpus.map { $0.cpu + 1 } }.max() ?? 0
        guard withData <= Self.maxV6CPUs else {
            throw TraceWriteError(file: source.path, context: "CPU count",
                                  kind: .unsupported("CPU \(withData - 1) has data: a version 6 file lists every CPU "
                                                     + "up to it (at most \(Self.maxV6CPUs))"))
        }
        dropped.append(TraceFileError(file: source.path, context: "CPU count", offset: 0,
                                      kind: .invalidValue("\(n) CPUs: written as the \(withData) up to the last CPU with data "
                                                          + "(a version 6 file lists every CPU)")))
        return withData
    }

    mutating func writeV6Flyrecord(_ b: BufferPlan, cpuCount: Int) throws(TraceWriteError) {
        var e = ByteEncoder(order: order)
        e.fixed("flyrecord", size: 10)
        let clock = "[\(clockText(b))]"
        let headerSize = e.bytes.count + 16 * cpuCount + 8 + clock.utf8.count
        let ps = source.pageSize
        var at = (sink.position + headerSize + ps - 1) / ps * ps
        var placed: [(CPUPlan, Int)] = []
        for cpu in 0..<cpuCount {
            if let c = b.cpus.first(where: { $0.cpu == cpu }) {
                let size = c.pieces.reduce(0) { $0 + $1.byteCount() }
                e.u64(size == 0 ? 0 : at)
                e.u64(size)
                if size > 0 { placed.append((c, at)) }
                at += size
            } else {
                e.u64(0)
                e.u64(0)
            }
        }
        e.u64(clock.utf8.count)
        e.raw(clock)
        try sink.write(e)
        for (c, offset) in placed {
            try sink.skip(to: offset)
            let n = try pump.writeUncompressed(c, at: offset)
            try sink.skip(to: offset + n)
        }
    }

    // MARK: Version 7

    /// The description strings of the sections, in the order they are named.
    struct Strings {
        var bytes: [UInt8] = []
        mutating func add(_ s: String) -> UInt32 {
            let id = UInt32(bytes.count)
            bytes += Array(s.utf8)
            bytes.append(0)
            return id
        }
    }

    /// Writes one section: header, then the content (compressed as a whole when the file is).
    mutating func writeSection(id: UInt16, name: String, content: [UInt8], strings: inout Strings,
                               compress: Bool) throws(TraceWriteError) -> Int {
        let at = sink.position
        let sid = strings.add(name)
        var body = content
        var flags: UInt16 = 0
        if compress, let compressor {
            guard let out = CompressionContext(compressor).compress(content) else {
                throw TraceWriteError(file: sink.path, context: "\(name) section", kind: .io("compression failed"))
            }
            body = ByteEncoder.encode(order) { e in
                e.u32(out.count)
                e.u32(content.count)
                e.raw(out)
            }
            flags = 1
        }
        try sink.write(ByteEncoder.encode(order) { e in
            e.u16(id)
            e.u16(flags)
            e.u32(sid)
            e.u64(body.count)
        })
        try sink.write(body)
        return at
    }

    mutating func writeV7() throws(TraceWriteError) -> WriteReport {
        let meta = try MetadataBlocks(source)
        try sink.write(initialFormat())
        try sink.write(ByteEncoder.encode(order) { e in
            e.cString(compressor?.name ?? "none")
            e.cString(compressor?.version ?? "")
        })
        let firstOptionsAt = sink.position
        try sink.write(ByteEncoder.encode(order) { $0.u64(0) })
        var strings = Strings()
        // Which metadata sections: those the input has (v7), all of them (v6).
        let present: Set<UInt16> = source.version >= 7
            ? Set(source.options.compactMap { o in o.id?.isSectionPointer == true ? o.rawID : nil })
            : Set(TraceOption.ID.headerInfo.rawValue...TraceOption.ID.cmdlines.rawValue)
        var sectionAt: [UInt16: Int] = [:]
        let blocks: [(TraceOption.ID, String, [UInt8])] = [
            (.headerInfo, "headers", meta.headerInfo), (.ftraceEvents, "ftrace events", meta.ftraceEvents),
            (.eventFormats, "events format", meta.eventFormats), (.kallsyms, "kallsyms", meta.kallsyms),
            (.printk, "printk", meta.printk), (.cmdlines, "command lines", meta.cmdlines),
        ]
        for (id, name, content) in blocks where present.contains(id.rawValue) {
            sectionAt[id.rawValue] = try writeSection(id: id.rawValue, name: name, content: content,
                                                      strings: &strings, compress: true)
        }
        // Options sections of the input, layout options re-pointed.
        var groups = optionGroups
        if groups.isEmpty { groups = [[]] }
        var pendingDone: Int? = firstOptionsAt  // where the offset of the next options section goes
        var wroteCPUCount = false
        for (gi, group) in groups.enumerated() {
            var e = ByteEncoder(order: order)
            var pointed = Set<UInt16>()
            func pointer(_ e: inout ByteEncoder, _ id: UInt16) {
                guard let at = sectionAt[id], !pointed.contains(id) else { return }
                pointed.insert(id)
                Self.option(&e, id, ByteEncoder.encode(order) { $0.u64(at) })
            }
            let synthesize = gi == 0 && !group.contains { $0.id?.isSectionPointer == true }
            if synthesize {
                for id in TraceOption.ID.headerInfo.rawValue...TraceOption.ID.printk.rawValue { pointer(&e, id) }
            }
            for o in group {
                if let id = o.id, id.isSectionPointer {
                    pointer(&e, o.rawID)
                } else if o.id == .cpuCount {
                    // As trace-cmd records it: ..., CMDLINES, CPUCOUNT.
                    if synthesize { pointer(&e, TraceOption.ID.cmdlines.rawValue) }
                    if !wroteCPUCount {
                        Self.option(&e, o.rawID, ByteEncoder.encode(order) { $0.u32(cpuCount) })
                        wroteCPUCount = true
                    }
                } else if carried(o) {
                    Self.option(&e, o.rawID, o.payload)
                }
            }
            if gi == 0 {
                // Sections the input's options did not point to (a v6 input), and CPUCOUNT.
                for id in TraceOption.ID.headerInfo.rawValue...TraceOption.ID.cmdlines.rawValue { pointer(&e, id) }
                if !wroteCPUCount {
                    Self.option(&e, TraceOption.ID.cpuCount.rawValue, ByteEncoder.encode(order) { $0.u32(cpuCount) })
                    wroteCPUCount = true
                }
            }
            pendingDone = try writeOptionsSection(e, strings: &strings, linkFrom: pendingDone)
        }
        // Buffers: data section, then an options section with its BUFFER option.
        for b in plan.buffers {
            let at = sink.position
            let compressed = compressor != nil
            let sid = strings.add("buffer flyrecord \(b.name)")
            let header = ByteEncoder.encode(order) { e in
                e.u16(TraceOption.ID.buffer.rawValue)
                e.u16(compressed ? 1 : 0)
                e.u32(sid)
                e.u64(0)
            }
            try sink.write(header)
            var locations: [(Int, Int, Int)] = []
            for c in b.cpus {
                try sink.align(to: source.pageSize)
                let offset = sink.position
                let size: Int
                if compressed {
                    size = try pump.writeCompressed(c)
                } else {
                    size = try pump.writeUncompressed(c, at: offset)
                    try sink.skip(to: offset + size)
                }
                locations.append((c.cpu, offset, size))
            }
            if b.cpus.isEmpty { try sink.align(to: source.pageSize) }
            let sectionSize = sink.position - at - SectionInfo.headerSize
            try sink.patch(ByteEncoder.encode(order) { $0.u64(sectionSize) }, at: at + 8)
            var payload = ByteEncoder(order: order)
            payload.u64(at)
            payload.cString(b.name)
            payload.cString(clockText(b))
            payload.u32(b.pageSize)
            payload.u32(locations.count)
            for (cpu, offset, size) in locations {
                payload.u32(cpu)
                payload.u64(offset)
                payload.u64(size)
            }
            var e = ByteEncoder(order: order)
            Self.option(&e, TraceOption.ID.buffer.rawValue, payload.bytes)
            pendingDone = try writeOptionsSection(e, strings: &strings, linkFrom: pendingDone)
        }
        // The strings section names every section, itself included.
        let sid = strings.add("strings")
        var content = strings.bytes
        var flags: UInt16 = 0
        if let compressor {
            let src = content
            if let out = CompressionContext(compressor).compress(src) {
                content = ByteEncoder.encode(order) { e in
                    e.u32(out.count)
                    e.u32(src.count)
                    e.raw(out)
                }
                flags = 1
            }
        }
        try sink.write(ByteEncoder.encode(order) { e in
            e.u16(TraceOption.ID.strings.rawValue)
            e.u16(flags)
            e.u32(sid)
            e.u64(content.count)
        })
        try sink.write(content)
        try sink.finish()
        return WriteReport(path: sink.path, format: format, size: sink.position, pages: pump.pagesWritten,
                           dropped: dropped + pump.issues)
    }

    /// Writes an options section holding `options` and a DONE option, links it from the
    /// previous DONE (or the header's first-section offset), and returns where its own DONE
    /// offset is.
    mutating func writeOptionsSection(_ options: ByteEncoder, strings: inout Strings,
                                      linkFrom: Int?) throws(TraceWriteError) -> Int {
        let at = sink.position
        if let from = linkFrom {
            try sink.patch(ByteEncoder.encode(order) { $0.u64(at) }, at: from)
        }
        var e = options
        Self.option(&e, TraceOption.ID.done.rawValue, ByteEncoder.encode(order) { $0.u64(0) })
        let sid = strings.add("options")
        try sink.write(ByteEncoder.encode(order) { h in
            h.u16(TraceOption.ID.done.rawValue)
            h.u16(0)
            h.u32(sid)
            h.u64(e.bytes.count)
        })
        let doneAt = sink.position + e.bytes.count - 8
        try sink.write(e)
        return doneAt
    }
}
