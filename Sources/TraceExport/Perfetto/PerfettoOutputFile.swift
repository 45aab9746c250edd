#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The output file: created (or truncated) when opened, written in large blocks.
final class PerfettoOutputFile {
    let path: String
    private var fd: Int32
    private(set) var written = 0

    init(path: String) throws(PerfettoExportError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw .cannotCreate(path: path, errno: errno) }
    }

    /// Writes the content of `buffer` and empties it.
    func drain(_ buffer: inout ProtoBuffer) throws(PerfettoExportError) {
        var failure: Int32 = 0
        buffer.withBytes { b in
            guard var p = b.baseAddress else { return }
            var left = b.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { failure = EIO; return }
                p += n
                left -= n
                written += n
            }
        }
        buffer.removeAll()
        if failure != 0 { throw .writeFailed(path: path, offset: written, errno: failure) }
    }

    /// Closes the file (once).
    func finish() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
    }

    deinit { finish() }
}
