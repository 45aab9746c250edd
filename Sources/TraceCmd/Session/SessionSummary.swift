@_spi(Engine) import TraceEvent
/// The session at a glance (`tracecmd peers`): per file its format, clock, trace ID, role,
/// record counts and timestamps exactly as libtracecmd reports them, its instances, the
/// host's guests with their files, the time-sync data and its quality; rendered as JSON for
/// programs (``json()``) or text for people (``text()``).
///
/// The JSON has the keys of the golden `info.json` that `scripts/golden/tcinfo.c` prints
/// from libtracecmd, plus `host`, `diagnostics`, and per file `syncQuality` and
/// `readErrors`.
@_spi(Engine) public struct SessionSummary: Sendable {
    /// One GUEST entry of a host file.
    @_spi(Engine) public struct Guest: Sendable, Equatable {
        @_spi(Engine) public var name: String
        @_spi(Engine) public var traceID: UInt64
        @_spi(Engine) public var vcpus: Int
        @_spi(Engine) public var hostPIDs: [Int32]
        /// The session file with this guest's trace (as given), `nil` when none.
        @_spi(Engine) public var file: String?
    }

    /// The TIME_SHIFT samples of one CPU as stored in the option (file order).
    @_spi(Engine) public struct StoredSamples: Sendable, Equatable {
        @_spi(Engine) public var cpu: Int
        @_spi(Engine) public var samples: Int
        @_spi(Engine) public var firstOffset: Int64?
        @_spi(Engine) public var lastOffset: Int64?
    }

    /// The TIME_SHIFT option as stored.
    @_spi(Engine) public struct TimeSync: Sendable, Equatable {
        @_spi(Engine) public var peerTraceID: UInt64
        @_spi(Engine) public var flags: UInt32
        @_spi(Engine) public var cpus: [StoredSamples]
    }

    /// An instance buffer.
    @_spi(Engine) public struct Instance: Sendable, Equatable {
        @_spi(Engine) public var name: String
        @_spi(Engine) public var firstTimestamp: UInt64
        @_spi(Engine) public var cpus: Int
        @_spi(Engine) public var cpuStats: [BufferStatistics.CPU]
    }

    /// One file.
    @_spi(Engine) public struct File: Sendable {
        @_spi(Engine) public var path: String
        @_spi(Engine) public var version: Int
        @_spi(Engine) public var compression: Compression?
        @_spi(Engine) public var clock: String
        @_spi(Engine) public var traceID: UInt64?
        @_spi(Engine) public var role: TraceFile.Role
        /// `tracecmd_get_first_ts` of the top-level buffer.
        @_spi(Engine) public var firstTimestamp: UInt64
        @_spi(Engine) public var cpus: Int
        @_spi(Engine) public var cpuStats: [BufferStatistics.CPU]
        @_spi(Engine) public var instances: [Instance]
        @_spi(Engine) public var guests: [Guest]
        @_spi(Engine) public var timeSync: TimeSync?
        /// For guests (and files matched to a guest entry): the sync quality.
        @_spi(Engine) public var syncQuality: SyncQuality?
        /// Errors met while counting records (the rest of that CPU was skipped).
        @_spi(Engine) public var readErrors: [TraceFileError]
    }

    @_spi(Engine) public var files: [File]
    /// Index of the host file, if any.
    @_spi(Engine) public var hostIndex: Int?
    /// The session's diagnostics.
    @_spi(Engine) public var diagnostics: [SessionDiagnostic]

