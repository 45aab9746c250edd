import Dispatch
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

        init(decompressor: Decompressor?, compressor: Compressor?) {
            dctx = decompressor.map { DecompressionContext($0) }
            cctx = compressor.map { CompressionContext($0) }
        }

        deinit { scratch.deallocate() }

        func scratch(_ n: Int) -> UnsafeMutableRawBufferPointer {
            if scratch.count < n {
                scratch.deallocate()
                scratch = .allocate(byteCount: n, alignment: 16)
            }
            return UnsafeMutableRawBufferPointer(rebasing: scratch[0..<n])
        }
    }

    /// Output slots for one round of compressed chunks. `@unchecked Sendable`: slot `i` is
    /// written by one worker only, and read after the round.
    final class Slots: @unchecked Sendable {
        var buffers: [UnsafeMutableRawBufferPointer]
        var sizes: [Int]
        var uncompressed: [Int]
        init(count: Int) {
            buffers = (0..<count).map { _ in .allocate(byteCount: 0, alignment: 16) }
            sizes = Array(repeating: 0, count: count)
            uncompressed = Array(repeating: 0, count: count)
        }
        deinit { for b in buffers { b.deallocate() } }
        func ensure(_ i: Int, _ n: Int) -> UnsafeMutableRawBufferPointer {
            if buffers[i].count < n {
                buffers[i].deallocate()
                buffers[i] = .allocate(byteCount: n, alignment: 16)
            }
            return buffers[i]
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

    /// The bytes of `piece` (valid until the worker's next piece), with pages that could not
    /// be read or have an impossible header emptied (zero bytes: a page without events).
    func pages(of piece: Piece, in cpu: CPUPlan, pieceIndex: Int, worker w: Worker) -> UnsafeRawBufferPointer {
        let input = plan.source.mapped.bytes
        var bytes: UnsafeRawBufferPointer
        var owned: UnsafeMutableRawBufferPointer?
        switch piece {
        case .mapped(let r):
            plan.source.mapped.prefault(r)
            bytes = UnsafeRawBufferPointer(rebasing: input[r])
        case .memory(let i, let r):
            bytes = UnsafeRawBufferPointer(rebasing: plan.memory[i].bytes[r])
        case .chunk(let c, let index):
            let dst = w.scratch(c.uncompressedSize)
            owned = dst
            let src = UnsafeRawBufferPointer(rebasing: input[c.offset..<(c.offset + c.compressedSize)])
            let n = plan.source.blockDecompressor.flatMap { d in w.dctx?.decompress(d, src, into: dst) }
            if n != c.uncompressedSize {
                dst.initializeMemory(as: UInt8.self, repeating: 0)
                w.issues.append((c.offset, TraceFileError(
                    file: plan.source.path, context: "\(cpu.context), chunk \(index)", offset: c.offset,
                    kind: .decompressionFailed("\(c.uncompressedSize / pageSize) pages written empty"))))
            }
            bytes = UnsafeRawBufferPointer(dst)
        }
        // Page headers: an impossible commit would stop the reference at this page.
        let capacity = pageSize - pageHeaderSize
        var p = 0
        while p + pageSize <= bytes.count {
            let commit = bytes.loadUnsigned(at: p + commitField.offset, size: commitField.size,
                                            order: plan.source.byteOrder) ?? 0
            if Int(commit & RingBufferLayout.commitMask) > capacity {
                if owned == nil {
                    let copy = w.scratch(bytes.count)
                    copy.copyMemory(from: bytes)
                    owned = copy
                    bytes = UnsafeRawBufferPointer(copy)
                }
                if let o = owned {
                    UnsafeMutableRawBufferPointer(rebasing: o[p..<(p + pageSize)]).initializeMemory(as: UInt8.self, repeating: 0)
                }
                let at: Int
                switch piece {
                case .mapped(let r): at = r.lowerBound + p
                case .chunk(let c, _): at = c.offset
                case .memory: at = p
                }
                w.issues.append((at, TraceFileError(
                    file: plan.source.path, context: "\(cpu.context), page \(pieceIndex * Self.pagesPerChunk + p / pageSize)",
                    offset: at, kind: .invalidValue("page commit \(commit & RingBufferLayout.commitMask) exceeds \(capacity) bytes; written empty"))))
            }
            p += pageSize
        }
        w.pages += bytes.count / pageSize
        return bytes
    }

    /// Writes the pieces of `cpu` uncompressed at `offset`, in parallel. Returns the size.
    func writeUncompressed(_ cpu: CPUPlan, at offset: Int) throws(TraceWriteError) -> Int {
        var offsets: [Int] = []
        offsets.reserveCapacity(cpu.pieces.count)
        var at = offset
        for p in cpu.pieces { offsets.append(at); at += p.byteCount() }
        let n = workers.count
        let workers = self.workers
        let starts = offsets
        DispatchQueue.concurrentPerform(iterations: n) { k in
            let w = workers[k]
            var i = k
            while i < cpu.pieces.count {
                let bytes = pages(of: cpu.pieces[i], in: cpu, pieceIndex: i, worker: w)
                if !sink.writeConcurrently(bytes, at: starts[i]) { w.ioFailed = true }
                if case .mapped(let r) = cpu.pieces[i] { plan.source.mapped.releasePages(r) }
                i += n
            }
        }
        if workers.contains(where: { $0.ioFailed }) {
            throw TraceWriteError(file: sink.path, context: "\(cpu.context): write", kind: .io(FileSink.errorText))
        }
        sink.noteWritten(upTo: at)
        return at - offset
    }

    /// Writes the pieces of `cpu` compressed at the sink's position, as a chunk count and
    /// chunks. Returns the size without the 4-byte count (as the BUFFER option records it).
    func writeCompressed(_ cpu: CPUPlan) throws(TraceWriteError) -> Int {
        guard let compressor else { return 0 }
        let order = plan.source.byteOrder
        try sink.write(ByteEncoder.encode(order) { $0.u32(cpu.pieces.count) })
        let start = sink.position
        let slots = Slots(count: Self.batch)
        let n = workers.count
        let workers = self.workers
        var first = 0
        while first < cpu.pieces.count {
            let count = min(Self.batch, cpu.pieces.count - first)
            let base = first
            DispatchQueue.concurrentPerform(iterations: n) { k in
                let w = workers[k]
                var j = k
                while j < count {
                    let bytes = pages(of: cpu.pieces[base + j], in: cpu, pieceIndex: base + j, worker: w)
                    let out = slots.ensure(j, compressor.bound(bytes.count))
                    if let c = w.cctx?.compress(bytes, into: out) {
                        slots.sizes[j] = c
                    } else {
                        slots.sizes[j] = -1
                    }
                    slots.uncompressed[j] = bytes.count
                    if case .mapped(let r) = cpu.pieces[base + j] { plan.source.mapped.releasePages(r) }
                    j += n
                }
            }
            for j in 0..<count {
                guard slots.sizes[j] >= 0 else {
                    throw TraceWriteError(file: sink.path, context: "\(cpu.context), chunk \(base + j)",
                                          kind: .io("compression failed"))
                }
                try sink.write(ByteEncoder.encode(order) { e in
                    e.u32(slots.sizes[j])
                    e.u32(slots.uncompressed[j])
                })
                try sink.write(UnsafeRawBufferPointer(rebasing: slots.buffers[j][0..<slots.sizes[j]]))
            }
            first += count
        }
        return sink.position - start
    }
}
