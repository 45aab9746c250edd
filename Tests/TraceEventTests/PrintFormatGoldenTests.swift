import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// Golden data written by scripts/golden/printfmt-golden.sh: real records recorded by the
/// reference trace-cmd on this machine, with the text the reference libtraceevent 1.7.1
/// printed for each (plugins disabled).
struct PrintFormatGolden {
    struct Record {
        var event: String
        var payload: [UInt8]
        var expected: [UInt8]
    }

    var longSize = 8
    var byteOrder = ByteOrder.little
    var formats: [String: EventFormat] = [:]
    /// The format texts as written in the golden file, by `system/name`.
    var formatTexts: [String: String] = [:]
    var records: [Record] = []
    var symbols = TestSymbols(entries: [])
    var printk: [UInt64: String] = [:]

    static func fixturesDirectory() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/printfmt")
    }

    static func load(_ name: String) throws -> PrintFormatGolden {
        let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : fixturesDirectory().appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var g = PrintFormatGolden()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        var syms: [(UInt64, UInt64, String)] = []
        while let line = lines.popFirst() {
            if line.hasPrefix("L ") {
                g.longSize = Int(line.dropFirst(2)) ?? 8
            } else if line.hasPrefix("B ") {
                g.byteOrder = line.dropFirst(2) == "1" ? .big : .little
            } else if line.hasPrefix("F ") {
                let key = String(line.dropFirst(2))
                var body: [Substring] = []
                while let l = lines.popFirst(), l != "." { body.append(l) }
                let parts = key.split(separator: "/")
                g.formats[key] = TestFormatParser.parse(system: String(parts[0]), text: body)
                g.formatTexts[key] = body.joined(separator: "\n") + "\n"
            } else if line.hasPrefix("R ") {
                let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard f.count >= 3 else { continue }
                g.records.append(Record(event: String(f[1]), payload: hexBytes(f[2]),
                                        expected: unescape(f.count > 3 ? f[3] : "")))
            } else if line.hasPrefix("P ") {
                let f = line.split(separator: " ", maxSplits: 2)
                if f.count == 3, let a = UInt64(f[1], radix: 16) { g.printk[a] = String(f[2]) }
            } else if line.hasPrefix("S ") {
                let f = line.split(separator: " ", maxSplits: 3)
                if f.count == 4, let s = UInt64(f[1], radix: 16), let z = UInt64(f[2], radix: 16) {
                    syms.append((s, z, String(f[3])))
                }
            }
        }
        g.symbols = TestSymbols(entries: syms.sorted { $0.0 < $1.0 })
        return g
    }

    static func hexBytes(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count / 2)
        var hi: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            default: continue
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }

    static func unescape(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 0x5c, i + 1 < b.count {
                switch b[i + 1] {
                case UInt8(ascii: "n"): out.append(0x0a); i += 2
                case UInt8(ascii: "t"): out.append(0x09); i += 2
                case UInt8(ascii: "\\"): out.append(0x5c); i += 2
                case UInt8(ascii: "x"):
                    out.append(contentsOf: hexBytes(Substring(String(decoding: b[(i + 2)..<min(i + 4, b.count)], as: UTF8.self))))
                    i += 4
                default: out.append(b[i]); i += 1
                }
            } else {
                out.append(b[i]); i += 1
            }
        }
        return out
    }
}

/// A kernel symbol table built from the golden `S` lines (start, size, name), looked up
/// the way libtraceevent looks up kallsyms.
struct TestSymbols: SymbolResolver {
    var entries: [(UInt64, UInt64, String)]

    func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        var lo = 0
        var hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].0 <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let e = entries[lo - 1]
        // libtraceevent gives its last kallsyms entry the size "0 - start": only an exact
        // address matches there.
        let last = e.0 &+ e.1 < e.0 || e.0 &+ e.1 == 0
        guard address == e.0 || (!last && address &- e.0 < e.1) else { return nil }
        return (e.2, e.0, e.1)
    }

    func symbol(at address: UInt64) -> String? {
        entries.first { $0.0 == address }?.2
    }
}

