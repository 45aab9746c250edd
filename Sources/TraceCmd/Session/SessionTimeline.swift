@_spi(Engine) import TraceEvent
/// The records of every file, CPU and buffer of a ``TraceSession`` as one timeline, in
/// corrected-timestamp order, read lazily. This is the one merge of the package: the report,
/// the event API and every other consumer read through it.
///
/// Order is the reference's (`trace-cmd report -i host.dat -i guest.dat ...`, which merges
/// with `tracecmd_iterate_events_multi`): the smallest corrected timestamp first; on equal
/// timestamps the top-level buffers of the files in the order given come first (lower file
/// index, then lower CPU), then the instance buffers (`-B`) of the first file, of the
/// second, and so on, each in file order.
///
/// Each record is tagged with its peer (file index) and buffer, and for a guest's record
/// with the host PID of the task running that VCPU when the host's GUEST option knows it.
/// Peers, buffers, CPUs and event ids can be left out before anything is decoded (see
/// ``Selection``). Nothing is allocated per record; a record's payload is valid until the
/// next call to ``next()``.
@_spi(Engine) public struct SessionTimeline {
    /// What to read.
    @_spi(Engine) public struct Selection: Sendable {
        /// File indices to read; `nil` reads all.
        @_spi(Engine) public var peers: Set<Int>?
        /// CPUs to read in every file (like `trace-cmd report --cpu`); `nil` reads all.
        @_spi(Engine) public var cpus: Set<Int>?
        /// Per file index, the CPUs to read there (overrides ``cpus`` for that file).
        @_spi(Engine) public var cpusByPeer: [Int: Set<Int>]
        /// Per file index, the event ids (`common_type` values of that file's formats) to
        /// keep; files not listed keep every event.
        @_spi(Engine) public var eventIDsByPeer: [Int: Set<Int>]
        /// Whether instance buffers are read (the reference's report does; its
        /// `tracecmd_iterate_events_multi` over the opened files alone does not).
        @_spi(Engine) public var includeInstances: Bool
        /// Instance names to read (when ``includeInstances``); `nil` reads all.
        @_spi(Engine) public var instanceNames: Set<String>?
        /// Merged CPU indices to read (see ``Source/mergedCPU``); `nil` reads all. This is
        /// what `trace-cmd report --cpu N` selects when given several files: the reference
        /// compares `N` with the CPU's index over all files, so `--cpu 0` keeps only CPU 0
        /// of the first file.
        @_spi(Engine) public var mergedCPUs: Set<Int>?
        /// Whether the top-level buffers are read (false reads instance buffers only).
        @_spi(Engine) public var includeTopLevel: Bool
        /// Newest first: each CPU read from its last page to its first, merged by largest
        /// timestamp, in the exact reverse of the forward order (see ``ReverseRecordMerger``).
        @_spi(Engine) public var reversed: Bool

        @_spi(Engine) public init(peers: Set<Int>? = nil, cpus: Set<Int>? = nil, cpusByPeer: [Int: Set<Int>] = [:],
                    eventIDsByPeer: [Int: Set<Int>] = [:], includeInstances: Bool = true,
                    instanceNames: Set<String>? = nil, mergedCPUs: Set<Int>? = nil,
                    includeTopLevel: Bool = true, reversed: Bool = false) {
            self.peers = peers
            self.cpus = cpus
            self.cpusByPeer = cpusByPeer
            self.eventIDsByPeer = eventIDsByPeer
            self.includeInstances = includeInstances
            self.instanceNames = instanceNames
            self.mergedCPUs = mergedCPUs
            self.includeTopLevel = includeTopLevel
            self.reversed = reversed
        }
    }

    /// Where the records of one merged stream come from.
    @_spi(Engine) public struct Source: Sendable {
        /// The file index in the session.
        @_spi(Engine) public var peer: Int
        /// Index of the buffer in the file's ``TraceFile/buffers``.
        @_spi(Engine) public var buffer: Int
        /// The CPU number.
        @_spi(Engine) public var cpu: Int
        /// The CPU's index over all merged buffers, as `trace-cmd report` numbers them for
        /// `--cpu` (each buffer's CPUs follow those of the buffers before it, whether read or
        /// not; see ``BufferSlot/firstCPU``).
        @_spi(Engine) public var mergedCPU: Int
        /// The host PID running this VCPU (guest files matched to a GUEST entry with PIDs).
        @_spi(Engine) public var hostPID: Int32?
        /// Index of the stream's buffer in ``SessionTimeline/buffers``.
        @_spi(Engine) public var slot: Int
    }

