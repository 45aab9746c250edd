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

        /// What a batch's owner reads and writes per line.
        struct State {
            /// The number of lines (entries in ``lines``).
            var count = 0
            /// Lines formatted by the reading thread.
            var text = TextBuffer(capacity: 1 << 12)
            /// The batch's output, written by a worker.
            var out = TextBuffer(capacity: 1 << 19)
        }

        /// The payload and comm bytes of the lines.
        let arena: ByteArena
        /// The lines' entries, one after the other (``entryStride`` bytes each).
        let lines: ByteArena
        static let entryStride = (MemoryLayout<Entry>.size + 7) & ~7
        // One thread at a time owns a batch (the reading thread, then a worker, then the
        // reading thread again, handed over through the queue and the semaphore): its state
        // is read and written per line without dynamic exclusivity checks. The cell is private
        // to the batch: no access below calls anything that can reach it again.
        private let state = UncheckedCell(State())
        let done = DispatchSemaphore(value: 0)

        /// Its slot in the writer's table of batches.
        let slot: Int

        init(records: Int, slot: Int) {
            self.slot = slot
            arena = ByteArena(capacity: ParallelLineWriter.batchArenaBytes + (1 << 16))
            lines = ByteArena(capacity: max(records, 16) * Self.entryStride)
        }

        var entryCount: Int { state.value.count }

        /// The bytes of the lines formatted by the reading thread.
        var textCount: Int { state.value.text.count }

        func reset() {
            arena.reset()
            lines.reset()
            state.value.count = 0
            state.value.text.removeAll()
            state.value.out.removeAll()
        }

        /// Adds a line formatted now by `body` (into the batch's text); returns the number of
        /// lines.
        @inline(__always)
        func appendFormatted(_ body: (inout TextBuffer) -> Void) -> Int {
            let start = state.value.text.count
            // In place: `body` cannot reach this batch's (private) state.
            body(&state.value.text)
            let count = state.value.text.count - start
            _ = lines.append(Entry(start: Int32(start), count: Int32(count), commStart: 0, commCount: 0,
                                   handle: 0, cpu: 0, eventIndex: -2, timestamp: 0, missed: 0))
            state.value.count += 1
            return state.value.count
        }

        /// Adds a line for a worker to format (its payload and comm copied into the arena);
        /// returns whether the batch is full.
        @inline(__always)
        func appendLine(handle: Int, payload: RawBytes, comm: [UInt8], cpu: Int, timestamp: UInt64, missed: Int64,
                        eventIndex: Int, records: Int) -> Bool {
            let (start, commStart) = arena.store(payload: payload, comm: comm)
            // Offsets below the arena's size (a batch ends before it reaches 2^19 bytes, with
            // records of at most a page), small counts and indices: none is cut.
            _ = lines.append(Entry(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: payload.count),
                                   commStart: Int32(truncatingIfNeeded: commStart),
                                   commCount: Int32(truncatingIfNeeded: comm.count),
                                   handle: Int32(truncatingIfNeeded: handle), cpu: Int32(truncatingIfNeeded: cpu),
                                   eventIndex: Int32(truncatingIfNeeded: eventIndex), timestamp: timestamp, missed: missed))
            let count = state.value.count &+ 1
            state.value.count = count
            return count >= records || arena.used >= ParallelLineWriter.batchArenaBytes
        }

        /// The lines formatted by the reading thread.
        var text: TextBuffer { state.value.text }

        /// Takes the batch's output buffer out, emptied (``putOutput(_:)`` gives it back).
        func takeOutput() -> TextBuffer {
            var out = state.value.out
            state.value.out = TextBuffer(capacity: 0)
            out.removeAll()
            return out
        }

        /// Stores the batch's formatted output.
        func putOutput(_ out: TextBuffer) {
            state.value.out = out
        }

        /// Calls `body` with the batch's output.
        func withOutput(_ body: (RawSpan) -> Void) {
            let out = state.value.out
            out.withBytes { body($0) }
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
        /// What formatting a line of one handle needs.
        final class Handle {
            let printer: EventPrinter
            let style: ReportLine.LineStyle
            /// Where its label column's text is in ``labelText``.
            let label: Range<Int>

            init(printer: EventPrinter, style: ReportLine.LineStyle, label: Range<Int>) {
                self.printer = printer
                self.style = style
                self.label = label
            }
        }

        /// Per handle, read per line without reference counting.
        private let handles: ObjectTable<Handle>
        private let labelText: [UInt8]
        let showLabels: Bool

        init(index: Int, format: ReportLine.LineFormat, printers: [EventPrinter], styles: [ReportLine.LineStyle],
             labels: [[UInt8]], showLabels: Bool, labelWidth: Int) {
            self.format = format
            // The label column of each handle, as the report writes it.
            var text = TextBuffer(capacity: 256)
            var hs: [Handle] = []
            for (i, p) in printers.enumerated() {
                let start = text.count
                ReportLine.appendLabel(labels[i], width: labelWidth, into: &text)
                hs.append(Handle(printer: p, style: styles[i], label: start..<text.count))
            }
            labelText = text.bytes
            handles = ObjectTable(hs)
            self.showLabels = showLabels
        }

        func format(_ b: Batch) {
            b.putOutput(formatted(b))
        }

        /// The text of `b`'s lines (the batch's copy of its text is released on return, before
        /// the output goes back).
        private func formatted(_ b: Batch) -> TextBuffer {
            let text = b.text
            // The only reference to its storage (appends to a shared one would copy it).
            var out = b.takeOutput()
            var lastTS: UInt64 = 0
            let arena = b.arena
            let format = self.format
            text.withBytes { text in
                b.lines.forEach(Batch.Entry.self) { e in
                    if e.eventIndex == -2 {
                        out.append(contentsOf: text.extracting(Int(e.start)..<Int(e.start + e.count)))
                        return
                    }
                    let hi = Int(e.handle)
                    let payload = arena.bytes(at: e.start, count: e.count)
                    let comm = arena.bytes(at: e.commStart, count: e.commCount)
                    // Every slot is set (the table is made from the handles themselves).
                    _ = handles.with(hi) { h in
                        if showLabels {
                            labelText.withRawSpan { out.append(contentsOf: $0.extracting(h.label)) }
                        }
                        ReportLine.writeLine(payload: payload, pageRest: nil, cpu: Int(e.cpu), timestamp: e.timestamp,
                                             missed: e.missed, comm: comm, style: h.style, format: format,
                                             printer: h.printer, eventIndex: e.eventIndex >= 0 ? Int(e.eventIndex) : nil,
                                             lastTS: &lastTS, into: &out)
                    }
                }
            }
            return out
        }
    }

    /// The formatting contexts.
    private let workers: [Worker]
    private let pool: ContextPool
    /// Tasks in flight (``finish(sink:)`` waits for all of them).
    private let tasks = DispatchGroup()
    private var current: Batch
    /// Every batch made (in the slot it holds), read per line without reference counting.
    private let batches: ObjectTable<Batch>
    private var batchCount = 1
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
        current = Batch(records: self.batchRecords, slot: 0)
        // At most 2 × contexts batches in flight and the current one.
        batches = ObjectTable(count: 2 * ws.count + 2)
        batches.set(0, current)
    }

    /// Adds a line for a worker to format.
    @inline(__always)
    mutating func append(handle: Int, payload: RawBytes, comm: [UInt8], cpu: Int, timestamp: UInt64,
                         missed: Int64, eventIndex: Int, sink: (RawSpan) -> Void) {
        let records = batchRecords
        let full = batches.with(current.slot) { b in
            b.appendLine(handle: handle, payload: payload, comm: comm, cpu: cpu, timestamp: timestamp, missed: missed,
                         eventIndex: eventIndex, records: records)
        } ?? false
        if full { submit(sink: sink) }
    }

    /// Adds a line formatted here, now, by `body`.
    mutating func appendFormatted(sink: (RawSpan) -> Void, _ body: (inout TextBuffer) -> Void) {
        let b = current
        let lines = b.appendFormatted(body)
        if lines >= batchRecords || b.textCount >= Self.batchArenaBytes { submit(sink: sink) }
    }

    private mutating func submit(sink: (RawSpan) -> Void) {
        let b = current
        submitted += 1
        // Any free context formats the batch: a context that waits (descheduled, or on a slow
        // batch) does not hold up the others.
        let pool = self.pool, tasks = self.tasks
        tasks.enter()
        DispatchQueue.global().async {
            // The context is let go before the batch is signalled done: once the report
            // returns, no task still holds a context (nor its printers and files).
            do {
                let w = pool.take()
                w.format(b)
                pool.put(w)
            }
            b.done.signal()
            tasks.leave()
        }
        inflight.append(b)
        // Keep every worker busy with up to two batches, and no more.
        while inflight.count - inflightHead > 2 * workers.count { writeOldest(sink: sink) }
        if let b = free.popLast() {
            current = b
        } else {
            current = Batch(records: batchRecords, slot: batchCount)
            batches.set(batchCount, current)
            batchCount += 1
        }
    }

    private mutating func writeOldest(sink: (RawSpan) -> Void) {
        let b = inflight[inflightHead]
        inflightHead += 1
        if inflightHead > 64 {
            inflight.removeFirst(inflightHead)
            inflightHead = 0
        }
        b.done.wait()
        b.withOutput(sink)
        b.reset()
        free.append(b)
    }

    /// Formats what is left and writes everything, in order.
    mutating func finish(sink: (RawSpan) -> Void) {
        if current.entryCount > 0 { submit(sink: sink) }
        while inflightHead < inflight.count { writeOldest(sink: sink) }
        // Every task has finished with its context: nothing runs once the report returns.
        tasks.wait()
        // A finished task's closure may still be released on its thread after this returns:
        // the pool it holds keeps no context (nor the printers and files they hold) alive.
        pool.removeAll()
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
        private var free: [Worker]

        init(_ workers: [Worker]) {
            free = workers
        }

        func take() -> Worker {
            lock.lock()
            while free.isEmpty { available.wait(lock) }
            let w = free.removeLast()
            lock.unlock()
            return w
        }

        /// Takes every context out of the pool (once no task runs any more).
        func removeAll() {
            lock.withLock { free.removeAll() }
        }

        func put(_ w: Worker) {
            lock.withLock { free.append(w) }
            available.signal()
        }
    }
}
