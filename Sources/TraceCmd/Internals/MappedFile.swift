#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file. The bytes stay valid as long as the object lives.
package final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    package let path: String
    /// The file's bytes.
    package let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Maps the file at `path` read-only.
    package convenience init(path: String) throws(TraceFileError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TraceFileError(file: path, context: "open", offset: 0,
                                 kind: .io(String(cString: strerror(errno))))
        }
        defer { close(fd) }
        try self.init(mapping: fd, path: path)
    }

    /// Maps the file open as `fd` read-only (the descriptor stays the caller's: it may be
    /// closed once this returns).
    package convenience init(fileDescriptor fd: Int32, path: String) throws(TraceFileError) {
        try self.init(mapping: fd, path: path)
    }

    private init(mapping fd: Int32, path: String) throws(TraceFileError) {
        self.path = path
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
    package init(copying data: [UInt8], path: String = "<memory>") {
        self.path = path
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        data.withUnsafeBytes { src in
            if let s = src.baseAddress, let d = p.baseAddress { d.copyMemory(from: s, byteCount: data.count) }
        }
        bytes = UnsafeRawBufferPointer(start: p.baseAddress, count: data.count)
        mapped = false
    }

    /// Tells the kernel that the mapped bytes in `range` (file offsets) are not needed for a
    /// while: their pages leave the process's resident set (the page cache keeps them, and a
    /// later access reads them again). Only whole system pages inside `range` are released.
    /// Used to keep the resident memory of a long sequential read bounded.
    package func releasePages(_ range: Range<Int>) {
        guard mapped, let base = bytes.baseAddress else { return }
        let page = MappedFile.systemPageSize
        let lo = (max(0, range.lowerBound) + page - 1) / page * page
        let hi = min(range.upperBound, bytes.count) / page * page
        guard hi > lo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lo), hi - lo, MADV_DONTNEED)
    }

    /// Asks the kernel to map the bytes in `range` now, in one call (`MADV_POPULATE_READ`),
    /// instead of one page fault per few pages as they are first read. A hint: kernels
    /// without it (before 5.14) fault the pages in on access as usual.
    package func prefault(_ range: Range<Int>) {
        guard mapped, let base = bytes.baseAddress else { return }
        let page = MappedFile.systemPageSize
        let lo = max(0, range.lowerBound) / page * page
        let hi = min(range.upperBound, bytes.count)
        guard hi > lo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + lo), hi - lo, 22 /* MADV_POPULATE_READ */)
    }

    static let systemPageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))

    deinit {
        if mapped, let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else if let base = bytes.baseAddress {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
