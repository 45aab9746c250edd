import TraceCmd

extension SessionView {
    /// The session as one self-contained HTML page: inline CSS, script and data, no
    /// network. Open it in any browser.
    ///
    /// The page draws the lanes on a canvas and reads its data from one embedded JSON
    /// block: the lanes, the task and event-name tables, the exact events (typed arrays in
    /// base64, with their report lines for the hover) or, when they do not all fit, the
    /// per-pixel summaries and an index of the detail tiles, whose compressed data follows
    /// in a block of its own. Its size is bounded by the options (see <doc:TraceView>).
    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>" + Self.escapeHTML(title) + " · tracecmd view</title>\n"
        out += "<script>" + PageScript.errorTrap + "</script>\n"
        out += "<style>" + PageScript.css + "</style>\n</head>\n<body>\n"
        out += PageScript.body(title: Self.escapeHTML(title))
        out += "<script type=\"application/json\" id=\"tc-data\">"
        out += pageJSON()
        out += "</script>\n"
        if tiled {
            // The detail tiles: base64 of each zlib stream, one after the other (the data
            // block gives each one's offset and length). Not run: a data block.
            out += "<script type=\"application/octet-stream\" id=\"tc-tiles\">"
            for t in tiles { out += Base64.encode(t.bytes) }
            out += "</script>\n"
        }
        out += "<script>" + PageScript.main + "</script>\n</body>\n</html>\n"
        return out
    }

    /// The most bytes ``html()`` writes for this view: a bound set by the options and the
    /// bounded tables, not by the number of events. 64 KB for the script, styles and
    /// per-file text; per lane and summary bin 11 bytes; per exact event 20 bytes plus its
    /// report line escaped (6 bytes per character at most); per exact slice 32 bytes; per
    /// task, event name, lost-event mark and sync sample what its JSON can take.
    ///
    /// With detail tiles (a window with more than ``ViewOptions/detailLimit`` events or
    /// ``ViewOptions/sliceLimit`` slices), the plain events and slices are replaced by the
    /// tiles: their base64 text (4/3 of their compressed bytes) and 64 bytes of index per
    /// tile, and the tiles' task table.
    public var pageSizeBound: Int {
        let o = options
        var n = 64 * 1024 + 1024 * (peers.count + groups.count + lanes.count)
        for p in peers {
            n += 6 * p.path.utf8.count + 6 * (p.guestName?.utf8.count ?? 0)
            if let q = p.syncQuality { n += 6 * q.description.utf8.count }
        }
        for g in groups { n += 6 * (g.title.utf8.count + g.warnings.map(\.utf8.count).reduce(0, +)) }
        n += 6 * title.utf8.count * 2
        n += lanes.count * o.binCount * 11
        if tiled {
            n += tiles.reduce(0) { $0 + ($1.bytes.count + 2) / 3 * 4 + 64 }
            n += eventTasks.reduce(0) { $0 + 6 * $1.comm.utf8.count + 24 }
            n += peerLabels.reduce(0) { $0 + 6 * $1.utf8.count + 4 }
        } else {
            n += ticks.count * (20 + 6 * Swift.max(16, o.lineLimit) + 4)
            n += slices.count * 32
        }
        n += tasks.reduce(0) { $0 + 6 * $1.comm.utf8.count + 48 }
        n += names.reduce(0) { $0 + 2 * (6 * $1.utf8.count + 16) }
        n += lost.count * 64 + syncMarks.count * 80 + readErrors.prefix(100).reduce(0) { $0 + 6 * $1.utf8.count + 4 }
        return n
    }

    /// Whether the page carries detail tiles instead of plain events.
    var tiled: Bool { !detailsComplete && !tiles.isEmpty }

    /// The embedded data (JSON; strings escaped for a `<script>` block).
    func pageJSON() -> String {
        var j = PageData()
        j.open("{")
        j.key("title"); j.string(title)
        j.key("t0s"); j.number(start / 1_000_000_000)
        j.key("t0ns"); j.number(start % 1_000_000_000)
        j.key("span"); j.number(Double(end - start))
        j.key("complete"); j.bool(detailsComplete)
        j.key("detailEnd"); j.number(Double(detailEnd &- start))
        j.key("sliceEnd"); j.number(Double(sliceEnd &- start))
        j.key("limits")
        j.open("{")
        j.key("detailLimit"); j.number(options.detailLimit)
        j.key("sliceLimit"); j.number(options.sliceLimit)
        j.key("summaryBins"); j.number(options.binCount)
        j.key("lineLimit"); j.number(options.lineLimit)
        j.key("tileEvents"); j.number(options.tileEvents)
        j.key("tileBytes"); j.number(options.tileBytes)
        j.key("pageBound"); j.number(pageSizeBound)
        j.close("}")
        j.key("peers")
        j.open("[")
        for p in peers {
            j.open("{")
            j.key("index"); j.number(p.index)
            j.key("path"); j.string(p.path)
            j.key("role"); j.string(p.role)
            j.key("guest"); if let g = p.guestName { j.string(g) } else { j.null() }
            j.key("count"); j.number(p.eventCount)
            j.key("lost"); j.number(p.lostEvents)
            j.key("lostMarks"); j.number(p.lostMarks)
            j.key("sync")
            if let q = p.syncQuality {
                j.open("{")
                j.key("summary"); j.string(Self.syncFigures(q))
                j.key("cpus")
                j.open("[")
                for c in q.cpus { j.string(c.description) }
                j.close("]")
                j.key("warnings")
                j.open("[")
                for w in q.warnings { j.string(w.description) }
                j.close("]")
                j.close("}")
            } else {
                j.null()
            }
            j.close("}")
        }
        j.close("]")
        j.key("groups")
        j.open("[")
        for g in groups {
            j.open("{")
            j.key("title"); j.string(g.title)
            j.key("peer"); if let p = g.peer { j.number(p) } else { j.null() }
            j.key("warnings")
            j.open("[")
            for w in g.warnings { j.string(w) }
            j.close("]")
            j.close("}")
        }
        j.close("]")
        j.key("lanes")
        j.open("[")
        for l in lanes {
            j.open("{")
            j.key("kind"); j.string(l.kind.rawValue)
            j.key("group"); j.number(l.group)
            j.key("peer"); if let p = l.peer { j.number(p) } else { j.null() }
            j.key("cpu"); if let c = l.cpu { j.number(c) } else { j.null() }
            j.key("pid"); if let p = l.hostPID { j.number(p) } else { j.null() }
            j.key("label"); j.string(l.label)
            j.close("}")
        }
        j.close("]")
        j.key("tasks")
        j.open("[")
        for t in tasks {
            j.open("[")
            j.string(t.comm)
            j.number(t.pid)
            j.number(t.peer)
            j.close("]")
        }
        j.close("]")
        j.key("taskBusy")
        j.float64(taskBusy.map { Double($0) })
        j.key("names")
        j.open("[")
        for n in names { j.string(n) }
        j.close("]")
        j.key("counts")
        j.open("{")
        for (name, n) in eventCounts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            j.key(name); j.number(n)
        }
        j.close("}")
        // Plain events and slices when every one fits; else none (the tiles hold them).
        let plain = detailsComplete
        j.key("slices")
        j.open("{")
        j.key("lane"); j.uint16(plain ? slices.lane : [])
        j.key("start"); j.float64(plain ? slices.start.map { Double($0 &- start) } : [])
        j.key("end"); j.float64(plain ? slices.end.map { Double($0 &- start) } : [])
        j.key("task"); j.uint32(plain ? slices.task : [])
        j.key("kind"); j.bytes(plain ? slices.kind : [])
        j.close("}")
        j.key("ticks")
        j.open("{")
        j.key("lane"); j.uint16(plain ? ticks.lane : [])
        j.key("t"); j.float64(plain ? ticks.time.map { Double($0 &- start) } : [])
        j.key("name"); j.uint16(plain ? ticks.name : [])
        j.close("}")
        j.key("lines")
        j.open("[")
        if plain { for l in lines { j.string(l) } }
        j.close("]")
        j.key("tiles")
        if tiled {
            j.open("{")
            j.key("events"); j.number(tiledEvents)
            j.key("size"); j.number(options.tileEvents)
            j.key("end"); j.number(Double(tiledEnd &- start))
            j.key("all"); j.bool(tiledEnd >= end)
            j.key("t0"); j.float64(tiles.map { Double($0.start) - Double(start) })
            j.key("t1"); j.float64(tiles.map { Double($0.end) - Double(start) })
            j.key("n"); j.uint32(tiles.map { UInt32(clamping: $0.count) })
            var offsets: [UInt32] = [], lengths: [UInt32] = [], at = 0
            for t in tiles {
                let n = (t.bytes.count + 2) / 3 * 4
                offsets.append(UInt32(clamping: at)); lengths.append(UInt32(clamping: n)); at += n
            }
            j.key("off"); j.uint32(offsets)
            j.key("len"); j.uint32(lengths)
            j.close("}")
            j.key("etasks")
            j.open("[")
            for t in eventTasks { j.open("["); j.string(t.comm); j.number(t.pid); j.close("]") }
            j.close("]")
            j.key("labels")
            j.open("[")
            for l in peerLabels { j.string(l) }
            j.close("]")
        } else {
            j.null()
        }
        j.key("lost")
        j.open("[")
        for m in lost {
            j.open("[")
            j.number(m.lane); j.number(Double(m.time &- start)); j.number(m.count)
            j.close("]")
        }
        j.close("]")
        j.key("sync")
        j.open("[")
        for m in syncMarks {
            j.open("[")
            j.number(m.lane); j.number(Double(m.time) - Double(start)); j.number(m.offset); j.number(m.cpu)
            j.close("]")
        }
        j.close("]")
        j.key("summary")
        if !detailsComplete, let b = bins {
            j.open("{")
            j.key("bins"); j.number(b.count)
            j.key("origin"); j.number(Double(b.origin) - Double(start))
            j.key("width"); j.number(Double(b.width))
            var busy: [UInt8] = [], aux: [UInt8] = [], task: [UInt16] = [], count: [UInt32] = []
            busy.reserveCapacity(b.count * lanes.count)
            task.reserveCapacity(b.count * lanes.count)
            count.reserveCapacity(b.count * lanes.count)
            var hasAux = false
            for l in lanes.indices {
                let thread = lanes[l].kind == .hostThread
                hasAux = hasAux || thread
                for i in 0..<b.count {
                    busy.append(UInt8((b.busyFraction(lane: l, bin: i) * 255).rounded()))
                    task.append(UInt16(clamping: b.task(lane: l, bin: i)))
                    count.append(b.eventCount(lane: l, bin: i))
                    if thread { aux.append(UInt8((b.busyFraction(lane: l, bin: i, auxiliary: true) * 255).rounded())) }
                }
            }
            j.key("busy"); j.bytes(busy)
            j.key("task"); j.uint16(task)
            j.key("count"); j.uint32(count)
            j.key("aux"); j.bytes(aux)
            j.close("}")
        } else {
            j.null()
        }
        j.key("errors")
        j.open("[")
        for e in readErrors.prefix(100) { j.string(e) }
        j.close("]")
        j.close("}")
        return j.text
    }

    /// One line of a guest's sync figures over its VCPUs: the offset range, the largest
    /// drift and the largest jump (from `SyncQuality`, as `tracecmd peers` shows them).
    static func syncFigures(_ q: SyncQuality) -> String {
        let offsets = q.cpus.flatMap { [$0.firstOffset, $0.lastOffset].compactMap { $0 } }
        guard let lo = offsets.min(), let hi = offsets.max() else { return "no sync samples" }
        var s = "offset \(lo) .. \(hi) ns"
        let drifts = q.cpus.compactMap(\.driftNsPerSecond).filter(\.isFinite)
        if let d = drifts.max(by: { abs($0) < abs($1) }) { s += ", drift \(formatDecimal(d, 1)) ns/s" }
        if let j = q.cpus.compactMap(\.largestJump).max() { s += ", largest jump \(j) ns" }
        let n = q.cpus.map(\.sampleCount).reduce(0, +)
        s += ", \(n) sample\(n == 1 ? "" : "s")"
        return s
    }

    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// `x` with `decimals` decimals (no Foundation).
func formatDecimal(_ x: Double, _ decimals: Int) -> String {
    guard x.isFinite else { return String(x) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let v = (abs(x) * scale).rounded()
    guard v < 9e18 else { return String(x) }
    let n = UInt64(v), p = UInt64(scale)
    let sign = x < 0 && n != 0 ? "-" : ""
    if decimals == 0 { return sign + String(n) }
    let frac = String(n % p)
    return sign + String(n / p) + "." + String(repeating: "0", count: decimals - frac.count) + frac
}
