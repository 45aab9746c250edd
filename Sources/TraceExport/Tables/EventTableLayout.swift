@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// The table of one event type, in LISA's layout: `common_ts` (host clock, ns), `common_cpu`,
/// `common_pid`, then one column per format field, then `peer` (the file index in the
/// session). Two peers whose formats give the same columns share a table.
struct EventTableLayout: Hashable, Sendable {
    let system: String
    let name: String
    /// The format fields' columns, in format order.
    let fieldColumns: [TableColumn]
    /// The name of the peer column: `peer`, or `common_peer` when a field is named `peer`.
    let peerColumn: String

    init(type: EventType) {
        system = type.system
        name = type.name
        fieldColumns = type.fields.map { f in
            TableColumn(f.name, Self.columnType(kind: f.kind, size: type.formatField(of: f)?.size ?? 8,
                                                elementSize: type.elementSize(of: f)),
                        nullable: true)
        }
        peerColumn = type.fields.contains { $0.name == "peer" } ? "common_peer" : "peer"
    }

    /// All columns: the common ones, the fields, the peer.
    var columns: [TableColumn] {
        [TableColumn("common_ts", .integer(bits: 64, signed: false)),
         TableColumn("common_cpu", .integer(bits: 32, signed: true)),
         TableColumn("common_pid", .integer(bits: 32, signed: true))]
            + fieldColumns + [TableColumn(peerColumn, .integer(bits: 32, signed: true))]
    }

    /// Columns before the first field column.
    static let leadingColumns = 3

    static func columnType(kind: EventField.Kind, size: Int, elementSize: Int) -> ColumnType {
        func bits(_ n: Int) -> Int { n <= 1 ? 8 : n <= 2 ? 16 : n <= 4 ? 32 : 64 }
        switch kind {
        case .signed: return .integer(bits: bits(size), signed: true)
        case .unsigned: return .integer(bits: bits(size), signed: false)
        case .string: return .string
        case .bytes: return .binary
        case .signedArray: return .integerList(bits: bits(elementSize), signed: true)
        case .unsignedArray: return .integerList(bits: bits(elementSize), signed: false)
        case .cpumask: return .integerList(bits: 32, signed: true)
        }
    }

    /// The event's format as the trace file gives it (tracefs `format` syntax).
    static func formatText(of type: EventType) -> String {
        var s = "name: \(type.name)\nID: \(type.id)\nformat:\n"
        for (i, f) in type.allFields.enumerated() {
            if i == type.commonFields.count { s += "\n" }
            guard let ff = type.formatField(of: f) else { continue }
            var decl = ""
            switch ff.storage {
            case .inline: break
            case .dataLoc: decl = "__data_loc "
            case .relLoc: decl = "__rel_loc "
            }
            decl += ff.type + (ff.storage == .inline ? " " : "[] ") + ff.name
            if ff.storage == .inline, let n = ff.arrayLength { decl += "[\(n > 0 ? String(n) : "")]" }
            s += "\tfield:\(decl);\toffset:\(ff.offset);\tsize:\(ff.size);\tsigned:\(ff.isSigned ? 1 : 0);\n"
        }
        return s + "\nprint fmt: \(type.printFormat)\n"
    }
}

/// Reads one event type's fields of a record in place (one per file and type), with the
/// classification of ``EventField/Kind``: what ``EventView/value(of:)`` decodes, without
/// allocating (a string that is not valid UTF-8 is the exception: its repair is a `String`).
/// A final class holding plain values, so the per-event path touches no reference counts.
final class EventFieldReader {
    /// One field, reduced to what reading it needs.
    struct Field {
        enum Storage: UInt8 { case inline, dataLoc, relLoc }
        let offset: Int
        let size: Int
        let storage: Storage
        let kind: EventField.Kind
        let elementSize: Int
    }

    let fields: [Field]
    let order: ByteOrder
    /// Text repaired into valid UTF-8 before it is handed on.
    let scratch = ByteBuffer(capacity: 64)

    init(type: EventType) {
        let list: [Field] = type.fields.compactMap { f in
            guard let ff = type.formatField(of: f) else { return nil }
            let storage: Field.Storage
            switch ff.storage {
            case .inline: storage = .inline
            case .dataLoc: storage = .dataLoc
            case .relLoc: storage = .relLoc
            }
            return Field(offset: ff.offset, size: ff.size, storage: storage, kind: f.kind,
                         elementSize: type.elementSize(of: f))
        }
        fields = list
        order = type.fieldByteOrder
    }

