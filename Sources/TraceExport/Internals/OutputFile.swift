@_spi(Engine) import TraceEvent

/// Why the output file (or its directory) could not be written: the C library's `errno`,
/// and how many bytes had been written.
struct OutputFileError: Error {
    var path: String
    var errno: Int32
    var offset: Int64

    /// The C library's text for ``errno`` (`No space left on device`).
    var reason: String { LibC.errorText(errno) }
}

/// A file written sequentially with `write(2)`, its offset tracked (Parquet footers point
/// back into the file); the Parquet and Perfetto exports' output. Also the few other file
/// system calls the exports make (a directory, removing a database before it is written).
///
/// It takes ``ByteBuffer``s and arrays, and passes their memory to the C library (through
/// `LibC`'s safe wrappers) only for the duration of a call.
final class OutputFile {
    let path: String
    private var fd: Int32
    /// Bytes written so far.
    private(set) var offset: Int64 = 0

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws(OutputFileError) {
        self.path = path
        let (fd, error) = LibC.createFile(path)
        if let error { throw OutputFileError(path: path, errno: error, offset: 0) }
        self.fd = fd
    }

    deinit { if fd >= 0 { LibC.closeFile(fd) } }

    /// Writes the bytes of `buffer`.
    func write(_ buffer: ByteBuffer) throws(OutputFileError) {
        try buffer.withBytes { (span: RawSpan) throws(OutputFileError) in try write(span) }
    }

    /// Writes `bytes`.
    func write(_ bytes: [UInt8]) throws(OutputFileError) {
        try bytes.withRawSpan { (span: RawSpan) throws(OutputFileError) in try write(span) }
    }

    private func write(_ bytes: RawSpan) throws(OutputFileError) {
        let (written, error) = LibC.writeAll(fd, bytes)
        offset += Int64(written)
        if let error { throw OutputFileError(path: path, errno: error, offset: offset) }
    }

    /// Closes the file (once; later calls do nothing).
    func close() throws(OutputFileError) {
        guard fd >= 0 else { return }
        let error = LibC.closeFile(fd)
        fd = -1
        if let error { throw OutputFileError(path: path, errno: error, offset: offset) }
    }

    /// Creates the directory `path` (and no parents) unless it exists.
    static func makeDirectory(_ path: String) throws(OutputFileError) {
        if let error = LibC.makeDirectoryIfMissing(path) {
            throw OutputFileError(path: path, errno: error, offset: 0)
        }
    }

    /// Removes the file `path` unless it does not exist.
    static func remove(_ path: String) throws(OutputFileError) {
        if let error = LibC.removeFileIfPresent(path) {
            throw OutputFileError(path: path, errno: error, offset: 0)
        }
    }
}
