import Foundation
import Testing
import TraceCmd

/// Examples of the event API, as a user's package would write them (public API only), each
/// checked against `trace-cmd report`.
@Suite(.enabled(if: Reference.available, "trace-cmd is not installed"))
struct EventExamples {
    static let guestSession = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]
    static let guestDirectory = Reference.path("session-2guests")

    // MARK: Counting, fields

    @Test("count events per name; read sched_switch prev_pid and next_comm")
    func countsAndFields() throws {
        let file = "events.dat"
        let session = try TraceSession.open(Reference.path(file))
        var counts: [String: Int] = [:]
        var switches: [(prevPID: Int64, nextComm: String)] = []
        try session.forEachEvent { e in
            counts[e.name, default: 0] += 1
            if e.name == "sched_switch" {
                switches.append((e["prev_pid"]?.integer ?? -1, e["next_comm"]?.string ?? "?"))
            }
        }

        let lines = try Reference.report([file]).compactMap { Reference.parse($0, labelled: false) }
        var expected: [String: Int] = [:]
        for l in lines { expected[l.name, default: 0] += 1 }
        #expect(counts == expected)

        // The sched plugin's text: "prev_comm:prev_pid [prio] S ==> next_comm:next_pid [prio]".
        let refSwitches = lines.filter { $0.name == "sched_switch" }.map { l -> (Int64, String) in
            let sides = l.info.components(separatedBy: " ==> ")
            let prev = sides[0][..<sides[0].range(of: " [", options: .backwards)!.lowerBound]
            let next = sides[1][..<sides[1].range(of: " [", options: .backwards)!.lowerBound]
            let prevPID = Int64(prev[prev.index(after: prev.lastIndex(of: ":")!)...])!
            let nextComm = String(next[..<next.lastIndex(of: ":")!])
            return (prevPID, nextComm)
        }
        #expect(switches.count == refSwitches.count)
        #expect(switches.count > 100)
        for (a, b) in zip(switches, refSwitches) {
            #expect(a.prevPID == b.0)
            #expect(a.nextComm == b.1)
        }
    }

    @Test("a field resolved once reads every event of its type")
    func resolvedField() throws {
        let session = try TraceSession.open(Reference.path("events.dat"))
        var field: EventField?
        var viaField: [Int64] = []
        var viaName: [Int64] = []
        try session.forEachEvent(EventSelection(events: ["sched:sched_switch"])) { e in
            if field == nil { field = e.type?.field(named: "next_pid") }
            viaField.append(field.flatMap { e.value(of: $0)?.integer } ?? -1)
            viaName.append(e["next_pid"]?.integer ?? -2)
        }
        #expect(field?.kind == .signed)
        #expect(!viaField.isEmpty && viaField == viaName)
    }

    // MARK: Report lines

    /// Every recording at the top of Tests/Fixtures.
    static let singleFiles: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: Reference.fixtures)) ?? [])
            .filter { $0.hasSuffix(".dat") }.sorted()
    }()

    /// Every host + guests session of Tests/Fixtures: the host, then its guests.
    static let sessions: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: Reference.fixtures)) ?? [])
            .filter { $0.hasPrefix("session-") }.sorted()
    }()

    static func sessionFiles(_ dir: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Reference.path(dir))) ?? []
        return ["trace.dat"] + files.filter { $0.hasPrefix("trace-") && $0.hasSuffix(".dat") }.sorted()
    }

    @Test("every record printed as its report line equals trace-cmd report", arguments: singleFiles)
    func reportLines(file: String) throws {
        let session = try TraceSession.open(Reference.path(file))
        var ours: [String] = []
        try session.forEachEvent { e in ours.append(e.reportText) }
        let expected = try Reference.report([file])
        let joined = ours.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(joined.count == expected.count)
        for (i, (a, b)) in zip(joined, expected).enumerated() where a != b {
            Issue.record("line \(i):\n ours: \(a)\n ref:  \(b)")
            break
        }
    }

    @Test("a host + guests session printed line by line equals trace-cmd report -i ... -i ... -i ...",
          arguments: sessions)
    func sessionReportLines(name: String) throws {
        let dir = Reference.path(name)
        let files = Self.sessionFiles(name)
        let session = try TraceSession.open(files.map { dir + "/" + $0 })
        var ours: [String] = []
        var infos: [String] = []
        for e in try session.events() {
            ours.append(e.reportText)
            infos.append(e.info)
        }
        let expected = try Reference.report(files, in: dir)
        #expect(ours.count == expected.count)
        for (i, (a, b)) in zip(ours, expected).enumerated() where a != b {
            Issue.record("line \(i):\n ours: \(a)\n ref:  \(b)")
            break
        }
        let refInfos = expected.compactMap { Reference.parse($0, labelled: true)?.info }
        #expect(infos.map { $0.trimmingCharacters(in: .whitespaces) }
                == refInfos.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    // MARK: Guests

    /// A copy of the 2-guest session whose host file's GUEST options name host PIDs for
    /// the VCPUs (the recording has -1, unknown): 4000 + 100 × guest + VCPU, written over
    /// the `-1`s after each guest's name, trace ID and CPU count.
    static func sessionWithHostPIDs() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("examples-pids-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in guestSession.dropFirst() {
            try FileManager.default.copyItem(atPath: guestDirectory + "/" + f, toPath: dir + "/" + f)
        }
        var host = [UInt8](try Data(contentsOf: URL(fileURLWithPath: guestDirectory + "/trace.dat")))
        for (g, name) in ["guest1.vm", "guest2.vm"].enumerated() {
            let needle = Array(name.utf8) + [0]
            guard let at = (0...(host.count - needle.count)).first(where: { host[$0..<($0 + needle.count)].elementsEqual(needle) })
            else { throw CocoaError(.fileReadCorruptFile) }
            var o = at + needle.count + 8
            let cpus = Int(host[o]) | Int(host[o + 1]) << 8
            o += 4
            for cpu in 0..<cpus {
                let pid = UInt32(4000 + 100 * (g + 1) + cpu)
                for k in 0..<4 { host[o + 4 + k] = UInt8(truncatingIfNeeded: pid >> (8 * UInt32(k))) }
                o += 8
            }
        }
        try Data(host).write(to: URL(fileURLWithPath: dir + "/trace.dat"))
        return dir
    }

    @Test("guest events: peer, VCPU, host-clock time and the VCPU's host PID", arguments: [false, true])
    func guestEvents(withHostPIDs: Bool) throws {
        let dir = withHostPIDs ? try Self.sessionWithHostPIDs() : Self.guestDirectory
        defer { if withHostPIDs { try? FileManager.default.removeItem(atPath: dir) } }
        let session = try TraceSession.open(Self.guestSession.map { dir + "/" + $0 })
        struct Row: Equatable { var file: String; var vcpu: Int; var micros: Int64; var hostPID: Int32? }
        var ours: [Row] = []
        try session.forEachEvent { e in
            guard e.peer != 0 else { return }
            ours.append(Row(file: Self.guestSession[e.peer], vcpu: e.cpu, micros: Reference.microseconds(e.timestamp),
                            hostPID: e.hostPID))
            #expect(session.hostPID(peer: e.peer, vcpu: e.cpu) == e.hostPID)
        }
        // Times: the merged reference report's guest lines.
        let ref = try Reference.report(Self.guestSession, in: dir).compactMap { Reference.parse($0, labelled: true) }
            .filter { $0.label != "trace.dat" }
        // Host PIDs: the host's GUEST options, matched to the guests' TRACEIDs.
        let pids = try Reference.guestHostPIDs(dir + "/trace.dat")
        var pidByFile: [String: [Int32]] = [:]
        for f in Self.guestSession.dropFirst() {
            if let id = try Reference.traceID(dir + "/" + f) { pidByFile[f] = pids[id] }
        }
        #expect(pidByFile.count == 2)
        #expect(pidByFile.values.allSatisfy { $0.allSatisfy { ($0 == -1) != withHostPIDs } })
        let expected = ref.map { l -> Row in
            let p = pidByFile[l.label].flatMap { l.cpu < $0.count ? $0[l.cpu] : nil }
            return Row(file: l.label, vcpu: l.cpu, micros: l.microseconds, hostPID: p == -1 ? nil : p)
        }
        #expect(!ours.isEmpty)
        #expect(ours == expected)
        // And the other way: a host PID names its guest and VCPU.
        for (file, list) in pidByFile {
            for (vcpu, pid) in list.enumerated() where pid != -1 {
                let g = session.guestVCPU(hostPID: pid)
                #expect(g?.guest == Self.guestSession.firstIndex(of: file) && g?.vcpu == vcpu)
            }
        }
        #expect(session.guestVCPU(hostPID: -1) == nil)
    }

    @Test("per guest VCPU, the gaps between consecutive events")
    func vcpuGaps() throws {
        let dir = Self.guestDirectory
        let session = try TraceSession.open(Self.guestSession.map { dir + "/" + $0 })
        struct Key: Hashable { var peer: String; var vcpu: Int }
        var last: [Key: Int64] = [:]
        var gaps: [Key: [Int64]] = [:]
        try session.forEachEvent(EventSelection(peers: [1, 2])) { e in
            let k = Key(peer: Self.guestSession[e.peer], vcpu: e.cpu)
            let t = Reference.microseconds(e.timestamp)
            if let l = last[k] { gaps[k, default: []].append(t - l) }
            last[k] = t
        }
        var refLast: [Key: Int64] = [:]
        var refGaps: [Key: [Int64]] = [:]
        for l in try Reference.report(Self.guestSession, in: dir).compactMap({ Reference.parse($0, labelled: true) })
        where l.label != "trace.dat" {
            let k = Key(peer: l.label, vcpu: l.cpu)
            if let p = refLast[k] { refGaps[k, default: []].append(l.microseconds - p) }
            refLast[k] = l.microseconds
        }
        #expect(gaps.count == 4)
        #expect(gaps == refGaps)
    }

    // MARK: Filters

    @Test("a filter string selects what trace-cmd report -F selects",
          arguments: [("events.dat", "sched_switch: prev_pid != 0"),
                      ("events.dat", "sched_switch: next_comm =~ \"^kworker\""),
                      ("events.dat", "sched: COMM != \"bash\" && CPU == 1"),
                      ("kstack.dat", "sched_switch: prev_pid != 0 && next_pid != 0")])
    func filter(file: String, filter: String) throws {
        let session = try TraceSession.open(Reference.path(file))
        var ours: [String] = []
        try session.forEachEvent(EventSelection(filter: filter)) { e in ours.append(e.reportText) }
        let expected = try Reference.report([file], extra: ["-F", filter])
        #expect(!expected.isEmpty)
        #expect(ours.joined(separator: "\n") == expected.joined(separator: "\n"))
    }

    @Test("a filter that does not parse is a typed error before any event")
    func badFilter() throws {
        let session = try TraceSession.open(Reference.path("events.dat"))
        #expect(throws: EventQueryError.self) { try session.events(EventSelection(filter: "sched_switch: prev_pid !! 0")) }
        do {
            _ = try session.events(EventSelection(events: ["no_such_event"]))
            Issue.record("no error")
        } catch {
            if case .unknownEvent(let n) = error { #expect(n == "no_such_event") } else { Issue.record("\(error)") }
        }
    }

    // MARK: Errors

    @Test("a truncated copy and random bytes: a TraceFileError naming the file, no crash")
    func damagedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try Data(contentsOf: URL(fileURLWithPath: Reference.path("events.dat")))

        var rng = SystemRandomNumberGenerator()
        let random = dir.appendingPathComponent("random.dat").path
        try Data((0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: random))
        do {
            _ = try TraceSession.open(random)
            Issue.record("random bytes opened")
        } catch {
            #expect(error.file == random)
        }

        // Cut in the headers, then in the event data.
        for cut in [200, original.count / 2, original.count - 4096] {
            let path = dir.appendingPathComponent("cut-\(cut).dat").path
            try original.prefix(cut).write(to: URL(fileURLWithPath: path))
            do {
                let session = try TraceSession.open(path)
                let errors = try session.forEachEvent { _ in }
                let events = try session.events()
                var n = 0
                for _ in events { n += 1 }
                #expect(events.errors.allSatisfy { $0.file == path })
                #expect(errors.allSatisfy { $0.file == path })
            } catch let error as TraceFileError {
                #expect(error.file == path)
            } catch let error as EventQueryError {
                guard case .file(let e) = error else { Issue.record("\(error)"); continue }
                #expect(e.file == path)
            }
        }
    }

    // MARK: Keeping events

    @Test("an owned Event kept past the iteration keeps its values")
    func ownedEvents() throws {
        let file = "events.dat"
        let session = try TraceSession.open(Reference.path(file))
        var kept: [Event] = []
        try session.forEachEvent(EventSelection(events: ["sched_switch"])) { e in
            kept.append(e.owned())
        }
        // Read them all after the pages they came from are gone.
        let expected = try Reference.report([file]).filter { Reference.parse($0, labelled: false)?.name == "sched_switch" }
        #expect(kept.count == expected.count)
        #expect(kept.map(\.reportLine) == expected)
        for (e, line) in zip(kept, expected) {
            let l = try #require(Reference.parse(line, labelled: false))
            #expect(e.name == "sched_switch" && e.system == "sched")
            #expect(Int(e.pid) == l.pid && e.cpu == l.cpu && e.comm == l.comm)
            #expect(Reference.microseconds(e.timestamp) == l.microseconds)
            #expect(e.info == l.info)
            let prev = try #require(e["prev_comm"]?.string)
            #expect(l.info.hasPrefix(prev + ":\(e["prev_pid"]?.integer ?? -1) "))
        }
        // Values are values: equal events hash equally.
        #expect(Set(kept).count == kept.count)
    }

    @Test("events kept now and then, with text asked only for those, read as the report printed them",
          arguments: ["events.dat", "kstack.dat", "buffers.dat"])
    func sparseOwned(file: String) throws {
        let session = try TraceSession.open(Reference.path(file))
        var kept: [(index: Int, event: Event)] = []
        var i = 0
        try session.forEachEvent { e in
            if i % 7 == 3 { kept.append((i, e.owned())) }
            i += 1
        }
        let expected = try Reference.report([file])
        // A report line may span lines (stack traces): map record i to its text.
        var all: [Event] = []
        for e in try session.events() { all.append(e) }
        #expect(all.map(\.reportText).joined(separator: "\n") == expected.joined(separator: "\n"))
        #expect(kept.count == (all.count + 3) / 7)
        for (index, e) in kept { #expect(e == all[index]) }
    }

    @Test("async events: the same events in a task")
    func asyncEvents() async throws {
        let dir = Self.guestDirectory
        let session = try TraceSession.open(Self.guestSession.map { dir + "/" + $0 })
        let lines = try await Task.detached {
            var out: [String] = []
            for try await e in session.asyncEvents { out.append(e.reportText) }
            return out
        }.value
        #expect(lines == (try Reference.report(Self.guestSession, in: dir)))
    }
}