/// A minimal, test-only reader of tracefs `format` files (the real parser lives elsewhere).
enum TestFormatParser {
    static func parse(system: String, text: [Substring]) -> EventFormat {
        var name = ""
        var id = 0
        var common: [FormatField] = []
        var fields: [FormatField] = []
        var inCommon = true
        var fmt = ""
        var inPrintFormat = false
        for line in text {
            if inPrintFormat {
                // A print fmt may hold a raw newline inside its string.
                fmt += "\n" + line
                continue
            }
            if line.hasPrefix("name: ") { name = String(line.dropFirst(6)) }
            else if line.hasPrefix("ID: ") { id = Int(line.dropFirst(4)) ?? 0 }
            else if line.hasPrefix("print fmt: ") { fmt = String(line.dropFirst(11)); inPrintFormat = true }
            else if line.isEmpty { if !common.isEmpty { inCommon = false } }
            else if let r = line.range(of: "field:") {
                let parts = line[r.upperBound...].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count >= 3 else { continue }
                var f = field(decl: parts[0])
                for p in parts.dropFirst() {
                    let kv = p.split(separator: ":")
                    guard kv.count == 2, let v = Int(kv[1]) else { continue }
                    switch kv[0] {
                    case "offset": f.offset = v
                    case "size": f.size = v
                    case "signed": f.isSigned = v != 0
                    default: break
                    }
                }
                f.isCommon = inCommon
                if inCommon { common.append(f) } else { fields.append(f) }
            }
        }
        return EventFormat(name: name, system: system, id: id, commonFields: common, fields: fields,
                           printFormatText: fmt)
    }

    static func field(decl: String) -> FormatField {
        var d = Substring(decl)
        var storage = FormatField.Storage.inline
        if d.hasPrefix("__data_loc ") { storage = .dataLoc; d = d.dropFirst(11) }
        else if d.hasPrefix("__rel_loc ") { storage = .relLoc; d = d.dropFirst(10) }
        var arrayLength: Int? = nil
        var type: String
        var name: String
        if let open = d.firstIndex(of: "["), let close = d[open...].firstIndex(of: "]") {
            let inside = d[d.index(after: open)..<close]
            arrayLength = Int(inside) ?? 0
            let after = d[d.index(after: close)...].trimmingCharacters(in: .whitespaces)
            let before = d[..<open].trimmingCharacters(in: .whitespaces)
            if after.isEmpty {
                // "type name[N]"
                let words = before.split(separator: " ")
                name = String(words.last ?? "")
                type = words.dropLast().joined(separator: " ")
            } else {
                // "type[] name"
                name = after
                type = before
            }
        } else {
            let words = d.split(separator: " ")
            name = String(words.last ?? "")
            type = words.dropLast().joined(separator: " ")
        }
        return FormatField(name: name, type: type, offset: 0, size: 0, isSigned: false,
                           storage: storage, arrayLength: arrayLength)
    }
}

@Suite("PrintFormat golden parity with libtraceevent 1.7.1")
struct PrintFormatGoldenTests {
    /// Events whose raw-mode output in the reference runs past the end of the record (a
    /// zero-sized `char buf[]` printed as a C string): we print the same text up to the
    /// record's end, the reference goes on with whatever memory follows.
    static let readsPastRecord: Set<String> = ["ftrace/raw_data"]

    /// Renders every golden record and compares with the reference text; returns per-event
    /// (identical, total) counts and the first mismatches.
    static func run(_ file: String, raw: Bool = false, realParser: Bool = false) throws -> (counts: [String: (Int, Int)], mismatches: [String]) {
        var g = try PrintFormatGolden.load(file)
        if realParser {
            // The formats as the package's own format parser reads them.
            for (key, text) in g.formatTexts {
                let system = String(key.split(separator: "/")[0])
                g.formats[key] = try EventFormat(parsing: text, system: system)
            }
        }
        let ctx = PrintFormatContext(byteOrder: g.byteOrder, longSize: g.longSize, symbols: g.symbols,
                                     printkStrings: g.printk)
        var compiled: [String: CompiledPrintFormat] = [:]
        for (k, f) in g.formats { compiled[k] = CompiledPrintFormat(event: f, context: ctx) }
        var counts: [String: (Int, Int)] = [:]
        var mismatches: [String] = []
        var buf = TextBuffer(capacity: 4096)
        for r in g.records {
            guard let c = compiled[r.event] else { continue }
            buf.removeAll()
            let readsPastRecord = Self.readsPastRecord
            r.payload.withBytes {
                if raw { c.renderRawFields(payload: $0, into: &buf) } else { c.render(payload: $0, into: &buf) }
            }
            var e = counts[r.event] ?? (0, 0)
            e.1 += 1
            if buf.bytes == r.expected
                || (raw && readsPastRecord.contains(r.event) && r.expected.starts(with: buf.bytes)) {
                e.0 += 1
            } else if mismatches.count < 400 {
                mismatches.append("\(r.event)\n  ours: \(String(decoding: buf.bytes, as: UTF8.self))\n  ref:  \(String(decoding: r.expected, as: UTF8.self))")
            }
            counts[r.event] = e
        }
        return (counts, mismatches)
    }

