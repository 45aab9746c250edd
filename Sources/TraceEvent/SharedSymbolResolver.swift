/// A reference to a ``SymbolResolver``, for holders of `(any SymbolResolver)?` on hot paths.
///
/// A struct resolver such as ``KallsymsTable`` holds several arrays: every copy of an
/// existential that contains it (each `symbols?.symbol(...)` call) retains and releases
/// each of them. Boxed in this class, the existential holds one reference.
public final class SharedSymbolResolver: SymbolResolver, @unchecked Sendable {
    /// The resolver answering lookups.
    public let base: any SymbolResolver

    /// Boxes `base`.
    public init(_ base: any SymbolResolver) { self.base = base }

    public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        base.symbol(containing: address)
    }

    public func symbol(at address: UInt64) -> String? { base.symbol(at: address) }
}
