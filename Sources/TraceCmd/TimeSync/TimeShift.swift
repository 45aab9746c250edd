@_spi(Engine) import TraceEvent
/// One time-sync sample of a guest CPU: at guest time `time`, host = guest * scaling >> fraction + offset.
public struct TimeShiftSample: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Guest clock value at which the sample was taken (signed, as stored).
    public var time: Int64
    /// Host minus guest, in host clock units (two's complement).
    public var offset: Int64
    /// Multiplier applied to the guest timestamp (as stored; used as an unsigned 64-bit factor).
    public var scaling: Int64
    /// Right shift applied after scaling (0 when the option has no fraction block).
    public var fraction: Int64

    /// A sample; scaling 1 and fraction 0 leave the guest timestamp as it is.
    public init(time: Int64, offset: Int64, scaling: Int64 = 1, fraction: Int64 = 0) {
        self.time = time
        self.offset = offset
        self.scaling = scaling
        self.fraction = fraction
    }

    /// ``time`` as a `Duration` (the guest clock in ns, as the sync protocols record it).
    public var guestTime: Duration { .nanoseconds(time) }
    /// ``time`` in seconds.
    public var seconds: Double { Double(time) / 1e9 }
    /// ``offset`` as a `Duration` (host minus guest, in ns for the usual clocks).
    public var offsetDuration: Duration { .nanoseconds(offset) }

    /// As `trace-cmd dump --options` prints a sample: `offset scaling fraction @ time`,
    /// e.g. `-731 1 0 @ 677264075460`.
    public var description: String { "\(offset) \(scaling) \(fraction) @ \(time)" }
}

/// Why a TIME_SHIFT option payload was refused. The reference refuses to open such a file.
public enum TimeShiftError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The payload ends before a field the stored counts promise.
    /// `offset` is the payload offset of the field, `needed` the bytes it requires.
    case truncated(field: String, cpu: Int?, offset: Int, needed: Int, available: Int)
    /// A negative CPU count (the reference's allocation by it fails).
    case negativeCPUCount(Int32)
    /// A negative sample count for `cpu` (the reference's allocation by it fails).
    case negativeSampleCount(cpu: Int, count: Int32)

    public var description: String {
        switch self {
        case let .truncated(field, cpu, offset, needed, available):
            let c = cpu.map { " of cpu \($0)" } ?? ""
            return "TIME_SHIFT option: \(field)\(c) at payload offset \(offset) needs \(needed) bytes, \(available) left"
        case let .negativeCPUCount(n):
            return "TIME_SHIFT option: negative cpu count \(n)"
        case let .negativeSampleCount(cpu, n):
            return "TIME_SHIFT option: negative sample count \(n) for cpu \(cpu)"
        }
    }
}

