@_spi(Engine) import TraceEvent
/// Why a ring-buffer page could not be decoded (further).
@_spi(Engine) public struct RingBufferPageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    @_spi(Engine) public enum Kind: Sendable, Equatable {
        /// The page is smaller than its header.
        case pageTooSmall(Int)
        /// The commit word gives more data bytes than the page holds (the reference stops
        /// reading the CPU with "bad page read, with size of N").
        case commitTooLarge(commit: Int, pageSize: Int)
        /// The missed-events count stored after the data lies outside the page.
        case missedCountOutsidePage
        /// An event (header, length word or payload) extends past the end of the page.
        case eventOutsidePage(end: Int)
        /// A length word that cannot be right (a data event's `array[0]` below 4).
        case badLength(UInt32)
    }

    /// Offset in the page of the word that is wrong.
    @_spi(Engine) public var offset: Int
    /// What is wrong.
    @_spi(Engine) public var kind: Kind

    /// An error at `offset` in the page.
    @_spi(Engine) public init(offset: Int, kind: Kind) {
        self.offset = offset
        self.kind = kind
    }

    /// A one-line explanation.
    @_spi(Engine) public var description: String {
        switch kind {
        case .pageTooSmall(let n): return "page of \(n) bytes is smaller than its header"
        case .commitTooLarge(let c, let p): return "bad page read, with size of \(c) (page size \(p))"
        case .missedCountOutsidePage: return "missed-events count at page offset \(offset) is outside the page"
        case .eventOutsidePage(let end):
            return "event at page offset \(offset) ends at \(end), past the end of the page"
        case .badLength(let v): return "event at page offset \(offset) has impossible length word \(v)"
        }
    }
}

/// One data event of a ring-buffer page.
@_spi(Engine) public struct RingBufferEvent {
    /// Absolute (raw) timestamp: the page timestamp plus all deltas, time extends and time
    /// stamps up to and including this event, computed as kbuffer does.
    @_spi(Engine) public var timestamp: UInt64
    /// The event's payload, starting at `common_type`; its length is the kernel's (rounded
    /// up to 4 bytes), as `record->size` in libtracecmd.
    package var payload: RawBytes
    /// Offset of the event's header from the start of the page (libtracecmd's
    /// `record->offset` within the page).
    @_spi(Engine) public var offset: Int
    /// The bytes from the header to the end of the event (`record->record_size`).
    @_spi(Engine) public var recordSize: Int
    /// The header's 27-bit `time_delta` field.
    @_spi(Engine) public var timeDelta: UInt32
    /// Whether this is the first data event of the page.
    @_spi(Engine) public var isFirstOnPage: Bool
    /// Missed events reported with this event, exactly as kbuffer reports them: only an event
    /// whose header is the very first word of the page data carries the page's missed events
    /// (when the page starts with a time extend, the reference reports none).
    @_spi(Engine) public var missedEvents: MissedEvents
}

/// A zero-copy view of one ring-buffer page (sub-buffer): its header, and an iterator over
/// its data events.
///
/// The page bytes are not copied; they must stay valid while the page and its events are
/// used. Every length read from the page is checked against the page: a corrupt page ends
/// with a ``RingBufferPageError``, never a read outside it.
@_spi(Engine) public struct RingBufferPage {
    /// The event header's layout (the only one the decoder knows).
    typealias Header = EventHeaderFormat.Standard

    /// The page bytes (the full page, including its header), valid while their owner (the
    /// ``CPUPageSource`` that served them) has not been asked for another page.
    package let bytes: RawBytes
    /// The page timestamp (the time of the first event, before its delta).
    @_spi(Engine) public let timestamp: UInt64
    /// The raw commit word (length and flags).
    @_spi(Engine) public let commitWord: UInt64
    /// Number of data bytes after the header (the commit word's low 27 bits).
    @_spi(Engine) public let dataSize: Int
    /// Offset of the first event (the page header size: 16, or 12 for 32-bit kernels).
    @_spi(Engine) public let dataOffset: Int
    /// Events lost before this page, from the commit word's flags.
    @_spi(Engine) public let missedEvents: MissedEvents
    let bigEndian: Bool

