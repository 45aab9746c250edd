import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

private func hex(_ v: UInt64) -> String { String(v, radix: 16) }

/// Looks `addresses` up with libtraceevent's `tep_find_function_info` after
/// `tep_parse_kallsyms(text)`: one `name start size` line per address, `-` when not found.
private func referenceLookups(kallsyms path: String, addresses: [UInt64]) throws -> [String] {
    let dir = try ReferenceOracle.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let list = dir.appendingPathComponent("addrs")
    try addresses.map(hex).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
    let out = try ReferenceOracle.run("""
    L.tep_parse_kallsyms(tep, read(sys.argv[1]))
    name = ctypes.c_char_p(); start = ctypes.c_ulonglong(); size = ctypes.c_ulong()
    res = []
    for a in open(sys.argv[2]).read().split():
        if L.tep_find_function_info(tep, int(a, 16), ctypes.byref(name), ctypes.byref(start), ctypes.byref(size)):
            res.append("%s %x %x" % (name.value.decode(), start.value, size.value))
        else:
            res.append("-")
    print("\\n".join(res))
    """, args: [path, list.path])
    return out.split(separator: "\n").map(String.init)
}

private func ourLookups(_ table: KallsymsTable, _ addresses: [UInt64]) -> [String] {
    addresses.map { a in
        guard let s = table.symbol(containing: a) else { return "-" }
        return "\(s.name) \(hex(s.start)) \(s.size.map(hex) ?? "?")"
    }
}

/// Compares, ignoring the size of the last symbol (the reference computes it from its
/// end sentinel, address 0).
private func expectSameLookups(_ ours: [String], _ ref: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(ours.count == ref.count, sourceLocation: sourceLocation)
    var mismatches = 0
    for (o, r) in zip(ours, ref) where o != r {
        if o.hasSuffix(" ?"), r.hasPrefix(String(o.dropLast(1))) { continue }
        mismatches += 1
        if mismatches <= 10 { Issue.record("ours: \(o), reference: \(r)", sourceLocation: sourceLocation) }
    }
    #expect(mismatches == 0, sourceLocation: sourceLocation)
}

@Suite struct KallsymsTableTests {
    static let sample = """
    ffffffff81000000 T _stext
    ffffffff81000000 T srso_alias_untrain_ret
    ffffffff81000000 T _text
    ffffffff81001000 T $x.1
    ffffffff81001000 t startup_64
    0000000000001000 A fixed_percpu_data
    0000000000002000 a absolute_sym
    ffffffff81002000 T secondary_startup_64
    ffffffff81002000 W weak_alias
    ffffffff81003000 T last_core
    ffffffffc0203000 t ftrace_trampoline\t[__builtin__ftrace]
    ffffffffc0a01000 t mod_init\t[e1000]
    ffffffffc0a01100 T mod_fn\t[e1000]

    ffffffffc0a02000 t after_blank\t[e1000]
    """

