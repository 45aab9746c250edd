@_spi(Engine) import TraceEvent
/// Page-by-page access to one CPU's ring-buffer data in one buffer of a trace file.
///
/// Uncompressed data is served straight from the memory map; compressed data (v7) is
/// decompressed one chunk at a time into a buffer owned by the source and reused. A page is
/// lent by ``withPage(_:_:)`` for the call; inside this package, `page(_:)` returns it,
/// valid until the next call to `page(_:)` on the same source (or the source is released).
/// Not thread-safe: use one source per thread.
@_spi(Engine) public final class CPUPageSource {
    /// A compressed chunk of CPU data.
    @_spi(Engine) public struct Chunk: Sendable, Equatable {
        /// File offset of the compressed bytes.
        @_spi(Engine) public var offset: Int
        /// Compressed size.
        @_spi(Engine) public var compressedSize: Int
        /// Uncompressed size (a multiple of the page size).
        @_spi(Engine) public var uncompressedSize: Int
    }

    /// The file this data belongs to.
    @_spi(Engine) public let file: TraceFile
    /// The CPU number.
    @_spi(Engine) public let cpu: Int
    /// Ring-buffer page size.
    @_spi(Engine) public let pageSize: Int
    /// Number of whole pages of data.
    @_spi(Engine) public let pageCount: Int
    /// Where the data is in the file.
    @_spi(Engine) public let location: CPUDataLocation
    /// The chunks of compressed data (empty when uncompressed).
    @_spi(Engine) public let chunks: [Chunk]
    /// Bytes of data after the last whole page (a truncated file or a partial page); such
    /// bytes are not served.
    @_spi(Engine) public let trailingBytes: Int

    /// Where the compressed data ends early (a file cut inside a chunk), if it does.
    @_spi(Engine) public let truncation: TraceFileError?

    private let firstPageOfChunk: [Int]
    private var loadedChunk = -1
    /// The chunk decompressed here (without a prefetcher).
    private let chunkBuffer = ChunkBuffer()
    private let decompressor: Decompressor?
    private lazy var decompression: DecompressionContext? = decompressor.map { DecompressionContext($0) }
    /// Decompresses the chunks after the one being read on a background thread (compressed
    /// data of more than one chunk, when ``decompressAhead`` is on).
    private let prefetcher: ChunkPrefetcher?
    /// The decompressed bytes of ``loadedChunk`` (in ``chunkBuffer`` or the prefetcher's).
    private var loadedBytes: RawBytes?

    /// Whether sources decompress ahead of their reader on a background thread unless told
    /// otherwise: where there is more than one core.
    @_spi(Engine) public static let decompressAhead = ProcessInfoCores.active > 1

    /// Whether this source decompresses ahead of its reader.
    @_spi(Engine) public var decompressesAhead: Bool { prefetcher != nil }
    /// File offset below which this source's mapped bytes were released (see ``releaseBehind``).
    private var releasedUpTo = 0
    /// Resident bytes of the file kept behind the current read position, per source. Reading
    /// sequentially, a source keeps at most about twice this much of the file resident.
    static let residentWindow = 1 << 21
    /// File offset up to which the data was prefaulted.
    private var populatedUpTo = 0
    /// File offset up to which prefaulting was asked of the background thread (from
    /// ``populatedUpTo``).
    private var requestedUpTo = 0

