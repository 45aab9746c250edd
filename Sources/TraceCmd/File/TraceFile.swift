@_spi(Engine) import TraceEvent
/// An opened trace-cmd trace file (version 6 or 7): its layout and all of its metadata.
///
/// Open it ``OpenMode/full`` to read records, or ``OpenMode/headOnly`` (like
/// `tracecmd_open_head`) to read metadata only, without touching the trace data. The file is
/// memory-mapped; metadata is decoded at open, bulky texts (kallsyms, printk formats, saved
/// command lines) on demand.
public final class TraceFile: Sendable, CustomStringConvertible {
    /// How much of the file to prepare.
    public enum OpenMode: String, Sendable, Hashable, Codable {
        /// Metadata and record access.
        case full
        /// Metadata only; the trace data is never read or decompressed.
        case headOnly
    }

    /// The mapped bytes of the file.
    @_spi(Engine) public let mapped: MappedFile
    /// The path the file was opened with.
    public var path: String { mapped.path }
    /// How the file was opened.
    public let mode: OpenMode
    /// File format version (6 or 7).
    public let version: Int
    /// Byte order of the file's numbers.
    public let byteOrder: ByteOrder
    /// Size of a `long` in the traced user space (4 or 8).
    public let longSize: Int
    /// The traced machine's page size.
    public let pageSize: Int
    /// The compression of a version 7 file; `nil` when none (or version 6).
    public let compression: Compression?
    /// All options of the file, in file order (for v7, following the chain of options sections).
    public let options: [TraceOption]
    /// The sections of a version 7 file, in the order they were found.
    public let sections: [SectionInfo]
    /// The ring buffers in the file: the top-level one first (when present), then instances.
    public let buffers: [TraceBuffer]
    /// The number of CPUs of the traced machine (v6 header count, or the CPUCOUNT option).
    public let cpuCount: Int
    /// The kernel's `header_page` format text.
    public let headerPage: String
    /// The kernel's `header_event` format text.
    public let headerEvent: String
    /// The `ftrace` system's event format texts.
    public let ftraceFormats: [String]
    /// The other systems' event format texts, per system, in file order.
    public let eventFormats: [(system: String, formats: [String])]

    /// Problems that did not stop the file from being read: data cut short (a recording that
    /// was killed), a lost BUFFER option recovered from the data. Every complete page before
    /// a cut is still served.
    public let warnings: [TraceFileError]

    /// The options grouped by the options section that holds them (v7), or one group (v6).
    public let optionGroups: [OptionGroup]
    /// For v7: the file offset where the sections start (after the initial format).
    public let sectionsStart: Int?

    /// A run of ``options`` read from one options section.
    public struct OptionGroup: Sendable, Hashable, Codable {
        /// The options section (v7); `nil` for the options block of a v6 file.
        public var section: SectionInfo?
        /// Indices into ``TraceFile/options``.
        public var options: Range<Int>
    }

    let decompressor: Decompressor?
    /// The decompressor of a compressed v7 file (`nil` when not compressed).
    @_spi(Engine) public var blockDecompressor: Decompressor? { decompressor }
    let kallsymsLocation: MetadataLocation?
    let printkLocation: MetadataLocation?
    let cmdlinesLocation: MetadataLocation?

    /// Where a metadata text lives: a length-prefixed text at a plain file offset (v6), or at
    /// the start of a (possibly compressed) section's content (v7).
    struct MetadataLocation: Sendable {
        var section: SectionInfo?
        var plainOffset: Int = 0
        var lengthSize: Int
        var context: String

        init(section: SectionInfo, lengthSize: Int, context: String) {
            self.section = section
            self.lengthSize = lengthSize
            self.context = context
        }

        init(plainAt offset: Int, lengthSize: Int, context: String) {
            self.plainOffset = offset
            self.lengthSize = lengthSize
            self.context = context
        }
    }

    /// Opens the file at `path`.
    public static func open(_ path: String, mode: OpenMode = .full) throws(TraceFileError) -> TraceFile {
        try TraceFile(mapped: MappedFile(path: path), mode: mode)
    }

    /// Reads a trace file from already mapped (or in-memory) bytes.
    @_spi(Engine) public init(mapped: MappedFile, mode: OpenMode = .full) throws(TraceFileError) {
        self.mapped = mapped
        self.mode = mode
        var r = FileLayoutReader(bytes: mapped.view, file: mapped.path)
        try r.readAll()
        version = r.version
        byteOrder = r.order
        longSize = r.longSize
        pageSize = r.pageSize
        compression = r.compression
        options = r.options
        sections = r.sections
        buffers = r.buffers
        cpuCount = r.cpuCount
        headerPage = r.headerPage
        headerEvent = r.headerEvent
        ftraceFormats = r.ftraceFormats
        eventFormats = r.eventFormats
        decompressor = r.decompressor
        optionGroups = r.optionGroups
        warnings = r.warnings
        sectionsStart = r.sectionsStart
        kallsymsLocation = r.kallsyms
        printkLocation = r.printk
        cmdlinesLocation = r.cmdlines
    }

    // MARK: Metadata texts

