import TestSupport
import Foundation
@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceReport

/// Tests/Fixtures and the installed reference `trace-cmd`.
enum Fixtures {
    static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    static func path(_ name: String) -> String { root + "/" + name }

    /// Fixtures that neither the reference's convert nor ours can convert (cut inside the
    /// header): see `BadInputTests`.
    static let unreadable: Set<String> = ["parity/v6-truncated.dat"]

    /// The single trace files recorded by the reference (relative paths), sorted.
    static let traceFiles: [String] = {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            if p.hasSuffix(".dat") && !p.hasPrefix("golden/") && !p.hasPrefix("fuzz-regressions/") && !unreadable.contains(p) {
                out.append(p)
            }
        }
        return out.sorted()
    }()

    /// A new empty directory for one test's outputs.
    static func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "tracewriter-\(getpid())-" + name.replacingOccurrences(of: "/", with: "_")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

enum Reference {
    static let path: String? = ProcessRunner.traceCmdPath

    /// Runs `trace-cmd arguments`: standard output as text, and the exit status.
    static func run(_ arguments: [String], directory: String? = nil) throws -> (text: String, status: Int32) {
        let r = try ProcessRunner.traceCmd(arguments, directory: directory)
        return (String(decoding: r.output, as: UTF8.self), r.status)
    }

    /// `trace-cmd report FLAGS -i FILE...`, with the lines that give file offsets and data
    /// sizes (`--stat`) and the input's name left out.
    static func report(_ files: [String], _ flags: [String], directory: String? = nil) throws -> (text: String, status: Int32) {
        let r = try run(["report"] + flags + files.flatMap { ["-i", $0] }, directory: directory)
        var text = r.text
        for f in files { text = text.replacingOccurrences(of: f, with: "<file>") }
        return (normalizeReport(text), r.status)
    }

    static func normalizeReport(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter {
            !($0.hasPrefix("CPU") && $0.contains("data recorded at offset=")) && !$0.hasSuffix("bytes in size")
                && !$0.contains("bytes in size (")
        }.joined(separator: "\n")
    }

    /// Our report (the library's `trace-cmd report`) of `files` with `flags`.
    static func ours(_ files: [String], _ flags: [String]) throws -> String {
        var options = try ReportOptions(arguments: flags + files.flatMap { ["-i", $0] })
        options.quiet = true
        let opened = try files.map { try TraceFile.open($0) }
        var out: [UInt8] = []
        try TraceReport(files: opened, options: options).run(sink: { $0.withUnsafeBytes { out.append(contentsOf: $0) } })
        var text = String(decoding: out, as: UTF8.self)
        for f in files { text = text.replacingOccurrences(of: f, with: "<file>") }
        return normalizeReport(text)
    }

    /// The options of `trace-cmd dump --options` that are not about the layout: each option
    /// as its header line and content; layout options (section pointers, DONE, CPUCOUNT,
    /// BUFFER offsets), section lines and the count left out. BUFFER keeps its name.
    static func carriedOptions(_ file: String) throws -> [String] {
        let text = try run(["dump", "--options", "-i", file]).text
        var out: [String] = []
        var current: [String] = []
        var keep = false
        func close() {
            // The top buffer has a BUFFER option in v7 only.
            if keep && !current.isEmpty && current != ["BUFFER", "\"\" [name]"] { out.append(current.joined(separator: "\n")) }
            current = []
        }
        let layout = ["HEADERS", "FTRACE EVENTS", "EVENT FORMATS", "KALLSYMS", "PRINTK", "CMDLINES", "DONE", "CPUCOUNT"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = String(line)
            if l.hasPrefix("\t\t[Option ") {
                close()
                let name = l.dropFirst("\t\t[Option ".count).split(separator: ",").first.map(String.init) ?? ""
                keep = !layout.contains(name)
                current = [l.replacingOccurrences(of: #" @ \d+"#, with: "", options: .regularExpression)]
                if name == "BUFFER" { current = ["BUFFER"] }
            } else if l.hasPrefix("\t[") {
                close()
                keep = false
            } else if keep {
                if current.first == "BUFFER" {
                    if l.hasSuffix("[name]") { current.append(l) }
                } else {
                    current.append(l)
                }
            }
        }
        close()
        return out
    }

    /// `trace-cmd dump --options` with every file offset and data size masked, for comparing
    /// two files of the same version and layout.
    static func maskedOptions(_ file: String) throws -> String {
        let text = try run(["dump", "--options", "-i", file]).text
        var lines: [String] = []
        var afterDone = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = String(line)
            if afterDone { l = "#"; afterDone = false }
            if l.contains("[Option DONE") { afterDone = true }
            l = l.replacingOccurrences(of: #"@ \d+"#, with: "@ #", options: .regularExpression)
            l = l.replacingOccurrences(of: #"options", flags 0x0, \d+ bytes"#, with: "options\", flags 0x0, # bytes", options: .regularExpression)
            if l.hasSuffix("[offset]") { l = "# [offset]" }
            if l.hasSuffix("[id, data offset and size]") || l.hasSuffix("[offset, size of cpu") {
                l = l.replacingOccurrences(of: #"\d+\t\d+"#, with: "#\t#", options: .regularExpression)
                l = l.replacingOccurrences(of: #" \d+ \d+\t"#, with: " # #\t", options: .regularExpression)
            }
            lines.append(l)
        }
        return lines.joined(separator: "\n")
    }

    /// The facts of `trace-cmd dump --summary` that do not depend on version, compression or
    /// layout: byte order, long and page size, the metadata sizes, buffers (data size left
    /// out), CPU count; sorted.
    static func summaryFacts(_ file: String) throws -> [String] {
        let text = try run(["dump", "--summary", "-i", file]).text
        var facts: [String] = []
        for line in text.split(separator: "\n") {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.contains("[Little endian]") || l.contains("[Big endian]") || l.contains("[Bytes in a long]")
                || l.contains("[Page size, bytes]") || l.hasPrefix("[Header page") || l.hasPrefix("[Header event")
                || l.hasPrefix("[Ftrace format") || l.hasPrefix("[Events format") || l.hasPrefix("[Kallsyms")
                || l.hasPrefix("[Trace printk") || l.hasPrefix("[Saved command lines") {
                facts.append(l)
            }
        }
        return facts.sorted()
    }

    /// `trace-cmd dump --summary` without the path, version, compression and data size lines.
    static func maskedSummary(_ file: String) throws -> String {
        let text = try run(["dump", "--summary", "-i", file]).text
        return text.split(separator: "\n").filter {
            // The section count: trace-cmd adds a strings section each time it appends options.
            !$0.contains("Tracing meta data in file") && !$0.contains("[Version]") && !$0.contains("[Compression")
                && !$0.hasSuffix(" sections]")
        }.map {
            String($0).replacingOccurrences(of: #", \d+ bytes flyrecord data"#, with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}
