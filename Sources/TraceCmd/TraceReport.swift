/// Produces the text of `trace-cmd report` for one or more trace files.
///
/// Records are streamed from all inputs and their instance buffers, merged in timestamp
/// order, filtered, and formatted into a ``TextBuffer`` that is handed to `sink` in large
/// blocks. Nothing is allocated per record beyond the output itself.
public struct TraceReport {
    /// One input handle: a file's top-level buffer, or one of its instances.
    final class Handle {
        let file: TraceFile
        let buffer: TraceBuffer
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
        let style: LineStyle

        init(file: TraceFile, buffer: TraceBuffer, printer: EventPrinter, label: String, isInstance: Bool,
             input: ReportOptions.Input?, corrector: TimestampCorrector, inUsecs: Bool, useTraceClock: Bool) {
            self.input = input
            self.file = file
            self.buffer = buffer
            self.printer = printer
            self.label = Array(label.utf8)
            self.isInstance = isInstance
            self.corrector = corrector
            self.style = LineStyle(inUsecs: inUsecs, useTraceClock: useTraceClock, byteOrder: file.byteOrder)
        }
    }

    /// An error that ends the report.
    public enum Failure: Error, CustomStringConvertible {
        case file(TraceFileError)
        case filter(EventFilterError)

        public var description: String {
            switch self {
            case .file(let e): return e.description
            case .filter(let e): return e.description
            }
        }
    }

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

    /// The clocks in nanoseconds: timestamps are printed as seconds.microseconds.
    static let nanosecondClocks: Set<String> = ["local", "global", "uptime", "perf", "tai", "x86-tsc-nsec"]

    static func clockInUsecs(_ clock: String) -> Bool {
        nanosecondClocks.contains(clock) || clock.hasPrefix("mono")
    }

    /// The timestamp correction `tracecmd_open` sets up for `buffer` of `file` (instances get
    /// no TIME_SHIFT correction, as in the reference).
    func makeCorrector(_ file: TraceFile, buffer: TraceBuffer, userOffset: Int64) -> TimestampCorrector {
        let settings = TimestampCorrector.Settings(rawTimestamps: options.rawTimestamps, ignoreDate: options.noDate,
                                                   userOffset: userOffset)
        return TimestampCorrector.lenient(file: file, buffer: buffer, settings: settings)
    }

