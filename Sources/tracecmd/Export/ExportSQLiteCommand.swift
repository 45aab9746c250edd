import ArgumentParser
import TraceCmd
import TraceExport

/// `tracecmd export sqlite`.
struct ExportSQLiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqlite",
        abstract: "Export to SQLite (not yet built).")

    @OptionGroup var options: ExportSelectionOptions

    func run() throws {
        throw CLI.failure("export sqlite: not yet built")
    }
}
