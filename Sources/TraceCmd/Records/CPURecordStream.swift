@_spi(Engine) import TraceEvent
/// A source of records in timestamp order that a ``RecordMerger`` can merge.
///
/// ``peek()`` returns the next record without consuming it (repeated calls return the same
/// record); ``advance()`` consumes it. A record's payload stays valid until the next call
/// to ``peek()`` after ``advance()``.
@_spi(Engine) public protocol RecordStream: AnyObject {
    /// The next record, without consuming it; `nil` at the end.
    ///
    /// A thrown error ends the part of the stream that could not be read (a page, or the
    /// rest of the stream); calling `peek()` again continues after it.
    func peek() throws(TraceFileError) -> Record?
    /// Consumes the record returned by the last ``peek()``.
    func advance()
    /// The next record, consumed (``peek()`` then ``advance()``, which a stream may do
    /// without keeping the record). Its payload stays valid until the next call.
    func next() throws(TraceFileError) -> Record?
}

/// The records of one CPU of one buffer, in file order, read page by page on demand.
///
/// No heap allocation happens per record: records are views into the current page. A
/// record's payload is valid until the next ``peek()``/``next()`` call that moves to another
/// page (simplest rule: until the next call after ``advance()``/``next()``).
///
/// Errors: a page whose commit is larger than the page ends the stream, as in the reference
/// ("bad page read"); an event that extends outside its page ends that page only. Either
/// way the error is thrown once, and the next call continues.
@_spi(Engine) public final class CPURecordStream: RecordStream {
    /// The CPU number.
    @_spi(Engine) public let cpu: Int
    /// The page source.
    @_spi(Engine) public let source: CPUPageSource
    /// The ring-buffer layout used to decode the pages.
    @_spi(Engine) public let layout: RingBufferLayout
    /// The buffer's name (empty for the top-level buffer), for messages.
    @_spi(Engine) public let bufferName: String
    /// The CPU index the corrector is asked about (see ``setCorrection(_:cpu:)``).
    private var correctionCPU = 0
    /// `eventMask[id]` tells whether records of event `id` are kept; `nil` keeps all.
    private var eventMask: [Bool]? { didSet { updateDirect() } }
    /// libtracecmd's offset of page 0 (see ``Record/pageOffset``).
    @_spi(Engine) public let referencePageBase: Int
    private let pageSize: Int

    /// What changes per record and per page. The stream is single-threaded by contract, and
    /// its per-record fields are read and written without dynamic exclusivity checks (which
    /// would cost more than the decoding itself): they live in one ``UncheckedCell``.
    private struct State {
        /// The correction that turns each raw timestamp into the record's
        /// ``Record/timestamp`` (the ordering key); a value stored in the stream: the key is
        /// computed by inlined code, with no indirect call, and the corrector's per-CPU
        /// sample-interval cache lives here.
        var corrector = TimestampCorrector()
        var correcting = false
        /// Index of the page being read (-1 before the first).
        var pageIndex = -1
        /// The header of the page being read.
        var currentPage: RingBufferPage?
        /// The events of the page being read (an empty page when none is).
        var events = RingBufferPage.Events(page: RingBufferPage())
        var peeked: Record?
        /// Whether ``next(into:)`` may decode the page's next data event in line: no record
        /// is peeked, none is corrected or left out, and the page is little-endian.
        var direct = true
        /// The error that ended the last ``next(into:)`` (taken by ``takeError()``).
        var pendingError: TraceFileError?
        var finished = false
        /// Of the page being read, per record without copying the page header.
        var pageTimestamp: UInt64 = 0
        var pageOffset = 0
    }
    private let state = UncheckedCell(State())

    /// Index of the page being read (-1 before the first).
    package var pageIndex: Int { state.value.pageIndex }
    /// The header of the page being read.
    package var currentPage: RingBufferPage? { state.value.currentPage }

    private let byteOrder: ByteOrder