    /// One buffer of one file, in the timeline's tie-break order: the top-level buffers of
    /// the files in the order given, then the instance buffers (`-B`) of the first file, of
    /// the second, and so on. Only buffers with records (flyrecord buffers) are listed.
    @_spi(Engine) public struct BufferSlot: Sendable {
        /// The file index in the session.
        @_spi(Engine) public var peer: Int
        /// Index of the buffer in the file's ``TraceFile/buffers``.
        @_spi(Engine) public var buffer: Int
        /// Whether this is an instance buffer.
        @_spi(Engine) public var isInstance: Bool
        /// The merged index of the buffer's CPU 0: the sum over the buffers before it of
        /// `max(CPU count of the file, highest CPU number of the buffer + 1)`.
        @_spi(Engine) public var firstCPU: Int
        /// Whether the buffer's records are read (chosen by the selection).
        @_spi(Engine) public var isRead: Bool
    }

    /// One record of the timeline.
    @_spi(Engine) public struct Entry {
        /// The file index in the session.
        @_spi(Engine) public var peer: Int
        /// Index of the buffer in the file's ``TraceFile/buffers``.
        @_spi(Engine) public var buffer: Int
        /// The host PID running the record's VCPU, for a guest record whose host GUEST
        /// option knows it.
        @_spi(Engine) public var hostPID: Int32?
        /// The record; ``Record/timestamp`` is corrected, ``Record/rawTimestamp`` is not.
        @_spi(Engine) public var record: Record
    }

    /// The session read.
    @_spi(Engine) public let session: TraceSession
    /// The merged streams, in tie-break order.
    @_spi(Engine) public let sources: [Source]
    /// Every buffer with records, in tie-break order (read or not).
    @_spi(Engine) public let buffers: [BufferSlot]
    @usableFromInline var merger: RecordMerger
    /// The merge of a reversed selection (then ``merger`` merges nothing).
    @usableFromInline var reverse: ReverseRecordMerger?
    /// The error behind the last reversed ``step()`` that returned -2.
    private var reverseError: TraceFileError?

    /// Prepares the merge of `session`'s records chosen by `selection`.
    @_spi(Engine) public init(session: TraceSession, selection: Selection = .init()) throws(TraceFileError) {
        try self.init(session: session, selection: selection, decompressAhead: CPUPageSource.decompressAhead)
    }

    /// Prepares the merge; `decompressAhead` as in ``CPUPageSource``.
    @_spi(Engine) public init(session: TraceSession, selection: Selection, decompressAhead: Bool) throws(TraceFileError) {
        self.session = session
        var slots: [BufferSlot] = []
        var start = 0
        func slot(_ peer: TraceSession.Peer, bufferIndex: Int, read: Bool) {
            let b = peer.file.buffers[bufferIndex]
            guard b.kind == .flyrecord else { return }
            slots.append(BufferSlot(peer: peer.index, buffer: bufferIndex, isInstance: !b.isTopLevel,
                                    firstCPU: start, isRead: read))
            start += max(peer.file.cpuCount, (b.cpus.map(\.cpu).max() ?? -1) + 1)
        }
        for p in session.peers {
            let read = selection.peers?.contains(p.index) ?? true
            if let top = p.file.buffers.firstIndex(where: { $0.isTopLevel }) {
                slot(p, bufferIndex: top, read: read && selection.includeTopLevel)
            }
        }
        if selection.includeInstances {
            for p in session.peers {
                let read = selection.peers?.contains(p.index) ?? true
                for (i, b) in p.file.buffers.enumerated() where !b.isTopLevel {
                    slot(p, bufferIndex: i, read: read && (selection.instanceNames?.contains(b.name) ?? true))
                }
            }
        }
        var streams: [CPURecordStream] = []
        var sources: [Source] = []
        for (k, sl) in slots.enumerated() where sl.isRead {
            let peer = session.peers[sl.peer]
            let buffer = peer.file.buffers[sl.buffer]
            let cpus = selection.cpusByPeer[peer.index] ?? selection.cpus
            let corrector = peer.corrector(for: buffer)
            let events = selection.eventIDsByPeer[peer.index]
            // Read backwards, the chunks after the one being read are not needed again.
            for s in try RecordIterator.streams(file: peer.file, buffer: buffer, cpus: cpus,
                                                decompressAhead: decompressAhead && !selection.reversed) {
                if let m = selection.mergedCPUs, !m.contains(sl.firstCPU + s.cpu) { continue }
                // libtracecmd indexes a buffer's CPUs by number: the samples of CPU n are used.
                s.setCorrection(corrector, cpu: s.cpu)
                s.keepEvents(events)
                streams.append(s)
                sources.append(Source(peer: peer.index, buffer: sl.buffer, cpu: s.cpu, mergedCPU: sl.firstCPU + s.cpu,
                                      hostPID: peer.hostPID(vcpu: s.cpu), slot: k))
            }
        }
        buffers = slots
        self.sources = sources
        if selection.reversed {
            reverse = ReverseRecordMerger(streams: streams.map { ReverseCPURecordStream($0) })
            merger = RecordMerger(streams: [])
        } else {
            merger = RecordMerger(streams: streams)
        }
    }

