/// How `split` cuts a file, as `trace-cmd split` takes it.
public struct SplitOptions: Sendable, Hashable {
    /// What ends a piece.
    public enum Limit: Sendable, Hashable {
        /// Nothing: one piece, the whole window.
        case none
        /// A span of time, in nanoseconds (`-s`, `-m`, `-u`).
        case time(nanoseconds: UInt64)
        /// A number of events (`-e`), over all CPUs or per CPU (``perCPU``).
        case events(Int)
        /// A number of ring-buffer pages per CPU (`-p`; implies ``perCPU``).
        case pages(Int)
    }

    /// What ends a piece.
    public var limit: Limit
    /// Go on cutting pieces until the end of the window (`-r`); otherwise only the first.
    public var repeats: Bool
    /// Count events per CPU (`-c`).
    public var perCPU: Bool
    /// Only this CPU (`-C`).
    public var cpu: Int?
    /// First timestamp kept, in nanoseconds as the report prints it (`start`).
    public var start: UInt64?
    /// Last timestamp kept, in nanoseconds as the report prints it (`end`).
    public var end: UInt64?
    /// Output layout; `nil` keeps the input's version and compression.
    public var format: OutputFormat?

    /// Options.
    /// - Parameters:
    ///   - limit: what ends a piece.
    ///   - repeats: cut pieces until the end (`-r`).
    ///   - perCPU: count per CPU (`-c`).
    ///   - cpu: keep only this CPU (`-C`).
    ///   - start: first timestamp kept (ns).
    ///   - end: last timestamp kept (ns).
    ///   - format: output layout (`nil`: the input's).
    public init(limit: Limit = .none, repeats: Bool = false, perCPU: Bool = false, cpu: Int? = nil,
                start: UInt64? = nil, end: UInt64? = nil, format: OutputFormat? = nil) {
        self.limit = limit
        self.repeats = repeats
        self.perCPU = perCPU
        self.cpu = cpu
        self.start = start
        self.end = end
        self.format = format
    }

    /// A time in seconds as `trace-cmd split` takes it (`75678.923853`), in nanoseconds;
    /// `nil` when it is not a decimal number.
    public static func nanoseconds(fromSeconds text: String) -> UInt64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty || parts.count == 2,
              first.allSatisfy(\.isNumber), let secs = first.isEmpty ? 0 : UInt64(first) else { return nil }
        var frac: UInt64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard f.allSatisfy(\.isNumber) else { return nil }
            var digits = String(f.prefix(9))
            while digits.count < 9 { digits += "0" }
            frac = UInt64(digits) ?? 0
        }
        let (ns, overflow) = secs.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        return ns &+ frac
    }
}
