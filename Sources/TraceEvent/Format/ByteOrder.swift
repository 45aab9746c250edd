/// The byte order of the numbers in a trace file and in its ring-buffer data.
public enum ByteOrder: Sendable, Hashable {
    case little
    case big

    /// The byte order of the machine running this code.
    public static var host: ByteOrder {
        1.littleEndian == 1 ? .little : .big
    }
}

extension UnsafeRawBufferPointer {
    /// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `offset` in `order`.
    ///
    /// Returns `nil` when the bytes are not all inside the buffer or the size is not one of
    /// 1, 2, 4, 8. Never traps.
    @inlinable
    @_spi(Engine) public func loadUnsigned(at offset: Int, size: Int, order: ByteOrder) -> UInt64? {
        guard offset >= 0, size > 0, offset <= count - size, let base = baseAddress else { return nil }
        let p = base + offset
        switch size {
        case 1:
            return UInt64(p.load(as: UInt8.self))
        case 2:
            let v = p.loadUnaligned(as: UInt16.self)
            return UInt64(order == .little ? UInt16(littleEndian: v) : UInt16(bigEndian: v))
        case 4:
            let v = p.loadUnaligned(as: UInt32.self)
            return UInt64(order == .little ? UInt32(littleEndian: v) : UInt32(bigEndian: v))
        case 8:
            let v = p.loadUnaligned(as: UInt64.self)
            return order == .little ? UInt64(littleEndian: v) : UInt64(bigEndian: v)
        default:
            return nil
        }
    }

    /// Reads a signed integer of `size` bytes (1, 2, 4 or 8) at `offset`, sign-extended to 64 bits.
    @inlinable
    @_spi(Engine) public func loadSigned(at offset: Int, size: Int, order: ByteOrder) -> Int64? {
        guard let u = loadUnsigned(at: offset, size: size, order: order) else { return nil }
        switch size {
        case 1: return Int64(Int8(truncatingIfNeeded: u))
        case 2: return Int64(Int16(truncatingIfNeeded: u))
        case 4: return Int64(Int32(truncatingIfNeeded: u))
        default: return Int64(bitPattern: u)
        }
    }
}
