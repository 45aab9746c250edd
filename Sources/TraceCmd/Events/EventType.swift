@_spi(Engine) import TraceEvent

/// An event type of one file of a session (`sched:sched_switch` of the host, say): its
/// identity and its fields, each classified once (see ``EventField/Kind``).
///
/// Built lazily, the first time an iteration meets the event, and shared by every
/// ``EventView`` and ``Event`` of that type from the same iteration. Immutable.
public final class EventType: Sendable, Hashable, CustomStringConvertible {
    /// The file index (peer) in the session whose formats define this type.
    public let peer: Int
    /// The event id (`common_type` value) in that file.
    public let id: Int
    /// The system (`sched`; `ftrace` for ftrace's own events).
    public let system: String
    /// The event name (`sched_switch`).
    public let name: String
    /// The event-specific fields, in format order.
    public let fields: [EventField]
    /// The `common_*` fields, in format order.
    public let commonFields: [EventField]
    /// The common fields, then the event fields: ``EventField/index`` indexes this.
    public let allFields: [EventField]
    /// The print format text (`print fmt:`), unparsed.
    public let printFormat: String

    /// How to read each field (same order as ``allFields``).
    let plans: [FieldPlan]
    let byName: [String: Int]
    let byteOrder: ByteOrder

    /// How one field is read.
    struct FieldPlan: Sendable {
        var field: FormatField
        var kind: EventField.Kind
        /// Element size for arrays (0: unknown).
        var elementSize: Int
    }

    init(peer: Int, format: EventFormat, byteOrder: ByteOrder, longSize: Int) {
        self.peer = peer
        id = format.id
        system = format.system
        name = format.name
        printFormat = format.printFormatText
        self.byteOrder = byteOrder
        let token = Token()
        self.token = token
        let owner = ObjectIdentifier(token)
        let commonCount = format.commonFields.count
        var plans: [FieldPlan] = []
        for f in format.commonFields + format.fields {
            plans.append(Self.plan(f, longSize: longSize))
        }
        self.plans = plans
        let all = plans.enumerated().map { i, p in
            EventField(index: i, name: p.field.name, kind: p.kind, isCommon: i < commonCount, owner: owner)
        }
        allFields = all
        commonFields = Array(all[..<commonCount])
        fields = Array(all[commonCount...])
        var names: [String: Int] = [:]
        // Event fields win over common fields of the same name (as `EventFormat.field(named:)`).
        for f in all where f.isCommon && names[f.name] == nil { names[f.name] = f.index }
        for f in all where !f.isCommon {
            if let j = names[f.name], !all[j].isCommon { continue }
            names[f.name] = f.index
        }
        byName = names
    }

    /// Engine: the format field behind each of ``allFields`` (same order), to read fields in
    /// place with the `FormatField` accessors.
    @_spi(Engine) public var formatFields: [FormatField] { plans.map(\.field) }
    /// Engine: the byte order of the file this type's records come from.
    @_spi(Engine) public var dataByteOrder: ByteOrder { byteOrder }

    /// An object whose identity marks this type's fields (see ``EventField``).
    final class Token: Sendable {}
    let token: Token

    /// The classification of `f`.
    static func plan(_ f: FormatField, longSize: Int) -> FieldPlan {
        let type = f.type
        let lowered = type.lowercased()
        if lowered.contains("cpumask") {
            return FieldPlan(field: f, kind: .cpumask, elementSize: 1)
        }
        let flags = f.flags
        let isArray = flags.contains(.array) || flags.contains(.dynamic)
        let last = type.split(separator: " ").last.map(String.init) ?? type
        if isArray {
            // Old 2-byte `__data_loc`s are strings; so are arrays of plain or signed `char`.
            if f.storage != .inline, f.size == 2 { return FieldPlan(field: f, kind: .string, elementSize: 1) }
            if last == "char" && !type.contains("unsigned") {
                return FieldPlan(field: f, kind: .string, elementSize: 1)
            }
            var es = f.elementSize(longSize: longSize)
            if (f.storage == .inline && f.arrayLength == 0) || (f.storage != .inline && es == 0) {
                // A flexible array (`long args[]`) or a dynamic array of a C type
                // (`__data_loc unsigned int[]`): its element by type.
                es = flags.contains(.long) || flags.contains(.pointer) ? longSize : Self.scalarSize(last) ?? 0
            }
            guard es == 2 || es == 4 || es == 8 else { return FieldPlan(field: f, kind: .bytes, elementSize: 1) }
            let signed: Bool
            if f.storage == .inline {
                signed = f.isSigned
            } else {
                signed = ["s8", "s16", "s32", "s64", "__s8", "__s16", "__s32", "__s64"].contains(last)
                    || (!type.contains("unsigned") && !type.contains("*")
                        && ["int", "long", "short"].contains(last))
            }
            return FieldPlan(field: f, kind: signed ? .signedArray : .unsignedArray, elementSize: es)
        }
        switch f.size {
        case 1, 2, 4, 8:
            return FieldPlan(field: f, kind: f.isSigned && !flags.contains(.pointer) ? .signed : .unsigned,
                             elementSize: f.size)
        default:
            return FieldPlan(field: f, kind: .bytes, elementSize: 1)
        }
    }

