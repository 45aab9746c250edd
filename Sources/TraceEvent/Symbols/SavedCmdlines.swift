/// Process names by pid, parsed from tracefs `saved_cmdlines` (the command-lines section of a
/// trace file: `pid comm` lines) and extended while printing.
///
/// Behaves like libtraceevent's comm table: parsing (`tep_parse_saved_cmdlines`) keeps every
/// line, duplicates included, and stops at the first line without a pid and a name (see
/// ``stoppedAtLine``); the name is the rest of the line after the pid and its following
/// blanks. Lookups return the entry libtraceevent's binary search finds, so with duplicate
/// pids the result matches the reference. Later ``register(comm:pid:override:)`` calls behave
/// like `tep_register_comm` (keep an existing entry) or `tep_override_comm` (replace it).
public struct SavedCmdlines: Sendable {
    /// Pids, ascending (ties in the reference's order).
    private var pids: [Int32] = []
    private var comms: [String] = []

    /// The 1-based number of the line where parsing stopped (the reference ignores it and the
    /// rest); `nil` when every line was read.
    public private(set) var stoppedAtLine: Int?

    /// An empty table.
    public init() {}

    /// Parses `saved_cmdlines` text.
    public init(parsing text: String) {
        var t = text
        t.makeContiguousUTF8()
        self = SavedCmdlines(parsing: RawSpan(_elements: t.utf8.span))
    }

    /// Parses `saved_cmdlines` text given as bytes. A NUL byte ends the text.
    /// Parses a saved cmdlines text given as bytes (as stored in a trace file).
    public init(parsing bytes: [UInt8]) {
        self = Self(parsing: RawSpan(_elements: bytes.span))
    }

    @_spi(Engine) public init(parsing bytes: RawSpan) {
        var filePid: [Int32] = []
        var fileComm: [String] = []
        let end = TextLines.textEnd(bytes)
        var pos = 0
        var lineNo = 0
        while pos < end {
            let eol = TextLines.index(of: 0x0a, in: bytes, from: pos, to: end)
            lineNo += 1
            defer { pos = eol + 1 }
            if eol == pos { continue }
            // sscanf(line, "%d %m[^\n]s")
            var p = pos
            while p < eol, isSpace(bytes[p]) { p += 1 }
            var negative = false
            if p < eol, bytes[p] == 0x2b || bytes[p] == 0x2d { negative = bytes[p] == 0x2d; p += 1 }
            var v: Int64 = 0
            var digits = 0
            var overflow = false
            while p < eol, bytes[p] >= 0x30, bytes[p] <= 0x39 {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[p] - 0x30))
                if o1 || o2 { overflow = true }
                v = a
                digits += 1
                p += 1
            }
            while p < eol, isSpace(bytes[p]) { p += 1 }
            guard digits > 0, !overflow, p < eol else {
                stoppedAtLine = lineNo
                break
            }
            filePid.append(Int32(truncatingIfNeeded: negative ? -v : v))
            fileComm.append(bytes.string(p..<eol))
        }
        fileOrder = zip(filePid, fileComm).map { ($0, $1) }
        arrange(pids: filePid, comms: fileComm)
    }

    /// The entries in the order they were parsed and registered before the table was first
    /// searched (libtraceevent's list, before it becomes the sorted array).
    public private(set) var fileOrder: [(pid: Int32, comm: String)] = []

    /// A table of `entries` given in file order, as if each had been registered before the
    /// first lookup (duplicates kept, resolved as the reference resolves them).
    public init(fileOrder entries: [(pid: Int32, comm: String)]) {
        fileOrder = entries
        arrange(pids: entries.map(\.pid), comms: entries.map(\.comm))
    }

    private mutating func arrange(pids filePid: [Int32], comms fileComm: [String]) {
        let a = filePid.span
        // Offset so that the signed order is kept in an unsigned key.
        let order = GlibcSearch.referenceOrder(count: a.count) { UInt64(bitPattern: Int64(a[$0])) &+ (1 << 63) }
        pids = order.map { filePid[Int($0)] }
        comms = order.map { fileComm[Int($0)] }
    }

    /// Number of entries (duplicates included).
    public var count: Int { pids.count }

    func find(_ pid: Int32) -> Int? {
        let a = pids.span
        return GlibcSearch.bsearch(count: a.count) { i in pid < a[i] ? -1 : (pid > a[i] ? 1 : 0) }
    }

    /// The name stored for `pid`, `nil` when there is none.
    public func comm(for pid: Int32) -> String? {
        find(pid).map { comms[$0] }
    }

    /// The name the reference prints for `pid`: `<idle>` for pid 0, `<...>` when unknown.
    public func displayComm(for pid: Int32) -> String {
        if pid == 0 { return "<idle>" }
        return comm(for: pid) ?? "<...>"
    }

    /// Records `comm` for `pid`. Pid 0 is ignored. When `pid` already has a name, it is kept
    /// (and `false` returned) unless `override` is set. Returns whether the table changed.
    @discardableResult
    public mutating func register(comm: String, pid: Int32, override: Bool = false) -> Bool {
        if pid == 0 { return false }
        if let i = find(pid) {
            guard override else { return false }
            comms[i] = comm
            return true
        }
        // Insert before the first larger pid.
        var lo = 0, hi = pids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pids[mid] <= pid { lo = mid + 1 } else { hi = mid }
        }
        pids.insert(pid, at: lo)
        comms.insert(comm, at: lo)
        return true
    }

    /// All entries in ascending pid order.
    public var entries: [(pid: Int32, comm: String)] {
        zip(pids, comms).map { ($0, $1) }
    }
}
