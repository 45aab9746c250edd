@_spi(Engine) import TraceEvent

/// The state of one iteration over a session's events: the merged timeline, one
/// ``EventPrinter`` per file (comms, names, report text; not thread-safe, so one per
/// iteration), the parsed filters, the event types met so far, and the current record.
///
/// Text that depends on earlier records is produced in record order, as the report does:
/// the comms an output plugin registers (sched events) are registered once the body has
/// seen the record, and events printed statefully (function, function graph) are printed
/// as they come, whether or not their text is asked for.
@usableFromInline
final class EventCursor {
    /// What one file needs during the iteration.
    final class PeerState {
        let index: Int
        let printer: EventPrinter
        /// Whether the selection filters this file's events (see ``Learnt/filter``).
        let hasFilter: Bool
        /// Per event index of the printer's registry: its type, made on first use.
        let types: ObjectTable<EventType>
        /// Event id → index in the printer's registry (-1: none), for ids below 65536: the
        /// registry's own table, kept here so that the per-record lookup needs no registry copy.
        let indexByID: [Int32]
        /// Whether `common_type` is the usual u16 at offset 0.
        let idAtZero: Bool
        let style: ReportLine.LineStyle
        let longSize: Int
        /// Where the common fields are (read per event without copying the registry).
        let layout: CommonFieldLayout
        let order: ByteOrder

        /// What the iteration learns about the file, read per record: the file's one cursor
        /// is single-threaded by contract, and these fields are read without dynamic
        /// exclusivity checks (in one ``UncheckedCell``).
        private struct Learnt {
            /// Whether a record with a nonzero pid has been met: the report looks up the comm
            /// of every record, and its first lookup of a nonzero pid settles the comm table
            /// (see `CommTable`); later lookups happen only when the comm is asked for, with
            /// the same result as the report's (the table then only changes through
            /// registrations).
            var searched = false
            /// Per event index, learnt on first sight: bit 0 known, bit 1 printed statefully,
            /// bit 2 registers comms (see `EventPrinter.registersComms(eventAt:)`).
            var traits: [UInt8]
            /// Per event id below `indexByID.count`: the id, its index and traits packed in one
            /// word (see ``packedClassification(of:)``) once the direct path may take it (the
            /// id at offset 0, no filter, the first lookup done, the event known); 0 until then.
            var packedByID: [Int]
            /// The selection's filter (which keeps what it learns per record).
            var filter: EventFilter?
            /// Events this filter accepts are dropped.
            var exclude: EventFilter?
        }
        private let learnt: UncheckedCell<Learnt>

        init(index: Int, printer: EventPrinter, filter: EventFilter?, exclude: EventFilter?,
             style: ReportLine.LineStyle) {
            self.index = index
            self.printer = printer
            hasFilter = filter != nil || exclude != nil
            self.style = style
            longSize = printer.file.longSize
            layout = printer.registry.commonLayout
            order = printer.file.byteOrder
            types = ObjectTable(count: printer.registry.formats.count)
            indexByID = printer.registry.denseIndexByID
            idAtZero = layout.type == CommonFieldLayout.Slot(offset: 0, size: 2)
            learnt = UncheckedCell(Learnt(traits: Array(repeating: 0, count: types.count),
                                          packedByID: Array(repeating: 0, count: indexByID.count),
                                          filter: filter, exclude: exclude))
        }

        /// Whether the report's first comm lookup of a nonzero pid has happened.
        var searched: Bool { learnt.value.searched }

        /// The index in the printer's registry of the record's event, `nil` when unknown.
        @inline(__always)
        func eventIndex(of payload: RawBytes) -> Int? {
            guard let id = eventID(of: payload) else { return nil }
            return eventIndex(ofID: id, payload: payload)
        }