    @Test func parsesLinesLikeTheReference() throws {
        let t = KallsymsTable(parsing: Self.sample)
        #expect(t.stoppedAtLine == nil)
        // `$x.1`, `A` and `a` symbols are dropped.
        #expect(t.count == 11)
        let all = (0..<t.count).compactMap { t.symbol(atIndex: $0) }
        #expect(all.map(\.address) == all.map(\.address).sorted())
        #expect(!all.contains { $0.name.hasPrefix("$") || $0.name == "fixed_percpu_data" || $0.name == "absolute_sym" })
        let mod = try #require(all.first { $0.name == "mod_fn" })
        #expect(mod.module == "e1000" && mod.type == "T" && mod.address == 0xffff_ffff_c0a0_1100)
        #expect(all.first { $0.name == "ftrace_trampoline" }?.module == "__builtin__ftrace")
        #expect(all.first { $0.name == "startup_64" }?.module == nil)
        #expect(all.first { $0.name == "startup_64" }?.type == "t")
        // Among symbols sharing an address, a lookup inside returns the first in file order.
        #expect(t.symbol(containing: 0xffff_ffff_8100_0010)?.name == "_stext")
        #expect(t.symbol(containing: 0xffff_ffff_8100_2fff)?.name == "secondary_startup_64")
        #expect(t.symbol(containing: 0xffff_ffff_8100_0010)?.size == 0x1000)
        #expect(t.symbol(containing: 0xffff_ffff_80ff_ffff) == nil)
        #expect(t.symbol(at: 0xffff_ffff_8100_1000) == "startup_64")
        #expect(t.symbol(at: 0xffff_ffff_8100_1001) == nil)
        // Past the last symbol's start nothing matches; exactly at it, it does.
        #expect(t.symbol(containing: 0xffff_ffff_c0a0_2000)?.name == "after_blank")
        #expect(t.symbol(containing: 0xffff_ffff_c0a0_2000)?.size == nil)
        #expect(t.symbol(containing: 0xffff_ffff_c0a0_2001) == nil)
        let i = try #require(t.index(containing: 0xffff_ffff_c0a0_1101))
        #expect(t.withName(atIndex: i) { $0.array(0..<$0.byteCount) } == Array("mod_fn".utf8))
        #expect(t.address(atIndex: i) == 0xffff_ffff_c0a0_1100)
        #expect(t.size(atIndex: i) == 0xf00)
        #expect(t.symbol(atIndex: t.count) == nil && t.address(atIndex: -1) == nil)
    }

    @Test func stopsAtTheFirstBadLineLikeTheReference() {
        let t = KallsymsTable(parsing: "ffffffff81000000 T a\nffffffff81000010 T\nffffffff81000020 T c\n")
        #expect(t.stoppedAtLine == 2)
        #expect(t.count == 1)
        #expect(KallsymsTable(parsing: "zzz T a\n").count == 0)
        #expect(KallsymsTable(parsing: "").count == 0)
        // A NUL ends the text.
        #expect(KallsymsTable(parsing: "ffffffff81000000 T a\n\0ffffffff81000010 T b\n").count == 1)
    }

    @Test(.enabled(if: ReferenceOracle.isAvailable, "needs libtraceevent"))
    func sampleLookupsMatchLibtraceevent() throws {
        try expectLookupsMatchLibtraceevent(Self.sample, around: [0, 1, .max, 0xffff_ffff_8100_2000 - 1])
    }

    /// Parses `text` with ours and with libtraceevent, and compares the lookups of the
    /// addresses `extra`, every symbol's address and the addresses either side of it.
    @discardableResult
    func expectLookupsMatchLibtraceevent(_ text: String, around extra: [UInt64]) throws -> KallsymsTable {
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kallsyms")
        try text.write(to: path, atomically: true, encoding: .utf8)
        let t = KallsymsTable(parsing: text)
        var addresses = extra
        for i in 0..<t.count {
            let a = t.address(atIndex: i) ?? 0
            addresses += [a, a &- 1, a &+ 1]
        }
        expectSameLookups(ourLookups(t, addresses), try referenceLookups(kallsyms: path.path, addresses: addresses))
        return t
    }

    /// Usual lines (read with word loads) among lines only the byte-by-byte reader takes
    /// (`0x`, short or over-long addresses, extra or odd spaces, CRLF, modules after spaces),
    /// out of address order (so sorted, not just taken in order), with names that end in a
    /// space other than a newline.
    static let oddSample = """
    ffffffff81003000 T last_core
    ffffffff81000000 T _stext
    FFFFFFFF81000100 t upper_hex
    0xffffffff81000200 t with_prefix
      ffffffff81000300 t leading_spaces
    ffffffff81000400  t  two_spaces
    ffffffff81000500 t trailing_space\u{20}
    ffffffff81000600 t tab_then_text\tmore
    ffffffff81000700 t vertical_tab\u{0B}x
    ffffffff81000800 t crlf\r
    81000900 t short_address
    ffffffff81000000 W same_address_later
    ffffffffc0a01000 t mod_a\t[e1000]
    ffffffffc0a00000 t mod_b\t[  spaced]
    ffffffffc0a02000 t mod_c\t[x
    ffffffff810010001 t seventeen_digits
    ffffffff81000a00 t ab\u{01}cd
    ffffffff81000b00 t $local
    ffffffff81000c00 A absolute
    ffffffff81000d00 t x
    """

