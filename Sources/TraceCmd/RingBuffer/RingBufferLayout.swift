@_spi(Engine) import TraceEvent
/// The layout of the kernel's ring-buffer pages and event headers, as described by the
/// `header_page` and `header_event` texts stored in every trace file.
///
/// A page (sub-buffer) starts with a 64-bit timestamp and a `long` commit word (its low 27
/// bits are the number of data bytes; bit 31 says events were lost before this page, bit 30
/// that their count is stored after the data). The data that follows is a sequence of
/// events, each with a 32-bit header of a 5-bit `type_len` and a 27-bit `time_delta`.
///
/// Like the reference (libtraceevent's kbuffer), the decoder uses the header page's
/// `commit` size as the kernel's long size (4 or 8) and the fixed positions of the page
/// header; a file whose texts describe anything else is refused rather than misread.
@_spi(Engine) public struct RingBufferLayout: Sendable, Equatable {
    /// A field of the page header: its offset and size in bytes.
    @_spi(Engine) public struct Field: Sendable, Equatable {
        /// Offset from the start of the page.
        @_spi(Engine) public var offset: Int
        /// Size in bytes.
        @_spi(Engine) public var size: Int

        /// A field at `offset` of `size` bytes.
        @_spi(Engine) public init(offset: Int, size: Int) {
            self.offset = offset
            self.size = size
        }
    }

    /// Byte order of the page words (the file's byte order).
    @_spi(Engine) public var byteOrder: ByteOrder
    /// The page's timestamp field (`u64 timestamp`, offset 0, size 8).
    @_spi(Engine) public var timestamp: Field
    /// The page's commit word (`local_t commit`, offset 8, size = kernel long size).
    @_spi(Engine) public var commit: Field
    /// The `overwrite` flag byte, when the kernel declares it.
    @_spi(Engine) public var overwrite: Field?
    /// The data area (`char data`): its offset is where the first event starts.
    @_spi(Engine) public var data: Field
    /// The event header format.
    @_spi(Engine) public var eventHeader: EventHeaderFormat

    /// The kernel's `long` size (4 or 8), taken from the commit field.
    @_spi(Engine) public var longSize: Int { commit.size }
    /// The number of bytes before the first event on a page (16 for 64-bit kernels, 12 for
    /// 32-bit ones), as kbuffer computes it.
    @_spi(Engine) public var pageHeaderSize: Int { 8 + commit.size }

    /// Commit word bit: events were lost between the previous page and this one.
    @_spi(Engine) public static let missedEventsFlag: UInt64 = 1 << 31
    /// Commit word bit: the number of lost events is stored right after the page's data.
    @_spi(Engine) public static let missedStoredFlag: UInt64 = 1 << 30
    /// The bits of the commit word that hold the data length.
    @_spi(Engine) public static let commitMask: UInt64 = (1 << 27) - 1

    /// The standard layout of a kernel with the given long size and byte order.
    @_spi(Engine) public init(longSize: Int, byteOrder: ByteOrder, pageSize: Int = 4096) {
        self.byteOrder = byteOrder
        timestamp = Field(offset: 0, size: 8)
        commit = Field(offset: 8, size: longSize)
        overwrite = Field(offset: 8, size: 1)
        data = Field(offset: 8 + longSize, size: max(0, pageSize - 8 - longSize))
        eventHeader = .standard
    }

