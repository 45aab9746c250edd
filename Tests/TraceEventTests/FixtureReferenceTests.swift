import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// Formats, symbol and comm tables against what the reference stored and printed for the recorded fixtures
/// (`Tests/Fixtures/golden/<name>/report/default.txt`, made by `trace-cmd report`). The
/// tables' texts are taken from the fixture files with `trace-cmd dump`.
@Suite struct FixtureReferenceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let traceCmd = ["/usr/bin/trace-cmd", "/usr/local/bin/trace-cmd"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool {
        traceCmd != nil && FileManager.default.fileExists(atPath: fixtures.appendingPathComponent("kstack.dat").path)
    }

    /// A text section of a fixture, as `trace-cmd dump --<flag>` prints it, without its two
    /// header lines.
    static func section(_ flag: String, of fixture: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: traceCmd ?? "trace-cmd")
        p.arguments = ["dump", "--" + flag, fixtures.appendingPathComponent(fixture).path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return lines.drop { $0.hasPrefix("\t[") }.joined(separator: "\n")
    }

    static func golden(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent("golden/\(name)/report/default.txt"), encoding: .utf8)
    }

    /// Every `=> name (address)` line of the kernel stacks resolves to the same name.
    @Test(.enabled(if: available, "needs trace-cmd and Tests/Fixtures"))
    func kernelStackSymbols() throws {
        let table = KallsymsTable(parsing: try Self.section("kallsyms", of: "kstack.dat"))
        #expect(table.stoppedAtLine == nil && table.count > 500)
        var checked = 0
        for line in try Self.golden("kstack").split(separator: "\n") where line.hasPrefix("=> ") {
            let parts = line.dropFirst(3).split(separator: " ")
            guard parts.count == 2, let addr = UInt64(parts[1].dropFirst().dropLast(), radix: 16) else {
                Issue.record("unexpected line \(line)")
                continue
            }
            #expect(table.symbol(containing: addr)?.name == String(parts[0]), "\(line)")
            checked += 1
        }
        #expect(checked > 4000)
    }

    /// For every pid in the saved cmdlines, the reference printed that comm (comms learned
    /// later from sched_switch never replace a saved one); pid 0 prints `<idle>`.
    @Test(.enabled(if: available, "needs trace-cmd and Tests/Fixtures"),
          arguments: ["v7-zstd", "events", "kstack", "lost-events", "clock-mono", "v6"])
    func commsOfRecordLines(fixture: String) throws {
        let cmdlines = SavedCmdlines(parsing: try Self.section("cmd-lines", of: fixture + ".dat"))
        #expect(cmdlines.count > 10 && cmdlines.stoppedAtLine == nil)
        let re = try NSRegularExpression(pattern: #"^\s*(.*)-(-?\d+)\s+\[\d+\]"#)
        var known = 0, unknown = 0
        for line in try Self.golden(fixture).split(separator: "\n") {
            let s = String(line)
            guard let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)),
                  let cr = Range(m.range(at: 1), in: s), let pr = Range(m.range(at: 2), in: s),
                  let pid = Int32(s[pr]) else { continue }
            if pid == 0 || cmdlines.comm(for: pid) != nil {
                #expect(String(s[cr]) == cmdlines.displayComm(for: pid), "\(fixture): \(s)")
                known += 1
            } else {
                unknown += 1
            }
        }
        #expect(known > 100)
    }

    /// Every format stored in `all-events.dat` (all systems of the recording kernel) and its
    /// ftrace formats parse, with the offsets and sizes their text gives.
    @Test(.enabled(if: available, "needs trace-cmd and Tests/Fixtures"))
    func allFormatsOfAFixture() throws {
        var total = 0
        for (flag, system) in [("events", "any"), ("ftrace-events", "ftrace")] {
            let text = try Self.section(flag, of: "all-events.dat")
            var chunks: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("name: ") { chunks.append("") }
                if !chunks.isEmpty { chunks[chunks.count - 1] += line + "\n" }
            }
            #expect(chunks.count > (system == "ftrace" ? 10 : 2000))
            for chunk in chunks {
                do {
                    let f = try EventFormat(parsing: chunk, system: system)
                    let numbers = try fieldNumbersInText(chunk)
                    let fields = f.commonFields + f.fields
                    #expect(fields.map(\.offset) == numbers.map(\.offset), "\(f.name)")
                    #expect(fields.map(\.size) == numbers.map(\.size), "\(f.name)")
                    #expect(!f.printFormatText.isEmpty, "\(f.name)")
                    total += 1
                } catch {
                    Issue.record("\(error)")
                }
            }
        }
        #expect(total > 2000)
    }
}
