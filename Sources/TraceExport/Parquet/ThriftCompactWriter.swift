/// Writes Thrift structures in the compact protocol (the encoding of Parquet's footer and
/// page headers): field headers as deltas from the previous field id, integers as zigzag
/// varints, binaries with a varint length, lists with a size-and-type header.
struct ThriftCompactWriter {
    /// Compact-protocol type codes.
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
        case binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    let out: ByteBuffer
    private var lastField: [Int16] = [0]

    init(_ out: ByteBuffer) { self.out = out }

    private mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let last = lastField[lastField.count - 1]
        let delta = Int(id) - Int(last)
        if delta > 0 && delta <= 15 {
            out.append(UInt8(delta << 4) | type.rawValue)
        } else {
            out.append(type.rawValue)
            out.appendVarint(Self.zigzag(Int64(id)))
        }
        lastField[lastField.count - 1] = id
    }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    mutating func i32(_ id: Int16, _ v: Int32) {
        fieldHeader(id, .i32)
        out.appendVarint(Self.zigzag(Int64(v)))
    }

    mutating func i64(_ id: Int16, _ v: Int64) {
        fieldHeader(id, .i64)
        out.appendVarint(Self.zigzag(v))
    }

    mutating func i8(_ id: Int16, _ v: Int8) {
        fieldHeader(id, .byte)
        out.append(UInt8(bitPattern: v))
    }

    mutating func bool(_ id: Int16, _ v: Bool) {
        fieldHeader(id, v ? .boolTrue : .boolFalse)
    }

    mutating func binary(_ id: Int16, _ bytes: [UInt8]) {
        fieldHeader(id, .binary)
        out.appendVarint(UInt64(bytes.count))
        out.append(contentsOf: bytes)
    }

    mutating func string(_ id: Int16, _ s: String) { binary(id, Array(s.utf8)) }

    /// A struct field: `body` writes its fields.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .structure)
        structBody(body)
    }

    /// The fields of a struct and its stop byte (the top-level struct, list elements).
    mutating func structBody(_ body: (inout ThriftCompactWriter) -> Void) {
        lastField.append(0)
        body(&self)
        out.append(0)
        lastField.removeLast()
    }

    private func listHeader(_ count: Int, _ type: FieldType) {
        if count < 15 {
            out.append(UInt8(count << 4) | type.rawValue)
        } else {
            out.append(0xF0 | type.rawValue)
            out.appendVarint(UInt64(count))
        }
    }

    /// A list of structs.
    mutating func structList<T>(_ id: Int16, _ items: [T], _ body: (inout ThriftCompactWriter, T) -> Void) {
        fieldHeader(id, .list)
        listHeader(items.count, .structure)
        for item in items { structBody { body(&$0, item) } }
    }

    mutating func i32List(_ id: Int16, _ items: [Int32]) {
        fieldHeader(id, .list)
        listHeader(items.count, .i32)
        for v in items { out.appendVarint(Self.zigzag(Int64(v))) }
    }

    mutating func stringList(_ id: Int16, _ items: [String]) {
        fieldHeader(id, .list)
        listHeader(items.count, .binary)
        for s in items {
            let b = Array(s.utf8)
            out.appendVarint(UInt64(b.count))
            out.append(contentsOf: b)
        }
    }
}