        /// The record's event id (`common_type`): read directly when it is the usual u16 at
        /// offset 0, else through the layout.
        @inline(__always)
        func eventID(of payload: RawBytes) -> Int? {
            if idAtZero {
                guard let raw = payload.load(UInt16.self, at: 0) else { return nil }
                return Int(order == .little ? UInt16(littleEndian: raw) : UInt16(bigEndian: raw))
            }
            let layout = self.layout, order = self.order
            return payload.withSpan { layout.eventID(in: $0, order: order) }
        }

        @inline(__always)
        func eventIndex(ofID id: Int, payload: RawBytes) -> Int? {
            if id >= 0 && id < indexByID.count {
                let i = indexByID[id]
                return i >= 0 ? Int(i) : nil
            }
            return printer.eventIndex(of: payload)
        }

        /// The record's event id, index and traits packed in one word (id in bits 0-15,
        /// index in bits 16-47, traits in bits 48-55) when they can be read directly: the
        /// id is the usual u16 at offset 0, has an index, its traits are known, and no
        /// filter nor first lookup is due (what ``learn(id:index:traits:)`` recorded). 0
        /// otherwise (then ``EventCursor`` takes the general path). Small enough to be
        /// inlined into the per-record loop.
        @inline(__always)
        func packedClassification(of payload: RawBytes) -> Int {
            guard let raw = payload.load(UInt16.self, at: 0) else { return 0 }
            let id = Int(order == .little ? UInt16(littleEndian: raw) : UInt16(bigEndian: raw))
            guard id < learnt.value.packedByID.count else { return 0 }
            return learnt.value.packedByID[id]
        }

        /// After the general path classified a record: lets the direct path take the next
        /// records of event `id` when it may (see ``packedClassification(of:)``).
        @inline(__always)
        func learn(id: Int?, index: Int?, traits: UInt8) {
            guard idAtZero, !hasFilter, learnt.value.searched, let id, let index,
                  id >= 0, id < learnt.value.packedByID.count else { return }
            learnt.value.packedByID[id] = id | index << 16 | Int(traits) << 48
        }

        /// The traits of the event at `index` (see ``Learnt/traits``).
        @inline(__always)
        func traits(of index: Int) -> UInt8 {
            let t = learnt.value.traits[index]
            if t != 0 { return t }
            var n: UInt8 = 1
            if !printer.isStateless(eventAt: index) { n |= 2 }
            if printer.registersComms(eventAt: index) { n |= 4 }
            learnt.value.traits[index] = n
            return n
        }

        /// The report's first comm lookup of a nonzero pid, at the same record (out of line:
        /// it happens once per file).
        @inline(never)
        func firstLookup(payload: RawBytes) {
            let pid = printer.pid(of: payload)
            guard pid != 0 else { return }
            learnt.value.searched = true
            _ = printer.comms.displayBytes(for: pid)
        }

        /// Whether the selection's filters keep the record of event `id` (-1: unknown) whose
        /// payload is `payload`, read on CPU `cpu` (the merged CPU index).
        func accepts(eventID id: Int, payload: RawSpan, cpu: Int) -> Bool {
            // The comms are the printer's: the filters do not touch this file's state.
            let comms = printer.comms
            let keep = learnt.value.filter?.accept(eventID: id, payload: payload, cpu: cpu,
                                                   comm: { comms.comm(for: $0) }) ?? true
            if !keep { return false }
            let drop = learnt.value.exclude?.accept(eventID: id, payload: payload, cpu: cpu,
                                                    comm: { comms.comm(for: $0) }) ?? false
            return !drop
        }

        /// Calls `body` with the type of the event at `index`, made on first use.
        @inline(__always)
        func withType<R>(at index: Int, _ body: (EventType) -> R) -> R {
            types.with(index, orMake: { makeType(at: index) }, body)
        }

        @inline(never)
        private func makeType(at index: Int) -> EventType {
            EventType(peer: self.index, format: printer.registry.formats[index],
                      byteOrder: printer.file.byteOrder, longSize: longSize)
        }
    }

