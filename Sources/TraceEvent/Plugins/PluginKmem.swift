/// libtraceevent's `plugin_kmem` for `kmem:kfree`, `kmalloc`, `kmalloc_node`,
/// `kmem_cache_alloc`, `kmem_cache_alloc_node` and `kmem_cache_free`: prefixes the
/// default text with `(function+0xoff) ` of `call_site`, when a symbol covers it.
final class KmemCallSitePlugin: EventPlugin {
    private let order: ByteOrder
    private let callSite: PluginField

    init(format: EventFormat, byteOrder: ByteOrder) {
        order = byteOrder
        callSite = PluginField("call_site", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard let v = callSite.read(p, order), let symbols = environment.symbols else { return .appendDefault }
        out.append(UInt8(ascii: "("))
        guard let start = symbols.appendName(containing: v, into: &out) else {
            out.removeLast()
            return .appendDefault
        }
        out.append("+0x")
        // `%x` of `(int)(value - start)`
        PluginText.hex(UInt64(UInt32(truncatingIfNeeded: v &- start)), &out)
        out.append(") ")
        return .appendDefault
    }
}
