@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// Packs events into new ring-buffer pages, as the kernel lays them out: a page header
/// (timestamp of the first event, commit word), then per event a header word (`type_len`,
/// 27-bit time delta), a length word for long events, and the payload; a time-extend entry
/// where the delta does not fit in 27 bits. Events that follow lost events start a page whose
/// commit word carries the missed-events flag (and the count after the data, when known).
struct PageBuilder {
    let pageSize: Int
    let layout: RingBufferLayout
    let order: ByteOrder
    private(set) var bytes: [UInt8] = []
    private var pageStart = -1
    private var used = 0
    private var lastTimestamp: UInt64 = 0
    private var flags: UInt64 = 0
    private var storedMissed: UInt64?
    /// Pages begun so far.
    private(set) var pageCount = 0
    /// Events added so far.
    private(set) var eventCount = 0

    static let typeLenBits: UInt32 = 5
    static let deltaBits = 27
    static let maxDelta: UInt64 = (1 << 27) - 1
    static let timeExtend: UInt32 = 30
    /// The largest payload with its length in `type_len` (28 words).
    static let maxInlineLength = 28 * 4

    init(pageSize: Int, layout: RingBufferLayout, order: ByteOrder) {
        self.pageSize = pageSize
        self.layout = layout
        self.order = order
    }

    var capacity: Int { pageSize - layout.pageHeaderSize }

    /// Whether adding an event of `payloadLength` bytes at `timestamp` would begin a new page.
    func needsNewPage(payloadLength: Int, timestamp: UInt64, missed: MissedEvents) -> Bool {
        guard pageStart >= 0 else { return true }
        if missed != .none { return true }
        let need = entrySize(payloadLength) + (timestamp &- lastTimestamp > Self.maxDelta ? 8 : 0)
        return used + need > capacity - (storedMissed != nil ? layout.longSize : 0)
    }

    func entrySize(_ length: Int) -> Int {
        (length > 0 && length <= Self.maxInlineLength ? 4 : 8) + length
    }

    /// Whether an event of `payloadLength` bytes fits in an empty page.
    func fits(_ payloadLength: Int) -> Bool {
        entrySize(payloadLength) + layout.longSize <= capacity
    }

    /// Adds one event (its payload as the ring buffer stores it, a multiple of 4 bytes) with
    /// its raw timestamp. Returns `false` (nothing added) when it cannot fit in a page.
    @discardableResult
    mutating func append(_ payload: RawSpan, timestamp: UInt64, missed: MissedEvents) -> Bool {
        let length = (payload.count + 3) & ~3
        guard fits(length) else { return false }
        if needsNewPage(payloadLength: length, timestamp: timestamp, missed: missed) || timestamp < lastTimestamp {
            startPage(timestamp: timestamp, missed: missed)
        }
        var delta = timestamp &- lastTimestamp
        if delta > Self.maxDelta {
            put(word(type: Self.timeExtend, delta: UInt32(delta & Self.maxDelta)))
            put(UInt32(truncatingIfNeeded: delta >> UInt64(Self.deltaBits)))
            delta = 0
        }
        if length > 0 && length <= Self.maxInlineLength {
            put(word(type: UInt32(length / 4), delta: UInt32(delta)))
        } else {
            put(word(type: 0, delta: UInt32(delta)))
            put(UInt32(length + 4))
        }
        payload.append(0..<payload.count, to: &bytes)
        for _ in payload.count..<length { bytes.append(0) }
        used += length
        lastTimestamp = timestamp
        eventCount += 1
        return true
    }

    private func word(type: UInt32, delta: UInt32) -> UInt32 {
        order == .little ? type | (delta << Self.typeLenBits) : (type << UInt32(Self.deltaBits)) | delta
    }

    private mutating func put(_ v: UInt32) {
        for i in 0..<4 {
            let shift = order == .little ? i * 8 : (3 - i) * 8
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift)))
        }
        used += 4
    }

    private mutating func startPage(timestamp: UInt64, missed: MissedEvents) {
        finishPage()
        pageStart = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: layout.pageHeaderSize))
        store(timestamp, at: pageStart + layout.timestamp.offset, size: layout.timestamp.size)
        used = 0
        lastTimestamp = timestamp
        pageCount += 1
        flags = 0
        storedMissed = nil
        switch missed {
        case .none: break
        case .unknown: flags = RingBufferLayout.missedEventsFlag
        case .count(let n):
            flags = RingBufferLayout.missedEventsFlag | RingBufferLayout.missedStoredFlag
            storedMissed = n
        }
    }

    /// Closes the current page: commit word, stored missed count, zero fill to the page size.
    mutating func finishPage() {
        guard pageStart >= 0 else { return }
        // The entries were appended after the header; the bytes now end at the data's end.
        if let n = storedMissed {
            bytes.append(contentsOf: repeatElement(0, count: layout.longSize))
            store(n, at: pageStart + layout.pageHeaderSize + used, size: layout.longSize)
        }
        store(UInt64(used) | flags, at: pageStart + layout.commit.offset, size: layout.commit.size)
        let end = pageStart + pageSize
        if bytes.count < end { bytes.append(contentsOf: repeatElement(0, count: end - bytes.count)) }
        pageStart = -1
    }

    private mutating func store(_ v: UInt64, at offset: Int, size: Int) {
        for i in 0..<size {
            let shift = order == .little ? i * 8 : (size - 1 - i) * 8
            bytes[offset + i] = UInt8(truncatingIfNeeded: v >> UInt64(shift))
        }
    }

    /// The pages built, the last one closed.
    mutating func finish() -> [UInt8] {
        finishPage()
        return bytes
    }
}