    let session: TraceSession
    let sources: [SessionTimeline.Source]
    /// By file index; `nil` for files not read.
    let peers: [PeerState?]
    /// By source: its file's state (`nil` for a file not read), read per record without
    /// reference counting.
    private let sourcePeers: ObjectTable<PeerState>
    /// Per source: the file column of its lines (label, padding and `: `), empty without labels.
    let labels: [[UInt8]]
    /// The selection's start and end as bounds (0 and the largest timestamp when not set):
    /// the per-record test is two comparisons.
    private let lowest: UInt64
    private let highest: UInt64
    /// The timeline's forward merge, stepped directly per record: a table of one slot
    /// (empty when reversed), whose merge is lent without reference counting.
    private let forwardMerge: ObjectTable<MergeSlots>
    /// Newest first: records after the end are skipped; one before the start ends the iteration.
    let reversed: Bool
    /// Errors met while reading (each ended the unreadable part of one CPU).
    var errors: [TraceFileError] = []

    /// What changes per record: the current record and what has been made of it. The cursor
    /// is single-threaded by contract, and these fields are read and written without dynamic
    /// exclusivity checks (which would cost more than the per-record work): they live in one
    /// ``UncheckedCell``, read by the views' inlinable accessors too.
    @usableFromInline
    struct State {
        /// The current record's timestamp and payload (the views' inlinable accessors cannot
        /// name the engine's `Record`); 0 and empty when no record is current.
        @usableFromInline var timestamp: UInt64 = 0
        @usableFromInline var payload = RawBytes()
        /// The current record's event id (`common_type`), -1 when the record holds none.
        @usableFromInline var eventID = -1
        /// The current record's index in its file's registry, -1 for an unknown event.
        var eventIndex = -1
        /// The current record's source (stream) index, -1 when no record is current.
        var sourceIndex = -1
        /// The current event's traits (see ``PeerState/traits(of:)``).
        var traits: UInt8 = 0
        /// Whether the comms the current record teaches (sched plugin) are still to be
        /// registered (once the body has seen it, unless its line was made).
        var pendingComms = false
        /// Whether ``comm`` or ``line`` is set (what the next record clears).
        var hasText = false
        /// Whether the iteration has ended.
        var done = false
        /// The current record's comm, looked up when first asked for.
        var comm: [UInt8]?
        /// The current record's report line, once made.
        var line: String?
        /// Where the info starts in ``text`` (which holds the current record's line once made).
        var infoOffset = 0
        var text = TextBuffer(capacity: 4096)
        /// The merged timeline (stepped through it when reversed; else the cursor steps its
        /// forward merge directly).
        var timeline: SessionTimeline
    }
    @usableFromInline let state: UncheckedCell<State>

    /// The merged timeline.
    var timeline: SessionTimeline { state.value.timeline }

    /// The current record, read where the merge keeps it (valid until the next
    /// ``advance()``); an empty record when none is current. Inlined: an accessor that needs
    /// one field reads only that field.
    @inline(__always)
    var record: Record {
        let k = state.value.sourceIndex
        guard k >= 0 else { return .empty }
        if let r = forwardMerge.with(0, { $0[k] }) { return r }
        return state.value.timeline.head(k)
    }
    /// The current record's source (stream) index, -1 when no record is current.
    var sourceIndex: Int { state.value.sourceIndex }
    /// The current record's index in its file's registry; `nil` for an unknown event.
    var eventIndex: Int? {
        let i = state.value.eventIndex
        return i >= 0 ? i : nil
    }
    /// The current record's payload (empty when no record is current).
    var payload: RawBytes { state.value.payload }

    static let lineFormat = ReportLine.LineFormat(latency: false, raw: false, nanoseconds: false, tsDiff: false)

