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
        var scratch: UnsafeMutableRawBufferPointer = .allocate(byteCount: 0, alignment: 16)
        let dctx: DecompressionContext?
        let cctx: CompressionContext?
        var issues: [(Int, TraceFileError)] = []
        var ioFailed = false
        var pages = 0
        var groupBuffer: UnsafeMutableRawBufferPointer = .allocate(byteCount: 0, alignment: 16)

        init(decompressor: Decompressor?, compressor: Compressor?) {
            dctx = decompressor.map { DecompressionContext($0) }
            cctx = compressor.map { CompressionContext($0) }
        }

        deinit {
            scratch.deallocate()
            groupBuffer.deallocate()
        }

        func group(_ n: Int) -> UnsafeMutableRawBufferPointer {
            if groupBuffer.count < n {
                groupBuffer.deallocate()
                groupBuffer = .allocate(byteCount: n, alignment: 16)
            }
            return UnsafeMutableRawBufferPointer(rebasing: groupBuffer[0..<n])
        }

        func scratch(_ n: Int) -> UnsafeMutableRawBufferPointer {
            if scratch.count < n {
                scratch.deallocate()
                scratch = .allocate(byteCount: n, alignment: 16)
            }
            return UnsafeMutableRawBufferPointer(rebasing: scratch[0..<n])
        }
    }

    /// The compressed groups in flight between the workers and the writing thread: `window`
    /// slots, slot `g % window` for group `g`. A worker fills a slot once the writer has
    /// written the group before in it (`free`), then marks it `ready`; the writer takes the
    /// groups in order. `@unchecked Sendable`: a slot is touched by one thread at a time, as
    /// the semaphores hand it over; the buffers are plain memory, not Swift arrays.
    final class Pipeline: @unchecked Sendable {
        let window: Int
        let buffers: UnsafeMutablePointer<UnsafeMutableRawBufferPointer>
        let sizes: UnsafeMutablePointer<Int>
        let ready: [DispatchSemaphore]
        let free: [DispatchSemaphore]
        let next = Atomic<Int>(0)

        init(window: Int) {
            self.window = window
            buffers = .allocate(capacity: window)
            buffers.initialize(repeating: UnsafeMutableRawBufferPointer(start: nil, count: 0), count: window)
            sizes = .allocate(capacity: window)
            sizes.initialize(repeating: 0, count: window)
            ready = (0..<window).map { _ in DispatchSemaphore(value: 0) }
            free = (0..<window).map { _ in DispatchSemaphore(value: 1) }
        }

        deinit {
            for i in 0..<window { buffers[i].deallocate() }
            buffers.deallocate()
            sizes.deallocate()
        }

        /// Slot `s`, at least `n` bytes.
        func slot(_ s: Int, _ n: Int) -> UnsafeMutableRawBufferPointer {
            if buffers[s].count < n {
                buffers[s].deallocate()
                buffers[s] = .allocate(byteCount: n, alignment: 16)
            }
            return buffers[s]
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

    /// Puts the pages of `piece` into `dst` (exactly its size): decompressed, or copied. A
    /// chunk that does not decompress is written as empty pages and reported.
    func fill(_ piece: Piece, into dst: UnsafeMutableRawBufferPointer, cpu: CPUPlan, pieceIndex: Int, worker w: Worker) {
        let input = plan.source.mapped.bytes
        switch piece {
        case .mapped(let r):
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[r]))
        case .memory(let i, let r):
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: plan.memory[i].bytes[r]))
        case .chunk(let c, let index):
            let src = UnsafeRawBufferPointer(rebasing: input[c.offset..<(c.offset + c.compressedSize)])
            let n = plan.source.blockDecompressor.flatMap { d in w.dctx?.decompress(d, src, into: dst) }
            plan.source.mapped.releasePages(c.offset..<(c.offset + c.compressedSize))
            if n != c.uncompressedSize {
                dst.initializeMemory(as: UInt8.self, repeating: 0)
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
    func badPages(_ bytes: UnsafeRawBufferPointer) -> [Int] {
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

    /// Empties (zeroes) the pages `bad` of `bytes` and reports them.
    func empty(_ bad: [Int], in bytes: UnsafeMutableRawBufferPointer, piece: Piece, cpu: CPUPlan, pieceIndex: Int, worker w: Worker) {
        for k in bad {
            let p = k * pageSize
            let commit = UnsafeRawBufferPointer(bytes).loadUnsigned(at: p + commitField.offset, size: commitField.size,
                                                                    order: plan.source.byteOrder) ?? 0
            UnsafeMutableRawBufferPointer(rebasing: bytes[p..<(p + pageSize)]).initializeMemory(as: UInt8.self, repeating: 0)
            let at = offset(of: piece, at: p)
            w.issues.append((at, TraceFileError(
                file: plan.source.path, context: "\(cpu.context), page \(pieceIndex * Self.pagesPerChunk + k)", offset: at,
                kind: .invalidValue("page commit \(commit & RingBufferLayout.commitMask) exceeds \(pageSize - pageHeaderSize) bytes; written empty"))))
        }
    }

    /// The pages of `piece` ready to write: straight from the input when they need no change,
    /// else in `scratch`.
    func pages(of piece: Piece, in cpu: CPUPlan, pieceIndex: Int, worker w: Worker) -> UnsafeRawBufferPointer {
        var direct: UnsafeRawBufferPointer?
        switch piece {
        case .mapped(let r): direct = UnsafeRawBufferPointer(rebasing: plan.source.mapped.bytes[r])
        case .memory(let i, let r): direct = UnsafeRawBufferPointer(rebasing: plan.memory[i].bytes[r])
        case .chunk: direct = nil
        }
        if let d = direct {
            let bad = badPages(d)
            if bad.isEmpty {
                w.pages += d.count / pageSize
                return d
            }
        }
        let dst = w.scratch(piece.byteCount())
        fill(piece, into: dst, cpu: cpu, pieceIndex: pieceIndex, worker: w)
        empty(badPages(UnsafeRawBufferPointer(dst)), in: dst, piece: piece, cpu: cpu, pieceIndex: pieceIndex, worker: w)
        w.pages += dst.count / pageSize
        return UnsafeRawBufferPointer(dst)
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
                var direct: UnsafeRawBufferPointer?
                if case .mapped(let first) = cpu.pieces[range.lowerBound],
                   case .mapped(let last) = cpu.pieces[range.upperBound - 1], last.upperBound - first.lowerBound == size {
                    let r = first.lowerBound..<last.upperBound
                    plan.source.mapped.prefault(r)
                    let bytes = UnsafeRawBufferPointer(rebasing: plan.source.mapped.bytes[r])
                    if badPages(bytes).isEmpty { direct = bytes }
                }
                if let d = direct {
                    if !sink.writeConcurrently(d, at: starts[range.lowerBound]) { w.ioFailed = true }
                    w.pages += d.count / pageSize
                } else {
                    let buf = w.group(size)
                    for i in range {
                        let lo = starts[i] - starts[range.lowerBound], hi = starts[i + 1] - starts[range.lowerBound]
                        let dst = UnsafeMutableRawBufferPointer(rebasing: buf[lo..<hi])
                        fill(cpu.pieces[i], into: dst, cpu: cpu, pieceIndex: i, worker: w)
                        empty(badPages(UnsafeRawBufferPointer(dst)), in: dst, piece: cpu.pieces[i], cpu: cpu, pieceIndex: i, worker: w)
                    }
                    w.pages += size / pageSize
                    if !sink.writeConcurrently(UnsafeRawBufferPointer(buf), at: starts[range.lowerBound]) { w.ioFailed = true }
                }
                // The input read for this group leaves the resident set (whole pages only: the
                // pages shared with the next group go with it).
                if let r = inputRange(cpu.pieces, range) { plan.source.mapped.releasePages(r) }
                g += n
            }
        }
        if workers.contains(where: { $0.ioFailed }) {
            throw TraceWriteError(file: sink.path, context: "\(cpu.context): write", kind: .io(FileSink.errorText))
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
                    let out = pipe.slot(s, bound)
                    var used = 0
                    let mapped = self.mappedRange(cpu.pieces, range)
                    if let r = mapped { self.plan.source.mapped.prefault(r) }
                    for i in range {
                        let bytes = self.pages(of: cpu.pieces[i], in: cpu, pieceIndex: i, worker: w)
                        let dst = UnsafeMutableRawBufferPointer(rebasing: out[(used + 8)...])
                        guard let c = w.cctx?.compress(bytes, into: dst) else { used = -1; break }
                        for (at, v) in [(used, UInt32(c)), (used + 4, UInt32(bytes.count))] {
                            out.storeBytes(of: little ? v.littleEndian : v.bigEndian, toByteOffset: at, as: UInt32.self)
                        }
                        used += 8 + c
                    }
                    if let r = self.inputRange(cpu.pieces, range) { self.plan.source.mapped.releasePages(r) }
                    pipe.sizes[s] = used
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
                if pipe.sizes[s] < 0 {
                    failure = TraceWriteError(file: sink.path, context: "\(cpu.context), chunks of pieces \(groups[g])",
                                              kind: .io("compression failed"))
                } else {
                    do {
                        try sink.write(UnsafeRawBufferPointer(rebasing: pipe.buffers[s][0..<pipe.sizes[s]]))
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
