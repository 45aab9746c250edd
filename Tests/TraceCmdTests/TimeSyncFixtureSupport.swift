import Foundation
@_spi(Engine) import TraceCmd

/// Access to Tests/Fixtures/timesync and parsing of the reference's report lines.
enum TimeSyncFixtures {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/timesync")

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func data(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(path)))
    }

    static func text(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: url(path)), as: UTF8.self)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: url(path).path)
    }

    /// One event line of `trace-cmd report` (`--raw-ts` or `-t`).
    struct Line: Equatable {
        var cpu: Int
        var ts: UInt64
        /// Everything after the timestamp's colon.
        var text: Substring
    }

    /// Parses `... [CPU]RAW: text` (raw) or `... [CPU] SECS.NSEC: text` (-t); nil for other lines.
    static func parseLine(_ line: String) -> Line? {
        let u = Array(line.utf8)
        var i = 0
        while i < u.count {
            guard u[i] == UInt8(ascii: "["),
                  i + 4 < u.count,
                  let close = u[(i + 1)...].firstIndex(of: UInt8(ascii: "]")),
                  close > i + 1,
                  u[(i + 1)..<close].allSatisfy({ $0 >= 48 && $0 <= 57 })
            else { i += 1; continue }
            var j = close + 1
            while j < u.count, u[j] == UInt8(ascii: " ") { j += 1 }
            guard j < u.count, u[j] >= 48, u[j] <= 57 else { i += 1; continue }
            let cpu = Int(String(decoding: u[(i + 1)..<close], as: UTF8.self)) ?? -1
            var secs: UInt64 = 0
            while j < u.count, u[j] >= 48, u[j] <= 57 {
                secs = secs &* 10 &+ UInt64(u[j] - 48)
                j += 1
            }
            var ts = secs
            if j < u.count, u[j] == UInt8(ascii: ".") {
                j += 1
                var ns: UInt64 = 0
                var digits = 0
                while j < u.count, u[j] >= 48, u[j] <= 57 {
                    ns = ns * 10 + UInt64(u[j] - 48)
                    digits += 1
                    j += 1
                }
                guard digits == 9 else { return nil }
                ts = secs &* 1_000_000_000 &+ ns
            }
            guard j < u.count, u[j] == UInt8(ascii: ":") else { return nil }
            let textStart = line.utf8.index(line.utf8.startIndex, offsetBy: j + 1)
            return Line(cpu: cpu, ts: ts, text: line[textStart...])
        }
        return nil
    }

    static func lines(_ path: String) throws -> [Line] {
        try text(path).split(separator: "\n").compactMap { parseLine(String($0)) }
    }

    /// The event lines of a multi-file report that belong to the file named `prefix`.
    static func lines(absolutePath: String, prefix: String) throws -> [Line] {
        let t = String(decoding: try Data(contentsOf: URL(fileURLWithPath: absolutePath)), as: UTF8.self)
        return t.split(separator: "\n")
            .filter { $0.drop { $0 == " " }.hasPrefix(prefix + ":") }
            .compactMap { parseLine(String($0)) }
    }

    /// Pairs raw and corrected lines of one file per cpu, in order; `nil` when the pairing is
    /// unsound (different counts or event text).
    static func pair(raw: [Line], corrected: [Line]) -> [(raw: Line, corrected: Line)]? {
        var byCPU: [Int: [Line]] = [:]
        for l in corrected { byCPU[l.cpu, default: []].append(l) }
        var next: [Int: Int] = [:]
        var out: [(raw: Line, corrected: Line)] = []
        for r in raw {
            let k = next[r.cpu, default: 0]
            guard let list = byCPU[r.cpu], k < list.count else { return nil }
            let c = list[k]
            guard c.text.trimmingCharacters(in: .whitespaces) == r.text.trimmingCharacters(in: .whitespaces) else { return nil }
            out.append((r, c))
            next[r.cpu] = k + 1
        }
        for (cpu, list) in byCPU where next[cpu, default: 0] != list.count { return nil }
        return out
    }

    /// A TIME_SHIFT variant description (see Fixtures/timesync/variants and patch_options.py).
    struct Variant: Decodable {
        struct TSC: Decodable { var mult: UInt32; var shift: UInt32; var offset: UInt64 }
        var peer: String
        var flags: UInt32
        var cpuCount: Int32?
        var cpus: [[[String]]]
        var fractions: Bool?
        var trailing: Int?
        var countOverride: [String: Int32]?
        var tsc2nsec: TSC?
        var offset: String?
        var reportArgs: [String]?

        static func load(_ name: String) throws -> Variant {
            try JSONDecoder().decode(Variant.self, from: Data(contentsOf: url("variants/\(name).json")))
        }

        /// The option payload, little-endian, laid out as patch_options.py writes it.
        func payload() throws -> [UInt8] {
            var out: [UInt8] = []
            func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
            func int(_ s: String) throws -> Int64 {
                guard let v = Int64(s) else { throw Missing(description: "bad number \(s)") }
                return v
            }
            guard let peerValue = UInt64(peer.dropFirst(2), radix: 16) else { throw Missing(description: "bad peer") }
            put(peerValue)
            put(flags)
            put(cpuCount ?? Int32(cpus.count))
            for (i, samples) in cpus.enumerated() {
                put(countOverride?[String(i)] ?? Int32(samples.count))
                for k in 0..<3 { for s in samples { put(try int(s[k])) } }
            }
            if fractions ?? true {
                for samples in cpus { for s in samples { put(try int(s[3])) } }
            }
            out.append(contentsOf: repeatElement(0, count: trailing ?? 0))
            return out
        }

        /// Corrector settings from the report arguments.
        var settings: TimestampCorrector.Settings {
            var s = TimestampCorrector.Settings()
            let a = reportArgs ?? []
            var i = 0
            while i + 1 < a.count {
                if a[i] == "--ts-offset" { s.userOffset = Int64(a[i + 1]) ?? 0 }
                if a[i] == "--ts2secs" { s.clockHz = UInt64(a[i + 1]) ?? 0 }
                i += 2
            }
            return s
        }
    }
}