    /// Prepares an iteration; `reversed` reads newest first (see
    /// ``SessionTimeline/Selection/reversed``).
    init(session: TraceSession, selection: EventSelection, reversed: Bool = false) throws(EventQueryError) {
        self.session = session
        self.reversed = reversed
        lowest = selection.start ?? 0
        highest = selection.end ?? .max
        let plugins = PluginSession()
        // A printer for each file read, and for the other files of a multi-file report
        // whose first file is read (its kvm events find guest symbols through them).
        let selected = { (i: Int) in selection.peers?.contains(i) ?? true }
        let tops = session.peers.indices.filter { session.peers[$0].file.topBuffer?.kind == .flyrecord }
        let guestMap = tops.count > 1 && selected(tops[0])
        var printers: [EventPrinter?] = []
        for p in session.peers {
            guard selected(p.index) || (guestMap && tops.contains(p.index)) else { printers.append(nil); continue }
            // Symbols are parsed when first needed: an iteration may never ask for text.
            do { printers.append(try EventPrinter(file: p.file, options: .init(symbolsAhead: false), session: plugins)) } catch {
                throw .file(error)
            }
        }
        // As the report: the first file's kvm events find guest symbols through the VCPU threads.
        if guestMap, let host = printers[tops[0]] {
            GuestSymbolMap.attach(host: host, guests: tops.dropFirst().compactMap { printers[$0] })
        }
        // Event names to ids, per file.
        var idsByPeer: [Int: Set<Int>] = [:]
        if let names = selection.events {
            var found = Set<String>()
            for p in session.peers where selection.peers?.contains(p.index) ?? true {
                var ids = Set<Int>()
                for f in printers[p.index]?.registry.formats ?? [] {
                    let full = f.system + ":" + f.name
                    if names.contains(f.name) { ids.insert(f.id); found.insert(f.name) }
                    if names.contains(full) { ids.insert(f.id); found.insert(full) }
                }
                idsByPeer[p.index] = ids
            }
            if let missing = names.sorted().first(where: { !found.contains($0) }) { throw .unknownEvent(missing) }
        }
        var states: [PeerState?] = []
        for p in session.peers {
            guard selection.peers?.contains(p.index) ?? true else { states.append(nil); continue }
            guard let printer = printers[p.index] else { states.append(nil); continue }
            var filter: EventFilter?
            var exclude: EventFilter?
            do {
                if let text = selection.filter {
                    filter = try EventFilter(filters: [text], events: printer.registry.formats,
                                             byteOrder: p.file.byteOrder, symbols: printer.kallsyms)
                }
                if let text = selection.excludingFilter {
                    exclude = try EventFilter(filters: [text], events: printer.registry.formats,
                                              byteOrder: p.file.byteOrder, symbols: printer.kallsyms)
                }
            } catch {
                throw .filter(peer: p.index, error)
            }
            let style = ReportLine.LineStyle(file: p.file, rawTimestamps: session.settings.rawTimestamps)
            states.append(PeerState(index: p.index, printer: printer, filter: filter, exclude: exclude, style: style))
        }
        peers = states
        let timeline: SessionTimeline
        do {
            let names = selection.buffers
            let instances = names.map { $0.subtracting([""]) }
            timeline = try session.timeline(.init(peers: selection.peers, cpus: selection.cpus,
                                                  eventIDsByPeer: idsByPeer,
                                                  includeInstances: instances.map { !$0.isEmpty } ?? true,
                                                  instanceNames: instances,
                                                  includeTopLevel: names?.contains("") ?? true,
                                                  reversed: reversed))
        } catch {
            throw .file(error)
        }
        sources = timeline.sources
        forwardMerge = ObjectTable([timeline.forwardMerge])
        state = UncheckedCell(State(timeline: timeline))
        sourcePeers = ObjectTable(sources.map { states[$0.peer] })
        // The report's file column: every line has one when there are several files or
        // any instance buffer; the name is the file's last path component (several files)
        // or the instance's name.
        let multiple = session.peers.count > 1
        func name(_ p: TraceSession.Peer) -> String {
            if let i = p.path.lastIndex(of: "/") { return String(p.path[p.path.index(after: i)...]) }
            return p.path
        }
        var all: [String] = []
        var hasInstances = false
        for p in session.peers {
            for b in p.file.buffers where b.kind == .flyrecord {
                if !b.isTopLevel { hasInstances = true }
                all.append(multiple ? name(p) : b.name)
            }
        }
        let width = all.reduce(0) { max($0, $1.utf8.count) }
        labels = sources.map { s in
            guard multiple || hasInstances else { return [] }
            let p = session.peers[s.peer]
            let label = Array((multiple ? name(p) : p.file.buffers[s.buffer].name).utf8)
            var out = TextBuffer(capacity: width + 4)
            ReportLine.appendLabel(label, width: width, into: &out)
            return out.bytes
        }
    }

