@_spi(Engine) import TraceEvent

/// The output file: buffered sequential writes, patches at earlier offsets, and positioned
/// writes from several threads at once (`pwrite` is safe to call concurrently on one
/// descriptor), through `LibC`'s safe wrappers.
///
/// `@safe`: bytes come in as arrays and `RawBytes` views; the raw buffer stays inside. `@unchecked Sendable`: only ``writeConcurrently(_:at:)`` is called from
/// worker threads, and it touches nothing but the descriptor; everything else runs on the
/// writing thread.
@safe
final class FileSink: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// The offset of the next sequential byte.
    private(set) var position = 0
    /// The highest offset written so far (sequentially or by position).
    private var end = 0
    let order: ByteOrder

    static let bufferSize = 1 << 20
    /// Whether the output is a regular file (not a device or pipe such as `/dev/null`): only
    /// then is it truncated to its final size, or removed after a failed write.
    private let isRegularFile: Bool

    init(path: String, order: ByteOrder) throws(TraceWriteError) {
        self.path = path
        self.order = order
        let (fd, error) = LibC.createFile(path)
        if let error { throw TraceWriteError(file: path, context: "open", kind: .io(LibC.errorText(error))) }
        self.fd = fd
        isRegularFile = LibC.fileKind(fd) == .regular
        unsafe buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        unsafe buffer.deallocate()
        if fd >= 0 { LibC.closeFile(fd) }
    }

    /// The error of `context` with the C library's text for `code` (an `errno` value).
    private func fail(_ context: String, _ code: Int32) -> TraceWriteError {
        TraceWriteError(file: path, context: context, kind: .io(LibC.errorText(code)))
    }

    func flush() throws(TraceWriteError) {
        guard buffered > 0 else { return }
        let start = position - buffered
        let span = unsafe RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        if let error = LibC.writeAll(fd, span, at: start) { throw fail("write", error) }
        buffered = 0
    }

    /// Appends `bytes` at ``position``.
    func write(_ bytes: RawBytes) throws(TraceWriteError) {
        if bytes.count >= Self.bufferSize / 2 {
            try flush()
            if let error = bytes.withSpan({ LibC.writeAll(fd, $0, at: position) }) { throw fail("write", error) }
            position += bytes.count
            end = max(end, position)
            return
        }
        if buffered + bytes.count > Self.bufferSize { try flush() }
        if let src = unsafe bytes.unsafeBuffer.baseAddress, let dst = unsafe buffer.baseAddress {
            unsafe (dst + buffered).copyMemory(from: src, byteCount: bytes.count)
        }
        buffered += bytes.count
        position += bytes.count
        end = max(end, position)
    }

    /// Appends `bytes` at ``position``.
    func write(_ bytes: [UInt8]) throws(TraceWriteError) {
        var failure: TraceWriteError?
        unsafe bytes.withUnsafeBytes { b in
            do throws(TraceWriteError) { try write(unsafe RawBytes(unsafeBytes: b)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func write(_ e: ByteEncoder) throws(TraceWriteError) { try write(e.bytes) }

    /// Moves ``position`` forward to a multiple of `alignment` (the gap reads as zeros).
    func align(to alignment: Int) throws(TraceWriteError) {
        let next = (position + alignment - 1) / alignment * alignment
        try skip(to: next)
    }

    /// Moves ``position`` forward to `offset`, leaving a hole (zeros) in between.
    func skip(to offset: Int) throws(TraceWriteError) {
        guard offset > position else { return }
        try flush()
        position = offset
    }

    /// Overwrites bytes already written (or reserved) at `offset`.
    func patch(_ bytes: [UInt8], at offset: Int) throws(TraceWriteError) {
        try flush()
        if let error = bytes.withRawSpan({ LibC.writeAll(fd, $0, at: offset) }) { throw fail("write", error) }
        end = max(end, offset + bytes.count)
    }

    /// Writes `bytes` at `offset` from any thread (for ranges past ``position`` that the
    /// writing thread skipped). Returns the `errno` value of an I/O error, or `nil`.
    func writeConcurrently(_ bytes: RawBytes, at offset: Int) -> Int32? {
        bytes.withSpan { LibC.writeAll(fd, $0, at: offset) }
    }

    /// Notes that bytes up to `offset` were written concurrently.
    func noteWritten(upTo offset: Int) { end = max(end, offset) }

    /// Removes the file (after a failed write: a partial file is never left behind).
    func discard() {
        buffered = 0
        _ = LibC.removeFileIfPresent(path)
    }

    /// Flushes and gives the file its final size (a trailing hole is made real).
    func finish() throws(TraceWriteError) {
        try flush()
        let size = max(end, position)
        // A device or pipe (`-o /dev/null`) has no size to give.
        guard isRegularFile else { return }
        if let error = LibC.truncateFile(fd, size: size) { throw fail("truncate", error) }
    }
}
