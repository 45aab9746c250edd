import Dispatch
import Synchronization
@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// Writes the pages of one CPU at a time, on every core: each worker takes every n-th
/// piece, gets its pages (decompressing a chunk of the input when needed), empties pages whose
/// header is impossible, and then either writes them in place (uncompressed output: every
/// offset is known in advance) or compresses them into a chunk that the writing thread then
/// appends in order.
///
/// `@unchecked Sendable`: its properties are constants; the workers' state is split by
/// worker, and the sink's concurrent writes go to disjoint ranges.
final class DataPump: @unchecked Sendable {
    let plan: WritePlan
    let sink: FileSink
    let pageSize: Int
    let compressor: Compressor?
    let workers: [Worker]
    let commitField: RingBufferLayout.Field
    let pageHeaderSize: Int
    /// Pieces compressed per round (the chunks held in memory at once).
    static let batch = 32
    /// Pages per compressed chunk, as the reference writes them.
    static let pagesPerChunk = 10

    /// One worker's scratch memory and codec state. `@unchecked Sendable`: each worker is
    /// used by exactly one thread of a `concurrentPerform` round at a time.
    final class Worker: @unchecked Sendable {
        /// A piece's pages when they are not written as the input holds them.
        let scratch = ScratchBuffer()
        /// A group of pieces written in one call.
        let group = ScratchBuffer()
        let codec: BlockCodec
        var issues: [(Int, TraceFileError)] = []
        /// The `errno` value of this worker's first failed write.
        var ioError: Int32?
        var pages = 0

        init(decompressor: Decompressor?, compressor: Compressor?) {
            codec = BlockCodec(decompressor: decompressor, compressor: compressor)
        }
    }

    /// One slot of the ``Pipeline``: a compressed group and its size (-1: compression failed).
    /// `@unchecked Sendable`: touched by one thread at a time, as the semaphores hand it over.
    final class Slot: @unchecked Sendable {
        let bytes = ScratchBuffer()
        var used = 0
    }

    /// The compressed groups in flight between the workers and the writing thread: `window`
    /// slots, slot `g % window` for group `g`. A worker fills a slot once the writer has
    /// written the group before in it (`free`), then marks it `ready`; the writer takes the
    /// groups in order. `@unchecked Sendable`: a slot is touched by one thread at a time, as
    /// the semaphores hand it over.
    final class Pipeline: @unchecked Sendable {
        let window: Int
        let slots: [Slot]
        let ready: [DispatchSemaphore]
        let free: [DispatchSemaphore]
        let next = Atomic<Int>(0)

        init(window: Int) {
            self.window = window
            slots = (0..<window).map { _ in Slot() }
            ready = (0..<window).map { _ in DispatchSemaphore(value: 0) }
            free = (0..<window).map { _ in DispatchSemaphore(value: 1) }
        }
    }

    init(plan: WritePlan, sink: FileSink, compressor: Compressor?) throws(TraceWriteError) {
        self.plan = plan
        self.sink = sink
        self.compressor = compressor
        pageSize = plan.source.pageSize
        let n = max(1, min(ProcessInfoCores.active, 8))
        workers = (0..<n).map { _ in Worker(decompressor: plan.source.blockDecompressor, compressor: compressor) }
        do {
            let layout = try RingBufferLayout(file: plan.source)
            commitField = layout.commit
            pageHeaderSize = layout.pageHeaderSize
        } catch {
            throw TraceWriteError(file: plan.source.path, context: "header_page", kind: .input(error))
        }
    }

    /// Pages written so far, over all workers.
    var pagesWritten: Int { workers.reduce(0) { $0 + $1.pages } }

    /// Problems met so far, in input order.
    var issues: [TraceFileError] {
        workers.flatMap { $0.issues }.sorted { $0.0 < $1.0 }.map { $0.1 }
    }

    /// The input pages of `piece` as they are, when it is not a compressed chunk.
    func direct(_ piece: Piece) -> RawBytes? {
        switch piece {
        case .mapped(let r): return plan.source.mapped.view.slice(r)
        case .memory(let i, let r): return plan.memory[i].view.slice(r)
        case .chunk: return nil
        }
    }

    /// Puts the pages of `piece` into `range` of `dst` (exactly its size): decompressed, or
    /// copied. A chunk that does not decompress is written as empty pages and reported.
    func fill(_ piece: Piece, into dst: ScratchBuffer, range: Range<Int>, cpu: CPUPlan, pieceIndex: Int, worker w: Worker) {
        switch piece {
        case .mapped, .memory:
            // Ranges planned inside the input; anything short of the piece reads as zeros.
            let n = direct(piece).map { dst.copy($0, to: range.lowerBound) } ?? 0
            if n < range.count { dst.zero((range.lowerBound + n)..<range.upperBound) }
        case .chunk(let c, let index):
            let input = c.offset..<(c.offset + c.compressedSize)
            let n = plan.source.mapped.view.slice(input).flatMap { w.codec.decompress($0, into: dst, range: range) }
            plan.source.mapped.releasePages(input)
            if n != c.uncompressedSize {
                dst.zero(range)
                w.issues.append((c.offset, TraceFileError(
                    file: plan.source.path, context: "\(cpu.context), chunk \(index)", offset: c.offset,
                    kind: .decompressionFailed("\(c.uncompressedSize / pageSize) pages written empty"))))
            }
        }
    }

