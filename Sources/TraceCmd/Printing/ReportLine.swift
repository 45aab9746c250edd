@_spi(Engine) import TraceEvent

/// The text of one `trace-cmd report` line: the prefix (`%16s-%-5d [%03d] time:`), the event
/// name and its info, and a dropped-events line before it. Shared by the report and the event
/// API, so that both print the same line.
@_spi(Engine) public enum ReportLine {
    @_spi(Engine) public static func appendLabel(_ label: [UInt8], width: Int, into out: inout TextBuffer) {
        out.append(repeating: 0x20, count: width - label.count)
        out.append(contentsOf: label)
        if label.isEmpty {
            out.append(0x20); out.append(0x20)
        } else {
            out.append(0x3a); out.append(0x20)
        }
    }

    @_spi(Engine) public static let spaces = [UInt8](repeating: 0x20, count: 64)

    /// The options that shape every report line, as a plain value (formatting threads copy
    /// it instead of sharing the report's options and their arrays).
    @_spi(Engine) public struct LineFormat: Sendable {
        @_spi(Engine) public var latency: Bool
        @_spi(Engine) public var raw: Bool
        @_spi(Engine) public var nanoseconds: Bool
        @_spi(Engine) public var tsDiff: Bool

        @_spi(Engine) public init(latency: Bool, raw: Bool, nanoseconds: Bool, tsDiff: Bool) {
            self.latency = latency
            self.raw = raw
            self.nanoseconds = nanoseconds
            self.tsDiff = tsDiff
        }
    }


    /// What a report line needs of its input besides the record: fixed per handle, a value
    /// that formatting threads can hold without touching the handle.
    @_spi(Engine) public struct LineStyle: Sendable {
        @_spi(Engine) public var inUsecs: Bool
        @_spi(Engine) public var useTraceClock: Bool
        @_spi(Engine) public var byteOrder: ByteOrder

        @_spi(Engine) public init(inUsecs: Bool, useTraceClock: Bool, byteOrder: ByteOrder) {
            self.inUsecs = inUsecs
            self.useTraceClock = useTraceClock
            self.byteOrder = byteOrder
        }

        /// The style of `file`'s lines: seconds.microseconds when the file's clock counts
        /// nanoseconds (or TSC2NSEC converts it) unless timestamps are shown raw; `--ts-diff`
        /// in the trace clock's units when the file stores its clock.
        ///
        /// libtracecmd starts in microseconds and leaves that only while it parses a stored
        /// clock (a TRACECLOCK option): a file without one (older trace-cmd) keeps
        /// seconds.microseconds even with raw timestamps.
        @_spi(Engine) public init(file: TraceFile, rawTimestamps: Bool) {
            let storesClock = file.options.contains { $0.id == .traceClock }
            let inUsecs = !storesClock || (!rawTimestamps
                && ((file.tsc2nsec.map { $0.multiplier != 0 } ?? false) || LineStyle.clockInUsecs(file.clock)))
            self.init(inUsecs: inUsecs, useTraceClock: storesClock, byteOrder: file.byteOrder)
        }

        /// The clocks in nanoseconds, whose times the report prints as seconds.microseconds.
        static let nanosecondClocks: Set<String> = ["local", "global", "uptime", "perf", "tai", "x86-tsc-nsec"]

        @_spi(Engine) public static func clockInUsecs(_ clock: String) -> Bool {
            nanosecondClocks.contains(clock) || clock.hasPrefix("mono")
        }
    }

    /// Formats one report line (and a dropped-events line before it).
    ///
    /// - Parameters:
    ///   - pageRest: for `-R`, the payload followed by the rest of its page.
    ///   - comm: the comm shown for the record's pid (looked up in record order; see
    ///     `LineScratch.withBytes(of:_:)`).
    @inlinable @inline(__always)
    package static func writeLine(payload: RawBytes, pageRest: RawBytes?, cpu: Int, timestamp ts: UInt64,
             missed: Int64, comm: RawBytes, style h: LineStyle, format options: LineFormat,
             printer: EventPrinter, eventIndex: Int?, lastTS: inout UInt64, into out: inout TextBuffer) {
        options.writeLine(payload: payload, pageRest: pageRest, cpu: cpu, timestamp: ts, missed: missed, comm: comm,
                          style: h, printer: printer, eventIndex: eventIndex, lastTS: &lastTS, into: &out)
    }

