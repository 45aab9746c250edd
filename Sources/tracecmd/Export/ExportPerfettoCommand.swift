import ArgumentParser
import TraceCmd
import TraceExport

/// `tracecmd export perfetto`: a session as a Perfetto trace (open it at ui.perfetto.dev).
struct ExportPerfettoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perfetto",
        abstract: "Export to a Perfetto trace (.pftrace; open it at https://ui.perfetto.dev).",
        discussion: """
            One machine per file (the host, then each guest by its name in the host's GUEST \
            option), one ftrace bundle stream per CPU, guests on the host clock, and a track \
            per guest VCPU naming the host task that runs it.
            """)

    @OptionGroup var options: ExportSelectionOptions

    @Option(name: .customLong("bundle-events"), help: "Events per ftrace bundle.")
    var bundleEvents = 2048

    func run() throws {
        let selection = try options.selection()
        guard bundleEvents > 0 else { throw ValidationError("--bundle-events must be positive") }
        let session: TraceSession
        do { session = try TraceSession.open(options.paths) } catch { throw CLI.failure(error.description) }
        for d in session.diagnostics { CLI.warn("\(d)") }
        let bar = ProgressBar(label: "perfetto", enabled: !options.noProgress)
        let exporter = PerfettoExporter(session: session, options: .init(bundleEvents: bundleEvents))
        do {
            let summary = try exporter.export(to: options.output, selection: selection, progress: bar.callback)
            bar.finish()
            for e in summary.skipped { CLI.warn(e.description) }
        } catch {
            bar.finish()
            throw CLI.failure(error.description)
        }
    }
}
