/// libtraceevent's `plugin_function` for `ftrace:function` (also `ftrace:func_repeats`,
/// which adds ` (count: N  last_ts: TIME)`): the function name, indented by its call
/// depth as guessed from the parents seen on the same CPU, and ` <-- parent` with the
/// `parent` option.
///
/// Keeps per-CPU state, like the reference (whose state is even process-wide).
final class FunctionPlugin: EventPlugin {
    /// Call chains (or lookahead) carry over from record to record.
    var isStateless: Bool { false }

    private let order: ByteOrder
    private let options: PluginOptions
    private let repeats: Bool
    private let ip, parentIP, count, topDelta, bottomDelta: PluginField
    /// Used when the environment has no ``PluginSession``.
    private let ownSession = PluginSession()

    init(format: EventFormat, byteOrder: ByteOrder, options: PluginOptions, repeats: Bool) {
        order = byteOrder
        self.options = options
        self.repeats = repeats
        ip = PluginField("ip", in: format)
        parentIP = PluginField("parent_ip", in: format)
        count = PluginField("count", in: format)
        topDelta = PluginField("top_delta_ts", in: format)
        bottomDelta = PluginField("bottom_delta_ts", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        let outcome = writeFunction(record, p, &out, environment)
        guard repeats else { return outcome }
        guard let n = count.value(p, order, err: true, &out),
              let top = topDelta.value(p, order, err: true, &out),
              let bottom = bottomDelta.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        out.append(" (count: ")
        PluginText.signed64(n, &out)
        out.append("  last_ts: ")
        let ts = record.timestamp &- ((top << 32) | bottom)
        if let format = environment.formatTimestamp { format(ts, &out) } else { out.appendDecimal(ts) }
        out.append(UInt8(ascii: ")"))
        return .done
    }

    private func writeFunction(_ record: PluginRecord, _ p: RawSpan, _ out: inout TextBuffer,
                               _ environment: PluginEnvironment) -> PluginOutcome {
        guard let function = ip.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        let fsym = environment.symbols?.symbol(containing: function)
        guard let pfunction = parentIP.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        let psym = environment.symbols?.symbol(containing: pfunction)
        var index = 0
        if let psym, options.functionIndent {
            index = Self.indexOf(parent: psym.name, child: fsym?.name, cpu: record.cpu,
                                 environment.session ?? ownSession)
        }
        out.append(repeating: 0x20, count: index * 3)
        if let fsym {
            pluginShowFunction(fsym.name, start: fsym.start, address: function, options, &out)
        } else {
            out.append("0x"); PluginText.hex(function, &out)
        }
        if options.functionParent {
            out.append(" <-- ")
            if let psym {
                pluginShowFunction(psym.name, start: psym.start, address: pfunction, options, &out)
            } else {
                out.append("0x"); PluginText.hex(pfunction, &out)
            }
        }
        return .done
    }

    /// The depth of `parent` in the CPU's chain (then `child` becomes its callee), or 0
    /// after restarting the chain with `parent`, `child`.
    private static func indexOf(parent: String, child: String?, cpu: Int, _ session: PluginSession) -> Int {
        guard cpu >= 0, cpu < 1 << 16 else { return 0 }
        while session.functionStacks.count <= cpu { session.functionStacks.append([]) }
        var i = 0
        while i < session.functionStacks[cpu].count, let name = session.functionStacks[cpu][i] {
            if name == parent {
                setChild(child, at: i + 1, cpu: cpu, session)
                return i
            }
            i += 1
        }
        setChild(parent, at: 0, cpu: cpu, session)
        setChild(child, at: 1, cpu: cpu, session)
        return 0
    }

    private static func setChild(_ name: String?, at pos: Int, cpu: Int, _ session: PluginSession) {
        guard let name else { return }
        while session.functionStacks[cpu].count <= pos { session.functionStacks[cpu].append(nil) }
        session.functionStacks[cpu][pos] = name
    }
}

/// `show_function` of `plugin_function`: the name, plus `+0xoff ` with the offset option.
func pluginShowFunction(_ name: String, start: UInt64, address: UInt64, _ options: PluginOptions,
                        _ out: inout TextBuffer) {
    out.append(name)
    if options.functionOffset {
        out.append("+0x")
        PluginText.hex(UInt64(UInt32(truncatingIfNeeded: address &- start)), &out)
        out.append(UInt8(ascii: " "))
    }
}

/// `plugin_function`'s handler for `ftrace:kernel_stack` (`trace-cmd record -T`):
/// `<stack trace >` and one `=> function (address)` line per entry, each ending in a
/// newline (the report drops the last one).
final class KernelStackPlugin: EventPlugin {
    private let order: ByteOrder
    private let longSize: Int
    private let options: PluginOptions
    private let caller: PluginField

    init(format: EventFormat, byteOrder: ByteOrder, longSize: Int, options: PluginOptions) {
        order = byteOrder
        self.longSize = longSize == 4 ? 4 : 8
        self.options = options
        caller = PluginField(any: "caller", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard var offset = caller.offset else {
            out.append("<CANT FIND FIELD caller>")
            return .done
        }
        out.append("<stack trace >\n")
        while offset < p.count {
            // the reference reads a whole word even past the end; a partial word ends here
            guard let addr = p.loadUnsigned(at: offset, size: longSize, order: order) else { break }
            if (longSize == 8 && addr == UInt64.max) || UInt32(truncatingIfNeeded: addr) == UInt32.max {
                break
            }
            if let sym = environment.symbols?.symbol(containing: addr) {
                out.append("=> ")
                pluginShowFunction(sym.name, start: sym.start, address: addr, options, &out)
                out.append(" (")
                PluginText.hex(addr, &out)
                out.append(")\n")
            } else {
                out.append("=> ")
                PluginText.hex(addr, &out)
                out.append(UInt8(ascii: "\n"))
            }
            offset += longSize
        }
        return .done
    }
}

/// `plugin_function`'s handler for `ftrace:raw_data` (`trace_marker_raw` writes):
/// `# id` in hex, then the buffer's bytes in hex.
final class RawDataPlugin: EventPlugin {
    private let order: ByteOrder
    private let longSize: Int
    private let id, buf: PluginField

    init(format: EventFormat, byteOrder: ByteOrder, longSize: Int) {
        order = byteOrder
        self.longSize = longSize == 4 ? 4 : 8
        id = PluginField("id", in: format)
        buf = PluginField(any: "buf", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard let v = id.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        out.append("# ")
        PluginText.hex(v, &out)
        guard var offset = buf.offset else {
            out.append("<CANT FIND FIELD buf>")
            return .done
        }
        // Steps by the file's long size but prints up to sizeof(long) = 8 bytes per step,
        // as the reference (built for 64-bit) does.
        while offset >= 0, offset < p.count {
            let n = min(8, p.count - offset)
            for i in offset..<(offset + n) {
                out.append(UInt8(ascii: " "))
                PluginText.hex(UInt64(p[i]), minDigits: 2, &out)
            }
            offset += longSize
        }
        return .done
    }
}
