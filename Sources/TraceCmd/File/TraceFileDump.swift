@_spi(Engine) import TraceEvent
/// Renders a trace file's layout and metadata as text, in the layout of `trace-cmd dump`.
///
/// ``options(of:)`` prints the same lines as `trace-cmd dump --options`; ``summary(of:displayPath:)``
/// those of `trace-cmd dump --summary`.
@_spi(Engine) public enum TraceFileDump {
    /// The `--options` listing.
    @_spi(Engine) public static func options(of file: TraceFile) -> String {
        var out = ""
        var count = 0
        let order = file.byteOrder
        for (gi, group) in file.optionGroups.enumerated() {
            if let s = group.section {
                if gi > 0 { out += "\n\n" }
                out += "\t[Section \(s.id) @ \(s.offset): \"\(sectionName(file, s))\", flags 0x\(hex(UInt64(s.flags))), \(s.size) bytes]\n"
            }
            for i in group.options {
                let o = file.options[i]
                if o.rawID == 0 {
                    if file.version < 7 { break }
                    count += 1
                    out += "\t\t[Option DONE, \(o.payload.count) bytes]\n"
                    if o.payload.count >= 8, case .done(let next) = o.value {
                        out += "\(Int64(bitPattern: next))\n"
                    }
                    continue
                }
                count += 1
                out += optionText(o, file: file, order: order)
            }
        }
        out += "\t[\(count) options]\n"
        return out
    }

    static func sectionName(_ file: TraceFile, _ s: SectionInfo) -> String {
        s.name ?? file.sectionNames[Int(s.stringID)] ?? "Unknown"
    }

    /// `read_dump_string`: the payload in chunks, each printed up to its first NUL, then a newline.
    static func dumpString(_ payload: [UInt8]) -> String {
        var out = ""
        var start = 0
        while start < payload.count {
            let remaining = payload.count - start
            let n = remaining < 1024 ? remaining : 1023
            var end = start
            while end < start + n && payload[end] != 0 { end += 1 }
            out += String(decoding: payload[start..<end], as: UTF8.self)
            start += n
        }
        return out + "\n"
    }

    static func optionText(_ o: TraceOption, file: TraceFile, order: ByteOrder) -> String {
        let size = o.payload.count
        let p = o.payload
        func u(_ at: Int, _ n: Int) -> UInt64? {
            p.withUnsafeBytes { $0.loadUnsigned(at: at, size: n, order: order) }
        }
        guard let id = o.id else {
            return " \(o.rawID) \(size)\t[Unknown option, size - skipping]\n"
        }
        switch id {
        case .date, .cpuStat, .uname, .hook, .offset, .version, .procMaps:
            return "\t\t[Option \(id.dumpName), \(size) bytes]\n" + (size > 0 ? dumpString(p) : "")
        case .traceClock:
            return "\t\t[Option TRACECLOCK, \(size) bytes]\n" + dumpString(p)
        case .cpuCount:
            let v = u(0, min(size, 4)).map { Int32(truncatingIfNeeded: $0) } ?? 0
            return "\t\t[Option CPUCOUNT, \(size) bytes]\n\(v)\n"
        case .traceID:
            let v = u(0, min(size, 8)) ?? 0
            return "\t\t[Option TRACEID, \(size) bytes]\n0x\(hex(v))\n"
        case .headerInfo, .ftraceEvents, .eventFormats, .kallsyms, .printk, .cmdlines:
            let off = u(0, 8).map { Int64(bitPattern: $0) } ?? 0
            return "\t\t[Option \(id.dumpName), \(size) bytes] @ \(off)\n"
        case .buffer, .bufferText:
            var s = "\t\t[Option BUFFER, \(size) bytes]\n"
            switch o.value {
            case .buffer(let b):
                s += "\(Int64(bitPattern: b.offset)) [offset]\n\"\(b.name)\" [name]\n"
                if file.version >= 7 {
                    s += "\"\(b.clock ?? "")\" [clock]\n\(Int32(truncatingIfNeeded: b.pageSize ?? 0)) [Page size, bytes]\n"
                    s += "\(b.cpus.count) [CPUs]:\n"
                    for c in b.cpus { s += "   \(c.cpu) \(c.offset)\t\(c.size)\t[id, data offset and size]\n" }
                }
            case .bufferText(let b):
                s += "\(Int64(bitPattern: b.offset)) [offset]\n\"\(b.name)\" [name]\n\"\(b.clock)\" [clock]\n"
            default: break
            }
            return s
        case .timeShift:
            return timeShiftText(p, order: order)
        case .guest:
            var s = "\t\t[Option GUEST, \(size) bytes]\n"
            var i = 0
            while i < size && p[i] != 0 { i += 1 }
            s += String(decoding: p[0..<min(i, size)], as: UTF8.self) + " [Guest name]\n"
            var at = i + 1
            guard size - at >= 8, let tid = u(at, 8) else { return s }
            at += 8
            s += "0x\(hex(tid)) [trace id]\n"
            guard size - at >= 4, let n = u(at, 4) else { return s }
            at += 4
            let cpus = Int32(truncatingIfNeeded: n)
            s += "\(cpus) [Guest CPUs]\n"
            var k: Int32 = 0
            while k < cpus {
                guard size - at >= 8, let cpu = u(at, 4), let pid = u(at + 4, 4) else { break }
                at += 8
                s += "  \(Int32(truncatingIfNeeded: cpu)) \(Int32(truncatingIfNeeded: pid)) [guest cpu, host pid]\n"
                k += 1
            }
            return s
        case .tsc2nsec:
            let m = Int32(truncatingIfNeeded: u(0, 4) ?? 0)
            let sh = Int32(truncatingIfNeeded: u(4, 4) ?? 0)
            let off = u(8, 8) ?? 0
            return "\n\t\t[Option TSC2NSEC, \(size) bytes]\n\(m) \(sh) \(off) [multiplier, shift, offset]\n"
        case .done:
            return "\t\t[Option DONE, \(size) bytes]\n"
        case .strings, .btfFile, .lastBootInfo, .modulesFile:
            // trace-cmd 3.1.6 does not know these ids and skips them.
            return " \(o.rawID) \(size)\t[Unknown option, size - skipping]\n"
        }
    }

