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
    @_spi(Engine) public var streams: [CPURecordStream] { state.streams }

    /// The merge state: per stream its next record, the heap of the streams that have one,
    /// and the merge's progress (see ``MergeSlots``).
    @usableFromInline let state: MergeSlots

    /// A merge of `streams`, listed in tie-break order.
    @_spi(Engine) public init(streams: [CPURecordStream]) {
        state = MergeSlots(streams: streams)
    }

    /// The next record over all streams and the index of its stream, or `nil` when all
    /// are exhausted.
    ///
    /// A stream's error is rethrown; calling `next()` again continues after the bad part
    /// of that stream.
    @inline(__always)
    @_spi(Engine) public mutating func next() throws(TraceFileError) -> (stream: Int, record: Record)? {
        guard let k = try nextIndex() else { return nil }
        return (k, state[k])
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

    /// The record of stream `k` returned by ``nextIndex()`` (valid until the next call).
    @inlinable @inline(__always)
    package func head(_ k: Int) -> Record { state[k] }
}

extension MergeSlots {
    /// Takes stream `k`'s next record into its slot; false at its end.
    @inline(__always) func take(_ k: Int) throws(TraceFileError) -> Bool {
        if _fastPath(fill(k)) { return true }
        if let error = streamError(k) { throw error }
        return false
    }

    /// The next stream index of the merge (its record in its slot), -1 at the end, -2
    /// when a stream's error ended a part of it (in ``error``; the next call goes on
    /// after that part). Throws nothing: the per-record path carries no error value.
    @inline(__always) func step() -> Int {
        if _slowPath(primedCount < count) {
            guard primeKeepingError() else { return -2 }
        }
        let k = pending
        if k >= 0 {
            // `k` is still the top stream: nothing changed the heap since it was returned
            // (priming, which pushes, is over before any stream is returned).
            if _fastPath(refillPending()) {
                // it stays the pending one until ``takeTop()`` below
            } else if let e = streamError(k) {
                // k stays pending: its record is not returned again, and the next call
                // reads on after the bad part of the stream.
                error = e
                return -2
            } else {
                clearPending()
                popTop()
            }
        }
        // -1 when the heap is empty: the end, and nothing pending.
        return takeTop()
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

    /// Reads the first record of each stream not read yet into the heap, in stream order.
    func prime() throws(TraceFileError) {
        while primedCount < count {
            let k = primedCount
            // On error, k stays unread: the stream resumes after the bad part.
            let more = try take(k)
            primedCount = k + 1
            if more { push(k) }
        }
    }
}
