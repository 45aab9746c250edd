import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// Inputs that made a text harness of `Fuzz/` (event formats, print formats, symbol tables)
/// crash, hang or run out of memory, replayed the way that harness runs them
/// (`Tests/Fixtures/fuzz-regressions/<Harness>/`, see the README there).
@Suite struct EventFuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz-regressions").path

    /// The regression inputs of one harness (paths relative to the directory), sorted.
    static func inputs(_ harness: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + harness)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { harness + "/" + $0 }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }

    /// FuzzEventFormat inputs: a format file's text, parsed as an ftrace event and as another
    /// system's.
    @Test(arguments: inputs("FuzzEventFormat"))
    func eventFormatReplay(_ name: String) throws {
        let data = try Self.bytes(name)
        for system in ["ftrace", "fuzz"] {
            _ = data.withBytes { try? EventFormat(parsing: $0, system: system) }
        }
    }

    /// FuzzPrintFormat inputs: `<system>\n<format text>\0<payload>`, printed little endian
    /// with 64-bit longs and big endian with 32-bit longs, raw fields too, and by its plugin.
    @Test(arguments: inputs("FuzzPrintFormat"))
    func printFormatReplay(_ name: String) throws {
        let data = try Self.bytes(name)
        let nul = data.firstIndex(of: 0) ?? data.count
        let head = data[0..<nul]
        let payload = Array(data[min(nul + 1, data.count)...])
        let nl = head.firstIndex(of: UInt8(ascii: "\n")) ?? head.endIndex
        let system = String(decoding: head[head.startIndex..<nl], as: UTF8.self)
        let text = Array(head[min(nl + 1, head.endIndex)...])
        guard let event = text.withBytes({ try? EventFormat(parsing: $0, system: system) }) else { return }
        for (order, longSize) in [(ByteOrder.little, 8), (.big, 4)] {
            let compiled = CompiledPrintFormat(event: event, context: PrintFormatContext(byteOrder: order, longSize: longSize))
            var out = TextBuffer(capacity: 256)
            payload.withBytes { p in
                compiled.render(payload: p, into: &out)
                compiled.renderRawFields(payload: p, into: &out)
                if let plugin = EventPlugins.standard.bind(event, byteOrder: order, longSize: longSize,
                                                           formatNamed: { _, _ in event }) {
                    _ = plugin.write(PluginRecord(cpu: 1, timestamp: 1_000_000), payload: p,
                                     lookahead: plugin.needsLookahead ? p : nil, into: &out, environment: PluginEnvironment(session: PluginSession()))
                }
            }
        }
    }

    /// FuzzSymbols inputs: one text read as kallsyms, printk formats and saved cmdlines.
    @Test(arguments: inputs("FuzzSymbols"))
    func symbolsReplay(_ name: String) throws {
        let data = try Self.bytes(name)
        data.withBytes { b in
            let k = KallsymsTable(parsing: b)
            for i in 0..<min(k.count, 256) {
                if let a = k.address(atIndex: i) { _ = k.symbol(containing: a &+ 1) }
            }
            let p = PrintkFormats(parsing: b)
            for e in p.entries.prefix(256) { _ = p.format(at: e.address) }
            let c = SavedCmdlines(parsing: b)
            for e in c.entries.prefix(256) { _ = c.displayComm(for: e.pid) }
        }
    }
}
