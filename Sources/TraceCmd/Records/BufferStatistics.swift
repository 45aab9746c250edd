@_spi(Engine) import TraceEvent
extension TimestampCorrector {
    /// The correction libtracecmd's `tracecmd_open` applies to the records of `buffer` of
    /// `file` (by default its top-level buffer):
    ///
    /// - TIME_SHIFT of the file (the last option of at least 16 bytes), for the top-level
    ///   buffer only: an instance's handle (`tracecmd_buffer_instance_handle`) starts with
    ///   empty sync data, so instance records of a guest are not moved onto the host clock;
    /// - TSC2NSEC (the last well-formed option), unless `settings.clockHz` is set;
    /// - the sum of every OFFSET option, every DATE option × 1000 (unless
    ///   `settings.ignoreDate`) and `settings.userOffset` (`--ts-offset`,
    ///   `tracecmd_add_ts_offset`);
    /// - nothing at all with `settings.rawTimestamps`.
    ///
    /// - Throws: ``TimeShiftError`` when the TIME_SHIFT option cannot be read (the reference
    ///   then refuses to open the file). ``lenient(file:buffer:settings:)`` goes on without
    ///   sync instead.
    public init(file: TraceFile, buffer: TraceBuffer? = nil,
                settings: Settings = Settings()) throws(TimeShiftError) {
        self.init(file: file, timeShift: try Self.timeShift(of: file, buffer: buffer, settings: settings),
                  settings: settings)
    }

    /// Like ``init(file:buffer:settings:)``, but an unreadable TIME_SHIFT option is ignored
    /// (no sync correction) instead of thrown.
    public static func lenient(file: TraceFile, buffer: TraceBuffer? = nil,
                               settings: Settings = Settings()) -> TimestampCorrector {
        let shift = (try? timeShift(of: file, buffer: buffer, settings: settings)) ?? nil
        return TimestampCorrector(file: file, timeShift: shift, settings: settings)
    }

    /// The sync samples the reference uses for `buffer` of `file` under `settings`.
    static func timeShift(of file: TraceFile, buffer: TraceBuffer?,
                          settings: Settings) throws(TimeShiftError) -> TimeShift? {
        guard buffer.map(\.isTopLevel) ?? true, !settings.rawTimestamps else { return nil }
        return try file.parsedTimeShift()
    }

    init(file: TraceFile, timeShift: TimeShift?, settings: Settings) {
        let tsc = file.tsc2nsec.map { TSCConversion(mult: $0.multiplier, shift: $0.shift, offset: $0.offset) }
        self.init(timeShift: timeShift, tsc: tsc, offsetOptions: file.offsetOptions, dateOptions: file.dateOptions,
                  settings: settings)
    }
}

extension TraceFile {
    /// The payload of the TIME_SHIFT option the reference uses: the last one of at least 16
    /// bytes (shorter ones are ignored), or `nil`.
    public var usableTimeShiftPayload: [UInt8]? {
        options.last { $0.rawID == TimeShift.optionID && $0.payload.count >= 16 }?.payload
    }

    /// The TIME_SHIFT option parsed, or `nil` when the file has no usable one.
    public func parsedTimeShift() throws(TimeShiftError) -> TimeShift? {
        guard let p = usableTimeShiftPayload else { return nil }
        return try TimeShift.parse(p, order: byteOrder)
    }
}

/// Record counts and timestamps of one buffer of a file, as libtracecmd reports them
/// (`tracecmd_get_first_ts`, and `tracecmd_read_data` per CPU), with a given correction.
public struct BufferStatistics: Sendable, Hashable, Codable {
    /// Counts and timestamps of one CPU.
    public struct CPU: Sendable, Hashable, Codable {
        /// The CPU number.
        public var cpu: Int
        /// Number of records.
        public var records: Int
        /// Corrected timestamp of the first record; `nil` without records.
        public var firstTimestamp: UInt64?
        /// Corrected timestamp of the last record; `nil` without records.
        public var lastTimestamp: UInt64?

        public init(cpu: Int, records: Int, firstTimestamp: UInt64?, lastTimestamp: UInt64?) {
            self.cpu = cpu
            self.records = records
            self.firstTimestamp = firstTimestamp
            self.lastTimestamp = lastTimestamp
        }

        /// ``firstTimestamp`` as a `Duration`.
        public var firstTime: Duration? { firstTimestamp.map { .nanoseconds(Int64(clamping: $0)) } }
        /// ``firstTimestamp`` in seconds.
        public var firstSeconds: Double? { firstTimestamp.map { Double($0) / 1e9 } }
        /// ``lastTimestamp`` as a `Duration`.
        public var lastTime: Duration? { lastTimestamp.map { .nanoseconds(Int64(clamping: $0)) } }
        /// ``lastTimestamp`` in seconds.
        public var lastSeconds: Double? { lastTimestamp.map { Double($0) / 1e9 } }
    }

