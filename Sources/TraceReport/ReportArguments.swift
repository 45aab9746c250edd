@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
extension ReportOptions {
    /// A command line that ``ReportOptions/init(arguments:)`` cannot use.
    @_spi(Engine) public struct ArgumentError: Error, Sendable {
        /// What is wrong.
        @_spi(Engine) public var message: String
    }
    typealias Problem = ArgumentError

    /// Whether a short option takes no value, a required one or an optional (attached) one:
    /// `trace-cmd report`'s getopt string `+hSIi:H:feGpRr:tPNn:LlEwF:V::vTqO:`.
    enum ValueKind { case none, required, optional }

    static let shortOptions: [Character: ValueKind] = [
        "h": .none, "S": .none, "I": .none, "i": .required, "H": .required, "f": .none, "e": .none,
        "G": .none, "p": .none, "R": .none, "r": .required, "t": .none, "P": .none, "N": .none,
        "n": .required, "L": .none, "l": .none, "E": .none, "w": .none, "F": .required, "V": .optional,
        "v": .none, "T": .none, "q": .none, "O": .required,
    ]

    /// The long options (the reference's, plus our `--threads`).
    static let longOptions: [(name: String, kind: ValueKind)] = [
        ("cpu", .required), ("cpus", .none), ("events", .none), ("event", .required),
        ("filter-test", .none), ("first-event", .none), ("kallsyms", .required), ("pid", .required),
        ("comm", .required), ("check-events", .none), ("nodate", .none), ("stat", .none),
        ("boundary", .none), ("debug", .none), ("last-event", .none), ("profile", .none),
        ("uname", .none), ("version", .none), ("by-comm", .none), ("ts-offset", .required),
        ("ts2secs", .required), ("ts-diff", .none), ("ts-check", .none), ("raw-ts", .none),
        ("align-ts", .none), ("verbose", .optional), ("help", .none), ("threads", .required),
    ]

    /// The long option `name` stands for: an exact name, or (as getopt_long allows) the one
    /// long option it is a prefix of.
    static func longOption(_ name: String) throws(ArgumentError) -> (name: String, kind: ValueKind) {
        if let exact = longOptions.first(where: { $0.name == name }) { return exact }
        let matches = longOptions.filter { $0.name.hasPrefix(name) }
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty { throw Problem(message: "unknown or unsupported report option --\(name)") }
        throw Problem(message: "option '--\(name)' is ambiguous; possibilities: "
                      + matches.map { "'--\($0.name)'" }.joined(separator: " "))
    }

