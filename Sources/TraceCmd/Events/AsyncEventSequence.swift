@_spi(Engine) import TraceEvent
/// The events of a session as owned ``Event`` values, for consumers in tasks (see
/// ``TraceSession/asyncEvents(_:)``).
///
/// The session is read when iteration starts, by the iterating task: setting up (formats,
/// the filter) may throw ``EventQueryError`` from the first `next()`. Read errors of the
/// data are skipped as `trace-cmd report` skips them and listed in ``errors``. A cancelled
/// task's iteration ends (`next()` returns `nil`).
public struct AsyncEventSequence: AsyncSequence, Sendable {
    /// Owned events.
    public typealias Element = Event
    /// What the first `next()` may throw (setting up the iteration).
    public typealias Failure = EventQueryError

    /// The session read.
    public let session: TraceSession
    /// What is read.
    public let selection: EventSelection
    let log = EventErrorLog()

    init(session: TraceSession, selection: EventSelection) {
        self.session = session
        self.selection = selection
    }

    /// The read errors skipped by the latest iteration so far, in the order met.
    public var errors: [TraceFileError] { log.all }

    /// Starts an iteration (and clears ``errors``).
    public func makeAsyncIterator() -> AsyncIterator {
        log.reset()
        return AsyncIterator(session: session, selection: selection, log: log)
    }

    /// Reads the events one by one.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let session: TraceSession
        let selection: EventSelection
        let log: EventErrorLog
        var cursor: EventCursor?
        var reported = 0
        var count = 0
        var finished = false

        init(session: TraceSession, selection: EventSelection, log: EventErrorLog) {
            self.session = session
            self.selection = selection
            self.log = log
        }

        /// The next event, `nil` at the end or when the task is cancelled.
        public mutating func next() async throws(EventQueryError) -> Event? {
            guard !finished else { return nil }
            if cursor == nil {
                do throws(EventQueryError) {
                    cursor = try EventCursor(session: session, selection: selection)
                } catch {
                    finished = true
                    throw error
                }
            }
            guard let cursor, !Task.isCancelled else { finished = true; return nil }
            count &+= 1
            if count & 4095 == 0 { await Task.yield() }
            let more = cursor.advance()
            log.collect(from: cursor, reported: &reported)
            guard more else { finished = true; return nil }
            return EventView(cursor: cursor).owned()
        }
    }
}
