/// The pid → comm table of one trace file as `trace-cmd report` uses it for the `comm-pid`
/// column: the file's saved command lines, plus what output plugins learn while printing
/// (sched_switch and sched_wakeup register comms; an existing entry is never replaced).
public final class CommTable: CommRegistry {
    /// The underlying table.
    public private(set) var cmdlines: SavedCmdlines
    /// Display bytes per pid, filled on first use (`<idle>` for 0, `<...>` when unknown).
    private var cache: [Int32: [UInt8]] = [:]
    private static let unknown = Array("<...>".utf8)
    private static let idle = Array("<idle>".utf8)

    /// Whether a nonzero pid has been looked up yet. Until then the reference keeps
    /// registrations in a list, duplicates included, and sorts everything at the first
    /// lookup; afterwards a registration for a known pid is refused.
    private var searched = false
    private var pending: [(pid: Int32, comm: String)] = []

    /// A table starting from `cmdlines`.
    public init(_ cmdlines: SavedCmdlines) {
        self.cmdlines = cmdlines
    }

    /// Offers `comm` for `pid`, with `tep_register_comm`'s rules.
    public func register(pid: Int32, comm: UnsafeRawBufferPointer) {
        if !searched {
            pending.append((pid, String(decoding: comm, as: UTF8.self)))
            return
        }
        if pid == 0 { return }
        if let c = cache[pid], c != Self.unknown { return }
        if cmdlines.register(comm: String(decoding: comm, as: UTF8.self), pid: pid) {
            cache[pid] = nil
        }
    }

    private func firstSearch() {
        searched = true
        if !pending.isEmpty {
            cmdlines = SavedCmdlines(fileOrder: cmdlines.fileOrder + pending)
            pending = []
        }
    }

    /// The comm of `pid`, or `nil` when unknown (a lookup, as the filter's `COMM` does).
    public func comm(for pid: Int32) -> String? {
        if pid != 0 && !searched { firstSearch() }
        return cmdlines.comm(for: pid)
    }

    /// The comm shown for `pid`, as bytes.
    @inline(__always)
    public func displayBytes(for pid: Int32) -> [UInt8] {
        if let c = cache[pid] { return c }
        if pid != 0 && !searched { firstSearch() }
        let c: [UInt8]
        if pid == 0 {
            c = Self.idle
        } else if let s = cmdlines.comm(for: pid) {
            c = Array(s.utf8)
        } else {
            c = Self.unknown
        }
        cache[pid] = c
        return c
    }
}
