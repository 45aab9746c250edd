@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
/// Produces the text of `trace-cmd report` for one or more trace files.
///
/// Records are streamed from all inputs and their instance buffers, merged in timestamp
/// order, filtered, and formatted into a `TextBuffer` (TraceEvent) that is handed to `sink`
/// in large blocks. Nothing is allocated per record beyond the output itself.
public struct TraceReport {
    /// One input handle: a file's top-level buffer, or one of its instances.
    final class Handle {
        let file: TraceFile
        let buffer: TraceBuffer
        /// The file's index among the inputs and the buffer's in its ``TraceFile/buffers``.
        let peer: Int, bufferIndex: Int
        let printer: EventPrinter
        let label: [UInt8]
        let isInstance: Bool
        let input: ReportOptions.Input?
        /// Mutated (its per-cpu interval cache) by the reading thread only, per corrected
        /// record: no dynamic exclusivity check.
        @exclusivity(unchecked) var corrector: TimestampCorrector
        /// The number of its first CPU in the report's CPU numbering (`--cpu`).
        @exclusivity(unchecked) var startCPU = 0
        /// How its lines' time column is written (and its byte order).
        let style: ReportLine.LineStyle

        init(file: TraceFile, buffer: TraceBuffer, peer: Int, bufferIndex: Int, printer: EventPrinter, label: String, isInstance: Bool,
             input: ReportOptions.Input?, corrector: TimestampCorrector, style: ReportLine.LineStyle) {
            self.input = input
            self.file = file
            self.buffer = buffer
            self.peer = peer
            self.bufferIndex = bufferIndex
            self.printer = printer
            self.label = Array(label.utf8)
            self.isInstance = isInstance
            self.corrector = corrector
            self.style = style
        }
    }

    /// An error that ends the report.
    public enum Failure: Error, CustomStringConvertible {
        /// An input could not be read.
        case file(TraceFileError)
        /// A `-F` filter could not be built (the reference exits with the same message).
        case filter(EventFilterError)

        public var description: String {
            switch self {
            case .file(let e): return e.description
            case .filter(let e): return e.description
            }
        }
    }

    /// What the report prints and how.
    public let options: ReportOptions
    /// The opened inputs, in order.
    public let files: [TraceFile]
    /// Lines per batch handed to a formatting thread (tests make it small to cross many
    /// batch boundaries).
    var batchRecords = ParallelLineWriter.defaultBatchRecords

    /// Opens the inputs of `options`.
    public init(options: ReportOptions) throws(TraceFileError) {
        self.options = options
        var fs: [TraceFile] = []
        for input in options.inputs { fs.append(try TraceFile.open(input.path)) }
        files = fs
    }

    /// Reports on already opened files (`files` in input order).
    public init(files: [TraceFile], options: ReportOptions) {
        self.options = options
        self.files = files
    }


    /// The timestamp correction `tracecmd_open` sets up for `buffer` of `file` (instances get
    /// no TIME_SHIFT correction, as in the reference).
    func makeCorrector(_ file: TraceFile, buffer: TraceBuffer, userOffset: Int64) -> TimestampCorrector {
        let settings = TimestampCorrector.Settings(rawTimestamps: options.rawTimestamps, ignoreDate: options.noDate,
                                                   userOffset: userOffset)
        return TimestampCorrector.lenient(file: file, buffer: buffer, settings: settings)
    }

    /// Runs the report, passing output to `sink` in blocks (each block is valid during the
    /// call only).
    public func run(sink: (RawSpan) -> Void) throws(Failure) {
        try run(blocks: { sink($0.bytes) })
    }

