@_spi(Engine) import TraceEvent
/// One option of a trace file, with its raw payload and its typed value.
///
/// Every option id 0–25 that trace-cmd defines has a typed ``Value``; an unknown id is kept as
/// ``Value/unknown`` with its raw bytes, not an error.
public struct TraceOption: Sendable, Hashable, Codable {
    /// Option ids as trace-cmd numbers them.
    public enum ID: UInt16, Sendable, Hashable, Codable, CaseIterable {
        case done = 0, date, cpuStat, buffer, traceClock, uname, hook, offset, cpuCount, version,
             procMaps, traceID, timeShift, guest, tsc2nsec, strings, headerInfo, ftraceEvents,
             eventFormats, kallsyms, printk, cmdlines, bufferText, btfFile, lastBootInfo, modulesFile

        /// The name `trace-cmd dump --options` prints for this option.
        public var dumpName: String {
            switch self {
            case .done: "DONE"
            case .date: "DATE"
            case .cpuStat: "CPUSTAT"
            case .buffer: "BUFFER"
            case .traceClock: "TRACECLOCK"
            case .uname: "UNAME"
            case .hook: "HOOK"
            case .offset: "OFFSET"
            case .cpuCount: "CPUCOUNT"
            case .version: "VERSION"
            case .procMaps: "PROCMAPS"
            case .traceID: "TRACEID"
            case .timeShift: "TIME_SHIFT"
            case .guest: "GUEST"
            case .tsc2nsec: "TSC2NSEC"
            case .strings: "STRINGS"
            case .headerInfo: "HEADERS"
            case .ftraceEvents: "FTRACE EVENTS"
            case .eventFormats: "EVENT FORMATS"
            case .kallsyms: "KALLSYMS"
            case .printk: "PRINTK"
            case .cmdlines: "CMDLINES"
            case .bufferText: "BUFFER_LAT"
            case .btfFile: "BTF_FILE"
            case .lastBootInfo: "LAST_BOOT_INFO"
            case .modulesFile: "MODULES_FILE"
            }
        }
    }

    /// A BUFFER option: where one instance's flyrecord data is.
    public struct BufferInfo: Sendable, Hashable, Codable {
        /// File offset of the BUFFER FLYRECORD section (v7) or of the instance's
        /// `flyrecord` header (v6).
        public var offset: UInt64
        /// The instance name; empty for the top buffer.
        public var name: String
        /// The trace clock (v7 only; v6 stores it with the data).
        public var clock: String?
        /// The page size (v7 only).
        public var pageSize: Int?
        /// Per-CPU data: CPU id, file offset and size (v7 only).
        public var cpus: [CPUDataLocation]
    }

    /// A BUFFER_TEXT (latency) option.
    public struct BufferTextInfo: Sendable, Hashable, Codable {
        /// File offset of the latency text (v6) or of the BUFFER_TEXT section (v7).
        public var offset: UInt64
        /// The instance name; empty for the top buffer.
        public var name: String
        /// The trace clock; empty when the option does not name one.
        public var clock: String
    }

    /// A GUEST option: one guest of a host's session.
    public struct GuestInfo: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The guest's name.
        public var name: String
        /// The guest's trace ID in this session.
        public var traceID: UInt64
        /// The number of VCPUs.
        public var vcpuCount: Int
        /// Host PID of the task running each VCPU, indexed by VCPU; -1 where unknown.
        public var hostPIDs: [Int32]

        /// A guest entry.
        /// - Parameters:
        ///   - name: the guest's name.
        ///   - traceID: the guest's trace ID.
        ///   - vcpuCount: the number of VCPUs.
        ///   - hostPIDs: host PID per VCPU, -1 where unknown.
        public init(name: String, traceID: UInt64, vcpuCount: Int, hostPIDs: [Int32]) {
            self.name = name
            self.traceID = traceID
            self.vcpuCount = vcpuCount
            self.hostPIDs = hostPIDs
        }

