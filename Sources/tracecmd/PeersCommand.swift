@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

/// `tracecmd peers`: the host and guests of a multi-peer session at a glance.
struct PeersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "Show the host and guests of a session: trace IDs, roles, record counts, time sync and its quality.",
        discussion: """
            The first file is the host, as in `trace-cmd report -i host.dat -i guest.dat`; \
            a later file with GUEST options is also recognised (and a note says so). \
            Timestamps are those libtracecmd reports (sync, TSC2NSEC, OFFSET and DATE applied); \
            --raw-ts shows the ring buffer's own, with no sync, TSC2NSEC, OFFSET or DATE correction.
            """)

    @Flag(name: .long, help: "Print JSON for programs instead of text.")
    var json = false

    @Flag(name: .customLong("raw-ts"), help: "Raw ring-buffer timestamps (no correction).")
    var rawTimestamps = false

    @Flag(name: .long, help: "Ignore the DATE option.")
    var nodate = false

    @Option(name: .customLong("ts-offset"), help: ArgumentHelp("Nanoseconds added to every timestamp.", valueName: "ns"))
    var tsOffset: Int64 = 0

    @Argument(help: "Trace files: the host first, then its guests.")
    var files: [String] = []

    func run() throws {
        let paths = files.isEmpty ? ["trace.dat"] : files
        let summary: SessionSummary
        do {
            let settings = TimestampCorrector.Settings(rawTimestamps: rawTimestamps, ignoreDate: nodate,
                                                       userOffset: tsOffset)
            let session = try TraceSession.open(paths, settings: settings)
            summary = try SessionSummary(session: session)
        } catch {
            throw CLI.failure(error.description)
        }
        var out = OutputWriter()
        out.write(json ? summary.json() : summary.text())
        out.flush()
    }
}