    private func run(blocks sink: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        var out = TextBuffer(capacity: 1 << 17)
        // Takes the buffer as a parameter: a nested function that captured `out` would make
        // every access to it, per record, a dynamic exclusivity check.
        func flush(_ out: inout TextBuffer) {
            out.withUnsafeBytes { sink($0) }
            out.removeAll()
        }
        let pluginSession = PluginSession()
        // By default two threads per core: the reading thread (about a third of the work) and
        // formatting threads that take batches in turn. More threads than cores keep the cores
        // busy when one formatting thread waits (measured on 2 cores: 4 threads 1.86-1.90 s,
        // 3 threads 2.06-2.08 s on the 10 M-line file). One thread: nothing runs elsewhere
        // (no formatting threads, no decompression ahead, no parallel start-up).
        let cores = ProcessInfoCores.active
        let threads = options.threads ?? (cores > 1 ? 2 * cores : 1)
        let printerOptions = EventPrinter.Options(raw: options.raw,
                                                  plugins: options.noPlugins ? .none : .standard,
                                                  concurrent: threads > 1)
        // Handles: each input's top-level buffer, then all instances (after all inputs).
        var handles: [Handle] = []
        var instanceHandles: [Handle] = []
        for (i, f) in files.enumerated() {
            let printer: EventPrinter
            do { printer = try EventPrinter(file: f, options: printerOptions, session: pluginSession) } catch {
                throw .file(error)
            }
            let style = ReportLine.LineStyle(file: f, rawTimestamps: options.rawTimestamps)
            let input = options.inputs.indices.contains(i) ? options.inputs[i] : ReportOptions.Input(path: f.path)
            if let ti = f.buffers.firstIndex(where: { $0.isTopLevel }), case let top = f.buffers[ti], top.kind == .flyrecord {
                let corrector = makeCorrector(f, buffer: top, userOffset: input.tsOffset)
                handles.append(Handle(file: f, buffer: top, peer: i, bufferIndex: ti, printer: printer,
                                      label: options.multipleInputs ? input.label : "", isInstance: false,
                                      input: input, corrector: corrector, style: style))
            }
            for (bi, b) in f.buffers.enumerated() where !b.isTopLevel && b.kind == .flyrecord {
                let corrector = makeCorrector(f, buffer: b, userOffset: input.tsOffset)
                // An instance's lines are labelled with its name (several inputs too); it has its
                // file's filters: those given before the first -i (global: libtracecmd applies
                // them to every handle of the first input, instances included) and, as newer
                // trace-cmd does, those after its -i (3.1.6 ignores these with one input).
                instanceHandles.append(Handle(file: f, buffer: b, peer: i, bufferIndex: bi, printer: printer,
                                              label: b.name, isInstance: true,
                                              input: input, corrector: corrector,
                                              style: style))
            }
        }
        if let host = handles.first {
            GuestSymbolMap.attach(host: host.printer, guests: handles.dropFirst().map(\.printer))
        }
        if options.listCPUs || options.firstEvent || options.lastEvent {
            try listCPUs(handles, into: &out)
            flush(&out)
            return
        }
        let showLabels = options.multipleInputs || !instanceHandles.isEmpty
        let labelWidth = (handles + instanceHandles).reduce(0) { max($0, $1.label.count) }
        for (i, f) in files.enumerated() {
            // A latency trace is just its text (trace-cmd refuses it with several inputs).
            guard let top = f.topBuffer, top.kind == .latency else { continue }
            if options.multipleInputs { throw .file(TraceFileError(file: f.path, context: "latency data", offset: 0,
                kind: .invalidValue("latency traces do not work with multiple inputs"))) }
            _ = i
            out.append("cpus=")
            out.appendDecimal(UInt64(f.cpuCount))
            out.append(0x0a)
            do { out.append(contentsOf: try f.latencyText(of: top) ?? []) } catch { throw .file(error) }
            out.append(0x0a)
            flush(&out)
            return
        }
        for h in handles {
            if options.multipleInputs { ReportLine.appendLabel(h.label, width: labelWidth, into: &out) }
            out.append("cpus=")
            out.appendDecimal(UInt64(h.file.cpuCount))
            out.append(0x0a)
            if options.stat {
                appendStats(h, into: &out)
            }
        }
        if options.stat { flush(&out); return }
        let all = handles + instanceHandles
        // The session's one merged timeline; its buffers come in the reference's tie order
        // (top-level buffers of the inputs in order, then their instances), as `all` does.
        let settings = TimestampCorrector.Settings(rawTimestamps: options.rawTimestamps, ignoreDate: options.noDate)
        var userOffsets: [Int: Int64] = [:]
        for (i, input) in options.inputs.enumerated() where input.tsOffset != 0 { userOffsets[i] = input.tsOffset }
        let traceSession = TraceSession(files: files, paths: options.inputs.map(\.path), settings: settings,
                                   userOffsets: userOffsets)
        var timeline: SessionTimeline
        do {
            timeline = try SessionTimeline(session: traceSession, selection: .init(mergedCPUs: options.cpus),
                                           decompressAhead: threads > 1 && CPUPageSource.decompressAhead)
        } catch { throw .file(error) }
        var slotHandle: [Int] = []
        for sl in timeline.buffers {
            guard let hi = all.firstIndex(where: { $0.peer == sl.peer && $0.bufferIndex == sl.buffer }) else {
                throw .file(TraceFileError(file: files[sl.peer].path, context: "buffer \(sl.buffer)", offset: 0,
                                           kind: .invalidValue("buffer not known to the report")))
            }
            all[hi].startCPU = sl.firstCPU
            slotHandle.append(hi)
        }
        let streamHandle = timeline.sources.map { slotHandle[$0.slot] }
        var filters: [EventFilter?] = []
        if all.contains(where: { !($0.input?.filters.isEmpty ?? true) || !($0.input?.excludingFilters.isEmpty ?? true) }) {
            for h in all {
                guard let input = h.input, !input.filters.isEmpty || !input.excludingFilters.isEmpty else {
                    filters.append(nil)
                    continue
                }
                do {
                    filters.append(try EventFilter(filters: input.filters, excluding: input.excludingFilters,
                                                   events: h.printer.registry.formats, byteOrder: h.file.byteOrder,
                                                   symbols: h.printer.kallsyms))
                } catch {
                    throw .filter(error)
                }
            }
        }
        var lastTS: UInt64 = 0
        var wakeup: WakeupLatency? = options.wakeupLatency ? all.first.flatMap { WakeupLatency(printer: $0.printer) } : nil
        // Lines are formatted on other threads when nothing in them depends on the order of
        // formatting beyond what this thread settles in order (filters, comms).
        let lineFormat = self.lineFormat
        var writer: ParallelLineWriter? = nil
        if threads > 1 && wakeup == nil && !options.tsDiff && !options.raw && !options.latency {
            flush(&out)
            writer = ParallelLineWriter(report: self, handles: all, showLabels: showLabels,
                                        labelWidth: labelWidth, workers: threads - 1,
                                        batchRecords: batchRecords)
        }
        // Unretained handle references: `all` keeps them alive, and the loop does no
        // reference counting per record.
        let handleRefs = all.map { Unmanaged.passUnretained($0) }
        let hasFilters = !filters.isEmpty
        let hasWakeup = wakeup != nil
        while true {
            let si: Int
            // A bad page ends that part of its stream; the merge goes on with the rest.
            do throws(TraceFileError) {
                guard let k = try timeline.nextSource() else { break }
                si = k
            } catch { continue }
            // Read in place, field by field (a copy of the whole record just written by the
            // merge would wait for those writes).
            let record = timeline.head(si)
            let hi = streamHandle[si]
            handleRefs[hi]._withUnsafeGuaranteedRef { h in
                let globalCPU = h.startCPU + record.pointee.cpu
                let payload = record.pointee.payload
                let printer = h.printer
                let eventIndex = printer.eventIndex(of: payload)
                if hasFilters, var f = filters[hi] {
                    let id = eventIndex.map { printer.registry.formats[$0].id } ?? -1
                    let comms = printer.comms
                    let keep = f.accept(eventID: id, payload: payload, cpu: globalCPU,
                                        comm: { comms.comm(for: $0) })
                    filters[hi] = f
                    if !keep { return }
                }
                let comm = printer.comms.displayBytes(for: printer.pid(of: payload))
                if writer != nil,
                   eventIndex.map({ printer.prepareForWorker(eventAt: $0, payload: payload, cpu: record.pointee.cpu) }) ?? true {
                    // Formatted on another thread (the comms it registers are registered now).
                    writer?.append(handle: hi, payload: payload, comm: comm, cpu: record.pointee.cpu,
                                   timestamp: record.pointee.timestamp, missed: record.pointee.missedEventsValue,
                                   eventIndex: eventIndex ?? -1, sink: sink)
                    return
                }
                // Formatted here, in record order (into the current batch as text when threaded).
                // What it changes comes in as parameters (see `flush`).
                func line(_ out: inout TextBuffer, _ lastTS: inout UInt64, _ wakeup: inout WakeupLatency?) {
                    if showLabels { ReportLine.appendLabel(h.label, width: labelWidth, into: &out) }
                    var pageRest: UnsafeRawBufferPointer?
                    if options.raw, let base = payload.baseAddress {
                        let after = h.buffer.pageSize - (record.pointee.offsetInPage + record.pointee.recordSize)
                        if after > 0 { pageRest = UnsafeRawBufferPointer(start: base, count: payload.count + after) }
                    }
                    comm.withUnsafeBufferPointer { c in
                        ReportLine.writeLine(payload: payload, pageRest: pageRest, cpu: record.pointee.cpu, timestamp: record.pointee.timestamp,
                                       missed: record.pointee.missedEventsValue, comm: c, style: h.style, format: lineFormat,
                                       printer: printer, eventIndex: eventIndex, lastTS: &lastTS, into: &out)
                    }
                    if hasWakeup, let idx = eventIndex {
                        out.removeLast()
                        wakeup?.process(eventIndex: idx, payload: payload, timestamp: record.pointee.timestamp, into: &out)
                        out.append(0x0a)
                    }
                }
                if writer != nil {
                    writer?.appendFormatted(sink: sink) { line(&$0, &lastTS, &wakeup) }
                } else {
                    line(&out, &lastTS, &wakeup)
                    if out.count >= 1 << 16 { flush(&out) }
                }
            }
        }
        writer?.finish(sink: sink)
        wakeup?.finish(into: &out)
        flush(&out)
    }


