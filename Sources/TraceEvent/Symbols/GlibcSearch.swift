/// The reference (libtraceevent on glibc) keeps symbols, printk formats and comms in lists
/// built by prepending each parsed line, sorts them with `qsort` (glibc's is a stable merge
/// sort) and finds entries with `bsearch`. Where keys repeat, which entry wins depends on both,
/// so the tables here reproduce them exactly.
enum GlibcSearch {
    /// The order `qsort` leaves items `0..<count` (in file order) after they were prepended to
    /// a list: ascending `key`, ties in reverse file order.
    static func referenceOrder(count: Int, key: (Int) -> UInt64) -> [Int32] {
        let keys = [UInt64](capacity: count) { out in
            for i in 0..<count { out.append(key(i)) }
        }
        let k = keys.span
        var ascending = true
        var i = 1
        while i < count {
            if k[i] < k[i - 1] {
                ascending = false
                break
            }
            i += 1
        }
        if ascending { // the usual kallsyms: file order, each run of equal keys reversed
            var order: [Int32] = []
            order.reserveCapacity(count)
            var run = 0
            while run < count {
                var next = run + 1
                while next < count, k[next] == k[run] { next += 1 }
                var j = next
                while j > run {
                    j -= 1
                    order.append(Int32(truncatingIfNeeded: j))
                }
                run = next
            }
            return order
        }
        var idx = [Int32](capacity: count) { out in
            for i in 0..<count { out.append(Int32(truncatingIfNeeded: i)) }
        }
        idx.sort { a, b in
            let ka = k[Int(a)], kb = k[Int(b)]
            return ka != kb ? ka < kb : a > b
        }
        return idx
    }

    /// glibc's `bsearch` over `0..<count`: `compare(i)` is `cmp(key, element i)`.
    @inline(__always)
    static func bsearch(count: Int, compare: (Int) -> Int) -> Int? {
        var l = 0, u = count
        while l < u {
            let i = (l + u) / 2
            let c = compare(i)
            if c < 0 { u = i } else if c > 0 { l = i + 1 } else { return i }
        }
        return nil
    }
}
