/// Where the `common_*` fields shared by every event lie in a record's event data.
@_spi(Engine) public struct CommonFieldLayout: Sendable, Hashable {
    /// The offset and size of one common field.
    @_spi(Engine) public struct Slot: Sendable, Hashable {
        @_spi(Engine) public var offset: Int
        @_spi(Engine) public var size: Int
        @_spi(Engine) public init(offset: Int, size: Int) {
            self.offset = offset
            self.size = size
        }
    }

    /// `common_type`: the event ID.
    @_spi(Engine) public var type: Slot?
    /// `common_flags`: irqs-off, need-resched, hardirq, softirq bits.
    @_spi(Engine) public var flags: Slot?
    /// `common_preempt_count`.
    @_spi(Engine) public var preemptCount: Slot?
    /// `common_pid`.
    @_spi(Engine) public var pid: Slot?

    @_spi(Engine) public init(type: Slot?, flags: Slot?, preemptCount: Slot?, pid: Slot?) {
        self.type = type
        self.flags = flags
        self.preemptCount = preemptCount
        self.pid = pid
    }

    /// The kernel's layout: type at 0 (2 bytes), flags at 2 (1), preempt count at 3 (1),
    /// pid at 4 (4).
    @_spi(Engine) public static let `default` = CommonFieldLayout(
        type: Slot(offset: 0, size: 2), flags: Slot(offset: 2, size: 1),
        preemptCount: Slot(offset: 3, size: 1), pid: Slot(offset: 4, size: 4))

    /// The layout described by a format's common fields; a field it lacks has no slot.
    @_spi(Engine) public init(commonFields: [FormatField]) {
        func slot(_ name: String) -> Slot? {
            commonFields.first(where: { $0.name == name }).map { Slot(offset: $0.offset, size: $0.size) }
        }
        self.init(type: slot("common_type"), flags: slot("common_flags"),
                  preemptCount: slot("common_preempt_count"), pid: slot("common_pid"))
    }

    /// The event ID (`common_type`) of a record's event data.
    @inlinable @inline(__always)
    @_spi(Engine) public func eventID(in payload: RawSpan, order: ByteOrder) -> Int? {
        guard let s = type, let v = payload.loadUnsigned(at: s.offset, size: s.size, order: order) else { return nil }
        return Int(truncatingIfNeeded: v)
    }

    /// The pid (`common_pid`, read as a 32-bit signed number like libtraceevent does).
    @inlinable @inline(__always)
    @_spi(Engine) public func pid(in payload: RawSpan, order: ByteOrder) -> Int32? {
        guard let s = pid, let v = payload.loadUnsigned(at: s.offset, size: s.size, order: order) else { return nil }
        return Int32(truncatingIfNeeded: v)
    }

    /// The `common_flags` byte(s).
    @inlinable @inline(__always)
    @_spi(Engine) public func flags(in payload: RawSpan, order: ByteOrder) -> UInt64? {
        guard let s = flags else { return nil }
        return payload.loadUnsigned(at: s.offset, size: s.size, order: order)
    }

    /// The `common_preempt_count`.
    @inlinable @inline(__always)
    @_spi(Engine) public func preemptCount(in payload: RawSpan, order: ByteOrder) -> UInt64? {
        guard let s = preemptCount else { return nil }
        return payload.loadUnsigned(at: s.offset, size: s.size, order: order)
    }
}

/// All the event formats of one trace file, with fast lookup by ID and by name.
///
/// Lookup rules follow libtraceevent: by ID, the first format added with that ID; by name
/// (with or without system), the matching format with the lowest ID. The common-field layout
/// comes from the format with the lowest ID (``CommonFieldLayout/default`` while empty).
@_spi(Engine) public struct EventRegistry: Sendable {
    /// Byte order of the file's data.
    @_spi(Engine) public var byteOrder: ByteOrder
    /// The size of a `long` in bytes, from the file header (the recording machine's user space).
    @_spi(Engine) public var longSize: Int
    /// The kernel's `long` size, when known (from the `header_page` format).
    @_spi(Engine) public var kernelLongSize: Int?

    /// The formats in the order they were added (file order).
    package private(set) var formats: [EventFormat] = []
    /// Where the common fields lie.
    package private(set) var commonLayout: CommonFieldLayout = .default
    /// The common fields of the lowest-ID format (empty while no format is registered).
    package private(set) var commonFields: [FormatField] = []

    /// Index into `formats` by ID for IDs below `denseLimit` (-1: none).
    private var denseIndex: [Int32] = []
    private var sparseIndex: [Int: Int] = [:]
    private var bySystemAndName: [String: [String: Int]] = [:]
    private var byName: [String: Int] = [:]
    private var lowestID: Int?