    /// Opens the data of `buffer.cpus[cpuIndex]`.
    ///
    /// - Parameters:
    ///   - file: the file the buffer belongs to, opened in ``TraceFile/OpenMode/full`` mode.
    ///   - buffer: the buffer to read (one of `file.buffers`).
    ///   - cpuIndex: an index into `buffer.cpus` (not a CPU number).
    ///   - layout: the page layout; by default read from the file's header texts.
    ///   - referencePageBase: libtracecmd's offset of the first page; by default the file
    ///     offset for uncompressed data, and for compressed data the one
    ///     ``TraceFile/referenceDataOffsets(of:)`` computes.
    ///   - decompressAhead: see ``CPUPageSource/init(file:buffer:cpuIndex:decompressAhead:)``.
    @_spi(Engine) public init(file: TraceFile, buffer: TraceBuffer, cpuIndex: Int, layout: RingBufferLayout? = nil,
                referencePageBase: Int? = nil,
                decompressAhead: Bool = CPUPageSource.decompressAhead) throws(TraceFileError) {
        source = try CPUPageSource(file: file, buffer: buffer, cpuIndex: cpuIndex, decompressAhead: decompressAhead)
        cpu = source.cpu
        if let layout {
            self.layout = layout
        } else {
            self.layout = try RingBufferLayout(file: file)
        }
        bufferName = buffer.name
        pageSize = source.pageSize
        byteOrder = self.layout.byteOrder
        state.value.direct = byteOrder == .little
        if let referencePageBase {
            self.referencePageBase = referencePageBase
        } else if buffer.isCompressed {
            self.referencePageBase = try file.referenceDataOffsets(of: buffer)[cpuIndex]
        } else {
            self.referencePageBase = source.location.offset
        }
    }

    /// Sets the timestamp correction of every record read from now on: `corrector` is asked
    /// about CPU index `cpu` (libtracecmd's index of the CPU in its buffer, which selects the
    /// CPU's TIME_SHIFT samples; by default ``cpu``). An identity corrector costs nothing per
    /// record.
    @_spi(Engine) public func setCorrection(_ corrector: TimestampCorrector, cpu: Int? = nil) {
        state.value.corrector = corrector
        state.value.correcting = !corrector.isIdentity
        correctionCPU = cpu ?? self.cpu
        updateDirect()
    }

    /// Keeps only records whose `common_type` is in `ids` (`nil` keeps all): the others are
    /// skipped before a record is built.
    @_spi(Engine) public func keepEvents(_ ids: Set<Int>?) {
        guard let ids else { eventMask = nil; return }
        let top = ids.filter { $0 >= 0 && $0 <= 0xffff }.max() ?? -1
        var mask = [Bool](repeating: false, count: top + 1)
        for id in ids where id >= 0 && id <= top { mask[id] = true }
        eventMask = mask
    }

    private func updateDirect() {
        let s = state.value
        let direct = s.peeked == nil && eventMask == nil && !s.correcting && byteOrder == .little
        state.value.direct = direct
    }

    /// Sets the peeked record (and whether records can be decoded in line).
    @inline(__always)
    private func setPeeked(_ record: Record?) {
        state.value.peeked = record
        updateDirect()
    }

    /// The number of pages of this CPU.
    @_spi(Engine) public var pageCount: Int { source.pageCount }

    /// The next record without consuming it, or `nil` when the CPU has no more.
    @_spi(Engine) public func peek() throws(TraceFileError) -> Record? {
        if let peeked = state.value.peeked { return peeked }
        let r = try decode()
        setPeeked(r)
        return r
    }

    /// The next event of the page being read, or `nil` at its end. An event that extends
    /// outside its page ends the page (the error is thrown once).
    @inline(__always)
    private func nextEvent() throws(TraceFileError) -> RingBufferEvent? {
        do {
            return try state.value.events.next()
        } catch {
            state.value.events = .init(page: RingBufferPage())
            throw pageError(error)
        }
    }

    /// The record of `event`, corrected.
    @inline(__always)
    private func record(of event: RingBufferEvent) -> Record {
        let raw = event.timestamp
        let ts = state.value.correcting ? corrected(raw) : raw
        let s = state.value
        return Record(cpu: cpu, timestamp: ts,
                      rawTimestamp: raw, payload: event.payload,
                      missedEvents: event.missedEvents.asReferenceRecordValue,
                      pageOffset: s.pageOffset, pageIndex: s.pageIndex,
                      offsetInPage: event.offset, recordSize: event.recordSize,
                      timeDelta: event.timeDelta, pageTimestamp: s.pageTimestamp,
                      isFirstOnPage: event.isFirstOnPage, byteOrder: byteOrder)
    }