    /// Parses the `header_page` and `header_event` texts of a file.
    ///
    /// - Parameters:
    ///   - headerPage: the `header_page` text (`field: u64 timestamp; offset:0; size:8; ...`).
    ///   - headerEvent: the `header_event` text; an empty text means the standard format
    ///     (the reference does not read this text at all).
    ///   - byteOrder: the file's byte order.
    ///   - file: the file's path, for error messages.
    /// - Throws: ``TraceFileError`` when a mandatory field is missing, the long size is not 4
    ///   or 8, or the layout differs from the one every kernel since 2.6.31 writes.
    @_spi(Engine) public init(headerPage: String, headerEvent: String, byteOrder: ByteOrder,
                file: String = "") throws(TraceFileError) {
        func fail(_ context: String, _ what: String) -> TraceFileError {
            TraceFileError(file: file, context: context, offset: 0, kind: .invalidValue(what))
        }
        guard !headerPage.isEmpty else {
            throw fail("header_page", "empty header page: the pre-2.6.31 ring-buffer format is not supported")
        }
        var fields: [String: Field] = [:]
        for line in headerPage.split(whereSeparator: { $0 == "\n" }) {
            guard let f = Self.parseFieldLine(line) else { continue }
            if fields[f.name] == nil { fields[f.name] = f.field }
        }
        guard let ts = fields["timestamp"] else { throw fail("header_page", "no timestamp field") }
        guard let commit = fields["commit"] else { throw fail("header_page", "no commit field") }
        guard let data = fields["data"] else { throw fail("header_page", "no data field") }
        guard ts.offset == 0, ts.size == 8 else {
            throw fail("header_page", "timestamp field at \(ts.offset) size \(ts.size); expected a u64 at offset 0")
        }
        guard commit.offset == 8, commit.size == 4 || commit.size == 8 else {
            throw fail("header_page", "commit field at \(commit.offset) size \(commit.size); expected a long at offset 8")
        }
        guard data.offset == 8 + commit.size else {
            throw fail("header_page", "data field at offset \(data.offset); expected \(8 + commit.size)")
        }
        self.byteOrder = byteOrder
        self.timestamp = ts
        self.commit = commit
        self.overwrite = fields["overwrite"]
        self.data = data
        self.eventHeader = try EventHeaderFormat(parsing: headerEvent, file: file)
    }

    /// Reads the layout of `file` from its `header_page` and `header_event` texts.
    @_spi(Engine) public init(file: TraceFile) throws(TraceFileError) {
        try self.init(headerPage: file.headerPage, headerEvent: file.headerEvent,
                      byteOrder: file.byteOrder, file: file.path)
    }

    /// Parses `field: <type> <name>; offset:N; size:N; [signed:N;]`.
    static func parseFieldLine(_ line: Substring) -> (name: String, field: Field)? {
        let parts = line.split(separator: ";").map { $0.trimmingSpaces() }
        guard parts.count >= 3, parts[0].hasPrefix("field:") else { return nil }
        let decl = parts[0].dropFirst("field:".count)
        guard var name = decl.split(whereSeparator: { $0 == " " || $0 == "\t" }).last else { return nil }
        if let bracket = name.firstIndex(of: "[") { name = name[..<bracket] }
        var offset: Int?
        var size: Int?
        for p in parts.dropFirst() {
            let kv = p.split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces() }
            guard kv.count == 2 else { continue }
            if kv[0] == "offset" { offset = Int(kv[1]) }
            if kv[0] == "size" { size = Int(kv[1]) }
        }
        guard let offset, let size, offset >= 0, size >= 0 else { return nil }
        return (String(name), Field(offset: offset, size: size))
    }
}

/// The ring-buffer event header format (`header_event`): bit widths and special type values.
@_spi(Engine) public struct EventHeaderFormat: Sendable, Equatable {
    /// Width of `type_len` (5).
    @_spi(Engine) public var typeLenBits: Int
    /// Width of `time_delta` (27).
    @_spi(Engine) public var timeDeltaBits: Int
    /// Width of the `array` word (32).
    @_spi(Engine) public var arrayBits: Int
    /// `type_len` of padding (29).
    @_spi(Engine) public var padding: UInt32
    /// `type_len` of a time extend (30).
    @_spi(Engine) public var timeExtend: UInt32
    /// `type_len` of an absolute time stamp (31).
    @_spi(Engine) public var timeStamp: UInt32
    /// The largest `type_len` of a data event whose length is `type_len * 4` (28).
    @_spi(Engine) public var maxDataTypeLen: UInt32

    /// The format of every kernel since 2.6.31.
    @_spi(Engine) public static let standard = EventHeaderFormat(typeLenBits: Standard.typeLenBits, timeDeltaBits: Standard.timeDeltaBits,
                                                   arrayBits: 32, padding: Standard.padding,
                                                   timeExtend: Standard.timeExtend, timeStamp: Standard.timeStamp,
                                                   maxDataTypeLen: Standard.maxDataTypeLen)