    /// The next record in timeline order, or `nil` at the end.
    ///
    /// A thrown error ends the unreadable part of one CPU; calling `next()` again goes on
    /// with the rest.
    @_spi(Engine) public mutating func next() throws(TraceFileError) -> Entry? {
        guard let (k, r) = try nextIndexed() else { return nil }
        let s = sources[k]
        return Entry(peer: s.peer, buffer: s.buffer, hostPID: s.hostPID, record: r)
    }

    /// The next record and the index of its stream in ``sources``.
    @_spi(Engine) public mutating func nextIndexed() throws(TraceFileError) -> (source: Int, record: Record)? {
        if reverse != nil {
            guard let (k, r) = try reverse!.next() else { return nil }
            return (k, r)
        }
        guard let (k, r) = try merger.next() else { return nil }
        return (k, r)
    }

    /// Like ``nextIndexed()``, for a consumer that reads the record in place: the index in
    /// ``sources`` of the stream whose record comes next, which `head(_:)` then holds (until
    /// the next call), or `nil` at the end.
    @inline(__always)
    @_spi(Engine) public mutating func nextSource() throws(TraceFileError) -> Int? {
        if reverse != nil { return try reverse?.nextIndex() ?? nil }
        return try merger.nextIndex()
    }

    /// Like ``nextSource()`` without throwing, for the per-record loop of a consumer in
    /// this package: the index in ``sources`` of the next record's stream (`head(_:)`
    /// holds the record), -1 at the end, -2 when an error ended a part of one CPU
    /// (``takeError()`` returns it; calling again goes on with the rest).
    @inline(__always)
    mutating func step() -> Int {
        if _slowPath(reverse != nil) { return reverseStep() }
        return merger.step()
    }

    @inline(never)
    private mutating func reverseStep() -> Int {
        do throws(TraceFileError) {
            guard let k = try reverse?.nextIndex() else { return -1 }
            return k
        } catch {
            reverseError = error
            return -2
        }
    }

    /// The forward merge's state, for a consumer that steps it directly (its per-record
    /// loop then calls the merge itself); `nil` for a reversed timeline.
    var forwardMerge: MergeSlots? { reverse == nil ? merger.state : nil }

    /// The error behind the last ``step()`` that returned -2.
    mutating func takeError() -> TraceFileError? {
        if let e = reverseError { reverseError = nil; return e }
        return merger.takeError()
    }

    /// The record of source `k` returned by ``nextSource()`` (valid until the next call).
    /// Inlined into consumers: a forward timeline's record is read in place.
    @inlinable @inline(__always)
    package func head(_ k: Int) -> Record {
        if _slowPath(reverse != nil) { return reverseHead(k) }
        return merger.head(k)
    }

    @usableFromInline
    func reverseHead(_ k: Int) -> Record { reverse?.head(k) ?? merger.head(k) }

    /// The bytes from the payload of source `k`'s record returned by ``nextSource()`` to the
    /// end of its page (forward reading; `nil` otherwise), valid as the record's payload.
    package func pageRest(source k: Int) -> RawBytes? {
        guard reverse == nil else { return nil }
        return merger.streams[k].pageRest(of: merger.head(k))
    }

    /// Makes source `k`'s stream start at its page `page` (forward reading only, before the
    /// first record is read).
    @_spi(Engine) public func seek(source k: Int, toPage page: Int) {
        merger.streams[k].seek(toPage: page)
    }

    /// The number of pages of source `k` (forward reading).
    @_spi(Engine) public func pageCount(source k: Int) -> Int { merger.streams[k].pageCount }
}
