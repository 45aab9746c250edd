@_spi(Engine) import TraceEvent

/// The comms of a bundle's `CompactSched` intern table by their bytes: an open-addressing
/// hash table kept in ``ByteBuffer``s, so that looking a comm up (every compact event) and
/// adding one neither allocates objects nor releases any.
///
/// Keys are compared byte for byte (a comm and the same comm with a NUL after it differ).
final class CommInternTable {
    /// Per slot, 8 bytes: 0 when empty, else the entry's number + 1 and the key's hash << 32.
    private let slots = ByteBuffer(capacity: 64 * 8)
    /// The keys' bytes, one after another.
    private let keys = ByteBuffer(capacity: 1024)
    /// Per entry, 8 bytes: the key's start in ``keys`` and its length << 32.
    private let entries = ByteBuffer(capacity: 512)
    /// Per entry, 8 bytes: its value.
    private let values = ByteBuffer(capacity: 512)
    /// Slots, a power of two, at least twice the entries.
    private var capacity = 64
    private var count = 0

    init() { slots.appendZeros(capacity * 8) }

    /// FNV-1a of `b`.
    @inline(__always)
    private static func hash(_ b: RawSpan) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for i in 0..<b.byteCount { h = (h ^ UInt32(b[i])) &* 16_777_619 }
        return h
    }

    /// The slot of `key` (hash `h`): where it is, or the empty slot where it goes.
    @inline(__always)
    private func slot(of key: RawSpan, hash h: UInt32) -> (slot: Int, entry: Int?) {
        let mask = capacity &- 1
        var i = Int(h) & mask
        while true {
            let s = slots.uint64(at: i &* 8)
            if s == 0 { return (i, nil) }
            if UInt32(truncatingIfNeeded: s >> 32) == h {
                let entry = Int(UInt32(truncatingIfNeeded: s)) &- 1
                let e = entries.uint64(at: entry &* 8)
                let start = Int(UInt32(truncatingIfNeeded: e))
                let length = Int(e >> 32)
                if keys.equals(start..<(start &+ length), key) { return (i, entry) }
            }
            i = (i &+ 1) & mask
        }
    }

    /// The value of `key`, or `nil` when it is not in the table.
    @inline(__always)
    func value(of key: RawSpan) -> UInt32? {
        guard let entry = slot(of: key, hash: Self.hash(key)).entry else { return nil }
        return UInt32(truncatingIfNeeded: values.uint64(at: entry &* 8))
    }

    /// Adds `key` (not in the table) with `value`.
    func insert(_ key: RawSpan, _ value: UInt32) {
        let h = Self.hash(key)
        let s = slot(of: key, hash: h).slot
        entries.appendLE(UInt64(UInt32(truncatingIfNeeded: keys.count)) | UInt64(key.byteCount) << 32)
        values.appendLE(UInt64(value))
        keys.append(key)
        count &+= 1
        slots.setUInt64(UInt64(count) | UInt64(h) << 32, at: s &* 8)
        if count &* 2 > capacity { grow() }
    }

    /// Forgets every entry (keeps the memory).
    func removeAll() {
        slots.removeAll(keepingAtMost: .max)
        slots.appendZeros(capacity * 8)
        keys.removeAll(keepingAtMost: 1 << 16)
        entries.removeAll(keepingAtMost: 1 << 16)
        values.removeAll(keepingAtMost: 1 << 16)
        count = 0
    }

    /// Doubles the slots and places every entry again.
    private func grow() {
        capacity *= 2
        slots.removeAll(keepingAtMost: .max)
        slots.appendZeros(capacity * 8)
        let mask = capacity - 1
        keys.withBytes { all in
            for entry in 0..<count {
                let e = entries.uint64(at: entry * 8)
                let start = Int(UInt32(truncatingIfNeeded: e))
                let h = Self.hash(all.extracting(start..<(start + Int(e >> 32))))
                var i = Int(h) & mask
                while slots.uint64(at: i * 8) != 0 { i = (i + 1) & mask }
                slots.setUInt64(UInt64(entry + 1) | UInt64(h) << 32, at: i * 8)
            }
        }
    }
}
