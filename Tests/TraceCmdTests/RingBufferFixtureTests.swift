import Testing
@_spi(Engine) @testable import TraceCmd

/// The record streams checked on the shared fixtures (Tests/Fixtures/*.dat) against the
/// reference's golden data: `golden/<id>/records.txt` ("cpu ts" per record in
/// `tracecmd_read_next_data` order) and the dropped-events lines of `report/default.txt`.
@Suite("RingBufferFixtures")
struct RingBufferFixtureTests {
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/Fixtures"
    }()

    /// Fixtures whose library timestamps are the raw ring-buffer ones (no DATE/OFFSET option,
    /// no TIME_SHIFT, no TSC2NSEC), so that the top buffer's merged order is comparable.
    static let ids = ["v6", "v7-nocompress", "v7-zstd", "buffers", "v6-buffers", "clock-counter", "clock-mono",
                      "clock-x86-tsc", "lost-events", "lost-events-extract", "events", "kstack", "userstack",
                      "uprobe", "all-events"]

    static func text(_ path: String) throws -> String {
        try RingBufferTests.readText(path)
    }

    @Test("top buffer merged order equals tracecmd_read_next_data", arguments: ids)
    func readNextDataOrder(_ id: String) throws {
        let golden = Self.root + "/golden/\(id)/records.txt"
        let expected = try Self.text(golden).split(separator: "\n").map(String.init)
        let file = try TraceFile.open(Self.root + "/\(id).dat")
        var it = try RecordIterator(file: file)
        var ours: [String] = []
        ours.reserveCapacity(expected.count)
        while let r = try it.next() { ours.append("\(r.cpu) \(r.timestamp)") }
        #expect(expected.count > 5)
        RingBufferTests.compare(ours, expected, "\(id) records")
    }

    @Test("dropped-events lines equal report's", arguments: ["lost-events", "lost-events-extract"])
    func droppedLines(_ id: String) throws {
        var expected: [String] = []
        for line in try Self.text(Self.root + "/golden/\(id)/report/default.txt").split(separator: "\n")
        where line.hasPrefix("CPU:") && line.hasSuffix("EVENTS DROPPED]") {
            expected.append(String(line))
        }
        let file = try TraceFile.open(Self.root + "/\(id).dat")
        var it = try RecordIterator(file: file)
        var ours: [String] = []
        while let r = try it.next() {
            switch r.missedEvents {
            case .none: break
            case .unknown: ours.append("CPU:\(r.cpu) [EVENTS DROPPED]")
            case .count(let n): ours.append("CPU:\(r.cpu) [\(n) EVENTS DROPPED]")
            }
        }
        #expect(!expected.isEmpty)
        RingBufferTests.compare(ours, expected, "\(id) dropped")
    }
}
