/// Writes one Parquet file, row group by row group: the caller appends each row's values to
/// ``columns`` (one ``ParquetColumnBuffer`` per leaf column) and calls ``endRow()``;
/// ``flushRowGroup()`` writes the buffered rows as one data page per column and forgets
/// them, so memory stays bounded by one row group. ``close()`` writes the footer
/// (`FileMetaData`, Thrift compact protocol).
///
/// Layout (Parquet format 2): `PAR1`, per row group and column a v1 data page (PLAIN values,
/// RLE levels, min/max/null-count statistics, optionally zstd), then the footer, its
/// length and `PAR1`.
final class ParquetFileWriter {
    private struct ChunkInfo {
        var column: Int
        var offset: Int64
        var uncompressed: Int64
        var compressed: Int64
        var levels: Int64
        var stats: (min: [UInt8]?, max: [UInt8]?, nulls: Int)
    }

    private struct RowGroupInfo {
        var chunks: [ChunkInfo]
        var rows: Int64
        var offset: Int64
        var sorted: Bool
    }

    let path: String
    let schema: [TableColumn]
    let columns: [ParquetColumnBuffer]
    private let file: OutputFile
    private let compression: ParquetCompression
    private let compressor: ZstdCompressor?
    private let keyValues: [(String, String)]
    private var rowGroups: [RowGroupInfo] = []
    /// Rows in the row group being built.
    private(set) var rows = 0
    /// Index of the column the rows are sorted by (ascending), stated in each row group
    /// where it holds.
    let sortColumn: Int?
    /// Whether the current row group is sorted by ``sortColumn``; the exporter clears it.
    var groupSorted = true
    private let scratch: PageScratch
    /// Where row groups are compressed and written, when not on the caller's thread.
    private let background: BackgroundPageWriter?
    private var page: ByteBuffer { scratch.page }
    private var packed: ByteBuffer { scratch.packed }
    private var header: ByteBuffer { scratch.header }

    /// Buffers for encoding pages, shared by the writers of one export (they flush one at a
    /// time), so their memory is paid once.
    final class PageScratch {
        let page = ByteBuffer(capacity: 1 << 16)
        let packed = ByteBuffer(capacity: 1 << 16)
        let header = ByteBuffer(capacity: 256)
    }

    init(path: String, schema: [TableColumn], keyValues: [(String, String)], compression: ParquetCompression,
         compressor: ZstdCompressor?, sortColumn: Int? = nil, scratch: PageScratch = PageScratch(),
         background: BackgroundPageWriter? = nil) throws(TableExportError) {
        self.scratch = scratch
        self.background = background
        self.path = path
        self.schema = schema
        columns = schema.map(ParquetColumnBuffer.init)
        self.compression = compression
        self.compressor = compressor
        self.keyValues = keyValues
        self.sortColumn = sortColumn
        do {
            file = try OutputFile(path: path)
            try file.write(Array("PAR1".utf8))
        } catch {
            throw TableExportError(error)
        }
    }

    /// Ends the row whose values were just appended.
    @inline(__always)
    func endRow() { rows += 1 }

    /// Bytes buffered for the current row group.
    var bufferedBytes: Int {
        var n = 0
        for c in columns { n += c.bufferedBytes }
        return n
    }

    /// One column's encoded page, waiting to be compressed and written.
    private struct PendingPage {
        var column: Int
        var body: ByteBuffer
        var levels: Int64
        var stats: (min: [UInt8]?, max: [UInt8]?, nulls: Int)
    }

    /// Writes the buffered rows as a row group (nothing when there are none): the pages are
    /// encoded here, then compressed and written here or, with a ``BackgroundPageWriter``,
    /// on its thread.
    func flushRowGroup() throws(TableExportError) {
        guard rows > 0 else { return }
        var pages: [PendingPage] = []
        pages.reserveCapacity(columns.count)
        for (i, c) in columns.enumerated() {
            let stats = c.statistics()
            let levels = Int64(c.levelCount)
            let body = ByteBuffer(capacity: c.bufferedBytes + 16)
            c.finishPage(into: body)
            pages.append(PendingPage(column: i, body: body, levels: levels, stats: stats))
            c.reset()
        }
        let rows = Int64(self.rows), sorted = groupSorted
        self.rows = 0
        groupSorted = true
        if let background {
            try background.submit { [self] () throws(TableExportError) in try write(pages, rows: rows, sorted: sorted) }
        } else {
            try write(pages, rows: rows, sorted: sorted)
        }
    }

