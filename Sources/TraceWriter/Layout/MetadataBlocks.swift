@_spi(Engine) import TraceEvent
@_spi(Engine) import TraceCmd

/// The metadata blocks shared by both versions, encoded from a source file: in version 6
/// they follow each other after the initial format; in version 7 each is the content of a
/// section.
struct MetadataBlocks {
    var headerInfo: [UInt8]
    var ftraceEvents: [UInt8]
    var eventFormats: [UInt8]
    var kallsyms: [UInt8]
    var printk: [UInt8]
    var cmdlines: [UInt8]

    init(_ f: TraceFile) throws(TraceWriteError) {
        let order = f.byteOrder
        headerInfo = ByteEncoder.encode(order) { e in
            e.fixed("header_page", size: 12)
            e.u64(f.headerPage.utf8.count)
            e.raw(f.headerPage)
            e.fixed("header_event", size: 13)
            e.u64(f.headerEvent.utf8.count)
            e.raw(f.headerEvent)
        }
        ftraceEvents = ByteEncoder.encode(order) { e in
            e.u32(f.ftraceFormats.count)
            for t in f.ftraceFormats {
                e.u64(t.utf8.count)
                e.raw(t)
            }
        }
        eventFormats = ByteEncoder.encode(order) { e in
            e.u32(f.eventFormats.count)
            for (system, formats) in f.eventFormats {
                e.cString(system)
                e.u32(formats.count)
                for t in formats {
                    e.u64(t.utf8.count)
                    e.raw(t)
                }
            }
        }
        func text(_ what: String, _ read: () throws(TraceFileError) -> [UInt8]) throws(TraceWriteError) -> [UInt8] {
            do { return try read() } catch {
                throw TraceWriteError(file: f.path, context: what, kind: .input(error))
            }
        }
        let ks = try text("kallsyms") { () throws(TraceFileError) in try f.kallsymsText() }
        let pk = try text("printk formats") { () throws(TraceFileError) in try f.printkText() }
        let cl = try text("saved command lines") { () throws(TraceFileError) in try f.savedCmdlinesText() }
        kallsyms = ByteEncoder.encode(order) { e in e.u32(ks.count); e.raw(ks) }
        printk = ByteEncoder.encode(order) { e in e.u32(pk.count); e.raw(pk) }
        cmdlines = ByteEncoder.encode(order) { e in e.u64(cl.count); e.raw(cl) }
    }
}

extension TraceOption.ID {
    /// Options that describe the file's layout: rewritten by the writer, never copied.
    var isLayout: Bool {
        switch self {
        case .done, .buffer, .strings, .headerInfo, .ftraceEvents, .eventFormats, .kallsyms, .printk,
             .cmdlines, .bufferText:
            return true
        default:
            return false
        }
    }

    /// The metadata section an option points to (16-21).
    var isSectionPointer: Bool {
        switch self {
        case .headerInfo, .ftraceEvents, .eventFormats, .kallsyms, .printk, .cmdlines: return true
        default: return false
        }
    }
}
