/// Something that turns a kernel address into a symbol, such as a kallsyms table.
public protocol SymbolResolver: Sendable {
    /// The symbol containing `address`: its name, start address and, when known, its size
    /// (distance to the next symbol). `nil` when no symbol covers the address.
    func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)?
    /// The symbol starting exactly at `address`, if any.
    func symbol(at address: UInt64) -> String?
}
