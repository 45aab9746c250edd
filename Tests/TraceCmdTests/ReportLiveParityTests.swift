import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport

/// Every single-file fixture with every flag set of the report issue, compared live with the
/// installed reference `trace-cmd report` (the committed golden files cover a subset; this
/// covers the full matrix). scripts/test installs trace-cmd, so it is required here.
@Suite struct ReportLiveParityTests {
    static let flagSets: [(String, [String])] = [
        ("default", []), ("t", ["-t"]), ("R", ["-R"]), ("l", ["-l"]), ("N", ["-N"]),
        ("cpu0", ["--cpu", "0"]), ("ts-diff", ["--ts-diff"]), ("raw-ts", ["--raw-ts"]),
        ("stat", ["--stat"]), ("cpus", ["--cpus"]), ("first-event", ["--first-event"]),
        ("last-event", ["--last-event"]), ("w", ["-w"]), ("t-ts-diff", ["-t", "--ts-diff"]),
        ("l-R", ["-l", "-R"]),
    ]

    struct Case: CustomStringConvertible, Sendable {
        var fixture: String
        var flagset: String
        var args: [String]
        var description: String { "\(fixture) \(flagset)" }
    }

    /// Fixtures (single files) × flag sets, plus each fixture's `-F` filter from the manifest.
    static let cases: [Case] = {
        let singles = Set(Fixtures.manifest.filter { $0.cwd == "." && $0.argv.first == "trace-cmd" }.map(\.fixture))
        var out: [Case] = []
        for fx in singles.sorted() {
            for (name, flags) in flagSets {
                out.append(Case(fixture: fx, flagset: name, args: flags + ["-i", fx + ".dat"]))
            }
            if let f = Fixtures.manifest.first(where: { $0.fixture == fx && $0.flagset == "F" }) {
                out.append(Case(fixture: fx, flagset: "F", args: Array(f.argv.dropFirst(2))))
            }
        }
        return out
    }()

    static var traceCmd: String? { ReferenceTool.path }

    static func reference(_ args: [String]) throws -> (Data, Int32) {
        let r = try ReferenceTool.run(["report"] + args, directory: Fixtures.root)
        return (r.output, r.status)
    }

    @Test func referenceIsInstalled() {
        #expect(Self.traceCmd != nil, "trace-cmd is not installed: run scripts/install-deps")
    }

    @Test(arguments: cases)
    func matchesLiveReference(_ c: Case) throws {
        guard Self.traceCmd != nil else { return }
        let (ref, status) = try Self.reference(c.args)
        // A flag set the reference itself fails on (it crashes with -F on files with instances)
        // is not compared.
        guard status == 0 else { return }
        var options = try ReportOptions(arguments: c.args)
        options.quiet = true
        let files = try options.inputs.map { try TraceFile.open(Fixtures.root + "/" + $0.path) }
        var out: [UInt8] = []
        try TraceReport(files: files, options: options).run(sink: { $0.withUnsafeBytes { out.append(contentsOf: $0) } })
        let ours = String(decoding: out, as: UTF8.self)
        let expected = String(decoding: ref, as: UTF8.self)
        if ours != expected {
            let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("""
                \(c): differs (\(a.count) vs \(b.count) lines) at line \((first?.offset ?? min(a.count, b.count)) + 1):
                ours:     \(first.map { String($0.element.0) } ?? "<end>")
                expected: \(first.map { String($0.element.1) } ?? "<end>")
                """)
        }
    }
}