    /// The buffer's name (empty for the top-level buffer).
    public var name: String
    /// `tracecmd_get_first_ts`: the smallest corrected timestamp of the first *page* of each
    /// CPU that has data (the page header's time, not the first record's); 0 when no CPU has
    /// data.
    public var firstTimestamp: UInt64
    /// Per CPU, in the buffer's CPU order.
    public var cpus: [CPU]
    /// Errors met while reading (the rest of that CPU is skipped, as the reference stops
    /// reading a CPU at a page it cannot load).
    public var errors: [TraceFileError]

    /// ``firstTimestamp`` as a `Duration`.
    public var firstTime: Duration { .nanoseconds(Int64(clamping: firstTimestamp)) }
    /// ``firstTimestamp`` in seconds.
    public var firstSeconds: Double { Double(firstTimestamp) / 1e9 }

    /// Reads every record of `buffer` of `file` (a flyrecord buffer; a latency buffer gives
    /// no CPUs), correcting timestamps with `corrector`.
    ///
    /// CPUs are listed by number from 0 to the highest one the buffer has data for (or the
    /// file's CPU count, if larger), as libtracecmd indexes them: a CPU the file stores no
    /// data for has 0 records.
    public init(file: TraceFile, buffer: TraceBuffer, corrector: TimestampCorrector) throws(TraceFileError) {
        name = buffer.name
        cpus = []
        errors = []
        firstTimestamp = 0
        guard buffer.kind == .flyrecord else { return }
        let layout = try RingBufferLayout(file: file)
        let bases = try file.referenceDataOffsets(of: buffer)
        var haveFirst = false
        var c = corrector
        // CPUs by number, as libtracecmd; a corrupt file naming a huge CPU number gets only
        // its stored CPUs listed (no list of billions of empty CPUs).
        var numbers = Array(0..<min(buffer.cpuSlots(in: file), buffer.cpus.count + 4096))
        if numbers.count < buffer.cpuSlots(in: file) {
            numbers = Array(Set(buffer.cpus.map(\.cpu))).sorted()
        }
        for cpu in numbers {
            var stat = CPU(cpu: cpu, records: 0, firstTimestamp: nil, lastTimestamp: nil)
            defer { cpus.append(stat) }
            guard let index = buffer.cpus.firstIndex(where: { $0.cpu == cpu }) else { continue }
            let stream = try CPURecordStream(file: file, buffer: buffer, cpuIndex: index, layout: layout,
                                             referencePageBase: bases[index])
            // tracecmd_get_first_ts: kbuffer's time after loading the first page, i.e. the
            // time of the page's first event (time extends applied), or the page's time
            // when it has no event.
            var pageZeroTime: UInt64?
            if stream.pageCount > 0 {
                do {
                    pageZeroTime = try stream.source.pageTimestamp(0, layout: layout)
                } catch let e as TraceFileError {
                    errors.append(e)
                } catch {
                    errors.append(TraceFileError(file: file.path, context: "CPU \(cpu) page 0", offset: buffer.cpus[index].offset,
                                                 kind: .invalidValue("\(error)")))
                }
            }
            while true {
                let r: Record?
                do {
                    r = try stream.next()
                } catch {
                    errors.append(error)
                    break
                }
                guard let r else { break }
                let ts = c.correct(r.rawTimestamp, cpu: cpu)
                if stat.records == 0 {
                    stat.firstTimestamp = ts
                    if pageZeroTime != nil, r.pageIndex == 0 { pageZeroTime = nil; noteFirst(ts, &haveFirst) }
                }
                stat.lastTimestamp = ts
                stat.records += 1
            }
            if let t = pageZeroTime { noteFirst(c.corrected(t, cpu: cpu), &haveFirst) }
        }
    }

    private mutating func noteFirst(_ ts: UInt64, _ have: inout Bool) {
        if !have || ts < firstTimestamp { firstTimestamp = ts }
        have = true
    }
}

extension TraceBuffer {
    /// How many CPUs libtracecmd gives this buffer (`tracecmd_cpus` of its handle): CPUs are
    /// indexed by number, up to the highest one stored; the file's CPU count (a version 6
    /// header's, or a version 7 CPUCOUNT option's) counts too for the top-level buffer (and
    /// for every buffer of a version 6 file), so a recording with a CPU mask (`record -M`)
    /// still has CPUCOUNT CPUs there.
    public func cpuSlots(in file: TraceFile) -> Int {
        let top = (cpus.map(\.cpu).max() ?? -1) + 1
        return file.version < 7 || isTopLevel ? max(top, file.cpuCount) : top
    }
}
