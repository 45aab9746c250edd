@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

/// `tracecmd dump`: a listing of a file's headers, sections and options.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "List the headers, sections and options of a trace file.")

    @Flag(name: .long, help: "Print a summary of the file's metadata (the default).")
    var summary = false

    @Flag(name: .long, help: "Print every option, as `trace-cmd dump --options` does.")
    var options = false

    @Option(name: .short, help: "Input file (also accepted as the positional argument).")
    var input: String?

    @Argument(help: "The trace file (default: trace.dat).")
    var file: String?

    func run() throws {
        let path = input ?? file ?? "trace.dat"
        let f = try CLI.open(path, mode: .headOnly)
        var out = OutputWriter()
        if summary || !options {
            out.write(TraceFileDump.summary(of: f, displayPath: path))
        }
        if options {
            out.write(TraceFileDump.options(of: f))
        }
        out.flush()
    }
}
