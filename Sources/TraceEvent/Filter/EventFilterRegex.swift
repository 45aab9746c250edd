/// A compiled POSIX basic regular expression (`regcomp(3)` with `REG_ICASE | REG_NOSUB`),
/// the dialect libtraceevent uses for event names and for the `=~` / `!~` filter operators.
///
/// libc's matcher is used on purpose: the reference matches with glibc's `regexec`, so
/// using the same engine gives the same answers for every pattern (BRE syntax, `\|`, classes).
package final class EventFilterRegex: Sendable {
    private let regex: PosixRegex
    /// The pattern as written.
    let pattern: String

    /// Compiles `pattern`; `nil` when `regcomp` rejects it.
    package init?(_ pattern: String) {
        guard let regex = PosixRegex(ignoringCase: pattern) else { return nil }
        self.pattern = pattern
        self.regex = regex
    }

    /// Whether `string` matches (stops at an embedded NUL, as C does).
    package func matches(_ string: String) -> Bool {
        regex.matches(string)
    }

    /// Whether the bytes of `range` in `span` (no NUL inside) match.
    func matches(bytes span: RawSpan, _ range: Range<Int>) -> Bool {
        regex.matches(span, range)
    }
}
