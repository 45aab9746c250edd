@_spi(Engine) import TraceEvent
/// Merges streams read newest first (``ReverseCPURecordStream``) into one sequence in
/// decreasing timestamp order: the exact reverse of ``RecordMerger``'s order over the same
/// records (on equal timestamps the stream listed last comes first).
///
/// A linear pick over the streams' heads per record: reverse reading is for browsing from
/// the end, not for throughput.
@_spi(Engine) public struct ReverseRecordMerger {
    @_spi(Engine) public let streams: [ReverseCPURecordStream]
    private let state: State

    final class State {
        let heads: RecordSlots
        var live: [Bool]
        /// Streams whose head is to be read (on error a stream stays here: the next call
        /// reads on after its bad page).
        var needs: [Int]
        var pending = -1

        init(count: Int) {
            heads = RecordSlots(count: count)
            live = Array(repeating: false, count: count)
            needs = Array((0..<count).reversed())
        }
    }

    @_spi(Engine) public init(streams: [ReverseCPURecordStream]) {
        self.streams = streams
        state = State(count: streams.count)
    }

    /// Reads the next record of stream `k` into its head.
    private func refill(_ k: Int) throws(TraceFileError) {
        state.live[k] = false
        if let r = try streams[k].next() {
            state.heads[k] = r
            state.live[k] = true
        }
    }

    /// The index of the stream whose record comes next (held by `head(_:)` until the next
    /// call), or `nil` at the end. A thrown error ends the unreadable page of one stream;
    /// calling again goes on.
    @_spi(Engine) public mutating func nextIndex() throws(TraceFileError) -> Int? {
        let st = state
        if st.pending >= 0 {
            st.live[st.pending] = false
            st.needs.append(st.pending)
            st.pending = -1
        }
        while let k = st.needs.last {
            try refill(k)
            st.needs.removeLast()
        }
        var best = -1
        for k in streams.indices where st.live[k] {
            if best < 0 || st.heads[k].timestamp >= st.heads[best].timestamp { best = k }
        }
        guard best >= 0 else { return nil }
        st.pending = best
        return best
    }

    /// The next record and its stream's index, or `nil` at the end.
    @_spi(Engine) public mutating func next() throws(TraceFileError) -> (stream: Int, record: Record)? {
        guard let k = try nextIndex() else { return nil }
        return (k, state.heads[k])
    }

    /// The record of stream `k` returned by ``nextIndex()``.
    package func head(_ k: Int) -> Record { state.heads[k] }
}
