import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport

/// The options of `trace-cmd report` beyond the main manifest's flag sets (`--align-ts`,
/// `--ts2secs`, `--ts-check`, `-I`, `-S`, `-r`, `-n`, `-O`, `-L`, `-V`, `-T`, `-p`, `-e`, `-f`, `-P`,
/// `-E`, `--check-events`, `--uname`, `--version`, `--profile` with `-G`, `-H`, `--by-comm`),
/// against the reference's output recorded
/// by scripts/golden/report-options.sh (golden/report-options/manifest.tsv): standard output,
/// exit status, and for `--ts-check` the warnings on standard error.
@Suite struct ReportOptionGoldenTests {
    static let entries = Fixtures.manifest(at: "golden/report-options/manifest.tsv")

    struct Result {
        var stdout: String
        var diagnostics: String
        var status: Int32
    }

    /// Runs our report the way the reference was run (same arguments, same directory).
    static func run(_ argv: [String], directory: String) throws -> Result {
        let options = try ReportOptions(arguments: argv)
        let files = try options.inputs.map { try TraceFile.open(directory + "/" + $0.path) }
        var out: [UInt8] = []
        var diagnostics = ""
        let status = try TraceReport(files: files, options: options).run(
            sink: { $0.withUnsafeBytes { out.append(contentsOf: $0) } },
            diagnostics: { diagnostics += $0 })
        return Result(stdout: String(decoding: out, as: UTF8.self), diagnostics: diagnostics, status: status)
    }

    static func directory(_ entry: Fixtures.Entry) -> String {
        entry.cwd == "." ? Fixtures.root : Fixtures.root + "/" + entry.cwd
    }

    /// The first differing line of two texts, for a readable failure.
    static func difference(_ ours: String, _ expected: String) -> String? {
        guard ours != expected else { return nil }
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
        return """
            differs (\(a.count) vs \(b.count) lines); first difference at line \((first?.offset ?? min(a.count, b.count)) + 1):
            ours:     \(first.map { String($0.element.0) } ?? "<end>")
            expected: \(first.map { String($0.element.1) } ?? "<end>")
            """
    }

    /// libtraceevent's messages about the plugin .so files it loads and the handlers they
    /// install (at `-V` levels info and above); the plugins of this implementation are built
    /// in, so it has no such messages.
    static func withoutPluginLoading(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter {
            !$0.hasPrefix("registering plugin: ") && !$0.hasPrefix("overriding event (")
                && !$0.hasPrefix("removing override handler for event (")
        }.joined(separator: "\n")
    }

    struct ProfileBlock: Equatable, Comparable {
        var header: String
        /// The task's events (each with its stack chain lines), sorted.
        var events: [String]

        static func < (a: Self, b: Self) -> Bool {
            a.header != b.header ? a.header < b.header : a.events.lexicographicallyPrecedes(b.events)
        }
    }

    /// A `--profile` output as blocks (the lines before the first task, each task, global
    /// task and group), each with the set of its events; in output order, or sorted when
    /// there are `--by-comm` groups (the reference orders those at random).
    static func profileBlocks(_ text: String) -> [ProfileBlock] {
        var blocks: [ProfileBlock] = []
        var event: [Substring]?
        func closeEvent() {
            guard var e = event, !blocks.isEmpty else { return }
            while e.last == "" { e.removeLast() }
            if !e.isEmpty { blocks[blocks.count - 1].events.append(e.joined(separator: "\n")) }
            event = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("task: ") || line.hasPrefix("group: ") || line.hasPrefix("Global ") || blocks.isEmpty {
                closeEvent()
                blocks.append(ProfileBlock(header: String(line), events: []))
            } else if line.hasPrefix("  Event: ") {
                closeEvent()
                event = [line]
            } else if event != nil {
                event?.append(line)
            } else if !line.isEmpty {
                blocks[blocks.count - 1].events.append(String(line))
            }
        }
        closeEvent()
        for i in blocks.indices { blocks[i].events.sort() }
        return text.contains("\ngroup: ") ? blocks.sorted() : blocks
    }

    @Test func manifestCoversTheOptions() {
        #expect(Self.entries.count > 90)
        let flags = Set(Self.entries.flatMap(\.argv))
        for option in ["--align-ts", "--ts2secs", "--ts-check", "-I", "-S", "-IS", "-r", "-n", "-O", "-L", "-V", "-T",
                       "-p", "-e", "-f", "-P", "-E", "--check-events", "--uname", "--version", "--profile", "-G", "-H",
                       "--by-comm"] {
            #expect(flags.contains(option), "no golden output for \(option)")
        }
    }