    /// The bytes of `f` in `payload` (as `FormatField.dataRange`): inline, a zero-size tail,
    /// or a `__data_loc`/`__rel_loc` range; `nil` when not inside the payload.
    @inline(__always)
    static func range(_ f: Field, _ payload: RawSpan, _ o: ByteOrder) -> Range<Int>? {
        let n = payload.count
        switch f.storage {
        case .inline:
            guard f.offset >= 0, f.offset <= n else { return nil }
            if f.size == 0 { return f.offset..<n }
            guard f.size > 0, f.size <= n - f.offset else { return nil }
            return f.offset..<(f.offset + f.size)
        case .dataLoc, .relLoc:
            guard f.size == 4 || f.size == 2, let word = payload.loadUnsigned(at: f.offset, size: f.size, order: o)
            else { return nil }
            var start = Int(word & 0xffff)
            let length = f.size == 2 ? n - start : Int((word >> 16) & 0xffff)
            if case .relLoc = f.storage { start += f.offset + f.size }
            guard length >= 0, start >= 0, start <= n, length <= n - start else { return nil }
            return start..<(start + length)
        }
    }

    /// Decodes every field of `payload` (the event's data from `common_type` on) into `sink`.
    @inline(__always)
    func decode<S: FieldSink>(_ payload: RawSpan, into sink: S) {
        let o = order
        let list = fields
        let fields = list.span
        for i in 0..<fields.count {
            let f = fields[i]
            switch f.kind {
            case .signed:
                if let v = payload.loadSigned(at: f.offset, size: f.size, order: o) { sink.integer(i, v) } else { sink.null(i) }
            case .unsigned:
                if let v = payload.loadUnsigned(at: f.offset, size: f.size, order: o) {
                    sink.integer(i, Int64(bitPattern: v))
                } else {
                    sink.null(i)
                }
            case .string:
                guard let r = Self.range(f, payload, o) else { sink.null(i); continue }
                let text = r.lowerBound..<payload.firstIndex(of: 0, in: r)
                if Self.isASCII(payload, text) {
                    sink.bytes(i, payload.extracting(text))
                } else {
                    // As FieldValue decodes it: invalid UTF-8 replaced.
                    scratch.removeAll(keepingAtMost: 1 << 16)
                    UTF8Repair.append(repairing: payload.extracting(text), to: scratch)
                    scratch.withBytes { sink.bytes(i, $0) }
                }
            case .bytes:
                if let r = Self.range(f, payload, o) { sink.bytes(i, payload.extracting(r)) } else { sink.null(i) }
            case .signedArray, .unsignedArray:
                guard let r = Self.range(f, payload, o), f.elementSize > 0 else { sink.null(i); continue }
                let es = f.elementSize
                let n = r.count / es
                sink.beginList(i)
                if f.kind == .signedArray {
                    for k in 0..<n { sink.element(i, payload.loadSigned(at: r.lowerBound + k * es, size: es, order: o) ?? 0) }
                } else {
                    for k in 0..<n {
                        sink.element(i, Int64(bitPattern: payload.loadUnsigned(at: r.lowerBound + k * es, size: es, order: o) ?? 0))
                    }
                }
                sink.endList(i)
            case .cpumask:
                guard let r = Self.range(f, payload, o) else { sink.null(i); continue }
                let b = payload.extracting(r)
                // As the report reads a cpumask: bit n of the mask as one number of the file's order.
                sink.beginList(i)
                let size = b.count
                for byteIndex in 0..<size {
                    let byte = o == .big ? b[size - 1 - byteIndex] : b[byteIndex]
                    if byte == 0 { continue }
                    for bit in 0..<8 where byte & (1 << UInt8(bit)) != 0 { sink.element(i, Int64(byteIndex * 8 + bit)) }
                }
                sink.endList(i)
            }
        }
    }

    /// Whether every byte is ASCII (eight bytes at a time).
    @inline(__always)
    static func isASCII(_ b: RawSpan, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let n = range.upperBound
        while i + 8 <= n {
            if (b.loadUnsigned(at: i, size: 8, order: .little) ?? 0) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if b[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }
}

