@_spi(Engine) import TraceEvent
/// How good a guest's time synchronisation looks: per-cpu statistics of its TIME_SHIFT
/// samples and warnings about missing or inconsistent data (for `tracecmd peers`).
public struct SyncQuality: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Statistics of one cpu's samples, as the reference uses them (sorted, duplicates dropped).
    public struct CPU: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The cpu number in the guest file.
        public var cpu: Int
        /// Samples used for correction.
        public var sampleCount: Int
        /// Samples as read from the option (before dropping duplicate times).
        public var storedCount: Int
        /// Guest time of the first sample.
        public var firstTime: Int64?
        /// Guest time of the last sample.
        public var lastTime: Int64?
        /// Offset (host − guest) at the first sample.
        public var firstOffset: Int64?
        /// Offset (host − guest) at the last sample.
        public var lastOffset: Int64?
        /// Change of the offset between first and last sample, in ns per second of guest
        /// time; `nil` with fewer than two samples.
        public var driftNsPerSecond: Double?
        /// Largest absolute offset change between consecutive samples; `nil` with fewer than two.
        public var largestJump: UInt64?

        /// The line `tracecmd peers` prints for the cpu: sample count, offset range, drift
        /// and largest jump, e.g. `cpu 0: 2 samples, offset -731 .. -505 ns, drift 2675.403 ns/s,
        /// largest jump 226 ns`.
        public var description: String {
            var out = "cpu \(cpu): \(sampleCount) sample\(sampleCount == 1 ? "" : "s")"
            if storedCount != sampleCount { out += " (\(storedCount) stored)" }
            if let a = firstOffset, let b = lastOffset {
                out += ", offset \(a) .. \(b) ns"
            }
            if let d = driftNsPerSecond, d.isFinite {
                out += ", drift \(formatFixed(d, decimals: 3)) ns/s"
            }
            if let j = largestJump { out += ", largest jump \(j) ns" }
            if sampleCount == 1 { out += " (one sample: a constant offset)" }
            return out
        }
    }

    /// Something worth telling the user about a guest's sync data.
    public enum Warning: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The guest file has no TIME_SHIFT option: its timestamps are not corrected.
        case noSyncData
        /// The TIME_SHIFT option cannot be read; the reference refuses to open the file.
        case unreadable(TimeShiftError)
        /// The option has zero CPUs; the reference then does not correct.
        case noCPUs
        /// Bytes remain after everything the counts describe: the counts disagree with the size.
        case unreadBytes(Int)
        /// The per-cpu sample counts differ.
        case countsDisagree([Int])
        /// A cpu has no samples; the reference reads outside its sample array for it (garbage).
        case noSamples(cpu: Int)
        /// A cpu's sample times are not increasing in the option.
        case unsortedTimes(cpu: Int)
        /// A cpu's option repeats sample times; `dropped` samples are ignored.
        case duplicateTimes(cpu: Int, dropped: Int)
        /// Scaling ≤ 0 or fraction outside 0...63: values that no sync protocol writes.
        case implausibleSamples(cpu: Int)
        /// The payload matches trace-cmd 3.1.6's writer bug (`--tsync-interval` with different
        /// per-cpu sample counts): the cpus really had `realCounts` samples but every count
        /// field says `storedCount`, so the reference reads shifted, partly garbage samples.
        case writerCountBug(realCounts: [Int], storedCount: Int)
        /// The TIME_SHIFT peer ID is not the host's trace ID (the reference does not check it).
        case peerMismatch(peer: UInt64, host: UInt64)

        public var description: String {
            switch self {
            case .noSyncData: return "no time sync data (no TIME_SHIFT option); guest timestamps are not corrected"
            case .unreadable(let e): return "\(e); the reference cannot open this file"
            case .noCPUs: return "TIME_SHIFT has no CPUs; timestamps are not corrected"
            case .unreadBytes(let n): return "inconsistent TIME_SHIFT: \(n) bytes left after the samples its counts describe"
            case .countsDisagree(let c): return "inconsistent TIME_SHIFT: per-cpu sample counts differ \(c)"
            case .noSamples(let cpu): return "cpu \(cpu) has no sync samples; the reference's correction of it is undefined"
            case .unsortedTimes(let cpu): return "cpu \(cpu): sample times are not increasing"
            case .duplicateTimes(let cpu, let n): return "cpu \(cpu): \(n) samples repeat a time and are ignored"
            case .implausibleSamples(let cpu): return "cpu \(cpu): implausible scaling or fraction values"
            case .writerCountBug(let real, let stored):
                return "TIME_SHIFT written by trace-cmd 3.1.6 with different per-cpu sample counts \(real), all stored as \(stored): samples are misread"
            case .peerMismatch(let p, let h):
                return "TIME_SHIFT peer ID 0x\(String(p, radix: 16, uppercase: true)) is not the host's trace ID 0x\(String(h, radix: 16, uppercase: true))"
            }
        }
    }

    /// The TIME_SHIFT peer ID (`nil` without sync data).
    public var peerTraceID: UInt64?
    /// The TIME_SHIFT flags (`nil` without sync data).
    public var flags: TimeShift.Flags?
    /// Per-cpu statistics (empty without sync data).
    public var cpus: [CPU]
    /// What looks wrong, in the order found.
    public var warnings: [Warning]

    /// The peer ID (`0x` and lower-case hex) and flags, then each cpu as `tracecmd peers`
    /// prints it (see ``CPU/description``), then the warnings, separated by `; `.
    public var description: String {
        var parts: [String] = []
        if let p = peerTraceID {
            var head = "peer \(hexID(p))"
            if let f = flags {
                head += ", flags 0x\(String(f.rawValue, radix: 16))"
                if f.contains(.interpolate) { head += " (interpolate)" }
            }
            parts.append(head)
        }
        parts += cpus.map(\.description)
        parts += warnings.map { "warning: \($0)" }
        return parts.isEmpty ? "no sync data" : parts.joined(separator: "; ")
    }

    /// Judges a parsed TIME_SHIFT option (`nil`: the file has none).
    /// - Parameters:
    ///   - timeShift: the guest file's parsed TIME_SHIFT option.
    ///   - hostTraceID: the host file's TRACEID, to check the peer ID against.
    public init(timeShift: TimeShift?, hostTraceID: UInt64?) {
        cpus = []
        warnings = []
        guard let ts = timeShift else {
            warnings.append(.noSyncData)
            return
        }
        peerTraceID = ts.peerTraceID
        flags = ts.flags
        if let host = hostTraceID, host != ts.peerTraceID {
            warnings.append(.peerMismatch(peer: ts.peerTraceID, host: host))
        }
        if ts.cpuCount == 0 { warnings.append(.noCPUs) }
        if ts.unreadBytes > 0 { warnings.append(.unreadBytes(ts.unreadBytes)) }
        let counts = ts.samples.map(\.count)
        if Set(counts).count > 1 { warnings.append(.countsDisagree(counts)) }
        for (cpu, list) in ts.samples.enumerated() {
            let stored = ts.stored[cpu]
            var c = CPU(cpu: cpu, sampleCount: list.count, storedCount: stored.count)
            if list.isEmpty { warnings.append(.noSamples(cpu: cpu)) }
            if zip(stored, stored.dropFirst()).contains(where: { $0.time > $1.time }) {
                warnings.append(.unsortedTimes(cpu: cpu))
            }
            if stored.count > list.count {
                warnings.append(.duplicateTimes(cpu: cpu, dropped: stored.count - list.count))
            }
            if list.contains(where: { $0.scaling <= 0 || $0.fraction < 0 || $0.fraction > 63 }) {
                warnings.append(.implausibleSamples(cpu: cpu))
            }
            if let f = list.first, let l = list.last {
                c.firstTime = f.time
                c.lastTime = l.time
                c.firstOffset = f.offset
                c.lastOffset = l.offset
            }
            if list.count >= 2, let f = list.first, let l = list.last {
                let dt = Double(l.time) - Double(f.time)
                if dt != 0 { c.driftNsPerSecond = (Double(l.offset) - Double(f.offset)) / dt * 1e9 }
                var jump: UInt64 = 0
                for (a, b) in zip(list, list.dropFirst()) {
                    jump = Swift.max(jump, (b.offset &- a.offset).magnitude)
                }
                c.largestJump = jump
            }
            cpus.append(c)
        }
    }

    /// Parses and judges a TIME_SHIFT payload (`nil`: the file has none), and recognises
    /// trace-cmd 3.1.6's inconsistent layout.
    /// Analyses a TIME_SHIFT option's payload against the host's trace ID.
    public static func analyze(payload: [UInt8], order: ByteOrder, hostTraceID: UInt64?) -> SyncQuality {
        payload.withRawSpan { analyze(payload: $0, order: order, hostTraceID: hostTraceID) }
    }

    @_spi(Engine) public static func analyze(payload: RawSpan?, order: ByteOrder, hostTraceID: UInt64?) -> SyncQuality {
        guard let payload else { return SyncQuality(timeShift: nil, hostTraceID: hostTraceID) }
        var q: SyncQuality
        do {
            guard let ts = try TimeShift.parse(payload, order: order) else {
                // Shorter than 16 bytes: ignored by the reference.
                return SyncQuality(timeShift: nil, hostTraceID: hostTraceID)
            }
            q = SyncQuality(timeShift: ts, hostTraceID: hostTraceID)
        } catch {
            q = SyncQuality(timeShift: nil, hostTraceID: hostTraceID)
            q.warnings = [.unreadable(error)]
        }
        if let real = writerCountBugCounts(payload, order: order),
           let stored = payload.loadUnsigned(at: 16, size: 4, order: order) {
            q.warnings.append(.writerCountBug(realCounts: real, storedCount: Int(stored)))
        }
        return q
    }

    /// The real per-cpu sample counts if `payload` has the layout trace-cmd 3.1.6 writes when
    /// its CPUs got different counts: every count field holds the last cpu's count `c`, each
    /// cpu's three arrays have their real length, and the fraction block has `c` entries per
    /// cpu. Returns `nil` when the payload is consistent or does not fit that layout.
    @_spi(Engine) public static func writerCountBugCounts(_ payload: RawSpan, order: ByteOrder) -> [Int]? {
        guard payload.count >= 20,
              let rawCPUs = payload.loadUnsigned(at: 12, size: 4, order: order),
              let rawLast = payload.loadUnsigned(at: 16, size: 4, order: order)
        else { return nil }
        let cpus = Int(rawCPUs)
        let last = Int(rawLast)
        guard cpus >= 2, cpus <= 4096, last <= payload.count else { return nil }
        // Total = 16 + Σ(4 + 24·cᵢ) + 8·cpus·last, with c_{cpus-1} = last.
        let fixed = 16 + 4 * cpus + 8 * cpus * last + 24 * last
        let rest = payload.count - fixed
        guard rest >= 0, rest % 24 == 0 else { return nil }
        let sumOthers = rest / 24
        if sumOthers == (cpus - 1) * last { return nil }  // equal counts: consistent
        var counts: [Int] = []
        var budget = 100_000
        func search(_ cpu: Int, _ pos: Int, _ left: Int) -> Bool {
            budget -= 1
            if budget < 0 { return false }
            if payload.loadUnsigned(at: pos, size: 4, order: order) != UInt64(last) { return false }
            if cpu == cpus - 1 { return left == 0 }
            for c in stride(from: 1, through: left, by: 1) {
                counts.append(c)
                if search(cpu + 1, pos + 4 + 24 * c, left - c) { return true }
                counts.removeLast()
            }
            return false
        }
        guard search(0, 16, sumOthers) else { return nil }
        return counts + [last]
    }
}
