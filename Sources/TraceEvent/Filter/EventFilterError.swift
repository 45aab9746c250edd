/// Why an event filter (`trace-cmd report -F`) could not be built.
///
/// `trace-cmd report` prints none of the details: for any failure it writes
/// `"  Failed to create event filter: <filter>\n"` to stderr and exits with status 255
/// (see ``reportMessage``). The details (``kind``, ``message``, ``offset``) are the ones
/// libtraceevent 1.7.1 records internally (`tep_filter_strerror`), kept for diagnostics.
public struct EventFilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: Sendable, Hashable {
        /// No event's system or name matches a name in the event list (`TEP_ERRNO__EVENT_NOT_FOUND`).
        case eventNotFound
        /// An event-list entry is not a valid regular expression (`TEP_ERRNO__INVALID_EVENT_NAME`).
        case invalidEventName
        /// An empty entry in the event list (`TEP_ERRNO__FILTER_NOT_FOUND`).
        case emptyEventName
        /// The expression after `:` does not parse for one of the selected events.
        case syntax
        /// The right side of `=~` / `!~` is not a valid regular expression.
        case invalidRegex
        /// Parentheses/`!` nested deeper, or a tree bigger, than this implementation accepts
        /// (`EventFilter/maximumNesting`, `EventFilter/maximumNodes`). The reference has no
        /// such limit (it recurses until its stack overflows).
        case tooComplex
        /// The input makes the reference crash (a dangling operator such as `prev_pid ==`
        /// segfaults trace-cmd 3.1.6, so does `CPU == "1"` on the first record it tests).
        /// We refuse it instead.
        case referenceCrash
        /// A `,` after the `:` (even inside a quoted string): the reference splits the event
        /// list there, computes a negative length and fails to allocate it
        /// (`trace-cmd: Cannot allocate memory`, exit status 12).
        case commaInExpression
    }

    /// The class of failure.
    public var kind: Kind
    /// The whole `-F` argument that failed.
    public var filter: String
    /// libtraceevent's message, e.g. `Syntax error`, `Unknown op token =`, `Illegal rvalue`.
    public var message: String
    /// Byte offset in ``filter`` near which parsing stopped, when known.
    public var offset: Int?
    /// The event (`system/name`) whose fields were in use when the expression failed, if any.
    public var event: String?

    public init(kind: Kind, filter: String, message: String, offset: Int? = nil, event: String? = nil) {
        self.kind = kind
        self.filter = filter
        self.message = message
        self.offset = offset
        self.event = event
    }

    /// What `trace-cmd report` prints (after two spaces, on stderr) before exiting with
    /// ``reportExitStatus``.
    public var reportMessage: String { "Failed to create event filter: \(filter)" }

    /// Everything `trace-cmd report` writes to stderr for this error (its `die()` output):
    /// `perror("trace-cmd")` when errno is set, then two spaces and ``reportMessage``.
    public var reportOutput: String {
        var s = ""
        if kind == .commaInExpression { s += "trace-cmd: Cannot allocate memory\n" }
        return s + "  " + reportMessage + "\n"
    }

    /// The exit status of `trace-cmd report` for this error: 255, or errno (12, `ENOMEM`)
    /// for ``Kind/commaInExpression``. For ``Kind/referenceCrash`` the reference dies of a
    /// signal instead; 255 is what we suggest.
    public var reportExitStatus: Int32 { kind == .commaInExpression ? 12 : 255 }

    public var description: String {
        var s = "event filter '\(filter)': \(message)"
        if let event { s += " (event \(event))" }
        if let offset { s += " at offset \(offset)" }
        return s
    }
}
