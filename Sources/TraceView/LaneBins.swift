/// Per-lane time bins that keep a fixed count by doubling their width (one pass, bounded
/// memory): busy time, the task that ran longest in a bin, the event count, and a second
/// busy time (a VCPU thread's time in the guest).
struct LaneBins {
    /// Bins per lane (a power of two).
    let count: Int
    /// The time of bin 0's start (ns).
    let origin: UInt64
    /// The width of a bin (ns), a power of two.
    private(set) var width: UInt64
    private(set) var lanes: Int
    /// Busy ns per bin, lane after lane.
    private(set) var busy: [UInt64]
    /// Longest piece of one task in the bin: its length and task (+1; 0 = none).
    private(set) var pieceLength: [UInt64]
    private(set) var pieceTask: [UInt32]
    private(set) var events: [UInt32]
    private(set) var aux: [UInt64]

    init(count: Int, lanes: Int, origin: UInt64, minimumSpan: UInt64) {
        self.count = count
        self.lanes = lanes
        self.origin = origin
        var w: UInt64 = 1
        while w * UInt64(count) < minimumSpan && w < 1 << 50 { w <<= 1 }
        width = w
        busy = Array(repeating: 0, count: count * lanes)
        pieceLength = busy
        pieceTask = Array(repeating: 0, count: count * lanes)
        events = pieceTask
        aux = busy
    }

    /// The end of the last bin.
    var end: UInt64 { origin &+ width &* UInt64(count) }

    /// Doubles the width until `t` falls in the bins.
    mutating func cover(_ t: UInt64) {
        while t >= end && width < 1 << 55 { merge() }
    }

    private mutating func merge() {
        let half = count / 2
        for l in 0..<lanes {
            let base = l * count
            for i in 0..<half {
                let a = base + 2 * i, b = a + 1, d = base + i
                busy[d] = busy[a] &+ busy[b]
                aux[d] = aux[a] &+ aux[b]
                events[d] = events[a].addingReportingOverflow(events[b]).overflow ? .max : events[a] &+ events[b]
                if pieceLength[b] > pieceLength[a] {
                    pieceLength[d] = pieceLength[b]; pieceTask[d] = pieceTask[b]
                } else {
                    pieceLength[d] = pieceLength[a]; pieceTask[d] = pieceTask[a]
                }
            }
            for i in half..<count {
                let d = base + i
                busy[d] = 0; aux[d] = 0; events[d] = 0; pieceLength[d] = 0; pieceTask[d] = 0
            }
        }
        width <<= 1
    }

    @inline(__always)
    private func bin(_ t: UInt64) -> Int {
        t <= origin ? 0 : Swift.min(count - 1, Int((t - origin) / width))
    }

    /// Counts an event at `t` on `lane`.
    @inline(__always)
    mutating func event(lane: Int, at t: UInt64) {
        cover(t)
        let i = lane * count + bin(t)
        if events[i] != .max { events[i] += 1 }
    }

    /// Adds the interval `a..<b` of `task` (+1; 0 = no task) to `lane`'s busy time, or to
    /// its second busy time when `auxiliary`.
    mutating func interval(lane: Int, from a: UInt64, to b: UInt64, task: UInt32, auxiliary: Bool = false) {
        guard b > a else { return }
        cover(b &- 1)
        let lo = Swift.max(a, origin)
        guard b > lo else { return }
        var i = bin(lo)
        let last = bin(b - 1)
        let base = lane * count
        while i <= last {
            let s = Swift.max(lo, origin &+ UInt64(i) &* width)
            let e = Swift.min(b, origin &+ UInt64(i + 1) &* width)
            if e > s {
                let n = e - s
                if auxiliary {
                    aux[base + i] &+= n
                } else {
                    busy[base + i] &+= n
                    if n > pieceLength[base + i] { pieceLength[base + i] = n; pieceTask[base + i] = task }
                }
            }
            i += 1
        }
    }

    /// Busy fraction of bin `i` of `lane` (0...1).
    func busyFraction(lane: Int, bin i: Int, auxiliary: Bool = false) -> Double {
        let v = auxiliary ? aux[lane * count + i] : busy[lane * count + i]
        return Swift.min(1, Double(v) / Double(width))
    }

    func task(lane: Int, bin i: Int) -> UInt32 { pieceTask[lane * count + i] }
    func eventCount(lane: Int, bin i: Int) -> UInt32 { events[lane * count + i] }
}