/// The TIME_SHIFT option (id 12) of a guest file: how its timestamps map onto the host clock.
///
/// Layout (file byte order): u64 peer trace ID, u32 flags, u32 cpu count; per cpu: u32 n,
/// n × i64 times, n × i64 offsets, n × i64 scalings; then, if any bytes remain, per cpu
/// n × i64 fractions. Extra bytes after the fraction block are ignored, as the reference does.
///
/// ``samples`` holds what libtracecmd 3.1.6 uses: each cpu's samples stably sorted by signed
/// time with later duplicates of a time dropped. The raw reading is kept in ``stored`` for
/// diagnostics (see ``SyncQuality``).
///
/// trace-cmd 3.1.6 writes this option inconsistently when its CPUs got different sample
/// counts (`--tsync-interval`): every cpu's count field holds the *last* cpu's count, while
/// each cpu's arrays have their real length, and every cpu's fraction array is written with
/// the last cpu's count. The reference reads such a payload with the same sequential rules,
/// so samples come out shifted and partly garbage; `parse` reproduces that reading exactly.
public struct TimeShift: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The option id in the file.
    public static let optionID: UInt16 = 12

    /// Protocol flags of the TIME_SHIFT option.
    public struct Flags: OptionSet, Sendable, Hashable, Codable {
        /// The flags word as stored.
        public let rawValue: UInt32
        /// Flags from the stored word.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Interpolate the offset linearly between samples (ptp protocol).
        public static let interpolate = Flags(rawValue: 0x1)
    }

    /// The peer's (host's) trace ID. The reference stores it but never checks it.
    public var peerTraceID: UInt64
    /// Protocol flags.
    public var flags: Flags
    /// Per cpu, the samples the reference corrects with: sorted by signed time, duplicates dropped.
    public var samples: [[TimeShiftSample]]
    /// Per cpu, the samples exactly as read (file order, duplicates kept).
    public var stored: [[TimeShiftSample]]
    /// Whether the payload carried the fraction block.
    public var hasFractions: Bool
    /// Bytes after the last field the reference reads (0 for a well-formed option).
    public var unreadBytes: Int

    /// Number of CPUs in the option.
    public var cpuCount: Int { samples.count }

    /// Whether the flags ask for interpolation.
    public var interpolates: Bool { flags.contains(.interpolate) }

    /// Peer ID (`0x` and lower-case hex), flags, CPU count and the samples per CPU,
    /// e.g. `TIME_SHIFT peer 0xa4a14c3318712de4, flags 0x1 (interpolate), 2 CPUs, samples 2 2`.
    public var description: String {
        var s = "TIME_SHIFT peer \(hexID(peerTraceID)), flags 0x\(String(flags.rawValue, radix: 16))"
        if interpolates { s += " (interpolate)" }
        s += ", \(cpuCount) CPU\(cpuCount == 1 ? "" : "s")"
        if !samples.isEmpty { s += ", samples " + samples.map { String($0.count) }.joined(separator: " ") }
        if samples.map(\.count) != stored.map(\.count) {
            s += " (stored " + stored.map { String($0.count) }.joined(separator: " ") + ")"
        }
        return s
    }

    /// Builds an option value from per-cpu sample lists, sorting and de-duplicating as the reference does.
    public init(peerTraceID: UInt64, flags: Flags, stored: [[TimeShiftSample]], hasFractions: Bool = true, unreadBytes: Int = 0) {
        self.peerTraceID = peerTraceID
        self.flags = flags
        self.stored = stored
        self.samples = stored.map(TimeShift.normalized)
        self.hasFractions = hasFractions
        self.unreadBytes = unreadBytes
    }

    /// Stable sort by signed time, then keep the first sample of each run of equal times.
    static func normalized(_ list: [TimeShiftSample]) -> [TimeShiftSample] {
        var sorted = list
        var isSorted = true
        var i = 1
        while i < list.count {
            if list[i - 1].time > list[i].time { isSorted = false; break }
            i += 1
        }
        if !isSorted {
            // Stable: equal times keep file order (glibc's qsort is a stable merge sort here).
            let idx = list.indices.sorted { a, b in
                list[a].time != list[b].time ? list[a].time < list[b].time : a < b
            }
            sorted = idx.map { list[$0] }
        }
        var out: [TimeShiftSample] = []
        out.reserveCapacity(sorted.count)
        for s in sorted where out.last?.time != s.time {
            out.append(s)
        }
        return out
    }

    /// Parses a TIME_SHIFT payload read in `order`.
    ///
    /// Returns `nil` for a payload shorter than 16 bytes (the reference ignores it).
    /// Counts are checked against the remaining bytes before anything is allocated by them.
    /// Note: the reference does not read this option at all when raw timestamps are asked for.
    /// - Throws: ``TimeShiftError`` where the reference fails to open the file.
    @_spi(Engine) public static func parse(_ payload: RawSpan, order: ByteOrder) throws(TimeShiftError) -> TimeShift? {
        let size = payload.count
        guard size >= 16,
              let peer = payload.loadUnsigned(at: 0, size: 8, order: order),
              let rawFlags = payload.loadUnsigned(at: 8, size: 4, order: order),
              let rawCPUs = payload.loadUnsigned(at: 12, size: 4, order: order)
        else { return nil }
        let cpus32 = Int32(truncatingIfNeeded: rawCPUs)
        guard cpus32 >= 0 else { throw .negativeCPUCount(cpus32) }
        let cpus = Int(cpus32)
        var pos = 16
        // Every cpu needs at least its 4-byte count: refuse before allocating by the count.
        if cpus > (size - pos) / 4 {
            let firstMissing = pos + ((size - pos) / 4) * 4
            throw .truncated(field: "sample count", cpu: (size - pos) / 4, offset: firstMissing,
                             needed: 4, available: size - firstMissing)
        }
        var stored: [[TimeShiftSample]] = []
        stored.reserveCapacity(cpus)
        for cpu in 0..<cpus {
            guard let rawN = payload.loadUnsigned(at: pos, size: 4, order: order) else {
                throw .truncated(field: "sample count", cpu: cpu, offset: pos, needed: 4, available: size - pos)
            }
            let n32 = Int32(truncatingIfNeeded: rawN)
            guard n32 >= 0 else { throw .negativeSampleCount(cpu: cpu, count: n32) }
            pos += 4
            let n = Int(n32)
            let bytes = n * 24
            guard bytes <= size - pos else {
                let left = size - pos
                let field = n * 8 > left ? "times" : (n * 16 > left ? "offsets" : "scalings")
                let off = n * 8 > left ? pos : (n * 16 > left ? pos + n * 8 : pos + n * 16)
                throw .truncated(field: field, cpu: cpu, offset: off, needed: n * 8, available: size - off)
            }
            var list: [TimeShiftSample] = []
            list.reserveCapacity(n)
            for i in 0..<n {
                let t = payload.loadSigned(at: pos + 8 * i, size: 8, order: order) ?? 0
                let o = payload.loadSigned(at: pos + 8 * (n + i), size: 8, order: order) ?? 0
                let s = payload.loadSigned(at: pos + 8 * (2 * n + i), size: 8, order: order) ?? 0
                list.append(TimeShiftSample(time: t, offset: o, scaling: s, fraction: 0))
            }
            pos += bytes
            stored.append(list)
        }
        var hasFractions = false
        if pos < size {
            hasFractions = true
            for cpu in 0..<cpus {
                let n = stored[cpu].count
                guard n * 8 <= size - pos else {
                    throw .truncated(field: "fractions", cpu: cpu, offset: pos, needed: n * 8, available: size - pos)
                }
                for i in 0..<n {
                    stored[cpu][i].fraction = payload.loadSigned(at: pos + 8 * i, size: 8, order: order) ?? 0
                }
                pos += n * 8
            }
        }
        return TimeShift(peerTraceID: peer, flags: Flags(rawValue: UInt32(truncatingIfNeeded: rawFlags)),
                         stored: stored, hasFractions: hasFractions, unreadBytes: size - pos)
    }

    /// Parses a TIME_SHIFT payload held in a byte array.
    public static func parse(_ payload: [UInt8], order: ByteOrder) throws(TimeShiftError) -> TimeShift? {
        try payload.withRawSpan { (span) throws(TimeShiftError) in try parse(span, order: order) }
    }
}

