import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

@Suite struct DumpGoldenTests {
    /// The walker over the file as stored (a file cut short too): what it prints before it
    /// stops, and whether it stops (the reference then exits 255).
    static func walk(_ entry: Fixtures.Entry, _ items: DumpItems) throws -> (text: String, stopped: Bool) {
        let input = try #require(entry.inputs.first)
        let mapped = try MappedFile(path: Fixtures.path(input))
        var bytes: [UInt8] = []
        var stopped = false
        do {
            // The reference prints the path as given on its command line.
            try TraceFileDumpWalker.dump(mapped.view, displayPath: entry.argvInputs.first ?? input, items: items) { bytes += $0 }
        } catch {
            stopped = true
        }
        return (String(decoding: bytes, as: UTF8.self), stopped)
    }

    @Test(arguments: Fixtures.entries("dump-options"))
    func optionsMatchReference(_ entry: Fixtures.Entry) throws {
        let r = try Self.walk(entry, .options)
        #expect(r.text == (try entry.expected()))
        #expect(r.stopped == (entry.exit == 255))
        // The TraceFile API gives the same text for files it opens.
        if entry.exit == 0, let input = entry.inputs.first {
            let file = try TraceFile.open(Fixtures.path(input), mode: .headOnly)
            #expect(TraceFileDump.options(of: file) == r.text)
        }
    }

    @Test(arguments: Fixtures.entries("dump-summary"))
    func summaryMatchesReference(_ entry: Fixtures.Entry) throws {
        let r = try Self.walk(entry, .summary)
        #expect(r.text == (try entry.expected()))
        #expect(r.stopped == (entry.exit == 255))
        if entry.exit == 0, let input = entry.inputs.first {
            let file = try TraceFile.open(Fixtures.path(input), mode: .headOnly)
            #expect(TraceFileDump.summary(of: file, displayPath: entry.argvInputs.first) == r.text)
        }
    }

    @Test func manifestHasDumpEntries() {
        #expect(Fixtures.entries("dump-options").count >= 3)
    }

    /// (parity/v6-truncated.dat is cut inside its header on purpose: `dump` reads it, not `open`.)
    @Test(arguments: Fixtures.allTraceFiles.filter { $0 != "parity/v6-truncated.dat" })
    func opensBothWays(_ name: String) throws {
        let full = try TraceFile.open(Fixtures.path(name), mode: .full)
        let head = try TraceFile.open(Fixtures.path(name), mode: .headOnly)
        #expect(full.options.count == head.options.count)
        #expect(!full.buffers.isEmpty)
        #expect(full.eventFormats.count > 0)
        // Head-only never serves trace data.
        if let b = head.buffers.first, !b.cpus.isEmpty {
            #expect(throws: TraceFileError.self) { try CPUPageSource(file: head, buffer: b, cpuIndex: 0) }
        }
        for b in full.buffers where b.kind == .flyrecord {
            for i in b.cpus.indices {
                let s = try CPUPageSource(file: full, buffer: b, cpuIndex: i)
                for p in 0..<s.pageCount { _ = try s.page(p) }
            }
        }
    }
}
