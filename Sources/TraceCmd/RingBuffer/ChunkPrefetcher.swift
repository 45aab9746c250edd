@_spi(Engine) import TraceEvent

/// Decompresses the chunks of one CPU's compressed data ahead of its reader, on a background
/// thread, while the reader decodes the chunk before.
///
/// The reader asks for chunk after chunk with ``acquireBytes(_:)``. Each time, the next
/// ``depth`` − 1 chunks are queued for the background thread (one thread for the whole
/// process, shared by every prefetcher, first come first served). A chunk the thread has not
/// started yet when the reader needs it is taken back and decompressed by the reader itself,
/// so the reader never waits for a thread that is busy elsewhere; it only waits for a chunk
/// already being decompressed.
///
/// The bytes returned by ``acquireBytes(_:)`` stay valid (and are not reused) until the next
/// acquire. Memory: ``depth`` buffers (``ByteStorage``) of one chunk each.
///
/// `@unchecked Sendable`: its jobs go to the background thread. The slots are only read or
/// written with the service's lock held (a running slot's buffer belongs to the thread that
/// marked it running); ``current`` and the reader's context are the reader thread's only;
/// the rest is immutable.
final class ChunkPrefetcher: @unchecked Sendable {
    /// Chunks in memory at once: the one being read and the ones decompressed ahead.
    static let depth = 3

    enum SlotState { case empty, queued, running, ready, failed }

    /// A chunk buffer. Guarded by ``Service/lock``.
    struct Slot {
        var chunk = -1
        var state = SlotState.empty
        var buffer: ByteStorage?
    }

    private let mapped: MappedFile
    private let chunks: [CPUPageSource.Chunk]
    private let decompressor: Decompressor
    /// The reader's own decompression state (the background thread has its own).
    private let readerContext: DecompressionContext
    /// Guarded by ``Service/lock``.
    private var slots: [Slot] = Array(repeating: Slot(), count: ChunkPrefetcher.depth)
    /// The slot whose buffer the reader holds (reader thread only).
    private var current = -1

    init(mapped: MappedFile, chunks: [CPUPageSource.Chunk], decompressor: Decompressor) {
        self.mapped = mapped
        self.chunks = chunks
        self.decompressor = decompressor
        readerContext = DecompressionContext(decompressor)
    }

    /// Stops queued work for this reader (its source is going away).
    func cancel() {
        let service = Service.shared
        service.lock()
        for i in slots.indices where slots[i].state == .queued { slots[i].state = .empty }
        service.unlock()
    }

    /// The decompressed bytes of chunk `index` (exactly its uncompressed size), or `nil` when
    /// it does not decompress to its declared size.
    func acquireBytes(_ index: Int) -> RawBytes? {
        let service = Service.shared
        let size = chunks[index].uncompressedSize
        service.lock()
        var slot = slots.firstIndex { $0.chunk == index && $0.state != .empty }
        if let s = slot {
            while slots[s].state == .running { service.waitDone() }
            switch slots[s].state {
            case .ready:
                break
            case .queued:
                // Not started: do it here rather than wait for the thread.
                decompressHere(s, index)
            case .failed, .empty, .running:
                slot = nil
            }
        }
        if slot == nil {
            // Not prefetched (the first chunk, a seek, or a failure to retry here).
            var free = freeSlot(avoiding: index)
            while free == nil && slots.contains(where: { $0.state == .running }) {
                // Every other buffer is being filled with chunks no longer wanted.
                service.waitDone()
                free = freeSlot(avoiding: index)
            }
            guard let s = free else {
                service.unlock()
                return nil
            }
            ensureCapacity(s, size)
            slots[s].chunk = index
            decompressHere(s, index)
            slot = s
        }
        guard let s = slot, slots[s].state == .ready, let buf = slots[s].buffer else {
            if let s = slot { slots[s].state = .empty }
            service.unlock()
            return nil
        }
        current = s
        // Queue the next chunks into the other slots.
        var queued = 0
        var next = index + 1
        while next < chunks.count && next <= index + Self.depth - 1 {
            if !slots.contains(where: { $0.chunk == next && $0.state != .empty && $0.state != .failed }) {
                guard let f = freeSlot(avoiding: index) else { break }
                ensureCapacity(f, chunks[next].uncompressedSize)
                slots[f].chunk = next
                slots[f].state = .queued
                service.enqueue(self, slot: f)
                queued += 1
            }
            next += 1
        }
        service.unlock()
        if queued > 0 { service.signalWork() }
        return buf.view(count: size)
    }

    /// Decompresses chunk `index` into slot `s` on the reader's thread. Called with the lock
    /// held; releases it while decompressing (the slot is marked running meanwhile).
    private func decompressHere(_ s: Int, _ index: Int) {
        let service = Service.shared
        slots[s].state = .running
        let buffer = slots[s].buffer
        service.unlock()
        let ok = decompress(index, into: buffer, context: readerContext)
        service.lock()
        slots[s].state = ok ? .ready : .failed
    }

