#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written sequentially with `write(2)`, its offset tracked (Parquet footers point
/// back into the file).
final class OutputFile {
    let path: String
    private var fd: Int32
    private(set) var offset: Int64 = 0

    init(path: String) throws(TableExportError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw .write(path: path, reason: Self.errorText()) }
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    static func errorText() -> String { String(cString: strerror(errno)) }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TableExportError) {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw .write(path: path, reason: Self.errorText())
            }
            p += n
            left -= n
            offset += Int64(n)
        }
    }

    func write(_ bytes: [UInt8]) throws(TableExportError) {
        do { try bytes.withUnsafeBytes { try write($0) } } catch let e as TableExportError { throw e } catch {
            throw .write(path: path, reason: "\(error)")
        }
    }

    func close() throws(TableExportError) {
        guard fd >= 0 else { return }
        let r = Glibc.close(fd)
        fd = -1
        if r != 0 { throw .write(path: path, reason: Self.errorText()) }
    }

    /// Creates the directory `path` (and no parents) unless it exists.
    static func makeDirectory(_ path: String) throws(TableExportError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .write(path: path, reason: errorText())
        }
    }
}
