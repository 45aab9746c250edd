@_spi(Engine) import TraceEvent
/// Turns a record's raw timestamp into the timestamp the reference prints, following
/// libtracecmd 3.1.6 (`timestamp_calc`):
///
/// 1. raw mode: the timestamp is returned unchanged;
/// 2. with TIME_SHIFT samples: ``hostSync(_:cpu:)`` maps the guest time onto the host clock;
/// 3. with a user clock frequency: `ts * (1e9 / hz)` in `Double`; else with an active
///    TSC2NSEC: ``TSCConversion/nanoseconds(_:)``;
/// 4. `+ tsOffset` (wrapping), the sum of the OFFSET options, DATE options × 1000 (unless
///    the date is ignored) and the user's offset.
///
/// Everything is precomputed at `init`; ``correct(_:cpu:)`` does not allocate. It keeps, per
/// cpu, the last sample interval it used, since timestamps mostly increase.
public struct TimestampCorrector: Sendable {
    /// Reader settings that change the correction (the `trace-cmd report` flags).
    public struct Settings: Sendable, Hashable, Codable {
        /// `--raw-ts`: no correction at all (TIME_SHIFT, TSC2NSEC, OFFSET, DATE and user offsets ignored).
        public var rawTimestamps: Bool
        /// `--nodate`: DATE options are not added.
        public var ignoreDate: Bool
        /// Offset added on top of the file's OFFSET/DATE (`--ts-offset`, `tracecmd_add_ts_offset`).
        public var userOffset: Int64
        /// `--ts2secs HZ`: the clock frequency; timestamps are multiplied by `1e9 / hz` (0: unset).
        public var clockHz: UInt64

        /// Settings; the defaults are those of a plain `trace-cmd report`.
        public init(rawTimestamps: Bool = false, ignoreDate: Bool = false, userOffset: Int64 = 0, clockHz: UInt64 = 0) {
            self.rawTimestamps = rawTimestamps
            self.ignoreDate = ignoreDate
            self.userOffset = userOffset
            self.clockHz = clockHz
        }
    }

    @usableFromInline
    struct Sample: Sendable {
        @usableFromInline var time: UInt64
        @usableFromInline var offset: Int64
        @usableFromInline var scaling: UInt64
        @usableFromInline var shift: UInt64
    }

    @usableFromInline
    struct CPUTable: Sendable {
        @usableFromInline var start: Int
        @usableFromInline var count: Int
        /// Times strictly increase as unsigned values too, so a cached interval is the one the
        /// reference's binary search would find.
        @usableFromInline var unsignedSorted: Bool
    }

    /// The sample tables, shared by copies of a corrector (immutable).
    @usableFromInline
    final class Table: Sendable {
        @usableFromInline let samples: [Sample]
        @usableFromInline let cpus: [CPUTable]
        @usableFromInline let interpolate: Bool

        init(samples: [Sample], cpus: [CPUTable], interpolate: Bool) {
            self.samples = samples
            self.cpus = cpus
            self.interpolate = interpolate
        }
    }

    @usableFromInline let raw: Bool
    @usableFromInline let table: Table?
    @usableFromInline var hints: [Int]
    @usableFromInline let clockFactor: Double
    @usableFromInline let tscMult: UInt32
    @usableFromInline let tscShift: UInt32
    /// The wrapping sum added to every corrected timestamp.
    public let tsOffset: Int64

    /// Builds a corrector for one file.
    /// - Parameters:
    ///   - timeShift: the file's TIME_SHIFT option, if any.
    ///   - tsc: the file's TSC2NSEC option, if any (ignored when `mult` is 0).
    ///   - offsetOptions: the strings of the file's OFFSET options (parsed like `strtoll(s, NULL, 0)`).
    ///   - dateOptions: the strings of the file's DATE options (microseconds, same parsing).
    ///   - settings: the reader's flags.
    public init(timeShift: TimeShift? = nil, tsc: TSCConversion? = nil,
                offsetOptions: [String] = [], dateOptions: [String] = [],
                settings: Settings = Settings()) {
        raw = settings.rawTimestamps
        var flat: [Sample] = []
        var tables: [CPUTable] = []
        if let ts = timeShift, !settings.rawTimestamps {
            flat.reserveCapacity(ts.samples.reduce(0) { $0 + $1.count })
            for list in ts.samples {
                var sorted = true
                for i in list.indices.dropFirst() where UInt64(bitPattern: list[i - 1].time) >= UInt64(bitPattern: list[i].time) {
                    sorted = false
                    break
                }
                tables.append(CPUTable(start: flat.count, count: list.count, unsignedSorted: sorted))
                for s in list {
                    flat.append(Sample(time: UInt64(bitPattern: s.time), offset: s.offset,
                                       scaling: UInt64(bitPattern: s.scaling),
                                       shift: UInt64(bitPattern: s.fraction) & 63))
                }
            }
        }
        table = tables.isEmpty ? nil
            : Table(samples: flat, cpus: tables, interpolate: timeShift?.interpolates ?? false)
        hints = Array(repeating: -1, count: tables.count)
        clockFactor = settings.clockHz != 0 ? 1_000_000_000.0 / Double(settings.clockHz) : 0
        tscMult = tsc?.mult ?? 0
        tscShift = tsc?.shift ?? 0
        if settings.rawTimestamps {
            tsOffset = 0
        } else {
            tsOffset = TimestampCorrector.fileOffset(offsetOptions: offsetOptions,
                                                     dateOptions: settings.ignoreDate ? [] : dateOptions,
                                                     userOffset: settings.userOffset)
        }
    }

