#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A compiled POSIX basic regular expression (`regcomp(3)` with `REG_ICASE | REG_NOSUB`),
/// the dialect libtraceevent uses for event names and for the `=~` / `!~` filter operators.
///
/// libc's matcher is used on purpose: the reference matches with glibc's `regexec`, so
/// using the same engine gives the same answers for every pattern (BRE syntax, `\|`, classes).
final class EventFilterRegex: @unchecked Sendable {
    // `regexec` on a compiled pattern is thread-safe in glibc (it locks the DFA); the
    // pattern is never modified after `init`.
    private var compiled = regex_t()
    /// The pattern as written.
    let pattern: String

    /// Compiles `pattern`; `nil` when `regcomp` rejects it.
    init?(_ pattern: String) {
        self.pattern = pattern
        let flags = REG_ICASE | REG_NOSUB
        let rc = pattern.withCString { regcomp(&compiled, $0, Int32(flags)) }
        if rc != 0 {
            regfree(&compiled)
            return nil
        }
    }

    deinit { regfree(&compiled) }

    /// Whether the NUL-terminated string at `cString` matches.
    func matches(cString: UnsafePointer<CChar>) -> Bool {
        regexec(&compiled, cString, 0, nil, 0) == 0
    }

    /// Whether `string` matches (stops at an embedded NUL, as C does).
    func matches(_ string: String) -> Bool {
        string.withCString { matches(cString: $0) }
    }

    /// Whether `bytes` (no NUL inside) matches. Copies them to a NUL-terminated scratch
    /// buffer on the stack (no heap allocation for short strings).
    func matches(bytes: UnsafeRawBufferPointer) -> Bool {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buf in
            guard let base = buf.baseAddress else { return false }
            if let src = bytes.baseAddress, bytes.count > 0 {
                UnsafeMutableRawPointer(base).copyMemory(from: src, byteCount: bytes.count)
            }
            base[bytes.count] = 0
            return matches(cString: base)
        }
    }
}
