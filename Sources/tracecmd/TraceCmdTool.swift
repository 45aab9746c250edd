@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

@main
struct TraceCmdTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracecmd",
        abstract: "Read trace-cmd trace files: reports, dumps and multi-peer sessions.",
        subcommands: [DumpCommand.self, ReportCommand.self, PeersCommand.self, ExportCommand.self, ViewCommand.self, BenchIterateCommand.self]
    )
}