    /// The file offset of byte `p` of `piece`'s pages, for messages.
    func offset(of piece: Piece, at p: Int) -> Int {
        switch piece {
        case .mapped(let r): return r.lowerBound + p
        case .chunk(let c, _): return c.offset
        case .memory: return p
        }
    }

    /// Indices of the pages of `bytes` whose header is impossible (a commit larger than the
    /// page: the reference would stop there).
    func badPages(_ bytes: RawBytes) -> [Int] {
        let capacity = pageSize - pageHeaderSize
        var bad: [Int] = []
        var p = 0
        while p + pageSize <= bytes.count {
            let commit = bytes.loadUnsigned(at: p + commitField.offset, size: commitField.size,
                                            order: plan.source.byteOrder) ?? 0
            if Int(commit & RingBufferLayout.commitMask) > capacity { bad.append(p / pageSize) }
            p += pageSize
        }
        return bad
    }

    /// Empties (zeroes) the pages `bad` of the pages at `range` of `dst` and reports them.
    func empty(_ bad: [Int], in dst: ScratchBuffer, range: Range<Int>, piece: Piece, cpu: CPUPlan, pieceIndex: Int, worker w: Worker) {
        for k in bad {
            let p = k * pageSize
            let commit = dst.view.loadUnsigned(at: range.lowerBound + p + commitField.offset, size: commitField.size,
                                               order: plan.source.byteOrder) ?? 0
            dst.zero((range.lowerBound + p)..<(range.lowerBound + p + pageSize))
            let at = offset(of: piece, at: p)
            w.issues.append((at, TraceFileError(
                file: plan.source.path, context: "\(cpu.context), page \(pieceIndex * Self.pagesPerChunk + k)", offset: at,
                kind: .invalidValue("page commit \(commit & RingBufferLayout.commitMask) exceeds \(pageSize - pageHeaderSize) bytes; written empty"))))
        }
    }

    /// Fills `range` of `dst` with the pages of `piece` and empties the impossible ones.
    func prepare(_ piece: Piece, into dst: ScratchBuffer, range: Range<Int>, cpu: CPUPlan, pieceIndex: Int, worker w: Worker) {
        fill(piece, into: dst, range: range, cpu: cpu, pieceIndex: pieceIndex, worker: w)
        let bad = dst.view.slice(range).map { badPages($0) } ?? []
        if !bad.isEmpty {
            empty(bad, in: dst, range: range, piece: piece, cpu: cpu, pieceIndex: pieceIndex, worker: w)
        }
    }

    /// The pages of `piece` ready to write: straight from the input when they need no change,
    /// else in the worker's scratch buffer (valid until its next piece).
    func pages(of piece: Piece, in cpu: CPUPlan, pieceIndex: Int, worker w: Worker) -> RawBytes {
        if let d = direct(piece), d.count == piece.byteCount(), badPages(d).isEmpty {
            w.pages += d.count / pageSize
            return d
        }
        let n = piece.byteCount()
        w.scratch.resize(n)
        prepare(piece, into: w.scratch, range: 0..<n, cpu: cpu, pieceIndex: pieceIndex, worker: w)
        w.pages += n / pageSize
        return w.scratch.view
    }

    /// Consecutive pieces handled together by one worker (about ``groupBytes`` of pages).
    static let groupBytes = 1 << 20

    func groups(_ pieces: [Piece]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, bytes = 0
        for (i, p) in pieces.enumerated() {
            if i > start && bytes + p.byteCount() > Self.groupBytes {
                out.append(start..<i)
                start = i
                bytes = 0
            }
            bytes += p.byteCount()
        }
        if start < pieces.count { out.append(start..<pieces.count) }
        return out
    }

    /// The input bytes a group of pieces reads (mapped pages or compressed chunks).
    func inputRange(_ pieces: [Piece], _ range: Range<Int>) -> Range<Int>? {
        func bounds(_ p: Piece) -> Range<Int>? {
            switch p {
            case .mapped(let r): return r
            case .chunk(let c, _): return c.offset..<(c.offset + c.compressedSize)
            case .memory: return nil
            }
        }
        guard let a = bounds(pieces[range.lowerBound]), let b = bounds(pieces[range.upperBound - 1]),
              a.lowerBound <= b.upperBound else { return nil }
        return a.lowerBound..<b.upperBound
    }

    /// The input bytes of a group of pieces, when they are all stretches of the input file.
    func mappedRange(_ pieces: [Piece], _ range: Range<Int>) -> Range<Int>? {
        guard case .mapped(let first) = pieces[range.lowerBound],
              case .mapped(let last) = pieces[range.upperBound - 1] else { return nil }
        return first.lowerBound..<last.upperBound
    }

