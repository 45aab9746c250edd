import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// What `scripts/golden/filter-extract.c` dumped of a trace with the reference libtraceevent:
/// the event formats (as libtraceevent parsed them), every record, the comms and symbols.
struct EventFilterFixture {
    struct Record {
        var cpu: Int
        var timestamp: UInt64
        var eventID: Int
        var payload: [UInt8]
    }

    struct Symbols: SymbolResolver {
        var names: [UInt64: String]
        func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
            names[address].map { ($0, address, nil) }
        }
        func symbol(at address: UInt64) -> String? { names[address] }
    }

    var events: [EventFormat] = []
    var records: [Record] = []
    var comms: [Int32: String] = [:]
    var symbols = Symbols(names: [:])

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/filter")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func load(_ trace: String) throws -> EventFilterFixture {
        var fx = EventFilterFixture()
        for line in try text("\(trace).records.tsv").split(separator: "\n", omittingEmptySubsequences: true) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch f.first {
            case "E":
                fx.events.append(EventFormat(name: f[3], system: f[2], id: Int(f[1]) ?? -1, commonFields: [],
                                             fields: [], printFormatText: ""))
            case "F":
                guard var e = fx.events.popLast() else { continue }
                var type = f[3]
                var storage = FormatField.Storage.inline
                if type.hasPrefix("__data_loc ") {
                    storage = .dataLoc
                    type.removeFirst("__data_loc ".count)
                } else if type.hasPrefix("__rel_loc ") {
                    storage = .relLoc
                    type.removeFirst("__rel_loc ".count)
                }
                var arrayLength: Int?
                if let bracket = type.firstIndex(of: "[") {
                    arrayLength = Int(f[7]) ?? 0
                    type = String(type[..<bracket]).trimmingCharacters(in: .whitespaces)
                }
                let field = FormatField(name: f[2], type: type, offset: Int(f[4]) ?? 0, size: Int(f[5]) ?? 0,
                                        isSigned: f[6] == "1", storage: storage, arrayLength: arrayLength,
                                        isCommon: f[1] == "c")
                if f[1] == "c" { e.commonFields.append(field) } else { e.fields.append(field) }
                fx.events.append(e)
            case "R":
                var bytes: [UInt8] = []
                let hex = Array(f[5].utf8)
                var i = 0
                while i + 1 < hex.count {
                    bytes.append(UInt8(String(decoding: hex[i...i + 1], as: UTF8.self), radix: 16) ?? 0)
                    i += 2
                }
                fx.records.append(Record(cpu: Int(f[1]) ?? -1, timestamp: UInt64(f[2]) ?? 0,
                                         eventID: Int(f[3]) ?? -1, payload: bytes))
            case "C":
                if let pid = Int32(f[1]) { fx.comms[pid] = f[2] }
            case "S":
                if let a = UInt64(f[1]) { fx.symbols.names[a] = f[2] }
            default:
                break
            }
        }
        return fx
    }

    /// Indices of the records `filter` keeps, in record order (trace-cmd's rules).
    func kept(by filter: EventFilter) -> [Int] {
        var filter = filter
        var out: [Int] = []
        for (i, r) in records.enumerated() {
            let keep = r.payload.withBytes { p in
                filter.accept(eventID: r.eventID, payload: p, cpu: r.cpu, comm: { comms[$0] })
            }
            if keep { out.append(i) }
        }
        return out
    }

    /// The cases of `<trace>.cases.tsv`: name, `-F` filters before `-v`, after `-v`.
    static func cases(_ trace: String) throws -> [(name: String, include: [String], exclude: [String])] {
        try text("\(trace).cases.tsv").split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let f = line.split(separator: "\t").map(String.init)
            guard let name = f.first else { return nil }
            let inc = f.dropFirst().filter { $0.hasPrefix("F:") }.map { String($0.dropFirst(2)) }
            let exc = f.dropFirst().filter { $0.hasPrefix("V:") }.map { String($0.dropFirst(2)) }
            return (name, inc, exc)
        }
    }

    /// The record indices the reference keeps (`kept/<trace>/<name>.txt`: "0-5,7,9-20").
    static func expectedKept(_ trace: String, _ name: String) throws -> [Int] {
        var out: [Int] = []
        let text = try text("kept/\(trace)/\(name).txt").trimmingCharacters(in: .whitespacesAndNewlines)
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            if ends.count == 2, ends[0] <= ends[1] { out += Array(ends[0]...ends[1]) } else { out += ends }
        }
        return out
    }
}