    /// The `/proc/kallsyms` text stored in the file (empty when none).
    public func kallsymsText() throws(TraceFileError) -> [UInt8] { try text(kallsymsLocation) }
    /// The `printk_formats` text stored in the file (empty when none).
    public func printkText() throws(TraceFileError) -> [UInt8] { try text(printkLocation) }
    /// The `saved_cmdlines` text stored in the file (empty when none).
    public func savedCmdlinesText() throws(TraceFileError) -> [UInt8] { try text(cmdlinesLocation) }

    func text(_ loc: MetadataLocation?) throws(TraceFileError) -> [UInt8] {
        guard let loc else { return [] }
        if let s = loc.section, s.isCompressed {
            let (storage, count) = try FileLayoutReader.decompressSectionStorage(
                s, bytes: mapped.view, order: byteOrder, decompressor: decompressor, file: path)
            var c = ByteCursor(storage: storage, count: count, order: byteOrder, baseOffset: s.contentOffset,
                               file: path, context: loc.context)
            return try Self.lengthPrefixed(&c, loc: loc)
        }
        let start = loc.section.map { $0.contentOffset } ?? loc.plainOffset
        let end = loc.section.map { $0.contentRange.upperBound } ?? mapped.count
        guard start <= end, end <= mapped.count else {
            throw TraceFileError(file: path, context: loc.context, offset: start,
                                 kind: .truncated(needed: end - start, available: mapped.count - start))
        }
        var c = mapped.cursor(start..<end, order: byteOrder, file: path, context: loc.context)
        return try Self.lengthPrefixed(&c, loc: loc)
    }

    /// The text a metadata section holds after its length (4 or 8 bytes, as `loc` says).
    static func lengthPrefixed(_ c: inout ByteCursor, loc: MetadataLocation) throws(TraceFileError) -> [UInt8] {
        let len = loc.lengthSize == 8 ? try c.readSize64("text size") : Int(try c.readU32())
        return try c.readByteArray(len)
    }

    // MARK: Peer metadata

    /// This peer's trace ID (TRACEID option), or `nil` when the file has none.
    ///
    /// libtracecmd's `tracecmd_get_traceid` returns 0 for a missing ID; here absence is explicit.
    public var traceID: UInt64? {
        var id: UInt64?
        for o in options { if case .traceID(let v) = o.value { id = v } }
        return id
    }

    /// The guests of the session (GUEST options of a host file), in file order.
    public var guests: [TraceOption.GuestInfo] {
        options.compactMap { if case .guest(let g) = $0.value { return g } else { return nil } }
    }

    /// The guest whose trace ID is `traceID`, like `tracecmd_get_guest_cpumap`. When several
    /// GUEST options share the ID, the last one in the file wins, as in the reference.
    public func guest(traceID: UInt64) -> TraceOption.GuestInfo? {
        guests.last { $0.traceID == traceID }
    }

    /// The raw payload of the TIME_SHIFT option (the last one, if several), or `nil`.
    public var timeShiftPayload: [UInt8]? {
        options.last { $0.rawID == TraceOption.ID.timeShift.rawValue }?.payload
    }

    /// The TSC2NSEC option, if present and well-formed.
    public var tsc2nsec: TraceOption.TSC2NSec? {
        var v: TraceOption.TSC2NSec?
        for o in options { if case .tsc2nsec(let t) = o.value { v = t } }
        return v
    }

    /// The texts of the OFFSET options, in file order (the reference adds them all).
    public var offsetOptions: [String] {
        options.compactMap { if case .offset(let t) = $0.value { return t } else { return nil } }
    }

    /// The texts of the DATE options, in file order (the reference adds them all).
    public var dateOptions: [String] {
        options.compactMap { if case .date(let t) = $0.value { return t } else { return nil } }
    }

    /// Whether the file is a host (has GUEST options), a guest (has TIME_SHIFT) or neither.
    public enum Role: String, Sendable, Hashable, Codable {
        /// A host: the file has GUEST options.
        case host
        /// A guest: the file has a TIME_SHIFT option.
        case guest
        /// Neither host nor guest.
        case single
    }

    /// The file's role in a multi-peer session.
    public var role: Role {
        if !guests.isEmpty { return .host }
        if timeShiftPayload != nil { return .guest }
        return .single
    }

    /// The top-level buffer, if the file has one.
    public var topBuffer: TraceBuffer? { buffers.first { $0.isTopLevel } }

    /// The instance buffers (everything but the top-level buffer), in file order.
    public var instances: [TraceBuffer] { buffers.filter { !$0.isTopLevel } }

    /// The trace clock of the top-level buffer (`local` when the file does not say).
    public var clock: String {
        if let c = topBuffer?.clock, !c.isEmpty { return c }
        for o in options { if case .traceClock(let t) = o.value, let c = Self.selectedClock(t) { return c } }
        return "local"
    }

    /// Path, format version, compression, CPU count, clock and trace ID (`0x` and lower-case
    /// hex), e.g. `trace.dat: version 7, zstd 1.5.4, 2 CPUs, clock local, trace ID 0xe5ec3cb530a61ca8`.
    public var description: String {
        "\(path): version \(version), \(compression.map(String.init(describing:)) ?? "not compressed"), "
            + "\(cpuCount) CPU\(cpuCount == 1 ? "" : "s"), clock \(clock), trace ID \(traceID.map(hexID) ?? "none")"
    }

    /// The clock in brackets in a `trace_clock` text (`[local] global counter` → `local`).
    static func selectedClock(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }
}
