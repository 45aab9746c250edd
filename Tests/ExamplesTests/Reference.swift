import Foundation

/// The reference tools (`trace-cmd` 3.1.6), run as a user would, and the fixtures.
enum Reference {
    /// Tests/Fixtures.
    static let fixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    static func path(_ name: String) -> String { fixtures + "/" + name }

    /// Whether `trace-cmd` can be run.
    static let available: Bool = FileManager.default.isExecutableFile(atPath: traceCmd)

    static let traceCmd: String = {
        for p in ["/usr/bin/trace-cmd", "/usr/local/bin/trace-cmd"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return "/usr/bin/trace-cmd"
    }()

    /// Runs `trace-cmd args` in `directory` and returns its standard output.
    static func run(_ args: [String], in directory: String = fixtures) throws -> String {
        try execute(traceCmd, args, in: directory).output
    }

    /// Runs `executable` with `args` in `directory`: its standard output (standard error
    /// dropped) and exit status.
    static func execute(_ executable: String, _ args: [String], in directory: String) throws -> (output: String, status: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), p.terminationStatus)
    }

    /// `trace-cmd report` of `inputs` (paths relative to `directory`), without the
    /// `cpus=N` header lines, as lines.
    static func report(_ inputs: [String], in directory: String = fixtures, extra: [String] = []) throws -> [String] {
        var args = ["report"] + extra
        for i in inputs { args += ["-i", i] }
        let text = try run(args, in: directory)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        while let first = lines.first, isHeader(first) { lines.removeFirst() }
        return lines
    }

    /// `cpus=2` or `file.dat: cpus=2`.
    static func isHeader(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard let r = t.range(of: "cpus=") else { return false }
        return r.upperBound < t.endIndex && t[r.upperBound...].allSatisfy(\.isNumber)
            && (r.lowerBound == t.startIndex || t[..<r.lowerBound].hasSuffix(": "))
    }

    /// One event line of a report, taken apart as text.
    struct Line {
        var label: String
        var comm: String
        var pid: Int
        var cpu: Int
        /// The time column as printed (`593.898658`).
        var time: String
        var name: String
        var info: String

        /// The time in microseconds.
        var microseconds: Int64 {
            let parts = time.split(separator: ".")
            return Int64(parts[0])! * 1_000_000 + Int64(parts[1])!
        }
    }

    /// Parses `[label: ]comm-pid [cpu] time: name: info` (nil for other lines).
    static func parse(_ line: String, labelled: Bool) -> Line? {
        var rest = Substring(line)
        var label = ""
        if labelled {
            guard let r = rest.range(of: ": ") else { return nil }
            label = rest[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            rest = rest[r.upperBound...]
        }
        // The CPU column is the last "[ddd]" before the time; comms have no such text here.
        guard let open = rest.range(of: #"-\d+ *\[\d{3}\] +\d+\.\d+: "#, options: .regularExpression) else { return nil }
        let commPart = rest[..<open.lowerBound].trimmingCharacters(in: .whitespaces)
        let prefix = rest[open]
        let digits = prefix.split(whereSeparator: { !$0.isNumber && $0 != "." })
        guard digits.count >= 3, let pid = Int(digits[0]), let cpu = Int(digits[1]) else { return nil }
        let after = rest[open.upperBound...]
        guard let colon = after.firstIndex(of: ":") else { return nil }
        let name = String(after[..<colon])
        var info = after[after.index(after: colon)...]
        while info.first == " " { info = info.dropFirst() }
        return Line(label: label, comm: commPart, pid: pid, cpu: cpu, time: String(digits[2]), name: name,
                    info: String(info))
    }

    /// `%5llu.%06llu` of a nanosecond timestamp, rounded to microseconds as the report does.
    static func microseconds(_ ns: UInt64) -> Int64 { Int64((ns + 500) / 1000) }

    /// The GUEST options of a host file, from `trace-cmd dump --options`: trace ID → host PID per VCPU.
    static func guestHostPIDs(_ hostFile: String) throws -> [UInt64: [Int32]] {
        let text = try run(["dump", "--options", "-i", hostFile])
        var out: [UInt64: [Int32]] = [:]
        var current: UInt64?
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasSuffix("[trace id]"), let id = UInt64(t.dropFirst(2).prefix { $0.isHexDigit }, radix: 16) {
                current = id
                out[id] = []
            } else if t.hasSuffix("[guest cpu, host pid]"), let id = current {
                let f = t.split(separator: " ")
                if f.count >= 2, let pid = Int32(f[1]) { out[id, default: []].append(pid) }
            }
        }
        return out
    }

    /// The TRACEID option of a file, from `trace-cmd dump --options`.
    static func traceID(_ file: String) throws -> UInt64? {
        let lines = try run(["dump", "--options", "-i", file]).split(separator: "\n").map(String.init)
        guard let i = lines.firstIndex(where: { $0.contains("[Option TRACEID") }), i + 1 < lines.count else { return nil }
        return UInt64(lines[i + 1].trimmingCharacters(in: .whitespaces).dropFirst(2), radix: 16)
    }
}
