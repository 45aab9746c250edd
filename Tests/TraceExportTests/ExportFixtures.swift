import Foundation
@_spi(Engine) import TraceCmd

/// Paths of the shared fixtures (Tests/Fixtures) and the built tool.
enum ExportFixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) -> String {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name).path
    }
}

/// A copy of session-2guests whose host GUEST options name a host task per VCPU (the recorded
/// ones say -1: the guests were reached over TCP), in a fresh temporary directory. The PIDs
/// are written into the option's (vcpu, pid) pairs and so are known independently of our
/// reader: the expected values of the VCPU -> host task links.
struct PatchedGuestSession {
    /// The directory holding `trace.dat` and the two guest files.
    let directory: URL
    /// Per guest name, the host PID written for each VCPU.
    let pids: [String: [Int32]]
    static let files = ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]
    var paths: [String] { Self.files.map { directory.appendingPathComponent($0).path } }

    init() throws {
        let dir = ExportFixtures.fixture("session-2guests")
        let host = try TraceFile.open(dir + "/trace.dat")
        var bytes = Array(host.mapped.bytes)
        var pids: [String: [Int32]] = [:]
        var next: Int32 = 4100
        for o in host.options where o.rawID == TraceOption.ID.guest.rawValue {
            guard case .guest(let g) = o.value else { continue }
            // name NUL, trace id (8), VCPU count (4), then (vcpu, pid) pairs of 4 bytes each.
            var at = o.payloadOffset + g.name.utf8.count + 1 + 8 + 4
            var list: [Int32] = []
            for _ in 0..<g.vcpuCount {
                next += 1
                let pid = UInt32(bitPattern: next)
                for i in 0..<4 { bytes[at + 4 + i] = UInt8(truncatingIfNeeded: pid >> (8 * UInt32(i))) }
                list.append(next)
                at += 8
            }
            pids[g.name] = list
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("guest-pids-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try Data(bytes).write(to: work.appendingPathComponent("trace.dat"))
        for g in Self.files.dropFirst() {
            try FileManager.default.copyItem(atPath: dir + "/" + g, toPath: work.appendingPathComponent(g).path)
        }
        self.directory = work
        self.pids = pids
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
