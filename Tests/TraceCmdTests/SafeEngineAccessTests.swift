import Testing
@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// The bounds-checked `@_spi(Engine)` counterparts of the engine's `package` pointer
/// declarations (what the fuzz package reads through) lend the same bytes as those do.
@Suite("Safe engine access")
struct SafeEngineAccessTests {
    static let fixtures = ["v6.dat", "v7-zstd.dat", "v7-nocompress.dat", "buffers.dat"]

    @Test("Record.withPayload lends each record's payload", arguments: fixtures)
    func recordPayload(_ name: String) throws {
        let file = try TraceFile.open(Fixtures.path(name))
        var records = 0
        for buffer in file.buffers where buffer.kind == .flyrecord {
            var it = try RecordIterator(file: file, buffer: buffer)
            while let r = try it.next() {
                let lent = r.withPayload { $0.array(0..<$0.byteCount) }
                #expect(lent == Array(r.payload))
                // The payload starts at common_type: the same event as the registry reads.
                let id = r.withPayload { $0.loadUnsigned(at: 0, size: 2, order: file.byteOrder) }
                #expect(id == r.payload.loadUnsigned(at: 0, size: 2, order: file.byteOrder))
                records += 1
            }
        }
        #expect(records > 0)
    }

    @Test("CPUPageSource.withPage lends each page; an index out of range throws", arguments: fixtures)
    func pages(_ name: String) throws {
        let file = try TraceFile.open(Fixtures.path(name))
        var pages = 0
        for buffer in file.buffers where buffer.kind == .flyrecord {
            for i in buffer.cpus.indices {
                let source = try CPUPageSource(file: file, buffer: buffer, cpuIndex: i, decompressAhead: false)
                for p in 0..<source.pageCount {
                    let lent = try source.withPage(p) { $0.array(0..<$0.byteCount) }
                    #expect(lent == Array(try source.page(p)))
                    #expect(!lent.isEmpty)
                    pages += 1
                }
                #expect(throws: TraceFileError.self) { try source.withPage(source.pageCount) { $0.byteCount } }
            }
        }
        #expect(pages > 0)
    }

    @Test("TraceFileDumpWalker.dump of a MappedFile prints what the dump of its bytes prints", arguments: fixtures)
    func dump(_ name: String) throws {
        let mapped = try MappedFile(path: Fixtures.path(name))
        #expect(mapped.count == mapped.view.count)
        #expect(mapped.copyBytes(0..<mapped.count) == mapped.view.array)
        var viaFile: [UInt8] = [], viaBytes: [UInt8] = []
        try TraceFileDumpWalker.dump(mapped, displayPath: name, items: .all) { viaFile += $0 }
        try TraceFileDumpWalker.dump(mapped.view, displayPath: name, items: .all) { viaBytes += $0 }
        #expect(!viaFile.isEmpty)
        #expect(viaFile == viaBytes)
    }

    @Test("TextBuffer.withBytes lends the bytes written so far")
    func textBuffer() {
        var out = TextBuffer(capacity: 16)
        out.withBytes { #expect($0.byteCount == 0) }
        out.append("sched_switch: ")
        out.append(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 100))
        out.withBytes { span in
            #expect(span.byteCount == out.count)
            #expect(span.array(0..<span.byteCount) == out.bytes)
        }
        #expect(out.withBytes { $0.string(0..<5) } == "sched")
    }
}
