import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// Golden data written by scripts/golden/plugin-extract.c (libtracecmd + libtraceevent
/// with the installed plugins) from traces recorded by scripts/golden/record-plugins.sh.
private struct PluginGolden {
    struct Record {
        var cpu: Int
        var timestamp: UInt64 = 0
        var key: String
        var payload: [UInt8]
        var pluginText: [UInt8] = []
        var defaultText: [UInt8] = []
    }
    enum Item {
        case record(Record)
        case known(pid: Int32, comm: [UInt8])
        case unknown(pid: Int32)
        case commColumn(pid: Int32, comm: [UInt8])
    }

    var longSize = 8
    var byteOrder = ByteOrder.little
    var options = PluginOptions()
    var formats: [String: EventFormat] = [:]
    var symbols: [UInt64: (name: String, start: UInt64, size: UInt64)] = [:]
    var items: [Item] = []

    var records: [Record] {
        items.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
    }

    static func unescape(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            guard c == UInt8(ascii: "\\"), let n = it.popFirst() else { out.append(c); continue }
            switch n {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "x"):
                let hex = String(decoding: it.prefix(2), as: UTF8.self)
                it = it.dropFirst(2)
                out.append(UInt8(hex, radix: 16) ?? 0)
            default: out.append(n)
            }
        }
        return out
    }

    static func hexBytes(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex, let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex) {
            out.append(UInt8(s[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    init(_ name: String) throws {
        let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/plugins/\(name)")
        let text = try String(contentsOf: url, encoding: .isoLatin1)
        var current: EventFormat?
        var last: Record?
        func flush() { if let r = last { items.append(.record(r)); last = nil } }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let tag = line.first
            let rest = line.dropFirst(2)
            let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
            switch tag {
            case "H":
                longSize = Int(parts[0]) ?? 8
                byteOrder = parts[1] == "big" ? .big : .little
            case "O":
                options.functionParent = parts[0] == "1"
                options.functionIndent = parts[1] == "1"
                options.functionOffset = parts[2] == "1"
            case "E":
                if let f = current { formats["\(f.system):\(f.name)"] = f }
                current = EventFormat(name: String(parts[1]), system: String(parts[0]), id: Int(parts[2]) ?? 0,
                                      commonFields: [], fields: [], printFormatText: "")
            case "F":
                let field = FormatField(name: String(parts[5]), type: "", offset: Int(parts[1]) ?? 0,
                                        size: Int(parts[2]) ?? 0, isSigned: parts[3] == "1",
                                        storage: parts[4] == "1" ? .dataLoc : .inline,
                                        isCommon: parts[0] == "1")
                if parts[0] == "1" { current?.commonFields.append(field) } else { current?.fields.append(field) }
            case "R":
                flush()
                if let f = current { formats["\(f.system):\(f.name)"] = f }
                last = Record(cpu: Int(parts[0]) ?? 0, key: "\(parts[1]):\(parts[2])",
                              payload: Self.hexBytes(parts[3]))
            case "T": last?.timestamp = UInt64(parts[0]) ?? 0
            case "P": last?.pluginText = Self.unescape(rest)
            case "D": last?.defaultText = Self.unescape(rest)
            case "S":
                let addr = UInt64(parts[0], radix: 16) ?? 0
                symbols[addr] = (String(parts[3...].joined(separator: " ")),
                                 UInt64(parts[1], radix: 16) ?? 0, UInt64(parts[2], radix: 16) ?? 0)
            case "M":
                flush()
                items.append(.known(pid: Int32(parts[0]) ?? 0, comm: Self.unescape(rest.drop { $0 != " " }.dropFirst())))
            case "U":
                flush()
                items.append(.unknown(pid: Int32(parts[0]) ?? 0))
            case "C":
                flush()
                items.append(.commColumn(pid: Int32(parts[0]) ?? 0, comm: Self.unescape(rest.drop { $0 != " " }.dropFirst())))
            default: break
            }
        }
        flush()
        if let f = current { formats["\(f.system):\(f.name)"] = f }
    }
}

/// The reference's symbol answers for the addresses the golden records hold.
private struct GoldenSymbols: SymbolResolver {
    let table: [UInt64: (name: String, start: UInt64, size: UInt64)]
    func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        table[address].map { ($0.name, $0.start, $0.size) }
    }
    func symbol(at address: UInt64) -> String? {
        table[address].flatMap { $0.start == address ? $0.name : nil }
    }
}

/// A pid → comm table with the reference's rule: never overwrite, ignore pid 0.
private final class GoldenComms: CommRegistry {
    var table: [Int32: [UInt8]] = [:]
    var offered = 0
    func register(pid: Int32, comm: RawSpan) {
        offered += 1
        guard pid != 0, table[pid] == nil else { return }
        table[pid] = comm.array(0..<comm.byteCount)
    }
}

/// Runs every golden record of `golden` through `plugins` and counts, per event, the
/// records whose text equals the reference's.
private func parity(_ golden: PluginGolden, plugins: EventPlugins = .standard,
                    comms: GoldenComms? = nil) -> [String: (ok: Int, total: Int)] {
    var bound: [String: any EventPlugin] = [:]
    var result: [String: (ok: Int, total: Int)] = [:]
    // libtraceevent's "%6.1000d" time format (plugin_function's own tep_func_repeat_format)
    let usecs: (UInt64, inout TextBuffer) -> Void = { ts, out in
        let t = (ts + 500) / 1000
        let whole = String(t / 1_000_000)
        out.append(String(repeating: " ", count: max(0, 5 - whole.count)) + whole + ".")
        let frac = String(t % 1_000_000)
        out.append(String(repeating: "0", count: 6 - frac.count) + frac)
    }
    let env = PluginEnvironment(symbols: GoldenSymbols(table: golden.symbols), comms: comms,
                                formatTimestamp: usecs, session: PluginSession())
    var out = TextBuffer()
    for r in golden.records {
        guard let format = golden.formats[r.key] else { continue }
        if bound[r.key] == nil {
            bound[r.key] = plugins.bind(format, byteOrder: golden.byteOrder, longSize: golden.longSize)
        }
        guard let plugin = bound[r.key] else { continue }
        out.removeAll()
        let outcome = r.payload.withBytes {
            plugin.write(PluginRecord(cpu: r.cpu, timestamp: r.timestamp), payload: $0, lookahead: nil, into: &out,
                         environment: env)
        }
        var text = out.bytes
        if outcome == .appendDefault { text += r.defaultText }
        let same = text == r.pluginText
        if !same, ProcessInfo.processInfo.environment["PLUGIN_DEBUG"] != nil {
            print("DIFF \(r.key)\n ours: \(String(decoding: text, as: UTF8.self))\n  ref: \(String(decoding: r.pluginText, as: UTF8.self))")
        }
        var entry = result[r.key] ?? (0, 0)
        entry.total += 1
        if same { entry.ok += 1 }
        result[r.key] = entry
    }
    if ProcessInfo.processInfo.environment["PLUGIN_DEBUG"] != nil {
        for (k, v) in result.sorted(by: { $0.key < $1.key }) { print("PARITY \(k) \(v.ok)/\(v.total)") }
    }
    return result
}

@Suite("Plugins against the reference")
struct PluginTests {
    @Test("every plugin'ed record of plugins.dat prints like trace-cmd report")
    func pluginsGolden() throws {
        let golden = try PluginGolden("plugins.txt")
        let result = parity(golden)
        for event in ["sched:sched_switch", "sched:sched_wakeup", "sched:sched_wakeup_new",
                      "timer:hrtimer_start", "timer:hrtimer_expire_entry", "kmem:kmalloc",
                      "kmem:kfree", "kmem:kmem_cache_alloc", "kmem:kmem_cache_free",
                      "tlb:tlb_flush", "syscalls:sys_enter_futex", "ftrace:raw_data"] {
            let r = result[event] ?? (0, 0)
            #expect(r.total > 0, "no golden record of \(event)")
            #expect(r.ok == r.total, "\(event): \(r.ok)/\(r.total) records identical")
        }
        #expect(result.count == golden.formats.count)
    }

    /// Development check on a full extractor dump (`PLUGIN_GOLDEN_EXTRA=/path.txt`).
    @Test("an extra golden dump, when given, prints like the reference",
          .enabled(if: ProcessInfo.processInfo.environment["PLUGIN_GOLDEN_EXTRA"] != nil))
    func extraGolden() throws {
        let path = ProcessInfo.processInfo.environment["PLUGIN_GOLDEN_EXTRA"] ?? ""
        let golden = try PluginGolden(path)
        let result = parity(golden, comms: GoldenComms())
        for (event, r) in result {
            #expect(r.ok == r.total, "\(event): \(r.ok)/\(r.total) records identical")
        }
    }

    /// Events this machine cannot record (no KVM guest, function tracer locked): real
    /// formats, synthetic payloads, reference text from libtraceevent with its plugins
    /// (scripts/golden/plugin-synth.c).
    @Test("kvm, kvmmmu and function events print like libtraceevent's plugins")
    func synthesizedGolden() throws {
        let golden = try PluginGolden("synth.txt")
        let result = parity(golden)
        for event in ["kvm:kvm_exit", "kvm:kvm_entry", "kvm:kvm_emulate_insn", "kvm:kvm_nested_vmexit",
                      "kvm:kvm_nested_vmexit_inject", "kvmmmu:kvm_mmu_get_page", "kvmmmu:kvm_mmu_sync_page",
                      "kvmmmu:kvm_mmu_unsync_page", "kvmmmu:kvm_mmu_prepare_zap_page", "ftrace:function",
                      "ftrace:kernel_stack", "ftrace:func_repeats"] {
            let r = result[event] ?? (0, 0)
            #expect(r.total > 0, "no golden record of \(event)")
            #expect(r.ok == r.total, "\(event): \(r.ok)/\(r.total) records identical")
        }
    }

    @Test("function and stack events with -O parent=1 -O indent=0 -O offset=1")
    func synthesizedOptionsGolden() throws {
        let golden = try PluginGolden("synth-options.txt")
        var plugins = EventPlugins.standard
        plugins.options = golden.options
        #expect(golden.options.functionParent && golden.options.functionOffset && !golden.options.functionIndent)
        let result = parity(golden, plugins: plugins)
        for event in ["ftrace:function", "ftrace:kernel_stack", "ftrace:func_repeats"] {
            let r = result[event] ?? (0, 0)
            #expect(r.total > 0, "no golden record of \(event)")
            #expect(r.ok == r.total, "\(event): \(r.ok)/\(r.total) records identical")
        }
    }

    @Test("kernel stacks (record -T) print like trace-cmd report")
    func kernelStackGolden() throws {
        let golden = try PluginGolden("kstack.txt")
        let result = parity(golden)
        for event in ["ftrace:kernel_stack", "sched:sched_switch", "sched:sched_wakeup"] {
            let r = result[event] ?? (0, 0)
            #expect(r.total > 0, "no golden record of \(event)")
            #expect(r.ok == r.total, "\(event): \(r.ok)/\(r.total) records identical")
        }
    }

    @Test("comms learnt by the sched plugin name later records like trace-cmd report")
    func commRegistration() throws {
        let golden = try PluginGolden("comms.txt")
        let comms = GoldenComms()
        var bound: [String: any EventPlugin] = [:]
        let env = PluginEnvironment(comms: comms)
        var unknownAtStart = Set<Int32>()
        var checked = 0, learnt = 0, mismatches = 0, textMismatches = 0
        var out = TextBuffer()
        for item in golden.items {
            switch item {
            case .known(let pid, let comm):
                comms.table[pid] = comm
            case .unknown(let pid):
                unknownAtStart.insert(pid)
            case .commColumn(let pid, let comm):
                guard unknownAtStart.contains(pid) else { continue }
                let expected = comms.table[pid] ?? Array("<...>".utf8)
                checked += 1
                if comm != Array("<...>".utf8) { learnt += 1 }
                if expected != comm { mismatches += 1 }
            case .record(let r):
                guard let format = golden.formats[r.key] else { continue }
                if bound[r.key] == nil {
                    bound[r.key] = EventPlugins.standard.bind(format, byteOrder: golden.byteOrder,
                                                             longSize: golden.longSize)
                }
                guard let plugin = bound[r.key] else { continue }
                out.removeAll()
                let outcome = r.payload.withBytes {
                    plugin.write(PluginRecord(cpu: r.cpu), payload: $0, lookahead: nil, into: &out, environment: env)
                }
                if outcome != .done || out.bytes != r.pluginText { textMismatches += 1 }
            }
        }
        #expect(checked > 50, "records of pids the file does not know: \(checked)")
        #expect(learnt > 20, "of them named through the plugin: \(learnt)")
        #expect(mismatches == 0)
        #expect(textMismatches == 0)
        #expect(comms.offered > 0)
    }

    @Test("CommTable over SavedCmdlines gives every comm column of comms.dat")
    func commTableOverSavedCmdlines() throws {
        let golden = try PluginGolden("comms.txt")
        let table = CommTable(SavedCmdlines())
        var bound: [String: any EventPlugin] = [:]
        let env = PluginEnvironment(comms: table)
        var checked = 0, mismatches = 0
        var out = TextBuffer()
        for item in golden.items {
            switch item {
            case .known(let pid, let comm):
                // the file's saved cmdlines name this pid from the start
                table.override(comm: String(decoding: comm, as: UTF8.self), pid: pid)
            case .unknown:
                break
            case .commColumn(let pid, let comm):
                checked += 1
                if table.displayBytes(for: pid) != comm { mismatches += 1 }
            case .record(let r):
                guard let format = golden.formats[r.key] else { continue }
                if bound[r.key] == nil {
                    bound[r.key] = EventPlugins.standard.bind(format, byteOrder: golden.byteOrder,
                                                             longSize: golden.longSize)
                }
                out.removeAll()
                _ = r.payload.withBytes {
                    bound[r.key]?.write(PluginRecord(cpu: r.cpu), payload: $0, lookahead: nil, into: &out, environment: env)
                }
            }
        }
        #expect(checked == golden.records.count)
        #expect(mismatches == 0)
    }

    @Test("-N: no plugin, no print function")
    func noPlugins() throws {
        let golden = try PluginGolden("plugins.txt")
        #expect(EventPlugins.none.isEmpty)
        for format in golden.formats.values {
            #expect(EventPlugins.none.bind(format, byteOrder: .little, longSize: 8) == nil)
            #expect(EventPlugins.standard.plugin(system: format.system, event: format.name) != nil)
        }
        #expect(EventPlugins.none.printFunction(named: "jiffies_to_msecs") == nil)
        #expect(EventPlugins.standard.printFunction(named: "jiffies_to_msecs") == .jiffiesToMsecs)
        #expect(EventPlugins.standard.plugin(system: "sched", event: "sched_process_exec") == nil)
    }

    @Test("short or malformed records never trap")
    func truncatedRecords() throws {
        let golden = try PluginGolden("plugins.txt")
        let env = PluginEnvironment(symbols: GoldenSymbols(table: golden.symbols), comms: GoldenComms())
        var out = TextBuffer()
        for r in golden.records.prefix(400) {
            guard let format = golden.formats[r.key],
                  let plugin = EventPlugins.standard.bind(format, byteOrder: golden.byteOrder,
                                                         longSize: golden.longSize) else { continue }
            for cut in [0, 1, 8, 12, r.payload.count / 2, max(0, r.payload.count - 1)] {
                let bytes = Array(r.payload.prefix(cut))
                _ = bytes.withBytes {
                    plugin.write(PluginRecord(cpu: r.cpu), payload: $0, lookahead: nil, into: &out, environment: env)
                }
            }
        }
        #expect(out.count > 0)
    }
}