    /// Compresses and writes one row group's pages (one thread at a time per export).
    private func write(_ pages: [PendingPage], rows: Int64, sorted: Bool) throws(TableExportError) {
        let start = file.offset
        var chunks: [ChunkInfo] = []
        for p in pages {
            let raw = p.body
            var body = raw
            if compression != .none, let z = compressor {
                guard z.compress(raw, into: packed) else {
                    throw .write(path: path, reason: "zstd could not compress a page of column \(schema[p.column].name)")
                }
                body = packed
            }
            header.removeAll()
            var w = ThriftCompactWriter(header)
            let levels = p.levels, stats = p.stats
            w.structBody { w in
                w.i32(1, 0)                                 // type: DATA_PAGE
                w.i32(2, Int32(raw.count))                  // uncompressed_page_size
                w.i32(3, Int32(body.count))                 // compressed_page_size
                w.structure(5) { w in                       // data_page_header
                    w.i32(1, Int32(levels))                 // num_values
                    w.i32(2, 0)                             // encoding: PLAIN
                    w.i32(3, 3)                             // definition_level_encoding: RLE
                    w.i32(4, 3)                             // repetition_level_encoding: RLE
                    w.structure(5) { Self.statistics(&$0, stats) }
                }
            }
            let offset = file.offset
            do {
                try file.write(header)
                try file.write(body)
            } catch {
                throw TableExportError(error)
            }
            chunks.append(ChunkInfo(column: p.column, offset: offset,
                                    uncompressed: Int64(header.count + raw.count),
                                    compressed: Int64(header.count + body.count),
                                    levels: levels, stats: stats))
        }
        rowGroups.append(RowGroupInfo(chunks: chunks, rows: rows, offset: start, sorted: sorted))
    }

    private static func statistics(_ w: inout ThriftCompactWriter, _ s: (min: [UInt8]?, max: [UInt8]?, nulls: Int)) {
        w.i64(3, Int64(s.nulls))                                  // null_count
        if let hi = s.max { w.binary(5, hi) }                     // max_value
        if let lo = s.min { w.binary(6, lo) }                     // min_value
    }