    /// The next record from the page, not kept.
    @inline(__always)
    private func decode() throws(TraceFileError) -> Record? {
        if state.value.finished { return nil }
        while true {
            if let event = try nextEvent() {
                if eventMask != nil, !isKept(event.payload) { continue }
                return record(of: event)
            }
            try loadNextPage()
            if state.value.finished { return nil }
        }
    }

    // Out of line, so that the per-record path stays small enough to be inlined into the
    // merge when there is nothing to correct or select.
    @inline(never)
    private func corrected(_ raw: UInt64) -> UInt64 {
        state.value.corrector.correct(raw, cpu: correctionCPU)
    }

    @inline(never)
    private func isKept(_ payload: RawBytes) -> Bool {
        guard let mask = eventMask,
              let id = payload.loadUnsigned(at: 0, size: 2, order: byteOrder).map({ Int($0) }) else { return false }
        return id < mask.count && mask[id]
    }

    /// Consumes the record returned by the last ``peek()``.
    @_spi(Engine) public func advance() { setPeeked(nil) }

    /// The next record, consumed.
    @inline(__always)
    @_spi(Engine) public func next() throws(TraceFileError) -> Record? {
        if let p = state.value.peeked {
            setPeeked(nil)
            return p
        }
        return try decode()
    }

    /// Writes the next record, consumed, to `slot` (the merge's slot for this stream);
    /// false at the end, or when an error ended a part of the stream (then
    /// ``takeError()`` returns it, and the next call continues after that part).
    ///
    /// The page's next data event is decoded in line when nothing else is to be done with
    /// it (the common case: a small data event past the first of its page, no correction,
    /// no selection); everything else goes through ``next()``.
    @inline(__always)
    func next(into slot: inout Record) -> Bool {
        let cell = state
        if cell.value.direct && cell.value.events.yieldedAny {
            let page = cell.value.events.page
            let bytes = page.bytes
            let index = cell.value.events.nextIndex
            let at = page.dataOffset &+ index
            if index < page.dataSize, let raw = bytes.load(UInt32.self, at: at) {
                let word = UInt32(littleEndian: raw)
                let length = Int(word & RingBufferPage.Header.typeLenMask) &* 4
                // type_len 1...28: a data event of type_len * 4 bytes after its header word.
                let end = at &+ 4 &+ length
                if UInt(bitPattern: length &- 4) < 28 * 4, let payload = bytes.slice(from: at &+ 4, length: length) {
                    let delta = word >> RingBufferPage.Header.typeLenBits
                    let t = cell.value.events.time &+ UInt64(delta)
                    cell.value.events.time = t
                    cell.value.events.nextIndex = end &- page.dataOffset
                    // Offsets within a page fit in 32 bits (pages are checked at load).
                    slot = Record(cpu: cpu, timestamp: t, payload: payload,
                                  pageOffset: cell.value.pageOffset, pageIndex: cell.value.pageIndex,
                                  offsetInPage: UInt32(truncatingIfNeeded: at),
                                  recordSize: UInt32(truncatingIfNeeded: end &- at), timeDelta: delta,
                                  pageTimestamp: cell.value.pageTimestamp)
                    return true
                }
            }
        }
        return nextOutOfLine(into: &slot)
    }

    /// ``next(into:)`` for every other case: a page to load, an entry that is not a small
    /// data event, the first event of a page, a peeked record, a correction or a selection.
    @inline(never)
    private func nextOutOfLine(into slot: inout Record) -> Bool {
        do throws(TraceFileError) {
            guard let r = try next() else { return false }
            slot = r
            return true
        } catch {
            state.value.pendingError = error
            return false
        }
    }

    /// The bytes of the page the last record came from, from `record`'s payload to the end of
    /// the page (libtraceevent's raw field printer reads fixed-size fields past a record's
    /// end); `nil` when `record` is not on the page being read. Valid as the record's payload.
    package func pageRest(of record: Record) -> RawBytes? {
        let page = state.value.events.page
        guard record.pageIndex == state.value.pageIndex, page.bytes.count > 0 else { return nil }
        let payloadStart = record.offsetInPage + record.recordSize - record.payload.count
        return page.bytes.slice(payloadStart..<page.bytes.count)
    }

