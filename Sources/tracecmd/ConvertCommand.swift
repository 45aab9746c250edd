@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd
import TraceWriter

/// `tracecmd convert`: writes a trace file in another format version or compression.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a trace file to version 6 or 7, with or without compression (like trace-cmd convert).")

    @Option(name: .short, help: "Input file (default: trace.dat).")
    var input: String = "trace.dat"

    @Option(name: .short, help: "Output file (also accepted as the last argument).")
    var output: String?

    @Option(name: .customLong("file-version"), help: "Output file version: 6 or 7 (default 7).")
    var fileVersion: Int = 7

    @Option(name: .long, help: "Compression of a version 7 output: none, zlib, zstd or any (default zstd).")
    var compression: String = "any"

    @Argument(help: "The output file, when -o is not given.")
    var outputFile: String?

    func run() throws {
        guard let out = output ?? outputFile else { throw CLI.failure("convert: an output file is required (-o)") }
        guard fileVersion == 6 || fileVersion == 7 else {
            throw CLI.failure("convert: unsupported file version \(fileVersion) (6 or 7)")
        }
        let comp: OutputCompression
        if compression == "any" {
            comp = fileVersion == 6 ? .none : .zstd
        } else if let c = OutputCompression(rawValue: compression) {
            comp = c
        } else {
            throw CLI.failure("convert: unknown compression \"\(compression)\" (none, zlib, zstd, any)")
        }
        if fileVersion == 6 && comp != .none {
            throw CLI.failure("convert: version 6 files cannot be compressed")
        }
        let file = try CLI.open(input, mode: .full)
        do {
            let report = try TraceWriter.convert(file, to: out, format: OutputFormat(version: fileVersion, compression: comp))
            for d in report.dropped { CLI.warn("dropped: \(d)") }
        } catch {
            throw CLI.failure(error.description)
        }
    }
}