    @Test(.enabled(if: ReferenceOracle.isAvailable, "needs libtraceevent"))
    func oddAndUnsortedLinesMatchLibtraceevent() throws {
        let t = try expectLookupsMatchLibtraceevent(Self.oddSample, around: [0, .max, 0x8100_0900, 0x8100_0901])
        #expect(t.stoppedAtLine == nil)
        #expect(t.count >= 15)
    }

    static let procKallsyms: [UInt8]? = {
        guard let b = TracefsFormats.read("/proc/kallsyms"), b.count > 1000 else { return nil }
        // With kptr_restrict the addresses read as zeros: nothing to look up.
        guard !b.starts(with: Array("0000000000000000".utf8)) else { return nil }
        return b
    }()

    @Test(.enabled(if: procKallsyms != nil, "/proc/kallsyms is not readable with addresses"))
    func realKallsyms() throws {
        let bytes = try #require(Self.procKallsyms)
        let clock = ContinuousClock()
        var table = KallsymsTable()
        let elapsed = clock.measure {
            table = bytes.withBytes { KallsymsTable(parsing: $0) }
        }
        print("kallsyms: \(bytes.count) bytes, \(table.count) symbols parsed in \(elapsed)")
        #expect(table.stoppedAtLine == nil)
        // Independent count: every line but absolute symbols and `$` names.
        let text = String(decoding: bytes, as: UTF8.self)
        var expected = 0
        var known: [(UInt64, String)] = []
        for line in text.split(separator: "\n") {
            let cols = line.split(separator: " ", maxSplits: 2)
            guard cols.count == 3 else { continue }
            if cols[1] == "A" || cols[1] == "a" || cols[2].hasPrefix("$") { continue }
            expected += 1
            let name = cols[2].split(separator: "\t").first.map(String.init) ?? ""
            if ["_stext", "schedule", "do_idle", "printk", "_printk"].contains(name),
               let a = UInt64(cols[0], radix: 16) { known.append((a, name)) }
        }
        #expect(table.count == expected)
        #expect(!known.isEmpty)
        for (a, name) in known {
            // Exact lookups return a symbol at that address; `name` unless it has aliases.
            let hit = try #require(table.symbol(containing: a))
            #expect(hit.start == a)
            if name != "_stext" { #expect(hit.name == name) }
        }
    }

    @Test(.enabled(if: procKallsyms != nil && ReferenceOracle.isAvailable,
                   "needs /proc/kallsyms with addresses and libtraceevent"))
    func realKallsymsLookupsMatchLibtraceevent() throws {
        let bytes = try #require(Self.procKallsyms)
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kallsyms")
        try Data(bytes).write(to: path)
        let table = bytes.withBytes { KallsymsTable(parsing: $0) }
        var addresses: [UInt64] = [0, .max]
        var i = 0
        while i < table.count {
            let a = table.address(atIndex: i) ?? 0
            addresses += [a, a &+ 1, a &- 1, a &+ 0x40]
            i += 97
        }
        for j in max(0, table.count - 5)..<table.count {
            let a = table.address(atIndex: j) ?? 0
            addresses += [a, a &+ 1]
        }
        expectSameLookups(ourLookups(table, addresses), try referenceLookups(kallsyms: path.path, addresses: addresses))
    }
}

@Suite struct PrintkFormatsTests {
    /// The reference's view of a printk_formats text: `tep_print_printk`'s lines.
    func referenceEntries(_ bytes: [UInt8]) throws -> [String] {
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("printk")
        try Data(bytes).write(to: path)
        let out = try ReferenceOracle.run("""
        L.tep_parse_printk_formats(tep, read(sys.argv[1]))
        L.tep_print_printk(tep)
        libc.fflush(None)
        """, args: [path.path])
        return out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func ourEntries(_ p: PrintkFormats) -> [String] {
        p.entries.map { e in
            let h = hex(e.address)
            return String(repeating: "0", count: max(0, 16 - h.count)) + h + " " + e.format
        }
    }

    static let sample = #"""
    0xffffffff8281942f : "thaw_processes"
    0xffffffff8281942f : "thaw_processes"
    0xffffffff82a3c1b0 : "tab\there %s \"quoted\" back\\slash\n"
    0xffffffff82a3c100 : "no newline at end"
    0xffffffff82a3c200 : "two lines\n\n"
    0xffffffff82a3c300 : "unterminated\n
    0xffffffff82a3c400 : ""
    """#

    @Test func keepsTheFileEscapes() {
        let p = PrintkFormats(parsing: Self.sample)
        #expect(p.count == 7)
        #expect(p.format(at: 0xffff_ffff_8281_942f) == "thaw_processes")
        #expect(p.format(at: 0xffff_ffff_82a3_c1b0) == #"tab\there %s \"quoted\" back\\slash"#)
        #expect(p.format(at: 0xffff_ffff_82a3_c100) == "no newline at end")
        #expect(p.format(at: 0xffff_ffff_82a3_c200) == #"two lines\n"#)
        #expect(p.format(at: 0xffff_ffff_82a3_c300) == #"unterminated\n"#)
        #expect(p.format(at: 0xffff_ffff_82a3_c400) == "")
        #expect(p.format(at: 0x1234) == nil)
        #expect(p.entries.map(\.address) == p.entries.map(\.address).sorted())
    }

    @Test(.enabled(if: ReferenceOracle.isAvailable, "needs libtraceevent"))
    func sampleMatchesLibtraceevent() throws {
        #expect(ourEntries(PrintkFormats(parsing: Self.sample)) == (try referenceEntries(Array(Self.sample.utf8))))
    }

    static let tracefsPrintk: [UInt8]? = TracefsFormats.read("/sys/kernel/tracing/printk_formats")

    @Test(.enabled(if: tracefsPrintk.map { !$0.isEmpty } ?? false && ReferenceOracle.isAvailable,
                   "needs tracefs printk_formats and libtraceevent"))
    func tracefsPrintkFormatsMatchLibtraceevent() throws {
        let bytes = try #require(Self.tracefsPrintk)
        let p = bytes.withBytes { PrintkFormats(parsing: $0) }
        let lines = bytes.split(separator: UInt8(ascii: "\n")).count
        #expect(p.count == lines)
        let ref = try referenceEntries(bytes)
        #expect(ourEntries(p) == ref)
        for e in p.entries { #expect(p.format(at: e.address) != nil) }
    }
}

@Suite struct SavedCmdlinesTests {
    static let sample = """
    1 first
    2 two words  here
    1 second
    1 third
    -5 negative
    3 three
    1 fourth
    7
    8 unreached
    """

    @Test func parses() {
        let c = SavedCmdlines(parsing: Self.sample)
        // Parsing stops at `7` (no name), like the reference.
        #expect(c.stoppedAtLine == 8)
        #expect(c.count == 7)
        #expect(c.comm(for: 2) == "two words  here")
        #expect(c.comm(for: 3) == "three")
        #expect(c.comm(for: -5) == "negative")
        #expect(c.comm(for: 8) == nil)
        #expect(c.displayComm(for: 0) == "<idle>")
        #expect(c.displayComm(for: 99) == "<...>")
        #expect(["first", "second", "third", "fourth"].contains(c.comm(for: 1) ?? ""))
        #expect(c.entries.map(\.pid) == [-5, 1, 1, 1, 1, 2, 3])
    }

    @Test func register() {
        var c = SavedCmdlines(parsing: "10 ten\n30 thirty\n")
        let results = [
            c.register(comm: "other", pid: 10),
            c.register(comm: "twenty", pid: 20),
            c.register(comm: "five", pid: 5),
            c.register(comm: "forty", pid: 40),
            c.register(comm: "zero", pid: 0),
        ]
        #expect(results == [false, true, true, true, false])
        #expect(c.comm(for: 10) == "ten")
        let overridden = c.register(comm: "TEN", pid: 10, override: true)
        #expect(overridden)
        #expect(c.entries.map(\.pid) == [5, 10, 20, 30, 40])
        #expect(c.entries.map(\.comm) == ["five", "TEN", "twenty", "thirty", "forty"])
    }

    /// Runs `ops` against libtraceevent after `tep_parse_saved_cmdlines(text)`: `q pid` prints
    /// `tep_data_comm_from_pid`, `r pid comm` registers, `o pid comm` overrides.
    func reference(_ text: String, _ ops: [String]) throws -> [String] {
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cmdlines"), opsPath = dir.appendingPathComponent("ops")
        try text.write(to: path, atomically: true, encoding: .utf8)
        try ops.joined(separator: "\n").write(to: opsPath, atomically: true, encoding: .utf8)
        let out = try ReferenceOracle.run("""
        L.tep_register_comm.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        L.tep_override_comm.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        L.tep_parse_saved_cmdlines(tep, read(sys.argv[1]))
        for op in open(sys.argv[2]).read().split("\\n"):
            w = op.split(" ", 2)
            if w[0] == "q":
                print(L.tep_data_comm_from_pid(tep, int(w[1])).decode())
            elif w[0] == "r":
                L.tep_register_comm(tep, w[2].encode(), int(w[1]))
            elif w[0] == "o":
                L.tep_override_comm(tep, w[2].encode(), int(w[1]))
        """, args: [path.path, opsPath.path])
        return out.split(separator: "\n").map(String.init)
    }

    func ours(_ text: String, _ ops: [String]) -> [String] {
        var c = SavedCmdlines(parsing: text)
        var out: [String] = []
        for op in ops {
            let w = op.split(separator: " ", maxSplits: 2).map(String.init)
            let pid = Int32(w[1]) ?? 0
            switch w[0] {
            case "q": out.append(c.displayComm(for: pid))
            case "r": c.register(comm: w[2], pid: pid)
            default: c.register(comm: w[2], pid: pid, override: true)
            }
        }
        return out
    }

    @Test(.enabled(if: ReferenceOracle.isAvailable, "needs libtraceevent"))
    func duplicatesAndRegistrationMatchLibtraceevent() throws {
        // Many duplicates at different positions, so that the binary search's choice shows.
        var text = ""
        for i in 0..<40 { text += "\(i % 7 + 1) comm\(i)\n" }
        text += "100 a b\n-3 neg\n"
        var ops = (-4...101).map { "q \($0)" }
        ops += ["r 3 reg3", "r 50 reg50", "q 3", "q 50", "o 4 over4", "q 4", "r 0 zero", "q 0",
                "o 60 over60", "q 60", "r 1 x", "q 1"]
        #expect(ours(text, ops) == (try reference(text, ops)))
        #expect(ours(Self.sample, (-6...9).map { "q \($0)" }) == (try reference(Self.sample, (-6...9).map { "q \($0)" })))
    }

    static let tracefsCmdlines: String? = TracefsFormats.readText("/sys/kernel/tracing/saved_cmdlines")

    @Test(.enabled(if: tracefsCmdlines != nil && ReferenceOracle.isAvailable,
                   "needs tracefs saved_cmdlines and libtraceevent"))
    func tracefsCmdlinesMatchLibtraceevent() throws {
        let text = try #require(Self.tracefsCmdlines)
        let c = SavedCmdlines(parsing: text)
        #expect(c.count == text.split(separator: "\n").count)
        #expect(c.stoppedAtLine == nil)
        let pids = Set(c.entries.map(\.pid))
        let ops = (pids.sorted() + [0, 1, 999_999]).map { "q \($0)" }
        #expect(ours(text, ops) == (try reference(text, ops)))
    }
}

@Suite struct SharedSymbolResolverTests {
    /// Names short and long (past the cache's inline bytes), a module symbol, gaps.
    static let textLines: [String] = {
        var lines: [String] = []
        for i in 0..<3000 {
            let name = i % 7 == 0 ? "a_rather_long_symbol_name_that_does_not_fit_in_the_cache_bytes_\(i)" : "f\(i)"
            lines.append(String(0xffff_ffff_8100_0000 + UInt64(i) * 0x40, radix: 16) + " T " + name)
        }
        lines.append("ffffffffc0a01000 t mod_init\t[e1000]")
        return lines
    }()
    static let table = KallsymsTable(parsing: textLines.joined(separator: "\n"))

    @Test func appendedNamesMatchTheLookups() {
        let shared = SharedSymbolResolver(Self.table)
        let plain: any SymbolResolver = Self.table
        // Addresses inside, at starts, outside, zero; each asked several times (cache hits,
        // and slot collisions among 3000 symbols in 1024 slots).
        var addresses: [UInt64] = [0, 1, 0xffff_ffff_80ff_ffff, 0xffff_ffff_c0a0_1000, 0xffff_ffff_c0a0_1fff]
        for i in stride(from: 0, to: 3000 * 0x40, by: 0x1d) { addresses.append(0xffff_ffff_8100_0000 + UInt64(i)) }
        for round in 0..<3 {
            for a in addresses {
                var ours = TextBuffer(capacity: 16)
                ours.append(0x28)
                let start = shared.appendName(containing: a, into: &ours)
                var theirs = TextBuffer(capacity: 16)
                theirs.append(0x28)
                let expected = plain.appendName(containing: a, into: &theirs)
                #expect(start == expected, "round \(round) address \(String(a, radix: 16))")
                #expect(ours.bytes == theirs.bytes, "round \(round) address \(String(a, radix: 16))")
                let sym = Self.table.symbol(containing: a)
                #expect(start == sym?.start)
                #expect(String(decoding: ours.bytes.dropFirst(), as: UTF8.self) == (sym?.name ?? ""))
                #expect(shared.symbol(containing: a)?.name == sym?.name)
            }
        }
    }
}

@Suite struct LazyKallsymsTableTests {
    @Test(arguments: [false, true])
    func answersLikeTheEagerTableFromSeveralThreads(background: Bool) async {
        let text = Array(SharedSymbolResolverTests.textLines.joined(separator: "\n").utf8)
        let eager = text.withBytes { KallsymsTable(parsing: $0) }
        let lazy = LazyKallsymsTable(text: text, background: background)
        let addresses: [UInt64] = stride(from: 0, to: 3000 * 0x40, by: 0x33).map { 0xffff_ffff_8100_0000 + UInt64($0) }
            + [0, 0xffff_ffff_c0a0_1000, 0xffff_ffff_c0a0_1001]
        // Four tasks race for the first lookup (and the parse).
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    addresses.map { a in lazy.symbol(containing: a).map { "\($0.name) \($0.start) \(String(describing: $0.size))" } ?? "-" }
                }
            }
            var all: [[String]] = []
            for await r in group { all.append(r) }
            return all
        }
        let expected = addresses.map { a in eager.symbol(containing: a).map { "\($0.name) \($0.start) \(String(describing: $0.size))" } ?? "-" }
        #expect(results.count == 4)
        for r in results { #expect(r == expected) }
        #expect(lazy.table.count == eager.count)
        #expect(lazy.symbol(at: 0xffff_ffff_8100_0040) == eager.symbol(at: 0xffff_ffff_8100_0040))
        #expect(expected.contains("-") && expected.contains { $0.hasPrefix("mod_init") })
    }
}
