/// The pid → comm table of one trace file as `trace-cmd report` uses it for the `comm-pid`
/// column: the file's saved command lines, plus what output plugins learn while printing
/// (sched_switch and sched_wakeup register comms; an existing entry is never replaced).
@_spi(Engine) public final class CommTable: CommRegistry {
    /// The underlying table.
    package private(set) var cmdlines: SavedCmdlines
    /// Display bytes per pid, filled on first use (`<idle>` for 0, `<...>` when unknown).
    /// Pids from 0 to `smallLimit - 1` are cached in `small` (an array lookup per record);
    /// larger ones in `cache`.
    private let small = UncheckedArray<[UInt8]?>()
    private var cache: [Int32: [UInt8]] = [:]
    private static let smallLimit: Int32 = 1 << 17
    private static let unknown = Array("<...>".utf8)
    private static let idle = Array("<idle>".utf8)

    /// Whether a nonzero pid has been looked up yet. Until then the reference keeps
    /// registrations in a list, duplicates included, and sorts everything at the first
    /// lookup; afterwards a registration for a known pid is refused.
    private var searched: Bool {
        get { flags[0] }
        set { flags.set(0, newValue) }
    }
    /// Element 0: ``searched`` (read for each registration, so not a checked `var`).
    private let flags = UncheckedArray(repeating: false, count: 1)
    private var pending: [(pid: Int32, comm: String)] = []

    /// A table starting from `cmdlines`.
    @_spi(Engine) public init(_ cmdlines: SavedCmdlines) {
        self.cmdlines = cmdlines
    }

    /// Offers `comm` for `pid`, with `tep_register_comm`'s rules.
    @_spi(Engine) public func register(pid: Int32, comm: RawSpan) {
        if !searched {
            pending.append((pid, comm.string))
            return
        }
        if pid == 0 { return }
        if let c = cached(pid), c != Self.unknown { return }
        // An existing entry is never replaced: refused before a String is made.
        if cmdlines.find(pid) != nil { return }
        if cmdlines.register(comm: comm.string, pid: pid) {
            setCached(pid, nil)
        }
    }

    private func firstSearch() {
        searched = true
        if !pending.isEmpty {
            cmdlines = SavedCmdlines(fileOrder: cmdlines.fileOrder + pending)
            pending = []
        }
    }

    /// Sets `comm` for `pid`, replacing any name it had (`tep_override_comm`).
    @_spi(Engine) public func override(comm: String, pid: Int32) {
        if !searched { firstSearch() }
        cmdlines.register(comm: comm, pid: pid, override: true)
        setCached(pid, nil)
    }

    /// The comm of `pid`, or `nil` when unknown (a lookup, as the filter's `COMM` does).
    @_spi(Engine) public func comm(for pid: Int32) -> String? {
        if pid != 0 && !searched { firstSearch() }
        return cmdlines.comm(for: pid)
    }

    /// The comm shown for `pid`, as bytes.
    @inline(__always)
    @_spi(Engine) public func displayBytes(for pid: Int32) -> [UInt8] {
        if pid >= 0 && pid < Int32(small.count), let c = small[Int(pid)] { return c }
        if let c = cached(pid) { return c }
        if pid != 0 && !searched { firstSearch() }
        let c: [UInt8]
        if pid == 0 {
            c = Self.idle
        } else if let s = cmdlines.comm(for: pid) {
            c = Array(s.utf8)
        } else {
            c = Self.unknown
        }
        setCached(pid, c)
        return c
    }

    @inline(__always)
    private func cached(_ pid: Int32) -> [UInt8]? {
        if pid >= 0 && pid < Self.smallLimit { return pid < Int32(small.count) ? small[Int(pid)] : nil }
        return cache[pid]
    }

    private func setCached(_ pid: Int32, _ c: [UInt8]?) {
        if pid >= 0 && pid < Self.smallLimit {
            let i = Int(pid)
            if i >= small.count {
                if c == nil { return }
                // Grow geometrically up to the limit; memory is at most 2^17 optional arrays (1 MiB).
                small.append(repeating: nil, count: min(Int(Self.smallLimit), max(i + 1, small.count * 2, 1024)) - small.count)
            }
            small.set(i, c)
        } else {
            cache[pid] = c
        }
    }
}
