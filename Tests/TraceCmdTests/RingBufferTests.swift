import Testing
@_spi(Engine) @testable import TraceCmd

/// Ring-buffer decoding checked against the reference (libtracecmd 3.1.6 / trace-cmd report)
/// on real recordings in Tests/Fixtures/ringbuffer (see scripts/ringbuffer/record-fixtures.sh).
@Suite("RingBuffer")
struct RingBufferTests {
    static let dir: String = {
        let here = "\(#filePath)"
        var parts = here.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)  // TraceCmdTests/RingBufferTests.swift
        return parts.joined(separator: "/") + "/Fixtures/ringbuffer"
    }()

    static func path(_ name: String) -> String { "\(dir)/\(name)" }

    static func lines(_ name: String) throws -> [String] {
        return try readText(path(name)).split(separator: "\n").map(String.init)
    }

    static func readText(_ path: String) throws -> String {
        let m = try MappedFile(path: path)
        // The mapping must outlive the decoding.
        return withExtendedLifetime(m) { String(decoding: m.bytes, as: UTF8.self) }
    }

    static let fixtures = ["v6", "v7-none", "v7-zstd", "instance", "instance-v6", "gaps", "lost", "lost-record"]

    /// FNV-1a 64, as rbrecords.c computes it.
    static func fnv(_ h: inout UInt64, _ s: String) {
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100000001b3
        }
    }

    /// The rbrecords.c summary lines, computed with our reader (CPU streams in file order).
    static func summary(_ file: TraceFile) throws -> [String] {
        var out: [String] = []
        var buffers: [TraceBuffer] = []
        if let top = file.topBuffer { buffers.append(top) }
        buffers += file.instances
        for b in buffers where b.kind == .flyrecord {
            for s in try RecordIterator.streams(file: file, buffer: b) {
                var n = 0
                var first: UInt64 = 0, last: UInt64 = 0
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                var missed: [String] = []
                while let r = try s.next() {
                    if n == 0 { first = r.timestamp }
                    last = r.timestamp
                    fnv(&hash, "\(r.timestamp) \(r.offset) \(r.size) \(r.recordSize) \(r.missedEventsValue) "
                        + "\(r.isFirstOnPage ? 1 : 0) \(r.pageTimestamp) \(r.timeDelta)\n")
                    if r.missedEventsValue != 0 { missed.append("\(n):\(r.missedEventsValue)") }
                    n += 1
                }
                if n > 0 {
                    let h = String(hash, radix: 16)
                    let hex = String(repeating: "0", count: 16 - h.count) + h
                    out.append("buffer=\(b.isTopLevel ? "-" : b.name) cpu=\(s.cpu) records=\(n) first=\(first) "
                               + "last=\(last) hash=\(hex) missed=\(missed.joined(separator: ","))")
                }
            }
        }
        return out
    }

    /// The expected "BUF CPU TS PID" / "D BUF CPU N" lines, timestamps made absolute.
    static func expectedOrder(_ name: String) throws -> [String] {
        var last: Int64 = 0
        return try lines(name).map { line in
            let f = line.split(separator: " ")
            guard f.count == 4, f[0] != "D", let d = Int64(f[2]) else { return line }
            last += d
            return "\(f[0]) \(f[1]) \(last) \(f[3])"
        }
    }

    /// Our merged order, in the same format: the top buffer's CPUs then each instance's, as
    /// trace-cmd report merges the handles of one file.
    static func ourOrder(_ file: TraceFile, cpus: Set<Int>? = nil) throws -> [String] {
        var streams: [CPURecordStream] = []
        var names: [String] = []
        var buffers: [TraceBuffer] = []
        if let top = file.topBuffer { buffers.append(top) }
        buffers += file.instances
        for b in buffers where b.kind == .flyrecord {
            let s = try RecordIterator.streams(file: file, buffer: b, cpus: cpus)
            streams += s
            names += Array(repeating: b.isTopLevel ? "-" : b.name, count: s.count)
        }
        var merger = RecordMerger(streams: streams)
        var out: [String] = []
        while let (k, r) = try merger.next() {
            switch r.missedEvents {
            case .none: break
            case .unknown: out.append("D \(names[k]) \(r.cpu) -1")
            case .count(let n): out.append("D \(names[k]) \(r.cpu) \(n)")
            }
            out.append("\(names[k]) \(r.cpu) \(r.timestamp) \(r.pid.map { String($0) } ?? "?")")
        }
        return out
    }

    static func compare(_ ours: [String], _ expected: [String], _ what: String) {
        #expect(ours.count == expected.count, "\(what): \(ours.count) lines, reference \(expected.count)")
        if let i = zip(ours, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("\(what): line \(i) is \"\(ours[i])\", reference \"\(expected[i])\"")
        }
    }

    @Test("per-CPU records equal libtracecmd's (counts, first/last, offsets, sizes, missed)",
          arguments: fixtures)
    func perCPU(_ name: String) throws {
        let file = try TraceFile.open(Self.path("\(name).dat"))
        let expected = try Self.lines("\(name).records.txt")
        #expect(!expected.isEmpty)
        Self.compare(try Self.summary(file), expected, "\(name).records")
    }

    @Test("merged order equals trace-cmd report -t", arguments: fixtures)
    func mergedOrder(_ name: String) throws {
        let file = try TraceFile.open(Self.path("\(name).dat"))
        let expected = try Self.expectedOrder("\(name).order.txt")
        #expect(expected.count > 30)
        Self.compare(try Self.ourOrder(file), expected, "\(name).order")
    }

    @Test("RecordIterator of the top buffer equals report -t (single-buffer files)",
          arguments: ["v6", "v7-none", "v7-zstd", "gaps", "lost", "lost-record"])
    func iteratorOrder(_ name: String) throws {
        let file = try TraceFile.open(Self.path("\(name).dat"))
        var it = try RecordIterator(file: file)
        var out: [String] = []
        while let r = try it.next() {
            if r.missedEventsValue != 0 { out.append("D - \(r.cpu) \(r.missedEventsValue)") }
            out.append("- \(r.cpu) \(r.timestamp) \(r.pid.map { String($0) } ?? "?")")
        }
        Self.compare(out, try Self.expectedOrder("\(name).order.txt"), "\(name) iterator")
    }

    @Test("--cpu 1 equals trace-cmd report -t --cpu 1")
    func oneCPU() throws {
        let file = try TraceFile.open(Self.path("v7-zstd.dat"))
        let expected = try Self.expectedOrder("v7-zstd.cpu1.txt")
        #expect(expected.count > 30)
        Self.compare(try Self.ourOrder(file, cpus: [1]), expected, "v7-zstd --cpu 1")
    }

    @Test("layout from the files' header_page and header_event texts")
    func layout() throws {
        for name in ["v6", "v7-zstd"] {
            let file = try TraceFile.open(Self.path("\(name).dat"), mode: .headOnly)
            let l = try RingBufferLayout(file: file)
            #expect(l.longSize == 8)
            #expect(l.pageHeaderSize == 16)
            #expect(l.data == RingBufferLayout.Field(offset: 16, size: 4080))
            #expect(l.overwrite == RingBufferLayout.Field(offset: 8, size: 1))
            #expect(l.eventHeader == .standard)
            #expect(l.byteOrder == .little)
        }
    }

    @Test("header texts: 32-bit kernel, missing fields, other formats")
    func headerTexts() throws {
        let page32 = """
            \tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;
            \tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;
            \tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;
            \tfield: char data;\toffset:12;\tsize:4084;\tsigned:0;
            """
        let l = try RingBufferLayout(headerPage: page32, headerEvent: "", byteOrder: .big)
        #expect(l.longSize == 4)
        #expect(l.pageHeaderSize == 12)
        #expect(throws: TraceFileError.self) {
            try RingBufferLayout(headerPage: "\tfield: u64 timestamp;\toffset:0;\tsize:8;\n",
                                 headerEvent: "", byteOrder: .little)
        }
        #expect(throws: TraceFileError.self) {
            try RingBufferLayout(headerPage: "", headerEvent: "", byteOrder: .little)
        }
        #expect(throws: TraceFileError.self) {
            try EventHeaderFormat(parsing: "\ttype_len    :    6 bits\n")
        }
        // An old kernel's text without the time_stamp line is the standard format.
        let old = try EventHeaderFormat(parsing: """
            # compressed entry header
            \ttype_len    :    5 bits
            \ttime_delta  :   27 bits
            \tarray       :   32 bits

            \tpadding     : type == 29
            \ttime_extend : type == 30
            \tdata max type_len  == 28
            """)
        #expect(old == .standard)
    }

    @Test("gaps.dat has TIME_EXTEND entries (so the order test covers them)")
    func timeExtendsPresent() throws {
        let file = try TraceFile.open(Self.path("gaps.dat"))
        let layout = try RingBufferLayout(file: file)
        var extends = 0
        guard let top = file.topBuffer else { Issue.record("no top buffer"); return }
        for i in top.cpus.indices {
            let src = try CPUPageSource(file: file, buffer: top, cpuIndex: i)
            for p in 0..<src.pageCount {
                let page = try RingBufferPage(try src.page(p), layout: layout)
                var at = page.dataOffset
                while let e = page.rawEntry(at: at) {
                    if e.typeLen == 30 { extends += 1 }
                    at = e.nextOffset
                }
            }
        }
        #expect(extends > 0)
    }

    @Test("lost events: page-level missed counts and the records that carry them",
          arguments: ["lost", "lost-record"])
    func lostEvents(_ name: String) throws {
        let file = try TraceFile.open(Self.path("\(name).dat"))
        guard let top = file.topBuffer else { Issue.record("no top buffer"); return }
        var pagesWithMissed = 0
        for i in top.cpus.indices {
            let s = try CPURecordStream(file: file, buffer: top, cpuIndex: i)
            while let r = try s.next() {
                if r.isFirstOnPage, let page = s.currentPage, page.missedEvents != .none {
                    pagesWithMissed += 1
                    // A first record at data offset 0 carries the page's count (fits in 32 bits
                    // here); after a leading time extend, the reference reports nothing.
                    #expect(r.missedEvents == (r.offsetInPage == page.dataOffset ? page.missedEvents : .none))
                }
                if !r.isFirstOnPage { #expect(r.missedEvents == .none) }
            }
        }
        #expect(pagesWithMissed >= 1)
    }

    @Test("payload views and common fields")
    func commonFields() throws {
        let file = try TraceFile.open(Self.path("v7-none.dat"))
        var it = try RecordIterator(file: file)
        var n = 0
        let ids = Set(file.ftraceFormats.compactMap(Self.formatID)
                      + file.eventFormats.flatMap { $0.formats.compactMap(Self.formatID) })
        while let r = try it.next() {
            n += 1
            #expect(r.size >= 8 && r.size % 4 == 0)
            guard let id = r.eventID else { Issue.record("no event id"); break }
            #expect(ids.contains(id), "event id \(id) has no format")
            #expect(r.flags != nil && r.preemptCount != nil && r.pid != nil)
            #expect(r.offset == r.pageOffset + r.offsetInPage)
            #expect(r.pageOffset == file.buffers[0].cpus.first { $0.cpu == r.cpu }.map { $0.offset + r.pageIndex * file.pageSize })
        }
        #expect(n > 100)
    }

    static func formatID(_ text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("ID:") {
            return Int(line.dropFirst(3).trimmingSpaces())
        }
        return nil
    }

    @Test("corrupt pages end with typed errors, never read outside the page")
    func corruptPages() throws {
        let file = try TraceFile.open(Self.path("v7-none.dat"))
        let layout = try RingBufferLayout(file: file)
        guard let top = file.topBuffer else { Issue.record("no top buffer"); return }
        let src = try CPUPageSource(file: file, buffer: top, cpuIndex: 0)
        let original = Array(try src.page(0))
        let pageSize = original.count

        func withPage<R>(_ mutate: (inout [UInt8]) -> Void,
                         _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            var bytes = original
            mutate(&bytes)
            return try bytes.withUnsafeBytes { try body($0) }
        }
        func drain(_ page: RingBufferPage) -> (events: Int, error: RingBufferPageError?) {
            var it = page.makeIterator()
            var n = 0
            do {
                while let e = try it.next() {
                    n += 1
                    #expect(e.offset >= 0 && e.offset + e.recordSize <= pageSize)
                    if n > pageSize { break }
                }
            } catch { return (n, error) }
            return (n, nil)
        }

        // The untouched page decodes fully.
        let clean = try original.withUnsafeBytes { try drain(RingBufferPage($0, layout: layout)) }
        #expect(clean.error == nil && clean.events > 0)

        // Commit larger than the page: refused, like the reference's "bad page read".
        _ = withPage({ $0[8] = 0xff; $0[9] = 0xff; $0[10] = 0 }) { buf in
            #expect(throws: RingBufferPageError.self) { try RingBufferPage(buf, layout: layout) }
        }
        // Commit at the page size with a data event whose length runs past the page: a typed
        // error at that event.
        let r = try withPage({ b in
            b[8] = UInt8(pageSize & 0xff); b[9] = UInt8(pageSize >> 8); b[10] = 0; b[11] = 0
            // first event: type_len 0, array[0] = huge
            b[16] = 0; b[17] = 0; b[18] = 0; b[19] = 0
            b[20] = 0xff; b[21] = 0xff; b[22] = 0; b[23] = 0
        }) { buf in drain(try RingBufferPage(buf, layout: layout)) }
        #expect(r.events == 0)
        #expect(r.error?.kind == .eventOutsidePage(end: 16 + 8 + ((0xffff - 4 + 3) & ~3)))

        // Random corruption of real pages: every outcome is a clean end or a typed error.
        var rng = SplitMix(seed: 42)
        for _ in 0..<3000 {
            let flips = Int(rng.next() % 8) + 1
            withPage({ b in
                for _ in 0..<flips {
                    let at = Int(rng.next() % UInt64(min(pageSize, 512)))
                    b[at] = UInt8(truncatingIfNeeded: rng.next())
                }
            }) { buf in
                if let page = try? RingBufferPage(buf, layout: layout) {
                    _ = drain(page)
                    var at = page.dataOffset
                    var steps = 0
                    while let e = page.rawEntry(at: at), steps < pageSize {
                        #expect(e.nextOffset > at)
                        at = e.nextOffset
                        steps += 1
                    }
                }
            }
        }
    }

    /// The big-endian form of a real little-endian page: header words byte-swapped, event
    /// header bitfields in big-endian order (type_len in the top 5 bits), payloads unchanged.
    static func bigEndianCopy(of page: RingBufferPage, longSize: Int) -> [UInt8] {
        var out = Array(page.bytes)
        func put(_ v: UInt64, at: Int, size: Int) {
            for i in 0..<size { out[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(size - 1 - i))) }
        }
        put(page.timestamp, at: 0, size: 8)
        put(page.commitWord, at: 8, size: longSize)
        if case .count(let n) = page.missedEvents {
            put(n, at: page.dataOffset + page.dataSize, size: longSize)
        }
        var at = page.dataOffset
        while let e = page.rawEntry(at: at) {
            let w = page.bytes.loadUnsigned(at: at, size: 4, order: .little) ?? 0
            put(UInt64(e.typeLen) << 27 | (w >> 5), at: at, size: 4)
            if e.typeLen == 0 || e.typeLen >= 29, let a = page.bytes.loadUnsigned(at: at + 4, size: 4, order: .little) {
                put(a, at: at + 4, size: 4)
            }
            at = e.nextOffset
        }
        return out
    }

    @Test("big-endian pages decode like their little-endian originals", arguments: ["gaps", "lost-record"])
    func bigEndian(_ name: String) throws {
        let file = try TraceFile.open(Self.path("\(name).dat"))
        let le = try RingBufferLayout(file: file)
        var be = le
        be.byteOrder = .big
        guard let top = file.topBuffer else { Issue.record("no top buffer"); return }
        var events = 0
        for i in top.cpus.indices {
            let src = try CPUPageSource(file: file, buffer: top, cpuIndex: i)
            for p in 0..<src.pageCount {
                let page = try RingBufferPage(try src.page(p), layout: le)
                let swapped = Self.bigEndianCopy(of: page, longSize: le.longSize)
                try swapped.withUnsafeBytes { buf in
                    let bpage = try RingBufferPage(buf, layout: be)
                    #expect(bpage.timestamp == page.timestamp && bpage.dataSize == page.dataSize)
                    #expect(bpage.missedEvents == page.missedEvents)
                    var a = page.makeIterator(), b = bpage.makeIterator()
                    while true {
                        let x = try a.next(), y = try b.next()
                        #expect(x?.timestamp == y?.timestamp && x?.offset == y?.offset)
                        #expect(x?.missedEvents == y?.missedEvents && x?.timeDelta == y?.timeDelta)
                        guard let x, let y else { #expect(x == nil && y == nil); break }
                        #expect(x.payload.elementsEqual(y.payload))
                        events += 1
                    }
                }
            }
        }
        #expect(events > 30)
    }

    @Test("a corrupt page in a stream: error, then the stream goes on")
    func streamRecovers() throws {
        // Streams over a real file; a wrong layout (32-bit longs) misreads every page, which
        // must give typed errors or clean ends, and terminate.
        let file = try TraceFile.open(Self.path("v7-zstd.dat"))
        guard let top = file.topBuffer else { Issue.record("no top buffer"); return }
        let wrong = RingBufferLayout(longSize: 4, byteOrder: .big)
        let s = try CPURecordStream(file: file, buffer: top, cpuIndex: 0, layout: wrong)
        var errors = 0, records = 0, calls = 0
        while calls < 1_000_000 {
            calls += 1
            do {
                guard try s.next() != nil else { break }
                records += 1
            } catch {
                errors += 1
            }
        }
        #expect(calls < 1_000_000)
        #expect(errors + records > 0)
    }
}

/// A small deterministic random generator for the corruption test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
