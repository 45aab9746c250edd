@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

@main
struct TraceCmdTool: ParsableCommand {
    /// What `tracecmd --version` prints.
    static let version = "tracecmd 0.1.0 (swift-tracecmd; reads and reports as trace-cmd 3.1.6)"

    static let configuration = CommandConfiguration(
        commandName: "tracecmd",
        abstract: "Read and write trace-cmd trace files: reports, dumps, multi-peer sessions, exports, a page of the session, convert and split.",
        version: version,
        subcommands: [DumpCommand.self, ReportCommand.self, PeersCommand.self, ExportCommand.self, ViewCommand.self,
                      ConvertCommand.self, SplitCommand.self, BenchIterateCommand.self]
    )
}
