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
        /// The timestamp correction of its records (`--first-event`, `--last-event`).
        let corrector: TimestampCorrector
        /// The number of its first CPU in the report's CPU numbering (`--cpu`); known once
        /// the timeline is made (see ``placed(startCPU:)``).
        let startCPU: Int
        /// How its lines' time column is written (and its byte order).
        let style: ReportLine.LineStyle

        init(file: TraceFile, buffer: TraceBuffer, peer: Int, bufferIndex: Int, printer: EventPrinter, label: String, isInstance: Bool,
             input: ReportOptions.Input?, corrector: TimestampCorrector, style: ReportLine.LineStyle, startCPU: Int = 0) {
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
            self.startCPU = startCPU
        }

        private init(_ h: Handle, startCPU: Int) {
            file = h.file
            buffer = h.buffer
            peer = h.peer
            bufferIndex = h.bufferIndex
            printer = h.printer
            label = h.label
            isInstance = h.isInstance
            input = h.input
            corrector = h.corrector
            style = h.style
            self.startCPU = startCPU
        }

        /// This handle with its first CPU at `startCPU` in the report's numbering.
        func placed(startCPU: Int) -> Handle {
            startCPU == self.startCPU ? self : Handle(self, startCPU: startCPU)
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
    func makeCorrector(_ file: TraceFile, buffer: TraceBuffer, userOffset: Int64, clockHz: UInt64) -> TimestampCorrector {
        let settings = TimestampCorrector.Settings(rawTimestamps: options.rawTimestamps, ignoreDate: options.noDate,
                                                   userOffset: userOffset, clockHz: clockHz)
        return TimestampCorrector.lenient(file: file, buffer: buffer, settings: settings)
    }

    /// Runs the report, passing output to `sink` in blocks (each block is valid during the
    /// call only), and warnings (`--ts-check`; none with `-q`) to `diagnostics`, one complete
    /// message each.
    ///
    /// - Returns: the exit status the reference ends with: 0, or 22 (`EINVAL`) when
    ///   `--check-events` finds an event format that cannot be parsed.
    @discardableResult
    public func run(sink: (RawSpan) -> Void, diagnostics: (String) -> Void = { _ in }) throws(Failure) -> Int32 {
        try run(blocks: sink, diagnostics: diagnostics)
    }

    /// The clock frequency (`--ts2secs`) of input `i`: its own, or the report-wide one.
    func clockHz(ofInput i: Int) -> UInt64 {
        let own = options.inputs.indices.contains(i) ? options.inputs[i].clockHz : 0
        return own != 0 ? own : options.clockHz
    }

    /// The indices of the events that `patterns` (`-r`, `-n`) select in `printer`'s file: the
    /// pattern, anchored and case-insensitive (POSIX basic syntax), matches the event's name
    /// or its system.
    static func matchingEvents(_ patterns: [String], in printer: EventPrinter) -> Set<Int> {
        var out: Set<Int> = []
        for p in patterns {
            guard let re = EventFilterRegex("^" + p + "$") else { continue }
            for (i, f) in printer.registry.formats.enumerated() where re.matches(f.name) || re.matches(f.system) {
                out.insert(i)
            }
        }
        return out
    }

    private func run(blocks sink: (RawSpan) -> Void, diagnostics: (String) -> Void) throws(Failure) -> Int32 {
        var out = TextBuffer(capacity: 1 << 17)
        // Takes the buffer as a parameter: a nested function that captured `out` would make
        // every access to it, per record, a dynamic exclusivity check.
        func flush(_ out: inout TextBuffer) {
            out.withBytes { sink($0) }
            out.removeAll()
        }
        if options.help {
            out.append(ReportOptions.helpText)
            flush(&out)
            return 0
        }
        // -H: each hook is parsed (and shown) as the options are read.
        var hooks: [TaskProfiler.Hook] = []
        for arg in options.profileHooks {
            guard let (hook, text) = TaskProfiler.Hook.parse(arg) else {
                throw .file(TraceFileError(file: arg, context: "-H hook", offset: 0,
                                           kind: .invalidValue("Invalid hook format '\(arg)'")))
            }
            out.append(text)
            out.append(0x0a)
            hooks.insert(hook, at: 0)
        }
        let pluginSession = PluginSession()
        // By default two threads per core: the reading thread (about a third of the work) and
        // formatting threads that take batches in turn. More threads than cores keep the cores
        // busy when one formatting thread waits (measured on 2 cores: 4 threads 1.86-1.90 s,
        // 3 threads 2.06-2.08 s on the 10 M-line file). One thread: nothing runs elsewhere
        // (no formatting threads, no decompression ahead, no parallel start-up).
        let cores = ProcessInfoCores.active
        let threads = options.threads ?? (cores > 1 ? 2 * cores : 1)
        var plugins = EventPlugins.standard
        if options.noPlugins || options.localPluginsOnly {
            // -L: only the user's own plugins, and this implementation has none.
            plugins = .none
        } else if !options.pluginOptions.isEmpty {
            plugins.options = options.effectivePluginOptions
        }
        let printerOptions = EventPrinter.Options(raw: options.raw, plugins: plugins, concurrent: threads > 1)
        // Handles: each input's top-level buffer, then all instances (after all inputs).
        var handles: [Handle] = []
        var instanceHandles: [Handle] = []
        for (i, f) in files.enumerated() {
            let printer: EventPrinter
            do { printer = try EventPrinter(file: f, options: printerOptions, session: pluginSession) } catch {
                throw .file(error)
            }
            if let level = options.verbosity, level >= 4 {
                // -V (info and above): libtracecmd's message as it opens the file. (Its other
                // messages at these levels name the plugin .so files it loads and the handlers
                // they install; this implementation's plugins are built in.)
                out.append("version = \(f.version)\n")
            }
            if i == 0, let status = try runInfoMode(printer: printer, into: &out, flush: flush) {
                // -p, -e, --check-events, -f, -P, -E: facts of the first input only.
                flush(&out)
                return status
            }
            if !options.rawEvents.isEmpty || !options.noHandlerEvents.isEmpty {
                printer.setEventFlags(printRaw: Self.matchingEvents(options.rawEvents, in: printer),
                                      noHandler: Self.matchingEvents(options.noHandlerEvents, in: printer))
            }
            var style = ReportLine.LineStyle(file: f, rawTimestamps: options.rawTimestamps)
            let hz = clockHz(ofInput: i)
            // A clock frequency replaces the trace clock (--ts-diff then counts its units).
            if hz != 0 { style.useTraceClock = false }
            let input = options.inputs.indices.contains(i) ? options.inputs[i] : ReportOptions.Input(path: f.path)
            if let ti = f.buffers.firstIndex(where: { $0.isTopLevel }), case let top = f.buffers[ti], top.kind == .flyrecord {
                let corrector = makeCorrector(f, buffer: top, userOffset: input.tsOffset, clockHz: hz)
                handles.append(Handle(file: f, buffer: top, peer: i, bufferIndex: ti, printer: printer,
                                      label: options.multipleInputs ? input.label : "", isInstance: false,
                                      input: input, corrector: corrector, style: style))
            }
            for (bi, b) in f.buffers.enumerated() where !b.isTopLevel && b.kind == .flyrecord {
                let corrector = makeCorrector(f, buffer: b, userOffset: input.tsOffset, clockHz: hz)
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
            return 0
        }
        let showLabels = options.multipleInputs || !instanceHandles.isEmpty
        let labelWidth = (handles + instanceHandles).reduce(0) { max($0, $1.label.count) }
        if options.testFilters, (handles + instanceHandles).contains(where: { Self.hasFilters($0) }) {
            // -T: the reference sets up the filters handle by handle (printing each top-level
            // input's cpus= line after its filters); the first with filters prints them as
            // parsed and ends the report.
            for h in handles + instanceHandles {
                if Self.hasFilters(h), let input = h.input {
                    let filter: EventFilter
                    do {
                        filter = try EventFilter(filters: input.filters, excluding: input.excludingFilters,
                                                 events: h.printer.registry.formats, byteOrder: h.file.byteOrder,
                                                 symbols: h.printer.kallsyms)
                    } catch {
                        flush(&out)
                        throw .filter(error)
                    }
                    for line in filter.testModeLines {
                        out.append(line)
                        out.append(0x0a)
                    }
                    flush(&out)
                    return 0
                }
                if !h.isInstance {
                    if options.multipleInputs { ReportLine.appendLabel(h.label, width: labelWidth, into: &out) }
                    out.append("cpus=")
                    out.appendDecimal(UInt64(h.file.cpuCount))
                    out.append(0x0a)
                }
            }
        }
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
            return 0
        }
        let unameOrVersion = options.info.contains(.uname) || options.info.contains(.version)
        // --align-ts: the first event of every top-level buffer (its first record per CPU, with
        // the corrections of its input), the earliest of which becomes time 0.
        var alignOffset: Int64 = 0
        if options.alignTimestamps && !unameOrVersion && !options.stat {
            var first: UInt64?
            for h in handles {
                let streams: [CPURecordStream]
                do { streams = try RecordIterator.streams(file: h.file, buffer: h.buffer) } catch { throw .file(error) }
                for s in streams {
                    guard let r = try? s.peek() else { continue }
                    let ts = h.corrector.corrected(r.rawTimestamp, cpu: s.cpu)
                    if first.map({ ts < $0 }) ?? true { first = ts }
                }
            }
            alignOffset = first.map { 0 &- Int64(bitPattern: $0) } ?? 0
        }
        for h in handles {
            if options.multipleInputs { ReportLine.appendLabel(h.label, width: labelWidth, into: &out) }
            out.append("cpus=")
            out.appendDecimal(UInt64(h.file.cpuCount))
            out.append(0x0a)
            if unameOrVersion {
                appendUnameVersion(h.file, into: &out)
            } else if options.stat {
                appendStats(h, into: &out)
            }
        }
        if options.stat || unameOrVersion { flush(&out); return 0 }
        var placed = handles + instanceHandles
        // The session's one merged timeline; its buffers come in the reference's tie order
        // (top-level buffers of the inputs in order, then their instances), as `placed` does.
        let settings = TimestampCorrector.Settings(rawTimestamps: options.rawTimestamps, ignoreDate: options.noDate)
        var userOffsets: [Int: Int64] = [:]
        var clocks: [Int: UInt64] = [:]
        for i in files.indices {
            let offset = (options.inputs.indices.contains(i) ? options.inputs[i].tsOffset : 0) &+ alignOffset
            if offset != 0 { userOffsets[i] = offset }
            let hz = clockHz(ofInput: i)
            if hz != 0 { clocks[i] = hz }
        }
        let traceSession = TraceSession(files: files, paths: options.inputs.map(\.path), settings: settings,
                                   userOffsets: userOffsets, clockHz: clocks)
        var timeline: SessionTimeline
        do {
            timeline = try SessionTimeline(session: traceSession, selection: .init(mergedCPUs: options.cpus),
                                           decompressAhead: threads > 1 && CPUPageSource.decompressAhead)
        } catch { throw .file(error) }
        var slotHandle: [Int] = []
        for sl in timeline.buffers {
            guard let hi = placed.firstIndex(where: { $0.peer == sl.peer && $0.bufferIndex == sl.buffer }) else {
                throw .file(TraceFileError(file: files[sl.peer].path, context: "buffer \(sl.buffer)", offset: 0,
                                           kind: .invalidValue("buffer not known to the report")))
            }
            placed[hi] = placed[hi].placed(startCPU: sl.firstCPU)
            slotHandle.append(hi)
        }
        let all = placed
        let streamHandle = timeline.sources.map { slotHandle[$0.slot] }
        var filters: [EventFilter?] = []
        if all.contains(where: { Self.hasFilters($0) }) {
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
        if options.profile {
            try runProfile(timeline: &timeline, handles: all, streamHandle: streamHandle, filters: &filters,
                           hooks: hooks, showLabels: showLabels, labelWidth: labelWidth, into: &out,
                           flush: flush, diagnostics: diagnostics)
            flush(&out)
            return 0
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
        // The handles, read per record without reference counting.
        let handleTable = ObjectTable<Handle>(all)
        let hasFilters = !filters.isEmpty
        let hasWakeup = wakeup != nil
        // -I, -S, --ts-check: one test per record when any is on (the checks themselves out of
        // line, so that the per-record code is the same as without them).
        var checks = RecordChecks(options: options)
        let recordChecks = checks.isActive
        // Writes raw fields (-R, -r) with the rest of the page (see `line`).
        let wantsPageRest = options.raw || !options.rawEvents.isEmpty
        // The current records are read through a copy of the timeline made once: `head(_:)`
        // reads the merge's slots, which the timeline holds by reference, so the copy sees
        // what `nextSource()` put there. (Called on the `var` itself, each call would first
        // copy the whole timeline, as a non-mutating call on a variable passed `inout` does.)
        let heads = timeline
        while true {
            let si: Int
            // A bad page ends that part of its stream; the merge goes on with the rest.
            do throws(TraceFileError) {
                guard let k = try timeline.nextSource() else { break }
                si = k
            } catch { continue }
            let hi = streamHandle[si]
            // The handle lent without reference counting.
            _ = handleTable.with(hi) { h in
                // Read in the closure (inlined): only the fields used are loaded from the slot.
                let record = heads.head(si)
                let payload = record.payload
                let printer = h.printer
                let eventIndex = printer.eventIndex(of: payload)
                if hasFilters, var f = filters[hi] {
                    let id = eventIndex.map { printer.registry.formats[$0].id } ?? -1
                    let comms = printer.comms
                    let globalCPU = h.startCPU + record.cpu
                    let keep = payload.withSpan { f.accept(eventID: id, payload: $0, cpu: globalCPU,
                                                            comm: { comms.comm(for: $0) }) }
                    filters[hi] = f
                    if !keep { return }
                }
                if recordChecks, !payload.withSpan({ checks.keep(payload: $0, printer: printer, order: h.style.byteOrder,
                                                                 cpu: h.startCPU + record.cpu, timestamp: record.timestamp,
                                                                 diagnostics: diagnostics) }) {
                    return
                }
                let comm = printer.comms.displayBytes(for: printer.pid(of: payload))
                if writer != nil,
                   eventIndex.map({ printer.prepareForWorker(eventAt: $0, payload: payload, cpu: record.cpu) }) ?? true {
                    // Formatted on another thread (the comms it registers are registered now).
                    writer?.append(handle: hi, payload: payload, comm: comm, cpu: record.cpu,
                                   timestamp: record.timestamp, missed: record.missedEventsValue,
                                   eventIndex: eventIndex ?? -1, sink: sink)
                    return
                }
                // Formatted here, in record order (into the current batch as text when threaded).
                // What it changes comes in as parameters (see `flush`).
                func line(_ out: inout TextBuffer, _ lastTS: inout UInt64, _ wakeup: inout WakeupLatency?) {
                    if showLabels { ReportLine.appendLabel(h.label, width: labelWidth, into: &out) }
                    // For -R: the payload followed by the rest of its page.
                    let rest = wantsPageRest && record.offsetInPage + record.recordSize < h.buffer.pageSize
                        ? heads.pageRest(source: si) : nil
                    LineScratch.withBytes(of: comm) { c in
                        ReportLine.writeLine(payload: payload, pageRest: rest, cpu: record.cpu, timestamp: record.timestamp,
                                       missed: record.missedEventsValue, comm: c, style: h.style, format: lineFormat,
                                       printer: printer, eventIndex: eventIndex, lastTS: &lastTS, into: &out)
                    }
                    if hasWakeup, let idx = eventIndex {
                        out.removeLast()
                        payload.withSpan { wakeup?.process(eventIndex: idx, payload: $0, timestamp: record.timestamp, into: &out) }
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
        return 0
    }

    /// `--profile`: the records (after the filters, `-I`, `-S`) go to a ``TaskProfiler`` per
    /// input instead of being printed (only the file label of each record is, with several
    /// inputs, as the reference does); the profiles follow, last input first.
    private func runProfile(timeline: inout SessionTimeline, handles all: [Handle], streamHandle: [Int],
                            filters: inout [EventFilter?], hooks: [TaskProfiler.Hook], showLabels: Bool,
                            labelWidth: Int, into out: inout TextBuffer, flush: (inout TextBuffer) -> Void,
                            diagnostics: (String) -> Void) throws(Failure) {
        if let inst = all.first(where: { $0.isInstance }) {
            // trace-cmd 3.1.6 dies on the first record of an instance ("Handle not found?").
            throw .file(TraceFileError(file: inst.file.path, context: "buffer \(inst.buffer.name)", offset: 0,
                                       kind: .invalidValue("--profile does not work with buffer instances")))
        }
        let lastTask = TaskProfiler.LastTask()
        var profilers: [TaskProfiler] = []
        for h in all {
            do {
                profilers.append(try TaskProfiler(printer: h.printer, globalIRQs: options.profileGlobalIRQs, hooks: hooks,
                                                  mergeByComm: options.profileByComm, lastTask: lastTask))
            } catch {
                throw .file(TraceFileError(file: h.file.path, context: "--profile", offset: 0, kind: .invalidValue(error.message)))
            }
        }
        var checks = RecordChecks(options: options)
        let hasFilters = !filters.isEmpty
        while true {
            let si: Int
            do throws(TraceFileError) {
                guard let k = try timeline.nextSource() else { break }
                si = k
            } catch { continue }
            let record = timeline.head(si)
            let hi = streamHandle[si]
            let h = all[hi]
            let payload = record.payload
            let globalCPU = h.startCPU + record.cpu
            if hasFilters, var f = filters[hi] {
                let printer = h.printer
                let id = printer.eventIndex(of: payload).map { printer.registry.formats[$0].id } ?? -1
                let comms = printer.comms
                let keep = payload.withSpan { f.accept(eventID: id, payload: $0, cpu: globalCPU, comm: { comms.comm(for: $0) }) }
                filters[hi] = f
                if !keep { continue }
            }
            if checks.isActive, !payload.withSpan({ checks.keep(payload: $0, printer: h.printer, order: h.style.byteOrder, cpu: globalCPU,
                                                                timestamp: record.timestamp, diagnostics: diagnostics) }) {
                continue
            }
            if showLabels {
                ReportLine.appendLabel(h.label, width: labelWidth, into: &out)
                if out.count >= 1 << 16 { flush(&out) }
            }
            payload.withSpan { profilers[hi].record(payload: $0, cpu: record.cpu, ts: record.timestamp,
                                                    missed: record.missedEventsValue != 0) }
        }
        // A task may hold events of another input (see ``TaskProfiler/LastTask``): all
        // profilers live until the end.
        for p in profilers.reversed() { p.output(into: &out, flush: flush) }
    }

    /// Whether `-F` filters apply to the records of `h`.
    static func hasFilters(_ h: Handle) -> Bool {
        guard let input = h.input else { return false }
        return !input.filters.isEmpty || !input.excludingFilters.isEmpty
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

/// `-I`, `-S` and `--ts-check`, applied to each record that passed the `-F` filters (the
/// reference's `skip_record` and `process_record` order).
struct RecordChecks {
    /// The `common_flags` bits that drop a record: TRACE_FLAG_HARDIRQ (0x08) for `-I`,
    /// TRACE_FLAG_SOFTIRQ (0x10) for `-S`.
    let dropFlags: UInt64
    /// `--ts-check` without `-q`.
    let timestampCheck: Bool
    var lastTimestamp: UInt64 = 0

    init(options: ReportOptions) {
        dropFlags = (options.dropHardIRQ ? 0x08 : 0) | (options.dropSoftIRQ ? 0x10 : 0)
        timestampCheck = options.timestampCheck && !options.quiet
    }

    var isActive: Bool { dropFlags != 0 || timestampCheck }

    /// Whether the record is kept; warns (`diagnostics`) when its timestamp is below the
    /// previous kept record's (`cpu`: its CPU in the report's numbering).
    @inline(never)
    mutating func keep(payload: RawSpan, printer: EventPrinter, order: ByteOrder, cpu: Int,
                       timestamp ts: UInt64, diagnostics: (String) -> Void) -> Bool {
        if dropFlags != 0 {
            let flags = printer.registry.commonLayout.flags(in: payload, order: order) ?? 0
            if flags & dropFlags != 0 { return false }
        }
        if timestampCheck {
            if lastTimestamp > ts {
                diagnostics("  WARNING: Record on cpu \(cpu) went backwards: \(Int64(bitPattern: lastTimestamp)) to "
                            + "\(Int64(bitPattern: ts)) delta: -\(Int64(bitPattern: lastTimestamp &- ts))\n\n")
            }
            lastTimestamp = ts
        }
        return true
    }
}
