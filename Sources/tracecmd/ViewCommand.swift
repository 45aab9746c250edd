import ArgumentParser
import TraceCmd
import TraceView

/// `tracecmd view`: one self-contained HTML page (and optionally an SVG picture) of a
/// session, host and guests on the host clock.
struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Write one self-contained HTML page of a session: host CPUs and guest VCPUs on the host clock.",
        discussion: """
            The first file is the host, as in `trace-cmd report -i host.dat -i guest.dat`. \
            The page needs no server or network: open it in any browser. Zoom and pan with \
            the mouse or W/S/A/D, hover an event for its report line, search tasks and events. \
            Without -o or --svg the page is written to session.html.
            """)

    @Option(name: .customShort("i"), help: "A trace file (repeatable): the host first, then its guests.")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "The HTML page to write.")
    var output: String?

    @Option(name: .long, help: "Also (or only) write a static SVG picture of the window.")
    var svg: String?

    @Option(name: .long, help: "Width of the SVG picture in pixels.")
    var svgWidth: Int = 1400

    @Option(name: .long, help: "Start of the window, in seconds of the host clock (as the report prints times).")
    var start: Double?

    @Option(name: .long, help: "End of the window, in seconds of the host clock.")
    var end: Double?

    @Option(name: .long, help: "The most events embedded with their whole report line (beyond it, or beyond --slice-limit slices, the page uses detail tiles).")
    var detailLimit: Int = ViewOptions().detailLimit

    @Option(name: .long, help: "Events per detail tile (the page decodes the tiles of the visible window).")
    var tileEvents: Int = ViewOptions().tileEvents

    @Option(name: .long, help: "The budget of the detail tiles in compressed bytes (0: none); after it, summaries only.")
    var tileBytes: Int = ViewOptions().tileBytes

    @Option(name: .long, help: "The most exact task slices embedded in the page.")
    var sliceLimit: Int = ViewOptions().sliceLimit

    @Option(name: .long, help: "Summary bins per lane (a power of two).")
    var bins: Int = ViewOptions().summaryBins

    @Option(name: .long, help: "The page's title.")
    var title: String?

    func validate() throws {
        if let s = start, !(s >= 0 && s < 1.8e10) { throw ValidationError("--start must be a time in seconds") }
        if let e = end, !(e >= 0 && e < 1.8e10) { throw ValidationError("--end must be a time in seconds") }
        if let s = start, let e = end, e < s { throw ValidationError("--end is before --start") }
        if detailLimit < 0 { throw ValidationError("--detail-limit must not be negative") }
        if tileEvents < 1 || tileEvents > 1 << 24 { throw ValidationError("--tile-events must be 1 ... 16777216") }
        if tileBytes < 0 { throw ValidationError("--tile-bytes must not be negative") }
        if sliceLimit < 0 { throw ValidationError("--slice-limit must not be negative") }
        if svgWidth < 1 || svgWidth > 100_000 { throw ValidationError("--svg-width must be 1 ... 100000") }
        if bins < 1 || bins > 1 << 20 { throw ValidationError("--bins must be 1 ... 1048576") }
    }

    func run() throws {
        let paths = inputs.isEmpty ? ["trace.dat"] : inputs
        let options = ViewOptions(start: start.map { UInt64(($0 * 1e9).rounded()) },
                                  end: end.map { UInt64(($0 * 1e9).rounded()) },
                                  summaryBins: bins, detailLimit: detailLimit, tileEvents: tileEvents,
                                  tileBytes: tileBytes, sliceLimit: sliceLimit, title: title)
        let view: SessionView
        do {
            let session = try TraceSession.open(paths)
            view = try SessionView(session: session, options: options)
        } catch let e as TraceFileError {
            throw CLI.failure(e.description)
        } catch let e as EventQueryError {
            throw CLI.failure(e.description)
        }
        for e in view.readErrors.prefix(5) { CLI.warn(e) }
        do {
            let page = output ?? (svg == nil ? "session.html" : nil)
            if let page { try SessionView.write(view.html(), to: page) }
            if let svg { try SessionView.write(view.svg(width: svgWidth), to: svg) }
        } catch {
            throw CLI.failure(error.description)
        }
    }
}
