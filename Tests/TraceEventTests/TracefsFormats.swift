import Foundation

/// The event `format` files of this machine's tracefs.
enum TracefsFormats {
    static let eventsDirectory = "/sys/kernel/tracing/events"

    struct File: Sendable {
        var system: String
        var event: String
        var path: String
    }

    /// Every `events/<system>/<event>/format` file (empty when tracefs is not mounted).
    static let files: [File] = {
        let fm = FileManager.default
        guard let systems = try? fm.contentsOfDirectory(atPath: eventsDirectory) else { return [] }
        var out: [File] = []
        for system in systems.sorted() {
            let sdir = eventsDirectory + "/" + system
            guard let events = try? fm.contentsOfDirectory(atPath: sdir) else { continue }
            for event in events.sorted() {
                let path = sdir + "/" + event + "/format"
                if fm.fileExists(atPath: path) { out.append(File(system: system, event: event, path: path)) }
            }
        }
        return out
    }()

    static var isMounted: Bool { !files.isEmpty }

    /// Reads a (tracefs or proc) file whose reported size may be 0.
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
