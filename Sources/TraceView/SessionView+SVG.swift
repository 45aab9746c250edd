import TraceCmd

extension SessionView {
    /// A static SVG picture of the view's window (the whole session unless the options
    /// name a window): the lanes drawn from the per-pixel summaries, ticks for events, lost
    /// events, sync samples and warnings, a time axis and the per-file event counts.
    /// - Parameter width: the picture's width in pixels (at least 480).
    public func svg(width: Int = 1400) -> String {
        let W = Swift.max(480, width)
        let label = 200.0, axis = 30.0, groupH = 24.0
        let pw = Double(W) - label - 12
        func laneHeight(_ k: Lane.Kind) -> Double {
            switch k {
            case .cpu, .vcpu: 26
            case .hostThread: 18
            case .sync: 32
            }
        }
        var laneY: [Double] = Array(repeating: 0, count: lanes.count)
        var y = axis
        var groupY: [Double] = []
        for g in groups.indices {
            groupY.append(y)
            y += groupH
            for l in lanes.indices where lanes[l].group == g {
                laneY[l] = y
                y += laneHeight(lanes[l].kind)
            }
            y += 6
        }
        let legendY = y + 10
        let height = Int(legendY + 22 + Double(peers.count) * 18 + 10)
        let span = Double(end - start)
        func x(_ t: Double) -> Double { label + t / span * pw }
        func f(_ v: Double) -> String { formatDecimal(v, 1) }
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(W)\" height=\"\(height)\" viewBox=\"0 0 \(W) \(height)\" "
        o += "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
        o += "<title>\(Self.escapeHTML(title))</title>\n"
        o += "<defs><pattern id=\"warn\" width=\"9\" height=\"9\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        o += "<rect width=\"9\" height=\"9\" fill=\"#fbe9e7\"/><rect width=\"3\" height=\"9\" fill=\"#f4b4ae\"/></pattern></defs>\n"
        o += "<rect width=\"\(W)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        // Groups and labels.
        for (g, group) in groups.enumerated() {
            let gy = groupY[g]
            o += "<rect x=\"0\" y=\"\(f(gy))\" width=\"\(W)\" height=\"\(f(groupH))\" fill=\"#eef1f6\"/>\n"
            if !group.warnings.isEmpty { o += "<rect x=\"0\" y=\"\(f(gy))\" width=\"4\" height=\"\(f(groupH))\" fill=\"#b3261e\"/>\n" }
            var t = group.title
            if let p = group.peer { t += "   \(peers[p].eventCount) events" }
            o += "<text x=\"10\" y=\"\(f(gy + 16))\" font-weight=\"bold\" fill=\"#1d2430\">\(Self.escapeHTML(t))</text>\n"
        }
        for (l, lane) in lanes.enumerated() {
            let ly = laneY[l], h = laneHeight(lane.kind)
            let thread = lane.kind == .hostThread
            o += "<text x=\"\(thread ? 26 : 18)\" y=\"\(f(ly + h / 2 + 4))\" fill=\"\(thread || lane.kind == .sync ? "#5d6677" : "#1d2430")\" "
            o += "font-size=\"\(thread ? 11 : 12)\">\(thread ? "↳ " : "")\(Self.escapeHTML(lane.label))</text>\n"
            o += "<line x1=\"0\" x2=\"\(W)\" y1=\"\(f(ly + h - 0.5))\" y2=\"\(f(ly + h - 0.5))\" stroke=\"#eceef2\"/>\n"
        }
        o += "<line x1=\"\(f(label - 0.5))\" x2=\"\(f(label - 0.5))\" y1=\"\(f(axis))\" y2=\"\(f(legendY - 10))\" stroke=\"#d9dde5\"/>\n"
        // Axis.
        o += "<rect x=\"0\" y=\"0\" width=\"\(W)\" height=\"\(f(axis))\" fill=\"#f6f7f9\"/>\n"
        o += "<text x=\"10\" y=\"19\" fill=\"#5d6677\" font-size=\"11\">time (s)</text>\n"
        let raw = span * 110 / pw
        var p10 = 1.0
        while p10 * 10 <= raw { p10 *= 10 }
        let step = raw / p10 > 5 ? 10 * p10 : raw / p10 > 2 ? 5 * p10 : raw / p10 > 1 ? 2 * p10 : p10
        var digits = 0
        var s = step
        while s < 1e9 && digits < 9 { s *= 10; digits += 1 }
        let s0 = Double(start % 1_000_000_000)
        var t = (s0 / step).rounded(.up) * step - s0
        var n = 0
        while t <= span && n < 200 {
            let xx = x(t)
            let absNs = start &+ UInt64(Swift.max(0, t))
            o += "<line x1=\"\(f(xx))\" x2=\"\(f(xx))\" y1=\"\(f(axis - 7))\" y2=\"\(f(legendY - 10))\" stroke=\"#000\" stroke-opacity=\"0.06\"/>\n"
            o += "<text x=\"\(f(xx + 3))\" y=\"17\" fill=\"#3a4252\" font-size=\"11\">\(Self.seconds(absNs, decimals: digits)) s</text>\n"
            t += step
            n += 1
        }
        // Lanes from the summaries.
        if let b = bins {
            let cols = Int(pw.rounded(.up))
            for (l, lane) in lanes.enumerated() where lane.kind != .sync {
                let ly = laneY[l], h = laneHeight(lane.kind)
                var busy = [Double](repeating: 0, count: cols)
                var task = [UInt32](repeating: 0, count: cols)
                var count = [UInt32](repeating: 0, count: cols)
                var aux = [Double](repeating: 0, count: cols)
                let origin = Double(b.origin) - Double(start), w = Double(b.width)
                for i in 0..<b.count {
                    let bs = origin + Double(i) * w
                    if bs > span { break }
                    let c0 = Swift.max(0, Int(x(bs) - label)), c1 = Swift.min(cols - 1, Int(x(bs + w) - label - 0.001))
                    guard c0 < cols else { continue }
                    let bu = b.busyFraction(lane: l, bin: i), tk = b.task(lane: l, bin: i), ec = b.eventCount(lane: l, bin: i)
                    let au = lane.kind == .hostThread ? b.busyFraction(lane: l, bin: i, auxiliary: true) : 0
                    for c in c0...Swift.max(c0, c1) {
                        if bu > busy[c] { busy[c] = bu; task[c] = tk }
                        count[c] &+= ec
                        aux[c] = Swift.max(aux[c], au)
                    }
                }
                // Runs of one colour and opacity step become one rectangle.
                var c = 0
                while c < cols {
                    guard busy[c] > 0 else { c += 1; continue }
                    let q = Int((0.3 + 0.7 * busy[c]) * 10)
                    var e = c + 1
                    while e < cols && busy[e] > 0 && task[e] == task[c] && Int((0.3 + 0.7 * busy[e]) * 10) == q { e += 1 }
                    let color = lane.kind == .hostThread ? Self.cpuColor(Int(task[c]) - 1) : taskColor(task[c])
                    let op = lane.kind == .hostThread ? 0.55 : Double(q) / 10
                    o += "<rect x=\"\(f(label + Double(c)))\" y=\"\(f(ly + 3))\" width=\"\(e - c)\" height=\"\(f(h - (lane.kind == .hostThread ? 6 : 9)))\" fill=\"\(color)\" fill-opacity=\"\(formatDecimal(op, 2))\"/>\n"
                    c = e
                }
                if lane.kind == .hostThread {
                    c = 0
                    while c < cols {
                        guard aux[c] > 0 else { c += 1; continue }
                        var e = c + 1
                        while e < cols && aux[e] > 0 { e += 1 }
                        o += "<rect x=\"\(f(label + Double(c)))\" y=\"\(f(ly + 3))\" width=\"\(e - c)\" height=\"\(f((h - 6) / 2))\" fill=\"#1b5e20\"/>\n"
                        c = e
                    }
                } else {
                    c = 0
                    while c < cols {
                        guard count[c] > 0 else { c += 1; continue }
                        var e = c + 1
                        while e < cols && count[e] > 0 { e += 1 }
                        o += "<rect x=\"\(f(label + Double(c)))\" y=\"\(f(ly + h - 6))\" width=\"\(e - c)\" height=\"5\" fill=\"#28303c\" fill-opacity=\"0.55\"/>\n"
                        c = e
                    }
                }
            }
        }
        // Sync lanes, warnings, lost events.
        for (l, lane) in lanes.enumerated() where lane.kind == .sync {
            let ly = laneY[l], h = laneHeight(.sync)
            let group = groups[lane.group]
            if !group.warnings.isEmpty {
                o += "<rect x=\"\(f(label))\" y=\"\(f(ly))\" width=\"\(f(pw))\" height=\"\(f(h))\" fill=\"url(#warn)\" fill-opacity=\"0.8\"/>\n"
            }
            let my = ly + h - 9
            o += "<line x1=\"\(f(label))\" x2=\"\(f(label + pw))\" y1=\"\(f(my))\" y2=\"\(f(my))\" stroke=\"#c8ced8\"/>\n"
            for m in syncMarks where m.lane == l {
                let xx = x(Double(m.time) - Double(start))
                o += "<polygon points=\"\(f(xx)),\(f(my - 6)) \(f(xx + 5)),\(f(my)) \(f(xx)),\(f(my + 6)) \(f(xx - 5)),\(f(my))\" fill=\"\(Self.vcpuColor(m.cpu))\"/>\n"
            }
            var text = ""
            if let w = group.warnings.first { text = "⚠ " + w + (group.warnings.count > 1 ? " (+\(group.warnings.count - 1) more)" : "") + "   " }
            if let p = lane.peer, let q = peers[p].syncQuality { text += Self.syncFigures(q) }
            o += "<text x=\"\(f(label + 8))\" y=\"\(f(ly + 12))\" font-size=\"11\" fill=\"\(group.warnings.isEmpty ? "#3a4252" : "#b3261e")\" "
            o += "stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(Self.escapeHTML(text))</text>\n"
        }
        for m in lost {
            let xx = x(Double(m.time &- start)), ly = laneY[m.lane], h = laneHeight(lanes[m.lane].kind)
            o += "<rect x=\"\(f(xx))\" y=\"\(f(ly))\" width=\"1\" height=\"\(f(h))\" fill=\"#d32f2f\"/>"
            o += "<polygon points=\"\(f(xx - 5)),\(f(ly)) \(f(xx + 5)),\(f(ly)) \(f(xx)),\(f(ly + 7))\" fill=\"#d32f2f\"/>\n"
        }
        // Legend: events per file.
        o += "<text x=\"10\" y=\"\(f(legendY + 6))\" font-weight=\"bold\" fill=\"#5d6677\" font-size=\"11\">FILES</text>\n"
        for (i, p) in peers.enumerated() {
            let ly = legendY + 24 + Double(i) * 18
            var t = "\(baseName(p.path)): \(p.role)\(p.guestName.map { " " + $0 } ?? ""), \(p.eventCount) events"
            if p.lostMarks > 0 { t += ", events lost at \(p.lostMarks) place\(p.lostMarks == 1 ? "" : "s")" }
            o += "<text x=\"10\" y=\"\(f(ly))\" fill=\"#1d2430\">\(Self.escapeHTML(t))</text>\n"
        }
        o += "<text x=\"\(W - 10)\" y=\"\(f(legendY + 6))\" text-anchor=\"end\" fill=\"#5d6677\" font-size=\"11\">"
        o += "\(Self.seconds(start, decimals: 6)) … \(Self.seconds(end, decimals: 6)) s · tracecmd view</text>\n"
        o += "</svg>\n"
        return o
    }

