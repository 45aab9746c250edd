import CFuzzDriver
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport
@_spi(Engine) @testable import TraceEvent

/// The C signature of a libFuzzer target (`LLVMFuzzerTestOneInput`).
@_spi(Engine) public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer's driver on `target` with the process's command line: what libFuzzer's
/// own `main` does. Each harness calls it from its `<Module>_main` (see Package.swift).
@_spi(Engine) public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ target: FuzzTarget) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, target)
}

/// Where harnesses put values derived from what they read, so the optimizer keeps the reads.
@_spi(Engine) nonisolated(unsafe) public var fuzzSink: UInt64 = 0

/// Reads every byte of `bytes` (so AddressSanitizer checks the whole view) and folds them
/// into ``fuzzSink``.
@inline(never)
@_spi(Engine) public func touch(_ bytes: UnsafeRawBufferPointer) {
    var h: UInt64 = UInt64(bytes.count)
    for b in bytes { h = (h &* 31) &+ UInt64(b) }
    fuzzSink &+= h
}

/// Reads every byte of `span` (so AddressSanitizer checks the whole view) and folds them
/// into ``fuzzSink``.
@inline(never)
@_spi(Engine) public func touch(_ span: RawSpan) {
    var h: UInt64 = UInt64(span.byteCount)
    for i in 0..<span.byteCount { h = (h &* 31) &+ UInt64(span[i]) }
    fuzzSink &+= h
}

/// Folds a string's bytes into ``fuzzSink``.
@inline(never)
@_spi(Engine) public func touch(_ s: String) {
    var h = UInt64(s.utf8.count)
    for b in s.utf8 { h = (h &* 31) &+ UInt64(b) }
    fuzzSink &+= h
}

/// Folds text output into ``fuzzSink``.
@inline(never)
@_spi(Engine) public func touch(_ t: TextBuffer) {
    t.withBytes { touch($0) }
}

/// The input of one run as a raw buffer.
@inline(__always)
@_spi(Engine) public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
}