    static func timeShiftText(_ p: [UInt8], order: ByteOrder) -> String {
        var size = p.count
        guard size >= 12 else { return "" }
        func u(_ at: Int, _ n: Int) -> UInt64 {
            p.withUnsafeBytes { $0.loadUnsigned(at: at, size: n, order: order) } ?? 0
        }
        var s = "\t\t[Option TimeShift, \(size) bytes]\n"
        var at = 0
        s += "0x\(hex(u(0, 8))) [peer's trace id]\n"; at += 8; size -= 8
        s += "0x\(hex(u(at, 4))) [peer's protocol flags]\n"; at += 4; size -= 4
        let cpus = Int(u(at, 4)); at += 4; size -= 4
        s += "0x\(hex(UInt64(cpus))) [peer's CPU count]\n"
        var counts: [Int] = []
        var times: [[UInt64]] = [], offsets: [[UInt64]] = [], scalings: [[UInt64]] = []
        var fracs: [[UInt64]] = []
        var broken = false
        var j = 0
        func readArray(_ n: Int) -> [UInt64]? {
            var a: [UInt64] = []
            for _ in 0..<n {
                if size < 8 { return nil }
                a.append(u(at, 8)); at += 8; size -= 8
            }
            return a
        }
        cpuLoop: while j < cpus {
            if size < 4 { broken = true; break }
            let n = Int(u(at, 4)); at += 4; size -= 4
            counts.append(n)
            s += "\(n) [samples count for CPU \(j)]\n"
            guard n <= size / 8 + 1 else { broken = true; break }
            guard let t = readArray(n) else { broken = true; break cpuLoop }
            times.append(t)
            guard let o = readArray(n) else { broken = true; break cpuLoop }
            offsets.append(o)
            guard let sc = readArray(n) else { broken = true; break cpuLoop }
            scalings.append(sc)
            fracs.append([UInt64](repeating: 0, count: n))
            j += 1
        }
        if !broken && size > 0 {
            fracLoop: for k in 0..<cpus {
                for i in 0..<counts[k] {
                    if size < 8 { broken = true; break fracLoop }
                    fracs[k][i] = u(at, 8); at += 8; size -= 8
                }
            }
        }
        if !broken {
            for k in 0..<cpus {
                for i in 0..<counts[k] {
                    s += "\t\(Int64(bitPattern: offsets[k][i])) \(Int64(bitPattern: scalings[k][i])) \(fracs[k][i]) \(times[k][i])[offset * scaling >> fraction @ time]\n"
                }
            }
        } else {
            s += "Broken time shift option\n"
        }
        return s
    }

