#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file. The bytes stay valid as long as the object lives.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Maps the file at `path` read-only.
    public init(path: String) throws(TraceFileError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TraceFileError(file: path, context: "open", offset: 0,
                                 kind: .io(String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw TraceFileError(file: path, context: "stat", offset: 0,
                                 kind: .io(String(cString: strerror(errno))))
        }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            mapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw TraceFileError(file: path, context: "mmap", offset: 0,
                                 kind: .io(String(cString: strerror(errno))))
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
        mapped = true
    }

    /// Wraps bytes already in memory (copied), e.g. for tests or fuzzing.
    public init(copying data: [UInt8], path: String = "<memory>") {
        self.path = path
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        data.withUnsafeBytes { src in
            if let s = src.baseAddress, let d = p.baseAddress { d.copyMemory(from: s, byteCount: data.count) }
        }
        bytes = UnsafeRawBufferPointer(start: p.baseAddress, count: data.count)
        mapped = false
    }

    deinit {
        if mapped, let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else if let base = bytes.baseAddress {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