    /// The wrapping sum `OFFSET… + DATE… * 1000 + userOffset`, strings parsed like `strtoll(s, NULL, 0)`.
    public static func fileOffset(offsetOptions: [String], dateOptions: [String], userOffset: Int64 = 0) -> Int64 {
        var total = userOffset
        for s in offsetOptions { total = total &+ CInteger.strtoll(s) }
        for s in dateOptions { total = total &+ (CInteger.strtoll(s) &* 1000) }
        return total
    }

    /// Whether ``correct(_:cpu:)`` returns every timestamp unchanged (no time sync, clock
    /// conversion or offset).
    public var isIdentity: Bool {
        raw || (table == nil && clockFactor == 0 && tscMult == 0 && tsOffset == 0)
    }

    /// Whether this corrector maps timestamps through TIME_SHIFT samples.
    public var hasTimeSync: Bool { table != nil }

    /// The corrected timestamp of a record with raw timestamp `ts` on `cpu` of this file.
    ///
    /// Remembers the sample interval it used per cpu; ``corrected(_:cpu:)`` is the same without.
    @inlinable
    public mutating func correct(_ ts: UInt64, cpu: Int) -> UInt64 {
        if raw { return ts }
        // Not `finish(hostSync(...))`: that would copy `self` before the mutation, making
        // `hints` non-unique and copying it on every call.
        let t = table == nil ? ts : hostSync(ts, cpu: cpu)
        return finish(t)
    }

    /// ``correct(_:cpu:)`` without updating the per-cpu interval cache.
    @inlinable
    public func corrected(_ ts: UInt64, cpu: Int) -> UInt64 {
        if raw { return ts }
        guard let table else { return finish(ts) }
        return finish(table.sync(ts, cpu: cpu, hint: -1).value)
    }

    /// Steps 3 and 4: clock frequency or TSC2NSEC, then the offset.
    @inlinable @inline(__always)
    func finish(_ ts: UInt64) -> UInt64 {
        var t = ts
        if clockFactor != 0 {
            t = TimestampCorrector.toUInt64(Double(t) * clockFactor)
        } else if tscMult != 0 {
            t = TSCConversion.mulShift(t, mult: tscMult, shift: tscShift)
        }
        return t &+ UInt64(bitPattern: tsOffset)
    }

    /// C's `double` to `unsigned long long` as x86-64 code computes it (0 when out of range).
    @inlinable
    static func toUInt64(_ x: Double) -> UInt64 {
        guard x >= 0, x < 18_446_744_073_709_551_616.0 else { return 0 }
        return UInt64(x)
    }

    /// Step 2 alone: maps a guest timestamp onto the host clock with the samples of `cpu`.
    ///
    /// A cpu at or beyond the option's cpu count, or one without samples (undefined in the
    /// reference, which reads outside its array), is returned unchanged.
    @inlinable
    public mutating func hostSync(_ ts: UInt64, cpu: Int) -> UInt64 {
        guard let table else { return ts }
        let hint = cpu >= 0 && cpu < hints.count ? hints[cpu] : -1
        let r = table.sync(ts, cpu: cpu, hint: hint)
        if let h = r.searched { hints[cpu] = h }
        return r.value
    }
}

