@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// How the events of one type are written, settled once per event type: compact
/// `sched_switch`/`sched_waking`, a typed Perfetto message, a syscall, or a
/// `GenericFtraceEvent` with every field.
final class PerfettoEventPlan {
    /// What the plan writes.
    enum Shape {
        /// `CompactSched` switch arrays.
        case compactSwitch(CompactSwitch)
        /// `CompactSched` waking arrays.
        case compactWaking(CompactWaking)
        /// A typed message: `FtraceEvent` field `event`, then `fields`.
        case typed(event: Int, fields: [TypedField])
        /// `sys_enter`: `id` from `__syscall_nr`, `args` from the other fields in order.
        case sysEnter(id: FormatField, args: [FormatField])
        /// `sys_exit`: `id` from `__syscall_nr`, `ret`.
        case sysExit(id: FormatField, ret: FormatField)
        /// `GenericFtraceEvent`.
        case generic(name: [UInt8], fields: [GenericField])
    }

    struct CompactSwitch {
        var prevState: FormatField
        var nextComm: FormatField
        var nextPid: FormatField
        var nextPrio: FormatField
    }

    struct CompactWaking {
        var comm: FormatField
        var pid: FormatField
        var prio: FormatField
        var targetCPU: FormatField
    }

    struct TypedField {
        var field: FormatField
        var number: Int
        var isString: Bool
    }

    struct GenericField {
        var field: FormatField
        /// `GenericFtraceEvent.Field.name` (tag, length and text), written before the value.
        var namePrefix: [UInt8]
        var kind: EventField.Kind
        /// The field as the event API knows it (for arrays, byte arrays and cpumasks).
        var eventField: EventField
    }

    let shape: Shape
    let order: ByteOrder
    let name: String

    init(shape: Shape, order: ByteOrder, name: String) {
        self.shape = shape
        self.order = order
        self.name = name
    }

    /// The plan for `type`; `syscalls` says whether Perfetto knows the machine's syscall table.
    static func make(for type: EventType, syscalls: Bool, compact: Bool) -> PerfettoEventPlan {
        let formats = type.formatFields
        let order = type.dataByteOrder
        var own: [(EventField, FormatField)] = []
        for f in type.fields where f.index < formats.count { own.append((f, formats[f.index])) }
        func format(_ name: String) -> FormatField? { own.first { $0.0.name == name }?.1 }
        func isNumber(_ f: EventField) -> Bool { f.kind == .signed || f.kind == .unsigned }

        if compact, type.system == "sched" {
            if type.name == "sched_switch", let s = format("prev_state"), let c = format("next_comm"),
               let p = format("next_pid"), let r = format("next_prio") {
                return PerfettoEventPlan(shape: .compactSwitch(CompactSwitch(prevState: s, nextComm: c, nextPid: p, nextPrio: r)),
                                         order: order, name: type.name)
            }
            if type.name == "sched_waking", let c = format("comm"), let p = format("pid"),
               let r = format("prio"), let t = format("target_cpu") {
                return PerfettoEventPlan(shape: .compactWaking(CompactWaking(comm: c, pid: p, prio: r, targetCPU: t)),
                                         order: order, name: type.name)
            }
        }

        if syscalls, type.system == "syscalls", let nr = own.first(where: { $0.0.name == "__syscall_nr" }),
           isNumber(nr.0) {
            let rest = own.filter { $0.0.name != "__syscall_nr" }
            if type.name.hasPrefix("sys_enter_"), rest.allSatisfy({ isNumber($0.0) }) {
                return PerfettoEventPlan(shape: .sysEnter(id: nr.1, args: rest.map(\.1)), order: order, name: type.name)
            }
            if type.name.hasPrefix("sys_exit_"), rest.count == 1, rest[0].0.name == "ret", isNumber(rest[0].0) {
                return PerfettoEventPlan(shape: .sysExit(id: nr.1, ret: rest[0].1), order: order, name: type.name)
            }
        }

        if let m = PerfettoTypedEvents.messages[type.name], m.system == nil || m.system == type.system {
            var typed: [TypedField] = []
            var fits = true
            for (f, ff) in own {
                guard let target = m.fields[f.name] else { fits = false; break }
                switch target.kind {
                case .string where f.kind == .string:
                    typed.append(TypedField(field: ff, number: target.number, isString: true))
                case .number where isNumber(f):
                    typed.append(TypedField(field: ff, number: target.number, isString: false))
                default:
                    fits = false
                }
                if !fits { break }
            }
            if fits {
                return PerfettoEventPlan(shape: .typed(event: m.event, fields: typed), order: order, name: type.name)
            }
        }

        let name = ProtoBuffer(capacity: 64)
        name.string(PerfettoProto.Generic.eventName, type.name)
        var fields: [GenericField] = []
        for (f, ff) in own {
            let prefix = ProtoBuffer(capacity: 64)
            prefix.string(PerfettoProto.Generic.fieldName, f.name)
            fields.append(GenericField(field: ff, namePrefix: prefix.withBytes { Array($0) }, kind: f.kind, eventField: f))
        }
        return PerfettoEventPlan(shape: .generic(name: name.withBytes { Array($0) }, fields: fields),
                                 order: order, name: type.name)
    }
}