    /// `data_latency_format`: irqs-off, need-resched, hard/soft irq, preempt depth.
    package static func appendLatencyFlags(_ payload: RawBytes, printer: EventPrinter, into out: inout TextBuffer) {
        let order = printer.file.byteOrder
        let layout = printer.registry.commonLayout
        let flags = payload.withSpan { layout.flags(in: $0, order: order) } ?? 0
        let pc = payload.withSpan { layout.preemptCount(in: $0, order: order) } ?? 0
        let hard = flags & 0x08 != 0, soft = flags & 0x10 != 0
        out.append(flags & 0x01 != 0 ? UInt8(ascii: "d") : flags & 0x02 != 0 ? UInt8(ascii: "X") : UInt8(ascii: "."))
        out.append(flags & 0x04 != 0 ? UInt8(ascii: "N") : UInt8(ascii: "."))
        out.append(hard && soft ? UInt8(ascii: "H") : hard ? UInt8(ascii: "h") : soft ? UInt8(ascii: "s") : UInt8(ascii: "."))
        if pc & 0xf != 0 { Self.appendHex(pc & 0xf, into: &out) } else { out.append(UInt8(ascii: ".")) }
        if pc & 0xf0 != 0 { Self.appendHex(pc >> 4, into: &out) } else { out.append(UInt8(ascii: ".")) }
        for name in ["common_migrate_disable", "common_lock_depth"] {
            if let f = printer.hasCommonField(name) {
                let v = payload.withSpan { f.signedValue(in: $0, order: order) } ?? -1
                if v < 0 { out.append(UInt8(ascii: ".")) } else { out.appendDecimal(v) }
            }
        }
    }

    /// `%5llu.%06llu` of microseconds (rounded), or `%5llu.%09llu` of nanoseconds.
    @_spi(Engine) public static func appendTime(_ ts: UInt64, into out: inout TextBuffer, nanoseconds: Bool) {
        if nanoseconds {
            Self.appendRight(ts / 1_000_000_000, width: 5, into: &out)
            out.append(0x2e)
            Self.appendZeroPadded(ts % 1_000_000_000, width: 9, into: &out)
        } else {
            let us = (ts &+ 500) / 1000
            Self.appendRight(us / 1_000_000, width: 5, into: &out)
            out.append(0x2e)
            Self.appendZeroPadded(us % 1_000_000, width: 6, into: &out)
        }
    }

    @_spi(Engine) public static func appendRight(_ v: UInt64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v)
        if n < width { out.append(repeating: 0x20, count: width - n) }
        out.appendDecimal(v)
    }

    @_spi(Engine) public static func appendRight(_ v: Int64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v.magnitude) + (v < 0 ? 1 : 0)
        if n < width { out.append(repeating: 0x20, count: width - n) }
        out.appendDecimal(v)
    }

    @_spi(Engine) public static func appendLeft(_ v: Int64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v.magnitude) + (v < 0 ? 1 : 0)
        out.appendDecimal(v)
        if n < width { out.append(repeating: 0x20, count: width - n) }
    }

    @_spi(Engine) public static func appendZeroPadded(_ v: UInt64, width: Int, into out: inout TextBuffer) {
        let n = Self.digits(v)
        if n < width { out.append(repeating: 0x30, count: width - n) }
        out.appendDecimal(v)
    }

    /// Lower-case hexadecimal digits of `v` (`%x`).
    @_spi(Engine) public static func appendHex(_ v: UInt64, into out: inout TextBuffer) {
        var n = 1
        while n < 16 && v >> (4 * UInt64(n)) != 0 { n += 1 }
        var i = n
        while i > 0 {
            i -= 1
            let d = UInt8(truncatingIfNeeded: (v >> (4 * UInt64(i))) & 15)
            out.append(d < 10 ? 0x30 &+ d : 0x61 &- 10 &+ d)
        }
    }

    @_spi(Engine) public static func digits(_ v: UInt64) -> Int { LineScratch.digits(v) }
}

