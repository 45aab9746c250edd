import Foundation
import Testing
import TraceCmd
@testable import TraceView

/// Hover text and the `tracecmd view` command line.
@Suite(.serialized)
struct ViewCommandTests {
    @Test("Hovering an event shows the report's line for it")
    func hover() throws {
        let (name, files) = SessionPageTests.sessions[1]
        let dir = Tools.fixtures + "/" + name
        let ref = try SessionPageTests.reportLinesInOrder(dir, files)
        let (page, view) = try SessionPageTests.page(dir, files, name: "hover")
        // Events alone at their time on their lane: one of the host, of each guest, and the last.
        var picks: [Int] = []
        for peerLanes in [[0, 1], [2, 3], [5, 6]] {
            if let k = view.ticks.lane.indices.first(where: { k in
                peerLanes.contains(Int(view.ticks.lane[k])) && k > 10
                    && view.ticks.lane.indices.filter { view.ticks.lane[$0] == view.ticks.lane[k] && view.ticks.time[$0] == view.ticks.time[k] }.count == 1
            }) { picks.append(k) }
        }
        picks.append(view.ticks.count - 1)
        #expect(picks.count == 4)
        for k in picks {
            let t = Double(view.ticks.time[k] - view.start)
            let r = try Tools.dumpDOM(page, fragment: "hover=\(view.ticks.lane[k]):\(t)")
            let state = try #require(Tools.state(ofDOM: r.output))
            #expect(state["tip"] as? String == ref[k], "event \(k)")
        }
    }

    /// The tracecmd binary next to the test bundle (`swift build` builds it).
    static var binary: String {
        let dir = Bundle.main.bundleURL.path.hasSuffix(".xctest") ? Bundle.main.bundleURL.deletingLastPathComponent()
            : Bundle.main.bundleURL
        return dir.appendingPathComponent("tracecmd").path
    }

    @Test("tracecmd view writes the page and the SVG; a file that is no trace is named in the error")
    func commandLine() throws {
        let bin = Self.binary
        #expect(FileManager.default.isExecutableFile(atPath: bin), "\(bin)")
        let dir = Tools.fixtures + "/session-1guest"
        let out = SessionPageTests.scratch + "/cli"
        try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let r = try Tools.run(bin, ["view", "-i", "trace.dat", "-i", "trace-guest1.vm.dat", "-o", out + "/s.html",
                                    "--svg", out + "/s.svg", "--svg-width", "1000"], directory: dir)
        #expect(r.status == 0, "\(r.error)")
        let html = try String(contentsOfFile: out + "/s.html", encoding: .utf8)
        let view = try SessionView(session: TraceSession.open([dir + "/trace.dat", dir + "/trace-guest1.vm.dat"]))
        #expect(html.contains("\"count\":\(view.peers[0].eventCount)") && html.contains("\"count\":\(view.peers[1].eventCount)"))
        let rsvg = try #require(Tools.rsvgConvert)
        let png = out + "/s.png"
        #expect(try Tools.run(rsvg, ["-o", png, out + "/s.svg"]).status == 0)
        #expect(try Tools.pixels(png).width == 1000)
        // A window: only its events.
        let w = try Tools.run(bin, ["view", "-i", "trace.dat", "--start", "598.5", "--end", "598.6", "-o", out + "/w.html"],
                              directory: Tools.fixtures + "/session-v6")
        #expect(w.status == 0, "\(w.error)")
        let tc = try #require(Tools.traceCmd)
        let all = try Tools.run(tc, ["report", "-i", "trace.dat"], directory: Tools.fixtures + "/session-v6").output
        let inWindow = all.split(separator: "\n").filter { line in
            guard let r = line.range(of: #"\] +\d+\.\d+:"#, options: .regularExpression) else { return false }
            let t = Double(line[r].dropFirst().dropLast().trimmingCharacters(in: .whitespaces)) ?? 0
            return t >= 598.5 && t <= 598.6
        }.count
        let wh = try String(contentsOfFile: out + "/w.html", encoding: .utf8)
        #expect(inWindow > 0 && wh.contains("\"count\":\(inWindow)"), "\(inWindow)")
        // Not a trace file: exit status 1 and the file named.
        let bad = try Tools.run(bin, ["view", "-i", dir + "/../README.md", "-o", out + "/bad.html"])
        #expect(bad.status == 1)
        #expect(bad.error.contains("README.md"), "\(bad.error)")
        #expect(!FileManager.default.fileExists(atPath: out + "/bad.html"))
    }
}
