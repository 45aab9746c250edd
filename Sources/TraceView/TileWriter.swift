@_spi(Engine) import TraceCmd

/// Builds the page's detail tiles in the pass: runs of ``ViewOptions/tileEvents`` events in
/// time order, each encoded column by column (time deltas, lanes, event names and tasks as
/// LEB128 varints), with the task slices that closed while the tile was open, the slices still
/// open at its end and the report lines of the events that have them, then compressed with
/// zlib. The page decodes only the tiles of the visible window (see <doc:TraceView>).
///
/// Layout of a tile before compression, all numbers unsigned LEB128 (`z` = zigzag signed):
/// `n m o L`, then `n` × time (`z`, the first from the tile's start, then from the previous
/// event), `n` × lane, `n` × event-name index, `n` × task index; `m` closed slices as columns
/// lane, start (`z`, from the tile's start), length, task, kind; `o` open slices as columns
/// lane, start (`z`), task, kind; `L` line lengths in bytes, then the lines' UTF-8 bytes.
struct TileWriter {
    /// A sealed tile: its time range (host clock, ns), event count and compressed bytes.
    struct Tile {
        var start: UInt64
        var end: UInt64
        var count: Int
        var bytes: [UInt8]
    }

    let capacity: Int
    private(set) var tiles: [Tile] = []
    /// Events written into tiles so far.
    private(set) var events = 0
    /// Compressed bytes so far.
    private(set) var compressedBytes = 0
    private let context: CompressionContext?

    // The open tile's columns.
    private var start: UInt64 = 0
    private var lastTime: UInt64 = 0
    private var count = 0
    private var times: [UInt8] = []
    private var lanes: [UInt8] = []
    private var names: [UInt8] = []
    private var tasks: [UInt8] = []
    private var lineCount = 0
    private var lineLengths: [UInt8] = []
    private var lineBytes: [UInt8] = []
    private var sliceCount = 0
    private var sliceColumns: [[UInt8]] = Array(repeating: [], count: 5)
    private var scratch: [UInt8] = []

    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
        context = Compressor(name: "zlib").map { CompressionContext($0, level: 6) }
    }

    /// Whether tiles can be written (zlib is there).
    var available: Bool { context != nil }

    /// Whether the open tile is full: the next event starts a new tile.
    var full: Bool { count >= capacity }

    /// Whether a tile is open.
    var isOpen: Bool { count > 0 }

    /// Adds an event.
    mutating func add(time: UInt64, lane: Int, name: Int, task: Int, line: String?) {
        if count == 0 {
            start = time
            lastTime = time
        }
        Self.signed(Int64(bitPattern: time &- lastTime), into: &times)
        lastTime = time
        Self.unsigned(UInt64(lane), into: &lanes)
        Self.unsigned(UInt64(name), into: &names)
        Self.unsigned(UInt64(task), into: &tasks)
        if let line, lineCount == count {
            let before = lineBytes.count
            lineBytes.append(contentsOf: line.utf8)
            let n = lineBytes.count - before
            Self.unsigned(UInt64(n), into: &lineLengths)
            lineCount += 1
        }
        count += 1
        events += 1
    }

    /// Adds a slice that closed while this tile is open.
    mutating func slice(lane: Int, from s: UInt64, to t: UInt64, task: UInt32, kind: UInt8) {
        guard count > 0 else { return }
        Self.unsigned(UInt64(lane), into: &sliceColumns[0])
        Self.signed(Int64(bitPattern: s &- start), into: &sliceColumns[1])
        Self.unsigned(t &- s, into: &sliceColumns[2])
        Self.unsigned(UInt64(task), into: &sliceColumns[3])
        sliceColumns[4].append(kind)
        sliceCount += 1
    }

    /// Seals the open tile; `end` is the start of the next one (or the end of the data),
    /// `open` the slices still open (lane, start, task, kind).
    mutating func seal(end: UInt64, open: [(lane: Int, start: UInt64, task: UInt32, kind: UInt8)]) {
        guard count > 0 else { return }
        scratch.removeAll(keepingCapacity: true)
        Self.unsigned(UInt64(count), into: &scratch)
        Self.unsigned(UInt64(sliceCount), into: &scratch)
        Self.unsigned(UInt64(open.count), into: &scratch)
        Self.unsigned(UInt64(lineCount), into: &scratch)
        scratch += times; scratch += lanes; scratch += names; scratch += tasks
        for c in sliceColumns { scratch += c }
        for o in open { Self.unsigned(UInt64(o.lane), into: &scratch) }
        for o in open { Self.signed(Int64(bitPattern: o.start &- start), into: &scratch) }
        for o in open { Self.unsigned(UInt64(o.task), into: &scratch) }
        for o in open { scratch.append(o.kind) }
        scratch += lineLengths
        scratch += lineBytes
        var packed: [UInt8] = []
        if let context, let compressed = context.compress(scratch) { packed = compressed }
        tiles.append(Tile(start: start, end: Swift.max(end, lastTime), count: count, bytes: packed))
        compressedBytes += packed.count
        count = 0
        lineCount = 0
        sliceCount = 0
        times.removeAll(keepingCapacity: true)
        lanes.removeAll(keepingCapacity: true)
        names.removeAll(keepingCapacity: true)
        tasks.removeAll(keepingCapacity: true)
        lineLengths.removeAll(keepingCapacity: true)
        lineBytes.removeAll(keepingCapacity: true)
        for i in sliceColumns.indices { sliceColumns[i].removeAll(keepingCapacity: true) }
    }

    /// Frees the tiles (the page embeds every event exactly without them).
    mutating func discard() {
        tiles = []
        compressedBytes = 0
    }

    @inline(__always)
    static func unsigned(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    static func signed(_ value: Int64, into out: inout [UInt8]) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)), into: &out)
    }
}
