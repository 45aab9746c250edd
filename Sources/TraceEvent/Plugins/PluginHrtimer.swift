/// libtraceevent's `plugin_hrtimer` for `timer:hrtimer_start` and
/// `timer:hrtimer_expire_entry`:
/// `hrtimer=0x... function=name/0x0 expires=N softexpires=N` and
/// `hrtimer=0x... now=N function=name/0x0`.
final class HrtimerPlugin: EventPlugin {
    enum Kind { case start, expireEntry }
    private let kind: Kind
    private let order: ByteOrder
    private let timer, hrtimer, function, expires, softexpires, now: PluginField

    init(_ kind: Kind, format: EventFormat, byteOrder: ByteOrder) {
        self.kind = kind
        order = byteOrder
        timer = PluginField("timer", in: format)
        hrtimer = PluginField("hrtimer", in: format)
        function = PluginField("function", in: format)
        expires = PluginField("expires", in: format)
        softexpires = PluginField("softexpires", in: format)
        now = PluginField("now", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        out.append("hrtimer=")
        if let v = timer.read(p, order) {
            out.append("0x"); PluginText.hex(v, &out)
        } else if let v = hrtimer.read(p, order) {
            out.append("0x"); PluginText.hex(v, &out)
        } else {
            hrtimer.appendCantFind(&out)
        }
        switch kind {
        case .expireEntry:
            out.append(" now=")
            number(now, p, &out)
            functionField(p, environment, &out)
        case .start:
            functionField(p, environment, &out)
            out.append(" expires=")
            number(expires, p, &out)
            out.append(" softexpires=")
            number(softexpires, p, &out)
        }
        return .done
    }

    /// `tep_print_num_field(s, "%llu", ..., err = 1)`.
    private func number(_ f: PluginField, _ p: RawSpan, _ out: inout TextBuffer) {
        if let v = f.read(p, order) { out.appendDecimal(v) } else { f.appendCantFind(&out) }
    }

    /// `tep_print_func_field(s, " function=%s", ..., err = 0)`.
    private func functionField(_ p: RawSpan, _ environment: PluginEnvironment,
                               _ out: inout TextBuffer) {
        guard let v = function.read(p, order) else { return }
        out.append(" function=")
        PluginText.funcField(v, symbols: environment.symbols, &out)
    }
}
