/// trace-cmd's built-in handlers for `ftrace:funcgraph_entry` and `ftrace:funcgraph_exit`
/// (function_graph tracer):
/// `  0.123 us   |    leaf();`, `           |    nested() {` and `  1.234 us   |  }`.
///
/// An entry whose next record (``PluginRecord/lookahead``) is the matching return of the
/// same task and function prints as a leaf call and consumes that record.
final class FunctionGraphPlugin: EventPlugin {
    /// Call chains (or lookahead) carry over from record to record.
    var isStateless: Bool { false }

    private let order: ByteOrder
    private let options: PluginOptions
    private let isEntry: Bool
    /// The funcgraph_exit event's id, or `nil` when the file has no such event.
    private let exitID: UInt64?
    private let commonPid, funcField, depth: PluginField
    private let exitType, exitPid, exitFunc, rettime, calltime: PluginField

    /// `entry` is the funcgraph_entry format when binding the entry event (`nil` binds the
    /// exit event); `exit` is the file's funcgraph_exit format.
    init(entry: EventFormat?, exit: EventFormat?, byteOrder: ByteOrder, options: PluginOptions) {
        order = byteOrder
        self.options = options
        isEntry = entry != nil
        let own = entry ?? exit ?? EventFormat(name: "", system: "", id: 0, commonFields: [], fields: [],
                                              printFormatText: "")
        let ret = exit ?? EventFormat(name: "", system: "", id: 0, commonFields: [], fields: [],
                                      printFormatText: "")
        exitID = exit.map { UInt64($0.id) }
        commonPid = PluginField(common: "common_pid", in: own)
        funcField = PluginField("func", in: own)
        depth = PluginField("depth", in: own)
        exitType = PluginField(common: "common_type", in: ret)
        exitPid = PluginField(common: "common_pid", in: ret)
        exitFunc = PluginField("func", in: ret)
        rettime = PluginField("rettime", in: ret)
        calltime = PluginField("calltime", in: ret)
    }

    var needsLookahead: Bool { isEntry }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard exitID != nil else { return .appendDefault }
        return isEntry ? writeEntry(record, p, lookahead, &out, environment) : writeExit(record, p, &out, environment)
    }

    private func writeEntry(_ record: PluginRecord, _ p: RawSpan, _ lookahead: RawSpan?, _ out: inout TextBuffer,
                            _ environment: PluginEnvironment) -> PluginOutcome {
        guard let pid = commonPid.value(p, order, err: true, &out),
              let function = funcField.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        if let next = lookahead, isReturn(next, pid: pid, function: function, &out) {
            writeLeaf(p, next, function, &out, environment)
            return .doneConsumingLookahead
        }
        // nested: no overhead mark, no time
        out.append("  ")
        out.append("           |  ")
        guard let d = depth.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .done
        }
        indent(d, &out)
        writeName(function, environment, &out)
        out.append("() {")
        if options.graphDepth { out.append(" ("); PluginText.signed64(d, &out); out.append(UInt8(ascii: ")")) }
        return .done
    }

    /// Whether `next` is the funcgraph_exit of the same task and function.
    private func isReturn(_ next: RawSpan, pid: UInt64, function: UInt64,
                          _ out: inout TextBuffer) -> Bool {
        guard let type = exitType.value(next, order, err: true, &out), type == exitID,
              let nextPid = exitPid.value(next, order, err: true, &out),
              UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: pid))) == nextPid,
              let nextFunc = exitFunc.value(next, order, err: true, &out),
              nextFunc == function else { return false }
        return true
    }

    private func writeLeaf(_ p: RawSpan, _ ret: RawSpan, _ function: UInt64,
                           _ out: inout TextBuffer, _ environment: PluginEnvironment) {
        guard let r = rettime.value(ret, order, err: true, &out),
              let c = calltime.value(ret, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return
        }
        let duration = r &- c
        Self.overhead(duration, &out)
        Self.duration(duration, &out)
        guard let d = depth.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return
        }
        indent(d, &out)
        writeName(function, environment, &out)
        out.append("();")
        if options.graphDepth { out.append(" ("); PluginText.signed64(d, &out); out.append(UInt8(ascii: ")")) }
    }

    private func writeExit(_ record: PluginRecord, _ p: RawSpan, _ out: inout TextBuffer,
                           _ environment: PluginEnvironment) -> PluginOutcome {
        guard let r = rettime.value(p, order, err: true, &out),
              let c = calltime.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        let duration = r &- c
        Self.overhead(duration, &out)
        Self.duration(duration, &out)
        guard let d = depth.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        indent(d, &out)
        out.append(UInt8(ascii: "}"))
        if options.graphTailPrint {
            guard let f = funcField.read(p, order),
                  let sym = environment.symbols?.symbol(containing: f) else { return .done }
            out.append(" /* ")
            out.append(sym.name)
            out.append(" */")
        }
        if options.graphDepth { out.append(" ("); PluginText.signed64(d, &out); out.append(UInt8(ascii: ")")) }
        return .done
    }

    /// `depth * 2` spaces (the reference's `(int)` loop bound; capped at 4096 here).
    private func indent(_ depth: UInt64, _ out: inout TextBuffer) {
        let n = Int32(truncatingIfNeeded: depth &* 2)
        if n > 0 { out.append(repeating: 0x20, count: min(Int(n), 4096)) }
    }

    private func writeName(_ function: UInt64, _ environment: PluginEnvironment, _ out: inout TextBuffer) {
        if let sym = environment.symbols?.symbol(containing: function) {
            out.append(sym.name)
        } else {
            PluginText.hex(function, &out)
        }
    }

    /// The overhead mark: `$ ` over 1 s, `# ` over 1 ms, `! ` over 100 us, `+ ` over 10 us.
    static func overhead(_ duration: UInt64, _ out: inout TextBuffer) {
        if duration > 1_000_000_000 { out.append("$ ") }
        else if duration > 1_000_000 { out.append("# ") }
        else if duration > 100_000 { out.append("! ") }
        else if duration > 10_000 { out.append("+ ") }
        else { out.append("  ") }
    }

    /// `usecs.nnn us ` padded to the column, then `|  ` (the fraction only while the
    /// microseconds have fewer than 7 digits).
    static func duration(_ duration: UInt64, _ out: inout TextBuffer) {
        let start = out.count
        out.appendDecimal(duration / 1000)
        if out.count - start < 7 {
            out.append(UInt8(ascii: "."))
            PluginText.unsigned(duration % 1000, minDigits: 3, &out)
        }
        let len = out.count - start
        out.append(" us ")
        if len < 7 { out.append(repeating: 0x20, count: 7 - len) }
        out.append("|  ")
    }
}
