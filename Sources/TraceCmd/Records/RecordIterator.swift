@_spi(Engine) import TraceEvent
/// All records of one buffer of a trace file, every CPU merged in timestamp order (equal
/// timestamps: lower CPU number first), as `trace-cmd report` lists them.
///
/// ```swift
/// var it = try RecordIterator(file: file)
/// while let r = try it.next() { ... }
/// ```
/// Each record's payload is valid until the next call to ``next()``.
@_spi(Engine) public struct RecordIterator {
    /// The file being read.
    @_spi(Engine) public let file: TraceFile
    /// The buffer being read.
    @_spi(Engine) public let buffer: TraceBuffer
    /// One stream per CPU read, in CPU order.
    @_spi(Engine) public var streams: [CPURecordStream] { merger.streams }
    private var merger: RecordMerger

    /// Prepares to read `buffer` (by default the top-level buffer, or the first buffer when the
    /// file has no top-level one) of `file`.
    ///
    /// - Parameters:
    ///   - file: the file to read, opened in ``TraceFile/OpenMode/full`` mode.
    ///   - buffer: the buffer to read (one of `file.buffers`).
    ///   - cpus: read only these CPUs (like `trace-cmd report --cpu`); `nil` reads all.
    @_spi(Engine) public init(file: TraceFile, buffer: TraceBuffer? = nil, cpus: Set<Int>? = nil) throws(TraceFileError) {
        guard let b = buffer ?? file.topBuffer ?? file.buffers.first else {
            throw TraceFileError(file: file.path, context: "records", offset: 0,
                                 kind: .invalidValue("the file has no ring buffer"))
        }
        guard b.kind == .flyrecord else {
            throw TraceFileError(file: file.path, context: "records of buffer \"\(b.name)\"", offset: 0,
                                 kind: .invalidValue("a latency (text) buffer has no records"))
        }
        self.file = file
        self.buffer = b
        merger = RecordMerger(streams: try Self.streams(file: file, buffer: b, cpus: cpus))
    }

    /// One ``CPURecordStream`` per CPU of `buffer` (restricted to `cpus` when given), sorted by
    /// CPU number: the order the reference uses to break timestamp ties.
    ///
    /// - Parameters:
    ///   - file: the file to read, opened in ``TraceFile/OpenMode/full`` mode.
    ///   - buffer: the buffer to read (one of `file.buffers`).
    ///   - cpus: CPU numbers to read; `nil` reads all.
    ///   - decompressAhead: see ``CPUPageSource/init(file:buffer:cpuIndex:decompressAhead:)``.
    @_spi(Engine) public static func streams(file: TraceFile, buffer: TraceBuffer, cpus: Set<Int>? = nil,
                               decompressAhead: Bool = CPUPageSource.decompressAhead) throws(TraceFileError) -> [CPURecordStream] {
        let layout = try RingBufferLayout(file: file)
        let bases = try file.referenceDataOffsets(of: buffer)
        let order = buffer.cpus.indices.sorted { buffer.cpus[$0].cpu < buffer.cpus[$1].cpu }
        var result: [CPURecordStream] = []
        for i in order {
            if let cpus, !cpus.contains(buffer.cpus[i].cpu) { continue }
            result.append(try CPURecordStream(file: file, buffer: buffer, cpuIndex: i, layout: layout,
                                              referencePageBase: bases[i], decompressAhead: decompressAhead))
        }
        return result
    }

    /// Sets the timestamp correction of every stream (by default the one `tracecmd_open`
    /// applies to this buffer: see ``TimestampCorrector/init(file:buffer:settings:)``). Call it
    /// before the first ``next()``.
    @_spi(Engine) public func setTimestampCorrector(_ corrector: TimestampCorrector) {
        for s in merger.streams { s.setCorrection(corrector) }
    }

    /// The next record in timestamp order, or `nil` at the end.
    ///
    /// A thrown error ends the unreadable part of one CPU (see ``CPURecordStream``); calling
    /// `next()` again continues with the rest, as the reference does after "bad page read".
    @_spi(Engine) public mutating func next() throws(TraceFileError) -> Record? {
        try merger.next()?.record
    }
}