    /// A slot that may be (re)filled: not the reader's, not being decompressed, and not
    /// holding a chunk in `index ..< index + depth` that is still wanted. Lock held.
    private func freeSlot(avoiding index: Int) -> Int? {
        var best: Int?
        for i in slots.indices where i != current && slots[i].state != .running {
            let c = slots[i].chunk
            let wanted = c > index && c < index + Self.depth && (slots[i].state == .ready || slots[i].state == .queued)
            if !wanted { best = i; break }
        }
        if best == nil, current >= 0, slots[current].state != .running, slots[current].chunk != index {
            // The reader has moved on from its last chunk: its buffer is free again.
            let ahead = slots[current].chunk > index && slots[current].chunk < index + Self.depth
            if !ahead { best = current }
        }
        return best
    }

    /// Lock held; the slot is not running.
    private func ensureCapacity(_ s: Int, _ size: Int) {
        if let b = slots[s].buffer {
            b.reserve(size)
        } else {
            slots[s].buffer = ByteStorage(capacity: size)
        }
    }

    /// Decompresses chunk `index` into `buffer` (no lock held; the slot is ours while running).
    private func decompress(_ index: Int, into buffer: ByteStorage?,
                            context: DecompressionContext) -> Bool {
        guard let buffer else { return false }
        let ch = chunks[index]
        guard ch.offset >= 0, ch.compressedSize >= 0, ch.uncompressedSize >= 0,
              ch.uncompressedSize <= buffer.capacity,
              let src = mapped.view.slice(ch.offset..<(ch.offset + ch.compressedSize)) else { return false }
        return context.decompress(decompressor, src, into: buffer, count: ch.uncompressedSize) == ch.uncompressedSize
    }

    /// Runs a queued job on the background thread.
    fileprivate func run(slot s: Int, context: (Decompressor) -> DecompressionContext) {
        let service = Service.shared
        service.lock()
        guard slots[s].state == .queued else {
            service.unlock()
            return
        }
        slots[s].state = .running
        let index = slots[s].chunk
        let buffer = slots[s].buffer
        service.unlock()
        let ok = decompress(index, into: buffer, context: context(decompressor))
        service.lock()
        slots[s].state = ok ? .ready : .failed
        service.unlock()
        service.broadcastDone()
    }

    /// The background thread and its queue; one lock guards the queue and every slot.
    ///
    /// `@unchecked Sendable`: the queue and `started` are guarded by ``mutex``; the
    /// decompression contexts are the background thread's only.
    final class Service: @unchecked Sendable {
        static let shared = Service()

        private let mutex = Lock()
        /// Signalled when a job is queued.
        private let work = Lock.Condition()
        /// Broadcast when a job is finished.
        private let done = Lock.Condition()
        /// Jobs, oldest first from `head` (guarded by the lock); a job taken is set to `nil`,
        /// so that its prefetcher is released once the job has run.
        private var jobs: [(prefetcher: ChunkPrefetcher, slot: Int)?] = []
        private var head = 0
        private var started = false
        /// The thread's decompression contexts (thread only).
        private var zstdContext: DecompressionContext?
        private var zlibContext: DecompressionContext?

        private init() {}

        func lock() { mutex.lock() }
        func unlock() { mutex.unlock() }
        /// Lock held: waits until some job finishes.
        func waitDone() { done.wait(mutex) }
        func broadcastDone() { done.broadcast() }
        func signalWork() { work.signal() }

        /// Lock held. `job` is kept until it has run.
        func enqueue(_ job: ChunkPrefetcher, slot: Int) {
            jobs.append((job, slot))
            if !started {
                started = true
                startThread()
            }
        }

        private func startThread() {
            // A batch thread: woken for a chunk, it does not preempt the reader that woke it
            // (which would then wait for the CPU it just handed work to).
            if !LibC.startDetachedThread(batch: true, { ChunkPrefetcher.Service.shared.loop() }) {
                // No thread: queued chunks are decompressed by their readers when needed.
                started = false
            }
        }

        private func context(for d: Decompressor) -> DecompressionContext {
            switch d.algorithm {
            case .zstd:
                if let c = zstdContext { return c }
                let c = DecompressionContext(d)
                zstdContext = c
                return c
            case .zlib:
                if let c = zlibContext { return c }
                let c = DecompressionContext(d)
                zlibContext = c
                return c
            }
        }

        /// Runs jobs as they come, for the life of the process.
        private func loop() {
            while true {
                lock()
                while head == jobs.count {
                    if head > 0 {
                        jobs.removeAll(keepingCapacity: true)
                        head = 0
                    }
                    work.wait(mutex)
                }
                let job = jobs[head]
                jobs[head] = nil
                head += 1
                unlock()
                if let job { job.prefetcher.run(slot: job.slot) { self.context(for: $0) } }
            }
        }
    }
}
