/// The event filters of `trace-cmd report -F` / `-v`, with the syntax and the behaviour of
/// libtraceevent 1.7.1 (`tep_filter_add_filter_str`, `tep_filter_match`) and trace-cmd 3.1.6
/// (`tracecmd_filter_add`, `tracecmd_filter_match`).
///
/// A filter string is `EVENTS[:EXPRESSION]`:
/// - `EVENTS` is a comma-separated list of `SYSTEM/EVENT`, or of `NAME` (an event or a
///   system); each part is a case-insensitive POSIX basic regex anchored at both ends
///   (`sched`, `sched/sched_sw.*`, `.*`). A name matching no event is an error.
/// - Without `:EXPRESSION` the selected events are kept whole.
/// - `EXPRESSION` is parsed once per selected event (see the grammar notes on the internal
///   parser): comparisons `==  !=  <  <=  >  >=` of a field with a number, `==  !=` (exact)
///   and `=~  !~` (regex) of a field with a quoted string, `FIELD & VALUE`-style arithmetic
///   as a truth value, `&&` `||` (equal precedence, left to right), `!`, parentheses, and the
///   pseudo-fields `COMM` (task name) and `CPU`. Fields unknown to an event make their
///   comparison FALSE for that event.
///
/// Filters given as `filters` (`-F` before `-v`) keep a record when any of them matches it;
/// an event that none of them names is dropped. Filters given as `excluding` (`-F` after
/// `-v`) drop the records any of them matches. A filter whose evaluation fails for a record
/// (arithmetic on a string, division by zero, data outside the record) does not match it.
///
/// Everything is parsed and compiled in `init`: matching a record does no string work except
/// for string comparisons, and allocates nothing on the heap (a `COMM` comparison calls the
/// caller's comm lookup).
@_spi(Engine) public struct EventFilter: Sendable {
    /// Deepest nesting of `(` and `!` accepted (the reference recurses without limit).
    @_spi(Engine) public static let maximumNesting = 128
    /// Deepest expression tree accepted (`a || b || c ...` grows one level per operator).
    @_spi(Engine) public static let maximumTreeDepth = 1024
    /// Most nodes one expression may create for one event.
    @_spi(Engine) public static let maximumNodes = 16384
    /// The stand-in for the heap addresses libtraceevent compares with in a few degenerate
    /// cases (a one-character `'c'` compared as a number, `COMM` compared as a number, a
    /// numeric comparison of a field whose size is not 1, 2, 4 or 8).
    static let opaqueAddress: UInt64 = 0x0000_55AA_0000_0000

    /// One `-F` argument after parsing: the events it selected, in libtraceevent's order,
    /// each with its compiled expression.
    struct Clause: Sendable {
        var text: String
        /// Program index per event ID (`-1`: the clause does not name that event).
        var programIndex: [Int32]
        var programs: [EventFilterProgram]
        /// (event name, description) in the order `trace-cmd report -T` prints them.
        var testLines: [(name: String, text: String)]

        func program(for id: Int) -> EventFilterProgram? {
            guard id >= 0, id < programIndex.count else { return nil }
            let p = Int(programIndex[id])
            return p >= 0 && p < programs.count ? programs[p] : nil
        }
    }

    private var include: [Clause]
    private var exclude: [Clause]
    private let order: ByteOrder
    private let symbols: (any SymbolResolver & Sendable)?
    private let kernelStackID: Int
    private let userStackID: Int
    /// Per CPU: whether the last record that reached the `-v` stage was kept (trace-cmd keeps
    /// `ftrace/kernel_stack` and `user_stack` records that follow a kept record).
    private var lastKept: [Bool] = []