/// Opening a session by path, by URL, and reading it through every entry point.
@Suite struct OpeningSessions {
    @Test("open by path and by URL; forEachEvent, events() and asyncEvents agree")
    func openings() async throws {
        let path = Reference.path("v7-zstd.dat")
        let byPath = try TraceSession.open(path)
        let byURL = try TraceSession.open(URL(fileURLWithPath: path))
        #expect(byPath.peers.count == 1 && byURL.peers.count == 1)
        var viaView: [Event] = []
        try byPath.forEachEvent { viaView.append($0.owned()) }
        let viaSequence = Array(try byURL.events())
        var viaAsync: [Event] = []
        for try await e in byPath.asyncEvents { viaAsync.append(e) }
        #expect(!viaView.isEmpty)
        #expect(viaView.map(\.reportLine) == viaSequence.map(\.reportLine))
        #expect(viaView.map(\.reportLine) == viaAsync.map(\.reportLine))
        #expect(viaView.map(\.bytes) == viaSequence.map(\.bytes))
    }

    @Test("a time window and a CPU selection")
    func window() throws {
        let session = try TraceSession.open(Reference.path("events.dat"))
        let all = Array(try session.events())
        let start = all[all.count / 4].timestamp, end = all[all.count / 2].timestamp
        let inWindow = Array(try session.events(EventSelection(cpus: [1], start: start, end: end)))
        let expected = all.filter { $0.cpu == 1 && $0.timestamp >= start && $0.timestamp <= end }
        #expect(!expected.isEmpty)
        #expect(inWindow.map(\.reportLine) == expected.map(\.reportLine))
    }
}