    /// Flushes the last row group and writes the footer; the file is then complete.
    func close() throws(TableExportError) {
        try flushRowGroup()
        try background?.drain()
        let out = ByteBuffer(capacity: 4096)
        var w = ThriftCompactWriter(out)
        let schema = self.schema
        let codec = compression.codec
        let rowGroups = self.rowGroups
        let sortColumn = self.sortColumn
        w.structBody { w in
            w.i32(1, 2)                                                        // version
            var elements: [(inout ThriftCompactWriter) -> Void] = []
            elements.append { w in
                w.string(4, "schema")
                w.i32(5, Int32(schema.count))                                  // num_children
            }
            for c in schema { elements += Self.schemaElements(c) }
            w.structList(2, elements) { w, e in e(&w) }
            w.i64(3, rowGroups.reduce(0) { $0 + $1.rows })                    // num_rows
            w.structList(4, rowGroups) { w, g in
                w.structList(1, g.chunks) { w, chunk in                        // columns
                    let c = schema[chunk.column]
                    w.i64(2, chunk.offset)                                     // file_offset
                    w.structure(3) { w in                                      // meta_data
                        w.i32(1, ParquetColumnBuffer.physical(of: c).rawValue)     // type
                        w.i32List(2, [0, 3])                                   // encodings: PLAIN, RLE
                        w.stringList(3, Self.path(of: c))                      // path_in_schema
                        w.i32(4, codec)                                        // codec
                        w.i64(5, chunk.levels)                                 // num_values
                        w.i64(6, chunk.uncompressed)                           // total_uncompressed_size
                        w.i64(7, chunk.compressed)                             // total_compressed_size
                        w.i64(9, chunk.offset)                                 // data_page_offset
                        w.structure(12) { Self.statistics(&$0, chunk.stats) }  // statistics
                    }
                }
                w.i64(2, g.chunks.reduce(0) { $0 + $1.uncompressed })          // total_byte_size
                w.i64(3, g.rows)                                               // num_rows
                if let s = sortColumn, g.sorted {
                    w.structList(4, [s]) { w, s in                             // sorting_columns
                        w.i32(1, Int32(s))
                        w.bool(2, false)
                        w.bool(3, false)
                    }
                }
                w.i64(5, g.offset)                                             // file_offset
                w.i64(6, g.chunks.reduce(0) { $0 + $1.compressed })            // total_compressed_size
            }
            w.structList(5, keyValues) { w, kv in                              // key_value_metadata
                w.string(1, kv.0)
                w.string(2, kv.1)
            }
            w.string(6, "swift-tracecmd")                                      // created_by
            w.structList(7, schema) { w, _ in                                  // column_orders
                w.structure(1) { _ in }                                        // TYPE_ORDER
            }
        }
        var tail: [UInt8] = []
        let n = UInt32(out.count)
        for i in 0..<4 { tail.append(UInt8(truncatingIfNeeded: n >> (8 * UInt32(i)))) }
        tail += Array("PAR1".utf8)
        do {
            try file.write(out)
            try file.write(tail)
            try file.close()
        } catch {
            throw TableExportError(error)
        }
    }

    /// `path_in_schema` of a column's leaf.
    static func path(of c: TableColumn) -> [String] {
        if case .integerList = c.type { return [c.name, "list", "element"] }
        return [c.name]
    }

    /// The schema elements of a column: one leaf, or the three levels of a LIST.
    private static func schemaElements(_ c: TableColumn) -> [(inout ThriftCompactWriter) -> Void] {
        let repetition: Int32 = c.nullable ? 1 : 0
        switch c.type {
        case .integer(let bits, let signed):
            return [{ w in
                w.i32(1, bits <= 32 ? 1 : 2)
                w.i32(3, repetition)
                w.string(4, c.name)
                w.i32(6, convertedType(bits: bits, signed: signed))
                w.structure(10) { w in integerType(&w, bits: bits, signed: signed) }
            }]
        case .string:
            return [{ w in
                w.i32(1, 6)
                w.i32(3, repetition)
                w.string(4, c.name)
                w.i32(6, 0)                                         // UTF8
                w.structure(10) { w in w.structure(1) { _ in } }    // STRING
            }]
        case .binary:
            return [{ w in
                w.i32(1, 6)
                w.i32(3, repetition)
                w.string(4, c.name)
            }]
        case .integerList(let bits, let signed):
            return [
                { w in
                    w.i32(3, repetition)
                    w.string(4, c.name)
                    w.i32(5, 1)
                    w.i32(6, 3)                                     // LIST
                    w.structure(10) { w in w.structure(3) { _ in } }
                },
                { w in
                    w.i32(3, 2)                                     // REPEATED
                    w.string(4, "list")
                    w.i32(5, 1)
                },
                { w in
                    w.i32(1, bits <= 32 ? 1 : 2)
                    w.i32(3, 0)                                     // REQUIRED
                    w.string(4, "element")
                    w.i32(6, convertedType(bits: bits, signed: signed))
                    w.structure(10) { w in integerType(&w, bits: bits, signed: signed) }
                },
            ]
        }
    }

    private static func integerType(_ w: inout ThriftCompactWriter, bits: Int, signed: Bool) {
        w.structure(10) { w in                                      // INTEGER
            w.i8(1, Int8(bits))
            w.bool(2, signed)
        }
    }

    /// INT_8...INT_64 (15...18), UINT_8...UINT_64 (11...14).
    private static func convertedType(bits: Int, signed: Bool) -> Int32 {
        let step: Int32 = bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3
        return (signed ? 15 : 11) + step
    }
}
