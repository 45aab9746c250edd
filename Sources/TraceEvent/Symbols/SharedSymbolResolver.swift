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

    private static let cacheSize = 1024
    /// Per cache slot: the address it holds (0: empty), the symbol's start and the count of
    /// its name's bytes in ``nameBytes`` (-1: no symbol, -2: a longer name, read from
    /// ``values``).
    private struct Slot {
        var key: UInt64 = 0
        var start: UInt64 = 0
        var nameCount: Int32 = -1
    }
    private let slots: UncheckedArray<Slot>
    private let values: UncheckedArray<(name: String, start: UInt64, size: UInt64?)?>
    /// Per slot, up to ``nameCapacity`` bytes of the name.
    private static let nameCapacity = 56
    private let nameBytes: UncheckedArray<UInt8>

    /// Boxes `base`.
    @_spi(Engine) public init(_ base: any SymbolResolver) {
        self.base = base
        slots = UncheckedArray(repeating: Slot(), count: Self.cacheSize)
        values = UncheckedArray(repeating: nil, count: Self.cacheSize)
        nameBytes = UncheckedArray(repeating: 0, count: Self.cacheSize * Self.nameCapacity)
    }

    /// A resolver for another thread: the same table, its own cache.
    @_spi(Engine) public convenience init(sharing other: SharedSymbolResolver) {
        self.init(other.base)
    }

    @inline(__always)
    private static func slot(_ address: UInt64) -> Int {
        Int(truncatingIfNeeded: (address >> 2 ^ address >> 13) & UInt64(cacheSize - 1))
    }

    /// Looks `address` up and caches the answer in `slot` (address 0 is never cached: key 0
    /// marks an empty slot).
    private func fill(_ slot: Int, _ address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        let r = base.symbol(containing: address)
        guard address != 0 else { return r }
        values.set(slot, r)
        var entry = Slot(key: address, start: 0, nameCount: -1)
        if let r {
            entry.start = r.start
            let name = r.name.utf8
            if name.count <= Self.nameCapacity {
                nameBytes.store(name, at: slot * Self.nameCapacity)
                entry.nameCount = Int32(name.count)
            } else {
                entry.nameCount = -2
            }
        }
        slots.set(slot, entry)
        return r
    }

    @_spi(Engine) public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        let slot = Self.slot(address)
        if address != 0 && slots[slot].key == address { return values[slot] }
        return fill(slot, address)
    }

    /// Appends the name from the cache's bytes, without a `String`.
    @_spi(Engine) public func appendName(containing address: UInt64, into out: inout TextBuffer) -> UInt64? {
        let slot = Self.slot(address)
        var entry = slots[slot]
        if address == 0 || entry.key != address {
            guard let r = fill(slot, address) else { return nil }
            if address == 0 {
                out.append(r.name)
                return r.start
            }
            entry = slots[slot]
        }
        let n = Int(entry.nameCount)
        if n >= 0 {
            let at = slot * Self.nameCapacity
            nameBytes.append(at..<(at + n), to: &out)
            return entry.start
        }
        guard n == -2, let r = values[slot] else { return nil }
        out.append(r.name)
        return r.start
    }

    @_spi(Engine) public func symbol(at address: UInt64) -> String? { base.symbol(at: address) }
}
