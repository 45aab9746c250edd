@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// Cuts a file into pieces by time, events or pages (see ``SplitOptions``). Each piece is a
/// complete file: the input's metadata and options (TRACEID, TIME_SHIFT, GUEST...) and the
/// events of its window repacked into new pages, with their raw timestamps, so that every
/// piece reports its events exactly as the whole file does.
///
/// Windows are in the timestamps the report prints (DATE, OFFSET and TSC2NSEC applied).
/// Pieces are built one at a time: memory holds one piece's pages.
struct TraceSplitter {
    let file: TraceFile
    let options: SplitOptions
    let layout: RingBufferLayout

    /// One CPU's records, read forward across pieces.
    final class Stream {
        let cpu: Int
        let records: CPURecordStream
        var errors: [TraceFileError] = []
        init(cpu: Int, records: CPURecordStream) {
            self.cpu = cpu
            self.records = records
        }
        /// The next record, or `nil` at the end (a page that cannot be read ends the CPU,
        /// reported as dropped).
        func peek() -> Record? {
            do { return try records.peek() } catch {
                errors.append(error)
                return nil
            }
        }
    }

    init(file: TraceFile, options: SplitOptions) throws(TraceWriteError) {
        self.file = file
        self.options = options
        do { layout = try RingBufferLayout(file: file) } catch {
            throw TraceWriteError(file: file.path, context: "header_page", kind: .input(error))
        }
    }

    func streams(of buffer: TraceBuffer) throws(TraceWriteError) -> [Stream] {
        var out: [Stream] = []
        let corrector = TimestampCorrector.lenient(file: file, buffer: buffer)
        for i in buffer.cpus.indices {
            if let only = options.cpu, buffer.cpus[i].cpu != only { continue }
            do {
                let s = try CPURecordStream(file: file, buffer: buffer, cpuIndex: i, layout: layout)
                s.setCorrection(corrector)
                out.append(Stream(cpu: buffer.cpus[i].cpu, records: s))
            } catch {
                throw TraceWriteError(file: file.path, context: "CPU \(buffer.cpus[i].cpu) data", kind: .input(error))
            }
        }
        return out
    }

    func builder() -> PageBuilder { PageBuilder(pageSize: file.pageSize, layout: layout, order: file.byteOrder) }