    /// Reads every record of every buffer of the session's files (they must be opened
    /// ``TraceFile/OpenMode/full``) to count them.
    @_spi(Engine) public init(session: TraceSession) throws(TraceFileError) {
        hostIndex = session.hostIndex
        diagnostics = session.diagnostics
        files = []
        for peer in session.peers {
            let f = peer.file
            var readErrors: [TraceFileError] = []
            var firstTS: UInt64 = 0
            var stats: [BufferStatistics.CPU] = []
            var cpus = f.cpuCount
            if let top = f.topBuffer {
                let s = try BufferStatistics(file: f, buffer: top, corrector: peer.corrector)
                firstTS = s.firstTimestamp
                stats = s.cpus
                cpus = top.kind == .flyrecord ? top.cpuSlots(in: f) : f.cpuCount
                readErrors += s.errors
            }
            var instances: [Instance] = []
            for b in f.instances {
                let s = try BufferStatistics(file: f, buffer: b, corrector: peer.instanceCorrector)
                instances.append(Instance(name: b.name, firstTimestamp: s.firstTimestamp, cpus: b.cpuSlots(in: f),
                                          cpuStats: s.cpus))
                readErrors += s.errors
            }
            var guests: [Guest] = []
            if peer.index == session.hostIndex {
                guests = session.guests.map { l in
                    Guest(name: l.guest.name, traceID: l.guest.traceID, vcpus: l.guest.vcpuCount,
                          hostPIDs: l.guest.hostPIDs, file: l.fileIndex.map { session.peers[$0].path })
                }
            } else {
                guests = f.guests.map { g in
                    let c = f.guest(traceID: g.traceID) ?? g
                    return Guest(name: c.name, traceID: c.traceID, vcpus: c.vcpuCount, hostPIDs: c.hostPIDs, file: nil)
                }
            }
            let payload = f.usableTimeShiftPayload
            files.append(File(path: peer.path, version: f.version, compression: f.compression, clock: f.clock,
                              traceID: f.traceID, role: peer.role, firstTimestamp: firstTS, cpus: cpus,
                              cpuStats: stats, instances: instances, guests: guests,
                              timeSync: payload.flatMap { Self.storedTimeSync($0, order: f.byteOrder) },
                              syncQuality: session.syncQuality(of: peer.index), readErrors: readErrors))
        }
    }

    /// The TIME_SHIFT option as stored: peer ID, flags and per CPU the stored count and the
    /// first and last stored offsets, read with the stored counts (CPUs whose samples do not
    /// fit are left out, as `tcinfo` does).
    @_spi(Engine) public static func storedTimeSync(_ payload: [UInt8], order: ByteOrder) -> TimeSync? {
        payload.withRawSpan { p -> TimeSync? in
            guard p.count >= 16,
                  let peer = p.loadUnsigned(at: 0, size: 8, order: order),
                  let flags = p.loadUnsigned(at: 8, size: 4, order: order),
                  let n = p.loadUnsigned(at: 12, size: 4, order: order)
            else { return nil }
            var cpus: [StoredSamples] = []
            var pos = 16
            var cpu = 0
            while UInt64(cpu) < n {
                guard let rawCount = p.loadUnsigned(at: pos, size: 4, order: order) else { break }
                pos += 4
                let count = Int(rawCount)
                guard count <= (p.count - pos) / 24 else { break }
                var s = StoredSamples(cpu: cpu, samples: count, firstOffset: nil, lastOffset: nil)
                if count > 0 {
                    s.firstOffset = p.loadSigned(at: pos + 8 * count, size: 8, order: order)
                    s.lastOffset = p.loadSigned(at: pos + 8 * count + 8 * (count - 1), size: 8, order: order)
                }
                cpus.append(s)
                pos += 24 * count
                cpu += 1
            }
            return TimeSync(peerTraceID: peer, flags: UInt32(truncatingIfNeeded: flags), cpus: cpus)
        }
    }
}

// MARK: - JSON

extension SessionSummary {
    /// The summary as one JSON document `{"files": [...], "host": ..., "diagnostics": [...]}`,
    /// ending with a newline.
    @_spi(Engine) public func json() -> String {
        var w = JSONText()
        w.open("{")
        w.key("files")
        w.open("[")
        for f in files {
            w.item()
            Self.write(f, to: &w)
        }
        w.close("]")
        w.key("host")
        if let hostIndex { w.number(hostIndex) } else { w.null() }
        w.key("diagnostics")
        w.open("[")
        for d in diagnostics {
            w.item()
            w.open("{")
            w.key("kind"); w.string(d.kind)
            w.key("message"); w.string(d.description)
            w.close("}")
        }
        w.close("]")
        w.close("}")
        return w.text + "\n"
    }