    /// Writes the pieces of `cpu` uncompressed at `offset`, in parallel: each worker takes a
    /// group of pieces, puts their pages in one buffer (or uses the input's bytes as they are)
    /// and writes them with one call. Returns the size.
    func writeUncompressed(_ cpu: CPUPlan, at offset: Int) throws(TraceWriteError) -> Int {
        var offsets: [Int] = []
        offsets.reserveCapacity(cpu.pieces.count + 1)
        var at = offset
        for p in cpu.pieces { offsets.append(at); at += p.byteCount() }
        offsets.append(at)
        let groups = self.groups(cpu.pieces)
        let n = workers.count
        let workers = self.workers
        let starts = offsets
        DispatchQueue.concurrentPerform(iterations: n) { k in
            let w = workers[k]
            var g = k
            while g < groups.count {
                let range = groups[g]
                let size = starts[range.upperBound] - starts[range.lowerBound]
                // Input pages that are contiguous and need no change go out as they are.
                var direct: RawBytes?
                if case .mapped(let first) = cpu.pieces[range.lowerBound],
                   case .mapped(let last) = cpu.pieces[range.upperBound - 1], last.upperBound - first.lowerBound == size {
                    let r = first.lowerBound..<last.upperBound
                    plan.source.mapped.prefault(r)
                    if let bytes = plan.source.mapped.view.slice(r), badPages(bytes).isEmpty { direct = bytes }
                }
                if let d = direct {
                    if let e = sink.writeConcurrently(d, at: starts[range.lowerBound]), w.ioError == nil { w.ioError = e }
                    w.pages += d.count / pageSize
                } else {
                    let buf = w.group
                    buf.resize(size)
                    for i in range {
                        let lo = starts[i] - starts[range.lowerBound], hi = starts[i + 1] - starts[range.lowerBound]
                        prepare(cpu.pieces[i], into: buf, range: lo..<hi, cpu: cpu, pieceIndex: i, worker: w)
                    }
                    w.pages += size / pageSize
                    if let e = sink.writeConcurrently(buf.view, at: starts[range.lowerBound]), w.ioError == nil { w.ioError = e }
                }
                // The input read for this group leaves the resident set (whole pages only: the
                // pages shared with the next group go with it).
                if let r = inputRange(cpu.pieces, range) { plan.source.mapped.releasePages(r) }
                g += n
            }
        }
        if let e = workers.lazy.compactMap({ $0.ioError }).first {
            throw TraceWriteError(file: sink.path, context: "\(cpu.context): write", kind: .io(LibC.errorText(e)))
        }
        sink.noteWritten(upTo: at)
        return at - offset
    }

    /// Writes the pieces of `cpu` compressed at the sink's position, as a chunk count and
    /// chunks (one per piece), compressed on every core a round of groups at a time and
    /// written in order. Returns the size without the 4-byte count (as the BUFFER option
    /// records it).
    func writeCompressed(_ cpu: CPUPlan) throws(TraceWriteError) -> Int {
        guard let compressor else { return 0 }
        let order = plan.source.byteOrder
        try sink.write(ByteEncoder.encode(order) { $0.u32(cpu.pieces.count) })
        let start = sink.position
        let groups = self.groups(cpu.pieces)
        let pipe = Pipeline(window: 4 * workers.count)
        let little = order == .little
        let done = DispatchGroup()
        for w in workers {
            DispatchQueue.global().async(group: done) {
                while true {
                    let g = pipe.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard g < groups.count else { break }
                    let s = g % pipe.window
                    pipe.free[s].wait()
                    let range = groups[g]
                    var bound = 0
                    for i in range { bound += 8 + compressor.bound(cpu.pieces[i].byteCount()) }
                    let slot = pipe.slots[s]
                    let out = slot.bytes
                    out.resize(bound)
                    var used = 0
                    let mapped = self.mappedRange(cpu.pieces, range)
                    if let r = mapped { self.plan.source.mapped.prefault(r) }
                    for i in range {
                        let bytes = self.pages(of: cpu.pieces[i], in: cpu, pieceIndex: i, worker: w)
                        guard let c = w.codec.compress(bytes, into: out, at: used + 8) else { used = -1; break }
                        for (at, v) in [(used, UInt32(c)), (used + 4, UInt32(bytes.count))] {
                            out.store(little ? v.littleEndian : v.bigEndian, at: at)
                        }
                        used += 8 + c
                    }
                    if let r = self.inputRange(cpu.pieces, range) { self.plan.source.mapped.releasePages(r) }
                    slot.used = used
                    pipe.ready[s].signal()
                }
            }
        }
        // Write the groups in order as they are ready; after a failure keep taking them (the
        // workers wait for their slots) without writing.
        var failure: TraceWriteError?
        for g in groups.indices {
            let s = g % pipe.window
            pipe.ready[s].wait()
            if failure == nil {
                let slot = pipe.slots[s]
                if slot.used < 0 {
                    failure = TraceWriteError(file: sink.path, context: "\(cpu.context), chunks of pieces \(groups[g])",
                                              kind: .io("compression failed"))
                } else {
                    do {
                        try sink.write(slot.bytes.view.clampedSlice(0..<slot.used))
                    } catch {
                        failure = error
                    }
                }
            }
            pipe.free[s].signal()
        }
        done.wait()
        if let failure { throw failure }
        return sink.position - start
    }
}
