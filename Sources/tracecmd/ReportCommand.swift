@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceReport

/// `tracecmd report`: the events of one or more trace files as text, like `trace-cmd report`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the events of trace files, as `trace-cmd report` does.",
        discussion: """
        Takes every option of trace-cmd report 3.1.6 (`tracecmd report -h` lists them, one line
        each). Ours: --threads N (threads used; default: two per core; the output is the same).
        """)

    @Argument(parsing: .captureForPassthrough, help: "trace-cmd report options")
    var arguments: [String] = []

    func run() throws {
        let options: ReportOptions
        do {
            options = try ReportOptions(arguments: arguments)
        } catch {
            throw CLI.failure(error.message)
        }
        if options.help {
            var writer = OutputWriter()
            writer.write(ReportOptions.helpText)
            writer.flush()
            return
        }
        let report: TraceReport
        do {
            report = try TraceReport(options: options)
        } catch {
            throw CLI.failure(error.description)
        }
        if !options.quiet {
            for f in report.files {
                for w in f.warnings {
                    CLI.warn(w.description + "; reading what is there")
                }
            }
        }
        var writer = OutputWriter()
        var status: Int32 = 0
        do {
            status = try report.run(sink: { span in
                writer.write(raw: span)
            }, diagnostics: { CLI.writeError($0) })
            writer.flush()
        } catch {
            writer.flush()
            switch error {
            case .filter(let f):
                CLI.writeError(f.reportOutput)
                throw ExitCode(f.reportExitStatus)
            case .file(let e):
                throw CLI.failure(e.description)
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
