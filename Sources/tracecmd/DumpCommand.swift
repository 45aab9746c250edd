@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

/// `tracecmd dump`: a listing of a file's headers, sections and options, as `trace-cmd dump`.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "List the headers, sections and options of a trace file.",
        discussion: """
            The same output and exit status as `trace-cmd dump` (3.1.6): the items asked for, in \
            file order; with none, --summary. A file that ends early or holds something the \
            reference refuses stops the listing there, with its message and exit status 255.
            """)

    @Flag(name: .long, help: "Print all metadata.")
    var all = false
    @Flag(name: .long, help: "Print a summary of the metadata (the default).")
    var summary = false
    @Flag(name: .customLong("head-page"), help: "Print the header page information.")
    var headPage = false
    @Flag(name: .customLong("head-event"), help: "Print the header event information.")
    var headEvent = false
    @Flag(name: .customLong("ftrace-events"), help: "Print the ftrace event formats.")
    var ftraceEvents = false
    @Flag(name: .long, help: "Print the recorded event systems.")
    var systems = false
    @Flag(name: .long, help: "Print the formats of the recorded events.")
    var events = false
    @Flag(name: .long, help: "Print the kernel symbols (kallsyms).")
    var kallsyms = false
    @Flag(name: .long, help: "Print the trace_printk() format strings.")
    var printk = false
    @Flag(name: .customLong("cmd-lines"), help: "Print the saved PID to command name map.")
    var cmdLines = false
    @Flag(name: .long, help: "Print every option.")
    var options = false
    @Flag(name: .long, help: "Print the offset and size of each CPU's data.")
    var flyrecord = false
    @Flag(name: .long, help: "Print the trace clock saved in the file.")
    var clock = false
    @Flag(name: .long, help: "Print the v7 file's sections.")
    var sections = false
    @Flag(name: .long, help: "Print the v7 file's section names.")
    var strings = false
    @Flag(name: [.customShort("v"), .customLong("validate")], help: "Validate the file (says so when valid).")
    var validateFile = false

    @Option(name: .short, help: ArgumentHelp("Input file (default: trace.dat).", valueName: "file"))
    var input: String?

    @Argument(help: "The trace file, instead of -i.")
    var file: String?

    func validate() throws {
        if input != nil && file != nil {
            throw ValidationError("give the file once: with -i or as the argument")
        }
    }

    var items: DumpItems {
        if all { return .all }
        var i: DumpItems = []
        let flags: [(Bool, DumpItems)] = [
            (summary, .summary), (headPage, .headPage), (headEvent, .headEvent),
            (ftraceEvents, .ftraceEvents), (systems, .systems), (events, .events), (kallsyms, .kallsyms),
            (printk, .printk), (cmdLines, .cmdLines), (options, .options), (flyrecord, .flyrecord),
            (clock, .clock), (sections, .sections), (strings, .strings),
        ]
        for (on, item) in flags where on { i.formUnion(item) }
        if i.isEmpty && !validateFile { i = .summary }
        return i
    }

    func run() throws {
        let path = input ?? file ?? "trace.dat"
        // The file as stored, not parsed: the dump goes as far as the reference's does.
        let f: MappedFile
        do { f = try MappedFile(path: path) } catch { throw CLI.failure(error.description) }
        var out = OutputWriter()
        do {
            try TraceFileDumpWalker.dump(f, displayPath: path, items: items) { out.write(bytes: $0) }
        } catch {
            out.flush()
            CLI.warn("\(path): \(error.message)")
            throw ExitCode(255)
        }
        if validateFile { out.write("File \(path) is a valid trace-cmd file\n") }
        out.flush()
    }
}
