import Foundation
import Testing
import TraceCmd
@testable import TraceView

/// The page of each session fixture, loaded by headless Chromium, checked against the
/// reference `trace-cmd report` of the same files.
@Suite(.serialized)
struct SessionPageTests {
    static let sessions: [(dir: String, files: [String])] = [
        ("session-1guest", ["trace.dat", "trace-guest1.vm.dat"]),
        ("session-2guests", ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
        ("session-2guests-tsync", ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
        ("session-tsync", ["trace.dat", "trace-guest1.vm.dat"]),
        ("session-v6", ["trace.dat", "trace-guest1.vm.dat"]),
    ]

    /// A scratch directory for this test run.
    static let scratch: String = {
        let d = NSTemporaryDirectory() + "tcview-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// The reference's report of `files` in `dir`: per file label, its event lines (the
    /// `cpus=N` headers and `[EVENTS DROPPED]` lines left out), and each file's CPU count.
    static func reference(_ dir: String, _ files: [String]) throws -> (events: [String: [String]], cpus: [String: Int]) {
        let tc = try #require(Tools.traceCmd, "trace-cmd (scripts/install-deps)")
        var args = ["report"]
        for f in files { args += ["-i", f] }
        let r = try Tools.run(tc, args, directory: dir)
        #expect(r.status == 0)
        var events: [String: [String]] = [:]
        var cpus: [String: Int] = [:]
        for line in r.output.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if let c = t.range(of: ": cpus="), let n = Int(t[c.upperBound...]) {
                cpus[String(t[..<c.lowerBound])] = n
                continue
            }
            if t.hasPrefix("cpus="), let n = Int(t.dropFirst(5)), files.count == 1 { cpus[files[0]] = n; continue }
            if t.contains("EVENTS DROPPED]") { continue }
            let label = files.count == 1 ? files[0] : String(t.prefix { $0 != ":" })
            events[label, default: []].append(String(line))
        }
        return (events, cpus)
    }

    /// Host PIDs of VCPU threads the host's GUEST options know (`trace-cmd dump --options`).
    static func knownHostThreads(_ hostFile: String) throws -> Int {
        let tc = try #require(Tools.traceCmd)
        let r = try Tools.run(tc, ["dump", "--options", "-i", hostFile])
        return r.output.split(separator: "\n").filter { $0.hasSuffix("[guest cpu, host pid]") }
            .filter { $0.split(separator: " ").dropFirst().first.map { $0 != "-1" } ?? false }.count
    }

    /// The page of `files` in `dir`, written to the scratch directory.
    static func page(_ dir: String, _ files: [String], name: String, options: ViewOptions = ViewOptions()) throws
        -> (path: String, view: SessionView)
    {
        let session = try TraceSession.open(files.map { dir + "/" + $0 })
        let view = try SessionView(session: session, options: options)
        let path = scratch + "/" + name + ".html"
        try SessionView.write(view.html(), to: path)
        return (path, view)
    }

    /// The legend's per-file counts (`data-peer`, `data-count` of the drawn legend).
    static func legendCounts(_ dom: String) -> [String: Int] {
        var out: [String: Int] = [:]
        var rest = Substring(dom)
        while let r = rest.range(of: "data-peer=\"") {
            rest = rest[r.upperBound...]
            guard let q = rest.firstIndex(of: "\"") else { break }
            let peer = String(rest[..<q])
            guard let c = rest.range(of: "data-count=\"") else { break }
            let tail = rest[c.upperBound...]
            let n = Int(tail.prefix { $0.isNumber }) ?? -1
            out[(peer as NSString).lastPathComponent] = n
        }
        return out
    }

    @Test("Chromium loads the page of each session fixture: lanes, zoom, legend counts, no console errors", arguments: 0..<5)
    func sessionPage(_ i: Int) throws {
        let (name, files) = Self.sessions[i]
        let dir = Tools.fixtures + "/" + name
        let ref = try Self.reference(dir, files)
        let (page, view) = try Self.page(dir, files, name: name)
        // The page's size stays within its stated bound.
        let size = try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int ?? 0
        #expect(size <= view.pageSizeBound)

        let r = try Tools.dumpDOM(page, fragment: "keys=w,w,d")
        #expect(r.status == 0, "chromium: \(r.error.suffix(400))")
        #expect(Tools.consoleErrors(r.error).isEmpty, "\(Tools.consoleErrors(r.error))")
        let state = try #require(Tools.state(ofDOM: r.output), "no #tc-state in the DOM")
        #expect((state["errors"] as? [Any])?.isEmpty == true, "\(state["errors"] ?? "")")
        // Lanes: every CPU and VCPU of the reference's files, and the VCPU threads the host knows.
        let cpus = files.map { ref.cpus[$0] ?? -1 }.reduce(0, +)
        let threads = try Self.knownHostThreads(dir + "/" + files[0])
        #expect(state["lanes"] as? Int == cpus + threads)
        #expect((state["laneKinds"] as? [String: Int])?["sync"] == files.count - 1)
        // Zoom by a scripted key press changed the visible range.
        let v0 = try #require(state["initialView"] as? [Double]), v1 = try #require(state["view"] as? [Double])
        #expect(v1[1] - v1[0] < (v0[1] - v0[0]) / 2, "zoom: \(v0) -> \(v1)")
        #expect(v1[0] > v0[0])
        // The legend's counts are the report's, per file.
        let counts = Self.legendCounts(r.output)
        #expect(counts.count == files.count)
        for f in files {
            #expect(counts[f] == ref.events[f]?.count, "\(name)/\(f): page \(counts[f] ?? -1), report \(ref.events[f]?.count ?? -1)")
        }
        // All events are exact here: the hover lines are the report's lines.
        #expect(view.detailsComplete)
        #expect(view.lines == (try Self.reportLinesInOrder(dir, files)))

        // A screenshot that is not blank.
        let png = Self.scratch + "/" + name + ".png"
        let shot = try Tools.screenshot(page, to: png)
        #expect(shot.status == 0)
        let px = try Tools.pixels(png)
        #expect(px.width == 1400 && px.height == 900)
        #expect(px.colors > 40, "colours: \(px.colors)")
        #expect(px.nonBackground > 0.08, "non-background: \(px.nonBackground)")
        if name == "session-2guests", ProcessInfo.processInfo.environment["TRACEVIEW_UPDATE_DOCS"] != nil {
            let dest = Tools.repository + "/docs/session-2guests.png"
            try? FileManager.default.removeItem(atPath: dest)
            try FileManager.default.copyItem(atPath: png, toPath: dest)
        }

        // The static picture renders with rsvg-convert.
        let svg = Self.scratch + "/" + name + ".svg"
        try SessionView.write(view.svg(), to: svg)
        let rsvg = try #require(Tools.rsvgConvert, "rsvg-convert (scripts/install-deps)")
        let svgPNG = Self.scratch + "/" + name + "-svg.png"
        let rr = try Tools.run(rsvg, ["--background-color=white", "-o", svgPNG, svg])
        #expect(rr.status == 0, "rsvg-convert: \(rr.error)")
        let sp = try Tools.pixels(svgPNG)
        #expect(sp.width == 1400)
        #expect(sp.colors > 20 && sp.nonBackground > 0.08, "svg: \(sp.colors) colours, \(sp.nonBackground)")
    }

    /// The reference's event lines in order (without the `[EVENTS DROPPED]` lines).
    static func reportLinesInOrder(_ dir: String, _ files: [String], flags: [String] = []) throws -> [String] {
        let tc = try #require(Tools.traceCmd)
        var args = ["report"] + flags
        for f in files { args += ["-i", f] }
        let r = try Tools.run(tc, args, directory: dir)
        return r.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter {
            !$0.isEmpty && !$0.contains("EVENTS DROPPED]") && !$0.trimmingCharacters(in: .whitespaces).contains(": cpus=")
                && !$0.hasPrefix("cpus=")
        }
    }

    @Test("The README screenshot of the host + 2 guests fixture is committed and not blank")
    func readmeScreenshot() throws {
        let png = Tools.repository + "/docs/session-2guests.png"
        #expect(FileManager.default.fileExists(atPath: png))
        let px = try Tools.pixels(png)
        #expect(px.width == 1400 && px.height == 900)
        #expect(px.colors > 40 && px.nonBackground > 0.08)
    }

    @Test("Search: the page counts the events the report names")
    func search() throws {
        let (name, files) = Self.sessions[1]
        let dir = Tools.fixtures + "/" + name
        let ref = try Self.reportLinesInOrder(dir, files)
        let (page, _) = try Self.page(dir, files, name: "search")
        for query in ["sched_wakeup", "timer_expire_entry"] {
            let r = try Tools.dumpDOM(page, fragment: "search=" + query)
            let state = try #require(Tools.state(ofDOM: r.output))
            let expected = ref.filter { $0.contains(" \(query): ") }.count
            #expect(expected > 0)
            #expect(state["matches"] as? Int == expected, "\(query)")
        }
    }

    @Test("Beyond the detail limit the page draws summaries and keeps the report's counts")
    func summaries() throws {
        let (name, files) = Self.sessions[2]
        let dir = Tools.fixtures + "/" + name
        let ref = try Self.reference(dir, files)
        let (page, view) = try Self.page(dir, files, name: "summary",
                                         options: ViewOptions(summaryBins: 2048, detailLimit: 600, sliceLimit: 300))
        #expect(!view.detailsComplete)
        #expect(view.html().utf8.count <= view.pageSizeBound)
        #expect(view.pageSizeBound < 2_000_000)
        #expect(view.lines.count == 600 && view.ticks.count == 600)
        #expect(view.slices.count == 300)
        // The exact part is exact: the events are the report's first ones, and the slices that
        // end before the slice bound are those of the complete view.
        let refLines = try Self.reportLinesInOrder(dir, files)
        #expect(view.lines == Array(refLines.prefix(600)))
        let full = try SessionView(session: TraceSession.open(files.map { dir + "/" + $0 }))
        #expect(full.detailsComplete)
        func slices(_ v: SessionView, before t: UInt64) -> Set<[UInt64]> {
            Set(v.slices.lane.indices.filter { v.slices.end[$0] <= t }.map {
                [UInt64(v.slices.lane[$0]), v.slices.start[$0], v.slices.end[$0], UInt64(v.slices.task[$0])]
            })
        }
        #expect(view.sliceEnd > view.start && view.sliceEnd < view.end)
        let exact = slices(view, before: view.sliceEnd)
        #expect(exact.count > 100)
        #expect(exact == slices(full, before: view.sliceEnd))
        let r = try Tools.dumpDOM(page, fragment: "keys=s,w,w,w,a")
        #expect(Tools.consoleErrors(r.error).isEmpty, "\(Tools.consoleErrors(r.error))")
        let state = try #require(Tools.state(ofDOM: r.output))
        #expect((state["errors"] as? [Any])?.isEmpty == true)
        #expect(state["complete"] as? Bool == false)
        let counts = Self.legendCounts(r.output)
        for f in files { #expect(counts[f] == ref.events[f]?.count) }
        // The summaries hold every event: their counts add up to the report's.
        let b = try #require(view.bins)
        var total = 0
        for l in view.lanes.indices { for i in 0..<b.count { total += Int(b.eventCount(lane: l, bin: i)) } }
        #expect(total == ref.events.values.map(\.count).reduce(0, +))
        let png = Self.scratch + "/summary.png"
        _ = try Tools.screenshot(page, to: png)
        let px = try Tools.pixels(png)
        #expect(px.colors > 40 && px.nonBackground > 0.08)
    }

    @Test("Lost events are marked where the report prints [EVENTS DROPPED]", arguments: ["lost-events.dat", "lost-events-extract.dat"])
    func lostEvents(_ file: String) throws {
        let tc = try #require(Tools.traceCmd)
        let r = try Tools.run(tc, ["report", "-i", file], directory: Tools.fixtures)
        let dropped = r.output.split(separator: "\n").filter { $0.contains("EVENTS DROPPED]") }
        #expect(!dropped.isEmpty)
        let (page, view) = try Self.page(Tools.fixtures, [file], name: "lost-" + file)
        #expect(view.peers[0].lostMarks == dropped.count)
        let counted = dropped.compactMap { line -> UInt64? in
            guard let o = line.range(of: "["), let e = line.range(of: " EVENTS DROPPED]") else { return nil }
            return UInt64(line[o.upperBound..<e.lowerBound])
        }.reduce(0, +)
        #expect(view.peers[0].lostEvents == counted)
        let d = try Tools.dumpDOM(page)
        let state = try #require(Tools.state(ofDOM: d.output))
        #expect(state["lost"] as? Int == dropped.count)
        #expect((state["errors"] as? [Any])?.isEmpty == true)
    }

    @Test("A guest with inconsistent sync data gets a warning band with the figures of tracecmd peers")
    func syncWarning() throws {
        let dir = Tools.fixtures + "/timesync/ptp-316-counts-3-2"
        let session = try TraceSession.open([dir + "/host.dat", dir + "/guest.dat"])
        let quality = try #require(session.syncQuality(of: 1))
        #expect(!quality.warnings.isEmpty)
        let (page, view) = try Self.page(dir, ["host.dat", "guest.dat"], name: "sync-warning")
        let group = try #require(view.groups.first { $0.peer == 1 })
        #expect(group.warnings == quality.warnings.map(\.description))
        let html = try String(contentsOfFile: page, encoding: .utf8)
        for c in quality.cpus { #expect(html.contains(c.description)) }
        let d = try Tools.dumpDOM(page)
        #expect(Tools.consoleErrors(d.error).isEmpty)
        let state = try #require(Tools.state(ofDOM: d.output))
        #expect(state["groupWarnings"] as? [Int] == [0, quality.warnings.count])
        // The sync samples of the option, each a marker.
        #expect(state["syncMarks"] as? Int == quality.cpus.map(\.sampleCount).reduce(0, +))
    }
}
