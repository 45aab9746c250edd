@_spi(Engine) import TraceEvent
/// The decoded value of one field of an event.
///
/// How a field decodes is settled once per event type from its format (see
/// ``EventField/Kind``): numbers by their declared size and sign, `char` arrays (fixed,
/// `__data_loc` or `__rel_loc`) as text up to the first NUL, other byte arrays as bytes,
/// arrays of 2, 4 or 8-byte numbers as arrays, and cpumasks as the set CPU numbers.
public enum FieldValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A signed number (a field declared `signed:1`), sign-extended to 64 bits.
    case signed(Int64)
    /// An unsigned number (including pointers), zero-extended to 64 bits.
    case unsigned(UInt64)
    /// Text: a `char` array or dynamic `char[]` string, up to its first NUL (invalid UTF-8
    /// replaced).
    case string(String)
    /// The bytes of a byte array (`u8[]`, `unsigned char[N]`) or of a field of an unusual size.
    case bytes([UInt8])
    /// The elements of an array of signed numbers.
    case signedArray([Int64])
    /// The elements of an array of unsigned numbers.
    case unsignedArray([UInt64])
    /// A cpumask: the numbers of the CPUs whose bit is set, ascending.
    case cpumask([Int])

    /// The number as a signed value: a ``signed(_:)`` value, or the bit pattern of an
    /// ``unsigned(_:)`` one (so that pointers and `u64` values keep all their bits);
    /// `nil` for other cases.
    public var integer: Int64? {
        switch self {
        case .signed(let v): return v
        case .unsigned(let v): return Int64(bitPattern: v)
        default: return nil
        }
    }

    /// The number as an unsigned value: an ``unsigned(_:)`` value, or the bit pattern of a
    /// ``signed(_:)`` one; `nil` for other cases.
    public var unsignedInteger: UInt64? {
        switch self {
        case .signed(let v): return UInt64(bitPattern: v)
        case .unsigned(let v): return v
        default: return nil
        }
    }

    /// The text of a ``string(_:)`` value; `nil` for other cases.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The bytes of a ``bytes(_:)`` value, or the UTF-8 of a ``string(_:)`` one; `nil` for
    /// other cases.
    public var bytes: [UInt8]? {
        switch self {
        case .bytes(let b): return b
        case .string(let s): return Array(s.utf8)
        default: return nil
        }
    }

    /// The elements of an array value as signed numbers (``signedArray(_:)``, or the bit
    /// patterns of ``unsignedArray(_:)``); `nil` for other cases.
    public var integers: [Int64]? {
        switch self {
        case .signedArray(let a): return a
        case .unsignedArray(let a): return a.map { Int64(bitPattern: $0) }
        default: return nil
        }
    }

    /// The CPU numbers of a ``cpumask(_:)`` value; `nil` for other cases.
    public var cpus: [Int]? {
        if case .cpumask(let c) = self { return c }
        return nil
    }

    /// The value as text: numbers in decimal, strings as they are, bytes and arrays as
    /// `[a, b, ...]` (bytes in hexadecimal), a cpumask as ranges (`0-3,5`).
    public var description: String {
        switch self {
        case .signed(let v): return String(v)
        case .unsigned(let v): return String(v)
        case .string(let s): return s
        case .bytes(let b):
            return "[" + b.map { b in (b < 16 ? "0x0" : "0x") + String(b, radix: 16) }.joined(separator: ", ") + "]"
        case .signedArray(let a): return "[" + a.map(String.init).joined(separator: ", ") + "]"
        case .unsignedArray(let a): return "[" + a.map(String.init).joined(separator: ", ") + "]"
        case .cpumask(let cpus):
            var parts: [String] = []
            var i = 0
            while i < cpus.count {
                var j = i
                while j + 1 < cpus.count, cpus[j + 1] == cpus[j] + 1 { j += 1 }
                parts.append(j > i ? "\(cpus[i])-\(cpus[j])" : "\(cpus[i])")
                i = j + 1
            }
            return parts.joined(separator: ",")
        }
    }
}
