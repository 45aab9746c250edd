import ArgumentParser

/// `tracecmd export FORMAT`: a session in a format other tools open.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a session (host and guests on the host clock) for other tools.",
        subcommands: [ExportPerfettoCommand.self, ExportParquetCommand.self, ExportSQLiteCommand.self]
    )
}