    static func write(_ f: File, to w: inout JSONText) {
        w.open("{")
        w.key("path"); w.string(f.path)
        w.key("version"); w.number(f.version)
        w.key("compression")
        if let c = f.compression {
            w.open("{")
            w.key("name"); w.string(c.name)
            w.key("version"); w.string(c.version)
            w.close("}")
        } else {
            w.null()
        }
        w.key("clock"); w.string(f.clock)
        w.key("traceID")
        if let id = f.traceID { w.string(hexID(id)) } else { w.null() }
        w.key("role"); w.string(f.role.rawValue)
        w.key("firstTimestamp"); w.number(f.firstTimestamp)
        w.key("cpus"); w.number(f.cpus)
        w.key("cpuStats"); writeStats(f.cpuStats, to: &w)
        w.key("instances")
        w.open("[")
        for i in f.instances {
            w.item()
            w.open("{")
            w.key("name"); w.string(i.name)
            w.key("firstTimestamp"); w.number(i.firstTimestamp)
            w.key("cpus"); w.number(i.cpus)
            w.key("cpuStats"); writeStats(i.cpuStats, to: &w)
            w.close("}")
        }
        w.close("]")
        w.key("guests")
        w.open("[")
        for g in f.guests {
            w.item()
            w.open("{")
            w.key("name"); w.string(g.name)
            w.key("traceID"); w.string(hexID(g.traceID))
            w.key("vcpus"); w.number(g.vcpus)
            w.key("hostPIDs")
            w.open("[")
            for p in g.hostPIDs { w.item(); w.number(Int(p)) }
            w.close("]")
            w.key("file")
            if let file = g.file { w.string(file) } else { w.null() }
            w.close("}")
        }
        w.close("]")
        w.key("timeSync")
        if let t = f.timeSync {
            w.open("{")
            w.key("peerTraceID"); w.string(hexID(t.peerTraceID))
            w.key("flags"); w.number(Int(t.flags))
            w.key("cpus")
            w.open("[")
            for c in t.cpus {
                w.item()
                w.open("{")
                w.key("cpu"); w.number(c.cpu)
                w.key("samples"); w.number(c.samples)
                w.key("firstOffset"); w.optional(c.firstOffset)
                w.key("lastOffset"); w.optional(c.lastOffset)
                w.close("}")
            }
            w.close("]")
            w.close("}")
        } else {
            w.null()
        }
        w.key("syncQuality")
        if let q = f.syncQuality { writeQuality(q, to: &w) } else { w.null() }
        w.key("readErrors")
        w.open("[")
        for e in f.readErrors { w.item(); w.string(e.description) }
        w.close("]")
        w.close("}")
    }

    static func writeStats(_ stats: [BufferStatistics.CPU], to w: inout JSONText) {
        w.open("[")
        for s in stats {
            w.item()
            w.open("{")
            w.key("cpu"); w.number(s.cpu)
            w.key("records"); w.number(s.records)
            w.key("firstTimestamp"); w.optional(s.firstTimestamp)
            w.key("lastTimestamp"); w.optional(s.lastTimestamp)
            w.close("}")
        }
        w.close("]")
    }

    static func writeQuality(_ q: SyncQuality, to w: inout JSONText) {
        w.open("{")
        w.key("peerTraceID")
        if let p = q.peerTraceID { w.string(hexID(p)) } else { w.null() }
        w.key("interpolate")
        if let f = q.flags { w.bool(f.contains(.interpolate)) } else { w.null() }
        w.key("cpus")
        w.open("[")
        for c in q.cpus {
            w.item()
            w.open("{")
            w.key("cpu"); w.number(c.cpu)
            w.key("samples"); w.number(c.sampleCount)
            w.key("storedSamples"); w.number(c.storedCount)
            w.key("firstTime"); w.optional(c.firstTime)
            w.key("lastTime"); w.optional(c.lastTime)
            w.key("firstOffset"); w.optional(c.firstOffset)
            w.key("lastOffset"); w.optional(c.lastOffset)
            w.key("driftNsPerSecond")
            if let d = c.driftNsPerSecond, d.isFinite { w.raw(formatFixed(d, decimals: 3)) } else { w.null() }
            w.key("largestJump"); w.optional(c.largestJump)
            w.close("}")
        }
        w.close("]")
        w.key("warnings")
        w.open("[")
        for warning in q.warnings { w.item(); w.string(warning.description) }
        w.close("]")
        w.close("}")
    }
}

// MARK: - Text

