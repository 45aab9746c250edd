import TestSupport
import Foundation
@_spi(Engine) @testable import TraceCmd

/// Access to the real recordings in Tests/Fixtures and the reference's golden outputs.
enum Fixtures {
    /// The Tests/Fixtures directory.
    static let root: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    static func path(_ name: String) -> String { root + "/" + name }

    /// One row of golden/manifest.tsv.
    struct Entry: Sendable, CustomStringConvertible {
        var fixture: String
        var flagset: String
        var cwd: String
        var stdout: String
        var exit: Int
        var argv: [String]
        var description: String { "\(fixture)/\(flagset)" }

        /// The input files named by `-i` in argv, relative to Tests/Fixtures.
        var inputs: [String] { argvInputs.map { cwd == "." ? $0 : cwd + "/" + $0 } }

        /// The input files exactly as the reference's command line named them.
        var argvInputs: [String] {
            var out: [String] = []
            var i = 0
            while i < argv.count {
                if argv[i] == "-i", i + 1 < argv.count { out.append(argv[i + 1]); i += 2; continue }
                i += 1
            }
            if out.isEmpty, argv.first == "tcinfo" { out = Array(argv.dropFirst()) }
            return out
        }

        /// The golden stdout's contents.
        func expected() throws -> String {
            try String(contentsOfFile: Fixtures.root + "/golden/" + stdout, encoding: .utf8)
        }
    }

    /// All manifest rows.
    static let manifest: [Entry] = manifest(at: "golden/manifest.tsv")

    /// The rows of a manifest file (relative to Tests/Fixtures) in the format of golden/manifest.tsv.
    static func manifest(at relativePath: String) -> [Entry] {
        guard let text = try? String(contentsOfFile: root + "/" + relativePath, encoding: .utf8) else { return [] }
        var rows: [Entry] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 7,
                  let data = cols[6].data(using: .utf8),
                  let argv = try? JSONDecoder().decode([String].self, from: data) else { continue }
            rows.append(Entry(fixture: cols[0], flagset: cols[1], cwd: cols[2], stdout: cols[3],
                              exit: Int(cols[5]) ?? -1, argv: argv))
        }
        return rows
    }

    static func entries(_ flagset: String) -> [Entry] { manifest.filter { $0.flagset == flagset } }

    /// Every .dat file under Tests/Fixtures (relative paths), sorted.
    static let allTraceFiles: [String] = {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            if p.hasSuffix(".dat") && !p.hasPrefix("golden/") { out.append(p) }
        }
        return out.sorted()
    }()
}

/// The installed reference `trace-cmd`, run as a subprocess with the C locale and no
/// `~/.trace-cmd` plugins: its standard output and exit status (standard error dropped).
enum ReferenceTool {
    static let path: String? = ProcessRunner.traceCmdPath

    static func run(_ arguments: [String], directory: String? = nil) throws -> (output: Data, status: Int32) {
        try ProcessRunner.traceCmd(arguments, directory: directory)
    }
}
