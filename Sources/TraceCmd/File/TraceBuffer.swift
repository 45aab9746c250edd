@_spi(Engine) import TraceEvent
/// One ring buffer stored in a trace file: the top-level buffer or an instance (`-B name`).
public struct TraceBuffer: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the buffer's data is stored.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Binary ring-buffer pages, per CPU.
        case flyrecord
        /// ASCII text of the kernel's `trace` file (latency tracers).
        case latency
    }

    /// The instance name; empty for the top-level buffer.
    public var name: String
    /// The trace clock the buffer used (`local`, `counter`, `x86-tsc`, ...), when known.
    public var clock: String?
    /// Ring-buffer page size in bytes.
    public var pageSize: Int
    /// Where each CPU's data lives, in file order.
    public var cpus: [CPUDataLocation]
    /// Whether the CPU data is compressed in chunks.
    public var isCompressed: Bool
    /// Flyrecord or latency text.
    public var kind: Kind
    /// For a latency buffer: the file offset and size of its text.
    public var textRange: Range<Int>?

    /// Whether this is the top-level buffer.
    public var isTopLevel: Bool { name.isEmpty }
    /// Total bytes of CPU data in the file.
    public var dataSize: Int { cpus.reduce(0) { $0 + $1.size } }

    /// Name (`top` for the top-level buffer), kind, clock when known, and the CPUs with data,
    /// e.g. `top: flyrecord, clock local, CPUs 0 1`.
    public var description: String {
        var s = "\(isTopLevel ? "top" : name): \(kind)"
        if let clock, !clock.isEmpty { s += ", clock \(clock)" }
        s += cpus.isEmpty ? ", no CPUs" : ", CPUs " + cpus.map { String($0.cpu) }.joined(separator: " ")
        if isCompressed { s += ", compressed" }
        return s
    }
}

/// A section of a version 7 file, as found by following the options.
public struct SectionInfo: Sendable, Hashable, Codable {
    /// The section id: the ``TraceOption/ID`` raw value of the option that points to it
    /// (`done` for an options section, `buffer` for flyrecord data, `bufferText`, `strings`,
    /// `headerInfo` ... `cmdlines`).
    public var id: UInt16
    /// Section flags (bit 0: compressed).
    public var flags: UInt16
    /// The description string id (an offset into the strings).
    public var stringID: UInt32
    /// The description, when the STRINGS are known.
    public var name: String?
    /// File offset of the section header.
    public var offset: Int
    /// Size of the section's content in the file (compressed size when compressed).
    public var size: Int
    /// Whether the content is compressed.
    public var isCompressed: Bool { flags & 1 != 0 }

    /// Bytes of a section header: id (2), flags (2), description string id (4), size (8).
    public static let headerSize = 16
    /// File offset of the section's content (just after its header).
    public var contentOffset: Int { offset + Self.headerSize }
    /// File offsets of the section's content as stored (compressed when compressed).
    public var contentRange: Range<Int> { contentOffset..<(contentOffset + size) }
}

extension TraceFile {
    /// The ASCII text of a latency buffer (the kernel's `trace` file as recorded), or `nil` for a
    /// flyrecord buffer. A compressed v7 BUFFER_TEXT section is decompressed.
    public func latencyText(of buffer: TraceBuffer) throws(TraceFileError) -> [UInt8]? {
        guard buffer.kind == .latency, let range = buffer.textRange else { return nil }
        if version >= 7, let s = sections.first(where: { $0.id == TraceOption.ID.bufferText.rawValue && $0.contentOffset == range.lowerBound }),
           s.isCompressed {
            return try FileLayoutReader.decompressSection(s, bytes: mapped.view, order: byteOrder,
                                                          decompressor: decompressor, file: path)
        }
        return mapped.copyBytes(range)
    }
}
