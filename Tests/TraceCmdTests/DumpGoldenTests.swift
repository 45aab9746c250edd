import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

@Suite struct DumpGoldenTests {
    @Test(arguments: Fixtures.entries("dump-options"))
    func optionsMatchReference(_ entry: Fixtures.Entry) throws {
        let input = try #require(entry.inputs.first)
        let file = try TraceFile.open(Fixtures.path(input), mode: .headOnly)
        #expect(TraceFileDump.options(of: file) == (try entry.expected()))
    }

    @Test(arguments: Fixtures.entries("dump-summary"))
    func summaryMatchesReference(_ entry: Fixtures.Entry) throws {
        let input = try #require(entry.inputs.first)
        let file = try TraceFile.open(Fixtures.path(input), mode: .headOnly)
        // The reference prints the path as given on its command line.
        #expect(TraceFileDump.summary(of: file, displayPath: entry.argvInputs.first) == (try entry.expected()))
    }

    @Test func manifestHasDumpEntries() {
        #expect(Fixtures.entries("dump-options").count >= 3)
    }

    @Test(arguments: Fixtures.allTraceFiles)
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
