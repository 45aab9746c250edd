import Dispatch
import Synchronization

/// Compresses and writes Parquet row groups on one background thread, so that zstd and the
/// file writes run beside the reading and encoding of the next events. At most `depth` row
/// groups are in flight (``submit(_:)`` waits for a free slot), so memory stays bounded. The
/// first error is kept and thrown by the next ``submit(_:)`` or by ``drain()``.
///
/// `@unchecked Sendable`: the work handed over (a writer's encoded pages, its file, the
/// compressor) is only touched by the background thread until ``drain()`` returns, which
/// orders it before what the caller does next.
final class BackgroundPageWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "swift-tracecmd.parquet-writer", qos: .userInitiated)
    private let slots: DispatchSemaphore
    private let failure = Mutex<TableExportError?>(nil)

    init(depth: Int = 4) { slots = DispatchSemaphore(value: max(1, depth)) }

    /// A value handed to the background thread (see the type's note).
    struct Handoff<T>: @unchecked Sendable { let value: T }

    private func check() throws(TableExportError) {
        if let e = failure.withLock({ $0 }) { throw e }
    }

    /// Runs `work` on the background thread once a slot is free.
    func submit(_ work: @escaping () throws(TableExportError) -> Void) throws(TableExportError) {
        try check()
        slots.wait()
        let job = Handoff(value: work)
        queue.async { [self] in
            do throws(TableExportError) { try job.value() } catch { failure.withLock { if $0 == nil { $0 = error } } }
            slots.signal()
        }
    }

    /// Waits until everything submitted is written; throws the first error.
    func drain() throws(TableExportError) {
        queue.sync {}
        try check()
    }
}
