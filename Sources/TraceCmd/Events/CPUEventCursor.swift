@_spi(Engine) import TraceEvent
/// The events of one CPU of one buffer of one file, in the order the CPU recorded them, as
/// owned ``Event`` values: `tracecmd_read_cpu_first` and `tracecmd_read_data`.
///
/// Made by ``TraceSession/cpuEvents(peer:cpu:buffer:)``. Each call of ``next()`` returns the
/// CPU's next event (the first one on the first call), `nil` after the last. It is a
/// sequence too: iterating it consumes the cursor.
///
/// ```swift
/// let cursor = try session.cpuEvents(cpu: 1)
/// while let e = cursor.next() { print(e.offset, e.timestamp) }
/// ```
public final class CPUEventCursor: Sequence, IteratorProtocol {
    /// The file index (peer) read.
    public let peer: Int
    /// The CPU read.
    public let cpu: Int
    /// The buffer read: empty for the top-level buffer, else the instance's name.
    public let buffer: String
    let cursor: EventCursor

    init(session: TraceSession, peer: Int, cpu: Int, buffer: String) throws(EventQueryError) {
        self.peer = peer
        self.cpu = cpu
        self.buffer = buffer
        cursor = try EventCursor(session: session, selection: EventSelection(peers: [peer], cpus: [cpu], buffers: [buffer]))
    }

    /// The next event of the CPU, or `nil` after the last one (a page that cannot be read
    /// is skipped and added to ``errors``).
    public func next() -> Event? {
        guard cursor.advance() else { return nil }
        return EventView(cursor: cursor).owned()
    }

    /// The read errors skipped so far.
    public var errors: [TraceFileError] { cursor.errors }
}