        /// The entry as `tracecmd peers` lists guests: name, trace ID in `0x` lower-case hex,
        /// VCPU count and host PIDs (`?` for unknown),
        /// e.g. `guest1.vm  id 0xb391c3c54d976343  2 vcpus  host pids [? ?]`. An empty name
        /// reads `(empty name)`.
        public var description: String {
            let pids = hostPIDs.map { $0 == -1 ? "?" : String($0) }.joined(separator: " ")
            return "\(Self.displayName(name))  id \(hexID(traceID))  \(vcpuCount) vcpus  host pids [\(pids)]"
        }

        /// A guest name for text meant for people: `(empty name)` when the entry's name is empty.
        static func displayName(_ name: String) -> String { name.isEmpty ? "(empty name)" : name }
    }

    /// A TSC2NSEC option: how raw counter values become nanoseconds.
    public struct TSC2NSec: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Multiplier: `ns = counter * multiplier >> shift`.
        public var multiplier: UInt32
        /// Right shift applied after the multiplication.
        public var shift: UInt32
        /// Counter offset (stored; the reference does not apply it).
        public var offset: UInt64

        /// `mult M, shift S, offset O`.
        public var description: String { "mult \(multiplier), shift \(shift), offset \(offset)" }
    }

    /// The typed content of an option.
    public enum Value: Sendable, Hashable, Codable {
        /// End of an options section; in v7 the offset of the next options section (0: none).
        case done(next: UInt64)
        case date(String)
        case cpuStat(String)
        case buffer(BufferInfo)
        case traceClock(String)
        case uname(String)
        case hook(String)
        case offset(String)
        case cpuCount(UInt32)
        case version(String)
        case procMaps(String)
        case traceID(UInt64)
        /// TIME_SHIFT: the raw payload; parse with `TimeShift`.
        case timeShift
        case guest(GuestInfo)
        case tsc2nsec(TSC2NSec)
        case strings([String])
        /// Options 16–21: the file offset of a metadata section.
        case sectionOffset(UInt64)
        case bufferText(BufferTextInfo)
        /// BTF_FILE / MODULES_FILE: compressed blob (raw payload kept).
        case blob
        case lastBootInfo(String)
        /// The payload is too short or inconsistent for this option id; the reference ignores
        /// such options, and so do we (the reason is kept).
        case malformed(String)
        /// An option id this reader does not know.
        case unknown
    }

    /// The numeric option id as stored.
    public var rawID: UInt16
    /// The known id, if any.
    public var id: ID? { ID(rawValue: rawID) }
    /// File offset of the option's payload.
    public var payloadOffset: Int
    /// The payload bytes.
    public var payload: [UInt8]
    /// The typed value.
    public var value: Value
}

/// Where one CPU's ring-buffer data is stored in a file.
public struct CPUDataLocation: Sendable, Hashable, Codable {
    /// The CPU number.
    public var cpu: Int
    /// File offset of the data (for compressed files, of the chunk table).
    public var offset: Int
    /// Size in bytes in the file (compressed size for compressed files).
    public var size: Int
    /// The offset as the file stores it, when that differs from ``offset`` (an offset past
    /// the end of a file cut short, which ``offset`` clamps to the end); `nil` otherwise.
    /// `trace-cmd report --stat` prints the stored value.
    @_spi(Engine) public var storedOffset: Int?

    public init(cpu: Int, offset: Int, size: Int) {
        self.cpu = cpu
        self.offset = offset
        self.size = size
    }

    init(cpu: Int, offset: Int, size: Int, storedOffset: Int) {
        self.init(cpu: cpu, offset: offset, size: size)
        if storedOffset != offset { self.storedOffset = storedOffset }
    }
}