    /// Parses and compiles filters.
    ///
    /// - Parameters:
    ///   - filters: the `-F` arguments given before `-v`, in command-line order.
    ///   - excluding: the `-F` arguments given after `-v`.
    ///   - events: every event format of the trace (the names are matched against these).
    ///   - byteOrder: the byte order of the records.
    ///   - symbols: kernel symbols, used when a pointer or `long` field is compared with a
    ///     string (libtraceevent compares the name of the function containing the value).
    /// - Throws: ``EventFilterError`` for the first filter that does not parse (the reference
    ///   then prints ``EventFilterError/reportMessage`` and exits with status 255).
    @_spi(Engine) public init(filters: [String], excluding: [String] = [], events: [EventFormat],
                byteOrder: ByteOrder, symbols: (any SymbolResolver & Sendable)? = nil) throws(EventFilterError) {
        let sorted = events.sorted { $0.id < $1.id }
        var inc: [Clause] = []
        var exc: [Clause] = []
        for f in filters { inc.append(try Self.makeClause(f, events: sorted)) }
        for f in excluding { exc.append(try Self.makeClause(f, events: sorted)) }
        include = inc
        exclude = exc
        order = byteOrder
        self.symbols = symbols
        kernelStackID = sorted.first { $0.system == "ftrace" && $0.name == "kernel_stack" }?.id ?? -1
        userStackID = sorted.first { $0.system == "ftrace" && $0.name == "user_stack" }?.id ?? 0
    }

    /// Whether no filter was given (every record is kept).
    @_spi(Engine) public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    /// What `trace-cmd report -T -F ...` prints: for each filter, one
    /// ` '<event>: <filter>'` line per selected event, the filter written back as
    /// libtraceevent does after simplification (`(a == 1) && (b != 2)`, `TRUE`, `FALSE`).
    @_spi(Engine) public var testModeLines: [String] {
        (include + exclude).flatMap { c in c.testLines.map { " '\($0.name): \($0.text)'" } }
    }

    /// The simplified filter text of every filter that names `eventID`, as
    /// `tep_filter_make_string` writes it; empty when no filter names the event.
    @_spi(Engine) public func descriptions(eventID: Int) -> [String] {
        (include + exclude).compactMap { $0.program(for: eventID)?.text }
    }

    /// Whether the record passes the filters: some `filters` entry matches it (or there are
    /// none) and no `excluding` entry matches it. Stateless; see ``accept(eventID:payload:cpu:comm:)``
    /// for trace-cmd's rule on stack-trace records.
    ///
    /// - Parameters:
    ///   - eventID: the record's `common_type`.
    ///   - payload: the record's event data, starting at `common_type`.
    ///   - cpu: the CPU the record was read from.
    ///   - comm: the task name of a pid (the saved cmdlines); called only by `COMM`
    ///     comparisons. pid 0 is always `<idle>`, an unknown pid `<...>`.
    @_spi(Engine) public func matches(eventID: Int, payload: RawSpan, cpu: Int,
                        comm: (Int32) -> String?) -> Bool {
        if !include.isEmpty, !anyMatch(include, eventID, payload, cpu, comm) { return false }
        return !anyMatch(exclude, eventID, payload, cpu, comm)
    }

    /// Whether `trace-cmd report` prints the record, in record order: like
    /// ``matches(eventID:payload:cpu:comm:)``, except that an `ftrace/kernel_stack` or
    /// `ftrace/user_stack` record that no filter selects is kept when the last record of its CPU
    /// that got past the `filters` stage was kept (its stack follows it).
    @_spi(Engine) public mutating func accept(eventID: Int, payload: RawSpan, cpu: Int,
                                comm: (Int32) -> String?) -> Bool {
        if !include.isEmpty, !anyMatch(include, eventID, payload, cpu, comm) {
            let isStack = (kernelStackID >= 0 && eventID == kernelStackID)
                || (userStackID >= 0 && eventID == userStackID)
            guard isStack, cpu >= 0, cpu < lastKept.count, lastKept[cpu] else { return false }
        }
        let excluded = anyMatch(exclude, eventID, payload, cpu, comm)
        if cpu >= 0 && cpu < 4096 {
            if cpu >= lastKept.count { lastKept.append(contentsOf: repeatElement(false, count: cpu + 1 - lastKept.count)) }
            lastKept[cpu] = !excluded
        }
        return !excluded
    }

    private func anyMatch(_ clauses: [Clause], _ id: Int, _ payload: RawSpan, _ cpu: Int,
                          _ comm: (Int32) -> String?) -> Bool {
        for c in clauses {
            guard let p = c.program(for: id) else { continue }
            if p.evaluate(payload: payload, cpu: cpu, order: order, symbols: symbols, comm: comm) { return true }
        }
        return false
    }

    // MARK: building

