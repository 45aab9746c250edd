@_spi(Engine) import TraceEvent

/// One event of a session, seen in place during ``TraceSession/forEachEvent(_:_:)``.
///
/// A view reads the record where the ring buffer page holds it: nothing is copied or
/// allocated unless asked for (a string field, ``comm``, ``reportLine``). It is valid only
/// inside the closure it is handed to, and the compiler enforces that: the view is
/// `~Copyable` and handed over `borrowing`, so it cannot be copied (`let copy = view`:
/// "'view' is borrowed and cannot be consumed"), stored in an outer variable
/// (`saved = view`: "implicit conversion to 'EventView?' is consuming") nor captured by
/// an escaping closure stored for later (`later.append { view.cpu }` does not compile;
/// Swift 6.3.1's move-only checker crashes on it instead of printing its diagnostic).
/// To keep an event, take ``owned()``.
///
/// ```swift
/// try session.forEachEvent { e in
///     if e.name == "sched_switch", let pid = e["prev_pid"]?.integer { ... }
/// }
/// ```
public struct EventView: ~Copyable {
    /// The iteration's cursor (the view lives only while the iteration runs).
    @usableFromInline let cursor: EventCursor
    /// The cursor's per-record state (what the inlinable accessors read).
    @usableFromInline let state: UncheckedCell<EventCursor.State>

    init(cursor: borrowing EventCursor) {
        self.cursor = copy cursor
        state = cursor.state
    }

    /// Calls `body` with the cursor (what is read per event).
    @inlinable @inline(__always)
    func with<R>(_ body: (EventCursor) -> R) -> R { body(cursor) }

    /// The file index (peer) in the session.
    public var peer: Int { with { $0.source.peer } }
    /// The CPU (a VCPU for a guest's event).
    public var cpu: Int { with { $0.record.cpu } }
    /// The buffer's name: empty for the top-level buffer, else the instance's name.
    public var buffer: String { cursor.session.peers[cursor.source.peer].file.buffers[cursor.source.buffer].name }
    /// The timestamp in ns, corrected as `trace-cmd report` corrects it (a guest's on the
    /// host clock, through its TIME_SHIFT; offsets and dates applied).
    @inlinable
    public var timestamp: UInt64 { state.value.timestamp }
    /// The timestamp as the ring buffer recorded it (the file's own clock).
    public var rawTimestamp: UInt64 { with { $0.record.rawTimestamp } }
    /// ``timestamp`` as a `Duration`.
    public var time: Duration { .nanoseconds(Int64(clamping: timestamp)) }
    /// ``timestamp`` in seconds.
    public var seconds: Double { Double(timestamp) / 1e9 }
    /// The event id (`common_type`), `nil` when the record is too short to hold one.
    @inlinable
    public var id: Int? {
        let id = state.value.eventID
        return id >= 0 ? id : nil
    }
    /// The task's pid (`common_pid`); 0 when the record does not hold it.
    public var pid: Int32 {
        with { c in
            let payload = c.payload
            return (c.withPeer { ps in payload.withSpan { ps.layout.pid(in: $0, order: ps.order) } } ?? nil) ?? 0
        }
    }
    /// `common_flags`: irqs-off (0x01), need-resched (0x04), hardirq (0x08), softirq (0x10)...
    public var flags: UInt8 {
        with { c in
            let payload = c.payload
            return UInt8(truncatingIfNeeded: (c.withPeer { ps in payload.withSpan { ps.layout.flags(in: $0, order: ps.order) } } ?? nil) ?? 0)
        }
    }
    /// `common_preempt_count`.
    public var preemptCount: UInt8 {
        with { c in
            let payload = c.payload
            return UInt8(truncatingIfNeeded: (c.withPeer { ps in payload.withSpan { ps.layout.preemptCount(in: $0, order: ps.order) } } ?? nil) ?? 0)
        }
    }
    /// The event's type (fields, system, name); `nil` for an id the file has no format for.
    public var type: EventType? { cursor.type }
    /// The event name (`sched_switch`); empty when ``type`` is `nil`.
    public var name: String { with { $0.withType { $0?.name ?? "" } } }
    /// The event's system (`sched`); empty when ``type`` is `nil`.
    public var system: String { with { $0.withType { $0?.system ?? "" } } }
    /// The task name as the report shows it for ``pid`` at this point of the trace
    /// (`<idle>` for pid 0, `<...>` when unknown).
    public var comm: String { String(decoding: cursor.commBytes(), as: UTF8.self) }
    /// For a guest's event: the host PID of the task running its VCPU, when the host's
    /// GUEST option knows it.
    public var hostPID: Int32? { with { $0.source.hostPID } }
    /// Events lost on this CPU just before this one.
    public var missedEvents: MissedEvents { with { $0.record.missedEvents } }
    /// The record's offset as libtracecmd numbers it (`record->offset`): the file offset of
    /// its event header for uncompressed data; for compressed data, its offset in
    /// libtracecmd's decompressed copy of the CPU data. ``TraceSession/event(atOffset:peer:buffer:)``
    /// finds the event again by it.
    public var offset: Int { with { $0.record.offset } }

    /// The field named `name` (an event field, else a common field), decoded; `nil` when
    /// the event has no such field or the record does not hold it.
    public subscript(_ name: String) -> FieldValue? {
        with { c in
            let payload = c.payload
            return c.withType { t in
                guard let t, let f = t.field(named: name) else { return nil }
                return payload.withSpan { t.value(at: f.index, in: $0) }
            }
        }
    }

    /// The value of `field` (resolved once with ``EventType/field(named:)``), decoded. A
    /// field of another type is looked up by name.
    public func value(of field: EventField) -> FieldValue? {
        with { c in
            let payload = c.payload
            return c.withType { t in
                guard let t, let i = t.index(of: field) else { return nil }
                return payload.withSpan { t.value(at: i, in: $0) }
            }
        }
    }

    /// The line `trace-cmd report` prints for this event (with its file column when the
    /// session has several files or instance buffers), without the newline and without
    /// the dropped-events line before it (see ``reportText``).
    public var reportLine: String { cursor.reportLine() }
    /// What `trace-cmd report` prints for this event, without the final newline: the
    /// ``reportLine``, preceded by the report's `CPU:n [k EVENTS DROPPED]` line when events
    /// were lost just before this one (after the file column, as the report writes it).
    public var reportText: String {
        EventCursor.reportText(line: cursor.reportLine(), labelLength: cursor.labelLength, notice: cursor.droppedNotice)
    }
    /// The event's text: what follows `name:` in ``reportLine``.
    public var info: String { cursor.info() }

    /// Calls `body` with the event's data (from `common_type` on) in place.
    @inlinable
    public func withBytes<R>(_ body: (RawSpan) throws -> R) rethrows -> R {
        // The payload taken into a local first: a span made straight from the stored record
        // crashes Swift 6.3.1's optimizer (an ownership verifier error in CopyPropagation).
        let payload = state.value.payload
        return try payload.withSpan { span throws in try body(span) }
    }

    /// Engine: the index of the event's buffer in its file's `buffers`.
    @_spi(Engine) public var bufferIndex: Int { with { $0.source.buffer } }

    /// A copy of the event's data (from `common_type` on).
    public var bytes: [UInt8] { state.value.payload.array }

    /// The event as a value to keep: its data copied, its text captured now.
    public func owned() -> Event {
        Event(view: self)
    }
}