    var lineFormat: ReportLine.LineFormat {
        ReportLine.LineFormat(latency: options.latency, raw: options.raw, nanoseconds: options.nanoseconds,
                              tsDiff: options.tsDiff)
    }

    /// `--stat`: the CPUSTAT options and where each CPU's data is.
    func appendStats(_ h: Handle, into out: inout TextBuffer) {
        out.append("\nKernel buffer statistics:\n  Note: \"entries\" are the entries left in the kernel ring buffer and are not\n        recorded in the trace data. They should all be zero.\n\n")
        var stats: [UInt8] = []
        for o in h.file.options where o.id == .cpuStat {
            var p = o.payload
            if !p.isEmpty { p[p.count - 1] = 0x0a }
            stats += p
        }
        if stats.isEmpty {
            out.append(" No stats in this file\n")
        } else {
            if let z = stats.firstIndex(of: 0) { stats = Array(stats[..<z]) }
            out.append(contentsOf: stats)
            out.append(0x0a)
        }
        let offsets = (try? h.file.referenceDataOffsets(of: h.buffer)) ?? h.buffer.cpus.map(\.offset)
        // The reference lists CPUs 0 ... the highest one the buffer stores (v7: its BUFFER
        // option, which a CPU mask (`record -M`) makes shorter than CPUCOUNT; v6: the header's
        // count).
        let cpus = h.file.version >= 7 ? (h.buffer.cpus.map(\.cpu).max() ?? -1) + 1 : h.file.cpuCount
        for cpu in 0..<cpus {
            var offset = 0, size = 0
            if let i = h.buffer.cpus.firstIndex(where: { $0.cpu == cpu }) {
                let c = h.buffer.cpus[i]
                // (An uncompressed CPU's offset as stored, even past the end of the file.)
                offset = h.buffer.isCompressed ? offsets[i] : c.storedOffset ?? offsets[i]
                size = c.size
                if h.buffer.isCompressed, let s = try? CPUPageSource(file: h.file, buffer: h.buffer, cpuIndex: i) {
                    size = s.pageCount * s.pageSize
                }
            }
            out.append("CPU\(cpu) data recorded at offset=0x\(String(offset, radix: 16))\n")
            out.append("    \(size) bytes in size\n")
        }
    }

