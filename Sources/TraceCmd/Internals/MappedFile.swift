@_spi(Engine) import TraceEvent
/// A read-only memory mapping of a whole file. The bytes stay valid as long as the object lives.
///
/// The engine reads them through ``view`` (a bounds-checked `RawBytes`), ``copyBytes(_:)``
/// and ``cursor(_:order:file:context:)``; ``bytes`` (the raw buffer) remains for the writers
/// that copy pages with their own pointers.
///
/// `@unchecked Sendable`: every property is a `let` and the bytes are never written after
/// `init` (a read-only mapping, or a private copy); the page hints change no byte.
@safe
@_spi(Engine) public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    @_spi(Engine) public let path: String
    /// The file's bytes (valid while this object lives).
    @unsafe package let bytes: UnsafeRawBufferPointer
    /// The file's bytes as a bounds-checked view (valid while this object lives).
    package var view: RawBytes { unsafe RawBytes(unsafeBytes: bytes) }
    private let mapped: Bool

    /// The file's size in bytes (``copyBytes(_:)`` copies a part of them).
    @_spi(Engine) public var count: Int { unsafe bytes.count }

    /// Maps the file at `path` read-only.
    @_spi(Engine) public convenience init(path: String) throws(TraceFileError) {
        let (fd, error) = LibC.openReadOnly(path)
        if let error {
            throw TraceFileError(file: path, context: "open", offset: 0, kind: .io(LibC.errorText(error)))
        }
        defer { LibC.closeFile(fd) }
        try self.init(mapping: fd, path: path)
    }

    /// Maps the file open as `fd` read-only (the descriptor stays the caller's: it may be
    /// closed once this returns).
    @_spi(Engine) public convenience init(fileDescriptor fd: Int32, path: String) throws(TraceFileError) {
        try self.init(mapping: fd, path: path)
    }

    private init(mapping fd: Int32, path: String) throws(TraceFileError) {
        self.path = path
        switch LibC.fileKind(fd) {
        case .directory?:
            throw TraceFileError(file: path, context: "open", offset: 0, kind: .io(LibC.isADirectoryText))
        case .other?:
            throw TraceFileError(file: path, context: "open", offset: 0,
                                 kind: .io("not a regular file (a pipe, socket or character device cannot be mapped)"))
        case .regular?, .blockDevice?, nil:
            break
        }
        let (size, statError) = LibC.fileSize(fd)
        if let statError {
            throw TraceFileError(file: path, context: "stat", offset: 0, kind: .io(LibC.errorText(statError)))
        }
        if size == 0 {
            unsafe bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            mapped = false
            return
        }
        let (base, mapError) = unsafe LibC.mapReadOnly(fd, size: size)
        guard let p = unsafe base else {
            throw TraceFileError(file: path, context: "mmap", offset: 0, kind: .io(LibC.errorText(mapError ?? 0)))
        }
        unsafe bytes = UnsafeRawBufferPointer(start: p, count: size)
        mapped = true
    }

    /// Wraps bytes already in memory (copied), e.g. for tests or fuzzing.
    @_spi(Engine) public init(copying data: [UInt8], path: String = "<memory>") {
        self.path = path
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        unsafe data.withUnsafeBytes { src in
            if let s = src.baseAddress, let d = p.baseAddress { unsafe d.copyMemory(from: s, byteCount: data.count) }
        }
        unsafe bytes = UnsafeRawBufferPointer(start: p.baseAddress, count: data.count)
        mapped = false
    }

    /// The file's bytes in `range` (clamped to the file), copied.
    @_spi(Engine) public func copyBytes(_ range: Range<Int>) -> [UInt8] {
        view.array(range)
    }

    /// A cursor over the file's bytes in `range` (clamped to the file), numbered by file offset.
    @_spi(Engine) public func cursor(_ range: Range<Int>, order: ByteOrder, file: String,
                                     context: String) -> ByteCursor {
        ByteCursor(bytes: view.clampedSlice(range), order: order, baseOffset: range.lowerBound,
                   file: file, context: context)
    }

    /// Tells the kernel that the mapped bytes in `range` (file offsets) are not needed for a
    /// while: their pages leave the process's resident set (the page cache keeps them, and a
    /// later access reads them again). Only whole system pages inside `range` are released.
    /// Used to keep the resident memory of a long sequential read bounded.
    @_spi(Engine) public func releasePages(_ range: Range<Int>) {
        guard mapped, let base = unsafe bytes.baseAddress else { return }
        let page = MappedFile.systemPageSize
        let lo = (max(0, range.lowerBound) + page - 1) / page * page
        let hi = min(range.upperBound, count) / page * page
        guard hi > lo else { return }
        unsafe LibC.adviseNotNeeded(base + lo, count: hi - lo)
    }

    /// Asks the kernel to map the bytes in `range` now, in one call (`MADV_POPULATE_READ`),
    /// instead of one page fault per few pages as they are first read. A hint: kernels
    /// without it (before 5.14) fault the pages in on access as usual.
    @_spi(Engine) public func prefault(_ range: Range<Int>) {
        guard mapped, let base = unsafe bytes.baseAddress else { return }
        let page = MappedFile.systemPageSize
        let lo = max(0, range.lowerBound) / page * page
        let hi = min(range.upperBound, count)
        guard hi > lo else { return }
        unsafe LibC.advisePopulateRead(base + lo, count: hi - lo)
    }

    static let systemPageSize = max(4096, LibC.pageSize ?? 0)

    deinit {
        if mapped, let base = unsafe bytes.baseAddress {
            unsafe LibC.unmap(base, count: bytes.count)
        } else if let base = unsafe bytes.baseAddress {
            unsafe UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
