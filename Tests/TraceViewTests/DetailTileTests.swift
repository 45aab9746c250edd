import Foundation
import Testing
import TraceCmd
@testable import TraceView

/// Detail tiles: a page whose events do not all fit its plain part keeps every event in
/// compressed tiles and decodes those of the visible window when zoomed in. Small limits make
/// the fixtures take that path; the reference `trace-cmd report` gives the expected events.
@Suite(.serialized)
struct DetailTileTests {
    static let dir = Tools.fixtures + "/session-tsync"
    static let files = ["trace.dat", "trace-guest1.vm.dat"]
    static let options = ViewOptions(detailLimit: 300, tileEvents: 128, sliceLimit: 100)

    /// One event of the reference: its file, CPU, time in ns (`report -t`) and line (`report`).
    struct RefEvent {
        var file: String
        var cpu: Int
        var ns: UInt64
        var line: String
    }

    /// The reference's events in order: times from `trace-cmd report -t`, lines from
    /// `trace-cmd report` (the same events in the same order).
    static func referenceEvents() throws -> [RefEvent] {
        let withNS = try SessionPageTests.reportLinesInOrder(dir, files, flags: ["-t"])
        let lines = try SessionPageTests.reportLinesInOrder(dir, files)
        #expect(withNS.count == lines.count)
        var out: [RefEvent] = []
        for (a, line) in zip(withNS, lines) {
            let file = a.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)
            guard let c0 = a.range(of: " ["), let c1 = a[c0.upperBound...].range(of: "]"),
                  let cpu = Int(a[c0.upperBound..<c1.lowerBound]) else { continue }
            let t = a[c1.upperBound...].trimmingCharacters(in: .whitespaces).prefix { $0 != ":" }.split(separator: ".")
            guard t.count == 2, let s = UInt64(t[0]), let ns = UInt64(t[1]), t[1].count == 9 else { continue }
            out.append(RefEvent(file: file, cpu: cpu, ns: s * 1_000_000_000 + ns, line: line))
        }
        #expect(out.count == lines.count)
        return out
    }

    /// The lane of a reference event.
    static func lane(_ e: RefEvent, _ view: SessionView) -> Int? {
        guard let peer = files.firstIndex(of: e.file) else { return nil }
        return view.lanes.firstIndex { $0.peer == peer && $0.cpu == e.cpu && ($0.kind == .cpu || $0.kind == .vcpu) }
    }

    @Test("Zoomed into a window past the plain limit, the page decodes its tiles: the reference's events of that window")
    func zoomedWindow() throws {
        let ref = try Self.referenceEvents()
        #expect(ref.count > 4 * Self.options.detailLimit)
        let (page, view) = try SessionPageTests.page(Self.dir, Self.files, name: "tiles", options: Self.options)
        #expect(!view.detailsComplete)
        #expect(view.tiledEvents == ref.count)
        #expect(view.tileCount == (ref.count + 127) / 128)
        let size = try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int ?? 0
        #expect(size <= view.pageSizeBound)
        // Zoom in (W, 9 times: 1/68 of the view), then pan right (D) to a window deep in the
        // session, in the events after the first 300.
        var checked = 0
        for keys in ["w,w,w,w,w,w,w,w,w,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a", "w,w,w,w,w,w,w,w,w,d,d", "w,w,w,w,w,w,w,w,w,d,d,d,d,d,d,d,d,d,d", "w,w,w,w,w,w,w,a,a,a"] {
            let r = try Tools.dumpDOM(page, fragment: "lines&keys=" + keys)
            #expect(r.status == 0)
            #expect(Tools.consoleErrors(r.error).isEmpty, "\(Tools.consoleErrors(r.error))")
            let state = try #require(Tools.state(ofDOM: r.output))
            #expect((state["errors"] as? [Any])?.isEmpty == true, "\(state["errors"] ?? "")")
            #expect(state["tilesPending"] as? Int == 0)
            let v = try #require(state["view"] as? [Double])
            let visible = try #require(state["visible"] as? [String: Any], "no exact window: \(state)")
            let lo = Double(view.start) + v[0], hi = Double(view.start) + v[1]
            let inWindow = ref.enumerated().filter { Double($0.element.ns) >= lo && Double($0.element.ns) <= hi }
            #expect(!inWindow.isEmpty)
            #expect(visible["count"] as? Int == inWindow.count, "\(keys): page \(visible), report \(inWindow.count)")
            if let first = inWindow.map(\.element.ns).min(), let last = inWindow.map(\.element.ns).max() {
                #expect((visible["first"] as? Double).map { UInt64($0) + view.start } == first)
                #expect((visible["last"] as? Double).map { UInt64($0) + view.start } == last)
            }
            if inWindow.allSatisfy({ $0.offset >= Self.options.detailLimit }) { checked += 1 }
            // Each event's hover line: the report's whole line for the first events, else its
            // prefix up to the event name's colon (file, comm-pid, [cpu], time, name).
            let lines = try #require(visible["lines"] as? [String])
            #expect(lines.count == inWindow.count)
            for (line, (k, e)) in zip(lines, inWindow) {
                if k < Self.options.detailLimit {
                    #expect(line == e.line, "event \(k)")
                } else {
                    #expect(line.hasSuffix(":") && e.line.hasPrefix(line) && line.count > 40, "event \(k): \(line) vs \(e.line)")
                }
            }
            #expect((state["tilesDecoded"] as? Int ?? 0) >= 1)
        }
        #expect(checked >= 2)
    }

    @Test("Hover in the tiles: the report's whole line for the first events, its prefix after them")
    func hover() throws {
        let ref = try Self.referenceEvents()
        let (page, view) = try SessionPageTests.page(Self.dir, Self.files, name: "tiles-hover", options: Self.options)
        // Events alone at their time on their lane: one with a whole line, three past the limit.
        func alone(_ k: Int) -> Bool {
            let l = Self.lane(ref[k], view)
            return ref.indices.filter { Self.lane(ref[$0], view) == l && ref[$0].ns == ref[k].ns }.count == 1
        }
        var picks: [Int] = []
        if let k = (150..<300).first(where: alone) { picks.append(k) }
        for from in [ref.count / 3, ref.count / 2, ref.count - 40] {
            if let k = (from..<ref.count).first(where: alone) { picks.append(k) }
        }
        #expect(picks.count == 4)
        for k in picks {
            let e = ref[k]
            let lane = try #require(Self.lane(e, view))
            let t = Double(e.ns - view.start)
            let r = try Tools.dumpDOM(page, fragment: "hover=\(lane):\(t)")
            #expect(Tools.consoleErrors(r.error).isEmpty)
            let state = try #require(Tools.state(ofDOM: r.output))
            let tip = try #require(state["tip"] as? String, "event \(k): no tip")
            if k < Self.options.detailLimit {
                #expect(tip == e.line, "event \(k)")
            } else {
                // The prefix, up to the event name's colon, then a note.
                let first = String(tip.prefix { $0 != "\n" })
                let name = e.line.dropFirst(first.count - 1).first
                #expect(first.hasSuffix(":") && e.line.hasPrefix(first) && name == ":", "event \(k): \(first) vs \(e.line)")
                #expect(first.count > 40)
                #expect(tip.contains("\n"))
            }
        }
    }

    @Test("Zoomed out, the tiled page draws summaries; the search counts the report's events by name")
    func zoomedOut() throws {
        let ref = try Self.referenceEvents()
        let (page, view) = try SessionPageTests.page(Self.dir, Self.files, name: "tiles-out", options: Self.options)
        #expect(view.tileCount > 8)
        let r = try Tools.dumpDOM(page, fragment: "search=sched_switch")
        #expect(Tools.consoleErrors(r.error).isEmpty)
        let state = try #require(Tools.state(ofDOM: r.output))
        #expect(state["detail"] as? String == "")
        #expect(state["ticks"] as? Int == 0)
        #expect(state["matches"] as? Int == ref.filter { $0.line.contains(" sched_switch: ") }.count)
        let png = SessionPageTests.scratch + "/tiles-out.png"
        _ = try Tools.screenshot(page, to: png)
        let px = try Tools.pixels(png)
        #expect(px.colors > 40 && px.nonBackground > 0.08)
    }

    @Test("The tiles' byte budget: tiles stop once it is spent, summaries after them, the page within its bound")
    func budget() throws {
        let ref = try Self.referenceEvents()
        // A budget that the first 6 tiles of the unlimited view spend.
        let unlimited = try SessionView(session: TraceSession.open(Self.files.map { Self.dir + "/" + $0 }), options: Self.options)
        let budget = unlimited.tiles.prefix(6).map(\.bytes.count).reduce(0, +) - 1
        var o = Self.options
        o.tileBytes = budget
        let (page, view) = try SessionPageTests.page(Self.dir, Self.files, name: "tiles-budget", options: o)
        #expect(view.tileCount == 6)
        #expect(view.tiles.map(\.bytes) == Array(unlimited.tiles.prefix(6).map(\.bytes)))
        #expect(view.tiledEvents == 6 * 128)
        #expect(view.tiledEnd > view.start && view.tiledEnd < view.end)
        // The tiled events are the reference's first ones; the tiles end at the next one's time.
        #expect(view.tiledEnd == ref[view.tiledEvents].ns)
        let size = try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int ?? 0
        #expect(size <= view.pageSizeBound)
        // Zoomed in at the end of the session (past the tiles): summaries, no exact events, no errors.
        let r = try Tools.dumpDOM(page, fragment: "keys=w,w,w,w,w,w,w,w,w,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d,d")
        #expect(Tools.consoleErrors(r.error).isEmpty)
        let state = try #require(Tools.state(ofDOM: r.output))
        #expect((state["errors"] as? [Any])?.isEmpty == true)
        let v = try #require(state["view"] as? [Double])
        #expect(Double(view.start) + v[0] > Double(view.tiledEnd))
        #expect(state["ticks"] as? Int == 0)
    }

    @Test("Zoomed in, the tiled page draws the same pixels as the page with every event in plain form",
          arguments: ["session-tsync", "session-v6 with VCPU threads"])
    func sameDrawing(_ session: String) throws {
        // The second: the v6 session whose GUEST option names two host threads (their lanes
        // draw when the thread ran on which host CPU, slices of their own in the tiles).
        let dir = session == "session-tsync" ? Self.dir : try HostThreadTests.patchedSession(pids: [15, 31141])
        let name = session == "session-tsync" ? "tsync" : "v6-threads"
        let (tiled, tv) = try SessionPageTests.page(dir, Self.files, name: "tiles-pixels-" + name, options: Self.options)
        let (plain, pv) = try SessionPageTests.page(dir, Self.files, name: "plain-pixels-" + name)
        #expect(session == "session-tsync" || tv.lanes.filter { $0.kind == .hostThread }.count == 2)
        #expect(!tv.detailsComplete && pv.detailsComplete)
        var compared = 0
        var hashes: Set<String> = []
        for keys in ["w,w,w,w,w,w,d,d", "w,w,w,w,w,w,w,d,d,d,d,d", "w,w,w,w,w,w,w,w,a,a,a,a", "w,w,w,w,w,d,d,d,d,d"] {
            let a = try #require(Tools.state(ofDOM: Tools.dumpDOM(tiled, fragment: "pixels&keys=" + keys).output))
            let b = try #require(Tools.state(ofDOM: Tools.dumpDOM(plain, fragment: "pixels&keys=" + keys).output))
            #expect(a["view"] as? [Double] == b["view"] as? [Double])
            // Only where the decoded tiles cover the whole view (else summaries draw a part).
            guard a["visible"] is [String: Any] else { continue }
            #expect((a["tilesDecoded"] as? Int ?? 0) >= 2, "\(keys)")
            let hash = try #require(a["pixels"] as? String)
            #expect(hash == b["pixels"] as? String, "\(keys)")
            hashes.insert(hash)
            #expect((a["visible"] as? [String: Any])?["count"] as? Int == (b["visible"] as? [String: Any])?["count"] as? Int)
            compared += 1
        }
        #expect(compared >= 2)
        #expect(hashes.count == compared)
    }
}
