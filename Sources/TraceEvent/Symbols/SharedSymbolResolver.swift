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
    private let cacheKeys: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private var cacheValues: [(name: String, start: UInt64, size: UInt64?)?]
    /// Per cache slot: the name's bytes (up to ``nameCapacity``), their count (-1: no symbol,
    /// -2: a longer name, read from ``cacheValues``) and the symbol's start.
    private static let nameCapacity = 56
    private let nameBytes: UnsafeMutablePointer<UInt8>
    private let nameCounts: UnsafeMutablePointer<Int32>
    private let starts: UnsafeMutablePointer<UInt64>

    /// Boxes `base`.
    @_spi(Engine) public init(_ base: any SymbolResolver) {
        self.base = base
        cacheKeys = .allocate(capacity: Self.cacheSize)
        cacheKeys.initialize(repeating: 0, count: Self.cacheSize)
        cacheValues = Array(repeating: nil, count: Self.cacheSize)
        nameBytes = .allocate(capacity: Self.cacheSize * Self.nameCapacity)
        nameBytes.initialize(repeating: 0, count: Self.cacheSize * Self.nameCapacity)
        nameCounts = .allocate(capacity: Self.cacheSize)
        nameCounts.initialize(repeating: -1, count: Self.cacheSize)
        starts = .allocate(capacity: Self.cacheSize)
        starts.initialize(repeating: 0, count: Self.cacheSize)
    }

    /// A resolver for another thread: the same table, its own cache.
    @_spi(Engine) public convenience init(sharing other: SharedSymbolResolver) {
        self.init(other.base)
    }

    deinit {
        cacheKeys.deallocate()
        nameBytes.deallocate()
        nameCounts.deallocate()
        starts.deallocate()
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
        cacheKeys[slot] = address
        cacheValues[slot] = r
        if let r {
            starts[slot] = r.start
            var name = r.name
            let count = name.withUTF8 { u -> Int32 in
                guard u.count <= Self.nameCapacity, let src = u.baseAddress else { return -2 }
                (nameBytes + slot * Self.nameCapacity).update(from: src, count: u.count)
                return Int32(u.count)
            }
            nameCounts[slot] = count
        } else {
            nameCounts[slot] = -1
        }
        return r
    }

    @_spi(Engine) public func symbol(containing address: UInt64) -> (name: String, start: UInt64, size: UInt64?)? {
        let slot = Self.slot(address)
        if address != 0 && cacheKeys[slot] == address { return cacheValues[slot] }
        return fill(slot, address)
    }

    /// Appends the name from the cache's bytes, without a `String`.
    @_spi(Engine) public func appendName(containing address: UInt64, into out: inout TextBuffer) -> UInt64? {
        let slot = Self.slot(address)
        if address == 0 || cacheKeys[slot] != address {
            guard let r = fill(slot, address) else { return nil }
            if address == 0 {
                out.append(r.name)
                return r.start
            }
        }
        let n = Int(nameCounts[slot])
        if n >= 0 {
            out.append(contentsOf: UnsafeRawBufferPointer(start: nameBytes + slot * Self.nameCapacity, count: n))
            return starts[slot]
        }
        guard n == -2, let r = cacheValues[slot] else { return nil }
        out.append(r.name)
        return r.start
    }

    @_spi(Engine) public func symbol(at address: UInt64) -> String? { base.symbol(at: address) }
}