    /// Decodes the header of a page.
    ///
    /// - Throws: ``RingBufferPageError`` when the page is smaller than its header, its commit
    ///   is larger than the page, or a stored missed-events count lies outside it.
    package init(_ bytes: RawBytes, layout: RingBufferLayout) throws(RingBufferPageError) {
        self.bytes = bytes
        bigEndian = layout.byteOrder == .big
        let start = layout.pageHeaderSize
        dataOffset = start
        guard bytes.count >= start,
              let ts = bytes.loadUnsigned(at: 0, size: 8, order: layout.byteOrder),
              let flags = bytes.loadUnsigned(at: 8, size: layout.longSize, order: layout.byteOrder)
        else { throw RingBufferPageError(offset: 0, kind: .pageTooSmall(bytes.count)) }
        timestamp = ts
        commitWord = flags
        let size = Int(flags & RingBufferLayout.commitMask)
        // The reference refuses a commit larger than the page size.
        guard size <= bytes.count else {
            throw RingBufferPageError(offset: 8, kind: .commitTooLarge(commit: size, pageSize: bytes.count))
        }
        dataSize = size
        if flags & RingBufferLayout.missedEventsFlag != 0 {
            if flags & RingBufferLayout.missedStoredFlag != 0 {
                guard let n = bytes.loadUnsigned(at: start + size, size: layout.longSize, order: layout.byteOrder)
                else { throw RingBufferPageError(offset: start + size, kind: .missedCountOutsidePage) }
                missedEvents = .count(n)
            } else {
                missedEvents = .unknown
            }
        } else {
            missedEvents = .none
        }
    }

    /// A page without bytes or events (what a stream reads before its first page and after
    /// its last, so that its per-record path tests no optional).
    init() {
        bytes = RawBytes()
        bigEndian = false
        dataOffset = 0
        timestamp = 0
        commitWord = 0
        dataSize = 0
        missedEvents = .none
    }

    /// Whether the page holds no event bytes.
    @_spi(Engine) public var isEmpty: Bool { dataSize == 0 }

    /// An iterator over the data events of the page.
    @_spi(Engine) public func makeIterator() -> Events { Events(page: self) }

    /// The data events of a page in order, with their absolute timestamps. Padding, time
    /// extends and time stamps are consumed, not yielded.
    @_spi(Engine) public struct Events {
        /// The page being read.
        @_spi(Engine) public let page: RingBufferPage
        /// Offset, relative to the data start, of the next entry to decode.
        var nextIndex = 0
        /// The running timestamp.
        var time: UInt64
        var yieldedAny = false

        init(page: RingBufferPage) {
            self.page = page
            self.time = page.timestamp
        }

        /// The running timestamp (the timestamp of the last event yielded, or the page
        /// timestamp before the first).
        @_spi(Engine) public var timestamp: UInt64 { time }

        /// The next data event, or `nil` at the end of the page's data.
        ///
        /// - Throws: ``RingBufferPageError`` when an entry extends past the page or holds an
        ///   impossible length; the page is then finished.
        @_spi(Engine) public mutating func next() throws(RingBufferPageError) -> RingBufferEvent? {
            let bytes = page.bytes
            let start = page.dataOffset
            let size = page.dataSize
            while true {
                let curr = nextIndex
                if curr >= size { return nil }
                let at = start + curr
                guard let word = page.word(at: at) else {
                    nextIndex = size
                    throw RingBufferPageError(offset: at, kind: .eventOutsidePage(end: at + 4))
                }
                let typeLen: UInt32
                let delta: UInt32
                if page.bigEndian {
                    typeLen = word >> Header.timeDeltaBits
                    delta = word & Header.timeDeltaMask
                } else {
                    typeLen = word & Header.typeLenMask
                    delta = word >> Header.typeLenBits
                }
                switch typeLen {
                case Header.padding:  // array[0] is the length of the rest
                    guard let len = page.word(at: at + 4) else {
                        // Padding in the page's last word: the rest of the page is unused.
                        nextIndex = size
                        return nil
                    }
                    time &+= UInt64(delta)
                    nextIndex = curr + 4 + Int(len)
                case Header.timeExtend:  // delta += array[0] << 27
                    guard let ext = page.word(at: at + 4) else {
                        nextIndex = size
                        throw RingBufferPageError(offset: at, kind: .eventOutsidePage(end: at + 8))
                    }
                    time &+= (UInt64(ext) << Header.timeDeltaBits) &+ UInt64(delta)
                    nextIndex = curr + 8
                case Header.timeStamp:  // absolute: its 5 most significant bits come from the running time
                    guard let ext = page.word(at: at + 4) else {
                        nextIndex = size
                        throw RingBufferPageError(offset: at, kind: .eventOutsidePage(end: at + 8))
                    }
                    let msb = time & Header.timeStampHighBits
                    time = ((UInt64(ext) << Header.timeDeltaBits) &+ UInt64(delta)) | msb
                    nextIndex = curr + 8
                default:
                    let payloadStart: Int
                    let length: Int
                    if typeLen == Header.dataWithLength {
                        guard let raw = page.word(at: at + 4) else {
                            nextIndex = size
                            throw RingBufferPageError(offset: at, kind: .eventOutsidePage(end: at + 8))
                        }
                        guard raw >= 4 else {
                            nextIndex = size
                            throw RingBufferPageError(offset: at, kind: .badLength(raw))
                        }
                        length = (Int(raw) - 4 + 3) & ~3
                        payloadStart = at + 8
                    } else {
                        length = Int(typeLen) * 4
                        payloadStart = at + 4
                    }
                    let end = payloadStart + length
                    guard let payload = bytes.slice(payloadStart..<end) else {
                        nextIndex = size
                        throw RingBufferPageError(offset: at, kind: .eventOutsidePage(end: end))
                    }
                    time &+= UInt64(delta)
                    nextIndex = end - start
                    let first = !yieldedAny
                    yieldedAny = true
                    return RingBufferEvent(
                        timestamp: time,
                        payload: payload,
                        offset: at, recordSize: end - at, timeDelta: delta, isFirstOnPage: first,
                        missedEvents: curr == 0 ? page.missedEvents : .none)
                }
            }
        }
    }