    /// Prepares access to the data of `cpuIndex` (an index into `buffer.cpus`).
    ///
    /// - Parameters:
    ///   - file: the file the buffer belongs to, opened in ``TraceFile/OpenMode/full`` mode.
    ///   - buffer: the buffer to read (one of `file.buffers`).
    ///   - cpuIndex: an index into `buffer.cpus` (not a CPU number).
    ///   - decompressAhead: for compressed data, whether to decompress the chunks
    ///     after the one being read on a background thread (see ``decompressAhead``, the
    ///     default). The pages served are the same either way.
    @_spi(Engine) public init(file: TraceFile, buffer: TraceBuffer, cpuIndex: Int,
                decompressAhead: Bool = CPUPageSource.decompressAhead) throws(TraceFileError) {
        guard file.mode == .full else {
            throw TraceFileError(file: file.path, context: "CPU data", offset: 0, kind: .headOnly)
        }
        guard buffer.cpus.indices.contains(cpuIndex) else {
            throw TraceFileError(file: file.path, context: "CPU data", offset: 0,
                                 kind: .invalidValue("no CPU index \(cpuIndex) in buffer \"\(buffer.name)\""))
        }
        self.file = file
        let loc = buffer.cpus[cpuIndex]
        location = loc
        cpu = loc.cpu
        pageSize = buffer.pageSize
        decompressor = file.decompressor
        let bytes = file.mapped.view
        let context = "CPU \(loc.cpu) data of buffer \"\(buffer.name)\""
        guard loc.offset <= bytes.count, loc.size <= bytes.count - loc.offset else {
            throw TraceFileError(file: file.path, context: context, offset: loc.offset,
                                 kind: .truncated(needed: loc.size, available: max(0, bytes.count - loc.offset)))
        }
        if buffer.isCompressed && loc.size > 0 {
            // The recorded size leaves out the 4-byte chunk count that precedes the chunks.
            let end = min(bytes.count, loc.offset + loc.size + 4)
            var c = ByteCursor(bytes: bytes.clampedSlice(loc.offset..<end), order: file.byteOrder,
                               baseOffset: loc.offset, file: file.path, context: "\(context): chunk table")
            let n = Int(try c.readU32())
            guard n <= c.remaining / 8 else {
                throw c.error(.invalidValue("\(n) chunks do not fit in \(c.remaining) bytes"))
            }
            var list: [Chunk] = []
            var firsts: [Int] = []
            list.reserveCapacity(n)
            var pages = 0
            var cut: TraceFileError?
            var releasedTo = loc.offset
            for _ in 0..<n {
                guard c.remaining >= 8 else {
                    cut = c.error(.truncated(needed: 8, available: c.remaining))
                    break
                }
                let cs = Int(try c.readU32())
                let us = Int(try c.readU32())
                guard cs <= c.remaining else {
                    // The file ends inside this chunk: serve the complete chunks before it.
                    cut = c.error(.truncated(needed: cs, available: c.remaining))
                    break
                }
                guard us % pageSize == 0 else {
                    throw c.error(.invalidValue("chunk of \(us) bytes is not a whole number of \(pageSize)-byte pages"))
                }
                guard us <= FileLayoutReader.maxBlock, us <= max(cs, 64) * FileLayoutReader.maxExpansion else {
                    throw c.error(.invalidValue("chunk size \(us) is implausible for \(cs) compressed bytes"))
                }
                let at = c.absoluteOffset
                if at - releasedTo >= Self.residentWindow {
                    // The headers are spread over the whole compressed data: keep what reading
                    // them faults in bounded too.
                    file.mapped.releasePages(releasedTo..<at)
                    releasedTo = at
                }
                try c.skip(cs)
                list.append(Chunk(offset: at, compressedSize: cs, uncompressedSize: us))
                firsts.append(pages)
                pages += us / pageSize
            }
            chunks = list
            firstPageOfChunk = firsts
            if decompressAhead && list.count > 1, let d = decompressor {
                prefetcher = ChunkPrefetcher(mapped: file.mapped, chunks: list, decompressor: d)
            } else {
                prefetcher = nil
            }
            // Reading the chunk headers touched every page of the compressed data; let them go
            // (decompression maps back in only the chunk it reads).
            file.mapped.releasePages(releasedTo..<c.absoluteOffset)
            pageCount = pages
            trailingBytes = 0
            truncation = cut
        } else {
            chunks = []
            firstPageOfChunk = []
            prefetcher = nil
            pageCount = loc.size / pageSize
            trailingBytes = loc.size % pageSize
            truncation = nil
        }
    }

    deinit {
        prefetcher?.cancel()
    }

    /// The file offset of page `index` (for compressed data: of its chunk).
    @_spi(Engine) public func fileOffset(ofPage index: Int) -> Int {
        if chunks.isEmpty { return location.offset + index * pageSize }
        return chunks[chunkIndex(ofPage: index)].offset
    }

