import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// The metadata values as plain Swift values: `Codable` round trips, descriptions that show
/// trace IDs as `trace-cmd dump --options` prints them, and `Duration` views of timestamps.
@Suite struct MetadataValueTests {
    static let names = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]
    /// The two-guest session (no sync data).
    static let session = names.map { Fixtures.path("session-2guests/" + $0) }
    /// The two-guest session with TIME_SHIFT options.
    static let tsync = names.map { Fixtures.path("session-2guests-tsync/" + $0) }

    /// Encodes `value` to JSON and decodes it back.
    static func roundTrip<T: Codable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let data = try JSONEncoder().encode(value)
        let back = try JSONDecoder().decode(T.self, from: data)
        #expect(back == value, sourceLocation: sourceLocation)
    }

    // MARK: Codable

    @Test func optionsRoundTrip() throws {
        for path in Self.session + Self.tsync {
            let f = try TraceFile.open(path, mode: .headOnly)
            #expect(!f.options.isEmpty)
            for o in f.options { try Self.roundTrip(o) }
            try Self.roundTrip(f.options)
            try Self.roundTrip(f.optionGroups)
            try Self.roundTrip(f.sections)
            try Self.roundTrip(f.compression)
            try Self.roundTrip(f.guests)
            try Self.roundTrip(f.tsc2nsec)
            try Self.roundTrip(f.role)
            try Self.roundTrip(f.mode)
        }
        let host = try TraceFile.open(Self.session[0], mode: .headOnly)
        #expect(host.guests.count == 2)
        try Self.roundTrip(TraceOption.TSC2NSec(multiplier: 3, shift: 2, offset: 1))
        try Self.roundTrip(TraceOption.Value.malformed("short"))
        try Self.roundTrip(TraceOption.Value.done(next: 42))
        try Self.roundTrip(Compression(name: "zstd", version: "1.5.4"))
        try Self.roundTrip(TraceFile.OpenMode.full)
    }

    @Test func buffersAndStatisticsRoundTrip() throws {
        let session = try TraceSession.open(Self.session)
        for peer in session.peers {
            #expect(!peer.file.buffers.isEmpty)
            try Self.roundTrip(peer.file.buffers)
            for b in peer.file.buffers {
                try Self.roundTrip(b)
                try Self.roundTrip(b.kind)
                try Self.roundTrip(b.cpus)
                let stats = try BufferStatistics(file: peer.file, buffer: b, corrector: peer.corrector(for: b))
                try Self.roundTrip(stats)
            }
        }
        try Self.roundTrip(TraceFileError(file: "x.dat", context: "options", offset: 3,
                                          kind: .truncated(needed: 8, available: 2)))
    }

    @Test func timeShiftAndQualityRoundTrip() throws {
        let session = try TraceSession.open(Self.tsync)
        var shifts = 0
        for peer in session.peers {
            if let ts = peer.timeShift {
                shifts += 1
                try Self.roundTrip(ts)
                try Self.roundTrip(ts.flags)
                try Self.roundTrip(ts.samples)
            }
            if let q = session.syncQuality(of: peer.index) {
                try Self.roundTrip(q)
                try Self.roundTrip(q.cpus)
                try Self.roundTrip(q.warnings)
            }
        }
        #expect(shifts == 2)
        try Self.roundTrip(TSCConversion(mult: 5, shift: 3, offset: 7))
        try Self.roundTrip(TimeShiftError.truncated(field: "times", cpu: 1, offset: 20, needed: 16, available: 4))
        let warnings: [SyncQuality.Warning] = [
            .noSyncData, .unreadable(.negativeCPUCount(-1)), .noCPUs, .unreadBytes(3), .countsDisagree([1, 2]),
            .noSamples(cpu: 1), .unsortedTimes(cpu: 0), .duplicateTimes(cpu: 0, dropped: 2), .implausibleSamples(cpu: 1),
            .writerCountBug(realCounts: [1, 2], storedCount: 2), .peerMismatch(peer: 1, host: 2),
        ]
        try Self.roundTrip(warnings)
        try Self.roundTrip(TimestampCorrector.Settings(rawTimestamps: true, ignoreDate: true, userOffset: -5, clockHz: 1000))
    }

    @Test func diagnosticsRoundTrip() throws {
        // The host second, one guest missing: hostNotFirst and guestWithoutFile.
        let session = try TraceSession.open([Self.session[1], Self.session[0]])
        #expect(session.diagnostics.contains { $0.kind == "hostNotFirst" })
        #expect(session.diagnostics.contains { $0.kind == "guestWithoutFile" })
        try Self.roundTrip(session.diagnostics)
        try Self.roundTrip(session.guests)
        let all: [SessionDiagnostic] = [
            .hostNotFirst(index: 1, path: "h.dat"), .multipleHosts(indices: [0, 2], paths: ["a", "b"]), .noHost,
            .noTraceID(index: 1, path: "g.dat"), .unmatchedFile(index: 1, path: "g.dat", traceID: 7),
            .guestWithoutFile(name: "vm", traceID: 9), .duplicateTraceID(3, indices: [1, 2], paths: ["a", "b"]),
            .noSyncData(index: 1, path: "g.dat"), .peerMismatch(index: 1, path: "g.dat", peer: 1, host: 2),
            .unreadableTimeShift(index: 1, path: "g.dat", .negativeSampleCount(cpu: 0, count: -2)),
        ]
        try Self.roundTrip(all)
    }

    @Test func selectionsRoundTrip() throws {
        try Self.roundTrip(EventSelection())
        try Self.roundTrip(EventSelection(peers: [0, 2], cpus: [1], events: ["sched_switch", "sched:sched_wakeup"],
                                          filter: "sched_switch: prev_pid != 0", start: 1, end: UInt64.max))
    }

    @Test func fieldValuesAndMissedEventsRoundTrip() throws {
        let session = try TraceSession.open(Self.session)
        var values = 0
        for event in try session.events().prefix(200) {
            try Self.roundTrip(event.missedEvents)
            for field in event.type?.allFields ?? [] {
                guard let v = event.value(of: field) else { continue }
                try Self.roundTrip(v)
                values += 1
            }
        }
        #expect(values > 0)
        let samples: [FieldValue] = [
            .signed(-1), .unsigned(.max), .string("bash"), .bytes([0, 255]), .signedArray([-2, 3]),
            .unsignedArray([4, .max]), .cpumask([0, 1, 3]),
        ]
        try Self.roundTrip(samples)
        try Self.roundTrip([MissedEvents.none, .unknown, .count(12)])
    }

    // MARK: Descriptions

    /// `trace-cmd dump --options path`, standard output.
    static func dumpOptions(_ path: String) throws -> String {
        let r = try ReferenceTool.run(["dump", "--options", path])
        #expect(r.status == 0)
        return String(decoding: r.output, as: UTF8.self)
    }

    /// The hex IDs the dump prints: the line after `[Option TRACEID`, and the lines ending in
    /// `[trace id]` (GUEST) and `[peer's trace id]` (TIME_SHIFT), lower-cased.
    static func dumpedIDs(_ dump: String) -> (traceID: String?, guests: [String], peers: [String]) {
        let lines = dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var traceID: String?
        var guests: [String] = []
        var peers: [String] = []
        func hex(_ line: String) -> String? {
            line.split(separator: " ").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .flatMap { $0.hasPrefix("0x") ? $0 : nil }
        }
        for (i, line) in lines.enumerated() {
            if line.contains("[Option TRACEID"), i + 1 < lines.count { traceID = hex(lines[i + 1]) }
            if line.hasSuffix("[trace id]"), let h = hex(line) { guests.append(h) }
            if line.hasSuffix("[peer's trace id]"), let h = hex(line) { peers.append(h) }
        }
        return (traceID, guests, peers)
    }

    @Test func descriptionsShowTraceIDsAsTheDump() throws {
        try #require(ReferenceTool.path != nil, "trace-cmd is not installed: run scripts/install-deps")
        for set in [Self.session, Self.tsync] {
            let session = try TraceSession.open(set)
            for peer in session.peers {
                let dumped = Self.dumpedIDs(try Self.dumpOptions(peer.file.path))
                let id = try #require(dumped.traceID)
                #expect(id == hexID(try #require(peer.traceID)))
                #expect(peer.file.description.contains("trace ID \(id)"))
                #expect(peer.file.description.hasPrefix(peer.file.path + ": version \(peer.file.version)"))
                #expect(peer.description.contains("trace ID \(id)"))
                #expect(peer.file.guests.map { hexID($0.traceID) } == dumped.guests)
                for (g, hex) in zip(peer.file.guests, dumped.guests) {
                    #expect(g.description.contains("\(g.name)  id \(hex)  \(g.vcpuCount) vcpus"))
                }
                if let ts = peer.timeShift {
                    let hex = try #require(dumped.peers.last)
                    #expect(ts.description.contains("peer \(hex)"))
                    #expect(peer.description.contains("time sync with \(hex)"))
                    let q = try #require(session.syncQuality(of: peer.index))
                    #expect(q.description.hasPrefix("peer \(hex)"))
                } else {
                    #expect(dumped.peers.isEmpty)
                }
            }
            let host = try #require(session.host)
            let hostDump = Self.dumpedIDs(try Self.dumpOptions(host.file.path))
            #expect(session.guests.map { hexID($0.guest.traceID) } == hostDump.guests)
            for link in session.guests {
                #expect(link.description.hasPrefix(link.guest.description))
            }
        }
    }

    @Test func descriptionsOfValues() throws {
        let g = TraceOption.GuestInfo(name: "vm", traceID: 0xABCD, vcpuCount: 3, hostPIDs: [12, -1, 14])
        #expect(g.description == "vm  id 0xabcd  3 vcpus  host pids [12 ? 14]")
        let ts = TimeShift(peerTraceID: 0xFF, flags: .interpolate,
                           stored: [[TimeShiftSample(time: 2, offset: 5), TimeShiftSample(time: 1, offset: 4)], []])
        #expect(ts.description == "TIME_SHIFT peer 0xff, flags 0x1 (interpolate), 2 CPUs, samples 2 0")
        #expect(TimeShiftSample(time: 10, offset: -3).description == "-3 1 0 @ 10")
        #expect(Compression(name: "zstd", version: "1.5.4").description == "zstd 1.5.4")
        #expect(MissedEvents.count(4).description == "4")

        let host = try TraceFile.open(Self.session[0], mode: .headOnly)
        let top = try #require(host.topBuffer)
        #expect(top.description.hasPrefix("top: flyrecord, clock local, CPUs 0 1"))
        #expect(host.description.contains(", 2 CPUs, clock local, trace ID 0x"))

        // SyncQuality's cpu lines are those of `tracecmd peers`.
        let session = try TraceSession.open(Self.tsync)
        let text = try SessionSummary(session: session).text()
        for peer in session.peers {
            guard let q = session.syncQuality(of: peer.index) else { continue }
            #expect(!q.cpus.isEmpty)
            for c in q.cpus {
                #expect(text.contains("    \(c)\n"))
                #expect(q.description.contains(c.description))
            }
        }
        #expect(SyncQuality(timeShift: nil, hostTraceID: nil).description == "warning: \(SyncQuality.Warning.noSyncData)")
    }

    @Test func eventDescriptionIsTheReportLine() throws {
        let session = try TraceSession.open(Self.session)
        for event in try session.events().prefix(50) {
            #expect(event.description == event.reportLine)
        }
    }

    // MARK: Durations

    @Test func durationViewsEqualNanoseconds() throws {
        let session = try TraceSession.open(Self.session)
        var n = 0
        for event in try session.events().prefix(100) {
            #expect(event.time == .nanoseconds(Int64(event.timestamp)))
            #expect(event.rawTime == .nanoseconds(Int64(event.rawTimestamp)))
            #expect(event.seconds == Double(event.timestamp) / 1e9)
            #expect(event.rawSeconds == Double(event.rawTimestamp) / 1e9)
            n += 1
        }
        #expect(n == 100)
        for peer in session.peers {
            let top = try #require(peer.file.topBuffer)
            let stats = try BufferStatistics(file: peer.file, buffer: top, corrector: peer.corrector)
            #expect(stats.firstTimestamp > 0)
            #expect(stats.firstTime == .nanoseconds(Int64(stats.firstTimestamp)))
            #expect(stats.firstSeconds == Double(stats.firstTimestamp) / 1e9)
            for c in stats.cpus {
                #expect(c.firstTime == c.firstTimestamp.map { .nanoseconds(Int64($0)) })
                #expect(c.lastTime == c.lastTimestamp.map { .nanoseconds(Int64($0)) })
                #expect(c.firstSeconds == c.firstTimestamp.map { Double($0) / 1e9 })
                #expect(c.lastSeconds == c.lastTimestamp.map { Double($0) / 1e9 })
            }
        }
        let shifts = try TraceSession.open(Self.tsync).peers.compactMap(\.timeShift)
        #expect(!shifts.isEmpty)
        for s in shifts.flatMap({ $0.samples.joined() }) {
            #expect(s.guestTime == .nanoseconds(s.time))
            #expect(s.offsetDuration == .nanoseconds(s.offset))
            #expect(s.seconds == Double(s.time) / 1e9)
        }
        // Beyond Int64: clamped, not wrapped to a negative duration.
        let far = BufferStatistics.CPU(cpu: 0, records: 1, firstTimestamp: .max, lastTimestamp: .max)
        #expect(far.firstTime == .nanoseconds(Int64.max))
    }
}