    private static func makeClause(_ filter: String, events: [EventFormat]) throws(EventFilterError) -> Clause {
        var bytes = Array(filter.utf8)
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        func fail(_ kind: EventFilterError.Kind, _ message: String, _ offset: Int? = nil,
                  _ event: String? = nil) -> EventFilterError {
            EventFilterError(kind: kind, filter: filter, message: message, offset: offset, event: event)
        }

        // The event list: up to the first ':', split at ','.
        let colon = bytes.firstIndex(of: UInt8(ascii: ":"))
        var selected: [EventFormat] = []
        var start: Int? = 0
        while let s = start {
            let comma = bytes[s...].firstIndex(of: UInt8(ascii: ","))
            let end: Int
            if let comma, colon.map({ comma < $0 }) ?? true {
                end = comma
            } else if let colon {
                end = colon
            } else {
                end = bytes.count
            }
            guard end >= s else {
                // The reference computes a negative length here and fails or crashes.
                throw fail(.commaInExpression, "',' after ':'", s)
            }
            start = comma.map { $0 + 1 }
            let parts = bytes[s..<end].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            guard let first = parts.first else {
                throw fail(.emptyEventName, "no filter found", s)
            }
            let system = trimmed(first)
            let name = parts.count > 1 ? trimmed(parts[1]) : nil
            let (eventPattern, systemPattern) = name.map { ($0, Optional(system)) } ?? (system, nil)
            guard let eventRegex = EventFilterRegex("^" + eventPattern + "$") else {
                throw fail(.invalidEventName, "invalid event name", s)
            }
            var systemRegex: EventFilterRegex?
            if let systemPattern {
                guard let r = EventFilterRegex("^" + systemPattern + "$") else {
                    throw fail(.invalidEventName, "invalid event name", s)
                }
                systemRegex = r
            }
            // The reference prepends each match to its list.
            var found = false
            for e in events {
                let hit: Bool
                if let systemRegex {
                    hit = systemRegex.matches(e.system) && eventRegex.matches(e.name)
                } else {
                    hit = eventRegex.matches(e.system) || eventRegex.matches(e.name)
                }
                if hit {
                    found = true
                    selected.insert(e, at: 0)
                }
            }
            guard found else { throw fail(.eventNotFound, "no event found", s) }
        }

        // The expression, parsed for each selected event.
        var expression: [EventFilterToken]?
        var expressionStart = 0
        if let colon {
            expressionStart = colon + 1
            expression = EventFilterLexer.tokenize(Array(bytes[(colon + 1)...]))
        }
        var programs: [EventFilterProgram] = []
        // `common_type` is 16 bits wide: no record can carry a larger ID.
        let indexCount = min(max((events.last?.id ?? -1) + 1, 0), 65536)
        var index: [Int32] = Array(repeating: -1, count: indexCount)
        var lines: [(name: String, text: String)] = []
        var lastError: EventFilterError?
        for e in selected {
            let program: EventFilterProgram
            if let expression {
                var parser = EventFilterParser(tokens: expression, event: e,
                                               inputLength: bytes.count - expressionStart)
                do {
                    let (nodes, root) = try parser.parse()
                    program = try EventFilterProgram(nodes: nodes, root: root, event: e)
                } catch {
                    lastError = fail(error.kind, error.message, error.offset.map { $0 + expressionStart },
                                     "\(e.system)/\(e.name)")
                    continue
                }
            } else {
                program = EventFilterProgram(constant: true)
            }
            lines.append((e.name, program.text))
            guard e.id >= 0, e.id < index.count else { continue }
            if index[e.id] >= 0 {
                programs[Int(index[e.id])] = program
            } else {
                index[e.id] = Int32(programs.count)
                programs.append(program)
            }
        }
        // Like the reference, one event failing fails the whole filter (it reports the last).
        if let lastError { throw lastError }
        return Clause(text: filter, programIndex: index, programs: programs, testLines: lines)
    }

    private static func trimmed(_ s: ArraySlice<UInt8>) -> String {
        var lo = s.startIndex
        var hi = s.endIndex
        while lo < hi, EventFilterLexer.isSpace(s[lo]) { lo += 1 }
        while hi > lo, EventFilterLexer.isSpace(s[hi - 1]) { hi -= 1 }
        return String(decoding: s[lo..<hi], as: UTF8.self)
    }
}
