import Foundation
import Testing
import TraceCmd
@testable import TraceView

/// VCPU thread lanes. The fixtures' GUEST options do not know the VCPU threads' host PIDs
/// (-1), so this test copies the v6 session and writes two host PIDs into the host's GUEST
/// option (v6 keeps its options uncompressed in the header), then compares the lanes with the
/// reference's view of the patched files.
@Suite(.serialized)
struct HostThreadTests {
    /// The v6 session with the GUEST option's host PIDs set to `pids` (VCPU 0, 1).
    static func patchedSession(pids: [Int32]) throws -> String {
        let src = Tools.fixtures + "/session-v6"
        let dir = SessionPageTests.scratch + "/session-v6-pids"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: src + "/trace-guest1.vm.dat", toPath: dir + "/trace-guest1.vm.dat")
        var host = [UInt8](try Data(contentsOf: URL(fileURLWithPath: src + "/trace.dat")))
        // GUEST payload: name NUL, trace ID (8), CPU count (4), then (cpu, pid) pairs of 4 bytes each.
        let name = Array("guest1.vm\0".utf8)
        let at = try #require((0...(host.count - name.count)).first { host[$0..<($0 + name.count)].elementsEqual(name) })
        var pos = at + name.count + 8
        let cpus = Int(host[pos]) | Int(host[pos + 1]) << 8
        #expect(cpus == pids.count)
        pos += 4
        for (i, pid) in pids.enumerated() {
            #expect(host[pos] == UInt8(i))
            let bytes = withUnsafeBytes(of: pid.littleEndian) { Array($0) }
            host.replaceSubrange((pos + 4)..<(pos + 8), with: bytes)
            pos += 8
        }
        try Data(host).write(to: URL(fileURLWithPath: dir + "/trace.dat"))
        return dir
    }

    /// Run intervals of `pid` from the reference's `sched_switch` lines of the host:
    /// (host CPU, start µs, end µs). A CPU runs the `next` task of its last switch until its
    /// next switch; a task switched in on a CPU while still running on another (lost events)
    /// stopped there at that moment.
    static func referenceRuns(_ hostFile: String, pid: Int32) throws -> [(cpu: Int, start: Int64, end: Int64)] {
        let tc = try #require(Tools.traceCmd)
        let r = try Tools.run(tc, ["report", "-i", hostFile])
        var open: (cpu: Int, start: Int64)?
        var runs: [(Int, Int64, Int64)] = []
        for line in r.output.split(separator: "\n") where line.contains(" sched_switch: ") {
            guard let c0 = line.range(of: "["), let c1 = line[c0.upperBound...].range(of: "]"),
                  let cpu = Int(line[c0.upperBound..<c1.lowerBound]) else { continue }
            let afterCPU = line[c1.upperBound...].trimmingCharacters(in: .whitespaces)
            let time = afterCPU.prefix { $0 != ":" }.split(separator: ".")
            guard time.count == 2, let s = Int64(time[0]), let us = Int64(time[1]) else { continue }
            let t = s * 1_000_000 + us
            guard let arrow = line.range(of: " ==> ") else { continue }
            // next: "comm:pid [prio]"
            let next = line[arrow.upperBound...]
            guard let b = next.range(of: " [", options: .backwards) else { continue }
            let nextPID = Int32(next[..<b.lowerBound].split(separator: ":").last ?? "")
            if let o = open, o.cpu == cpu || nextPID == pid {
                runs.append((o.cpu, o.start, t))
                open = nil
            }
            if nextPID == pid { open = (cpu, t) }
        }
        return runs
    }

    @Test("A VCPU thread lane shows when the host ran the thread, on which CPU (the reference's sched_switch)")
    func vcpuThreads() throws {
        let pids: [Int32] = [15, 31141]
        let dir = try Self.patchedSession(pids: pids)
        #expect(try SessionPageTests.knownHostThreads(dir + "/trace.dat") == 2)
        let files = ["trace.dat", "trace-guest1.vm.dat"]
        let ref = try SessionPageTests.reference(dir, files)
        let (page, view) = try SessionPageTests.page(dir, files, name: "host-threads")
        let threadLanes = view.lanes.indices.filter { view.lanes[$0].kind == .hostThread }
        #expect(threadLanes.map { view.lanes[$0].hostPID } == pids.map { Optional($0) })
        for (vcpu, pid) in pids.enumerated() {
            let lane = try #require(threadLanes.first { view.lanes[$0].hostPID == pid })
            // Drawn right under its VCPU lane.
            #expect(lane > 0 && view.lanes[lane - 1].kind == .vcpu && view.lanes[lane - 1].cpu == vcpu)
            let runs = try Self.referenceRuns(dir + "/trace.dat", pid: pid)
            #expect(!runs.isEmpty)
            let ours = view.slices.lane.indices.filter { Int(view.slices.lane[$0]) == lane && view.slices.kind[$0] == 1 }
            // Closed runs of the reference, each one of ours (the last one may still run at the end).
            #expect(ours.count >= runs.count && ours.count <= runs.count + 1, "pid \(pid): \(ours.count) vs \(runs.count)")
            for (k, run) in runs.enumerated() where k < ours.count {
                let s = ours[k]
                #expect(Int(view.slices.task[s]) == run.cpu)
                #expect(Int64((view.slices.start[s] + 500) / 1000) == run.start)
                #expect(Int64((view.slices.end[s] + 500) / 1000) == run.end)
            }
        }
        let d = try Tools.dumpDOM(page, fragment: "keys=w")
        #expect(Tools.consoleErrors(d.error).isEmpty, "\(Tools.consoleErrors(d.error))")
        let state = try #require(Tools.state(ofDOM: d.output))
        let cpus = files.map { ref.cpus[$0] ?? -1 }.reduce(0, +)
        #expect(state["lanes"] as? Int == cpus + 2)
        #expect((state["laneKinds"] as? [String: Int])?["hostThread"] == 2)
        #expect((state["errors"] as? [Any])?.isEmpty == true)
        let png = SessionPageTests.scratch + "/host-threads.png"
        _ = try Tools.screenshot(page, to: png, windowSize: "1400,700")
        let px = try Tools.pixels(png)
        #expect(px.colors > 40)
    }
}
