import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport

/// `TraceReport` against the reference's `trace-cmd report` output for every fixture and
/// flag set in the golden manifest.
@Suite struct ReportGoldenTests {
    static let entries: [Fixtures.Entry] = Fixtures.manifest.filter {
        $0.argv.count >= 2 && $0.argv[0] == "trace-cmd" && $0.argv[1] == "report" && $0.exit == 0
    }

    /// Runs a report the way the reference was run (same arguments, same working directory).
    static func run(_ entry: Fixtures.Entry) throws -> String {
        var options = try ReportOptions(arguments: Array(entry.argv.dropFirst(2)))
        let dir = entry.cwd == "." ? Fixtures.root : Fixtures.root + "/" + entry.cwd
        let files = try options.inputs.map { try TraceFile.open(dir + "/" + $0.path) }
        options.quiet = true
        var out: [UInt8] = []
        try TraceReport(files: files, options: options).run(sink: { $0.withUnsafeBytes { out.append(contentsOf: $0) } })
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: entries)
    func matchesReference(_ entry: Fixtures.Entry) throws {
        let expected = try entry.expected()
        let ours = try Self.run(entry)
        if ours != expected {
            let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("""
                \(entry): output differs (\(a.count) vs \(b.count) lines); first difference at line \((first?.offset ?? min(a.count, b.count)) + 1):
                ours:     \(first.map { String($0.element.0) } ?? "<end>")
                expected: \(first.map { String($0.element.1) } ?? "<end>")
                """)
        }
    }

    @Test func manifestHasReports() {
        #expect(Self.entries.count > 50)
    }
}
