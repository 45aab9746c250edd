/// A k-way merge of record streams by timestamp.
///
/// Order is the reference's (`tracecmd_iterate_events_multi`): the record with the smallest
/// ``Record/timestamp`` comes first; on equal timestamps the stream listed first wins. The
/// key is whatever the streams put in ``Record/timestamp`` (raw, or corrected by a stream's
/// timestamp correction), so the same merge serves one buffer's CPUs and several files.
///
/// The record returned by ``next()`` stays valid until the next call to ``next()``: the
/// stream it came from is only advanced then.
public struct RecordMerger<Stream: RecordStream> {
    /// The streams, in tie-break order.
    public let streams: [Stream]

    private struct Entry {
        var key: UInt64
        var index: Int
        @inline(__always) static func < (a: Entry, b: Entry) -> Bool {
            a.key < b.key || (a.key == b.key && a.index < b.index)
        }
    }

    private var heap: [Entry] = []
    /// The current head record of each stream in the heap.
    private var heads: [Record?]
    /// Streams not yet read (filled at the start).
    private var unprimed: [Int]
    /// The stream whose record was returned last: its entry is still at the top of the heap,
    /// with a stale key, until the next call reads its next record.
    private var pending: Int?

    /// Merges `streams`; on equal timestamps, earlier streams come first.
    public init(streams: [Stream]) {
        self.streams = streams
        heads = Array(repeating: nil, count: streams.count)
        unprimed = Array(streams.indices.reversed())
        heap.reserveCapacity(streams.count)
    }

    /// The next record and the index of its stream, or `nil` when all streams are done.
    ///
    /// An error thrown by a stream is passed on; that stream's unreadable part is dropped and
    /// calling `next()` again continues the merge.
    public mutating func next() throws(TraceFileError) -> (stream: Int, record: Record)? {
        while let k = unprimed.last {
            // On error, k stays queued: the stream resumes after the bad part.
            let r = try streams[k].peek()
            unprimed.removeLast()
            if let r {
                heads[k] = r
                push(Entry(key: r.timestamp, index: k))
            }
        }
        if let k = pending {
            // k's entry is heap[0]; its stream was advanced when its record was returned.
            let r = try streams[k].peek()
            pending = nil
            heads[k] = r
            if let r {
                heap[0].key = r.timestamp
                siftDown(0)
            } else {
                popTop()
            }
        }
        guard let top = heap.first, let record = heads[top.index] else { return nil }
        streams[top.index].advance()
        pending = top.index
        return (top.index, record)
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i] < heap[parent] else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            if l + 1 < n && heap[l + 1] < heap[l] { m = l + 1 }
            guard heap[m] < heap[i] else { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}

/// All records of one buffer of a trace file, every CPU merged in timestamp order (equal
/// timestamps: lower CPU number first), as `trace-cmd report` lists them.
///
/// ```swift
/// var it = try RecordIterator(file: file)
/// while let r = try it.next() { ... }
/// ```
/// Each record's payload is valid until the next call to ``next()``.
public struct RecordIterator {
    /// The file being read.
    public let file: TraceFile
    /// The buffer being read.
    public let buffer: TraceBuffer
    /// One stream per CPU read, in CPU order.
    public var streams: [CPURecordStream] { merger.streams }
    private var merger: RecordMerger<CPURecordStream>

    /// Prepares to read `buffer` (by default the top-level buffer, or the first buffer when the
    /// file has no top-level one) of `file`.
    ///
    /// - Parameter cpus: read only these CPUs (like `trace-cmd report --cpu`); `nil` reads all.
    public init(file: TraceFile, buffer: TraceBuffer? = nil, cpus: Set<Int>? = nil) throws(TraceFileError) {
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
    public static func streams(file: TraceFile, buffer: TraceBuffer,
                               cpus: Set<Int>? = nil) throws(TraceFileError) -> [CPURecordStream] {
        let layout = try RingBufferLayout(file: file)
        let bases = try file.referenceDataOffsets(of: buffer)
        let order = buffer.cpus.indices.sorted { buffer.cpus[$0].cpu < buffer.cpus[$1].cpu }
        var result: [CPURecordStream] = []
        for i in order {
            if let cpus, !cpus.contains(buffer.cpus[i].cpu) { continue }
            result.append(try CPURecordStream(file: file, buffer: buffer, cpuIndex: i, layout: layout,
                                              referencePageBase: bases[i]))
        }
        return result
    }

    /// Sets a timestamp correction on every stream (see
    /// ``CPURecordStream/timestampCorrection``); `correction` gets the CPU and the raw
    /// timestamp. Call it before the first ``next()``.
    public func setTimestampCorrection(_ correction: @escaping (_ cpu: Int, _ raw: UInt64) -> UInt64) {
        for s in merger.streams {
            let cpu = s.cpu
            s.timestampCorrection = { correction(cpu, $0) }
        }
    }

    /// The next record in timestamp order, or `nil` at the end.
    ///
    /// A thrown error ends the unreadable part of one CPU (see ``CPURecordStream``); calling
    /// `next()` again continues with the rest, as the reference does after "bad page read".
    public mutating func next() throws(TraceFileError) -> Record? {
        try merger.next()?.record
    }
}
