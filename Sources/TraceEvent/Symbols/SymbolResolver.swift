/// Something that turns a kernel address into a symbol, such as a kallsyms table.
///
/// Not necessarily `Sendable`: a resolver may cache answers for one thread
/// (`SharedSymbolResolver`); the tables themselves (``KallsymsTable``,
/// `LazyKallsymsTable`) are `Sendable`.
public protocol SymbolResolver {
    /// The symbol containing `address`: its name, start address and, when known, its size
    /// (distance to the next symbol). `nil` when no symbol covers the address.
    func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)?
    /// The symbol starting exactly at `address`, if any.
    func symbol(at address: UInt64) -> String?
    /// Appends the name of the symbol containing `address` to `out` and returns the symbol's
    /// start address; appends nothing and returns `nil` when no symbol covers the address.
    /// (A default implementation goes through ``symbol(containing:)``.)
    @_spi(Engine) func appendName(containing address: UInt64, into out: inout TextBuffer) -> UInt64?
}

extension SymbolResolver {
    /// Appends the name through ``symbol(containing:)``.
    @_spi(Engine) public func appendName(containing address: UInt64, into out: inout TextBuffer) -> UInt64? {
        guard let sym = symbol(containing: address) else { return nil }
        out.append(sym.name)
        return sym.start
    }
}
