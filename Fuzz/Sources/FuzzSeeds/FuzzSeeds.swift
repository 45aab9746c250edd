#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Writes the seed corpora of the harnesses from the real fixtures in `Tests/Fixtures`:
///
///     FuzzSeeds <repository root> <output directory>
///
/// Output: `<output>/<Harness>/<name>` for every harness (see each harness for its input
/// layout). Trace files under 100 KB are used whole, larger ones by their first 64 KB.
/// Entry point SwiftPM links as `main` (see Package.swift; `-parse-as-library` is in effect).
@_cdecl("FuzzSeeds_main")
public func fuzzSeedsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzSeeds.main()
    return 0
}

struct FuzzSeeds {
    static let smallFile = 100 * 1024
    static let truncatedSize = 64 * 1024

    static func main() {
        let args = CommandLine.arguments
        guard args.count == 3 else {
            print("usage: FuzzSeeds <repository root> <output directory>")
            exit(2)
        }
        var seeds = Seeds(root: args[2])
        let fixtures = args[1] + "/Tests/Fixtures"
        let files = listFiles(fixtures).filter { $0.hasSuffix(".dat") && !$0.contains("/fuzz-regressions/") }.sorted()
        var seenEvents: [String: Int] = [:]
        var filterPayloads: [String: [UInt8]] = [:]
        var formatTexts: [(system: String, text: String)] = []
        for path in files {
            guard let data = readFile(path) else { continue }
            let name = String(path.dropFirst(fixtures.count + 1)).replacingSlashes()
            let fileSeed = data.count < smallFile ? data : Array(data.prefix(truncatedSize))
            for h in ["FuzzOpen", "FuzzDump", "FuzzRecords", "FuzzFormatRecords"] {
                seeds.write(h, name, fileSeed)
            }
            // Convert: each file to one of the four formats (and a split piece every other file).
            seeds.write("FuzzConvert", name, [UInt8(truncatingIfNeeded: seeds.count) & 7] + fileSeed)
            // Report: default options, and one other set of flags per file.
            seeds.write("FuzzReport", name, [0, 0] + fileSeed)
            let k = UInt8(truncatingIfNeeded: seeds.count)
            seeds.write("FuzzReport", name + ".flags", [k &* 37, (k &* 11) & 0x0f] + fileSeed)
            // Session: a host file (trace.dat) with each guest file of its directory.
            if path.hasSuffix("/trace.dat"), path.contains("/session-") {
                let dir = String(path.dropLast("trace.dat".count))
                for guest in files where guest.hasPrefix(dir) && guest != path && !guest.dropFirst(dir.count).contains("/") {
                    guard let g = readFile(guest), data.count + g.count < 150 * 1024 else { continue }
                    let n = UInt32(data.count)
                    let seed: [UInt8] = [0, 0] + (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } + data + g
                    let gname = String(guest.dropFirst(fixtures.count + 1)).replacingSlashes()
                    seeds.write("FuzzSession", gname, seed)
                    seeds.write("FuzzSession", gname + ".flags", [0x12, 0x08] + seed.dropFirst(2))
                }
            }
            guard let file = try? TraceFile(mapped: MappedFile(copying: data, path: path), mode: .full) else {
                continue
            }
            // Metadata texts for the symbol parsers.
            for (kind, text) in [("kallsyms", try? file.kallsymsText()), ("printk", try? file.printkText()),
                                 ("cmdlines", try? file.savedCmdlinesText())] {
                if let text, !text.isEmpty { seeds.write("FuzzSymbols", name + "." + kind, Array(text.prefix(32 * 1024))) }
            }
            var registry = EventRegistry(byteOrder: file.byteOrder, longSize: file.longSize)
            for t in file.ftraceFormats {
                if (try? registry.add(parsing: t, system: "ftrace")) != nil { formatTexts.append(("ftrace", t)) }
            }
            for (system, texts) in file.eventFormats {
                for t in texts where (try? registry.add(parsing: t, system: system)) != nil {
                    formatTexts.append((system, t))
                }
            }
            // Record payloads with their format for the print-format harness (two per event).
            var timestamps: [UInt64] = []
            if data.count < smallFile * 3 {
                forEachRecord(of: file) { r in
                    if timestamps.count < 32 { timestamps.append(r.rawTimestamp) }
                    guard let f = r.withPayload({ registry.format(of: $0) }) else { return }
                    let key = f.system + ":" + f.name
                    let payload = r.withPayload { $0.array(0..<$0.byteCount) }
                    if filterPayloads[f.name] == nil { filterPayloads[f.name] = payload }
                    guard seenEvents[key, default: 0] < 2 else { return }
                    seenEvents[key, default: 0] += 1
                    seeds.write("FuzzPrintFormat", "\(f.system)-\(f.name)-\(seenEvents[key, default: 0])",
                                Array((f.system + "\n" + formatText(registry, f, formatTexts)).utf8) + [0] + payload)
                }
            }
            // TIME_SHIFT and friends for the corrector.
            if file.timeShiftPayload != nil || !file.offsetOptions.isEmpty || !file.dateOptions.isEmpty || file.tsc2nsec != nil {
                let ts = file.timeShiftPayload ?? []
                var seed: [UInt8] = [file.byteOrder == .big ? 1 : 0, UInt8(ts.count & 0xff), UInt8(ts.count >> 8 & 0xff)]
                seed += ts.prefix(0xffff)
                var tsc = [UInt8](repeating: 0, count: 16)
                if let t = file.tsc2nsec {
                    tsc = le(UInt64(t.multiplier)).prefix(4) + le(UInt64(t.shift)).prefix(4) + le(t.offset)
                }
                seed += tsc + le(0)
                seed += Array((file.offsetOptions.last ?? "").utf8) + [0] + Array((file.dateOptions.last ?? "").utf8) + [0]
                for t in timestamps { seed += le(t) }
                seeds.write("FuzzTimeShift", name, seed)
                seed[0] |= 8
                seeds.write("FuzzTimeShift", name + ".hz", seed)
            }
        }
        // Event format texts: every distinct one.
        var seenTexts = Set<String>()
        for (system, text) in formatTexts where seenTexts.insert(text).inserted {
            let n = seenTexts.count
            seeds.write("FuzzEventFormat", "\(n)-\(system)", Array(text.utf8))
            // Formats without a record in the fixtures: a zero payload as long as the fields.
            if let f = try? EventFormat(parsing: text, system: system), seenEvents[system + ":" + f.name] == nil {
                let size = (f.commonFields + f.fields).map { $0.offset + $0.size }.max() ?? 8
                seeds.write("FuzzPrintFormat", "\(system)-\(f.name)-0",
                            Array((system + "\n" + text).utf8) + [0] + [UInt8](repeating: 0, count: min(size, 4096)))
            }
        }
        // Filters: every case of the filter golden tests.
        var filters: [(include: [String], exclude: [String])] = []
        for line in (readFile(fixtures + "/filter/parse-cases.txt") ?? []).split(separator: UInt8(ascii: "\n")) {
            let s = String(decoding: line, as: UTF8.self)
            if !s.hasPrefix("#") { filters.append(([s], [])) }
        }
        for tsv in ["trace.cases.tsv", "kstack.cases.tsv"] {
            for line in (readFile(fixtures + "/filter/" + tsv) ?? []).split(separator: UInt8(ascii: "\n")) {
                let s = String(decoding: line, as: UTF8.self)
                if s.hasPrefix("#") { continue }
                var inc: [String] = []
                var exc: [String] = []
                for col in s.split(separator: "\t").dropFirst() {
                    if col.hasPrefix("F:") { inc.append(String(col.dropFirst(2))) }
                    if col.hasPrefix("V:") { exc.append(String(col.dropFirst(2))) }
                }
                filters.append((inc, exc))
            }
        }
        let payloadNames = embeddedFormats.map(\.name).filter { filterPayloads[$0] != nil }
        for (i, f) in filters.enumerated() {
            let payloadName = payloadNames.isEmpty ? nil : payloadNames[i % payloadNames.count]
            let payload = payloadName.flatMap { filterPayloads[$0] } ?? []
            let seed = Array(f.include.joined(separator: "\n").utf8) + [0]
                + Array(f.exclude.joined(separator: "\n").utf8) + [0] + payload
            seeds.write("FuzzFilter", "case-\(i)", seed)
        }
        print("wrote \(seeds.count) seeds to \(args[2])")
    }

