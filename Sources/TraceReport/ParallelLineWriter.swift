@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
import Dispatch

/// Formats report lines on worker threads and hands their text to the sink in record order.
///
/// The reading thread settles everything that depends on record order (merging, filters,
/// the comm shown for each pid, the comms that the sched plugin registers) and appends each
/// line's input to a batch: the payload and comm bytes are copied into the batch's arena, so
/// nothing refers to ring-buffer pages once the batch is handed over. Each full batch becomes a
/// task on the global queue, which formats it with whichever formatting context is free; each
/// context owns copies of the event printers (their caches are not shared) and formats with
/// ``TraceReport/writeLine``. The reading thread writes finished batches in submission order,
/// so the output is byte for byte the serial one.
///
/// Lines of events whose text depends on earlier records (``EventPrinter/isStateless(eventAt:)``
/// is false) are formatted by the reading thread in order and travel in the batch as text.
///
/// Memory: at most `2 × contexts + 1` batches exist, each holding about
/// ``batchRecords`` records (or ``batchArenaBytes`` bytes of payload) and their text.
struct ParallelLineWriter {
    /// Records per batch (by default).
    static let defaultBatchRecords = 4096
    /// Records per batch.
    let batchRecords: Int
    /// Payload bytes per batch before it is handed over early.
    static let batchArenaBytes = 1 << 19

    /// One batch of lines: their inputs, then their text.
    ///
    /// `@unchecked Sendable`: one thread at a time owns a batch (see below); the hand-overs
    /// (the queue, then ``done``) order its writes before the next owner's reads.
    final class Batch: @unchecked Sendable {
        struct Entry {
            /// Payload (or, for preformatted lines, text) location in ``arena`` (``text``).
            var start: Int32
            var count: Int32
            var commStart: Int32
            var commCount: Int32
            var handle: Int32
            var cpu: Int32
            /// The event's index in the printer, -1 when unknown, -2 for a preformatted line.
            var eventIndex: Int32
            var timestamp: UInt64
            var missed: Int64
        }

        // One thread at a time owns a batch (the reading thread, then a worker, then the
        // reading thread again, handed over through the queue and the semaphore): no dynamic
        // exclusivity checks per record.
        @exclusivity(unchecked) var arena: UnsafeMutableRawPointer
        @exclusivity(unchecked) var arenaCapacity: Int
        @exclusivity(unchecked) var arenaUsed = 0
        @exclusivity(unchecked) var entries: UnsafeMutablePointer<Entry>
        @exclusivity(unchecked) var entryCount = 0
        @exclusivity(unchecked) var entryCapacity: Int
        /// Lines formatted by the reading thread.
        @exclusivity(unchecked) var text = TextBuffer(capacity: 1 << 12)
        /// The batch's output, written by a worker.
        @exclusivity(unchecked) var out = TextBuffer(capacity: 1 << 19)
        let done = DispatchSemaphore(value: 0)

        init(records: Int) {
            arenaCapacity = ParallelLineWriter.batchArenaBytes + (1 << 16)
            arena = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: 16)
            entryCapacity = max(records, 16)
            entries = .allocate(capacity: entryCapacity)
        }

        deinit {
            arena.deallocate()
            entries.deallocate() // plain values
        }

        func reset() {
            arenaUsed = 0
            entryCount = 0
            text.removeAll()
            out.removeAll()
        }

        @inline(__always)
        func add(_ e: Entry) {
            if entryCount == entryCapacity {
                let bigger = UnsafeMutablePointer<Entry>.allocate(capacity: entryCapacity * 2)
                bigger.update(from: entries, count: entryCount)
                entries.deallocate()
                entries = bigger
                entryCapacity *= 2
            }
            (entries + entryCount).initialize(to: e)
            entryCount += 1
        }

        /// Copies `bytes` into the arena (8-byte aligned) and returns where they went.
        @inline(__always)
        func store(_ bytes: UnsafeRawBufferPointer) -> Int32 {
            let n = bytes.count
            let at = arenaUsed
            if at + n > arenaCapacity { grow(at + n) }
            if n > 0, let src = bytes.baseAddress { (arena + at).copyMemory(from: src, byteCount: n) }
            arenaUsed = (at + n + 7) & ~7
            return Int32(at)
        }

