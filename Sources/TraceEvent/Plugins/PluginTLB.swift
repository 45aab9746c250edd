/// libtraceevent's `plugin_tlb` for `tlb:tlb_flush`: `pages=N reason=text (N)`; the
/// reason names are the plugin's own (`local mm shootdown`), only reasons 0...3 are named.
final class TLBFlushPlugin: EventPlugin {
    private let order: ByteOrder
    private let pages, reason: PluginField

    init(format: EventFormat, byteOrder: ByteOrder) {
        order = byteOrder
        pages = PluginField("pages", in: format)
        reason = PluginField("reason", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        out.append("pages=")
        if let v = pages.read(p, order) { PluginText.signed64(v, &out) } else { pages.appendCantFind(&out) }
        guard let r = reason.value(p, order, err: true, &out) else { return .appendDefault }
        out.append(" reason=")
        switch r {
        case 0: out.append("flush on task switch")
        case 1: out.append("remote shootdown")
        case 2: out.append("local shootdown")
        case 3: out.append("local mm shootdown")
        default: break
        }
        out.append(" (")
        PluginText.signed64(r, &out)
        out.append(UInt8(ascii: ")"))
        return .done
    }
}
