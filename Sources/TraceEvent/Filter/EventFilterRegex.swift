/// A compiled POSIX basic regular expression (`regcomp(3)` with `REG_ICASE | REG_NOSUB`),
/// the dialect libtraceevent uses for event names and for the `=~` / `!~` filter operators.
///
/// libc's matcher is used on purpose: the reference matches with glibc's `regexec`, so
/// using the same engine gives the same answers for every pattern (BRE syntax, `\|`, classes).
package final class EventFilterRegex: @unchecked Sendable {
    // `@unchecked Sendable`: the compiled pattern is written by `init` only and read by
    // `regexec`, which POSIX requires to be thread-safe (glibc locks the pattern's DFA); it
    // lives at a fixed address, so matching takes no access to a Swift property.
    private let compiled: UnsafeMutablePointer<LibC.Regex>
    /// The pattern as written.
    let pattern: String

    /// Compiles `pattern`; `nil` when `regcomp` rejects it.
    package init?(_ pattern: String) {
        self.pattern = pattern
        let compiled = UnsafeMutablePointer<LibC.Regex>.allocate(capacity: 1)
        compiled.initialize(to: LibC.Regex())
        guard pattern.withCString({ LibC.compileRegexIgnoringCase(compiled, $0) }) else {
            LibC.freeRegex(compiled)
            compiled.deallocate()
            return nil
        }
        self.compiled = compiled
    }

    deinit {
        LibC.freeRegex(compiled)
        compiled.deallocate()
    }

    /// Whether the NUL-terminated string at `cString` matches.
    func matches(cString: UnsafePointer<CChar>) -> Bool {
        LibC.regexMatches(compiled, cString)
    }

    /// Whether `string` matches (stops at an embedded NUL, as C does).
    package func matches(_ string: String) -> Bool {
        string.withCString { matches(cString: $0) }
    }

    /// Whether the bytes of `range` in `span` (no NUL inside) match. Copies them to a
    /// NUL-terminated scratch buffer on the stack (no heap allocation for short strings).
    func matches(bytes span: RawSpan, _ range: Range<Int>) -> Bool {
        let r = span.clamped(range)
        return span.withUnsafeBytes { all in
            let bytes = UnsafeRawBufferPointer(rebasing: all[r])
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buf in
                guard let base = buf.baseAddress else { return false }
                if let src = bytes.baseAddress, bytes.count > 0 {
                    UnsafeMutableRawPointer(base).copyMemory(from: src, byteCount: bytes.count)
                }
                base[bytes.count] = 0
                return matches(cString: base)
            }
        }
    }
}
