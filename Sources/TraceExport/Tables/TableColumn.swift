/// The type of a column of an exported table, settled once per event type (or session
/// table) and shared by the Parquet and SQLite writers.
enum ColumnType: Hashable, Sendable {
    /// A number of `bits` (8, 16, 32 or 64) bits, signed or not.
    case integer(bits: Int, signed: Bool)
    /// UTF-8 text.
    case string
    /// Bytes.
    case binary
    /// A list of numbers of `bits` bits (arrays of numbers, cpumasks as CPU numbers).
    case integerList(bits: Int, signed: Bool)
}

/// One column of an exported table.
struct TableColumn: Hashable, Sendable {
    var name: String
    var type: ColumnType
    var nullable: Bool

    init(_ name: String, _ type: ColumnType, nullable: Bool = false) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}
