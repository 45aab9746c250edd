@_spi(Engine) import TraceEvent

/// Reading one CPU, or one record by its offset (`tracecmd_read_cpu_first`,
/// `tracecmd_read_data`, `tracecmd_read_at`), and a file's event types (`tracecmd_get_tep`).
extension TraceSession {
    /// The events of CPU `cpu` of `buffer` (`""`: the top-level buffer) of file `peer`, in
    /// recording order (see ``CPUEventCursor``).
    ///
    /// - Throws: ``EventQueryError`` when the file's formats cannot be read.
    public func cpuEvents(peer: Int = 0, cpu: Int, buffer: String = "") throws(EventQueryError) -> CPUEventCursor {
        try CPUEventCursor(session: self, peer: peer, cpu: cpu, buffer: buffer)
    }

    /// The first event of CPU `cpu` of `buffer` of file `peer`, or `nil` when the CPU has none.
    public func firstEvent(peer: Int = 0, cpu: Int, buffer: String = "") throws(EventQueryError) -> Event? {
        try cpuEvents(peer: peer, cpu: cpu, buffer: buffer).next()
    }

    /// The event at `offset` (libtracecmd's numbering, ``Event/offset``) of `buffer` of file
    /// `peer`, as `tracecmd_read_at` finds it: the page holding `offset` is read, and the
    /// first event of that page that ends after `offset` is returned (the event whose bytes
    /// hold `offset`, or the page's first event for an offset in the page header); when the
    /// page has no event from there on, the CPU's next event (on a later page). `nil` when no
    /// page holds `offset` or the CPU has no event from there on.
    ///
    /// Only that page is decoded. The event's comm is the one the file's saved command lines
    /// give (what the report shows before any sched event taught another).
    public func event(atOffset offset: Int, peer: Int = 0, buffer: String = "") throws(EventQueryError) -> Event? {
        guard peers.indices.contains(peer) else { return nil }
        let file = peers[peer].file
        guard let b = file.buffers.first(where: { $0.name == buffer && $0.kind == .flyrecord }) else { return nil }
        let bases: [Int]
        do { bases = try file.referenceDataOffsets(of: b) } catch { throw .file(error) }
        let pageSize = b.pageSize
        for (i, location) in b.cpus.enumerated() where location.size > 0 && offset >= bases[i] {
            let page = (offset - bases[i]) / pageSize
            let cursor = try EventCursor(session: self, selection: EventSelection(peers: [peer], cpus: [location.cpu],
                                                                                  buffers: [buffer]))
            guard let k = cursor.sources.firstIndex(where: { $0.cpu == location.cpu }),
                  page < cursor.timeline.pageCount(source: k) else { continue }
            cursor.timeline.seek(source: k, toPage: page)
            while cursor.advance() {
                let r = cursor.record
                if r.pageIndex > page || r.offset + r.recordSize > offset { return EventView(cursor: cursor).owned() }
            }
            return nil
        }
        return nil
    }

    /// The event types of file `peer` (its formats: `tracecmd_get_tep`'s event list), in the
    /// file's order.
    ///
    /// - Throws: ``EventQueryError/file(_:)`` when the formats cannot be read.
    public func eventTypes(peer: Int = 0) throws(EventQueryError) -> [EventType] {
        let p = peers[peer]
        let printer: EventPrinter
        do { printer = try EventPrinter(file: p.file, options: .init(), session: PluginSession()) } catch {
            throw .file(error)
        }
        return printer.registry.formats.map {
            EventType(peer: peer, format: $0, byteOrder: p.file.byteOrder, longSize: p.file.longSize)
        }
    }
}