    @Test(arguments: entries)
    func matchesReference(_ entry: Fixtures.Entry) throws {
        let r = try Self.run(Array(entry.argv.dropFirst(2)), directory: Self.directory(entry))
        // Read as bytes: raw field output (-r) may hold bytes that are not UTF-8.
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/golden/" + entry.stdout))
        var expected = String(decoding: data, as: UTF8.self)
        if entry.argv.contains(where: { $0.hasPrefix("-V") }) { expected = Self.withoutPluginLoading(expected) }
        if entry.argv.contains("--profile") {
            // The events of a task with equal sort keys, and the groups of --by-comm, come
            // in the reference's hash order: compared as sets.
            let ours = Self.profileBlocks(r.stdout), theirs = Self.profileBlocks(expected)
            #expect(ours.count == theirs.count, "\(entry): \(ours.count) vs \(theirs.count) blocks")
            for (a, b) in zip(ours, theirs) where a != b {
                Issue.record("\(entry): block '\(a.header)' differs from the reference's '\(b.header)': ours \(a.events.count) events, \(b.events.count) expected; first ours not expected: \(a.events.first { !b.events.contains($0) } ?? "-")")
                break
            }
        } else if let d = Self.difference(r.stdout, expected) {
            Issue.record("\(entry): \(d)")
        }
        #expect(Int(r.status) == entry.exit, "\(entry): exit status")
        if entry.argv.contains("--ts-check") {
            let stderrPath = Fixtures.root + "/golden/" + entry.stdout.dropLast(4) + ".stderr"
            let expectedErr = try String(contentsOfFile: String(stderrPath), encoding: .utf8)
            #expect(r.diagnostics == expectedErr, "\(entry): --ts-check warnings")
        }
    }

    struct LiveCase: CustomStringConvertible, Sendable {
        var fixture: String
        var args: [String]
        var description: String { "\(fixture) \(args.joined(separator: " "))" }
    }

    /// Every single-file fixture with the options, live against the installed reference (the
    /// committed golden data cover a subset of this matrix).
    static let liveCases: [LiveCase] = {
        let fixtures = Fixtures.allTraceFiles.filter { !$0.contains("/") }
        let options: [[String]] = [["--align-ts"], ["-I"], ["-S"], ["-r", "sched"], ["-n", "sched_switch"],
                                   ["-O", "offset"], ["-E"], ["--uname"], ["--profile"]]
        return fixtures.flatMap { f in options.map { LiveCase(fixture: f, args: $0 + ["-i", f]) } }
    }()

    @Test(arguments: liveCases)
    func matchesLiveReference(_ c: LiveCase) throws {
        guard ReferenceTool.path != nil else {
            Issue.record("trace-cmd is not installed: run scripts/install-deps")
            return
        }
        // --profile on a file without sched_wakeup: the reference reads unset values (see
        // the README); on instance buffers it dies.
        if c.args.contains("--profile") {
            let f = try TraceFile.open(Fixtures.path(c.fixture))
            let formats = f.eventFormats.flatMap { sys in sys.formats.map { (sys.system, $0) } }
            let hasWakeup = formats.contains { $0.0 == "sched" && $0.1.contains("name: sched_wakeup\n") }
            if !hasWakeup || f.buffers.contains(where: { !$0.isTopLevel }) { return }
        }
        let (ref, status) = try ReferenceTool.run(["report"] + c.args, directory: Fixtures.root)
        #expect(status == 0, "the reference failed")
        let expected = String(decoding: ref, as: UTF8.self)
        let ours = try Self.run(c.args, directory: Fixtures.root).stdout
        if c.args.contains("--profile") {
            #expect(Self.profileBlocks(ours) == Self.profileBlocks(expected), "\(c): profile differs")
        } else if let d = Self.difference(ours, expected) {
            Issue.record("\(c): \(d)")
        }
    }

    /// Options that change the output do change it (the golden files would not catch an
    /// option that the reference ignores on these fixtures while ours ignores it too).
    @Test func optionsChangeTheOutput() throws {
        let dir = Fixtures.root
        let plain = try Self.run(["-i", "kstack.dat"], directory: dir).stdout
        for args in [["-I"], ["-S"], ["-r", "sched"], ["-n", "kernel_stack"], ["-O", "offset"], ["-L"], ["--align-ts"],
                     ["--ts2secs", "2000000000"]] {
            let other = try Self.run(args + ["-i", "kstack.dat"], directory: dir).stdout
            #expect(other != plain, "\(args) printed the default report")
        }
    }