    static func scalarSize(_ name: String) -> Int? {
        switch name.hasPrefix("__") ? String(name.dropFirst(2)) : name {
        case "u8", "s8", "char": return 1
        case "u16", "s16", "short": return 2
        case "u32", "s32", "int": return 4
        case "u64", "s64": return 8
        default: return nil
        }
    }

    /// The field named `name`: an event field, else a common field; `nil` when the type has
    /// none. A dictionary lookup.
    public func field(named name: String) -> EventField? {
        byName[name].map { allFields[$0] }
    }

    /// The index of `field` in this type: its own index when it is one of this type's
    /// fields, else the index of this type's field of the same name.
    func index(of field: EventField) -> Int? {
        if field.owner == ObjectIdentifier(token) { return field.index }
        return byName[field.name]
    }

    /// Decodes field `i` (an index into ``allFields``) of an event's data.
    func value(at i: Int, in payload: RawSpan) -> FieldValue? {
        guard i >= 0, i < plans.count else { return nil }
        let p = plans[i]
        let f = p.field
        let o = byteOrder
        switch p.kind {
        case .signed:
            return f.signedValue(in: payload, order: o).map { .signed($0) }
        case .unsigned:
            return f.unsignedValue(in: payload, order: o).map { .unsigned($0) }
        case .string:
            return f.stringValue(in: payload, order: o).map { .string($0) }
        case .bytes:
            return f.dataRange(in: payload, order: o).map { .bytes(payload.array($0)) }
        case .signedArray, .unsignedArray:
            guard let r = f.dataRange(in: payload, order: o) else { return nil }
            let es = p.elementSize
            let n = r.count / es
            if p.kind == .signedArray {
                return .signedArray((0..<n).map { payload.loadSigned(at: r.lowerBound + $0 * es, size: es, order: o) ?? 0 })
            }
            return .unsignedArray((0..<n).map { payload.loadUnsigned(at: r.lowerBound + $0 * es, size: es, order: o) ?? 0 })
        case .cpumask:
            guard let r = f.dataRange(in: payload, order: o) else { return nil }
            let b = payload.extracting(r)
            // As the report reads it (`__get_cpumask`): bit n of the mask taken as one number
            // of the file's byte order.
            var cpus: [Int] = []
            let size = b.count
            for bit in 0..<(size * 8) {
                let byte = o == .big ? size - (bit / 8 + 1) : bit / 8
                if b[byte] & (1 << UInt8(bit % 8)) != 0 { cpus.append(bit) }
            }
            return .cpumask(cpus)
        }
    }

    /// `system:name`.
    public var description: String { "\(system):\(name)" }

    /// The same type: the same object, or the same file index, id, system, name, print
    /// format and field names (types of two iterations of one session are equal).
    public static func == (a: EventType, b: EventType) -> Bool {
        a === b || (a.peer == b.peer && a.id == b.id && a.system == b.system && a.name == b.name
                    && a.printFormat == b.printFormat && a.fields.map(\.name) == b.fields.map(\.name))
    }

    /// Hashes the file index, id and name.
    public func hash(into h: inout Hasher) {
        h.combine(peer)
        h.combine(id)
        h.combine(name)
    }
}
