/// A reference to a ``SymbolResolver``, for holders of `(any SymbolResolver)?` on hot paths.
///
/// A struct resolver such as ``KallsymsTable`` holds several arrays: every copy of an
/// existential that contains it (each `symbols?.symbol(...)` call) retains and releases
/// each of them. Boxed in this class, the existential holds one reference.
///
/// It also remembers recent ``symbol(containing:)`` answers (the same few call sites and
/// functions recur in every trace), so it is **not** safe to use from several threads at
/// once, and not `Sendable`: give each thread its own (``init(sharing:)``).
@_spi(Engine) public final class SharedSymbolResolver: SymbolResolver {
    /// The resolver answering lookups.
    @_spi(Engine) public let base: any SymbolResolver

    /// Per slot: the address, the symbol's start and the first bytes of its name.
    private let cache = SymbolNameCache()
    /// Per slot: the whole answer (read for names longer than the cache keeps).
    private let values = UncheckedArray<(name: String, start: UInt64, size: UInt64?)?>(
        repeating: nil, count: SymbolNameCache.slotCount)

    /// Boxes `base`.
    @_spi(Engine) public init(_ base: any SymbolResolver) {
        self.base = base
    }

    /// A resolver for another thread: the same table, its own cache.
    @_spi(Engine) public convenience init(sharing other: SharedSymbolResolver) {
        self.init(other.base)
    }

    /// Looks `address` up and caches the answer in `slot` (address 0 is never cached: key 0
    /// marks an empty slot).
    private func fill(_ slot: Int, _ address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        let r = base.symbol(containing: address)
        guard address != 0 else { return r }
        values.set(slot, r)
        cache.store(slot, address: address, start: r?.start ?? 0, name: r?.name)
        return r
    }

    @_spi(Engine) public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        let slot = SymbolNameCache.slot(for: address)
        if address != 0 && cache.key(slot) == address { return values[slot] }
        return fill(slot, address)
    }

    /// Appends the name from the cache's bytes, without a `String`.
    @_spi(Engine) public func appendName(containing address: UInt64, into out: inout TextBuffer) -> UInt64? {
        let slot = SymbolNameCache.slot(for: address)
        if address == 0 || cache.key(slot) != address {
            guard let r = fill(slot, address) else { return nil }
            if address == 0 {
                out.append(r.name)
                return r.start
            }
        }
        if cache.appendName(slot, to: &out) { return cache.start(slot) }
        guard cache.nameCount(slot) == SymbolNameCache.longName, let r = values[slot] else { return nil }
        out.append(r.name)
        return r.start
    }

    @_spi(Engine) public func symbol(at address: UInt64) -> String? { base.symbol(at: address) }
}
