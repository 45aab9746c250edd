@_spi(Engine) import TraceEvent

/// One event of a session, owned: it keeps its data, and may be stored, sent to other
/// tasks and compared. Made by ``EventView/owned()`` and by ``TraceSession/events(_:)``.
///
/// Its fields decode through its shared ``EventType``; its comm and report text are those
/// of the moment it was read (the report's view of the trace at that point).
public struct Event: Sendable, Hashable, CustomStringConvertible {
    /// The file index (peer) in the session.
    public let peer: Int
    /// The CPU (a VCPU for a guest's event).
    public let cpu: Int
    /// The buffer's name: empty for the top-level buffer, else the instance's name.
    public let buffer: String
    /// The timestamp in ns, corrected as `trace-cmd report` corrects it (host clock).
    public let timestamp: UInt64
    /// The timestamp as the ring buffer recorded it (the file's own clock).
    public let rawTimestamp: UInt64
    /// The event id (`common_type`), `nil` when the record is too short to hold one.
    public let id: Int?
    /// The task's pid (`common_pid`).
    public let pid: Int32
    /// `common_flags`.
    public let flags: UInt8
    /// `common_preempt_count`.
    public let preemptCount: UInt8
    /// The event's type; `nil` for an id the file has no format for.
    public let type: EventType?
    /// The task name as the report showed it.
    public let comm: String
    /// For a guest's event: the host PID of the task running its VCPU, when known.
    public let hostPID: Int32?
    /// Events lost on this CPU just before this one.
    public let missedEvents: MissedEvents
    /// The record's offset as libtracecmd numbers it (see ``EventView/offset``).
    public let offset: Int
    /// The event's data, from `common_type` on.
    public let bytes: [UInt8]
    /// The line `trace-cmd report` prints for this event (see ``EventView/reportLine``).
    public let reportLine: String
    /// The event's text: what follows `name:` in ``reportLine``.
    public let info: String
    /// Length in UTF-8 bytes of the file column of ``reportLine``.
    let labelLength: Int

    init(view: borrowing EventView) {
        let c = view.cursor
        peer = view.peer
        cpu = view.cpu
        buffer = view.buffer
        timestamp = view.timestamp
        rawTimestamp = view.rawTimestamp
        id = view.id
        pid = view.pid
        flags = view.flags
        preemptCount = view.preemptCount
        type = view.type
        comm = view.comm
        hostPID = view.hostPID
        missedEvents = view.missedEvents
        offset = view.offset
        bytes = view.bytes
        reportLine = c.reportLine()
        info = c.info()
        labelLength = c.labelLength
    }

    /// ``timestamp`` as a `Duration`.
    public var time: Duration { .nanoseconds(Int64(clamping: timestamp)) }
    /// ``timestamp`` in seconds.
    public var seconds: Double { Double(timestamp) / 1e9 }
    /// ``rawTimestamp`` as a `Duration` (the file's own clock; ns for the usual clocks).
    public var rawTime: Duration { .nanoseconds(Int64(clamping: rawTimestamp)) }
    /// ``rawTimestamp`` in seconds.
    public var rawSeconds: Double { Double(rawTimestamp) / 1e9 }
    /// The event's ``reportLine``: the line `trace-cmd report` prints for it.
    public var description: String { reportLine }
    /// The event name; empty when ``type`` is `nil`.
    public var name: String { type?.name ?? "" }
    /// The event's system; empty when ``type`` is `nil`.
    public var system: String { type?.system ?? "" }

    /// The field named `name`, decoded (see ``EventView/subscript(_:)``).
    public subscript(_ name: String) -> FieldValue? {
        guard let t = type, let f = t.field(named: name) else { return nil }
        return bytes.withRawSpan { t.value(at: f.index, in: $0) }
    }

    /// The value of `field`, decoded (see ``EventView/value(of:)``).
    public func value(of field: EventField) -> FieldValue? {
        guard let t = type, let i = t.index(of: field) else { return nil }
        return bytes.withRawSpan { t.value(at: i, in: $0) }
    }

    /// What `trace-cmd report` printed for this event (see ``EventView/reportText``).
    public var reportText: String {
        let m = MissedEvents.referenceValue(missedEvents)
        let notice: String? = m > 0 ? "CPU:\(cpu) [\(m) EVENTS DROPPED]" : (m < 0 ? "CPU:\(cpu) [EVENTS DROPPED]" : nil)
        return EventCursor.reportText(line: reportLine, labelLength: labelLength, notice: notice)
    }
}

extension MissedEvents {
    /// 0 none, -1 unknown, else the count (`record->missed_events`).
    static func referenceValue(_ m: MissedEvents) -> Int64 {
        switch m {
        case .none: return 0
        case .unknown: return -1
        case .count(let n): return Int64(clamping: n)
        }
    }
}