    func chunkIndex(ofPage index: Int) -> Int {
        // Binary search the last chunk whose first page is <= index.
        var lo = 0, hi = firstPageOfChunk.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if firstPageOfChunk[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return max(lo, 0)
    }

    /// Calls `body` with the bytes of page `index` (0 ..< ``pageCount``), read in place.
    @_spi(Engine) public func withPage<R>(_ index: Int, _ body: (RawSpan) -> R) throws(TraceFileError) -> R {
        return try page(index).withSpan(body)
    }

    /// The time of page `index` as ``RingBufferPage`` reads it: its first event's time (time
    /// extends applied), or the page's own time when it has no event.
    package func pageTimestamp(_ index: Int, layout: RingBufferLayout) throws -> UInt64 {
        try RingBufferPage(try page(index), layout: layout).timestamp
    }

    /// The bytes of page `index` (0 ..< ``pageCount``), valid until the next call to `page(_:)`
    /// on this source (or the source is released): a stream keeps its page until it moves on.
    package func page(_ index: Int) throws(TraceFileError) -> RawBytes {
        guard index >= 0, index < pageCount else {
            throw TraceFileError(file: file.path, context: "CPU \(cpu) data", offset: location.offset,
                                 kind: .invalidValue("page \(index) out of range 0..<\(pageCount)"))
        }
        if chunks.isEmpty {
            let start = location.offset + index * pageSize
            if start >= releasedUpTo &+ 2 * Self.residentWindow { releaseBehind(start) }
            if start + pageSize > populatedUpTo {
                // Map stretches in one call each rather than fault them in page by page: the
                // first one now, then each next one on the background thread while the one
                // before is read.
                let limit = location.offset + location.size
                let step = Self.residentWindow / 2
                if start >= populatedUpTo, start < requestedUpTo {
                    populatedUpTo = requestedUpTo
                } else {
                    let end = min(limit, start + step)
                    file.mapped.prefault(start..<end)
                    populatedUpTo = max(end, start + pageSize)
                }
                requestedUpTo = min(limit, populatedUpTo + step)
                if requestedUpTo > populatedUpTo {
                    MappingAdvisor.shared.advise(.populate, populatedUpTo..<requestedUpTo, of: file.mapped)
                }
            }
            guard let page = file.mapped.view.slice(start..<(start + pageSize)) else {
                throw TraceFileError(file: file.path, context: "CPU \(cpu) data", offset: start,
                                     kind: .truncated(needed: pageSize, available: max(0, file.mapped.count - start)))
            }
            return page
        }
        let ci = chunkIndex(ofPage: index)
        if ci != loadedChunk {
            try load(chunk: ci)
            let at = chunks[ci].offset
            if at >= releasedUpTo &+ 2 * Self.residentWindow { releaseBehind(at) }
        }
        guard let bytes = loadedBytes else {
            throw TraceFileError(file: file.path, context: "CPU \(cpu) data", offset: chunks[ci].offset,
                                 kind: .decompressionFailed("no buffer"))
        }
        let start = (index - firstPageOfChunk[ci]) * pageSize
        guard let page = bytes.slice(start..<(start + pageSize)) else {
            throw TraceFileError(file: file.path, context: "CPU \(cpu) data", offset: chunks[ci].offset,
                                 kind: .decompressionFailed("page \(index) is outside its chunk"))
        }
        return page
    }

    /// Releases the mapped file bytes of this source from where the last release ended up to
    /// one ``residentWindow`` before `offset`, so that a sequential read of a huge file keeps
    /// only a bounded part of it resident. Pages are read again if a record behind is revisited.
    private func releaseBehind(_ offset: Int) {
        let from = max(releasedUpTo, location.offset)
        let to = offset - Self.residentWindow
        if to > from { MappingAdvisor.shared.advise(.release, from..<to, of: file.mapped) }
        releasedUpTo = max(releasedUpTo, to)
    }

    /// Decompresses chunk `ci` (or takes it from the prefetcher) and points ``loadedBytes``
    /// at it.
    private func load(chunk ci: Int) throws(TraceFileError) {
        let ch = chunks[ci]
        loadedChunk = -1
        loadedBytes = nil
        func failure() -> TraceFileError {
            TraceFileError(file: file.path, context: "CPU \(cpu) data chunk \(ci)", offset: ch.offset,
                           kind: .decompressionFailed("expected \(ch.uncompressedSize) bytes"))
        }
        if let prefetcher {
            guard let bytes = ChunkBuffer.acquire(ci, from: prefetcher) else { throw failure() }
            loadedBytes = bytes
            loadedChunk = ci
            return
        }
        guard let d = decompressor else {
            throw TraceFileError(file: file.path, context: "CPU \(cpu) data chunk \(ci)", offset: ch.offset,
                                 kind: .invalidValue("compressed data but the file has no compression"))
        }
        guard let bytes = chunkBuffer.load(d, context: decompression, from: file.mapped,
                                           compressedRange: ch.offset..<(ch.offset + ch.compressedSize),
                                           size: ch.uncompressedSize) else { throw failure() }
        loadedBytes = bytes
        loadedChunk = ci
    }
}
