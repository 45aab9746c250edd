import Foundation
import Testing
import TraceCmd
@testable import TraceExport

/// Runs the consumer checks of Support/check_export.py (the reference report against
/// pyarrow, duckdb and polars, or sqlite3) and reads its JSON verdict.
enum TableCheck {
    struct Verdict: Decodable {
        var tables: Int
        var rows: Int
        var compared_rows: Int
        var compared_fields: Int
        var skipped_fields: Int
        var mismatches: [[JSONValue]]
        var count_mismatches: [[JSONValue]]
        var reader_mismatches: [[JSONValue]]
        var errors: [String]
        var reference_events: Int
        var integrity: String?
        var session_tables: [String: [[String: JSONValue]]]?
    }

    enum JSONValue: Decodable, Equatable, CustomStringConvertible {
        case int(Int64), uint(UInt64), double(Double), string(String), null, other
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let v = try? c.decode(Int64.self) { self = .int(v) }
            else if let v = try? c.decode(UInt64.self) { self = .uint(v) }
            else if let v = try? c.decode(Double.self) { self = .double(v) }
            else if let v = try? c.decode(String.self) { self = .string(v) }
            else { self = .other }
        }
        var description: String {
            switch self {
            case .int(let v): return "\(v)"
            case .uint(let v): return "\(v)"
            case .double(let v): return "\(v)"
            case .string(let s): return s
            case .null: return "null"
            case .other: return "?"
            }
        }
        var int: Int64? {
            switch self {
            case .int(let v): return v
            case .uint(let v): return Int64(exactly: v)
            default: return nil
            }
        }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/check_export.py").path

    /// Runs `executable` with `arguments` in `directory`; returns its status and stdout.
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes before waiting (large outputs would block the child).
        let errData = ErrorData()
        let t = Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.done { usleep(1000) }
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.data, as: UTF8.self))
    }

    final class ErrorData: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Data?
        var data: Data {
            get { lock.withLock { value ?? Data() } }
            set { lock.withLock { value = newValue } }
        }
        var done: Bool { lock.withLock { value != nil } }
    }

    /// Checks `output` (a Parquet directory or an SQLite database) made from `files` (names
    /// in `directory`) against `trace-cmd report -R -t` with `refArgs`.
    static func check(_ kind: String, output: String, files: [String], in directory: String,
                      refArgs: [String] = []) throws -> Verdict {
        let (status, out, err) = try run("/usr/bin/env", ["python3", script, kind, output] + refArgs.map { "--ref=" + $0 } + files,
                                         in: directory)
        guard status == 0, let data = out.data(using: .utf8) else {
            Issue.record("check_export.py failed (\(status)): \(err)")
            throw CheckFailed()
        }
        return try JSONDecoder().decode(Verdict.self, from: data)
    }

    struct CheckFailed: Error {}

    /// The common expectations: every reader agrees, counts equal the report's, every
    /// compared field equals the report's value, and a real share of fields was compared.
    static func expectMatches(_ v: Verdict, _ label: String) {
        #expect(v.errors.isEmpty, "\(label): readers refused files: \(v.errors)")
        #expect(v.reader_mismatches.isEmpty, "\(label): readers disagree: \(v.reader_mismatches)")
        #expect(v.count_mismatches.isEmpty, "\(label): counts differ from the report: \(v.count_mismatches)")
        #expect(v.mismatches.isEmpty, "\(label): values differ from the report: \(v.mismatches)")
        #expect(v.reference_events > 0, "\(label): the reference printed no events")
        #expect(v.rows == v.reference_events, "\(label): \(v.rows) rows, report \(v.reference_events) events")
        #expect(v.compared_rows >= min(v.rows, 1000), "\(label): only \(v.compared_rows) rows compared")
        #expect(v.compared_fields > 3 * v.compared_rows, "\(label): only \(v.compared_fields) fields compared")
        #expect(v.skipped_fields * 5 < v.compared_fields, "\(label): \(v.skipped_fields) fields not comparable")
    }

    /// A fresh temporary path.
    static func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tracecmd-export-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// The fixture sets: a directory and its files (host first).
    static let sets: [(String, [String])] = [
        ("", ["events.dat"]), ("", ["all-events.dat"]), ("", ["v7-zstd.dat"]), ("", ["buffers.dat"]),
        ("", ["v6.dat"]), ("", ["lost-events.dat"]),
        ("session-2guests", ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
        ("session-tsync", ["trace.dat", "trace-guest1.vm.dat"]),
        ("session-2guests-tsync", ["trace.dat", "trace-guest1.vm.dat", "trace-guest2.vm.dat"]),
    ]

    static func directory(_ sub: String) -> String {
        sub.isEmpty ? ExportFixtures.fixture("") : ExportFixtures.fixture(sub)
    }
}
