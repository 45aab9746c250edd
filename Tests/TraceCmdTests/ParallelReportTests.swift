import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport
@_spi(Engine) import TraceEvent

/// The report formats lines on several threads (``ParallelLineWriter``): its output must be
/// the serial one, byte for byte, whatever the batch boundaries. Every golden report of the
/// reference is produced again with tiny batches (so that records cross many batch and
/// worker boundaries, and the reading thread waits on full queues), with one and with three
/// formatting threads, and compared with the reference's output.
@Suite struct ParallelReportTests {
    static func run(_ entry: Fixtures.Entry, threads: Int, batch: Int) throws -> String {
        var options = try ReportOptions(arguments: Array(entry.argv.dropFirst(2)))
        let dir = entry.cwd == "." ? Fixtures.root : Fixtures.root + "/" + entry.cwd
        let files = try options.inputs.map { try TraceFile.open(dir + "/" + $0.path) }
        options.quiet = true
        options.threads = threads
        var report = TraceReport(files: files, options: options)
        report.batchRecords = batch
        var out: [UInt8] = []
        try report.run(sink: { $0.withUnsafeBytes { out.append(contentsOf: $0) } })
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: ReportGoldenTests.entries)
    func smallBatchesMatchReference(_ entry: Fixtures.Entry) throws {
        let expected = try entry.expected()
        for (threads, batch) in [(2, 1), (4, 7), (3, 64)] {
            let ours = try Self.run(entry, threads: threads, batch: batch)
            #expect(ours == expected, "\(entry) with \(threads) threads, batches of \(batch)")
        }
    }

    @Test func threadsOptionParses() throws {
        #expect(try ReportOptions(arguments: ["--threads", "3", "-i", "x.dat"]).threads == 3)
        #expect(try ReportOptions(arguments: ["--threads=1"]).threads == 1)
        #expect(try ReportOptions(arguments: []).threads == nil)
        #expect(throws: ReportOptions.ArgumentError.self) { try ReportOptions(arguments: ["--threads", "0"]) }
        #expect(throws: ReportOptions.ArgumentError.self) { try ReportOptions(arguments: ["--threads", "many"]) }
    }

    /// Events whose text depends on earlier records stay in order: a sched_switch plugin
    /// registers comms that later lines show; the worker printers must not register their own.
    @Test func workerPrinterRegistersNoComms() throws {
        let f = try TraceFile.open(Fixtures.path("v6.dat"))
        let printer = try EventPrinter(file: f)
        let worker = EventPrinter(workerCopyOf: printer)
        #expect(worker.environment.comms == nil)
        #expect(printer.environment.comms != nil)
        #expect(worker.registry.formats.count == printer.registry.formats.count)
    }
}