extension TimestampCorrector.Table {
    /// `timestamp_host_sync`; `searched` is the interval found by a binary search, worth caching.
    @inlinable
    func sync(_ ts: UInt64, cpu: Int, hint: Int) -> (value: UInt64, searched: Int?) {
        guard cpu >= 0, cpu < cpus.count else { return (ts, nil) }
        let c = cpus[cpu]
        let n = c.count
        switch n {
        case 0:
            return (ts, nil)
        case 1:
            return (ts &+ UInt64(bitPattern: samples[c.start].offset), nil)
        case 2:
            return (calc(ts, at: c.start), nil)
        default:
            if ts <= samples[c.start].time { return (calc(ts, at: c.start), nil) }
            if ts >= samples[c.start + n - 1].time { return (calc(ts, at: c.start + n - 2), nil) }
            if c.unsignedSorted, hint >= 0, hint < n - 1,
               samples[c.start + hint].time <= ts, ts < samples[c.start + hint + 1].time {
                return (calc(ts, at: c.start + hint), nil)
            }
            // The reference's binary search, step for step (it matters when times are not
            // increasing as unsigned values).
            var lo = 0
            var hi = n - 1
            var mid = (lo + hi) / 2
            while lo <= hi {
                let t = samples[c.start + mid].time
                if ts < t {
                    hi = mid - 1
                } else if ts > t {
                    lo = mid + 1
                } else {
                    break
                }
                mid = (lo + hi) / 2
            }
            mid = Swift.min(Swift.max(mid, 0), n - 2)
            return (calc(ts, at: c.start + mid), c.unsignedSorted ? mid : nil)
        }
    }

    /// `timestamp_correction_calc` with lower sample `i` and upper sample `i + 1`.
    @inlinable
    func calc(_ ts: UInt64, at i: Int) -> UInt64 {
        let a = samples[i]
        var cor = a.offset
        if interpolate {
            let b = samples[i + 1]
            let delta = Int64(bitPattern: b.time &- a.time)
            if delta != 0 {
                let num = Int64(bitPattern: ts &- a.time) &* (b.offset &- a.offset)
                cor = a.offset &+ (num &+ delta / 2).dividedReportingOverflow(by: delta).partialValue
            }
        }
        let scaled = (ts &* a.scaling) &>> a.shift
        return scaled &+ UInt64(bitPattern: cor)
    }
}

/// C integer parsing as glibc does it.
@_spi(Engine) public enum CInteger {
    /// `atoll`: an optional sign and decimal digits after leading white space; 0 when none.
    @_spi(Engine) public static func atoll(_ s: String) -> Int64 {
        var it = Array(s.utf8)[...]
        while let c = it.first, c == 0x20 || (c >= 9 && c <= 13) { it = it.dropFirst() }
        var neg = false
        if let c = it.first, c == 0x2b || c == 0x2d { neg = c == 0x2d; it = it.dropFirst() }
        var v: Int64 = 0
        for c in it {
            guard c >= 0x30 && c <= 0x39 else { break }
            v = v &* 10 &+ Int64(c - 0x30)
        }
        return neg ? 0 &- v : v
    }

    /// `strtoll(s, NULL, 0)`: leading white space, optional sign, `0x`/`0X` hex, leading `0`
    /// octal, else decimal; stops at the first other byte; clamps to the `Int64` range on
    /// overflow; 0 when there are no digits.
    @_spi(Engine) public static func strtoll<C: Collection>(_ bytes: C) -> Int64 where C.Element == UInt8 {
        var i = bytes.startIndex
        let end = bytes.endIndex
        func at(_ j: C.Index) -> UInt8? { j < end ? bytes[j] : nil }
        while let b = at(i), b == 0x20 || (0x09...0x0d).contains(b) { i = bytes.index(after: i) }
        var negative = false
        if let b = at(i), b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
            negative = b == UInt8(ascii: "-")
            i = bytes.index(after: i)
        }
        var base: UInt64 = 10
        if at(i) == UInt8(ascii: "0") {
            let x = bytes.index(after: i)
            if let bx = at(x), bx | 0x20 == UInt8(ascii: "x"),
               let h = at(bytes.index(after: x)), digit(h, base: 16) != nil {
                base = 16
                i = bytes.index(after: x)
            } else {
                base = 8
            }
        }
        var value: UInt64 = 0
        var overflow = false
        while let b = at(i), let d = digit(b, base: base) {
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { overflow = true } else { value = s }
            i = bytes.index(after: i)
        }
        if negative {
            if overflow || value > UInt64(Int64.max) + 1 { return Int64.min }
            return Int64(bitPattern: 0 &- value)
        }
        if overflow || value > UInt64(Int64.max) { return Int64.max }
        return Int64(value)
    }

    /// `strtoll(s, NULL, 0)` on the UTF-8 bytes of `s`.
    @_spi(Engine) public static func strtoll(_ s: String) -> Int64 {
        strtoll(Array(s.utf8))
    }

    static func digit(_ b: UInt8, base: UInt64) -> UInt64? {
        let v: UInt64
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt64(b - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt64(b - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return v < base ? v : nil
    }
}
