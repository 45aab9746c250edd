@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
extension ReportOptions {
    /// A command line that ``ReportOptions/init(arguments:)`` cannot use.
    @_spi(Engine) public struct ArgumentError: Error, Sendable {
        /// What is wrong.
        @_spi(Engine) public var message: String
    }
    typealias Problem = ArgumentError

    /// Parses `trace-cmd report`'s options (getopt style; `-v` makes the `-F` filters that
    /// follow it exclude records). Positional arguments: the input file when no `-i` is given.
    @_spi(Engine) public init(arguments args: [String]) throws(ArgumentError) {
        var o = ReportOptions()
        var inputs: [Input] = []
        var globalFilters: [(String, Bool)] = []
        var excluding = false
        var i = 0
        func value(_ name: String, _ attached: String?) throws(ArgumentError) -> String {
            if let attached { return attached }
            i += 1
            guard i < args.count else { throw Problem(message: "option \(name) needs a value") }
            return args[i]
        }
        while i < args.count {
            let a = args[i]
            var name = a
            var attached: String?
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                attached = String(a[a.index(after: eq)...])
            } else if a.hasPrefix("-"), !a.hasPrefix("--"), a.count > 2 {
                // -ifile, -F'filter', or grouped flags like -tR
                let flagChars = Set("tRlNqvw")
                let rest = a.dropFirst()
                if rest.allSatisfy({ flagChars.contains($0) }) {
                    for c in rest { try apply("-\(c)", nil) }
                    i += 1
                    continue
                }
                name = String(a.prefix(2))
                attached = String(a.dropFirst(2))
            }
            try apply(name, attached)
            i += 1
        }
        func apply(_ name: String, _ attached: String?) throws(ArgumentError) {
            switch name {
            case "-i":
                var input = Input(path: try value(name, attached))
                if inputs.isEmpty {
                    for (f, neg) in globalFilters {
                        if neg { input.excludingFilters.append(f) } else { input.filters.append(f) }
                    }
                }
                inputs.append(input)
            case "-t": o.nanoseconds = true
            case "-R": o.raw = true
            case "-l": o.latency = true
            case "-N": o.noPlugins = true
            case "-q": o.quiet = true
            case "-w": o.wakeupLatency = true
            case "-v":
                if excluding { throw Problem(message: "Only 1 -v can be used") }
                excluding = true
            case "-F":
                let f = try value(name, attached)
                if inputs.isEmpty {
                    globalFilters.append((f, excluding))
                } else if excluding {
                    inputs[inputs.count - 1].excludingFilters.append(f)
                } else {
                    inputs[inputs.count - 1].filters.append(f)
                }
            case "--cpu":
                var set = o.cpus ?? []
                for c in try ReportOptions.parseCPUList(try value(name, attached)) { set.insert(c) }
                o.cpus = set
            case "--ts-diff": o.tsDiff = true
            case "--raw-ts": o.rawTimestamps = true
            case "--stat": o.stat = true
            case "--cpus": o.listCPUs = true
            case "--first-event": o.firstEvent = true; o.listCPUs = true
            case "--last-event": o.lastEvent = true; o.listCPUs = true
            case "--nodate": o.noDate = true
            case "--threads":
                let v = try value(name, attached)
                guard let n = Int(v), n >= 1, n <= 256 else {
                    throw Problem(message: "--threads needs a number from 1 to 256, not '\(v)'")
                }
                o.threads = n
            case "--ts-offset":
                let v = try value(name, attached)
                guard !inputs.isEmpty else { throw Problem(message: "--ts-offset must come after -i") }
                // atoll: leading number, 0 when none.
                let n = CInteger.atoll(v)
                // trace-cmd 3.1.6 applies it only once a second -i was given.
                if inputs.count > 1 { inputs[inputs.count - 1].tsOffset = n }
            default:
                if !name.hasPrefix("-") && inputs.isEmpty {
                    inputs.append(Input(path: name))
                } else {
                    throw Problem(message: "unknown or unsupported report option \(name)")
                }
            }
        }
        if inputs.isEmpty {
            var input = Input(path: "trace.dat")
            for (f, neg) in globalFilters {
                if neg { input.excludingFilters.append(f) } else { input.filters.append(f) }
            }
            inputs = [input]
        }
        o.inputs = inputs
        o.multipleInputs = inputs.count > 1
        if o.multipleInputs && o.wakeupLatency {
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
}
