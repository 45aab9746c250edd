extension TaskProfiler.Hook {
    /// Parses a `-H` hook, `[start_system:]start_event,start_match[,pid]/[end_system:]end_event,end_match[,flags]`
    /// (flags: `P` pinned to its CPU, `G` global, `S` saves stacks), with the tokenizing of
    /// trace-cmd 3.1.6's `tracecmd_create_event_hook` (`strtok`); `nil` when it is invalid.
    /// `description` is the line the reference prints for it.
    static func parse(_ arg: String) -> (hook: Self, description: String)? {
        let s = Array(arg.utf8)
        var pos = 0
        // strtok: skip leading delimiters, then the token up to the next delimiter (which is
        // consumed); `nil` at the end.
        func token(_ delimiters: String) -> (text: String, end: Int)? {
            let d = Set(delimiters.utf8)
            while pos < s.count, d.contains(s[pos]) { pos += 1 }
            guard pos < s.count else { return nil }
            let start = pos
            while pos < s.count, !d.contains(s[pos]) { pos += 1 }
            let end = pos
            if pos < s.count { pos += 1 }
            return (String(decoding: s[start..<end], as: UTF8.self), end)
        }
        func char(at i: Int) -> UInt8? { i < s.count ? s[i] : nil }
        guard var tok = token(":,") else { return nil }
        var startSystem: String?
        if char(at: tok.end) == UInt8(ascii: ":") {
            startSystem = tok.text
            guard let t = token(",") else { return nil }
            tok = t
        }
        let startEvent = tok.text
        guard let m = token(",/") else { return nil }
        var pid: String?
        if char(at: m.end) == UInt8(ascii: ",") {
            guard let p = token("/") else { return nil }
            pid = p.text
        }
        guard var etok = token(":,") else { return nil }
        var endSystem: String?
        if char(at: etok.end) == UInt8(ascii: ":") {
            endSystem = etok.text
            guard let t = token(",") else { return nil }
            etok = t
        }
        let endEvent = etok.text
        guard let em = token(",") else { return nil }
        var flags: String?
        if char(at: em.end) == UInt8(ascii: ",") {
            guard let f = token("") else { return nil }
            flags = f.text
        }
        var migrate = true, global = false
        for c in (flags ?? "").lowercased() {
            if c == "p" { migrate = false } else if c == "g" { global = true }
        }
        let hook = Self(startSystem: startSystem, startEvent: startEvent, startMatch: m.text, pid: pid,
                        endSystem: endSystem, endEvent: endEvent, endMatch: em.text, migrate: migrate, global: global)
        func c(_ s: String?) -> String { s ?? "(null)" }
        let description = "start \(c(startSystem)):\(startEvent):\(m.text) (\(c(pid))) end \(c(endSystem)):\(endEvent):\(em.text) (\(c(flags)))"
        return (hook, description)
    }
}
