@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd
import TraceWriter

/// `tracecmd split`: cuts a window out of a trace file, or cuts it into pieces (like
/// `trace-cmd split`).
struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Cut a trace file into pieces by time, events or pages (like trace-cmd split).",
        discussion: """
            Pieces are written to FILE.1 (FILE.0001, FILE.0002, ... with -r); FILE is the -o \
            name, or the input's. Each piece is a complete trace file with the input's metadata \
            and options.
            """)

    @Option(name: .short, help: "Input file (default: trace.dat).")
    var input: String = "trace.dat"

    @Option(name: .short, help: "Base name of the pieces.")
    var output: String?

    @Option(name: .short, help: "Split up by n seconds.")
    var s: UInt64?
    @Option(name: .short, help: "Split up by n milliseconds.")
    var m: UInt64?
    @Option(name: .short, help: "Split up by n microseconds.")
    var u: UInt64?
    @Option(name: .short, help: "Split up by n events.")
    var e: Int?
    @Option(name: .short, help: "Split up by n pages (per CPU).")
    var p: Int?

    @Flag(name: .short, help: "Repeat from start to end.")
    var r = false
    @Flag(name: .short, help: "Per CPU: -e n is n events for each CPU.")
    var c = false
    @Option(name: .customShort("C"), help: "Only this CPU.")
    var cpu: Int?

    @Option(name: .customLong("file-version"), help: "Output file version (default: the input's).")
    var fileVersion: Int?
    @Option(name: .long, help: "Output compression: none, zlib, zstd (default: the input's).")
    var compression: String?

    @Argument(help: "Start time in seconds (e.g. 75678.923853), then end time.")
    var times: [String] = []

    func run() throws {
        let limits = [s, m, u].compactMap { $0 }.count + [e, p].compactMap { $0 }.count
        guard limits <= 1 else { throw CLI.failure("split: only one of -p, -e, -u, -m, -s may be specified") }
        var limit = SplitOptions.Limit.none
        if let s { limit = .time(nanoseconds: s &* 1_000_000_000) }
        if let m { limit = .time(nanoseconds: m &* 1_000_000) }
        if let u { limit = .time(nanoseconds: u &* 1_000) }
        if let e { guard e > 0 else { throw CLI.failure("split: -e needs a positive count") }; limit = .events(e) }
        if let p { guard p > 0 else { throw CLI.failure("split: -p needs a positive count") }; limit = .pages(p) }
        if case .time(let n) = limit, n == 0 { throw CLI.failure("split: the time span must be positive") }
        guard times.count <= 2 else { throw CLI.failure("split: at most a start and an end time") }
        var bounds: [UInt64] = []
        for t in times {
            guard let ns = SplitOptions.nanoseconds(fromSeconds: t) else {
                throw CLI.failure("split: \"\(t)\" is not a time in seconds")
            }
            bounds.append(ns)
        }
        if bounds.count == 2, bounds[1] < bounds[0] { throw CLI.failure("split: the end time is before the start time") }
        let file = try CLI.open(input, mode: .full)
        var format: OutputFormat?
        if fileVersion != nil || compression != nil {
            let v = fileVersion ?? file.version
            guard v == 6 || v == 7 else { throw CLI.failure("split: unsupported file version \(v)") }
            var comp = OutputCompression(rawValue: file.compression?.name ?? "none") ?? .zstd
            if let compression {
                guard let c = OutputCompression(rawValue: compression) else {
                    throw CLI.failure("split: unknown compression \"\(compression)\"")
                }
                comp = c
            }
            format = OutputFormat(version: v, compression: comp)
        }
        let options = SplitOptions(limit: limit, repeats: r, perCPU: c, cpu: cpu,
                                   start: bounds.first, end: bounds.count > 1 ? bounds[1] : nil, format: format)
        let base = output ?? input
        do {
            let reports = try TraceWriter.split(file, options: options) { k in
                r ? base + "." + String(repeating: "0", count: max(0, 4 - String(k).count)) + String(k) : base + ".\(k)"
            }
            for rep in reports {
                for d in rep.dropped { CLI.warn("dropped: \(d)") }
            }
            if reports.isEmpty { CLI.warn("split: no event in the window; nothing written") }
        } catch {
            throw CLI.failure(error.description)
        }
    }
}
