@_spi(Engine) import TraceEvent
/// One trace record (a data event of a CPU's ring buffer), as a small value.
///
/// The payload is a view into the page it was read from: it stays valid until the stream (or
/// iterator) that returned the record is asked for its next record. Copy what you need to
/// keep.
@_spi(Engine) public struct Record {
    // Stored compactly and in an order without holes (records are copied through the merge
    // for every event): the small fields are kept in 32 bits, the missed events as
    // libtracecmd's number.

    /// The timestamp used for ordering: the raw timestamp, or what the stream's timestamp
    /// correction made of it.
    @_spi(Engine) public var timestamp: UInt64
    /// The raw timestamp decoded from the ring buffer (page timestamp + deltas).
    @_spi(Engine) public var rawTimestamp: UInt64
    /// The page's timestamp (`tracecmd_page_ts`).
    @_spi(Engine) public var pageTimestamp: UInt64
    /// The event payload, starting at `common_type` (`record->data`, `record->size`): a view
    /// into the page the record was read from, valid until the stream that returned the
    /// record is asked for its next record (the page's owner keeps the page until then).
    @usableFromInline package var payload: RawBytes
    /// The page's offset in libtracecmd's numbering: the file offset of the page for
    /// uncompressed data; for compressed data, the offset libtracecmd gives the page in its
    /// decompressed copy of the CPU data.
    @_spi(Engine) public var pageOffset: Int
    /// The page's index in the CPU's data.
    @_spi(Engine) public var pageIndex: Int
    /// The CPU the record was written on.
    @_spi(Engine) public var cpu: Int
    /// ``missedEventsValue``.
    @usableFromInline var missed: Int64
    @usableFromInline var storedOffsetInPage: UInt32
    @usableFromInline var storedRecordSize: UInt32
    /// The event header's `time_delta` field (`tracecmd_record_ts_delta`).
    @_spi(Engine) public var timeDelta: UInt32
    /// Whether this is the first record of its page (`tracecmd_record_at_buffer_start`).
    @_spi(Engine) public var isFirstOnPage: Bool
    /// Byte order of the payload's numbers.
    @_spi(Engine) public var byteOrder: ByteOrder

    /// Events lost just before this record, as libtracecmd reports them in
    /// `record->missed_events`: only the first record of a page whose commit word has the
    /// missed flag, and only when that record's header is the first word of the page data.
    /// A stored count is truncated to 32 bits as the reference does (a negative result
    /// reads as ``MissedEvents/unknown``). Counts above `Int64.max` are kept as `Int64.max`, and
    /// a count of 0 reads as ``MissedEvents/none``.
    @inlinable
    @_spi(Engine) public var missedEvents: MissedEvents {
        get { missed == 0 ? .none : (missed < 0 ? .unknown : .count(UInt64(missed))) }
        set { missed = Self.value(of: newValue) }
    }

    /// Offset of the record's event header from the start of its page.
    @inlinable
    @_spi(Engine) public var offsetInPage: Int {
        get { Int(storedOffsetInPage) }
        set { storedOffsetInPage = UInt32(clamping: newValue) }
    }

    /// Bytes from the event header to the end of the payload (`record->record_size`).
    @inlinable
    @_spi(Engine) public var recordSize: Int {
        get { Int(storedRecordSize) }
        set { storedRecordSize = UInt32(clamping: newValue) }
    }

    @inlinable
    static func value(of m: MissedEvents) -> Int64 {
        switch m {
        case .none: return 0
        case .unknown: return -1
        case .count(let n): return Int64(clamping: n)
        }
    }

    /// A record with every field given (streams build records; tests and tools may too).
    /// Offsets and sizes within a page are kept in 32 bits.
    @inlinable
    package init(cpu: Int, timestamp: UInt64, rawTimestamp: UInt64, payload: RawBytes,
                missedEvents: MissedEvents, pageOffset: Int, pageIndex: Int, offsetInPage: Int,
                recordSize: Int, timeDelta: UInt32, pageTimestamp: UInt64, isFirstOnPage: Bool,
                byteOrder: ByteOrder) {
        self.cpu = cpu
        self.timestamp = timestamp
        self.rawTimestamp = rawTimestamp
        self.payload = payload
        self.missed = Self.value(of: missedEvents)
        self.pageOffset = pageOffset
        self.pageIndex = pageIndex
        self.storedOffsetInPage = UInt32(clamping: offsetInPage)
        self.storedRecordSize = UInt32(clamping: recordSize)
        self.timeDelta = timeDelta
        self.pageTimestamp = pageTimestamp
        self.isFirstOnPage = isFirstOnPage
        self.byteOrder = byteOrder
    }

    /// A record of a data event decoded in line from a little-endian page: not the first
    /// of its page (no missed events), its timestamp raw.
    @inline(__always)
    init(cpu: Int, timestamp: UInt64, payload: RawBytes, pageOffset: Int, pageIndex: Int,
         offsetInPage: UInt32, recordSize: UInt32, timeDelta: UInt32, pageTimestamp: UInt64) {
        self.cpu = cpu
        self.timestamp = timestamp
        self.rawTimestamp = timestamp
        self.payload = payload
        self.missed = 0
        self.pageOffset = pageOffset
        self.pageIndex = pageIndex
        self.storedOffsetInPage = offsetInPage
        self.storedRecordSize = recordSize
        self.timeDelta = timeDelta
        self.pageTimestamp = pageTimestamp
        self.isFirstOnPage = false
        self.byteOrder = .little
    }

    /// libtracecmd's `record->offset`: ``pageOffset`` + ``offsetInPage``.
    @_spi(Engine) public var offset: Int { pageOffset + offsetInPage }
    /// Payload size in bytes (`record->size`).
    @_spi(Engine) public var size: Int { payload.count }

    /// `common_type` (u16 at offset 0): the event id, or `nil` when the payload is too short.
    @inlinable
    @_spi(Engine) public var eventID: Int? {
        payload.loadUnsigned(at: 0, size: 2, order: byteOrder).map { Int($0) }
    }

    /// `common_flags` (u8 at offset 2): irqs-off, need-resched, hardirq, softirq flags.
    @inlinable
    @_spi(Engine) public var flags: UInt8? {
        payload.loadUnsigned(at: 2, size: 1, order: byteOrder).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// `common_preempt_count` (u8 at offset 3).
    @inlinable
    @_spi(Engine) public var preemptCount: UInt8? {
        payload.loadUnsigned(at: 3, size: 1, order: byteOrder).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// `common_pid` (i32 at offset 4).
    @inlinable
    @_spi(Engine) public var pid: Int32? {
        payload.loadSigned(at: 4, size: 4, order: byteOrder).map { Int32(truncatingIfNeeded: $0) }
    }

    /// The missed-events value as libtracecmd stores it in `record->missed_events`:
    /// 0 none, -1 unknown, else the count.
    @inlinable
    @_spi(Engine) public var missedEventsValue: Int64 { missed }
}

extension MissedEvents {
    /// The page's missed events as kbuffer hands them to a record (an `int`): a stored count
    /// is truncated to 32 bits; a negative result means "unknown", zero means none.
    @inlinable
    var asReferenceRecordValue: MissedEvents {
        switch self {
        case .none, .unknown: return self
        case .count(let n):
            let v = Int32(truncatingIfNeeded: n)
            return v > 0 ? .count(UInt64(v)) : (v < 0 ? .unknown : .none)
        }
    }
}