extension ReportLine.LineFormat {
    /// ``ReportLine/writeLine(payload:pageRest:cpu:timestamp:missed:comm:style:format:printer:eventIndex:lastTS:into:)``
    /// in this format.
    ///
    /// A method of the format, not a static method of ``ReportLine``: the optimizer
    /// specializes a static method to drop its unused metatype, which leaves callers in other
    /// modules (the report's loops) a thunk that copies the dozen arguments once more per line.
    @usableFromInline
    package func writeLine(payload: RawBytes, pageRest: RawBytes?, cpu: Int, timestamp ts: UInt64,
                           missed: Int64, comm: RawBytes, style h: ReportLine.LineStyle, printer: EventPrinter,
                           eventIndex: Int?, lastTS: inout UInt64, into out: inout TextBuffer) {
        if missed > 0 {
            out.append("CPU:" as StaticString); out.appendDecimal(UInt64(cpu)); out.append(" [" as StaticString)
            out.appendDecimal(missed); out.append(" EVENTS DROPPED]\n" as StaticString)
        } else if missed < 0 {
            out.append("CPU:"); out.appendDecimal(UInt64(cpu)); out.append(" [EVENTS DROPPED]\n")
        }
        let lineStart = out.count
        let pid = printer.pid(of: payload)
        if latency {
            // "%8.8s-%-5d %3d"
            let c = comm.clampedSlice(0..<8)
            out.append(repeating: 0x20, count: 8 - c.count)
            out.append(contentsOf: c)
            out.append(0x2d)
            ReportLine.appendLeft(Int64(pid), width: 5, into: &out)
            out.append(0x20)
            ReportLine.appendRight(Int64(cpu), width: 3, into: &out)
            if raw {
                out.append("-0x" as StaticString)
                let layout = printer.registry.commonLayout
                let flags = payload.withSpan { layout.flags(in: $0, order: h.byteOrder) } ?? 0
                ReportLine.appendHex(flags, into: &out)
            } else {
                ReportLine.appendLatencyFlags(payload, printer: printer, into: &out)
            }
        } else if comm.count <= 32 {
            // The common case in one copy: "%16s-%-5d [%03d]" and the time column.
            LineScratch.appendPrefix(comm: comm, pid: pid, cpu: cpu, timestamp: ts, inUsecs: h.inUsecs,
                                     nanoseconds: nanoseconds, into: &out)
        } else {
            // "%16s-%-5d [%03d]"
            out.append(repeating: 0x20, count: 16 - comm.count)
            out.append(contentsOf: comm)
            out.append(0x2d)
            ReportLine.appendLeft(Int64(pid), width: 5, into: &out)
            out.append(" [" as StaticString)
            ReportLine.appendZeroPadded(UInt64(cpu), width: 3, into: &out)
            out.append(0x5d)
        }
        if latency || comm.count > 32 {
            if h.inUsecs {
                out.append(0x20)
                ReportLine.appendTime(ts, into: &out, nanoseconds: nanoseconds)
                out.append(0x3a)
            } else {
                ReportLine.appendRight(ts, width: 12, into: &out)
                out.append(0x3a)
            }
        }
        if tsDiff {
            var recTS = ts
            if h.useTraceClock && !nanoseconds { recTS = (recTS &+ 500) / 1000 }
            out.append(0x20)
            let textStart = out.count
            if lastTS != 0 {
                out.append(0x28); out.append(0x2b)
                out.appendDecimal(Int64(bitPattern: recTS &- lastTS))
                out.append(0x29)
            }
            lastTS = recTS
            out.append(repeating: 0x20, count: 8 - (out.count - textStart))
        }
        out.append(0x20)
        if let idx = eventIndex {
            printer.writeNameAndInfo(eventIndex: idx, payload: payload, pageRest: pageRest, cpu: cpu, timestamp: ts,
                                     into: &out)
        } else {
            out.append("(NULL): " as StaticString)
            out.append(contentsOf: ReportLine.spaces[0..<14])
            let layout = printer.registry.commonLayout
            let id = payload.withSpan { layout.eventID(in: $0, order: h.byteOrder) } ?? -1
            out.append("[UNKNOWN EVENT \(id)]")
        }
        if out.count > lineStart, out.last == 0x0a {
            out.removeLast()
        }
        out.append(0x0a)
    }
}