    /// Runs the report, passing output to `sink` in blocks.
    public func run(sink: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        var out = TextBuffer(capacity: 1 << 17)
        // Takes the buffer as a parameter: a nested function that captured `out` would make
        // every access to it, per record, a dynamic exclusivity check.
        func flush(_ out: inout TextBuffer) {
            out.withUnsafeBytes { sink($0) }
            out.removeAll()
        }
        let session = PluginSession()
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
            do { printer = try EventPrinter(file: f, options: printerOptions, session: session) } catch {
                throw .file(error)
            }
            let hasClockOption = f.options.contains { $0.id == .traceClock }
            let inUsecs = !options.rawTimestamps && (f.tsc2nsec.map { $0.multiplier != 0 } ?? false
                                                     || Self.clockInUsecs(f.clock))
            let input = options.inputs.indices.contains(i) ? options.inputs[i] : ReportOptions.Input(path: f.path)
            if let top = f.topBuffer, top.kind == .flyrecord {
                let corrector = makeCorrector(f, buffer: top, userOffset: input.tsOffset)
                handles.append(Handle(file: f, buffer: top, printer: printer,
                                      label: options.multipleInputs ? input.label : "", isInstance: false,
                                      input: input, corrector: corrector, inUsecs: inUsecs,
                                      useTraceClock: hasClockOption))
            }
            for b in f.instances where b.kind == .flyrecord {
                let corrector = makeCorrector(f, buffer: b, userOffset: input.tsOffset)
                // With one input, trace-cmd gives instances an input of their own, without filters.
                instanceHandles.append(Handle(file: f, buffer: b, printer: printer,
                                              label: options.multipleInputs ? input.label : b.name, isInstance: true,
                                              input: options.multipleInputs ? input : nil, corrector: corrector,
                                              inUsecs: inUsecs, useTraceClock: hasClockOption))
            }
        }
        if handles.count > 1, let host = handles.first {
            let guests = handles.dropFirst().map { ($0.file, $0.printer.kallsyms as any SymbolResolver) }
            host.printer.environment.guestFunctions = GuestSymbolMap(host: host.file, guests: guests)
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
            if options.multipleInputs { Self.appendLabel(h.label, width: labelWidth, into: &out) }
            out.append("cpus=")
            out.appendDecimal(UInt64(h.file.cpuCount))
            out.append(0x0a)
            if options.stat {
                appendStats(h, into: &out)
            }
        }
        if options.stat { flush(&out); return }
        let all = handles + instanceHandles
        // Streams, in the reference's tie order: handle by handle, CPU by CPU.
        var streams: [CPURecordStream] = []
        var streamHandle: [Int] = []
        var start = 0
        for (hi, h) in all.enumerated() {
            h.startCPU = start
            let s: [CPURecordStream]
            do {
                s = try RecordIterator.streams(file: h.file, buffer: h.buffer,
                                               decompressAhead: threads > 1 && CPUPageSource.decompressAhead)
            } catch { throw .file(error) }
            for st in s {
                // No closure call per record when the timestamps are used as recorded.
                if !h.corrector.isIdentity {
                    let box = h
                    let cpu = st.cpu
                    st.timestampCorrection = { raw in box.corrector.correct(raw, cpu: cpu) }
                }
                streams.append(st)
                streamHandle.append(hi)
            }
            start += max(h.file.cpuCount, (h.buffer.cpus.map(\.cpu).max() ?? -1) + 1)
        }
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
        var merger = RecordMerger(streams: streams)
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
                guard let k = try merger.nextIndex() else { break }
                si = k
            } catch { continue }
            // Read in place, field by field (a copy of the whole record just written by the
            // merge would wait for those writes).
            let record = merger.head(si)
            let hi = streamHandle[si]
            handleRefs[hi]._withUnsafeGuaranteedRef { h in
                let globalCPU = h.startCPU + record.pointee.cpu
                if let cpus = options.cpus, !cpus.contains(globalCPU) { return }
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
                    if showLabels { Self.appendLabel(h.label, width: labelWidth, into: &out) }
                    var pageRest: UnsafeRawBufferPointer?
                    if options.raw, let base = payload.baseAddress {
                        let after = h.buffer.pageSize - (record.pointee.offsetInPage + record.pointee.recordSize)
                        if after > 0 { pageRest = UnsafeRawBufferPointer(start: base, count: payload.count + after) }
                    }
                    comm.withUnsafeBufferPointer { c in
                        Self.writeLine(payload: payload, pageRest: pageRest, cpu: record.pointee.cpu, timestamp: record.pointee.timestamp,
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

    static func appendLabel(_ label: [UInt8], width: Int, into out: inout TextBuffer) {
        out.append(repeating: 0x20, count: width - label.count)
        out.append(contentsOf: label)
        if label.isEmpty {
            out.append(0x20); out.append(0x20)
        } else {
            out.append(0x3a); out.append(0x20)
        }
    }

    static let spaces = [UInt8](repeating: 0x20, count: 64)

    /// The options that shape every report line, as a plain value (formatting threads copy
    /// it instead of sharing the report's options and their arrays).
    struct LineFormat: Sendable {
        var latency: Bool
        var raw: Bool
        var nanoseconds: Bool
        var tsDiff: Bool
    }

    var lineFormat: LineFormat {
        LineFormat(latency: options.latency, raw: options.raw, nanoseconds: options.nanoseconds, tsDiff: options.tsDiff)
    }

    /// What a report line needs of its input besides the record: fixed per handle, a value
    /// that formatting threads can hold without touching the handle.
    struct LineStyle: Sendable {
        var inUsecs: Bool
        var useTraceClock: Bool
        var byteOrder: ByteOrder
    }

    /// Formats one report line (and a dropped-events line before it).
    ///
    /// - Parameters:
    ///   - pageRest: for `-R`, the payload followed by the rest of its page.
    ///   - comm: the comm shown for the record's pid (looked up in record order).
    static func writeLine(payload: UnsafeRawBufferPointer, pageRest: UnsafeRawBufferPointer?, cpu: Int, timestamp ts: UInt64,
                          missed: Int64, comm: UnsafeBufferPointer<UInt8>, style h: LineStyle, format options: LineFormat,
                          printer: EventPrinter, eventIndex: Int?, lastTS: inout UInt64, into out: inout TextBuffer) {
        if missed > 0 {
            out.append("CPU:" as StaticString); out.appendDecimal(UInt64(cpu)); out.append(" [" as StaticString)
            out.appendDecimal(missed); out.append(" EVENTS DROPPED]\n" as StaticString)
        } else if missed < 0 {
            out.append("CPU:"); out.appendDecimal(UInt64(cpu)); out.append(" [EVENTS DROPPED]\n")
        }
        let lineStart = out.count
        let pid = printer.pid(of: payload)
        if options.latency {
            // "%8.8s-%-5d %3d"
            let c = comm.prefix(8)
            out.append(repeating: 0x20, count: 8 - c.count)
            out.append(contentsOf: c)
            out.append(0x2d)
            Self.appendLeft(Int64(pid), width: 5, into: &out)
            out.append(0x20)
            Self.appendRight(Int64(cpu), width: 3, into: &out)
            if options.raw {
                out.append("-0x" as StaticString)
                let flags = printer.registry.commonLayout.flags(in: payload, order: h.byteOrder) ?? 0
                Self.appendHex(flags, into: &out)
            } else {
                Self.appendLatencyFlags(payload, printer: printer, into: &out)
            }
        } else if comm.count <= 32 {
            // The common case in one copy: "%16s-%-5d [%03d]" and the time column.
            let inUsecs = h.inUsecs, nanoseconds = options.nanoseconds
            // Written in place: at most 32 + 1 + 11 + 2 + 20 + 1 + 1 + 20 + 1 + 9 + 1 = 99 bytes.
            out.appendUnsafe(maxCount: LineScratch.capacity) { base in
                var l = LineScratch(base: base)
                l.pad(0x20, 16 - comm.count)
                l.put(comm)
                l.put(0x2d)
                l.leftSigned(Int64(pid), width: 5)
                l.put(0x20); l.put(0x5b)
                l.zeroPadded(UInt64(cpu), width: 3)
                l.put(0x5d)
                if inUsecs {
                    l.put(0x20)
                    if nanoseconds {
                        l.right(ts / 1_000_000_000, width: 5)
                        l.put(0x2e)
                        l.zeroPadded(ts % 1_000_000_000, width: 9)
                    } else {
                        let us = (ts &+ 500) / 1000
                        l.right(us / 1_000_000, width: 5)
                        l.put(0x2e)
                        l.zeroPadded(us % 1_000_000, width: 6)
                    }
                } else {
                    l.right(ts, width: 12)
                }
                l.put(0x3a)
                return l.count
            }
        } else {
            // "%16s-%-5d [%03d]"
            out.append(repeating: 0x20, count: 16 - comm.count)
            out.append(contentsOf: comm)
            out.append(0x2d)
            Self.appendLeft(Int64(pid), width: 5, into: &out)
            out.append(" [" as StaticString)
            Self.appendZeroPadded(UInt64(cpu), width: 3, into: &out)
            out.append(0x5d)
        }
        if options.latency || comm.count > 32 {
            if h.inUsecs {
                out.append(0x20)
                Self.appendTime(ts, into: &out, nanoseconds: options.nanoseconds)
                out.append(0x3a)
            } else {
                Self.appendRight(ts, width: 12, into: &out)
                out.append(0x3a)
            }
        }
        if options.tsDiff {
            var recTS = ts
            if h.useTraceClock && !options.nanoseconds { recTS = (recTS &+ 500) / 1000 }
            out.append(0x20)
            let textStart = out.count
            if lastTS != 0 {
                out.append(0x28); out.append(0x2b)
                out.appendDecimal(Int64(bitPattern: recTS &- lastTS))
                out.append(0x29)
            }
            lastTS = recTS
            out.append(repeating: 0x20, count: 8 - (out.count - textStart))
        }
        out.append(0x20)
        if let idx = eventIndex {
            printer.writeNameAndInfo(eventIndex: idx, payload: payload, pageRest: pageRest, cpu: cpu, timestamp: ts,
                                     into: &out)
        } else {
            out.append("(NULL): " as StaticString)
            out.append(contentsOf: Self.spaces[0..<14])
            let id = printer.registry.commonLayout.eventID(in: payload, order: h.byteOrder) ?? -1
            out.append("[UNKNOWN EVENT \(id)]")
        }
        if out.count > lineStart, out.last == 0x0a {
            out.removeLast()
        }
        out.append(0x0a)
    }

    /// `data_latency_format`: irqs-off, need-resched, hard/soft irq, preempt depth.
    static func appendLatencyFlags(_ payload: UnsafeRawBufferPointer, printer: EventPrinter, into out: inout TextBuffer) {
        let order = printer.file.byteOrder
        let flags = printer.registry.commonLayout.flags(in: payload, order: order) ?? 0
        let pc = printer.registry.commonLayout.preemptCount(in: payload, order: order) ?? 0
        let hard = flags & 0x08 != 0, soft = flags & 0x10 != 0
        out.append(flags & 0x01 != 0 ? UInt8(ascii: "d") : flags & 0x02 != 0 ? UInt8(ascii: "X") : UInt8(ascii: "."))
        out.append(flags & 0x04 != 0 ? UInt8(ascii: "N") : UInt8(ascii: "."))
        out.append(hard && soft ? UInt8(ascii: "H") : hard ? UInt8(ascii: "h") : soft ? UInt8(ascii: "s") : UInt8(ascii: "."))
        if pc & 0xf != 0 { Self.appendHex(pc & 0xf, into: &out) } else { out.append(UInt8(ascii: ".")) }
        if pc & 0xf0 != 0 { Self.appendHex(pc >> 4, into: &out) } else { out.append(UInt8(ascii: ".")) }
        for name in ["common_migrate_disable", "common_lock_depth"] {
            if let f = printer.hasCommonField(name) {
                let v = f.signedValue(in: payload, order: order) ?? -1
                if v < 0 { out.append(UInt8(ascii: ".")) } else { out.appendDecimal(v) }
            }
        }
    }

    /// `%5llu.%06llu` of microseconds (rounded), or `%5llu.%09llu` of nanoseconds.
    static func appendTime(_ ts: UInt64, into out: inout TextBuffer, nanoseconds: Bool) {
        if nanoseconds {
            Self.appendRight(ts / 1_000_000_000, width: 5, into: &out)
            out.append(0x2e)
            Self.appendZeroPadded(ts % 1_000_000_000, width: 9, into: &out)
        } else {
            let us = (ts &+ 500) / 1000
            Self.appendRight(us / 1_000_000, width: 5, into: &out)
            out.append(0x2e)
            Self.appendZeroPadded(us % 1_000_000, width: 6, into: &out)
        }
    }

    static func appendRight(_ v: UInt64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v)
        if n < width { out.append(repeating: 0x20, count: width - n) }
        out.appendDecimal(v)
    }

    static func appendRight(_ v: Int64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v.magnitude) + (v < 0 ? 1 : 0)
        if n < width { out.append(repeating: 0x20, count: width - n) }
        out.appendDecimal(v)
    }

    static func appendLeft(_ v: Int64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v.magnitude) + (v < 0 ? 1 : 0)
        out.appendDecimal(v)
        if n < width { out.append(repeating: 0x20, count: width - n) }
    }

    static func appendZeroPadded(_ v: UInt64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v)
        if n < width { out.append(repeating: 0x30, count: width - n) }
        out.appendDecimal(v)
    }

    /// Lower-case hexadecimal digits of `v` (`%x`).
    static func appendHex(_ v: UInt64, into out: inout TextBuffer) {
        var n = 1
        while n < 16 && v >> (4 * UInt64(n)) != 0 { n += 1 }
        var i = n
        while i > 0 {
            i -= 1
            let d = UInt8(truncatingIfNeeded: (v >> (4 * UInt64(i))) & 15)
            out.append(d < 10 ? 0x30 &+ d : 0x61 &- 10 &+ d)
        }
    }

    static func digits(_ v: UInt64) -> Int { LineScratch.digits(v) }

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
        for cpu in 0..<h.file.cpuCount {
            var offset = 0, size = 0
            if let i = h.buffer.cpus.firstIndex(where: { $0.cpu == cpu }) {
                let c = h.buffer.cpus[i]
                offset = offsets[i]
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
        if h.style.inUsecs { Self.appendTime(ts, into: &out, nanoseconds: options.nanoseconds) } else { Self.appendRight(ts, width: 12, into: &out) }
    }
}