extension TraceOption {
    /// Decodes an option payload. Throws only for options the file cannot be read without
    /// (BUFFER, section offsets); malformed informational options become ``Value/malformed(_:)``.
    /// `payload` reads the option's payload (numbered by file offset, named after the option).
    static func decode(id: UInt16, payload: ByteCursor, version: Int) throws(TraceFileError) -> Value {
        var c = payload
        let size = payload.remaining
        func str() -> String { payload.peekCString() }
        guard let known = ID(rawValue: id) else { return .unknown }
        switch known {
        case .done:
            if size >= 8 { return .done(next: try c.readU64()) }
            return .done(next: 0)
        case .date: return .date(str())
        case .cpuStat: return .cpuStat(str())
        case .traceClock: return .traceClock(str())
        case .uname: return .uname(str())
        case .hook: return .hook(str())
        case .offset: return .offset(str())
        case .version: return .version(str())
        case .procMaps: return .procMaps(str())
        case .lastBootInfo: return .lastBootInfo(str())
        case .cpuCount:
            guard size >= 4 else { return .malformed("CPUCOUNT needs 4 bytes, has \(size)") }
            return .cpuCount(try c.readU32())
        case .traceID:
            guard size >= 8 else { return .malformed("TRACEID needs 8 bytes, has \(size)") }
            return .traceID(try c.readU64())
        case .timeShift: return .timeShift
        case .tsc2nsec:
            guard size >= 16 else { return .malformed("TSC2NSEC needs 16 bytes, has \(size)") }
            let m = try c.readU32(), s = try c.readU32(), o = try c.readU64()
            return .tsc2nsec(TSC2NSec(multiplier: m, shift: s, offset: o))
        case .guest:
            do {
                let name = try c.readCString()
                let tid = try c.readU64()
                let n = try c.readU32()
                guard Int(n) <= c.remaining / 8 else {
                    return .malformed("GUEST \(name): \(n) VCPUs do not fit in \(c.remaining) bytes")
                }
                var pids = [Int32](repeating: -1, count: Int(n))
                for _ in 0..<Int(n) {
                    let vcpu = try c.readU32()
                    let pid = try c.readU32()
                    guard vcpu < n else {
                        return .malformed("GUEST \(name): VCPU \(vcpu) is not below the count \(n)")
                    }
                    pids[Int(vcpu)] = Int32(bitPattern: pid)
                }
                return .guest(GuestInfo(name: name, traceID: tid, vcpuCount: Int(n), hostPIDs: pids))
            } catch {
                return .malformed("GUEST: \(error.kind)")
            }
        case .strings:
            return .strings(payload.peekNULTerminatedStrings())
        case .headerInfo, .ftraceEvents, .eventFormats, .kallsyms, .printk, .cmdlines:
            return .sectionOffset(try c.readU64())
        case .btfFile, .modulesFile:
            return .blob
        case .buffer:
            let off = try c.readU64()
            let name = try c.readCString()
            if version < 7 {
                return .buffer(BufferInfo(offset: off, name: name, clock: nil, pageSize: nil, cpus: []))
            }
            let clock = try c.readCString()
            let pageSize = try c.readU32()
            let n = try c.readU32()
            guard Int(n) <= c.remaining / 20 else {
                throw c.error(.invalidValue("BUFFER \"\(name)\": \(n) CPUs do not fit in \(c.remaining) bytes"))
            }
            var cpus: [CPUDataLocation] = []
            cpus.reserveCapacity(Int(n))
            for _ in 0..<Int(n) {
                let cpu = try c.readU32()
                let o = try c.readSize64("CPU data offset")
                let s = try c.readSize64("CPU data size")
                cpus.append(CPUDataLocation(cpu: Int(cpu), offset: o, size: s))
            }
            return .buffer(BufferInfo(offset: off, name: name, clock: clock, pageSize: Int(pageSize), cpus: cpus))
        case .bufferText:
            let off = try c.readU64()
            let name = try c.readCString()
            let clock = (try? c.readCString()) ?? ""
            return .bufferText(BufferTextInfo(offset: off, name: name, clock: clock))
        }
    }
}
