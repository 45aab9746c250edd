import Dispatch

/// A ``KallsymsTable`` parsed when it is first needed, or in the background from the start:
/// a trace whose events print no kernel symbol never waits for its kallsyms to be parsed.
///
/// Safe to use from several threads: the first use parses (others wait for it); after that
/// each use takes a lock briefly, so put a ``SharedSymbolResolver`` (which caches answers) in
/// front of it on hot paths.
///
/// `@unchecked Sendable`: its two variables are only read or written with `lock` held.
@_spi(Engine) public final class LazyKallsymsTable: SymbolResolver, @unchecked Sendable {
    private let lock = Lock()
    private var text: [UInt8]
    private var parsed: KallsymsTable?

    /// A table of the kallsyms `text`.
    ///
    /// - Parameter background: start parsing now on another thread.
    @_spi(Engine) public init(text: [UInt8], background: Bool = false) {
        self.text = text
        if background {
            DispatchQueue.global().async { [self] in _ = self.table }
        }
    }

    /// An already parsed table.
    @_spi(Engine) public init(_ table: KallsymsTable) {
        text = []
        parsed = table
    }

    /// The parsed table (parsed now if it is not yet).
    @_spi(Engine) public var table: KallsymsTable {
        lock.withLock {
            if let t = parsed { return t }
            let t = KallsymsTable(parsing: text) // keeps the text (its names), no copy
            parsed = t
            text = []
            return t
        }
    }

    @_spi(Engine) public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        table.symbol(containing: address)
    }

    @_spi(Engine) public func symbol(at address: UInt64) -> String? {
        table.symbol(at: address)
    }
}
