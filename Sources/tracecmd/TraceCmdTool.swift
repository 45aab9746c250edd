@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

@main
struct TraceCmdTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracecmd",
        abstract: "Read and write trace-cmd trace files: reports, dumps, multi-peer sessions, convert and split.",
        subcommands: [DumpCommand.self, ReportCommand.self, PeersCommand.self, ConvertCommand.self, SplitCommand.self,
                      BenchIterateCommand.self]
    )
}