    /// Writes the pieces; `name(k)` is the path of piece `k` (1-based).
    func run(name: (Int) -> String) throws(TraceWriteError) -> [WriteReport] {
        let flyrecords = file.buffers.filter { $0.kind == .flyrecord }
        guard let main = flyrecords.first else {
            throw TraceWriteError(file: file.path, context: "split", kind: .unsupported("the file has no flyrecord buffer"))
        }
        let mainStreams = try streams(of: main)
        var others: [(TraceBuffer, [Stream])] = []
        for b in flyrecords.dropFirst() { others.append((b, try streams(of: b))) }
        let start = options.start ?? 0
        let end = options.end ?? UInt64.max
        // Skip what is before the window.
        for s in mainStreams + others.flatMap(\.1) {
            while let r = s.peek(), r.timestamp < start { s.records.advance() }
        }
        var reports: [WriteReport] = []
        var pieceStart: UInt64 = mainStreams.compactMap { $0.peek()?.timestamp }.min() ?? start
        var k = 0
        let perCPU = options.perCPU || { if case .pages = options.limit { return true } else { return false } }()
        while true {
            k += 1
            var builders = mainStreams.map { _ in builder() }
            var maxTs: UInt64 = 0
            var any = false
            func take(_ i: Int, _ r: Record) {
                _ = r.payload.withSpan { builders[i].append($0, timestamp: r.rawTimestamp, missed: r.missedEvents) }
                mainStreams[i].records.advance()
                maxTs = max(maxTs, r.timestamp)
                any = true
            }
            switch options.limit {
            case .time(let span):
                let hi = pieceStart &+ span
                for (i, s) in mainStreams.enumerated() {
                    while let r = s.peek(), r.timestamp < hi, r.timestamp <= end { take(i, r) }
                }
                pieceStart = hi
            case .events(let n) where !perCPU:
                var count = 0
                while count < n {
                    var best = -1
                    var bestTs = UInt64.max
                    for (i, s) in mainStreams.enumerated() {
                        if let r = s.peek(), r.timestamp <= end, r.timestamp < bestTs { best = i; bestTs = r.timestamp }
                    }
                    guard best >= 0, let r = mainStreams[best].peek() else { break }
                    take(best, r)
                    count += 1
                }
            case .events(let n):
                for (i, s) in mainStreams.enumerated() {
                    var count = 0
                    while count < n, let r = s.peek(), r.timestamp <= end { take(i, r); count += 1 }
                }
            case .pages(let n):
                for (i, s) in mainStreams.enumerated() {
                    while let r = s.peek(), r.timestamp <= end {
                        let len = (r.withPayload { $0.byteCount } + 3) & ~3
                        if builders[i].pageCount >= n
                            && builders[i].needsNewPage(payloadLength: len, timestamp: r.rawTimestamp, missed: r.missedEvents) {
                            break
                        }
                        take(i, r)
                    }
                }
            case .none:
                for (i, s) in mainStreams.enumerated() {
                    while let r = s.peek(), r.timestamp <= end { take(i, r) }
                }
            }
            let more = mainStreams.contains { s in s.peek().map { $0.timestamp <= end } ?? false }
            if case .time(let span) = options.limit, !any, more {
                // An empty stretch of time: no file for it; go on with the window that holds
                // the next event (not window by window: a long gap would take as many steps).
                if let next = mainStreams.compactMap({ $0.peek()?.timestamp }).min(), next > pieceStart, span > 0 {
                    pieceStart &+= (next - pieceStart) / span * span
                }
                k -= 1
                continue
            }
            guard any else { k -= 1; break }
            // Instances: their events up to the last time of this piece (all that is left
            // with the last piece).
            let last = !more || !options.repeats
            var plans: [BufferPlan] = []
            var memory: [PageMemory] = []
            func plan(_ b: TraceBuffer, _ streams: [Stream], _ built: [PageBuilder]) -> BufferPlan {
                var cpus: [CPUPlan] = []
                for (s, bld) in zip(streams, built) {
                    var pb = bld
                    let bytes = pb.finish()
                    guard !bytes.isEmpty else { continue }
                    memory.append(PageMemory(bytes))
                    let m = memory.count - 1
                    var pieces: [Piece] = []
                    let step = DataPump.pagesPerChunk * file.pageSize
                    var at = 0
                    while at < bytes.count {
                        pieces.append(.memory(m, at..<min(bytes.count, at + step)))
                        at += step
                    }
                    cpus.append(CPUPlan(cpu: s.cpu, pieces: pieces, context: "CPU \(s.cpu) data of buffer \"\(b.name)\""))
                }
                return BufferPlan(name: b.name, clock: b.clock ?? "", pageSize: b.pageSize, cpus: cpus)
            }
            plans.append(plan(main, mainStreams, builders))
            for (b, streams) in others {
                var built = streams.map { _ in builder() }
                for (i, s) in streams.enumerated() {
                    while let r = s.peek(), r.timestamp <= end, last || r.timestamp <= maxTs {
                        _ = r.payload.withSpan { built[i].append($0, timestamp: r.rawTimestamp, missed: r.missedEvents) }
                        s.records.advance()
                    }
                }
                plans.append(plan(b, streams, built))
            }
            var wp = WritePlan(source: file, buffers: plans)
            wp.memory = memory
            wp.dropped = (mainStreams + others.flatMap(\.1)).flatMap(\.errors)
            for s in mainStreams + others.flatMap(\.1) { s.errors = [] }
            let format = options.format ?? OutputFormat(version: file.version,
                                                        compression: OutputCompression(rawValue: file.compression?.name ?? "none") ?? .zstd)
            reports.append(try TraceWriter.write(wp, to: name(k), format: format))
            if last { break }
        }
        return reports
    }
}

extension TraceWriter {
    /// Cuts `file` into pieces as `trace-cmd split` does (see ``SplitOptions``): piece `k`
    /// (1-based) is written to `name(k)`. Each piece is a complete file with the input's
    /// metadata and options, readable alone; a guest's piece keeps its TRACEID and TIME_SHIFT.
    ///
    /// - Parameters:
    ///   - file: the input, opened `TraceFile.OpenMode.full`.
    ///   - options: the window and the limits of a piece.
    ///   - name: the path of piece `k`.
    /// - Returns: one report per piece written (none when the window holds no event).
    public static func split(_ file: TraceFile, options: SplitOptions,
                             name: (Int) -> String) throws(TraceWriteError) -> [WriteReport] {
        try TraceSplitter(file: file, options: options).run(name: name)
    }
}