/// Splits `bytes` for harnesses whose input has several parts: the first `count - 1` parts
/// each end at the next NUL byte (not included), the last part is the rest (NULs included).
/// Missing parts are empty. Example with `count == 3`: `"a\0b\0c\0d"` → `a`, `b`, `c\0d`.
@_spi(Engine) public func splitAtNUL(_ bytes: UnsafeRawBufferPointer, count: Int) -> [UnsafeRawBufferPointer] {
    var parts: [UnsafeRawBufferPointer] = []
    var start = 0
    while parts.count < count - 1 {
        var i = start
        while i < bytes.count, bytes[i] != 0 { i += 1 }
        parts.append(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        start = min(i + 1, bytes.count)
    }
    parts.append(UnsafeRawBufferPointer(rebasing: bytes[start..<bytes.count]))
    return parts
}

/// The bytes as text (invalid UTF-8 replaced).
@_spi(Engine) public func text(_ bytes: UnsafeRawBufferPointer) -> String {
    String(decoding: bytes, as: UTF8.self)
}

/// The real tracefs formats of ``embeddedFormatTexts``, parsed.
@_spi(Engine) public let embeddedFormats: [EventFormat] = embeddedFormatTexts.compactMap {
    try? EventFormat(parsing: $0.text, system: $0.system)
}

/// A small kallsyms table with real-looking kernel symbols, for `%pS` and plugins.
@_spi(Engine) public let embeddedKallsyms = KallsymsTable(parsing: """
    ffffffff81000000 T _stext
    ffffffff81001000 T do_one_initcall
    ffffffff81100000 t schedule
    ffffffff81100400 T __schedule
    ffffffff81200000 T kmalloc_trace
    ffffffff81300000 T hrtimer_wakeup
    ffffffff81400000 T tick_nohz_handler
    ffffffff81500000 T vfs_read
    ffffffffc0000000 t ext4_readdir\t[ext4]
    """)

/// A comm registry that keeps what plugins register (for the sched plugin).
@_spi(Engine) public final class FuzzComms: CommRegistry {
    @_spi(Engine) public var cmdlines = SavedCmdlines()
    @_spi(Engine) public init() {}
    @_spi(Engine) public func register(pid: Int32, comm: RawSpan) {
        _ = cmdlines.register(comm: comm.string, pid: pid)
    }
}

/// Everything needed to print the records of one opened trace file: its event formats
/// compiled, plugins bound, symbols and printk strings, as a report would set them up.
@_spi(Engine) public final class FileFormatter {
    @_spi(Engine) public let file: TraceFile
    @_spi(Engine) public var registry: EventRegistry
    @_spi(Engine) public let kallsyms: KallsymsTable
    @_spi(Engine) public let comms = FuzzComms()
    @_spi(Engine) public let session = PluginSession()
    var compiled: [Int: CompiledPrintFormat] = [:]
    var plugins: [Int: any EventPlugin] = [:]
    var out = TextBuffer(capacity: 4096)

    /// Sets up printing for `file`; metadata that does not read or parse is skipped.
    @_spi(Engine) public init(file: TraceFile) {
        self.file = file
        var reg = EventRegistry(byteOrder: file.byteOrder, longSize: file.longSize)
        for t in file.ftraceFormats { _ = try? reg.add(parsing: t, system: "ftrace") }
        for (system, texts) in file.eventFormats {
            for t in texts { _ = try? reg.add(parsing: t, system: system) }
        }
        registry = reg
        let ks = (try? file.kallsymsText()) ?? []
        kallsyms = KallsymsTable(parsing: ks)
        let pk = (try? file.printkText()) ?? []
        let printk = PrintkFormats(parsing: pk)
        var strings: [UInt64: String] = [:]
        for e in printk.entries { strings[e.address] = e.format }
        let cl = (try? file.savedCmdlinesText()) ?? []
        comms.cmdlines = SavedCmdlines(parsing: cl)
        let context = PrintFormatContext(byteOrder: file.byteOrder, longSize: file.longSize,
                                         symbols: kallsyms, printkStrings: strings)
        let plugins = EventPlugins.standard
        let reg2 = reg
        for f in reg.formats where compiled[f.id] == nil {
            compiled[f.id] = CompiledPrintFormat(event: f, context: context)
            if let p = plugins.bind(f, byteOrder: file.byteOrder, longSize: file.longSize,
                                    formatNamed: { reg2.format(system: $0, name: $1) }) {
                self.plugins[f.id] = p
            }
        }
    }

    /// Prints one record (plugin or print format, then the raw fields) into a scratch
    /// buffer and folds the text into ``fuzzSink``.
    @_spi(Engine) public func format(_ record: Record) {
        record.withPayload { format(record, payload: $0) }
    }

    func format(_ record: Record, payload: RawSpan) {
        out.removeAll()
        guard let id = registry.commonLayout.eventID(in: payload, order: file.byteOrder) else {
            touch(payload)
            return
        }
        _ = registry.commonLayout.pid(in: payload, order: file.byteOrder).map { comms.cmdlines.displayComm(for: $0) }
        if let p = plugins[id] {
            let env = PluginEnvironment(symbols: kallsyms, comms: comms, session: session)
            let outcome = p.write(PluginRecord(cpu: record.cpu, timestamp: record.timestamp), payload: payload,
                                  lookahead: p.needsLookahead ? payload : nil, into: &out, environment: env)
            if outcome == .appendDefault { compiled[id]?.render(payload: payload, into: &out) }
        } else if let c = compiled[id] {
            c.render(payload: payload, into: &out)
        } else {
            touch(payload)
        }
        compiled[id]?.renderRawFields(payload: payload, into: &out)
        touch(out)
        if out.count > 1 << 20 { out = TextBuffer(capacity: 4096) }
    }
}

/// Reads every record of every flyrecord buffer of `file`, calling `body` for each.
/// An error ends the unreadable part of one CPU and reading goes on, as the report does.
@_spi(Engine) public func forEachRecord(of file: TraceFile, _ body: (Record) -> Void) {
    for buffer in file.buffers where buffer.kind == .flyrecord {
        guard var it = try? RecordIterator(file: file, buffer: buffer) else { continue }
        while true {
            do {
                guard let r = try it.next() else { break }
                body(r)
            } catch {
                touch(error.description)
            }
        }
    }
}

/// Report options from two flag bytes (the first two bytes of the report and session
/// harnesses' inputs). Byte 0: bit 0 `-R`, 1 `-t`, 2 `-l`, 3 `-N`, 4 `--ts-diff`,
/// 5 `--raw-ts`, 6 `--stat`, 7 `-w`. Byte 1: bit 0 `--cpu 0`, 1 `-F sched_switch: prev_pid != 0`,
/// 2 `-v -F irq_handler_entry`, 3 `--nodate`, 4 `--first-event`, 5 `--last-event`,
/// 6 `--list-cpus` (the last three replace the record listing).
@_spi(Engine) public func reportOptions(_ b0: UInt8, _ b1: UInt8, inputs: [String]) -> ReportOptions {
    var o = ReportOptions()
    o.inputs = inputs.map { ReportOptions.Input(path: $0) }
    o.multipleInputs = inputs.count > 1
    o.raw = b0 & 1 != 0
    o.nanoseconds = b0 & 2 != 0
    o.latency = b0 & 4 != 0
    o.noPlugins = b0 & 8 != 0
    o.tsDiff = b0 & 16 != 0
    o.rawTimestamps = b0 & 32 != 0
    o.stat = b0 & 64 != 0
    o.wakeupLatency = b0 & 128 != 0
    if b1 & 1 != 0 { o.cpus = [0] }
    if b1 & 2 != 0 { o.inputs[0].filters = ["sched_switch: prev_pid != 0"] }
    if b1 & 4 != 0 { o.inputs[0].excludingFilters = ["irq_handler_entry"] }
    o.noDate = b1 & 8 != 0
    o.firstEvent = b1 & 16 != 0
    o.lastEvent = b1 & 32 != 0
    o.listCPUs = b1 & 64 != 0
    return o
}

/// Runs `trace-cmd report` over `files` with `options`, folding the output into ``fuzzSink``.
@_spi(Engine) public func runReport(_ files: [TraceFile], _ options: ReportOptions) {
    let report = TraceReport(files: files, options: options)
    do {
        try report.run(sink: { touch($0) })
    } catch {
        touch(error.description)
    }
}
