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
        var filter: EventFilter?
        /// Events this filter accepts are dropped.
        var exclude: EventFilter? { didSet { hasFilter = filter != nil || exclude != nil } }
        /// Whether ``filter`` or ``exclude`` is set (read per record without touching them).
        @exclusivity(unchecked) private(set) var hasFilter: Bool
        /// Whether a record with a nonzero pid has been met: the report looks up the comm of
        /// every record, and its first lookup of a nonzero pid settles the comm table (see
        /// `CommTable`); later lookups happen only when the comm is asked for, with the same
        /// result as the report's (the table then only changes through registrations).
        @exclusivity(unchecked) var searched = false
        /// Per event index of the printer's registry: its type, made on first use.
        let types: ObjectTable<EventType>
        /// Event id → index in the printer's registry (-1: none), for ids below 65536: the
        /// registry's own table, kept here so that the per-record lookup needs no registry copy.
        let indexByID: [Int32]
        /// Whether `common_type` is the usual u16 at offset 0.
        let idAtZero: Bool
        /// Per event index, learnt on first sight: bit 0 known, bit 1 printed statefully,
        /// bit 2 registers comms (see `EventPrinter.registersComms(eventAt:)`).
        @exclusivity(unchecked) var traits: [UInt8]
        let style: ReportLine.LineStyle
        let longSize: Int
        /// Where the common fields are (read per event without copying the registry).
        let layout: CommonFieldLayout
        let order: ByteOrder

        init(index: Int, printer: EventPrinter, filter: EventFilter?, style: ReportLine.LineStyle) {
            self.index = index
            self.printer = printer
            self.filter = filter
            hasFilter = filter != nil
            self.style = style
            longSize = printer.file.longSize
            layout = printer.registry.commonLayout
            order = printer.file.byteOrder
            types = ObjectTable(count: printer.registry.formats.count)
            traits = Array(repeating: 0, count: types.count)
            indexByID = printer.registry.denseIndexByID
            idAtZero = layout.type == CommonFieldLayout.Slot(offset: 0, size: 2)
        }

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
        /// filter nor first lookup is due. -1 otherwise (then ``EventCursor`` takes the
        /// general path). Small enough to be inlined into the per-record loop.
        @inline(__always)
        func packedClassification(of payload: RawBytes) -> Int {
            guard idAtZero, !hasFilter, searched, let raw = payload.load(UInt16.self, at: 0) else { return -1 }
            let id = Int(order == .little ? UInt16(littleEndian: raw) : UInt16(bigEndian: raw))
            guard id < indexByID.count else { return -1 }
            let i = indexByID[id]
            guard i >= 0 else { return -1 }
            let t = traits[Int(i)]
            guard t != 0 else { return -1 }
            return id | Int(i) << 16 | Int(t) << 48
        }

        /// The traits of the event at `index` (see ``traits``).
        @inline(__always)
        func traits(of index: Int) -> UInt8 {
            let t = traits[index]
            if t != 0 { return t }
            var n: UInt8 = 1
            if !printer.isStateless(eventAt: index) { n |= 2 }
            if printer.registersComms(eventAt: index) { n |= 4 }
            traits[index] = n
            return n
        }

        /// Calls `body` with the type of the event at `index`, made on first use.
        @inline(__always)
        func withType<R>(at index: Int, _ body: (EventType) -> R) -> R {
            if !types.contains(index) { makeType(at: index) }
            return types.with(index, body)!
        }

        @inline(never)
        private func makeType(at index: Int) {
            types.set(index, EventType(peer: self.index, format: printer.registry.formats[index],
                                       byteOrder: printer.file.byteOrder, longSize: longSize))
        }
    }

    let session: TraceSession
    @exclusivity(unchecked) var timeline: SessionTimeline
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
    /// The timeline's forward merge, stepped directly per record (`nil` when reversed).
    private let merge: MergeSlots?
    /// Newest first: records after the end are skipped; one before the start ends the iteration.
    let reversed: Bool
    /// Errors met while reading (each ended the unreadable part of one CPU).
    var errors: [TraceFileError] = []
    @exclusivity(unchecked) private var done = false

    /// The current record, read where the merge keeps it (valid until the next
    /// ``advance()``); an empty record when none is current.
    var record: Record {
        guard sourceIndex >= 0 else { return .empty }
        if let merge { return merge[sourceIndex] }
        return timeline.head(sourceIndex)
    }
    /// The current record's source (stream) index, -1 when no record is current.
    // Single-threaded by contract: no dynamic exclusivity checks.
    @exclusivity(unchecked) var sourceIndex = -1
    @exclusivity(unchecked) var eventIndex: Int?
    /// The current record's event id (`common_type`).
    @usableFromInline @exclusivity(unchecked) var eventID: Int?
    /// The current record's timestamp and payload, kept beside ``current`` for the views'
    /// inlinable accessors (which cannot name the engine's `Record`).
    @usableFromInline @exclusivity(unchecked) var currentTimestamp: UInt64 = 0
    @usableFromInline @exclusivity(unchecked) var currentPayload = RawBytes()
    /// The current event's traits (see ``PeerState/traits``).
    @exclusivity(unchecked) private var traits: UInt8 = 0
    /// The current record's comm, looked up when first asked for.
    @exclusivity(unchecked) private var comm: [UInt8]?
    /// The current record's report line, once made.
    @exclusivity(unchecked) private var line: String?
    /// Where the info starts in ``text`` (which holds the current record's line once made).
    @exclusivity(unchecked) private var infoOffset = 0
    /// Whether the comms the current record teaches (sched plugin) are registered.
    @exclusivity(unchecked) private var registered = true
    @exclusivity(unchecked) private var text = TextBuffer(capacity: 4096)

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
            let state = PeerState(index: p.index, printer: printer, filter: filter, style: style)
            state.exclude = exclude
            states.append(state)
        }
        peers = states
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
        merge = timeline.forwardMerge
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
        currentTimestamp = 0
        currentPayload = RawBytes()
    }

    /// Moves to the next selected record; false at the end.
    ///
    /// Per record: the merge, the event's index, the filter when there is one, and the
    /// registrations of the record before; no reference counting, no allocation.
    func advance() -> Bool {
        if !registered { finishCurrent() }
        guard !done else { return false }
        while true {
            let k = merge?.step() ?? timeline.step()
            if _slowPath(k < 0) {
                // A bad page ends that part of its CPU; the merge goes on with the rest.
                if let error = merge?.takeError() ?? timeline.takeError() { errors.append(error); continue }
                return finish()
            }
            // Read in place: the merge keeps the record until the next call.
            let ts: UInt64
            let payload: RawBytes
            if let merge {
                ts = merge[k].timestamp
                payload = merge[k].payload
            } else {
                let r = timeline.head(k)
                ts = r.timestamp
                payload = r.payload
            }
            if _slowPath(ts < lowest || ts > highest) {
                if reversed ? ts > highest : ts < lowest { continue }
                return finish()
            }
            guard let packed = sourcePeers.with(k, { $0.packedClassification(of: payload) }) else { continue }
            if packed >= 0 {
                // The common case, in line: a known event, no filter.
                eventID = packed & 0xffff
                eventIndex = (packed >> 16) & 0xffff_ffff
                traits = UInt8(truncatingIfNeeded: packed >> 48)
            } else if !(sourcePeers.with(k, { classify($0, payload: payload, source: k) }) ?? false) {
                continue
            }
            currentTimestamp = ts
            currentPayload = payload
            sourceIndex = k
            // Cleared only when set (the common case stores nothing and releases nothing).
            if comm != nil { comm = nil }
            if line != nil { line = nil }
            registered = false
            // Printed statefully by the report: printed now, in order.
            if traits & 2 != 0 { _ = reportLine() }
            return true
        }
    }

    /// The record's event id, index and traits in the general case (an id not at offset 0,
    /// an unknown event, a filter, the first lookup of the file, traits not learnt yet);
    /// false when a filter drops the record.
    @inline(never)
    private func classify(_ ps: PeerState, payload: RawBytes, source k: Int) -> Bool {
        let id = ps.eventID(of: payload)
        let idx = id.flatMap { ps.eventIndex(ofID: $0, payload: payload) }
        if ps.hasFilter, !accepts(ps, index: idx, payload: payload, source: k) { return false }
        if !ps.searched { firstLookup(ps, payload: payload) }
        eventID = id
        eventIndex = idx
        traits = idx.map { ps.traits(of: $0) } ?? 0
        return true
    }

    /// Ends the iteration: no record is current any more.
    private func finish() -> Bool {
        done = true
        sourceIndex = -1
        currentTimestamp = 0
        currentPayload = RawBytes()
        return false
    }

    /// The report's first comm lookup of a nonzero pid, at the same record (out of line: it
    /// happens once per file).
    @inline(never)
    private func firstLookup(_ ps: PeerState, payload: RawBytes) {
        let pid = ps.printer.pid(of: payload)
        guard pid != 0 else { return }
        ps.searched = true
        _ = ps.printer.comms.displayBytes(for: pid)
    }

    /// Whether the selection's filters keep the record (out of line: the per-record path
    /// without filters stays small).
    @inline(never)
    private func accepts(_ ps: PeerState, index idx: Int?, payload: RawBytes, source k: Int) -> Bool {
        let printer = ps.printer
        let mergedCPU = sources[k].mergedCPU
        let fid = idx.map { printer.registry.formats[$0].id } ?? -1
        let comms = printer.comms
        return payload.withSpan { span in
            let keep = ps.filter?.accept(eventID: fid, payload: span, cpu: mergedCPU,
                                         comm: { comms.comm(for: $0) }) ?? true
            if !keep { return false }
            let drop = ps.exclude?.accept(eventID: fid, payload: span, cpu: mergedCPU,
                                          comm: { comms.comm(for: $0) }) ?? false
            return !drop
        }
    }

    /// After the body has seen the current record: registers the comms that printing it
    /// registers in the report.
    @inline(__always)
    func finishCurrent() {
        guard !registered else { return }
        registered = true
        if traits & 4 != 0 { registerComms() }
    }

    /// Registers the comms of the current record (out of line: most records have none).
    @inline(never)
    private func registerComms() {
        guard let idx = eventIndex, sourceIndex >= 0 else { return }
        // The record's CPU is its stream's.
        let payload = currentPayload, cpu = sources[sourceIndex].cpu
        _ = sourcePeers.with(sourceIndex) { $0.printer.prepareForWorker(eventAt: idx, payload: payload, cpu: cpu) }
    }

    var source: SessionTimeline.Source { sources[sourceIndex] }

    /// The current record's file; `nil` when no record is current (before the first one;
    /// a view exists only while one is).
    var peer: PeerState? { withPeer { $0 } }

    /// Calls `body` with the current record's file, without reference counting; `nil` when
    /// no record is current.
    @inline(__always)
    func withPeer<R>(_ body: (PeerState) -> R) -> R? {
        guard sourceIndex >= 0 else { return nil }
        return sourcePeers.with(sourceIndex, body)
    }

    /// Calls `body` with the current record's type (`nil` for an unknown event), without
    /// reference counting.
    @inline(__always)
    func withType<R>(_ body: (EventType?) -> R) -> R {
        guard let idx = eventIndex, sourceIndex >= 0, sourcePeers.contains(sourceIndex) else { return body(nil) }
        return sourcePeers.with(sourceIndex) { $0.withType(at: idx) { body($0) } }!
    }

    /// The current record's type.
    var type: EventType? { withType { $0 } }

    /// The comm the report shows for the current record (looked up once per record,
    /// before the record's own comms are registered).
    func commBytes() -> [UInt8] {
        if let comm { return comm }
        let payload = record.payload
        let c = withPeer { $0.printer.comms.displayBytes(for: $0.printer.pid(of: payload)) } ?? []
        comm = c
        return c
    }

    /// The report's line of the current record (with the file column, without a newline
    /// and without a dropped-events line).
    func reportLine() -> String {
        if let line { return line }
        guard let ps = peer else { return "" }
        let c = commBytes()
        let label = labels[sourceIndex]
        text.removeAll()
        text.append(contentsOf: label)
        var lastTS: UInt64 = 0
        let r = record
        let idx = eventIndex
        LineScratch.withBytes(of: c) { cb in
            ReportLine.writeLine(payload: r.payload, pageRest: nil, cpu: r.cpu, timestamp: r.timestamp, missed: 0,
                                 comm: cb, style: ps.style, format: Self.lineFormat, printer: ps.printer,
                                 eventIndex: idx, lastTS: &lastTS, into: &text)
        }
        registered = true
        if text.last == 0x0a { text.removeLast() }
        // The info follows the prefix (`comm-pid [cpu] time:`, whose comm column is at least
        // 16 bytes and whose other columns have no colon), a space and the name column.
        var i = label.count + max(16, c.count)
        while i < text.count, text[i] != 0x3a { i += 1 }
        let nameLength = eventIndex.map { ps.printer.registry.formats[$0].name.utf8.count } ?? 6
        infoOffset = min(text.count, i + 2 + (nameLength < 20 ? 22 : nameLength + 2))
        let s = text.withBytes { $0.string }
        line = s
        return s
    }

    /// The info part of ``reportLine()``.
    func info() -> String {
        _ = reportLine()
        let from = infoOffset
        return text.withBytes { $0.string(min(from, $0.byteCount)..<$0.byteCount) }
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
    var labelLength: Int { labels[sourceIndex].count }
}
