import ArgumentParser
import TraceCmd
import TraceExport

/// `tracecmd export sqlite`.
struct ExportSQLiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqlite",
        abstract: "Export to one SQLite database: a table per event type, the session tables, indexes and views.",
        discussion: """
        Event tables have common_ts (ns, host clock), common_cpu, common_pid, every format field \
        and peer, indexed by common_ts and by (peer, common_cpu, common_ts). The view events \
        lists every event; guest_events joins guest events to the host task of their VCPU.
        """)

    @OptionGroup var options: ExportSelectionOptions

    func run() throws {
        let selection = try options.selection()
        let session: TraceSession
        do { session = try TraceSession.open(options.paths) } catch { throw CLI.failure(error.description) }
        for d in session.diagnostics { CLI.warn("note: \(d)") }
        let bar = ProgressBar(label: "sqlite", enabled: !options.noProgress)
        do {
            let summary = try SQLiteExporter().export(session, to: options.output, selection: selection,
                                                      progress: bar.callback)
            bar.finish()
            for e in summary.readErrors { CLI.warn("skipped: \(e)") }
        } catch {
            bar.finish()
            throw CLI.failure("export sqlite: \(error)")
        }
    }
}
