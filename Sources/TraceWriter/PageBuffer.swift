@_spi(Engine) import TraceCmd

/// The ring-buffer pages of one buffer, to write with ``TraceWriter/write(_:metadataFrom:to:format:)``:
/// per CPU, whole pages (page header and events) as the kernel writes them.
public struct PageBuffer: Sendable {
    /// One CPU's pages.
    public struct CPUPages: Sendable {
        /// The CPU number.
        public var cpu: Int
        /// The pages, one after the other (a multiple of the page size).
        public var pages: [UInt8]

        /// A CPU's pages.
        /// - Parameters:
        ///   - cpu: the CPU number.
        ///   - pages: whole pages, one after the other.
        public init(cpu: Int, pages: [UInt8]) {
            self.cpu = cpu
            self.pages = pages
        }
    }

    /// The instance name; empty for the top-level buffer.
    public var name: String
    /// The trace clock (`local`, `mono`, ...); empty for the metadata file's clock.
    public var clock: String
    /// The CPUs' pages.
    public var cpus: [CPUPages]

    /// A buffer.
    /// - Parameters:
    ///   - name: the instance name (empty: the top-level buffer).
    ///   - clock: the trace clock (empty: the metadata file's).
    ///   - cpus: the CPUs' pages.
    public init(name: String = "", clock: String = "", cpus: [CPUPages]) {
        self.name = name
        self.clock = clock
        self.cpus = cpus
    }
}

extension TraceWriter {
    /// Writes a trace file from pages given in memory (a recorder's, or pages taken from other
    /// files), with the metadata and options of `file` (header info, formats, kallsyms, printk
    /// formats, saved command lines, TRACEID, TIME_SHIFT...).
    ///
    /// - Parameters:
    ///   - buffers: the pages to write, per buffer and CPU.
    ///   - file: where the metadata comes from; its page size and byte order are the pages'.
    ///   - path: the output path.
    ///   - format: version and compression of the output.
    /// - Throws: ``TraceWriteError`` when a CPU's pages are not whole pages, or the output
    ///   cannot be written.
    public static func write(_ buffers: [PageBuffer], metadataFrom file: TraceFile, to path: String,
                             format: OutputFormat = .default) throws(TraceWriteError) -> WriteReport {
        var memory: [PageMemory] = []
        var plans: [BufferPlan] = []
        for b in buffers {
            var cpus: [CPUPlan] = []
            for c in b.cpus {
                guard c.pages.count % file.pageSize == 0 else {
                    throw TraceWriteError(file: path, context: "CPU \(c.cpu) of buffer \"\(b.name)\"",
                                          kind: .unsupported("\(c.pages.count) bytes are not whole \(file.pageSize)-byte pages"))
                }
                memory.append(PageMemory(c.pages))
                let step = DataPump.pagesPerChunk * file.pageSize
                var pieces: [Piece] = []
                var at = 0
                while at < c.pages.count {
                    pieces.append(.memory(memory.count - 1, at..<min(c.pages.count, at + step)))
                    at += step
                }
                cpus.append(CPUPlan(cpu: c.cpu, pieces: pieces, context: "CPU \(c.cpu) data of buffer \"\(b.name)\""))
            }
            plans.append(BufferPlan(name: b.name, clock: b.clock, pageSize: file.pageSize, cpus: cpus))
        }
        var plan = WritePlan(source: file, buffers: plans)
        plan.memory = memory
        return try write(plan, to: path, format: format)
    }
}
