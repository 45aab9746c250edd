@_spi(Engine) import TraceEvent
import Synchronization

/// The read errors an event sequence skipped (shared by a sequence and its iterators).
final class EventErrorLog: Sendable {
    private let errors = Mutex<[TraceFileError]>([])

    var all: [TraceFileError] { errors.withLock { $0 } }

    func reset() { errors.withLock { $0.removeAll() } }

    func append(contentsOf e: some Sequence<TraceFileError>) { errors.withLock { $0.append(contentsOf: e) } }

    /// Moves the errors `cursor` met since `reported` into the log.
    func collect(from cursor: EventCursor, reported: inout Int) {
        guard cursor.errors.count > reported else { return }
        append(contentsOf: cursor.errors[reported...])
        reported = cursor.errors.count
    }
}