    /// The `--summary` listing.
    @_spi(Engine) public static func summary(of file: TraceFile, displayPath: String? = nil) -> String {
        var out = "\n Tracing meta data in file \(displayPath ?? file.path):\n"
        out += "\t[Initial format]\n"
        out += "\t\t\(file.version)\t[Version]\n"
        out += "\t\t\(file.byteOrder == .big ? 1 : 0)\t[\(file.byteOrder == .big ? "Big" : "Little") endian]\n"
        out += "\t\t\(file.longSize)\t[Bytes in a long]\n"
        out += "\t\t\(file.pageSize)\t[Page size, bytes]\n"
        let kallsyms = (try? file.kallsymsText().count) ?? 0
        let printk = (try? file.printkText().count) ?? 0
        let cmdlines = (try? file.savedCmdlinesText().count) ?? 0
        let header = "\t[Header page, \(file.headerPage.utf8.count) bytes]\n\t[Header event, \(file.headerEvent.utf8.count) bytes]\n"
        let ftrace = "\t[Ftrace format, \(file.ftraceFormats.count) events]\n"
        let events = "\t[Events format, \(file.eventFormats.count) systems]\n"
        if file.version >= 7 {
            out += "\t\t\(file.compression?.name ?? "none")\t[Compression algorithm]\n"
            out += "\t\t\(file.compression?.version ?? "")\t[Compression version]\n"
            var count = 0
            for o in file.options {
                count += 1
                switch o.value {
                case .buffer(let b):
                    let total = b.cpus.reduce(0) { $0 + $1.size }
                    out += "\t[buffer \"\(b.name)\", \"\(b.clock ?? "")\" clock, \(b.pageSize ?? 0) page size, \(b.cpus.count) cpus, \(total) bytes flyrecord data]\n"
                case .bufferText(let b):
                    out += "\t[buffer \"\(b.name)\", \"\(b.clock)\" clock, latency data]\n"
                default: break
                }
            }
            out += "\t[\(count) options]\n"
            // Metadata sections, most recently listed option first (as the reference lists them).
            for o in file.options.reversed() {
                switch o.id {
                case .cmdlines: out += "\t[Saved command lines, \(cmdlines) bytes]\n"
                case .printk: out += "\t[Trace printk, \(printk) bytes]\n"
                case .kallsyms: out += "\t[Kallsyms, \(kallsyms) bytes]\n"
                case .eventFormats: out += events
                case .ftraceEvents: out += ftrace
                case .headerInfo: out += header
                default: break
                }
            }
            out += "\t[\(file.sequentialSections().count) sections]\n"
        } else {
            out += header + ftrace + events
            out += "\t[Kallsyms, \(kallsyms) bytes]\n\t[Trace printk, \(printk) bytes]\n"
            out += "\t[Saved command lines, \(cmdlines) bytes]\n"
            out += "\t\(file.cpuCount) [CPUs with tracing data]\n"
            var count = 0
            for o in file.options where o.rawID != 0 { count += 1 }
            if !file.optionGroups.isEmpty { out += "\t[\(count) options]\n" }
            if let top = file.topBuffer, top.kind == .latency {
                out += "\t[Latency tracing data]\n"
            } else {
                out += "\t[Flyrecord tracing data]\n"
                out += "\t[Tracing clock]\n"
                let hasClock = file.options.contains { $0.id == .traceClock }
                if hasClock, let c = file.topBuffer?.clock {
                    out += "\t\t[\(c)]\n"
                } else {
                    out += "\t\t No tracing clock saved in the file\n"
                }
            }
        }
        return out
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16, uppercase: true) }
}

extension TraceFile {
    /// For v7: the sections laid out one after the other from ``sectionsStart`` (how
    /// `trace-cmd dump` walks them), stopping at the end of the file or at a header that does
    /// not fit. Bounded by the file size.
    @_spi(Engine) public func sequentialSections() -> [SectionInfo] {
        guard let start = sectionsStart else { return [] }
        var out: [SectionInfo] = []
        var at = start
        let bytes = mapped.bytes
        while at + SectionInfo.headerSize <= bytes.count {
            guard let id = bytes.loadUnsigned(at: at, size: 2, order: byteOrder),
                  let fl = bytes.loadUnsigned(at: at + 2, size: 2, order: byteOrder),
                  let sid = bytes.loadUnsigned(at: at + 4, size: 4, order: byteOrder),
                  let size = bytes.loadUnsigned(at: at + 8, size: 8, order: byteOrder) else { break }
            out.append(SectionInfo(id: UInt16(id), flags: UInt16(fl), stringID: UInt32(sid), name: nil,
                                   offset: at, size: Int(clamping: size)))
            guard size <= UInt64(bytes.count - at - SectionInfo.headerSize) else { break }
            at += SectionInfo.headerSize + Int(size)
        }
        return out
    }

    /// Section description strings by id (offset into the concatenated STRINGS sections).
    @_spi(Engine) public var sectionNames: [Int: String] {
        var all: [UInt8] = []
        for s in sequentialSections() where s.id == TraceOption.ID.strings.rawValue {
            if s.isCompressed {
                if let c = try? FileLayoutReader.decompressSection(s, bytes: mapped.bytes, order: byteOrder,
                                                                   decompressor: decompressor, file: path) {
                    all += c
                }
            } else if s.size <= mapped.bytes.count - s.contentOffset {
                // (A section whose size does not fit may be listed last; its size can be Int.max.)
                all += UnsafeRawBufferPointer(rebasing: mapped.bytes[s.contentRange])
            }
        }
        var names: [Int: String] = [:]
        var start = 0
        for i in all.indices where all[i] == 0 {
            names[start] = String(decoding: all[start..<i], as: UTF8.self)
            start = i + 1
        }
        return names
    }
}