    /// The 32-bit word at `offset` in the file's byte order, or `nil` outside the page.
    @inline(__always)
    func word(at offset: Int) -> UInt32? {
        guard let v = bytes.load(UInt32.self, at: offset) else { return nil }
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    /// One entry of the page as stored, whatever its type (for debugging output such as
    /// `trace-cmd report --debug`).
    @_spi(Engine) public struct RawEntry: Sendable, Equatable {
        /// The `type_len` field (0-28 data, 29 padding, 30 time extend, 31 time stamp).
        @_spi(Engine) public var typeLen: UInt32
        /// The delta: `time_delta`, or for time extends and stamps the combined 59-bit value.
        @_spi(Engine) public var delta: UInt64
        /// Length in bytes after the header word(s) (payload length; for padding, array[0]).
        @_spi(Engine) public var length: Int
        /// Offset of the entry's header in the page.
        @_spi(Engine) public var offset: Int
        /// Offset of the entry that follows.
        @_spi(Engine) public var nextOffset: Int
    }

    /// The entry whose header is at `offset` (from the start of the page), decoded like
    /// kbuffer's `kbuffer_raw_get`; `nil` when `offset` is outside the page's data or the
    /// entry does not fit in the page. Absolute time stamps are returned without their
    /// high bits.
    @_spi(Engine) public func rawEntry(at offset: Int) -> RawEntry? {
        guard offset >= dataOffset, offset < dataOffset + dataSize, let w = word(at: offset) else { return nil }
        let typeLen = bigEndian ? w >> Header.timeDeltaBits : w & Header.typeLenMask
        let delta = UInt64(bigEndian ? w & Header.timeDeltaMask : w >> Header.typeLenBits)
        switch typeLen {
        case Header.padding:
            guard let len = word(at: offset + 4) else { return nil }
            return RawEntry(typeLen: typeLen, delta: delta, length: Int(len), offset: offset,
                            nextOffset: offset + 4 + Int(len))
        case Header.timeExtend, Header.timeStamp:
            guard let ext = word(at: offset + 4) else { return nil }
            return RawEntry(typeLen: typeLen, delta: (UInt64(ext) << Header.timeDeltaBits) &+ delta, length: 0, offset: offset,
                            nextOffset: offset + 8)
        case Header.dataWithLength:
            guard let raw = word(at: offset + 4), raw >= 4 else { return nil }
            let len = (Int(raw) - 4 + 3) & ~3
            return RawEntry(typeLen: 0, delta: delta, length: len, offset: offset, nextOffset: offset + 8 + len)
        default:
            let len = Int(typeLen) * 4
            return RawEntry(typeLen: typeLen, delta: delta, length: len, offset: offset,
                            nextOffset: offset + 4 + len)
        }
    }
}