@Suite struct EventFilterGoldenTests {
    /// Every case of trace.cases.tsv keeps exactly the records `trace-cmd report -F ... -v -F ...`
    /// keeps on trace.dat (sched/irq/timer events).
    @Test func keptRecordsMatchReference() throws {
        let fx = try EventFilterFixture.load("trace")
        #expect(fx.records.count == 5464)
        let cases = try EventFilterFixture.cases("trace")
        #expect(cases.count >= 30)
        for c in cases {
            let filter = try EventFilter(filters: c.include, excluding: c.exclude, events: fx.events,
                                         byteOrder: .little, symbols: fx.symbols)
            let got = fx.kept(by: filter)
            let want = try EventFilterFixture.expectedKept("trace", c.name)
            let extra = Set(got).subtracting(want).sorted().prefix(5)
            let missing = Set(want).subtracting(got).sorted().prefix(5)
            #expect(got.sorted() == want.sorted(),
                    "case \(c.name): kept \(got.count), reference \(want.count); extra \(Array(extra)), missing \(Array(missing))")
        }
    }

    /// kernel_stack records follow the decision taken for the record before them on their CPU.
    @Test func stackTraceRecordsFollowTheirEvent() throws {
        let fx = try EventFilterFixture.load("kstack")
        #expect(fx.records.count == 850)
        for c in try EventFilterFixture.cases("kstack") {
            let filter = try EventFilter(filters: c.include, excluding: c.exclude, events: fx.events,
                                         byteOrder: .little, symbols: fx.symbols)
            let got = fx.kept(by: filter)
            let want = try EventFilterFixture.expectedKept("kstack", c.name)
            let extra = Set(got).subtracting(want).sorted().prefix(5)
            let missing = Set(want).subtracting(got).sorted().prefix(5)
            #expect(got.sorted() == want.sorted(),
                    "case \(c.name): kept \(got.count), reference \(want.count); extra \(Array(extra)), missing \(Array(missing))")
        }
    }

    /// The stateless `matches` ignores the stack-trace rule: with `-F sched_switch` it keeps
    /// only the sched_switch records.
    @Test func matchesWithoutStackRule() throws {
        let fx = try EventFilterFixture.load("kstack")
        let filter = try EventFilter(filters: ["sched_switch"], events: fx.events, byteOrder: .little)
        let switchID = try #require(fx.events.first { $0.name == "sched_switch" }?.id)
        var kept = 0
        for r in fx.records {
            let m = r.payload.withBytes { filter.matches(eventID: r.eventID, payload: $0, cpu: r.cpu) { _ in nil } }
            if m {
                kept += 1
                #expect(r.eventID == switchID)
            }
        }
        #expect(kept == fx.records.filter { $0.eventID == switchID }.count)
        #expect(kept > 0)
    }

    /// A long `||` chain (a left-deep tree, as trace-cmd's `-P pid` filters build) evaluates.
    @Test func longChainEvaluates() throws {
        let fx = try EventFilterFixture.load("trace")
        let pids = (1...300).map { "(next_pid == \($0 + 100000))" }.joined(separator: " || ")
        let filter = try EventFilter(filters: ["sched_switch: " + pids + " || next_pid == 0"],
                                     events: fx.events, byteOrder: .little)
        let plain = try EventFilter(filters: ["sched_switch: next_pid == 0"], events: fx.events, byteOrder: .little)
        #expect(fx.kept(by: filter) == fx.kept(by: plain))
        #expect(!fx.kept(by: plain).isEmpty)
    }

    /// A record too short for the fields the filter reads does not match (and does not trap).
    @Test func truncatedPayloadDoesNotMatch() throws {
        let fx = try EventFilterFixture.load("trace")
        let filter = try EventFilter(filters: ["sched_switch: next_pid >= 0 || next_comm =~ \".\""],
                                     events: fx.events, byteOrder: .little)
        let r = try #require(fx.records.first { $0.eventID == 372 })
        let full = r.payload.withBytes { filter.matches(eventID: 372, payload: $0, cpu: 0) { _ in nil } }
        #expect(full)
        for cut in [0, 4, 20, 41, 57] {
            let short = Array(r.payload.prefix(cut))
            let m = short.withBytes { filter.matches(eventID: 372, payload: $0, cpu: 0) { _ in nil } }
            #expect(!m, "cut at \(cut)")
        }
    }
}