    /// The index into ``formats`` of each ID below 65536 (-1: none), as ``index(ofID:)`` finds
    /// it: for a reader that keeps its own copy next to its per-record state.
    @_spi(Engine) public var denseIndexByID: [Int32] { denseIndex }

    /// IDs below this are looked up in an array; larger ones in a dictionary.
    static let denseLimit = 1 << 16

    /// An empty registry.
    @_spi(Engine) public init(byteOrder: ByteOrder = .host, longSize: Int = 8, kernelLongSize: Int? = nil) {
        self.byteOrder = byteOrder
        self.longSize = longSize
        self.kernelLongSize = kernelLongSize
    }

    /// Number of formats.
    @_spi(Engine) public var count: Int { formats.count }

    /// Adds a format. Returns `false` when a format with the same ID was already present
    /// (the new one is kept in ``formats`` and findable by name, but not by ID).
    @discardableResult
    @_spi(Engine) public mutating func add(_ format: EventFormat) -> Bool {
        let index = formats.count
        formats.append(format)
        var isNewID = true
        if format.id >= 0, format.id < Self.denseLimit {
            if format.id >= denseIndex.count {
                denseIndex.append(contentsOf: repeatElement(-1, count: format.id + 1 - denseIndex.count))
            }
            if denseIndex[format.id] >= 0 { isNewID = false } else { denseIndex[format.id] = Int32(index) }
        } else {
            if sparseIndex[format.id] != nil { isNewID = false } else { sparseIndex[format.id] = index }
        }
        if let old = bySystemAndName[format.system]?[format.name] {
            if formats[old].id > format.id { bySystemAndName[format.system]?[format.name] = index }
        } else {
            bySystemAndName[format.system, default: [:]][format.name] = index
        }
        if let old = byName[format.name] {
            if formats[old].id > format.id { byName[format.name] = index }
        } else {
            byName[format.name] = index
        }
        if lowestID.map({ format.id < $0 }) ?? true {
            lowestID = format.id
            commonFields = format.commonFields
            commonLayout = CommonFieldLayout(commonFields: format.commonFields)
        }
        return isNewID
    }

    /// Parses a format text and adds it (see `EventFormat.init(parsing:system:)`).
    @discardableResult
    @_spi(Engine) public mutating func add(parsing text: String, system: String) throws(EventFormatError) -> EventFormat {
        let f = try EventFormat(parsing: text, system: system)
        add(f)
        return f
    }

    /// Parses a format text given as bytes (a trace file's section) and adds it.
    @discardableResult
    @_spi(Engine) public mutating func add(parsing bytes: RawSpan, system: String) throws(EventFormatError) -> EventFormat {
        let f = try EventFormat(parsing: bytes, system: system)
        add(f)
        return f
    }

    /// The index in ``formats`` of the format with ID `id`.
    @inlinable
    @_spi(Engine) public func index(ofID id: Int) -> Int? {
        _index(ofID: id)
    }

    @usableFromInline
    func _index(ofID id: Int) -> Int? {
        if id >= 0, id < denseIndex.count {
            let i = denseIndex[id]
            return i >= 0 ? Int(i) : nil
        }
        return sparseIndex[id]
    }

    /// The format with ID `id`.
    @_spi(Engine) public func format(id: Int) -> EventFormat? {
        _index(ofID: id).map { formats[$0] }
    }

    /// The format of a record, from the `common_type` in its event data.
    @_spi(Engine) public func format(of payload: RawSpan) -> EventFormat? {
        guard let id = commonLayout.eventID(in: payload, order: byteOrder) else { return nil }
        return format(id: id)
    }

    /// The format named `name` in `system`.
    @_spi(Engine) public func format(system: String, name: String) -> EventFormat? {
        bySystemAndName[system]?[name].map { formats[$0] }
    }

    /// The format named `name` in any system (the lowest ID when several systems have one).
    @_spi(Engine) public func format(named name: String) -> EventFormat? {
        byName[name].map { formats[$0] }
    }

    /// The systems, in the order their first format was added.
    @_spi(Engine) public var systems: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for f in formats where seen.insert(f.system).inserted { out.append(f.system) }
        return out
    }

    /// The formats sorted by system, then name, then ID (the order of `trace-cmd report -E`).
    @_spi(Engine) public func formatsSortedBySystem() -> [EventFormat] {
        formats.sorted { a, b in
            if a.system != b.system { return a.system.utf8.lexicographicallyPrecedes(b.system.utf8) }
            if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
            return a.id < b.id
        }
    }
}
