#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@_spi(Engine) import TraceEvent

/// The output file: buffered sequential writes, patches at earlier offsets, and positioned
/// writes from several threads at once (`pwrite` is safe to call concurrently on one
/// descriptor). The only file of the module that imports the C library.
///
/// `@safe`: bytes come in as arrays and `RawBytes` views; the raw buffer and the C calls
/// stay inside. `@unchecked Sendable`: only ``writeConcurrently(_:at:)`` is called from
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

    init(path: String, order: ByteOrder) throws(TraceWriteError) {
        self.path = path
        self.order = order
        fd = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw TraceWriteError(file: path, context: "open", kind: .io(Self.errorText)) }
        unsafe buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        unsafe buffer.deallocate()
        if fd >= 0 { _ = close(fd) }
    }

    /// The C library's text for the last error (`errno`).
    static var errorText: String { unsafe String(cString: strerror(errno)) }

    private func fail(_ context: String) -> TraceWriteError {
        TraceWriteError(file: path, context: context, kind: .io(Self.errorText))
    }

    /// Writes `bytes` at `offset` without moving ``position`` (callers keep their ranges apart).
    @unsafe
    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard var p = bytes.baseAddress else { return true }
        var left = bytes.count, at = offset
        while left > 0 {
            let n = unsafe pwrite(fd, p, left, off_t(at))
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { errno = EIO; return false }
            unsafe p += n; left -= n; at += n
        }
        return true
    }

    func flush() throws(TraceWriteError) {
        guard buffered > 0 else { return }
        let start = position - buffered
        guard unsafe writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]), at: start) else { throw fail("write") }
        buffered = 0
    }

    /// Appends `bytes` at ``position``.
    func write(_ bytes: RawBytes) throws(TraceWriteError) {
        if bytes.count >= Self.bufferSize / 2 {
            try flush()
            guard unsafe writeAll(bytes.unsafeBuffer, at: position) else { throw fail("write") }
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
        let ok = unsafe bytes.withUnsafeBytes { unsafe writeAll($0, at: offset) }
        guard ok else { throw fail("write") }
        end = max(end, offset + bytes.count)
    }

    /// Writes `bytes` at `offset` from any thread (for ranges past ``position`` that the
    /// writing thread skipped). Returns `false` on an I/O error.
    func writeConcurrently(_ bytes: RawBytes, at offset: Int) -> Bool {
        unsafe writeAll(bytes.unsafeBuffer, at: offset)
    }

    /// Notes that bytes up to `offset` were written concurrently.
    func noteWritten(upTo offset: Int) { end = max(end, offset) }

    /// Removes the file (after a failed write: a partial file is never left behind).
    func discard() {
        buffered = 0
        _ = unsafe unlink(path)
    }

    /// Flushes and gives the file its final size (a trailing hole is made real).
    func finish() throws(TraceWriteError) {
        try flush()
        let size = max(end, position)
        guard ftruncate(fd, off_t(size)) == 0 else { throw fail("truncate") }
    }
}