        private func grow(_ needed: Int) {
            let capacity = max(needed, arenaCapacity * 2)
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            bigger.copyMemory(from: arena, byteCount: arenaUsed)
            arena.deallocate()
            arena = bigger
            arenaCapacity = capacity
        }
    }

    /// A formatting context: its own printers, used by one thread at a time.
    ///
    /// Not `Sendable`: its printers (``EventPrinter/init(workerCopyOf:)`` copies, made for
    /// this context alone) cache per thread and are not safe to share. A context crosses
    /// threads at one point only, ``ContextPool``: a task takes it under the pool's lock,
    /// formats one batch, and puts it back; nothing else touches it after ``init``.
    final class Worker {
        let format: ReportLine.LineFormat
        /// Per handle, read per record without reference counting: the printer (kept alive
        /// by `printers`), the line style, and the label column's text.
        let printers: [EventPrinter]
        private let printerRefs: UnsafeMutablePointer<Unmanaged<EventPrinter>>
        private let styles: UnsafeMutablePointer<ReportLine.LineStyle>
        private let labelText: UnsafeMutableRawBufferPointer
        private let labelRanges: UnsafeMutablePointer<Range<Int>>
        let showLabels: Bool

        init(index: Int, format: ReportLine.LineFormat, printers: [EventPrinter], styles: [ReportLine.LineStyle],
             labels: [[UInt8]], showLabels: Bool, labelWidth: Int) {
            self.format = format
            self.printers = printers
            let n = max(printers.count, 1)
            printerRefs = .allocate(capacity: n)
            for (i, p) in printers.enumerated() { (printerRefs + i).initialize(to: .passUnretained(p)) }
            self.styles = .allocate(capacity: n)
            for (i, st) in styles.enumerated() { (self.styles + i).initialize(to: st) }
            // The label column of each handle, as the report writes it.
            var text = TextBuffer(capacity: 256)
            labelRanges = .allocate(capacity: max(labels.count, 1))
            for (i, l) in labels.enumerated() {
                let start = text.count
                ReportLine.appendLabel(l, width: labelWidth, into: &text)
                (labelRanges + i).initialize(to: start..<text.count)
            }
            let pool = UnsafeMutableRawBufferPointer.allocate(byteCount: max(text.count, 1), alignment: 1)
            text.withUnsafeBytes { pool.copyMemory(from: $0) }
            labelText = pool
            self.showLabels = showLabels
        }

        deinit {
            printerRefs.deallocate()
            styles.deallocate()
            labelRanges.deallocate()
            labelText.deallocate()
        }

        func format(_ b: Batch) {
            var out = b.out
            b.out = TextBuffer(capacity: 0)
            out.removeAll()
            var lastTS: UInt64 = 0
            let arena = UnsafeRawPointer(b.arena)
            let labels = UnsafeRawBufferPointer(labelText)
            let format = self.format
            b.text.withUnsafeBytes { text in
                do {
                    for e in UnsafeBufferPointer(start: b.entries, count: b.entryCount) {
                        if e.eventIndex == -2 {
                            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[Int(e.start)..<Int(e.start + e.count)]))
                            continue
                        }
                        let hi = Int(e.handle)
                        if showLabels { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: labels[labelRanges[hi]])) }
                        let payload = UnsafeRawBufferPointer(start: arena + Int(e.start), count: Int(e.count))
                        let comm = UnsafeBufferPointer(start: (arena + Int(e.commStart)).assumingMemoryBound(to: UInt8.self),
                                                       count: Int(e.commCount))
                        let style = styles[hi]
                        printerRefs[hi]._withUnsafeGuaranteedRef { printer in
                            ReportLine.writeLine(payload: payload, pageRest: nil, cpu: Int(e.cpu), timestamp: e.timestamp,
                                                  missed: e.missed, comm: comm, style: style, format: format,
                                                  printer: printer, eventIndex: e.eventIndex >= 0 ? Int(e.eventIndex) : nil,
                                                  lastTS: &lastTS, into: &out)
                        }
                    }
                }
            }
            b.out = out
        }
    }

    /// The formatting contexts (kept alive here; tasks refer to them unretained).
    private let workers: [Worker]
    private let pool: ContextPool
    /// Tasks in flight (``finish(sink:)`` waits for all of them).
    private let tasks = DispatchGroup()
    private var current: Batch
    /// ``current``, read per record without reference counting.
    private var currentRef: Unmanaged<Batch>
    private var free: [Batch] = []
    /// Submitted batches, oldest first.
    private var inflight: [Batch] = []
    private var inflightHead = 0
    private var submitted = 0

    /// A writer for `report`'s `handles` (their printers are copied once per worker).
    init(report: TraceReport, handles: [TraceReport.Handle], showLabels: Bool, labelWidth: Int, workers count: Int,
         batchRecords: Int = ParallelLineWriter.defaultBatchRecords) {
        self.batchRecords = max(1, batchRecords)
        var ws: [Worker] = []
        for w in 0..<max(1, count) {
            var copies: [ObjectIdentifier: EventPrinter] = [:]
            let printers = handles.map { h -> EventPrinter in
                let key = ObjectIdentifier(h.printer)
                if let p = copies[key] { return p }
                let p = EventPrinter(workerCopyOf: h.printer)
                copies[key] = p
                return p
            }
            ws.append(Worker(index: w, format: report.lineFormat, printers: printers, styles: handles.map(\.style),
                             labels: handles.map(\.label), showLabels: showLabels, labelWidth: labelWidth))
        }
        workers = ws
        pool = ContextPool(ws)
        current = Batch(records: self.batchRecords)
        currentRef = .passUnretained(current)
    }

    /// Adds a line for a worker to format.
    @inline(__always)
    mutating func append(handle: Int, payload: UnsafeRawBufferPointer, comm: [UInt8], cpu: Int, timestamp: UInt64,
                         missed: Int64, eventIndex: Int, sink: (UnsafeRawBufferPointer) -> Void) {
        let full = currentRef._withUnsafeGuaranteedRef { b in
            let start = b.store(payload)
            let commStart = comm.withUnsafeBytes { b.store($0) }
            b.add(Batch.Entry(start: start, count: Int32(payload.count), commStart: commStart,
                              commCount: Int32(comm.count), handle: Int32(handle),
                              cpu: Int32(truncatingIfNeeded: cpu), eventIndex: Int32(eventIndex),
                              timestamp: timestamp, missed: missed))
            return b.entryCount >= batchRecords || b.arenaUsed >= Self.batchArenaBytes
        }
        if full { submit(sink: sink) }
    }

    /// Adds a line formatted here, now, by `body`.
    mutating func appendFormatted(sink: (UnsafeRawBufferPointer) -> Void, _ body: (inout TextBuffer) -> Void) {
        let b = current
        var text = b.text
        b.text = TextBuffer(capacity: 0)
        let start = text.count
        body(&text)
        let count = text.count - start
        b.text = text
        b.add(Batch.Entry(start: Int32(start), count: Int32(count), commStart: 0, commCount: 0, handle: 0,
                          cpu: 0, eventIndex: -2, timestamp: 0, missed: 0))
        if b.entryCount >= batchRecords || b.text.count >= Self.batchArenaBytes { submit(sink: sink) }
    }

    private mutating func submit(sink: (UnsafeRawBufferPointer) -> Void) {
        let b = current
        submitted += 1
        // Any free context formats the batch: a context that waits (descheduled, or on a slow
        // batch) does not hold up the others. The task holds no strong references: the batch
        // stays alive in `inflight`, the contexts in `workers`, until the task is done.
        let batch = Unmanaged.passUnretained(b)
        let pool = self.pool, tasks = self.tasks
        tasks.enter()
        DispatchQueue.global().async {
            let w = pool.take()
            batch._withUnsafeGuaranteedRef { b in
                w._withUnsafeGuaranteedRef { $0.format(b) }
                pool.put(w)
                b.done.signal()
            }
            tasks.leave()
        }
        inflight.append(b)
        // Keep every worker busy with up to two batches, and no more.
        while inflight.count - inflightHead > 2 * workers.count { writeOldest(sink: sink) }
        current = free.popLast() ?? Batch(records: batchRecords)
        currentRef = .passUnretained(current)
    }

    private mutating func writeOldest(sink: (UnsafeRawBufferPointer) -> Void) {
        let b = inflight[inflightHead]
        inflightHead += 1
        if inflightHead > 64 {
            inflight.removeFirst(inflightHead)
            inflightHead = 0
        }
        b.done.wait()
        b.out.withUnsafeBytes { sink($0) }
        b.reset()
        free.append(b)
    }

    /// Formats what is left and writes everything, in order.
    mutating func finish(sink: (UnsafeRawBufferPointer) -> Void) {
        if current.entryCount > 0 { submit(sink: sink) }
        while inflightHead < inflight.count { writeOldest(sink: sink) }
        // Every task has finished with its context: nothing runs once the report returns.
        tasks.wait()
    }

    /// The formatting contexts not in use. A task takes one (waiting while all are busy) and
    /// puts it back.
    ///
    /// `@unchecked Sendable`: the single hand-over point of the (non-`Sendable`) contexts.
    /// `free` is guarded by `lock`; a context taken out belongs to the taking task until it
    /// is put back, so no two threads use one at a time.
    final class ContextPool: @unchecked Sendable {
        private let lock = Lock()
        /// Signalled when a context is put back.
        private let available = Lock.Condition()
        private var free: [Unmanaged<Worker>]

        init(_ workers: [Worker]) {
            free = workers.map { .passUnretained($0) }
        }

        func take() -> Unmanaged<Worker> {
            lock.lock()
            while free.isEmpty { available.wait(lock) }
            let w = free.removeLast()
            lock.unlock()
            return w
        }

        func put(_ w: Unmanaged<Worker>) {
            lock.withLock { free.append(w) }
            available.signal()
        }
    }
}
