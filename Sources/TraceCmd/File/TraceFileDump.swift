@_spi(Engine) import TraceEvent
/// Renders a trace file's layout and metadata as text, in the layout of `trace-cmd dump`.
///
/// ``options(of:)`` prints the same lines as `trace-cmd dump --options`; ``summary(of:displayPath:)``
/// those of `trace-cmd dump --summary`; ``dump(of:displayPath:items:)`` any set of items. All
/// walk the file as stored (``TraceFileDumpWalker``).
@_spi(Engine) public enum TraceFileDump {
    /// The `--options` listing.
    @_spi(Engine) public static func options(of file: TraceFile) -> String {
        dump(of: file, displayPath: file.path, items: .options).text
    }

    /// The listing of `items`, as `trace-cmd dump` prints it, and where it stopped early (the
    /// reference's message), if it did before the last line it prints (the rest of the file is
    /// not read once nothing more would be printed).
    @_spi(Engine) public static func dump(of file: TraceFile, displayPath: String, items: DumpItems)
        -> (text: String, failure: DumpFailure?) {
        var bytes: [UInt8] = []
        do {
            try TraceFileDumpWalker.dump(file.mapped, displayPath: displayPath, items: items,
                                         stopWhenSilent: true) { bytes += $0 }
        } catch {
            return (String(decoding: bytes, as: UTF8.self), error)
        }
        return (String(decoding: bytes, as: UTF8.self), nil)
    }

    /// The `--summary` listing.
    @_spi(Engine) public static func summary(of file: TraceFile, displayPath: String? = nil) -> String {
        dump(of: file, displayPath: displayPath ?? file.path, items: .summary).text
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16, uppercase: true) }
}

extension TraceFile {
    /// For v7: the sections laid out one after the other from ``sectionsStart`` (how
    /// `trace-cmd dump` walks them), stopping at the end of the file or at a header that does
    /// not fit. Bounded by the file size.
    @_spi(Engine) public func sequentialSections() -> [SectionInfo] {
        guard let start = sectionsStart else { return [] }
        var out: [SectionInfo] = []
        var at = start
        let bytes = mapped.view
        while at + SectionInfo.headerSize <= bytes.count {
            guard let id = bytes.loadUnsigned(at: at, size: 2, order: byteOrder),
                  let fl = bytes.loadUnsigned(at: at + 2, size: 2, order: byteOrder),
                  let sid = bytes.loadUnsigned(at: at + 4, size: 4, order: byteOrder),
                  let size = bytes.loadUnsigned(at: at + 8, size: 8, order: byteOrder) else { break }
            out.append(SectionInfo(id: UInt16(id), flags: UInt16(fl), stringID: UInt32(sid), name: nil,
                                   offset: at, size: Int(clamping: size)))
            guard size <= UInt64(bytes.count - at - SectionInfo.headerSize) else { break }
            at += SectionInfo.headerSize + Int(size)
        }
        return out
    }

    /// Section description strings by id (offset into the concatenated STRINGS sections).
    @_spi(Engine) public var sectionNames: [Int: String] {
        var all: [UInt8] = []
        for s in sequentialSections() where s.id == TraceOption.ID.strings.rawValue {
            if s.isCompressed {
                if let c = try? FileLayoutReader.decompressSection(s, bytes: mapped.view, order: byteOrder,
                                                                   decompressor: decompressor, file: path) {
                    all += c
                }
            } else if s.size <= mapped.count - s.contentOffset {
                // (A section whose size does not fit may be listed last; its size can be Int.max.)
                all += mapped.copyBytes(s.contentRange)
            }
        }
        var names: [Int: String] = [:]
        var start = 0
        for i in all.indices where all[i] == 0 {
            names[start] = String(decoding: all[start..<i], as: UTF8.self)
            start = i + 1
        }
        return names
    }
}
