/// One CPU's ring-buffer statistics as `trace-cmd record` saves them (a CPUSTAT option: the
/// text of tracefs `per_cpu/cpuN/stats`, after a `CPU: N` line), for `FtraceCpuStats`.
struct PerfettoCPUStats {
    var cpu: Int
    var entries: UInt64?
    var overrun: UInt64?
    var commitOverrun: UInt64?
    var bytes: UInt64?
    var oldestEventTs: Double?
    var nowTs: Double?
    var droppedEvents: UInt64?
    var readEvents: UInt64?

    init(cpu: Int) { self.cpu = cpu }

    /// Parses the option's text; `nil` without a `CPU:` line.
    init?(parsing text: String) {
        var cpu: Int?
        var s = PerfettoCPUStats(cpu: 0)
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingSpaces
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch key {
            case "CPU": cpu = Int(value)
            case "entries": s.entries = UInt64(value)
            case "overrun": s.overrun = UInt64(value)
            case "commit overrun": s.commitOverrun = UInt64(value)
            case "bytes": s.bytes = UInt64(value)
            case "oldest event ts": s.oldestEventTs = Double(value)
            case "now ts": s.nowTs = Double(value)
            case "dropped events": s.droppedEvents = UInt64(value)
            case "read events": s.readEvents = UInt64(value)
            default: break
            }
        }
        guard let cpu, cpu >= 0 else { return nil }
        s.cpu = cpu
        self = s
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