    /// Moves to the next selected record; false at the end.
    ///
    /// Per record: the merge, the event's index, the filter when there is one, and the
    /// registrations of the record before; no reference counting, no allocation. The common
    /// case (the forward merge, a record in the selection's range, an event the direct path
    /// knows) is read here in line; every other case goes through ``advanceInGeneral(from:)``.
    @inline(__always)
    func advance() -> Bool {
        let s = state
        // After the body has seen the current record: the comms its printing registers in
        // the report.
        if s.value.pendingComms { registerComms() }
        if s.value.done { return false }
        // The merge lent without reference counting (its step is inlined here).
        let stepped = forwardMerge.with(0) { merge -> Int in
            let k = merge.step()
            if _fastPath(k >= 0) {
                // Read in place: the merge keeps the record until the next call.
                let ts = merge[k].timestamp
                let payload = merge[k].payload
                if _fastPath(ts >= lowest && ts <= highest) {
                    let packed = sourcePeers.with(k) { $0.packedClassification(of: payload) } ?? 0
                    if _fastPath(packed != 0) {
                        select(k, timestamp: ts, payload: payload, id: packed & 0xffff,
                               index: (packed >> 16) & 0xffff_ffff, traits: UInt8(truncatingIfNeeded: packed >> 48))
                        return Self.selected
                    }
                }
            }
            return k
        } ?? Self.notStepped
        return stepped == Self.selected || advanceInGeneral(from: stepped)
    }

    /// What ``advance()``'s direct path returns when it made a record current.
    private static let selected = Int.max
    /// What ``advanceInGeneral(from:)`` is given when nothing was stepped yet.
    private static let notStepped = Int.min

    /// ``advance()`` in every case: `first` is what the merge's step just returned (a
    /// source index, -1 at the end, -2 after an error), or ``notStepped``.
    @inline(never)
    private func advanceInGeneral(from first: Int) -> Bool {
        guard !state.value.done else { return false }
        var stepped = first
        while true {
            let k: Int
            if stepped != Self.notStepped {
                k = stepped
                stepped = Self.notStepped
            } else {
                k = forwardMerge.with(0) { $0.step() } ?? state.value.timeline.step()
            }
            if _slowPath(k < 0) {
                // A bad page ends that part of its CPU; the merge goes on with the rest.
                let error = forwardMerge.with(0) { $0.takeError() } ?? state.value.timeline.takeError()
                if let error { errors.append(error); continue }
                return finish()
            }
            // Read in place: the merge keeps the record until the next call.
            let ts: UInt64
            let payload: RawBytes
            if let head = forwardMerge.with(0, { ($0[k].timestamp, $0[k].payload) }) {
                (ts, payload) = head
            } else {
                let r = state.value.timeline.head(k)
                ts = r.timestamp
                payload = r.payload
            }
            if _slowPath(ts < lowest || ts > highest) {
                if reversed ? ts > highest : ts < lowest { continue }
                return finish()
            }
            // `nil` for a file not read, `.some(nil)` for a record a filter drops.
            let classified = sourcePeers.with(k) { ps -> (id: Int, index: Int, traits: UInt8)? in
                let packed = ps.packedClassification(of: payload)
                if packed != 0 {
                    return (packed & 0xffff, (packed >> 16) & 0xffff_ffff, UInt8(truncatingIfNeeded: packed >> 48))
                }
                return classify(ps, payload: payload, source: k)
            }
            guard let kept = classified ?? nil else { continue }
            select(k, timestamp: ts, payload: payload, id: kept.id, index: kept.index, traits: kept.traits)
            return true
        }
    }

