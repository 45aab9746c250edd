@_spi(Engine) import TraceEvent
/// Reading a session's events: decoded, with the report's comm and text.
extension TraceSession {
    /// Opens one trace file as a session of one.
    public static func open(_ path: String, settings: TimestampCorrector.Settings = .init())
        throws(TraceFileError) -> TraceSession
    {
        try open([path], settings: settings)
    }

    /// Calls `body` with every selected event, in timeline order (the order of
    /// `trace-cmd report -i host.dat -i guest.dat ...`).
    ///
    /// The fast way: an ``EventView`` reads the record in place, and nothing is allocated
    /// per event unless the body asks for text. The view cannot outlive the call of `body`;
    /// take ``EventView/owned()`` to keep an event.
    ///
    /// A part of the data that cannot be read (a bad page, a truncated CPU) is skipped as
    /// the report skips it; the errors are returned.
    ///
    /// - Throws: ``EventQueryError`` before the first event (unreadable formats, a bad
    ///   filter, an unknown event name), or what `body` throws (which ends the iteration).
    @discardableResult
    public func forEachEvent(_ selection: EventSelection = .init(),
                             _ body: (borrowing EventView) throws -> Void) throws -> [TraceFileError] {
        let cursor = try EventCursor(session: self, selection: selection)
        // One view for the whole iteration: it reads the cursor's current record.
        let view = EventView(cursor: cursor)
        while cursor.advance() {
            try body(view)
        }
        return cursor.errors
    }

    /// The selected events as owned values, in timeline order (see ``EventSequence``).
    ///
    /// - Throws: ``EventQueryError`` when the selection cannot be read (checked now: the
    ///   formats are read and the filter parsed here).
    public func events(_ selection: EventSelection = .init()) throws(EventQueryError) -> EventSequence {
        EventSequence(session: self, selection: selection, cursor: try EventCursor(session: self, selection: selection))
    }

    /// All events, as an `AsyncSequence` of owned values.
    public var asyncEvents: AsyncEventSequence { asyncEvents(.init()) }

    /// The selected events, as an `AsyncSequence` of owned values (see ``AsyncEventSequence``).
    public func asyncEvents(_ selection: EventSelection) -> AsyncEventSequence {
        AsyncEventSequence(session: self, selection: selection)
    }

    /// The guest and VCPU whose VCPU thread is host task `hostPID`, from the host's GUEST
    /// options (as `tracecmd_map_find_by_host_pid`): `guest` is the file index of that
    /// guest's trace in the session, `nil` when the session has no file for it.
    public func guestVCPU(hostPID: Int32) -> (guest: Int?, vcpu: Int)? {
        guard hostPID != -1 else { return nil }
        for link in guests {
            if let vcpu = link.guest.hostPIDs.firstIndex(of: hostPID) { return (link.fileIndex, vcpu) }
        }
        return nil
    }

    /// The host PID of the task running VCPU `vcpu` of the guest whose trace is file `peer`,
    /// when the host's GUEST option knows it.
    public func hostPID(peer: Int, vcpu: Int) -> Int32? {
        guard peers.indices.contains(peer) else { return nil }
        return peers[peer].hostPID(vcpu: vcpu)
    }
}