/// The TSC2NSEC option (id 14): converts raw counter values to nanoseconds with mult/shift.
///
/// The reference keeps `offset` but never adds it to timestamps.
public struct TSCConversion: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The option id in the file.
    public static let optionID: UInt16 = 14

    /// Multiplier (stored as u32; the reference holds it in a C `int`, see ``nanoseconds(_:)``).
    public var mult: UInt32
    /// Shift.
    public var shift: UInt32
    /// Counter offset (not applied by the reference).
    public var offset: UInt64

    /// A conversion `ns = counter * mult >> shift`.
    public init(mult: UInt32, shift: UInt32, offset: UInt64 = 0) {
        self.mult = mult
        self.shift = shift
        self.offset = offset
    }

    /// Parses a TSC2NSEC payload: u32 mult, u32 shift, u64 offset.
    /// Returns `nil` when shorter than 16 bytes (the reference ignores it).
    @_spi(Engine) public static func parse(_ payload: RawSpan, order: ByteOrder) -> TSCConversion? {
        guard payload.count >= 16,
              let m = payload.loadUnsigned(at: 0, size: 4, order: order),
              let s = payload.loadUnsigned(at: 4, size: 4, order: order),
              let o = payload.loadUnsigned(at: 8, size: 8, order: order)
        else { return nil }
        return TSCConversion(mult: UInt32(truncatingIfNeeded: m), shift: UInt32(truncatingIfNeeded: s), offset: o)
    }

    /// `mult M, shift S, offset O`.
    public var description: String { "mult \(mult), shift \(shift), offset \(offset)" }

    /// Whether the reference applies the conversion (it does only for a non-zero multiplier).
    @inlinable public var isActive: Bool { mult != 0 }

    /// `mul_u64_u32_shr` as libtracecmd 3.1.6 computes it, 64-bit wrapping:
    /// `(lo * mult) >> shift`, plus `(hi * mult) << (32 - shift)` when `hi != 0`.
    ///
    /// Reference details kept: the multiplier passes through a C `int`, so a value with bit 31
    /// set is sign-extended to 64 bits; shift counts are taken modulo 64 as x86-64 executes them.
    @inlinable public func nanoseconds(_ ts: UInt64) -> UInt64 {
        TSCConversion.mulShift(ts, mult: mult, shift: shift)
    }

    /// ``nanoseconds(_:)`` on plain values.
    @inlinable @inline(__always)
    static func mulShift(_ ts: UInt64, mult: UInt32, shift: UInt32) -> UInt64 {
        let m = UInt64(bitPattern: Int64(Int32(bitPattern: mult)))
        let lo = ts & 0xffff_ffff
        let hi = ts >> 32
        var r = (lo &* m) &>> UInt64(shift & 63)
        if hi != 0 {
            r = r &+ ((hi &* m) &<< UInt64((32 &- shift) & 63))
        }
        return r
    }
}