    /// `--cpus`, `--first-event`, `--last-event`.
    func listCPUs(_ handles: [Handle], into out: inout TextBuffer) throws(Failure) {
        for (i, h) in handles.enumerated() {
            let path = options.inputs.indices.contains(i) ? options.inputs[i].path : h.file.path
            out.append("List of CPUs in \(path) with data:\n")
            let streams: [CPURecordStream]
            do { streams = try RecordIterator.streams(file: h.file, buffer: h.buffer) } catch { throw .file(error) }
            var byCPU: [Int: CPURecordStream] = [:]
            for s in streams { byCPU[s.cpu] = s }
            for cpu in 0..<h.file.cpuCount {
                guard let s = byCPU[cpu], let first = try? s.peek() else { continue }
                out.append("  \(cpu)")
                if options.firstEvent {
                    out.append("\tFirst event:")
                    appendEventTS(h.corrector.corrected(first.rawTimestamp, cpu: cpu), handle: h, into: &out)
                }
                if options.lastEvent {
                    var last = first.rawTimestamp
                    while let r = try? s.next() { last = r.rawTimestamp }
                    out.append("\tLast event:")
                    appendEventTS(h.corrector.corrected(last, cpu: cpu), handle: h, into: &out)
                }
                out.append(0x0a)
            }
        }
    }

    /// The `TIME_FMT_TS` format: `%6.1000d`, `%9.1d` or `%12d`, without the leading space.
    func appendEventTS(_ ts: UInt64, handle h: Handle, into out: inout TextBuffer) {
        if h.style.inUsecs { ReportLine.appendTime(ts, into: &out, nanoseconds: options.nanoseconds) } else { ReportLine.appendRight(ts, width: 12, into: &out) }
    }
}
