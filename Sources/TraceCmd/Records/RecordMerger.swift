@_spi(Engine) import TraceEvent
/// A k-way merge of record streams by timestamp.
///
/// Order is the reference's (`tracecmd_iterate_events_multi`): the record with the smallest
/// ``Record/timestamp`` comes first; on equal timestamps the stream listed first wins. The
/// key is whatever the streams put in ``Record/timestamp`` (raw, or corrected by a stream's
/// timestamp correction), so the same merge serves one buffer's CPUs and several files.
///
/// The record returned by ``next()`` stays valid until the next call to ``next()``: the
/// stream it came from is only advanced then.
@_spi(Engine) public struct RecordMerger {
    /// The streams, in tie-break order.
    @_spi(Engine) public let streams: [CPURecordStream]

    struct Entry {
        var key: UInt64
        var index: Int
        @inline(__always) static func < (a: Entry, b: Entry) -> Bool {
            a.key < b.key || (a.key == b.key && a.index < b.index)
        }
    }

    /// The merge state, in one allocation read without reference counting or
    /// copy-on-write checks per record: a binary min-heap of (next timestamp, stream) and
    /// unretained stream references (``streams`` keeps the streams alive).
    final class State {
        // Single-threaded by contract: no dynamic exclusivity checks per record.
        let heap: UnsafeMutablePointer<Entry>
        @exclusivity(unchecked) var count = 0
        let refs: UnsafeMutablePointer<Unmanaged<CPURecordStream>>
        /// Per stream in the heap: its next record, taken from the stream.
        let heads: UnsafeMutablePointer<Record>
        /// Streams not yet read, last first.
        @exclusivity(unchecked) var unprimed: [Int]
        /// The stream whose record was returned last (it is re-read on the next call).
        @exclusivity(unchecked) var pending = -1
        /// The error that made the last ``step()`` return -2.
        @exclusivity(unchecked) var error: TraceFileError?

        init(_ streams: [CPURecordStream]) {
            let n = max(streams.count, 1)
            heap = .allocate(capacity: n)
            refs = .allocate(capacity: n)
            heads = .allocate(capacity: n)
            for (i, s) in streams.enumerated() { (refs + i).initialize(to: .passUnretained(s)) }
            unprimed = Array(streams.indices.reversed())
        }

        deinit {
            heap.deallocate()
            refs.deallocate()
            heads.deallocate() // Record is a plain value: nothing to deinitialize

        }

        /// Reads stream `k`'s next record into `heads[k]`, without retaining the stream;
        /// false at its end or at an error (``streamError(_:)`` tells which).
        @inline(__always) func fill(_ k: Int) -> Bool {
            let slot = heads + k
            return refs[k]._withUnsafeGuaranteedRef { $0.next(into: slot) }
        }

        /// The error that made the last ``fill(_:)`` of stream `k` return false, if any.
        func streamError(_ k: Int) -> TraceFileError? {
            refs[k]._withUnsafeGuaranteedRef { $0.takeError() }
        }

        /// Takes stream `k`'s next record into `heads[k]`; false at its end.
        @inline(__always) func take(_ k: Int) throws(TraceFileError) -> Bool {
            if _fastPath(fill(k)) { return true }
            if let error = streamError(k) { throw error }
            return false
        }

        /// The next stream index of the merge (its record in `heads`), -1 at the end, -2
        /// when a stream's error ended a part of it (in ``error``; the next call goes on
        /// after that part). Throws nothing: the per-record path carries no error value.
        @inline(__always) func step() -> Int {
            if _slowPath(!unprimed.isEmpty) {
                guard primeKeepingError() else { return -2 }
            }
            let k = pending
            if k >= 0 {
                if _fastPath(fill(k)) {
                    pending = -1
                    heap[0].key = heads[k].timestamp
                    siftDown()
                } else if let e = streamError(k) {
                    // k stays pending: its record is not returned again, and the next call
                    // reads on after the bad part of the stream.
                    error = e
                    return -2
                } else {
                    pending = -1
                    popTop()
                }
            }
            guard count > 0 else { return -1 }
            let top = heap[0].index
            pending = top
            return top
        }

        @inline(never) func primeKeepingError() -> Bool {
            do throws(TraceFileError) {
                try prime()
                return true
            } catch {
                self.error = error
                return false
            }
        }

        /// The error of the last ``step()`` that returned -2 (cleared).
        func takeError() -> TraceFileError? {
            guard let e = error else { return nil }
            error = nil
            return e
        }

        /// Reads the first record of each stream not read yet into the heap.
        func prime() throws(TraceFileError) {
            while let k = unprimed.last {
                // On error, k stays queued: the stream resumes after the bad part.
                let more = try take(k)
                unprimed.removeLast()
                if more { push(Entry(key: heads[k].timestamp, index: k)) }
            }
        }

        @inline(__always) func push(_ e: Entry) {
            var i = count
            heap[i] = e
            count += 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard heap[i] < heap[parent] else { break }
                let t = heap[i]; heap[i] = heap[parent]; heap[parent] = t
                i = parent
            }
        }

        @inline(__always) func popTop() {
            count -= 1
            guard count > 0 else { return }
            heap[0] = heap[count]
            siftDown()
        }

        @inline(__always) func siftDown() {
            var i = 0
            let n = count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var m = l
                if l + 1 < n && heap[l + 1] < heap[l] { m = l + 1 }
                guard heap[m] < heap[i] else { break }
                let t = heap[i]; heap[i] = heap[m]; heap[m] = t
                i = m
            }
        }
    }

    let state: State

    /// A merge of `streams`, listed in tie-break order.
    @_spi(Engine) public init(streams: [CPURecordStream]) {
        self.streams = streams
        state = State(streams)
    }

    /// The next record over all streams and the index of its stream, or `nil` when all
    /// are exhausted.
    ///
    /// A stream's error is rethrown; calling `next()` again continues after the bad part
    /// of that stream.
    @inline(__always)
    @_spi(Engine) public mutating func next() throws(TraceFileError) -> (stream: Int, record: Record)? {
        guard let k = try nextIndex() else { return nil }
        return (k, state.heads[k])
    }
}

extension RecordMerger {
    /// Like ``next()``, for a caller that reads the record in place: returns the index of
    /// the stream whose record comes next, which `head(_:)` then holds (until the next
    /// call). Reading the fields it needs from there, the caller copies no whole record.
    @inline(__always)
    @_spi(Engine) public mutating func nextIndex() throws(TraceFileError) -> Int? {
        let k = state.step()
        if k >= 0 { return k }
        if let error = state.takeError() { throw error }
        return nil
    }

    /// Like ``nextIndex()`` without throwing: the index, -1 at the end, or -2 when an error
    /// ended a part of a stream (``takeError()`` returns it; calling again goes on).
    @inline(__always)
    func step() -> Int { state.step() }

    /// The error behind the last ``step()`` that returned -2.
    func takeError() -> TraceFileError? { state.takeError() }

    /// The record of stream `k` returned by ``nextIndex()``.
    @inline(__always)
    package func head(_ k: Int) -> UnsafePointer<Record> { UnsafePointer(state.heads + k) }
}
