@_spi(Engine) import TraceReport
import ArgumentParser
import TraceCmd

/// The selection options every export shares, named as `trace-cmd report` names them.
struct ExportSelectionOptions: ParsableArguments {
    @Option(name: .customShort("i"), help: "A trace file; repeat for a session (the host first, then its guests).")
    var inputs: [String] = []

    @Option(name: .customShort("o"), help: "The output file (a directory for Parquet).")
    var output: String

    @Option(name: .customLong("cpu"), help: "CPUs to export in each file (0,2-3, as the report writes lists); repeatable.")
    var cpus: [String] = []

    @Option(name: .customShort("e"), help: "An event to export (name or system:name); repeatable. Default: all.")
    var events: [String] = []

    @Option(name: .customShort("F"), help: "A filter in the report's -F syntax, applied to every file.")
    var filter: String?

    @Option(name: .customShort("v"), help: "A filter whose matching events are left out (the report's -v -F).")
    var excludingFilter: String?

    @Option(name: .long, help: "Start of the time window, in seconds on the host clock (as the report prints them).")
    var start: Double?

    @Option(name: .long, help: "End of the time window, in seconds on the host clock.")
    var end: Double?

    @Flag(name: .customLong("no-progress"), help: "No progress bar on standard error.")
    var noProgress = false

    /// The input paths (`trace.dat` when none is given, as the report does).
    var paths: [String] { inputs.isEmpty ? ["trace.dat"] : inputs }

    /// The selection these options describe.
    func selection() throws -> EventSelection {
        var s = EventSelection()
        if !cpus.isEmpty {
            var set = Set<Int>()
            for list in cpus {
                do { set.formUnion(try ReportOptions.parseCPUList(list)) }
                catch { throw ValidationError("\(error)") }
            }
            s.cpus = set
        }
        if !events.isEmpty { s.events = Set(events) }
        s.filter = filter
        s.excludingFilter = excludingFilter
        if let start {
            guard start >= 0 else { throw ValidationError("--start must not be negative") }
            s.start = UInt64(start * 1e9)
        }
        if let end {
            guard end >= 0 else { throw ValidationError("--end must not be negative") }
            s.end = UInt64(end * 1e9)
        }
        return s
    }
}