    /// The colour of task `t` (+1; 0 = none) as the page computes it: a hue from the FNV-1a
    /// hash of the task's name (UTF-16 units, as JavaScript's `charCodeAt`).
    func taskColor(_ t: UInt32) -> String {
        guard t > 0, Int(t) <= tasks.count else { return "#999999" }
        var h: UInt32 = 2_166_136_261
        for u in tasks[Int(t) - 1].comm.utf16 {
            h ^= UInt32(u)
            h = h &* 16_777_619
        }
        let hue = Double(h % 360), sat = Double(48 + (h >> 9) % 22) / 100, lig = Double(52 + (h >> 17) % 14) / 100
        return Self.hsl(hue, sat, lig)
    }

    static func hsl(_ h: Double, _ s: Double, _ l: Double) -> String {
        let c = (1 - abs(2 * l - 1)) * s
        let hp = h / 60
        let xv = c * (1 - abs(hp.truncatingRemainder(dividingBy: 2) - 1))
        var (r, g, b) = (0.0, 0.0, 0.0)
        switch hp {
        case ..<1: (r, g, b) = (c, xv, 0)
        case ..<2: (r, g, b) = (xv, c, 0)
        case ..<3: (r, g, b) = (0, c, xv)
        case ..<4: (r, g, b) = (0, xv, c)
        case ..<5: (r, g, b) = (xv, 0, c)
        default: (r, g, b) = (c, 0, xv)
        }
        let m = l - c / 2
        func hex(_ v: Double) -> String {
            let n = Swift.max(0, Swift.min(255, Int(((v + m) * 255).rounded())))
            let s = String(n, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + hex(r) + hex(g) + hex(b)
    }

    static func cpuColor(_ c: Int) -> String {
        let pal = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
        return pal[((c % pal.count) + pal.count) % pal.count]
    }

    static func vcpuColor(_ c: Int) -> String {
        let pal = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
        return pal[((c % pal.count) + pal.count) % pal.count]
    }

    /// `SECONDS.FRACTION` of a nanosecond time with `decimals` decimals (truncated).
    static func seconds(_ ns: UInt64, decimals: Int) -> String {
        let s = String(ns / 1_000_000_000)
        guard decimals > 0 else { return s }
        let frac = String(ns % 1_000_000_000)
        let padded = String(repeating: "0", count: 9 - frac.count) + frac
        return s + "." + padded.prefix(Swift.min(9, decimals))
    }
}
