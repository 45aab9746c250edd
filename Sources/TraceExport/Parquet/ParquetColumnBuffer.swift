@_spi(Engine) import TraceEvent

/// The values of one leaf column for the row group being built: PLAIN-encoded values,
/// repetition and definition levels, and the statistics of the page.
final class ParquetColumnBuffer {
    enum Physical: Int32 { case int32 = 1, int64 = 2, byteArray = 6 }

    let column: TableColumn
    let physical: Physical
    /// Whether values are 32-bit (`physical` is `.int32`; a plain Bool for the per-value
    /// path: comparing enum cases there would make the optimizer count references).
    let is32: Bool
    /// Statistics compare as unsigned numbers (UINT_* columns).
    let unsignedOrder: Bool
    let maxDefinition: UInt8
    let maxRepetition: UInt8
    let values = ByteBuffer(capacity: 1024)
    let definitions = LevelEncoder()
    let repetitions = LevelEncoder()
    /// Level entries (Parquet's `num_values`).
    private(set) var levelCount = 0
    private(set) var nullCount = 0
    private(set) var valueCount = 0
    private var minSigned = Int64.max, maxSigned = Int64.min
    private var minUnsigned = UInt64.max, maxUnsigned = UInt64.min
    /// The least and greatest byte values (``hasByteStatistics``: there was one).
    private let minBytes = ByteBuffer(capacity: 64), maxBytes = ByteBuffer(capacity: 64)
    private var hasByteStatistics = false
    private var listHasElements = false

    /// The physical type of `column`'s values.
    static func physical(of column: TableColumn) -> Physical {
        switch column.type {
        case .integer(let bits, _), .integerList(let bits, _): return bits <= 32 ? .int32 : .int64
        case .string, .binary: return .byteArray
        }
    }

    init(_ column: TableColumn) {
        self.column = column
        physical = Self.physical(of: column)
        switch column.type {
        case .integer(_, let signed), .integerList(_, let signed):
            unsignedOrder = !signed
        case .string, .binary:
            unsignedOrder = true
        }
        if case .int32 = physical { is32 = true } else { is32 = false }
        if case .integerList = column.type {
            maxRepetition = 1
            maxDefinition = column.nullable ? 2 : 1
        } else {
            maxRepetition = 0
            maxDefinition = column.nullable ? 1 : 0
        }
    }

    /// Bytes buffered (values and levels).
    var bufferedBytes: Int { values.count + definitions.out.count + repetitions.out.count }

    @inline(__always)
    private func present() {
        if maxDefinition > 0 { definitions.append(maxDefinition) }
        levelCount += 1
        valueCount += 1
    }

    @inline(__always)
    private func store(signed v: Int64) {
        if is32 { values.appendLE(UInt32(truncatingIfNeeded: v)) } else { values.appendLE(UInt64(bitPattern: v)) }
        if unsignedOrder {
            let u = is32 ? UInt64(UInt32(truncatingIfNeeded: v)) : UInt64(bitPattern: v)
            if u < minUnsigned { minUnsigned = u }
            if u > maxUnsigned { maxUnsigned = u }
        } else {
            if v < minSigned { minSigned = v }
            if v > maxSigned { maxSigned = v }
        }
    }

    /// A number (a signed value, or an unsigned one's bit pattern).
    @inline(__always)
    func append(_ v: Int64) {
        present()
        store(signed: v)
    }

    /// A string or byte array value.
    @inline(__always)
    func append(bytes b: RawSpan) {
        present()
        values.appendLE(UInt32(truncatingIfNeeded: b.byteCount))
        values.append(b)
        if hasByteStatistics {
            // Unsigned lexicographic order (Parquet's order for byte arrays).
            if minBytes.compare(b) > 0 {
                minBytes.replace(with: b)
            } else if maxBytes.compare(b) < 0 {
                maxBytes.replace(with: b)
            }
        } else {
            hasByteStatistics = true
            minBytes.append(b)
            maxBytes.append(b)
        }
    }

    /// A string value (the session tables).
    func append(text: String) {
        Array(text.utf8).withRawSpan { append(bytes: $0) }
    }

    /// A null (for a list column: a null list).
    @inline(__always)
    func appendNull() {
        if maxDefinition > 0 { definitions.append(0) }
        if maxRepetition > 0 { repetitions.append(0) }
        levelCount += 1
        nullCount += 1
    }

    /// Starts a list value (list columns).
    @inline(__always)
    func beginList() { listHasElements = false }

    /// One element of the current list.
    @inline(__always)
    func appendElement(_ v: Int64) {
        repetitions.append(listHasElements ? 1 : 0)
        definitions.append(maxDefinition)
        listHasElements = true
        levelCount += 1
        valueCount += 1
        store(signed: v)
    }

    /// Ends the current list (an empty list is one level entry without a value).
    @inline(__always)
    func endList() {
        if !listHasElements {
            repetitions.append(0)
            definitions.append(maxDefinition - 1)
            levelCount += 1
            nullCount += 1
        }
    }

    /// The page's statistics: min, max (PLAIN bytes) and the null count.
    func statistics() -> (min: [UInt8]?, max: [UInt8]?, nulls: Int) {
        guard valueCount > 0 else { return (nil, nil, nullCount) }
        func plain(_ v: UInt64) -> [UInt8] {
            let n = is32 ? 4 : 8
            return (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
        }
        switch physical {
        case .byteArray: return hasByteStatistics ? (minBytes.array, maxBytes.array, nullCount) : (nil, nil, nullCount)
        case .int32, .int64:
            if unsignedOrder { return (plain(minUnsigned), plain(maxUnsigned), nullCount) }
            return (plain(UInt64(bitPattern: minSigned)), plain(UInt64(bitPattern: maxSigned)), nullCount)
        }
    }

    /// The v1 data page body (levels, then values) into `page`; the buffer is then empty.
    func finishPage(into page: ByteBuffer) {
        page.removeAll()
        if maxRepetition > 0 { repetitions.finish(into: page) }
        if maxDefinition > 0 { definitions.finish(into: page) }
        page.append(values)
        // Between row groups a column keeps at most 64 KiB: the memory of idle event files
        // does not add up.
        values.removeAll(keepingAtMost: 1 << 16)
    }

    /// Forgets the statistics and counts (after the page was written).
    func reset() {
        levelCount = 0
        nullCount = 0
        valueCount = 0
        minSigned = .max; maxSigned = .min
        minUnsigned = .max; maxUnsigned = .min
        minBytes.removeAll(keepingAtMost: 1 << 16)
        maxBytes.removeAll(keepingAtMost: 1 << 16)
        hasByteStatistics = false
    }
}