    /// Extra golden files outside the repository (PRINTFMT_EXTRA_GOLDEN=path:path), e.g. one
    /// zero-payload record for every format of a machine's tracefs.
    @Test("extra golden files render identically to the reference")
    func extraGolden() throws {
        guard let paths = ProcessInfo.processInfo.environment["PRINTFMT_EXTRA_GOLDEN"] else { return }
        for path in paths.split(separator: ":") {
            let (counts, mismatches) = try Self.run(String(path), raw: path.hasSuffix("-raw.golden"))
            for m in mismatches { Issue.record("mismatch in \(path): \(m)") }
            let total = counts.values.reduce(0) { $0 + $1.1 }
            let same = counts.values.reduce(0) { $0 + $1.0 }
            print("PARITY \(path) TOTAL \(same)/\(total)")
            #expect(same == total)
        }
    }

    /// The same golden data with the formats read by ``EventFormat/init(parsing:system:)``
    /// instead of the test-only reader: what `tracecmd report` does.
    @Test("records render identically with the package's format parser",
          arguments: ["all.golden", "synthetic.golden", "all-raw.golden", "synthetic-be.golden"])
    func goldenParityRealParser(file: String) throws {
        let (counts, mismatches) = try Self.run(file, raw: file.hasSuffix("-raw.golden"), realParser: true)
        for m in mismatches.prefix(20) { Issue.record("mismatch in \(file): \(m)") }
        let total = counts.values.reduce(0) { $0 + $1.1 }
        let same = counts.values.reduce(0) { $0 + $1.0 }
        #expect(total > 0)
        #expect(same == total)
    }

    @Test("records render identically to the reference",
          arguments: ["a.golden", "b.golden", "c.golden", "all.golden", "synthetic.golden", "all-raw.golden",
                     "synthetic-raw.golden", "synthetic-be.golden"])
    func goldenParity(file: String) throws {
        let (counts, mismatches) = try Self.run(file, raw: file.hasSuffix("-raw.golden"))
        #expect(!counts.isEmpty)
        for m in mismatches { Issue.record("mismatch in \(file): \(m)") }
        let total = counts.values.reduce(0) { $0 + $1.1 }
        let same = counts.values.reduce(0) { $0 + $1.0 }
        if ProcessInfo.processInfo.environment["PRINTFMT_PARITY"] != nil {
            for (k, v) in counts.sorted(by: { $0.key < $1.key }) { print("PARITY \(file) \(k) \(v.0)/\(v.1)") }
            print("PARITY \(file) TOTAL \(same)/\(total)")
        }
        #expect(same == total)
    }
}

@Suite("PrintFormat throughput")
struct PrintFormatThroughputTests {
    /// Renders the recorded golden records many times; prints records per second when
    /// PRINTFMT_BENCH is set (a sanity check of the per-record cost, not a strict limit).
    @Test("rendering is allocation-light and fast")
    func throughput() throws {
        let g = try PrintFormatGolden.load("b.golden")
        let ctx = PrintFormatContext(byteOrder: .little, longSize: g.longSize, symbols: g.symbols)
        var compiled: [String: CompiledPrintFormat] = [:]
        for (k, f) in g.formats { compiled[k] = CompiledPrintFormat(event: f, context: ctx) }
        let work = g.records.compactMap { r in compiled[r.event].map { ($0, r.payload) } }
        let rounds = ProcessInfo.processInfo.environment["PRINTFMT_BENCH"] != nil ? 200 : 5
        var buf = TextBuffer(capacity: 1 << 20)
        var bytes = 0
        let start = ContinuousClock.now
        for _ in 0..<rounds {
            for (c, p) in work {
                p.withBytes { c.render(payload: $0, into: &buf) }
                buf.append(0x0a)
            }
            bytes += buf.count
            buf.removeAll()
        }
        let elapsed = ContinuousClock.now - start
        let n = rounds * work.count
        if ProcessInfo.processInfo.environment["PRINTFMT_BENCH"] != nil {
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("BENCH \(n) records in \(elapsed): \(Int(Double(n) / secs)) records/s, \(bytes / n) bytes/record")
        }
        #expect(bytes > 0)
    }
}
