@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// Writes trace-cmd trace files: converts a file to version 6 or 7, with or without
/// compression, keeping every section and option.
///
/// ```swift
/// let input = try TraceFile.open("trace.dat")
/// let report = try TraceWriter.convert(input, to: "trace-v6.dat", format: OutputFormat(version: 6))
/// for part in report.dropped { print("dropped:", part) }
/// ```
///
/// The ring-buffer pages are copied as they are (decompressed and recompressed as needed, on
/// every core); metadata (header info, formats, kallsyms, printk formats, saved command lines)
/// and options (TRACEID, GUEST, TIME_SHIFT, TSC2NSEC, OFFSET, DATE, CPUSTAT, UNAME, VERSION,
/// instances...) are carried over. An input that can only be partly read is converted as far
/// as it can be: what was left out is listed in ``WriteReport/dropped``.
public enum TraceWriter {
    /// Writes `file` to `path` in `format`.
    ///
    /// - Parameters:
    ///   - file: the input, opened `TraceFile.OpenMode.full`.
    ///   - path: the output path (created or replaced).
    ///   - format: version and compression of the output.
    /// - Returns: what was written, and what of the input was dropped.
    /// - Throws: ``TraceWriteError`` when the output cannot be written or the input's
    ///   metadata cannot be read.
    public static func convert(_ file: TraceFile, to path: String,
                               format: OutputFormat = .default) throws(TraceWriteError) -> WriteReport {
        let plan = try WritePlan(wholeFile: file)
        return try write(plan, to: path, format: format)
    }

    /// Opens the file at `input` and writes it to `output` in `format` (see ``convert(_:to:format:)``).
    public static func convert(path input: String, to output: String,
                               format: OutputFormat = .default) throws(TraceWriteError) -> WriteReport {
        let f: TraceFile
        do { f = try TraceFile.open(input) } catch {
            throw TraceWriteError(file: input, context: "open", kind: .input(error))
        }
        return try convert(f, to: output, format: format)
    }

    static func write(_ plan: WritePlan, to path: String, format: OutputFormat) throws(TraceWriteError) -> WriteReport {
        guard format.version == 6 || format.version == 7 else {
            throw TraceWriteError(file: path, context: "file version", kind: .unsupported("version \(format.version); 6 or 7"))
        }
        guard plan.source.mode == .full else {
            throw TraceWriteError(file: plan.source.path, context: "open", kind: .input(TraceFileError(
                file: plan.source.path, context: "CPU data", offset: 0, kind: .headOnly)))
        }
        var w = try FileLayoutWriter(plan: plan, format: format, path: path)
        do {
            return format.version == 6 ? try w.writeV6() : try w.writeV7()
        } catch {
            w.sink.discard()
            throw error
        }
    }
}

extension WritePlan {
    /// Every buffer of `file` whole, as its pages are stored.
    init(wholeFile file: TraceFile) throws(TraceWriteError) {
        source = file
        buffers = []
        // Warnings that lose nothing (a CPU with no data at an offset past the end) are not drops.
        dropped = file.warnings.filter { w in
            if case .truncated(let needed, _) = w.kind, needed == 0 { return false }
            return true
        }
        for b in file.buffers {
            guard b.kind == .flyrecord else {
                dropped.append(TraceFileError(file: file.path, context: "latency buffer \"\(b.name)\"", offset: b.textRange?.lowerBound ?? 0,
                                              kind: .invalidValue("latency (text) buffers are not written")))
                continue
            }
            var cpus: [CPUPlan] = []
            for i in b.cpus.indices {
                // A v6 file lists every CPU; v7 lists those with data, as trace-cmd records them.
                if file.version < 7 && b.cpus[i].size == 0 { continue }
                let context = "CPU \(b.cpus[i].cpu) data of buffer \"\(b.name)\""
                let src: CPUPageSource
                do {
                    src = try CPUPageSource(file: file, buffer: b, cpuIndex: i, decompressAhead: false)
                } catch {
                    dropped.append(error)
                    cpus.append(CPUPlan(cpu: b.cpus[i].cpu, pieces: [], context: context))
                    continue
                }
                if let cut = src.truncation { dropped.append(cut) }
                if src.trailingBytes > 0 {
                    dropped.append(TraceFileError(file: file.path, context: context, offset: src.location.offset + src.pageCount * src.pageSize,
                                                  kind: .truncated(needed: src.pageSize, available: src.trailingBytes)))
                }
                var pieces: [Piece] = []
                if src.chunks.isEmpty {
                    let step = DataPump.pagesPerChunk * src.pageSize
                    var at = src.location.offset
                    let end = at + src.pageCount * src.pageSize
                    while at < end {
                        pieces.append(.mapped(at..<min(end, at + step)))
                        at += step
                    }
                } else {
                    for (k, c) in src.chunks.enumerated() { pieces.append(.chunk(c, index: k)) }
                }
                cpus.append(CPUPlan(cpu: src.cpu, pieces: pieces, context: context))
            }
            buffers.append(BufferPlan(name: b.name, clock: b.clock ?? "", pageSize: b.pageSize, cpus: cpus))
        }
    }
}
