import Foundation
import Testing

/// The use-after-free of the old API (a record kept past the next read, its bytes freed under
/// it) cannot be written with the new one: an `EventView` is borrowed for the closure and the
/// compiler refuses to let it out. These tests compile small client programs (to SIL, where the ownership checker runs) against the
/// built `TraceCmd` module with `swiftc`, as a user's package would compile them.
@Suite struct BorrowCheckTests {
    /// The package root (this file is Tests/ExamplesTests/BorrowCheckTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The folder holding the built `TraceCmd.swiftmodule` of the tests' build.
    static func modulesDirectory() -> String? {
        let fm = FileManager.default
        var candidates = [root + "/.build/debug/Modules"]
        if let triples = try? fm.contentsOfDirectory(atPath: root + "/.build") {
            candidates += triples.sorted().map { root + "/.build/" + $0 + "/debug/Modules" }
        }
        return candidates.first { fm.fileExists(atPath: $0 + "/TraceCmd.swiftmodule") }
    }

    /// Compiles `source` as a client of TraceCmd through the ownership checks (SIL); returns the exit status and the diagnostics.
    static func compile(_ source: String) throws -> (status: Int32, output: String) {
        let modules = try #require(modulesDirectory(), "no built TraceCmd.swiftmodule under .build")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("borrowcheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("client.swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        var includes = ["-I", modules, "-I", root + "/Sources/CZlib"]
        // swift-system's C module, which SystemPackage's interface names.
        let csystem = root + "/.build/checkouts/swift-system/Sources/CSystem/include"
        if FileManager.default.fileExists(atPath: csystem) { includes += ["-I", csystem] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["swiftc", "-emit-sil", "-o", "/dev/null"] + includes + [file.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("keeping an owned Event compiles (the control: same flags, same module)")
    func ownedEventCompiles() throws {
        let r = try Self.compile("""
            import TraceCmd
            func keep(_ s: TraceSession) throws -> Int {
                var kept: [Event] = []
                try s.forEachEvent { e in kept.append(e.owned()) }
                return kept.last?.cpu ?? 0
            }
            """)
        #expect(r.status == 0, "\(r.output)")
    }

    @Test("keeping a borrowed EventView past its closure does not compile",
          arguments: [
            // Stored into an outer variable (the old `let r = it.next()` kept past the next read).
            """
            import TraceCmd
            func keep(_ s: TraceSession) throws -> Int {
                var kept: EventView? = nil
                try s.forEachEvent { e in kept = e }
                return kept?.cpu ?? 0
            }
            """,
            // Copied into a second binding.
            """
            import TraceCmd
            func keep(_ s: TraceSession) throws {
                try s.forEachEvent { e in
                    let copy = e
                    _ = copy.cpu
                }
            }
            """,
          ])
    func borrowedViewDoesNotEscape(source: String) throws {
        let r = try Self.compile(source)
        #expect(r.status != 0)
        // Refused by the ownership checker, not for another reason.
        #expect(r.output.contains("consum") || r.output.contains("noncopyable") || r.output.contains("Copyable"),
                "\(r.output)")
        #expect(!r.output.contains("no such module"), "\(r.output)")
    }
}
