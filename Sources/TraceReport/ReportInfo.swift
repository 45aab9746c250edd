@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// The report's modes that print facts of the first input instead of its events (`-p`, `-e`,
/// `--check-events`, `-f`, `-P`, `-E`), in the reference's order of precedence.
extension TraceReport {
    /// The exit status of `--check-events` when an event format could not be parsed (`EINVAL`).
    static let invalidFormatStatus: Int32 = 22

    /// Prints what the first of `options.info` (by the reference's precedence) shows for
    /// `printer`'s file and returns the exit status; `nil` when no such mode is on.
    func runInfoMode(printer: EventPrinter, into out: inout TextBuffer,
                     flush: (inout TextBuffer) -> Void) throws(Failure) -> Int32? {
        let modes = options.info
        let file = printer.file
        if modes.contains(.pageSize) {
            let host = LibC.pageSize ?? -1
            out.append("file page size is \(file.pageSize), and host page size is \(host)\n")
            return 0
        }
        if modes.contains(.endianness) {
            let fileBig = file.byteOrder == .big
            let hostBig = 1.bigEndian == 1
            out.append("file is \(fileBig ? "big" : "little") endian and host is \(hostBig ? "big" : "little") endian\n")
            return 0
        }
        if modes.contains(.checkEvents) {
            return printer.formatErrors.isEmpty ? 0 : Self.invalidFormatStatus
        }
        if modes.contains(.functions) {
            // tep_print_funcs: "%016llx %s", then " [module]" for a module's symbol.
            let table = printer.symbols
            for i in 0..<table.count {
                guard let s = table.symbol(atIndex: i) else { continue }
                Self.appendHex16(s.address, into: &out)
                out.append(0x20)
                out.append(s.name)
                if let m = s.module { out.append(" [\(m)]") }
                out.append(0x0a)
                if out.count >= 1 << 16 { flush(&out) }
            }
            return 0
        }
        if modes.contains(.printk) {
            let text: [UInt8]
            do { text = try file.printkText() } catch { throw .file(error) }
            let printk = PrintkFormats(parsing: text)
            for e in printk.entries {
                Self.appendHex16(e.address, into: &out)
                out.append(0x20)
                out.append(e.format)
                out.append(0x0a)
            }
            return 0
        }
        if modes.contains(.events) {
            // TEP_EVENT_SORT_SYSTEM: by system, then name (byte order, as strcmp), then id.
            let sorted = printer.registry.formats.sorted { a, b in
                if a.system != b.system { return Self.strcmpLess(a.system, b.system) }
                if a.name != b.name { return Self.strcmpLess(a.name, b.name) }
                return a.id < b.id
            }
            for f in sorted {
                out.append(f.system)
                out.append(0x3a)
                out.append(f.name)
                out.append(0x0a)
            }
            return 0
        }
        return nil
    }

    static func strcmpLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `%016llx`.
    static func appendHex16(_ v: UInt64, into out: inout TextBuffer) {
        var i = 16
        while i > 0 {
            i -= 1
            let d = UInt8(truncatingIfNeeded: (v >> (4 * UInt64(i))) & 15)
            out.append(d < 10 ? 0x30 &+ d : 0x61 &- 10 &+ d)
        }
    }

    /// The last UNAME (or VERSION) option's text, up to its NUL.
    static func optionText(_ file: TraceFile, _ id: TraceOption.ID) -> [UInt8]? {
        guard let o = file.options.last(where: { $0.id == id }) else { return nil }
        var p = o.payload
        if let z = p.firstIndex(of: 0) { p = Array(p[..<z]) }
        return p
    }

    /// `--uname` / `--version` after a top-level input's `cpus=` line: the recorded uname
    /// (with `--uname`) and trace-cmd version, or a note that the file has none.
    func appendUnameVersion(_ file: TraceFile, into out: inout TextBuffer) {
        if !options.info.contains(.version) {
            if let u = Self.optionText(file, .uname) {
                out.append(contentsOf: u)
                out.append(0x0a)
            } else {
                out.append(" uname was not recorded in this file\n")
            }
        }
        if let v = Self.optionText(file, .version) {
            out.append(contentsOf: v)
            out.append(0x0a)
        } else {
            out.append(" version was not recorded in this file\n")
        }
    }
}
