import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport

/// Our `tracecmd` executable, as built next to the test bundle (`swift test` builds every
/// product of the package first).
enum OurTool {
    static let path: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // (A bundle directory on other platforms: look up to the products directory.)
        for _ in 0..<4 where !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("tracecmd").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("tracecmd").path
    }()

    /// Runs `tracecmd args` in `directory`: standard output, standard error, exit status.
    static func run(_ args: [String], in directory: String = Fixtures.root, prefix: [String] = [])
        throws -> (output: Data, error: String, status: Int32) {
        let p = Process()
        if prefix.isEmpty {
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = args
        } else {
            p.executableURL = URL(fileURLWithPath: prefix[0])
            p.arguments = Array(prefix.dropFirst()) + [path] + args
        }
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["COLUMNS"] = "80"
        p.environment = env
        // Standard error goes to a file (no second pipe to drain while reading the first).
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("tracecmd-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = errHandle
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try errHandle.close()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return (data, String(decoding: errData, as: UTF8.self), p.terminationStatus)
    }
}

/// Issue 15, part A: the first minute with the tool (errors, help, version, peers' text) and
/// `trace-cmd dump`'s every item, against the reference's golden output and exit status.
@Suite struct CLIParityTests {
    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: OurTool.path), "no tracecmd at \(OurTool.path)")
    }

    // MARK: dump

    /// Every `trace-cmd dump` row of the manifest (all items, -v, a bare file name, files cut
    /// short, TIME_SHIFT options the reference reads past): our `tracecmd dump` with the same
    /// arguments in the same directory prints the same bytes and exits the same way.
    static let dumpEntries = Fixtures.manifest.filter { $0.argv.count >= 2 && $0.argv[0] == "trace-cmd" && $0.argv[1] == "dump" }

    @Test(arguments: dumpEntries)
    func dumpMatchesReference(_ entry: Fixtures.Entry) throws {
        let dir = entry.cwd == "." ? Fixtures.root : Fixtures.root + "/" + entry.cwd
        let r = try OurTool.run(Array(entry.argv.dropFirst()), in: dir)
        let expected = try entry.expected()
        #expect(String(decoding: r.output, as: UTF8.self) == expected, "\(entry): stdout differs")
        #expect(Int(r.status) == entry.exit, "\(entry): exit status \(r.status), the reference's \(entry.exit)")
    }

    @Test func dumpRowsCoverEveryItem() {
        let sets = Set(Self.dumpEntries.map(\.flagset))
        for item in ["all", "summary", "head-page", "head-event", "ftrace-events", "systems", "events", "kallsyms",
                     "printk", "cmd-lines", "options", "flyrecord", "clock", "validate", "bare"] {
            #expect(sets.contains("dump-" + item), "no golden row for dump \(item)")
        }
        // v6 and v7 files, and a stop with exit status 255.
        #expect(Self.dumpEntries.contains { $0.fixture == "v6" && $0.flagset == "dump-all" })
        #expect(Self.dumpEntries.contains { $0.fixture == "v7-zstd" && $0.flagset == "dump-all" })
        #expect(Self.dumpEntries.contains { $0.exit == 255 })
    }

    /// Class 5: a v6 file cut after its CPU count: the reference prints what it could, then
    /// stops with "cannot read the rest of the header" and exit status 255; so do we.
    @Test func truncatedHeaderStopsLikeTheReference() throws {
        let r = try OurTool.run(["dump", "parity/v6-truncated.dat"])
        #expect(r.status == 255)
        #expect(r.error.contains("cannot read the rest of the header"))
        #expect(String(decoding: r.output, as: UTF8.self).hasSuffix("\t2 [CPUs with tracing data]\n"))
    }

    /// Class 4: the stored trace_clock text printed as stored (the full list, its newline and
    /// the blank line), not the selected clock alone.
    @Test func storedClockListPrintedAsStored() throws {
        let r = try OurTool.run(["dump", "--clock", "-i", "parity/v6-clocklist.dat"])
        let text = String(decoding: r.output, as: UTF8.self)
        #expect(text.contains("\t\t[local] global counter uptime perf mono mono_raw boot\n\n"))
        #expect(r.status == 0)
    }

    // MARK: the first minute

    @Test func versionPrintsAndSucceeds() throws {
        let r = try OurTool.run(["--version"])
        #expect(r.status == 0)
        let text = String(decoding: r.output, as: UTF8.self)
        #expect(text.hasPrefix("tracecmd "))
        #expect(text.hasSuffix("\n"))
    }

    /// Each option of a subcommand's help is one line: its name, then its help on the same
    /// line; no line of the OPTIONS section continues a previous one.
    @Test(arguments: ["dump", "peers"])
    func helpListsOneLinePerOption(_ command: String) throws {
        let r = try OurTool.run([command, "--help"])
        #expect(r.status == 0)
        let text = String(decoding: r.output, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "OPTIONS:"))
        var options = 0
        for line in lines[(start + 1)...] {
            if line.isEmpty { break }
            // "  --name <value>   Help text." : an option, two spaces in, with its help.
            #expect(line.hasPrefix("  -"), "\(command) --help: a continuation line: \(line)")
            let afterName = line.dropFirst(2).drop { $0 != " " }
            #expect(afterName.trimmingCharacters(in: .whitespaces).count > 3, "\(command): no help on the line: \(line)")
            options += 1
        }
        #expect(options >= 4)
    }

    @Test func dumpHelpNamesEveryReferenceOption() throws {
        let text = String(decoding: try OurTool.run(["dump", "--help"]).output, as: UTF8.self)
        for o in ["--head-page", "--head-event", "--ftrace-events", "--systems", "--events", "--kallsyms", "--printk",
                  "--cmd-lines", "--options", "--flyrecord", "--clock", "--all", "--summary", "-v", "-i"] {
            #expect(text.contains("  \(o)"), "dump --help lacks \(o)")
        }
    }

    @Test(arguments: [["dump"], ["report", "-i"], ["peers"]])
    func directoryIsNamedAsSuch(_ command: [String]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tracecmd-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try OurTool.run(command + [dir.path])
        #expect(r.status != 0)
        #expect(r.error.contains("Is a directory"), "\(command): \(r.error)")
        #expect(!r.error.contains("No such device"))
    }

    @Test func unreadableFileSaysPermissionDenied() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tracecmd-noperm-\(UUID().uuidString).dat")
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("v6.dat"))).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: file.path)
        // Root reads any file: run the tool as nobody then.
        let prefix = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        for command in [["dump"], ["report", "-i"], ["peers"]] {
            let r = try OurTool.run(command + [file.path], in: "/", prefix: prefix)
            #expect(r.status != 0)
            #expect(r.error.contains("Permission denied"), "\(command): \(r.error)")
        }
    }

    // MARK: peers

    /// `tracecmd peers` ends its last line with a newline, text and JSON, for every session
    /// and single file of the manifest.
    @Test(arguments: Fixtures.entries("info"))
    func peersEndsWithNewline(_ entry: Fixtures.Entry) throws {
        let dir = entry.cwd == "." ? Fixtures.root : Fixtures.root + "/" + entry.cwd
        for extra in [[], ["--json"]] {
            let r = try OurTool.run(["peers"] + extra + entry.argvInputs, in: dir)
            #expect(r.status == 0, "\(entry) \(extra): \(r.error)")
            #expect(r.output.last == 0x0a, "\(entry) \(extra): no newline at the end")
        }
    }

    /// A GUEST entry with an empty name (a byte-edited copy of session-1guest's host) reads
    /// `(empty name)`, not a blank, in the text; the JSON keeps "" as libtracecmd gives it.
    @Test func emptyGuestNameIsShown() throws {
        let text = String(decoding: try OurTool.run(["peers", "parity/guest-noname.dat"]).output, as: UTF8.self)
        #expect(text.contains("    (empty name)  id 0x61acfce926c96e3d  2 vcpus"))
        #expect(text.contains("note: guest (empty name) (trace ID"))
        let json = try OurTool.run(["peers", "--json", "parity/guest-noname.dat"]).output
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let files = try #require(object?["files"] as? [[String: Any]])
        let guests = try #require(files.first?["guests"] as? [[String: Any]])
        #expect(guests.first?["name"] as? String == "")
    }

    /// Class 1 for `tracecmd peers`: a `record -M 1` file has CPUCOUNT CPUs (libtracecmd's
    /// `tracecmd_cpus`), not the BUFFER option's one.
    @Test func cpuMaskRecordingHasCPUCountCPUs() throws {
        let info = try #require(Fixtures.manifest.first { $0.fixture == "parity/cpumask" && $0.flagset == "info" })
        let golden = try JSONSerialization.jsonObject(with: Data(try info.expected().utf8)) as? [String: Any]
        let expected = try #require((golden?["files"] as? [[String: Any]])?.first?["cpus"] as? Int)
        let file = try TraceFile.open(Fixtures.path("parity/cpumask.dat"))
        #expect(file.buffers.first?.cpus.count == 1)
        let json = try OurTool.run(["peers", "--json", "parity/cpumask.dat"]).output
        let ours = (try JSONSerialization.jsonObject(with: json) as? [String: Any])?["files"] as? [[String: Any]]
        #expect(ours?.first?["cpus"] as? Int == expected)
        #expect(expected == 2)
    }

    // MARK: report parity rows the reference crashes on

    /// Class 7: `-F` before the first `-i` filters instances too. trace-cmd 3.1.6 prints every
    /// line, then crashes (SIGSEGV / abort) freeing the filters; its unbuffered output is the
    /// golden one, which ours must equal (and we exit 0).
    @Test(arguments: Fixtures.entries("F-global"))
    func globalFilterAppliesToInstances(_ entry: Fixtures.Entry) throws {
        #expect(entry.exit != 0, "the reference no longer crashes: compare exit status too")
        let expected = try entry.expected()
        let ours = try ReportGoldenTests.run(entry)
        #expect(ours == expected, "\(entry): output differs")
        #expect(expected.contains("inst") || expected.contains("hostinst"), "no instance line in \(entry)")
    }

    @Test func globalFilterRowsExist() {
        #expect(Fixtures.entries("F-global").count >= 3)
    }

    // MARK: scripts

    /// The recording scripts are named relative to the repository (`../shared/recording`),
    /// not by one machine's absolute path.
    @Test func scriptsNameRecordingRelatively() throws {
        let repo = URL(fileURLWithPath: Fixtures.root).deletingLastPathComponent().deletingLastPathComponent()
        var files = ["README.md", "scripts/bench", "scripts/ringbuffer/record-fixtures.sh", "scripts/record-fixtures.sh"]
        let golden = repo.appendingPathComponent("scripts/golden").path
        for name in try FileManager.default.contentsOfDirectory(atPath: golden) { files.append("scripts/golden/" + name) }
        for f in files {
            let text = try String(contentsOf: repo.appendingPathComponent(f), encoding: .utf8)
            #expect(!text.contains("/work/shared"), "\(f) names /work/shared")
        }
    }
}
