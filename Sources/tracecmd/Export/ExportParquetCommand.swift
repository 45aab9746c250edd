import ArgumentParser
import TraceCmd
import TraceExport

/// `tracecmd export parquet`.
struct ExportParquetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Export to Parquet: a directory with one file per event type (LISA's layout) and the session tables.",
        discussion: """
        Each event type goes to OUT/<event>.parquet with common_ts (ns, host clock), common_cpu, \
        common_pid, every format field and peer (the file index); OUT/session/ holds peers, \
        guests, vcpus (VCPU -> host PID) and time_sync.
        """)

    @OptionGroup var options: ExportSelectionOptions

    @Option(name: .customLong("compression"), help: "Page compression: zstd or none.")
    var compression: String = "zstd"

    @Option(name: .customLong("zstd-level"), help: "zstd level (1 fastest).")
    var zstdLevel: Int = 1

    @Option(name: .customLong("row-group"), help: "Rows per row group.")
    var rowGroup: Int = 1 << 20

    @Option(name: .customLong("memory"), help: "MiB of buffered rows (over all event files) before the largest are written.")
    var memory: Int = 32

    func validate() throws {
        guard ["zstd", "none"].contains(compression) else { throw ValidationError("--compression is zstd or none") }
        guard rowGroup > 0 else { throw ValidationError("--row-group must be positive") }
        guard memory > 0 else { throw ValidationError("--memory must be positive") }
    }

    func run() throws {
        let selection = try options.selection()
        let session: TraceSession
        do { session = try TraceSession.open(options.paths) } catch { throw CLI.failure(error.description) }
        for d in session.diagnostics { CLI.warn("note: \(d)") }
        let exporter = ParquetExporter(options: .init(
            compression: compression == "none" ? .none : .zstd(level: zstdLevel), rowGroupRows: rowGroup,
            memoryBudget: memory << 20))
        let bar = ProgressBar(label: "parquet", enabled: !options.noProgress)
        do {
            let summary = try exporter.export(session, to: options.output, selection: selection, progress: bar.callback)
            bar.finish()
            for e in summary.readErrors { CLI.warn("skipped: \(e)") }
        } catch {
            bar.finish()
            throw CLI.failure("export parquet: \(error)")
        }
    }
}