    /// Parses `trace-cmd report`'s options the way its getopt does: short options may be
    /// grouped (`-tR`) and take their value attached or as the next argument, long options
    /// may be abbreviated, and the first argument that is not an option ends the options (it
    /// is the input file when no `-i` is given). `-v` makes the `-F` filters that follow it
    /// exclude records.
    @_spi(Engine) public init(arguments args: [String]) throws(ArgumentError) {
        var o = ReportOptions()
        var inputs: [Input] = []
        var globalFilters: [(String, Bool)] = []
        var excluding = false
        var tsOffset: Int64 = 0
        var i = 0
        var positional: [String] = []
        func apply(_ name: String, _ value: String?) throws(ArgumentError) {
            switch name {
            case "-h", "--help": o.help = true
            case "-i":
                var input = Input(path: value ?? "")
                if inputs.isEmpty {
                    for (f, neg) in globalFilters {
                        if neg { input.excludingFilters.append(f) } else { input.filters.append(f) }
                    }
                    input.tsOffset = tsOffset
                }
                inputs.append(input)
            case "-t": o.nanoseconds = true
            case "-R": o.raw = true
            case "-l": o.latency = true
            case "-N": o.noPlugins = true
            case "-L": o.localPluginsOnly = true
            case "-q": o.quiet = true
            case "-w": o.wakeupLatency = true
            case "-I": o.dropHardIRQ = true
            case "-S": o.dropSoftIRQ = true
            case "-T", "--filter-test": o.testFilters = true
            case "-r": o.rawEvents.append(value ?? "")
            case "-n": o.noHandlerEvents.append(value ?? "")
            case "-O": o.pluginOptions.append(value ?? "")
            case "-p": o.info.insert(.pageSize)
            case "-e": o.info.insert(.endianness)
            case "-f": o.info.insert(.functions)
            case "-P": o.info.insert(.printk)
            case "-E": o.info.insert(.events)
            case "--check-events": o.info.insert(.checkEvents)
            case "--uname": o.info.insert(.uname)
            case "--version": o.info.insert(.version)
            case "--profile": o.profile = true
            case "-G": o.profileGlobalIRQs = true
            case "-H": o.profileHooks.append(value ?? "")
            case "--by-comm": o.profileByComm = true
            case "-V", "--verbose":
                o.verbosity = try ReportOptions.verboseLevel(value)
            case "-v":
                if excluding { throw Problem(message: "Only 1 -v can be used") }
                excluding = true
            case "-F":
                let f = value ?? ""
                if inputs.isEmpty {
                    globalFilters.append((f, excluding))
                } else if excluding {
                    inputs[inputs.count - 1].excludingFilters.append(f)
                } else {
                    inputs[inputs.count - 1].filters.append(f)
                }
            case "--cpu":
                var set = o.cpus ?? []
                for c in try ReportOptions.parseCPUList(value ?? "") { set.insert(c) }
                o.cpus = set
            case "--ts-diff": o.tsDiff = true
            case "--ts-check": o.timestampCheck = true
            case "--align-ts": o.alignTimestamps = true
            case "--raw-ts": o.rawTimestamps = true
            case "--stat": o.stat = true
            case "--cpus": o.listCPUs = true
            case "--first-event": o.firstEvent = true; o.listCPUs = true
            case "--last-event": o.lastEvent = true; o.listCPUs = true
            case "--nodate": o.noDate = true
            case "--threads":
                let v = value ?? ""
                guard let n = Int(v), n >= 1, n <= 256 else {
                    throw Problem(message: "--threads needs a number from 1 to 256, not '\(v)'")
                }
                o.threads = n
            case "--ts2secs":
                // atoll: leading number, 0 when none; per input from the second -i on.
                let hz = UInt64(bitPattern: CInteger.atoll(value ?? ""))
                if inputs.count > 1 { inputs[inputs.count - 1].clockHz = hz } else { o.clockHz = hz }
            case "--ts-offset":
                let n = CInteger.atoll(value ?? "")
                // trace-cmd 3.1.6 keeps it for the second and later inputs, and for the first
                // input only when it comes before the first -i (which it then refuses).
                tsOffset = n
                guard !inputs.isEmpty else { throw Problem(message: "--ts-offset must come after -i") }
                if inputs.count > 1 { inputs[inputs.count - 1].tsOffset = n }
            default:
                throw Problem(message: "unknown or unsupported report option \(name)")
            }
        }
        parsing: while i < args.count {
            let a = args[i]
            i += 1
            if a == "--" { positional = Array(args[i...]); break }
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2))
                var attached: String?
                if let eq = name.firstIndex(of: "=") {
                    attached = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                let opt = try ReportOptions.longOption(name)
                var value: String?
                switch opt.kind {
                case .none:
                    if attached != nil { throw Problem(message: "option '--\(opt.name)' doesn't allow an argument") }
                case .optional:
                    value = attached
                case .required:
                    if let attached {
                        value = attached
                    } else {
                        guard i < args.count else { throw Problem(message: "option '--\(opt.name)' requires an argument") }
                        value = args[i]
                        i += 1
                    }
                }
                try apply("--" + opt.name, value)
            } else if a.hasPrefix("-") && a.count > 1 {
                // A group of short options; the first that takes a value takes the rest.
                var rest = Substring(a.dropFirst())
                while let c = rest.first {
                    rest = rest.dropFirst()
                    guard let kind = ReportOptions.shortOptions[c] else {
                        throw Problem(message: "unknown or unsupported report option -\(c)")
                    }
                    switch kind {
                    case .none:
                        try apply("-\(c)", nil)
                    case .optional:
                        try apply("-\(c)", rest.isEmpty ? nil : String(rest))
                        rest = ""
                    case .required:
                        let value: String
                        if !rest.isEmpty {
                            value = String(rest)
                        } else {
                            guard i < args.count else { throw Problem(message: "option requires an argument -- '\(c)'") }
                            value = args[i]
                            i += 1
                        }
                        try apply("-\(c)", value)
                        rest = ""
                    }
                }
            } else {
                // "+" in the getopt string: the first non-option ends the options.
                positional = Array(args[(i - 1)...])
                break parsing
            }
        }
        if let file = positional.first {
            // The input file when no -i was given (the reference shows its usage otherwise).
            guard inputs.isEmpty else { throw Problem(message: "unexpected argument \(file) after -i") }
            var input = Input(path: file)
            for (f, neg) in globalFilters {
                if neg { input.excludingFilters.append(f) } else { input.filters.append(f) }
            }
            input.tsOffset = tsOffset
            inputs = [input]
        }
        if inputs.isEmpty {
            var input = Input(path: "trace.dat")
            for (f, neg) in globalFilters {
                if neg { input.excludingFilters.append(f) } else { input.filters.append(f) }
            }
            input.tsOffset = tsOffset
            inputs = [input]
        }
        o.inputs = inputs
        o.multipleInputs = inputs.count > 1
        if o.multipleInputs && o.wakeupLatency && !o.help {
            throw Problem(message: "Wakeup tracing can only be done on a single input file")
        }
        self = o
    }

    @_spi(Engine) public static func parseCPUList(_ s: String) throws(ArgumentError) -> [Int] {
        var out: [Int] = []
        for part in s.split(whereSeparator: { $0 == "," || $0 == ":" }) {
            let bounds = part.split(separator: "-").map { $0.trimmingPrefix(while: { $0 == " " }) }
            guard let a = bounds.first.flatMap({ Int($0) }) else {
                throw Problem(message: "invalid character in cpu string '\(s)'")
            }
            let b = bounds.count > 1 ? Int(bounds[1]) ?? a : a
            guard a <= b else { throw Problem(message: "range of cpu numbers must be lower to greater") }
            out.append(contentsOf: a...b)
        }
        return out
    }

    /// `trace_set_verbose`: a number (capped at 6) or a level name's prefix match; no value
    /// means `info` (4).
    static func verboseLevel(_ value: String?) throws(ArgumentError) -> Int {
        guard let v = value else { return 4 }
        if let c = v.first, c.isASCII, c.isNumber {
            return min(Int(CInteger.atoll(v)), 6)
        }
        let names = ["none", "crit", "err", "warn", "info", "debug", "all"]
        if let k = names.firstIndex(where: { v.hasPrefix($0) }) { return k }
        throw Problem(message: "invalid verbose level \(v)")
    }
}
