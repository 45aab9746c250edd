@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// One run of ring-buffer pages to write: a stretch of an uncompressed input file, a
/// compressed chunk of one, or pages built in memory.
enum Piece: Sendable {
    /// Uncompressed pages at these offsets of the input file.
    case mapped(Range<Int>)
    /// A compressed chunk of the input file (`index`: its place in its CPU's chunk table).
    case chunk(CPUPageSource.Chunk, index: Int)
    /// Pages built in memory (an index into ``WritePlan/memory``, and a byte range of it).
    case memory(Int, Range<Int>)

    func byteCount() -> Int {
        switch self {
        case .mapped(let r): return r.count
        case .chunk(let c, _): return c.uncompressedSize
        case .memory(_, let r): return r.count
        }
    }
}

/// One CPU's data to write.
struct CPUPlan: Sendable {
    var cpu: Int
    var pieces: [Piece]
    /// What describes this CPU in messages (`CPU 1 data of buffer "inst1"`).
    var context: String
}

/// One ring buffer to write.
struct BufferPlan: Sendable {
    var name: String
    var clock: String
    var pageSize: Int
    var cpus: [CPUPlan]
}

/// Everything a write needs: the metadata's source file, the buffers, and pages built in
/// memory (split pieces).
struct WritePlan: Sendable {
    let source: TraceFile
    var buffers: [BufferPlan]
    var memory: [PageMemory] = []
    /// Problems found while planning (input cut short), reported with the write.
    var dropped: [TraceFileError] = []
}

/// Pages built in memory, kept unchanged at a fixed address until the write ends, so that
/// the workers read them as `RawBytes` views, as they read the mapped input.
/// `@unchecked Sendable`: the bytes are written once at creation and only read afterwards.
final class PageMemory: @unchecked Sendable {
    private let bytes = ScratchBuffer()

    /// A copy of `data`.
    init(_ data: [UInt8]) {
        bytes.resize(data.count)
        bytes.copy(data, to: 0)
    }

    /// The bytes (valid while this object lives: the ``WritePlan`` holding it outlives the write).
    var view: RawBytes { bytes.view }
}
