import Foundation
import Testing
import TraceCmd
@testable import TraceExport

/// Every field value of every exported event (typed, syscall or generic) against the raw
/// fields `trace-cmd report -R` prints for the same event.
@Suite struct PerfettoValueTests {
    /// `key=value` pairs of a raw line, split at the given keys (in the order they appear).
    static func rawFields(_ info: String, keys: Set<String>) -> [String: String] {
        var starts: [(key: String, name: Range<String.Index>)] = []
        var search = info.startIndex
        while search < info.endIndex, let eq = info[search...].firstIndex(of: "=") {
            // The key: the word before "=", at the start or after a space.
            var k = eq
            while k > info.startIndex, info[info.index(before: k)] != " " { k = info.index(before: k) }
            let key = String(info[k..<eq])
            if keys.contains(key), !starts.contains(where: { $0.key == key }) { starts.append((key, k..<eq)) }
            search = info.index(after: eq)
        }
        var out: [String: String] = [:]
        for (i, s) in starts.enumerated() {
            let valueStart = info.index(after: s.name.upperBound)
            let valueEnd = i + 1 < starts.count ? info.index(before: starts[i + 1].name.lowerBound) : info.endIndex
            out[s.key] = valueStart <= valueEnd ? String(info[valueStart..<valueEnd]) : ""
        }
        return out
    }

    /// The raw fields in order (for syscall arguments).
    static func orderedRawFields(_ info: String) -> [(String, String)] {
        var keys: [String] = []
        for token in info.split(separator: " ") {
            if let eq = token.firstIndex(of: "=") { keys.append(String(token[..<eq])) }
        }
        let map = rawFields(info, keys: Set(keys))
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }.map { ($0, map[$0] ?? "") }
    }

    /// Whether the exported value and the report's text agree; `nil` when the text cannot be
    /// compared (a symbol, an array, text spanning lines).
    static func agree(_ exported: Any, _ text: String) -> Bool? {
        if let s = exported as? String {
            if s.hasPrefix("[") || text.hasPrefix("ARRAY[") || s.dropLast().contains("\n") { return nil }
            return s.trimmingCharacters(in: .whitespacesAndNewlines) == text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let n = exported as? NSNumber else { return nil }
        let v = n.int64Value
        let u = UInt64(bitPattern: v)
        var candidates: [UInt64] = []
        if text.hasPrefix("0x"), let h = UInt64(text.dropFirst(2), radix: 16) { candidates.append(h) }
        if let d = Int64(text) { candidates.append(UInt64(bitPattern: d)) }
        // Raw fields the format prints in hex or octal without a prefix (`%lx`, `%o`).
        if let h = UInt64(text, radix: 16), text.count > 1 { candidates.append(h) }
        if let o = UInt64(text, radix: 8), text.count > 1 { candidates.append(o) }
        guard !candidates.isEmpty else { return nil }
        return candidates.contains { $0 == u || ($0 & 0xffff_ffff) == (u & 0xffff_ffff) && ($0 >> 32 == 0 || u >> 32 == 0 || $0 >> 32 == 0xffff_ffff || u >> 32 == 0xffff_ffff) }
    }

    func check(_ c: PerfettoExportTests.Case) throws {
        let session = try TraceSession.open(c.paths)
        let out = PerfettoExportTests.temporary("values.pftrace")
        try PerfettoExporter(session: session).export(to: out)
        let dump = try PerfettoReference.dump(out, values: true)
        let dir = c.directory.isEmpty ? ExportFixtures.fixture("") : c.dir
        let instances = session.peers.flatMap { $0.file.buffers.map(\.name) }.filter { !$0.isEmpty }
        let ref = try PerfettoReference.report(c.files, directory: dir, instances: instances)
        var byTime: [String: [PerfettoReference.Line]] = [:]
        for l in ref.lines { byTime["\(l.peer):\(l.cpu) \(l.ts)", default: []].append(l) }
        var compared = 0, mismatches: [String] = []
        for e in dump.values {
            let candidates = (byTime["\(e.key) \(e.ts)"] ?? []).filter {
                $0.name == e.name || (e.name == "sys_enter" && $0.name.hasPrefix("sys_enter_"))
                    || (e.name == "sys_exit" && $0.name.hasPrefix("sys_exit_"))
            }
            guard candidates.count == 1, let line = candidates.first else { continue }
            var pairs: [(String, Any, String?)] = []
            if e.name == "sys_enter" || e.name == "sys_exit" {
                let raw = Self.orderedRawFields(line.info)
                guard let nr = raw.first(where: { $0.0 == "__syscall_nr" }) else { continue }
                let rest = raw.filter { $0.0 != "__syscall_nr" }
                for (k, v) in e.fields {
                    if k == "id" { pairs.append(("id", v, nr.1)) }
                    if k == "ret" { pairs.append(("ret", v, rest.first { $0.0 == "ret" }?.1)) }
                    if k == "args", let list = v as? [Any] {
                        #expect(list.count == rest.count, "\(line.name): \(list.count) args, the report shows \(rest.count)")
                        for (a, r) in zip(list, rest) { pairs.append((r.0, a, r.1)) }
                    }
                }
            } else {
                let raw = Self.rawFields(line.info, keys: Set(e.fields.map(\.0)))
                for (k, v) in e.fields { pairs.append((k, v, raw[k])) }
            }
            for (k, v, text) in pairs {
                guard let text else {
                    mismatches.append("\(line.name) \(line.ts): \(k) not in the report's line")
                    continue
                }
                guard let ok = Self.agree(v, text) else { continue }
                compared += 1
                if !ok { mismatches.append("\(line.name) \(line.ts): \(k) = \(v), the report shows \(text)") }
            }
        }
        #expect(compared >= min(100, 2 * dump.values.count), "\(c.testDescription): only \(compared) values compared")
        #expect(mismatches.isEmpty, "\(c.testDescription): \(mismatches.count) mismatches: \(mismatches.prefix(5))")
    }

    @Test(arguments: [
        PerfettoExportTests.Case(directory: "", files: ["events.dat"]),
        PerfettoExportTests.Case(directory: "", files: ["all-events.dat"]),
        PerfettoExportTests.Case(directory: "", files: ["uprobe.dat"]),
        PerfettoExportTests.Case(directory: "", files: ["v7-zstd.dat"]),
        PerfettoExportTests.Case(directory: "session-2guests-tsync",
                                 files: ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
    ])
    func valuesMatchTheRawReport(_ c: PerfettoExportTests.Case) throws {
        try check(c)
    }
}