    /// `--ts-check` on a trace whose CPU 0 goes backwards: v6.dat with the timestamp of CPU 0's
    /// second page moved before its first page. Ours and the reference print the same records
    /// and the same warnings (and none with `-q`).
    @Test func timestampCheckWarnsLikeTheReference() throws {
        guard ReferenceTool.path != nil else {
            Issue.record("trace-cmd is not installed: run scripts/install-deps")
            return
        }
        let source = try TraceFile.open(Fixtures.path("v6.dat"))
        let cpu0 = try #require(source.topBuffer?.cpus.first { $0.cpu == 0 })
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("v6.dat"))))
        let page1 = Int(cpu0.offset), page2 = page1 + source.pageSize
        try #require(cpu0.size > source.pageSize)
        var first: UInt64 = 0
        for k in 0..<8 { first |= UInt64(bytes[page1 + k]) << (8 * UInt64(k)) }
        let moved = first - 5_000_000
        for k in 0..<8 { bytes[page2 + k] = UInt8(truncatingIfNeeded: moved >> (8 * UInt64(k))) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tc-tscheck-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(bytes).write(to: dir.appendingPathComponent("backwards.dat"))

        let p = Process()
        p.executableURL = URL(fileURLWithPath: ReferenceTool.path ?? "/usr/bin/trace-cmd")
        p.arguments = ["report", "--ts-check", "-i", "backwards.dat"]
        p.currentDirectoryURL = dir
        p.environment = ["LC_ALL": "C", "HOME": "/nonexistent", "PATH": "/usr/bin:/bin"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let refOut = out.fileHandleForReading.readDataToEndOfFile()
        let refErr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()

        let ours = try Self.run(["--ts-check", "-i", "backwards.dat"], directory: dir.path)
        let expectedErr = String(decoding: refErr, as: UTF8.self)
        #expect(expectedErr.contains("went backwards"), "the crafted file does not go backwards")
        #expect(ours.diagnostics == expectedErr)
        if let d = Self.difference(ours.stdout, String(decoding: refOut, as: UTF8.self)) { Issue.record("stdout \(d)") }
        let quiet = try Self.run(["-q", "--ts-check", "-i", "backwards.dat"], directory: dir.path)
        #expect(quiet.diagnostics.isEmpty)
    }

    /// `--check-events` on v6.dat with sched_wakeup's format broken (its `ID:` line, its `name:`
    /// line): exit status 22 as the reference's, and 0 on the intact file.
    @Test(arguments: [("ID: ", "IX: "), ("name: sched_wakeup", "nXme: sched_wakeup")])
    func checkEventsFailsLikeTheReference(_ edit: (String, String)) throws {
        guard ReferenceTool.path != nil else {
            Issue.record("trace-cmd is not installed: run scripts/install-deps")
            return
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("v6.dat"))))
        let start = try #require(Self.find(Array("name: sched_wakeup\n".utf8), in: bytes, from: 0))
        let at = try #require(Self.find(Array(edit.0.utf8), in: bytes, from: start))
        bytes.replaceSubrange(at..<(at + edit.0.utf8.count), with: Array(edit.1.utf8))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tc-checkevents-\(getpid())-\(at)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(bytes).write(to: dir.appendingPathComponent("broken.dat"))
        let (_, refStatus) = try ReferenceTool.run(["report", "--check-events", "-i", "broken.dat"], directory: dir.path)
        let ours = try Self.run(["--check-events", "-i", "broken.dat"], directory: dir.path)
        #expect(refStatus == 22)
        #expect(ours.status == refStatus)
        #expect(ours.stdout.isEmpty)
        #expect(try Self.run(["--check-events", "-i", "v6.dat"], directory: Fixtures.root).status == 0)
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// `-h` lists every option of the reference's own help (`trace-cmd report -h`), and each
    /// of them is accepted.
    @Test func helpListsEveryOption() throws {
        guard ReferenceTool.path != nil else {
            Issue.record("trace-cmd is not installed: run scripts/install-deps")
            return
        }
        let ref = String(decoding: try ReferenceTool.run(["report", "-h"]).output, as: UTF8.self)
        var names: Set<String> = []
        for line in ref.split(separator: "\n") {
            let t = line.drop { $0 == " " }
            guard t.hasPrefix("-"), let word = t.split(separator: " ").first else { continue }
            // "-V[level]" / "--verbose[=level]" / "--cpu" / "--ts2secs HZ," -> the option itself
            let name = String(word.prefix { $0 != "[" && $0 != "," && $0 != "=" })
            names.insert(name)
        }
        #expect(names.count > 35, "could not read the reference's help")
        #expect(try ReportOptions(arguments: ["-h"]).help)
        #expect(try ReportOptions(arguments: ["--help"]).help)
        let ours = ReportOptions.helpText
        let ourLines = ours.split(separator: "\n").map { $0.drop { $0 == " " } }
        for name in names.sorted() {
            #expect(ourLines.contains { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "[") || $0.hasPrefix(name + ",") },
                    "help does not list \(name)")
            // Accepted: with a value where it takes one.
            var args = [name]
            if name.hasPrefix("--") {
                if let o = try? ReportOptions.longOption(String(name.dropFirst(2))), o.kind == .required {
                    args.append(name == "--cpu" ? "0" : name == "--ts-offset" || name == "--ts2secs" ? "1" : "x")
                }
            } else if let c = name.dropFirst().first, ReportOptions.shortOptions[c] == .required {
                args.append("x")
            }
            if name == "--ts-offset" { args = ["-i", "a", "-i", "b"] + args }
            do { _ = try ReportOptions(arguments: args) } catch {
                Issue.record("\(args) not accepted: \(error.message)")
            }
        }
    }
}
