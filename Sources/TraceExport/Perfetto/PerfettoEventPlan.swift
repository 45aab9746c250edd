@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// How the events of one type are written, settled once per event type: compact
/// `sched_switch`/`sched_waking`, a typed Perfetto message, a syscall, or a
/// `GenericFtraceEvent` with every field.
///
/// The fields are read through plain ``FieldReader`` values (offsets and sizes, no
/// reference-counted members), so the per-event path copies nothing.
final class PerfettoEventPlan {
    enum Kind {
        /// `CompactSched` switch arrays; readers: prev_state, next_comm, next_pid, next_prio.
        case compactSwitch
        /// `CompactSched` waking arrays; readers: comm, pid, prio, target_cpu.
        case compactWaking
        /// A typed message (`FtraceEvent` field ``event``); one reader per field.
        case typed
        /// `sys_enter`: reader 0 is `__syscall_nr` (the id), the others the arguments in order.
        case sysEnter
        /// `sys_exit`: readers `__syscall_nr` and `ret`.
        case sysExit
        /// `GenericFtraceEvent`: one reader per field; ``prefixes`` starts with the
        /// `event_name` field, then each field's `name` field.
        case generic
    }

    /// How one field's value is read from an event's data and written.
    ///
    /// Its enum fields are matched with `if case`/`switch`, not compared with `==`: the
    /// optimizer takes a comparison of cases for a call that may release objects, and would
    /// then count references around every event's write.
    struct FieldReader {
        enum Value: UInt8 {
            case signed, unsigned, string, other
        }
        enum Storage: UInt8 {
            case inline, dataLoc, relLoc
        }
        var offset: Int
        var size: Int
        var value: Value
        var storage: Storage
        /// The field number to write (typed messages).
        var number: Int
        /// The field's `GenericFtraceEvent.Field.name` bytes in ``prefixes``.
        var prefixStart: Int
        var prefixCount: Int
        /// For ``Value/other``: the index in ``otherFields``.
        var other: Int

        init(_ f: FormatField, value: Value, number: Int = 0) {
            offset = f.offset
            size = f.size
            self.value = value
            storage = f.storage == .inline ? .inline : (f.storage == .dataLoc ? .dataLoc : .relLoc)
            self.number = number
            prefixStart = 0
            prefixCount = 0
            other = 0
        }

        /// The number, sign-extended from its size when it is signed.
        @inline(__always)
        func number(in p: RawSpan, _ order: ByteOrder) -> UInt64? {
            if case .signed = value {
                return p.loadSigned(at: offset, size: size, order: order).map { UInt64(bitPattern: $0) }
            }
            return p.loadUnsigned(at: offset, size: size, order: order)
        }

        /// The range of the text up to its first NUL: a `char[N]` array, a `char[]` tail, or
        /// a `__data_loc`/`__rel_loc` string; `nil` when it does not lie inside the data.
        @inline(__always)
        func string(in p: RawSpan, _ order: ByteOrder) -> Range<Int>? {
            var start = offset, length = size
            if case .inline = storage {
                if size == 0 { length = p.count - offset }
            } else {
                guard size == 4 || size == 2, let word = p.loadUnsigned(at: offset, size: size, order: order) else { return nil }
                start = Int(word & 0xffff)
                length = size == 2 ? p.count - start : Int((word >> 16) & 0xffff)
                if case .relLoc = storage { start += offset + size }
            }
            guard start >= 0, length >= 0, start <= p.count, length <= p.count - start else { return nil }
            return start..<p.firstIndex(of: 0, in: start..<(start + length))
        }
    }

    let kind: Kind
    /// The `FtraceEvent` field of a typed message.
    let event: Int
    let order: ByteOrder
    /// The readers, allocated once (read in place per event).
    let readers: [FieldReader]
    /// Prepared bytes of generic events (see ``Kind/generic``).
    let prefixes: [UInt8]
    /// The length of the `event_name` field at the start of ``prefixes``.
    let namePrefixCount: Int
    /// The fields read through the event API (arrays, byte arrays, cpumasks).
    let otherFields: [EventField]

    init(kind: Kind, event: Int = 0, order: ByteOrder, readers: [FieldReader], prefixes: [UInt8] = [],
         namePrefixCount: Int = 0, otherFields: [EventField] = []) {
        self.kind = kind
        self.event = event
        self.order = order
        self.readers = readers
        self.prefixes = prefixes
        self.namePrefixCount = namePrefixCount
        self.otherFields = otherFields
        readerCount = readers.count
        switch kind {
        case .typed, .sysEnter, .sysExit: direct = true; compact = false
        case .generic: direct = otherFields.isEmpty; compact = false
        case .compactSwitch, .compactWaking: direct = false; compact = true
        }
    }

