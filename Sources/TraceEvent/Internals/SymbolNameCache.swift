/// The fixed slots of ``SharedSymbolResolver``'s cache, in raw allocations made once: per
/// slot the address it holds (0: empty), the symbol's start, and up to ``nameCapacity``
/// bytes of the symbol's name, copied to the output without a `String` or an array retain.
///
/// Every slot index is masked to the slot count and every name count is checked against
/// ``nameCapacity``, so the safe API never reads or writes outside the allocations. Not
/// `Sendable`: one thread uses it.
@safe
final class SymbolNameCache {
    /// The number of slots (a power of two).
    static let slotCount = 1024
    /// Name bytes kept per slot.
    static let nameCapacity = 56
    /// A slot's name count: no symbol at its address.
    static let noSymbol: Int32 = -1
    /// A slot's name count: the name is longer than ``nameCapacity``.
    static let longName: Int32 = -2

    private let keys: UnsafeMutablePointer<UInt64>
    private let starts: UnsafeMutablePointer<UInt64>
    private let nameCounts: UnsafeMutablePointer<Int32>
    private let nameBytes: UnsafeMutablePointer<UInt8>

    /// Empty slots.
    init() {
        let n = Self.slotCount
        unsafe keys = UnsafeMutablePointer.allocate(capacity: n)
        unsafe keys.initialize(repeating: 0, count: n)
        unsafe starts = UnsafeMutablePointer.allocate(capacity: n)
        unsafe starts.initialize(repeating: 0, count: n)
        unsafe nameCounts = UnsafeMutablePointer.allocate(capacity: n)
        unsafe nameCounts.initialize(repeating: Self.noSymbol, count: n)
        unsafe nameBytes = UnsafeMutablePointer.allocate(capacity: n * Self.nameCapacity)
        unsafe nameBytes.initialize(repeating: 0, count: n * Self.nameCapacity)
    }

    deinit {
        unsafe keys.deallocate()
        unsafe starts.deallocate()
        unsafe nameCounts.deallocate()
        unsafe nameBytes.deallocate()
    }

    /// The slot for `address`.
    @inline(__always)
    static func slot(for address: UInt64) -> Int {
        Int(truncatingIfNeeded: (address >> 2 ^ address >> 13) & UInt64(slotCount - 1))
    }

    /// The address `slot` holds (0: none).
    @inline(__always)
    func key(_ slot: Int) -> UInt64 { unsafe keys[slot & (Self.slotCount - 1)] }

    /// The start of the symbol cached in `slot`.
    @inline(__always)
    func start(_ slot: Int) -> UInt64 { unsafe starts[slot & (Self.slotCount - 1)] }

    /// The name count of `slot`: its byte count, ``noSymbol`` or ``longName``.
    @inline(__always)
    func nameCount(_ slot: Int) -> Int32 { unsafe nameCounts[slot & (Self.slotCount - 1)] }

    /// Caches in `slot` that `address` is in the symbol starting at `start` named `name`
    /// (`nil`: in no symbol).
    func store(_ slot: Int, address: UInt64, start: UInt64, name: String?) {
        let s = slot & (Self.slotCount - 1)
        unsafe keys[s] = address
        unsafe starts[s] = start
        guard let name else {
            unsafe nameCounts[s] = Self.noSymbol
            return
        }
        var text = name
        let count = text.withUTF8 { u -> Int32 in
            guard u.count <= Self.nameCapacity else { return Self.longName }
            if let source = u.baseAddress, u.count > 0 {
                unsafe (nameBytes + s * Self.nameCapacity).update(from: source, count: u.count)
            }
            return Int32(u.count)
        }
        unsafe nameCounts[s] = count
    }

    /// Appends the name bytes of `slot` (when it holds a short name; returns whether it did).
    @inline(__always)
    func appendName(_ slot: Int, to out: inout TextBuffer) -> Bool {
        let s = slot & (Self.slotCount - 1)
        let n = Int(unsafe nameCounts[s])
        guard n >= 0, n <= Self.nameCapacity else { return false }
        unsafe out.append(contentsOf: UnsafeRawBufferPointer(start: nameBytes + s * Self.nameCapacity, count: n))
        return true
    }
}