    static func formatText(_ registry: EventRegistry, _ f: EventFormat,
                           _ texts: [(system: String, text: String)]) -> String {
        // The text the format was parsed from (the registry keeps only the parsed form).
        for t in texts.reversed() where t.system == f.system && t.text.contains("name: \(f.name)\n")
            && t.text.contains("ID: \(f.id)\n") {
            return t.text
        }
        return ""
    }

    static func le(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }

    static func listFiles(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = dir + "/" + name
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR { out += listFiles(path) } else { out.append(path) }
        }
        return out
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let f = try? MappedFile(path: path) else { return nil }
        return f.copyBytes(0..<f.count)
    }
}

struct Seeds {
    let root: String
    var count = 0
    var made = Set<String>()

    mutating func write(_ harness: String, _ name: String, _ bytes: [UInt8]) {
        let dir = root + "/" + harness
        if made.insert(dir).inserted {
            mkdir(root, 0o755)
            mkdir(dir, 0o755)
        }
        let path = dir + "/" + name
        guard let f = fopen(path, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        count += 1
    }
}

extension String {
    func replacingSlashes() -> String {
        String(map { $0 == "/" ? "_" : $0 })
    }
}

/// Not a harness, but linked with libFuzzer like one (its driver needs a target).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSeedsUnusedTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { 0 }
