@_spi(Engine) import TraceEvent

/// Builds small binary blocks (headers, options, metadata sections) in a file's byte order.
struct ByteEncoder {
    var bytes: [UInt8] = []
    let order: ByteOrder

    init(order: ByteOrder) { self.order = order }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func int(_ v: UInt64, size: Int) {
        for i in 0..<size {
            let shift = order == .little ? i * 8 : (size - 1 - i) * 8
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    mutating func u16(_ v: UInt16) { int(UInt64(v), size: 2) }
    mutating func u32(_ v: UInt32) { int(UInt64(v), size: 4) }
    mutating func u32(_ v: Int) { int(UInt64(truncatingIfNeeded: v), size: 4) }
    mutating func u64(_ v: UInt64) { int(v, size: 8) }
    mutating func u64(_ v: Int) { int(UInt64(truncatingIfNeeded: v), size: 8) }

    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func raw(_ s: String) { bytes += Array(s.utf8) }

    /// The text and a terminating NUL.
    mutating func cString(_ s: String) {
        bytes += Array(s.utf8)
        bytes.append(0)
    }

    /// A `size`-byte field holding `s`, NUL-padded (`"flyrecord\0"`, `"options  \0"`).
    mutating func fixed(_ s: String, size: Int) {
        var b = Array(s.utf8.prefix(size))
        while b.count < size { b.append(0) }
        bytes += b
    }

    static func encode(_ order: ByteOrder, _ body: (inout ByteEncoder) -> Void) -> [UInt8] {
        var e = ByteEncoder(order: order)
        body(&e)
        return e.bytes
    }
}