    /// The error that made the last ``next(into:)`` return false, if one did (cleared).
    func takeError() -> TraceFileError? {
        guard let e = state.value.pendingError else { return nil }
        state.value.pendingError = nil
        return e
    }

    /// The records of page `index` (0-based), decoded (corrected and selected as the
    /// forward records), in page order. Their payloads stay valid until the stream reads
    /// another page; forward reading goes on with page `index + 1`.
    ///
    /// - Throws: the page's error (it cannot be loaded, or an event extends outside it).
    @_spi(Engine) public func records(onPage index: Int) throws(TraceFileError) -> [Record] {
        seek(toPage: index)
        try loadNextPage()
        var out: [Record] = []
        guard !state.value.finished else { return out }
        while let event = try nextEvent() {
            if eventMask != nil, !isKept(event.payload) { continue }
            out.append(record(of: event))
        }
        state.value.events = .init(page: RingBufferPage())
        return out
    }

    /// Moves to page `index` (0-based), dropping any record peeked; reading continues with
    /// the page's first record.
    @_spi(Engine) public func seek(toPage index: Int) {
        setPeeked(nil)
        state.value.events = .init(page: RingBufferPage())
        state.value.currentPage = nil
        state.value.pageIndex = max(-1, min(index, source.pageCount) - 1)
        state.value.finished = false
    }

    private func loadNextPage() throws(TraceFileError) {
        state.value.events = .init(page: RingBufferPage())
        state.value.currentPage = nil
        let index = state.value.pageIndex + 1
        guard index < source.pageCount else {
            state.value.pageIndex = source.pageCount
            state.value.finished = true
            return
        }
        state.value.pageIndex = index
        let bytes: RawBytes
        do {
            bytes = try source.page(index)
        } catch {
            state.value.finished = true
            throw error
        }
        do {
            let page = try RingBufferPage(bytes, layout: layout)
            state.value.currentPage = page
            state.value.pageTimestamp = page.timestamp
            state.value.pageOffset = referencePageBase + index * pageSize
            state.value.events = page.makeIterator()
        } catch {
            // The reference stops reading this CPU at a page it cannot load.
            state.value.finished = true
            throw pageError(error)
        }
    }

    private func pageError(_ e: RingBufferPageError) -> TraceFileError {
        let name = bufferName.isEmpty ? "" : " of buffer \"\(bufferName)\""
        return TraceFileError(file: source.file.path, context: "CPU \(cpu) page \(state.value.pageIndex)\(name)",
                              offset: source.fileOffset(ofPage: max(0, state.value.pageIndex)) + e.offset,
                              kind: .invalidValue(e.description))
    }
}

extension TraceFile {
    /// libtracecmd's offset of the first page of each CPU of `buffer` (indexed like
    /// `buffer.cpus`), the base of ``Record/pageOffset``.
    ///
    /// For uncompressed data these are the file offsets. For compressed data libtracecmd
    /// numbers the decompressed data of the CPUs one after the other, starting at one page
    /// size and rounding each CPU up to whole pages, in CPU order: top-level buffer first;
    /// an instance buffer continues where the top-level buffer ended.
    @_spi(Engine) public func referenceDataOffsets(of buffer: TraceBuffer) throws(TraceFileError) -> [Int] {
        guard buffer.isCompressed else { return buffer.cpus.map(\.offset) }
        var next = pageSize
        func assign(_ b: TraceBuffer) throws(TraceFileError) -> [Int] {
            var result = Array(repeating: 0, count: b.cpus.count)
            let order = b.cpus.indices.sorted { b.cpus[$0].cpu < b.cpus[$1].cpu }
            for i in order where b.cpus[i].size > 0 {
                let src = try CPUPageSource(file: self, buffer: b, cpuIndex: i)
                let size = src.pageCount * b.pageSize
                result[i] = next
                next = (next + size + pageSize - 1) / pageSize * pageSize
            }
            return result
        }
        if !buffer.isTopLevel, let top = topBuffer, top.isCompressed, top.kind == .flyrecord {
            _ = try assign(top)
        }
        return try assign(buffer)
    }
}