    let readerCount: Int
    /// Whether an event is written from its data and common values alone, without the
    /// event API or allocations (``PerfettoCPUBundle/add(ts:pid:flags:payload:plan:limit:bytes:)``):
    /// every plan but the compact ones (their comm table) and generic events with fields
    /// read through the event API.
    let direct: Bool
    /// Whether the plan is a compact one (written by
    /// ``PerfettoCPUBundle/addCompact(ts:flags:payload:plan:limit:bytes:)`` when the comm is short).
    let compact: Bool

    /// The plan for `type`; `syscalls` says whether Perfetto knows the machine's syscall table,
    /// `typed: false` writes every event as a generic one.
    static func make(for type: EventType, syscalls: Bool, compact: Bool, typed: Bool = true) -> PerfettoEventPlan {
        let formats = type.formatFields
        let order = type.dataByteOrder
        var own: [(EventField, FormatField)] = []
        for f in type.fields where f.index < formats.count { own.append((f, formats[f.index])) }
        func format(_ name: String) -> FormatField? { own.first { $0.0.name == name }?.1 }
        func isNumber(_ f: EventField) -> Bool { f.kind == .signed || f.kind == .unsigned }
        func reader(_ f: (EventField, FormatField), number: Int = 0) -> FieldReader {
            let v: FieldReader.Value = switch f.0.kind {
            case .signed: .signed
            case .unsigned: .unsigned
            case .string: .string
            default: .other
            }
            return FieldReader(f.1, value: v, number: number)
        }
        func field(_ name: String) -> (EventField, FormatField)? { own.first { $0.0.name == name } }

        if typed, compact, type.system == "sched", type.name == "sched_switch" || type.name == "sched_waking" {
            let isSwitch = type.name == "sched_switch"
            let names = isSwitch ? ["prev_state", "next_comm", "next_pid", "next_prio"] : ["comm", "pid", "prio", "target_cpu"]
            let text = isSwitch ? [false, true, false, false] : [true, false, false, false]
            let found = names.compactMap(field)
            if found.count == 4, zip(found, text).allSatisfy({ $1 ? $0.0.kind == .string : isNumber($0.0) }) {
                return PerfettoEventPlan(kind: isSwitch ? .compactSwitch : .compactWaking, order: order,
                                         readers: found.map { reader($0) })
            }
        }

        if typed, syscalls, type.system == "syscalls", let nr = field("__syscall_nr"), isNumber(nr.0) {
            let rest = own.filter { $0.0.name != "__syscall_nr" }
            if type.name.hasPrefix("sys_enter_"), rest.allSatisfy({ isNumber($0.0) }) {
                return PerfettoEventPlan(kind: .sysEnter, order: order, readers: [reader(nr)] + rest.map { reader($0) })
            }
            if type.name.hasPrefix("sys_exit_"), rest.count == 1, rest[0].0.name == "ret", isNumber(rest[0].0) {
                return PerfettoEventPlan(kind: .sysExit, order: order, readers: [reader(nr), reader(rest[0])])
            }
        }

        if typed, let m = PerfettoTypedEvents.messages[type.name], m.system == nil || m.system == type.system {
            var typed: [FieldReader] = []
            var fits = true
            for f in own {
                guard let target = m.fields[f.0.name] else { fits = false; break }
                switch target.kind {
                case .string where f.0.kind == .string: typed.append(reader(f, number: target.number))
                case .number where isNumber(f.0): typed.append(reader(f, number: target.number))
                default: fits = false
                }
                if !fits { break }
            }
            if fits { return PerfettoEventPlan(kind: .typed, event: m.event, order: order, readers: typed) }
        }

        let prefixes = ProtoBuffer(capacity: 256)
        prefixes.string(PerfettoProto.Generic.eventName, type.name)
        let nameCount = prefixes.count
        var readers: [FieldReader] = []
        var others: [EventField] = []
        for f in own {
            var r = reader(f)
            r.prefixStart = prefixes.count
            prefixes.string(PerfettoProto.Generic.fieldName, f.0.name)
            r.prefixCount = prefixes.count - r.prefixStart
            if r.value == .other {
                r.other = others.count
                others.append(f.0)
            }
            readers.append(r)
        }
        return PerfettoEventPlan(kind: .generic, order: order, readers: readers,
                                 prefixes: prefixes.array, namePrefixCount: nameCount, otherFields: others)
    }
}
