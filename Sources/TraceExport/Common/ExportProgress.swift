import TraceCmd

/// How far an export has gone, handed to the exporter's progress callback.
///
/// The fraction is measured on the host clock: the time of the last exported event
/// between the session's first and last timestamps, so it moves evenly for a session whose
/// events are spread over time, whatever the mix of peers.
public struct ExportProgress: Sendable, Hashable {
    /// Events written so far.
    public var events: UInt64
    /// Between 0 and 1.
    public var fraction: Double

    /// A progress value.
    public init(events: UInt64, fraction: Double) {
        self.events = events
        self.fraction = fraction
    }
}

/// Turns event timestamps into ``ExportProgress`` values, calling the callback at most
/// every `stride` events (a cheap counter check per event, no clock read).
struct ExportProgressTracker {
    private let first: UInt64
    private let span: Double
    private let callback: (@Sendable (ExportProgress) -> Void)?
    private let stride: UInt64
    private var nextReport: UInt64
    private(set) var events: UInt64 = 0

    init(first: UInt64, last: UInt64, stride: UInt64 = 1 << 16,
         callback: (@Sendable (ExportProgress) -> Void)?) {
        self.first = first
        self.span = last > first ? Double(last - first) : 1
        self.callback = callback
        self.stride = stride
        self.nextReport = stride
    }

    /// Counts one event written at host-clock time `timestamp`.
    @inline(__always)
    mutating func advance(timestamp: UInt64) {
        events &+= 1
        if events >= nextReport { report(timestamp: timestamp) }
    }

    private mutating func report(timestamp: UInt64) {
        nextReport = events &+ stride
        guard let callback else { return }
        let done = timestamp > first ? Double(timestamp - first) / span : 0
        callback(ExportProgress(events: events, fraction: min(1, max(0, done))))
    }

    /// A tracker for an export of `selection` from `session`: the fraction runs over the
    /// host-clock span of the selected peers, CPUs and buffers (their first and last events,
    /// found by one forward and one reverse step; not looked for when `callback` is `nil`).
    init(session: TraceSession, selection: EventSelection,
         callback: (@Sendable (ExportProgress) -> Void)?) {
        guard callback != nil else {
            self.init(first: 0, last: 0, callback: nil)
            return
        }
        struct Stop: Error {}
        var s = EventSelection(peers: selection.peers, cpus: selection.cpus, start: selection.start, end: selection.end)
        s.buffers = selection.buffers
        var first: UInt64 = 0, last: UInt64 = 0
        _ = try? session.forEachEvent(s) { e in first = e.timestamp; throw Stop() }
        _ = try? session.forEachEventReversed(s) { e in last = e.timestamp; throw Stop() }
        if let end = selection.end { last = min(last, end) }
        self.init(first: first, last: max(first, last), callback: callback)
    }

    /// The final call: fraction 1.
    func finish() {
        callback?(ExportProgress(events: events, fraction: 1))
    }
}
