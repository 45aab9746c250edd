import ArgumentParser
import TraceCmd
import TraceExport

/// `tracecmd export perfetto`.
struct ExportPerfettoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perfetto",
        abstract: "Export to Perfetto (not yet built).")

    @OptionGroup var options: ExportSelectionOptions

    func run() throws {
        throw CLI.failure("export perfetto: not yet built")
    }
}
