import ArgumentParser
import TraceCmd
import TraceExport

/// `tracecmd export parquet`.
struct ExportParquetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Export to Parquet (not yet built).")

    @OptionGroup var options: ExportSelectionOptions

    func run() throws {
        throw CLI.failure("export parquet: not yet built")
    }
}