    /// The values of ``standard`` as constants, for the page decoder (which only knows that
    /// format). The header word holds `type_len` in its low 5 bits and `time_delta` in the
    /// 27 bits above when little-endian; `type_len` in the top 5 bits when big-endian.
    /// (Computed: constants folded into the decoder, with no global initialization.)
    enum Standard {
        static var typeLenBits: Int { 5 }
        static var timeDeltaBits: Int { 27 }
        /// `type_len` of padding.
        static var padding: UInt32 { 29 }
        /// `type_len` of a time extend: `time_delta` plus `array[0] << timeDeltaBits`.
        static var timeExtend: UInt32 { 30 }
        /// `type_len` of an absolute time stamp (its value lacks the top 5 bits).
        static var timeStamp: UInt32 { 31 }
        /// The largest `type_len` of a data event whose length is `type_len * 4`.
        static var maxDataTypeLen: UInt32 { 28 }
        /// `type_len` of a data event whose length is in `array[0]`.
        static var dataWithLength: UInt32 { 0 }
        /// Mask of `type_len` once shifted down (`0x1f`).
        static var typeLenMask: UInt32 { (1 << typeLenBits) - 1 }
        /// Mask of `time_delta` once shifted down (`0x07ff_ffff`).
        static var timeDeltaMask: UInt32 { (1 << timeDeltaBits) - 1 }
        /// The bits of a running time that an absolute time stamp does not carry (its top 5).
        static var timeStampHighBits: UInt64 { ~((1 << (64 - typeLenBits)) - 1) }
    }

    /// A format with the given widths and type values.
    @_spi(Engine) public init(typeLenBits: Int, timeDeltaBits: Int, arrayBits: Int, padding: UInt32, timeExtend: UInt32,
                timeStamp: UInt32, maxDataTypeLen: UInt32) {
        self.typeLenBits = typeLenBits
        self.timeDeltaBits = timeDeltaBits
        self.arrayBits = arrayBits
        self.padding = padding
        self.timeExtend = timeExtend
        self.timeStamp = timeStamp
        self.maxDataTypeLen = maxDataTypeLen
    }

    /// Parses a `header_event` text; lines it does not know are ignored, values it does not
    /// state keep their standard value. An empty text gives ``standard``.
    ///
    /// - Throws: ``TraceFileError`` when the text states a format other than ``standard``
    ///   (the decoder, like kbuffer, only knows that one).
    @_spi(Engine) public init(parsing text: String, file: String = "") throws(TraceFileError) {
        self = .standard
        for raw in text.split(whereSeparator: { $0 == "\n" }) {
            let line = raw.trimmingSpaces()
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("data max type_len") {
                if let v = Self.number(after: "==", in: line) { maxDataTypeLen = UInt32(clamping: v) }
                continue
            }
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces() }
            guard kv.count == 2 else { continue }
            let key = kv[0], value = kv[1]
            if value.hasSuffix("bits") {
                guard let n = Int(value.dropLast(4).trimmingSpaces()) else { continue }
                switch key {
                case "type_len": typeLenBits = n
                case "time_delta": timeDeltaBits = n
                case "array": arrayBits = n
                default: break
                }
            } else if value.hasPrefix("type") {
                guard let v = Self.number(after: "==", in: value) else { continue }
                let t = UInt32(clamping: v)
                switch key {
                case "padding": padding = t
                case "time_extend": timeExtend = t
                case "time_stamp": timeStamp = t
                default: break
                }
            }
        }
        guard self == .standard else {
            throw TraceFileError(file: file, context: "header_event", offset: 0,
                                 kind: .invalidValue("unsupported event header format \(self)"))
        }
    }

    static func number(after marker: String, in s: Substring) -> Int? {
        guard let r = s.firstRange(of: marker) else { return nil }
        return Int(s[r.upperBound...].trimmingSpaces())
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return s
    }
}