    /// Makes the record of source `k` current.
    @inline(__always)
    private func select(_ k: Int, timestamp: UInt64, payload: RawBytes, id: Int, index: Int, traits: UInt8) {
        let s = state
        s.value.timestamp = timestamp
        s.value.payload = payload
        s.value.sourceIndex = k
        s.value.eventID = id
        s.value.eventIndex = index
        s.value.traits = traits
        s.value.pendingComms = traits & 4 != 0
        // Cleared only when set (the common case stores nothing and releases nothing).
        if s.value.hasText { clearText() }
        // Printed statefully by the report: printed now, in order.
        if traits & 2 != 0 { _ = reportLine() }
    }

    @inline(never)
    private func clearText() {
        state.value.comm = nil
        state.value.line = nil
        state.value.hasText = false
    }

    /// The record's event id (-1: none), index (-1: unknown) and traits in the general case
    /// (an id not at offset 0, an unknown event, a filter, the first lookup of the file,
    /// traits not learnt yet); `nil` when a filter drops the record.
    @inline(never)
    private func classify(_ ps: PeerState, payload: RawBytes, source k: Int) -> (id: Int, index: Int, traits: UInt8)? {
        let id = ps.eventID(of: payload)
        let idx = id.flatMap { ps.eventIndex(ofID: $0, payload: payload) }
        if ps.hasFilter, !accepts(ps, index: idx, payload: payload, source: k) { return nil }
        if !ps.searched { ps.firstLookup(payload: payload) }
        let traits = idx.map { ps.traits(of: $0) } ?? 0
        ps.learn(id: id, index: idx, traits: traits)
        return (id ?? -1, idx ?? -1, traits)
    }

    /// Ends the iteration: no record is current any more.
    private func finish() -> Bool {
        let s = state
        s.value.done = true
        s.value.sourceIndex = -1
        s.value.eventID = -1
        s.value.eventIndex = -1
        s.value.traits = 0
        s.value.pendingComms = false
        s.value.timestamp = 0
        s.value.payload = RawBytes()
        return false
    }

    /// Whether the selection's filters keep the record (out of line: the per-record path
    /// without filters stays small).
    @inline(never)
    private func accepts(_ ps: PeerState, index idx: Int?, payload: RawBytes, source k: Int) -> Bool {
        let mergedCPU = sources[k].mergedCPU
        let fid = idx.map { ps.printer.registry.formats[$0].id } ?? -1
        return payload.withSpan { ps.accepts(eventID: fid, payload: $0, cpu: mergedCPU) }
    }

    /// Registers the comms of the current record (out of line: most records have none).
    @inline(never)
    private func registerComms() {
        let s = state
        s.value.pendingComms = false
        let idx = s.value.eventIndex, k = s.value.sourceIndex
        guard idx >= 0, k >= 0 else { return }
        // The record's CPU is its stream's.
        let payload = s.value.payload, cpu = sources[k].cpu
        _ = sourcePeers.with(k) { $0.printer.prepareForWorker(eventAt: idx, payload: payload, cpu: cpu) }
    }

    var source: SessionTimeline.Source { sources[state.value.sourceIndex] }

    /// The current record's file; `nil` when no record is current (before the first one;
    /// a view exists only while one is).
    var peer: PeerState? { withPeer { $0 } }