extension SessionSummary {
    /// The summary for people: one block per file, then the session's diagnostics.
    @_spi(Engine) public func text() -> String {
        var out = ""
        let hostPath = hostIndex.map { files[$0].path }
        if files.count > 1 {
            out += "session of \(files.count) files"
            if let hostPath { out += ", host \(hostPath)" } else { out += ", no host" }
            out += "\n\n"
        }
        for (i, f) in files.enumerated() {
            if i > 0 { out += "\n" }
            var role = f.role.rawValue
            if f.role == .guest, let q = f.syncQuality, let peer = q.peerTraceID,
               let h = hostIndex, files[h].traceID == peer {
                role += " of \(files[h].path)"
            }
            out += "\(f.path): \(role)\n"
            var format = "  format     v\(f.version)"
            if let c = f.compression { format += ", \(c.name) \(c.version)" } else { format += ", not compressed" }
            out += format + "\n"
            out += "  clock      \(f.clock)\n"
            out += "  trace ID   \(f.traceID.map(hexID) ?? "none")\n"
            out += "  first      \(formatTimestamp(f.firstTimestamp))\n"
            out += "  cpus       \(f.cpus)\n"
            Self.textStats(f.cpuStats, indent: "    ", into: &out)
            for inst in f.instances {
                out += "  instance \(inst.name): cpus \(inst.cpus), first \(formatTimestamp(inst.firstTimestamp))\n"
                Self.textStats(inst.cpuStats, indent: "    ", into: &out)
            }
            if !f.guests.isEmpty {
                out += "  guests\n"
                for g in f.guests {
                    let entry = TraceOption.GuestInfo(name: g.name, traceID: g.traceID, vcpuCount: g.vcpus,
                                                      hostPIDs: g.hostPIDs)
                    out += "    \(entry)  file \(g.file ?? "(none)")\n"
                }
            }
            if let t = f.timeSync {
                let interp = t.flags & 1 != 0 ? " (interpolate)" : ""
                out += "  time sync  peer \(hexID(t.peerTraceID)), flags 0x\(String(t.flags, radix: 16))\(interp)\n"
            }
            if let q = f.syncQuality {
                for c in q.cpus { out += "    \(c)\n" }
                for w in q.warnings { out += "  warning: \(w)\n" }
            }
            for e in f.readErrors { out += "  read error: \(e)\n" }
        }
        if !diagnostics.isEmpty {
            out += "\n"
            for d in diagnostics { out += "note: \(d)\n" }
        }
        return out
    }

    static func textStats(_ stats: [BufferStatistics.CPU], indent: String, into out: inout String) {
        for s in stats {
            out += "\(indent)cpu \(s.cpu): \(s.records) record\(s.records == 1 ? "" : "s")"
            if let a = s.firstTimestamp, let b = s.lastTimestamp {
                out += ", \(formatTimestamp(a)) .. \(formatTimestamp(b))"
            }
            out += "\n"
        }
    }
}

/// `SECONDS.NANOSECONDS` of a nanosecond timestamp.
func formatTimestamp(_ ts: UInt64) -> String {
    let ns = String(ts % 1_000_000_000)
    return "\(ts / 1_000_000_000)." + String(repeating: "0", count: 9 - ns.count) + ns
}

/// A double with a fixed number of decimals, without Foundation.
func formatFixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9.0e18 else { return "\(x)" }
    let v = UInt64(scaled)
    let p = UInt64(scale)
    let frac = String(v % p)
    let sign = x < 0 && v != 0 ? "-" : ""
    if decimals == 0 { return sign + String(v) }
    return sign + String(v / p) + "." + String(repeating: "0", count: decimals - frac.count) + frac
}

/// A minimal JSON writer (keys in the order written, `", "` between items as `tcinfo`).
struct JSONText {
    var text = ""
    private var first: [Bool] = []

    mutating func open(_ bracket: String) {
        text += bracket
        first.append(true)
    }

    mutating func close(_ bracket: String) {
        text += bracket
        first.removeLast()
    }

    /// Starts an array item.
    mutating func item() {
        if first.last == true { first[first.count - 1] = false } else { text += ", " }
    }

    mutating func key(_ k: String) {
        item()
        string(k)
        text += ": "
    }

    mutating func string(_ s: String) {
        JSONString.append(s, to: &text)
    }

    mutating func number<T: BinaryInteger>(_ n: T) { text += String(n) }
    mutating func optional<T: BinaryInteger>(_ n: T?) { if let n { number(n) } else { null() } }
    mutating func null() { text += "null" }
    mutating func bool(_ b: Bool) { text += b ? "true" : "false" }
    mutating func raw(_ s: String) { text += s }
}
