@_spi(Engine) import TraceEvent
/// Reading a session's events newest first (`tracecmd_iterate_events_reverse`).
extension TraceSession {
    /// Calls `body` with every selected event, newest first: the exact reverse of
    /// ``forEachEvent(_:_:)``'s order (on equal timestamps, the event the forward order gives
    /// last comes first).
    ///
    /// Each CPU is read from its last page to its first, one page decoded at a time, so
    /// memory stays bounded whatever the trace's size. ``EventSelection/end`` is where the
    /// iteration starts and ``EventSelection/start`` where it ends (events after `end` are
    /// skipped, the iteration stops at the first event before `start`).
    ///
    /// The comm and report text of an event are those of the reading order: names that the
    /// trace teaches as it goes (sched events) are known for events read after them, i.e.
    /// older ones.
    ///
    /// - Throws: ``EventQueryError`` before the first event, or what `body` throws.
    @discardableResult
    public func forEachEventReversed(_ selection: EventSelection = .init(),
                                     _ body: (borrowing EventView) throws -> Void) throws -> [TraceFileError] {
        let cursor = try EventCursor(session: self, selection: selection, reversed: true)
        // One view for the whole iteration: it reads the cursor's current record.
        let view = EventView(cursor: cursor)
        while cursor.advance() {
            try body(view)
        }
        return cursor.errors
    }

    /// The selected events as owned values, newest first (see ``forEachEventReversed(_:_:)``);
    /// each iteration starts again at the newest event.
    public func eventsReversed(_ selection: EventSelection = .init()) throws(EventQueryError) -> EventSequence {
        EventSequence(session: self, selection: selection,
                      cursor: try EventCursor(session: self, selection: selection, reversed: true), reversed: true)
    }
}