    /// Calls `body` with the current record's file, without reference counting; `nil` when
    /// no record is current.
    @inline(__always)
    func withPeer<R>(_ body: (PeerState) -> R) -> R? {
        let k = state.value.sourceIndex
        guard k >= 0 else { return nil }
        return sourcePeers.with(k, body)
    }

    /// Calls `body` with the current record's type (`nil` for an unknown event), without
    /// reference counting.
    @inline(__always)
    func withType<R>(_ body: (EventType?) -> R) -> R {
        let idx = state.value.eventIndex, k = state.value.sourceIndex
        if idx >= 0, k >= 0, let r = sourcePeers.with(k, { $0.withType(at: idx) { body($0) } }) { return r }
        return body(nil)
    }

    /// The current record's type.
    var type: EventType? { withType { $0 } }

    /// The comm the report shows for the current record (looked up once per record,
    /// before the record's own comms are registered).
    func commBytes() -> [UInt8] {
        if let comm = state.value.comm { return comm }
        let payload = state.value.payload
        let c = withPeer { $0.printer.comms.displayBytes(for: $0.printer.pid(of: payload)) } ?? []
        state.value.comm = c
        state.value.hasText = true
        return c
    }

    /// The report's line of the current record (with the file column, without a newline
    /// and without a dropped-events line).
    func reportLine() -> String {
        if let line = state.value.line { return line }
        guard let ps = peer else { return "" }
        let c = commBytes()
        let s = state
        let label = labels[s.value.sourceIndex]
        s.value.text.removeAll()
        s.value.text.append(contentsOf: label)
        var lastTS: UInt64 = 0
        let r = record
        let idx = eventIndex
        LineScratch.withBytes(of: c) { cb in
            // The line writer does not touch the cursor: the text is written in place.
            ReportLine.writeLine(payload: r.payload, pageRest: nil, cpu: r.cpu, timestamp: r.timestamp, missed: 0,
                                 comm: cb, style: ps.style, format: Self.lineFormat, printer: ps.printer,
                                 eventIndex: idx, lastTS: &lastTS, into: &s.value.text)
        }
        // Printing the line registered the comms it teaches.
        s.value.pendingComms = false
        if s.value.text.last == 0x0a { s.value.text.removeLast() }
        // The info follows the prefix (`comm-pid [cpu] time:`, whose comm column is at least
        // 16 bytes and whose other columns have no colon), a space and the name column.
        let count = s.value.text.count
        var i = label.count + max(16, c.count)
        while i < count, s.value.text[i] != 0x3a { i += 1 }
        let nameLength = idx.map { ps.printer.registry.formats[$0].name.utf8.count } ?? 6
        s.value.infoOffset = min(count, i + 2 + (nameLength < 20 ? 22 : nameLength + 2))
        let line = s.value.text.withBytes { $0.string }
        s.value.line = line
        s.value.hasText = true
        return line
    }

    /// The info part of ``reportLine()``.
    func info() -> String {
        _ = reportLine()
        let from = state.value.infoOffset
        return state.value.text.withBytes { $0.string(min(from, $0.byteCount)..<$0.byteCount) }
    }

    /// The line the report prints before the current record when events were lost just
    /// before it, or `nil`.
    var droppedNotice: String? {
        let m = record.missedEventsValue
        if m > 0 { return "CPU:\(record.cpu) [\(m) EVENTS DROPPED]" }
        if m < 0 { return "CPU:\(record.cpu) [EVENTS DROPPED]" }
        return nil
    }

    /// What the report prints for a line `line` with a file column of `labelLength` bytes
    /// and the dropped-events line `notice` (written after the file column, as the report does).
    static func reportText(line: String, labelLength: Int, notice: String?) -> String {
        guard let notice else { return line }
        let u = line.utf8
        let cut = u.index(u.startIndex, offsetBy: min(labelLength, u.count))
        return String(line[..<cut]) + notice + "\n" + String(line[cut...])
    }

    /// The file column of the current record's lines.
    var labelLength: Int { labels[state.value.sourceIndex].count }
}
