@_spi(Engine) import TraceEvent
/// The events of a session as owned ``Event`` values, in timeline order (see
/// ``TraceSession/events(_:)``).
///
/// Each iteration reads the session anew. A part of the data that cannot be read (a bad
/// page, a truncated CPU) is skipped as `trace-cmd report` skips it: the iteration goes on
/// with the rest and the error is added to ``errors``.
public struct EventSequence: Sequence {
    /// The session read.
    public let session: TraceSession
    /// What is read.
    public let selection: EventSelection
    let log = EventErrorLog()
    /// Newest first (``TraceSession/eventsReversed(_:)``).
    let reversed: Bool
    /// The cursor made (and checked) by ``TraceSession/events(_:)``, for the first iteration.
    let first: FirstCursor

    final class FirstCursor {
        var cursor: EventCursor?
        init(_ c: EventCursor) { cursor = c }
    }

    init(session: TraceSession, selection: EventSelection, cursor: EventCursor, reversed: Bool = false) {
        self.session = session
        self.reversed = reversed
        self.selection = selection
        first = FirstCursor(cursor)
    }

    /// The read errors skipped by the latest iteration so far, in the order met.
    public var errors: [TraceFileError] { log.all }

    /// Starts an iteration (and clears ``errors``). Every iterator starts at the first event
    /// (the newest for a reversed sequence): there is no read position to reset, as
    /// `tracecmd_iterate_reset` resets a handle's.
    public func makeIterator() -> Iterator {
        log.reset()
        if let c = first.cursor {
            first.cursor = nil
            return Iterator(cursor: c, log: log)
        }
        do {
            return Iterator(cursor: try EventCursor(session: session, selection: selection, reversed: reversed), log: log)
        } catch {
            if case .file(let e) = error { log.append(contentsOf: [e]) }
            return Iterator(cursor: nil, log: log)
        }
    }

    /// Reads the events one by one.
    public struct Iterator: IteratorProtocol {
        let cursor: EventCursor?
        let log: EventErrorLog
        var reported = 0

        init(cursor: EventCursor?, log: EventErrorLog) {
            self.cursor = cursor
            self.log = log
        }

        /// The next event, or `nil` at the end.
        public mutating func next() -> Event? {
            guard let cursor else { return nil }
            let more = cursor.advance()
            log.collect(from: cursor, reported: &reported)
            guard more else { return nil }
            return EventView(cursor: cursor).owned()
        }
    }
}
