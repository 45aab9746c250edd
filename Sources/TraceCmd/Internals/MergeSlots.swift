/// The storage of a k-way merge of record streams, read per record without reference
/// counting or copy-on-write checks: per stream its next record (its slot), the streams
/// themselves, and a binary min-heap of (slot's timestamp, stream) over the streams that
/// have a record, smallest timestamp on top, ties to the lower stream index.
///
/// Every stream index taken from outside is bounds-checked; the heap holds only indices
/// checked on their way in (``push(_:)``), so the per-record ``refillTop()`` reads the
/// slots without further checks. Single-threaded by contract.
///
/// It also holds the merge's per-record progress (``pending``, ``primedCount``, read and
/// written without dynamic exclusivity checks) and its last error: ``RecordMerger`` runs
/// the merge on it with no object in between.
@safe
@_spi(Engine) @usableFromInline
final class MergeSlots {
    struct Entry {
        var key: UInt64
        var index: Int
        @inline(__always) static func < (a: Entry, b: Entry) -> Bool {
            a.key < b.key || (a.key == b.key && a.index < b.index)
        }
    }

    /// The streams, in tie-break order (what keeps them alive).
    let streams: [CPURecordStream]
    /// The number of streams (and slots).
    @usableFromInline let count: Int
    private let refs: UnsafeMutablePointer<Unmanaged<CPURecordStream>>
    @_spi(Engine) @usableFromInline let heads: UnsafeMutablePointer<Record>
    private let heap: UnsafeMutablePointer<Entry>
    /// The number of heap entries.
    @exclusivity(unchecked) private(set) var heapCount = 0
    @exclusivity(unchecked) private var storedPending = -1
    @exclusivity(unchecked) private var storedPrimedCount = 0
    /// The error that made the merge's last step return -2 (see ``RecordMerger``).
    var error: TraceFileError?

    /// The stream whose record the merge returned last (``takeTop()``; it is read again on
    /// the next step), or -1. Only ever a stream index taken from the heap, or -1.
    var pending: Int {
        @inline(__always) get { unsafe storedPending }
    }

    /// Forgets the pending stream.
    @inline(__always)
    func clearPending() { unsafe storedPending = -1 }

    /// The stream on top of the heap, made the pending one; -1 (nothing pending) when the
    /// heap is empty.
    @inline(__always)
    func takeTop() -> Int {
        let t = top
        unsafe storedPending = t
        return t
    }

    /// The number of streams whose first record has been read into the heap (the streams
    /// are read in order: 0 ..< primedCount are).
    var primedCount: Int {
        @inline(__always) get { unsafe storedPrimedCount }
        @inline(__always) set { unsafe storedPrimedCount = newValue }
    }

    init(streams: [CPURecordStream]) {
        self.streams = streams
        count = streams.count
        let n = max(streams.count, 1)
        unsafe refs = UnsafeMutablePointer<Unmanaged<CPURecordStream>>.allocate(capacity: n)
        unsafe heads = UnsafeMutablePointer<Record>.allocate(capacity: n)
        unsafe heap = UnsafeMutablePointer<Entry>.allocate(capacity: n)
        unsafe heads.initialize(repeating: Record.empty, count: n)
        for (i, s) in streams.enumerated() { unsafe (refs + i).initialize(to: .passUnretained(s)) }
    }

    deinit {
        // Unmanaged references, records and entries are plain values: nothing to deinitialize.
        unsafe refs.deallocate()
        unsafe heads.deallocate()
        unsafe heap.deallocate()
    }

    @inlinable @inline(__always)
    func check(_ k: Int) {
        precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "stream index out of range")
    }

    /// The record in slot `k` (valid until stream `k` is read again).
    @_spi(Engine) @inlinable @inline(__always)
    subscript(k: Int) -> Record {
        _read {
            check(k)
            yield unsafe heads[k]
        }
    }

    /// Reads stream `k`'s next record into its slot; false at its end or at an error
    /// (``streamError(_:)`` tells which).
    @inline(__always)
    func fill(_ k: Int) -> Bool {
        check(k)
        return fillUnchecked(k)
    }

    @inline(__always)
    private func fillUnchecked(_ k: Int) -> Bool {
        unsafe refs[k]._withUnsafeGuaranteedRef { unsafe $0.next(into: &heads[k]) }
    }

    /// The error that made the last read of stream `k` return false, if any (cleared).
    func streamError(_ k: Int) -> TraceFileError? {
        check(k)
        return unsafe refs[k]._withUnsafeGuaranteedRef { $0.takeError() }
    }

    /// The stream on top of the heap (the smallest timestamp), or -1 when the heap is empty.
    @inline(__always)
    var top: Int { unsafe (heapCount > 0 ? heap[0].index : -1) }

    /// Reads the next record of the pending stream (``pending``, which must be one: it is
    /// the top of the heap, which has not changed since ``takeTop()``) into its slot and
    /// moves the stream in the heap by its timestamp; false (the heap unchanged) at the
    /// stream's end or at an error.
    @inline(__always)
    func refillPending() -> Bool {
        let k = unsafe storedPending
        // Always a heap index (checked on its way in) when not -1.
        guard k >= 0, fillUnchecked(k) else { return false }
        unsafe heap[0].key = heads[k].timestamp
        siftDown()
        return true
    }

    /// Adds stream `k`, whose slot holds its next record, to the heap.
    func push(_ k: Int) {
        check(k)
        precondition(unsafe heapCount < count, "merge heap full")
        var i = unsafe heapCount
        unsafe heap[i] = Entry(key: heads[k].timestamp, index: k)
        unsafe heapCount += 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard unsafe heap[i] < heap[parent] else { break }
            swapAt(i, parent)
            i = parent
        }
    }

    /// Removes the top stream from the heap (it has ended).
    @inline(__always)
    func popTop() {
        guard unsafe heapCount > 0 else { return }
        unsafe heapCount -= 1
        guard unsafe heapCount > 0 else { return }
        unsafe heap[0] = heap[heapCount]
        siftDown()
    }

    @inline(__always)
    private func siftDown() {
        var i = 0
        let n = unsafe heapCount
        while true {
            // i < n, so no arithmetic here overflows.
            let l = 2 &* i &+ 1
            if l >= n { break }
            var m = l
            if l &+ 1 < n, unsafe heap[l &+ 1] < heap[l] { m = l &+ 1 }
            guard unsafe heap[m] < heap[i] else { break }
            swapAt(i, m)
            i = m
        }
    }

    @inline(__always)
    private func swapAt(_ i: Int, _ j: Int) {
        let t = unsafe heap[i]
        unsafe heap[i] = heap[j]
        unsafe heap[j] = t
    }
}