/// Field values against `trace-cmd report -R`, which prints every field as `name=value`.
@Suite(.enabled(if: Reference.available, "trace-cmd is not installed"))
struct FieldValuesAgainstRaw {
    /// ` name=value` pairs of a raw line's info (a value runs to the next ` name=`).
    static func pairs(_ info: String) -> [(String, String)] {
        let marks = info.matches(of: /(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/)
        var out: [(String, String)] = []
        for (i, m) in marks.enumerated() {
            let end = i + 1 < marks.count ? marks[i + 1].range.lowerBound : info.endIndex
            out.append((String(m.output.1), String(info[m.range.upperBound..<end])))
        }
        return out
    }

    @Test("decimal numbers and strings of every event equal the raw report's",
          arguments: ["events.dat", "all-events.dat", "kstack.dat"])
    func rawFields(file: String) throws {
        let session = try TraceSession.open(Reference.path(file))
        let ref = try Reference.report([file], extra: ["-R"])
        var events: [Event] = []
        try session.forEachEvent { events.append($0.owned()) }
        let lines = ref.compactMap { Reference.parse($0, labelled: false) }
        #expect(lines.count == events.count)
        var numbers = 0, strings = 0, mismatches: [String] = []
        for (e, l) in zip(events, lines) {
            guard let type = e.type else { continue }
            for (name, text) in Self.pairs(l.info) {
                guard let field = type.field(named: name), let v = e.value(of: field) else { continue }
                switch field.kind {
                case .signed, .unsigned:
                    guard let n = Int64(text) else { continue } // hex, symbols: printed through the format
                    numbers += 1
                    // `%d` of an unsigned field prints its bits as signed: compare the bits; a
                    // field the print format shows with `%x` or `%o` reads as hex or octal digits.
                    let ours = v.unsignedInteger ?? 0, theirs = UInt64(bitPattern: n)
                    if ours != theirs && ours & 0xffff_ffff != theirs & 0xffff_ffff
                        && UInt64(text, radix: 16) != ours && UInt64(text, radix: 8) != ours {
                        mismatches.append("\(e.name).\(name): \(v) vs \(text)")
                    }
                case .string:
                    strings += 1
                    // The report drops a final newline of the text.
                    var ours = v.string ?? ""
                    if ours.hasSuffix("\n") { ours.removeLast() }
                    if ours.contains("\n") { continue } // the reference's line ends there
                    if ours != text { mismatches.append("\(e.name).\(name): \(ours) vs \(text)") }
                default: break
                }
            }
        }
        #expect(numbers > 1000 && strings > 100)
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(10).map { String($0.prefix(200)) })")
    }
}
