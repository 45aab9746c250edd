/// A reference to a ``SymbolResolver``, for holders of `(any SymbolResolver)?` on hot paths.
///
/// A struct resolver such as ``KallsymsTable`` holds several arrays: every copy of an
/// existential that contains it (each `symbols?.symbol(...)` call) retains and releases
/// each of them. Boxed in this class, the existential holds one reference.
///
/// It also remembers recent ``symbol(containing:)`` answers (the same few call sites and
/// functions recur in every trace), so it is **not** safe to use from several threads at
/// once: give each thread its own (``init(sharing:)``).
public final class SharedSymbolResolver: SymbolResolver, @unchecked Sendable {
    /// The resolver answering lookups.
    public let base: any SymbolResolver

    private static let cacheSize = 1024
    private let cacheKeys: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private var cacheValues: [(name: String, start: UInt64, size: UInt64?)?]

    /// Boxes `base`.
    public init(_ base: any SymbolResolver) {
        self.base = base
        cacheKeys = .allocate(capacity: Self.cacheSize)
        cacheKeys.initialize(repeating: 0, count: Self.cacheSize)
        cacheValues = Array(repeating: nil, count: Self.cacheSize)
    }

    /// A resolver for another thread: the same table, its own cache.
    public convenience init(sharing other: SharedSymbolResolver) {
        self.init(other.base)
    }

    deinit { cacheKeys.deallocate() }

    public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        let slot = Int(truncatingIfNeeded: (address >> 2 ^ address >> 13) & UInt64(Self.cacheSize - 1))
        // Key 0 marks an empty slot; address 0 is never cached.
        if address != 0 && cacheKeys[slot] == address { return cacheValues[slot] }
        let r = base.symbol(containing: address)
        if address != 0 {
            cacheKeys[slot] = address
            cacheValues[slot] = r
        }
        return r
    }

    public func symbol(at address: UInt64) -> String? { base.symbol(at: address) }
}
