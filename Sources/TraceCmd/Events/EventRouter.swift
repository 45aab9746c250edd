@_spi(Engine) import TraceEvent
/// Callbacks by event name, all called in one pass over a session (libtracecmd's
/// `tracecmd_follow_event` and `tracecmd_follow_missed_events`).
///
/// For each event, in timeline order: the missed-events handlers first (when events were
/// lost just before it on its CPU), then the handlers following its name in the order they
/// were added, then the handler for every event. State lives in what the closures capture.
///
/// ```swift
/// var switches = 0, lost = 0
/// var router = EventRouter()
/// router.follow("sched", "sched_switch") { _ in switches += 1 }
/// router.followMissedEvents { e in lost += 1 }
/// try router.run(on: session)
/// ```
public struct EventRouter {
    typealias Handler = (borrowing EventView) throws -> Void

    private var followers: [(system: String?, name: String, body: Handler)] = []
    private var missed: [Handler] = []
    private var all: [Handler] = []

    /// An empty router.
    public init() {}

    /// Calls `body` with every event named `name` of system `system` (`nil`: any system).
    public mutating func follow(_ system: String?, _ name: String, _ body: @escaping (borrowing EventView) throws -> Void) {
        followers.append((system, name, body))
    }

    /// Calls `body` with every event before which events were lost on its CPU
    /// (``EventView/missedEvents`` is not ``MissedEvents/none``), before the other handlers.
    public mutating func followMissedEvents(_ body: @escaping (borrowing EventView) throws -> Void) {
        missed.append(body)
    }

    /// Calls `body` with every event, after the other handlers (the iterator's callback).
    public mutating func forEachEvent(_ body: @escaping (borrowing EventView) throws -> Void) {
        all.append(body)
    }

    /// Runs the handlers over the events of `session` chosen by `selection`, in one pass;
    /// returns the read errors skipped (see ``TraceSession/forEachEvent(_:_:)``).
    ///
    /// Unlike libtracecmd, where missed-events callbacks see records that filters drop, every
    /// handler here sees the selected events only.
    ///
    /// - Throws: ``EventQueryError`` before the first event, or what a handler throws (which
    ///   ends the pass).
    @discardableResult
    public func run(on session: TraceSession, _ selection: EventSelection = .init()) throws -> [TraceFileError] {
        var routes: [EventType: [Int]] = [:]
        return try session.forEachEvent(selection) { e in
            if !missed.isEmpty, e.missedEvents != .none {
                for h in missed { try h(e) }
            }
            if !followers.isEmpty, let t = e.type {
                let list: [Int]
                if let l = routes[t] {
                    list = l
                } else {
                    list = followers.indices.filter {
                        followers[$0].name == t.name && (followers[$0].system.map { $0 == t.system } ?? true)
                    }
                    routes[t] = list
                }
                for i in list { try followers[i].body(e) }
            }
            for h in all { try h(e) }
        }
    }
}
