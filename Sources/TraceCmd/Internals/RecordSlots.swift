@_spi(Engine) import TraceEvent

/// A fixed number of record slots in one allocation: a merge's head record per stream,
/// written in place by the streams and read in place by the merge's consumers, with no
/// copy-on-write check or reference counting per record.
///
/// Every slot always holds a record (an empty one until a stream writes it); every access
/// is bounds-checked (one comparison). The records' payloads are views whose lifetime the
/// streams promise (see ``Record/payload``).
@safe
final class RecordSlots {
    private let base: UnsafeMutablePointer<Record>
    /// The number of slots.
    let count: Int

    /// `count` slots, each holding an empty record.
    init(count: Int) {
        self.count = max(count, 0)
        unsafe base = UnsafeMutablePointer<Record>.allocate(capacity: max(count, 1))
        unsafe base.initialize(repeating: Record.empty, count: max(count, 1))
    }

    deinit {
        // Records are plain values: nothing to deinitialize.
        unsafe base.deallocate()
    }

    /// The record in slot `k` (`0 ..< count`).
    @inline(__always)
    subscript(k: Int) -> Record {
        _read {
            precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "record slot out of range")
            yield unsafe base[k]
        }
        _modify {
            precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "record slot out of range")
            yield unsafe &base[k]
        }
    }
}

extension Record {
    /// A record without payload (what a slot holds before its stream writes it).
    static var empty: Record {
        Record(cpu: 0, timestamp: 0, rawTimestamp: 0, payload: RawBytes(), missedEvents: .none, pageOffset: 0,
               pageIndex: 0, offsetInPage: 0, recordSize: 0, timeDelta: 0, pageTimestamp: 0, isFirstOnPage: false,
               byteOrder: .little)
    }
}
