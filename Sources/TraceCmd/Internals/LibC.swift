@_spi(Engine) import TraceEvent
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library as this module uses it: the only file of the module that imports it.
///
/// The wrappers have names of their own (a member named like the C function would hide it
/// here); the other files call `LibC.…` and import nothing platform-specific. The calls that
/// take or return addresses are `@unsafe`: only ``MappedFile`` (its mapping) and
/// ``ZstdLibrary`` (its symbols) use them.
enum LibC {
    // MARK: Constants the C headers do not give Swift

    /// `MADV_POPULATE_READ` (Linux 5.14): fault the range in now, read-only. Older kernels
    /// reject it (EINVAL), which callers ignore.
    static let madvisePopulateRead: Int32 = 22
    /// `SCHED_BATCH` (Linux, `<sched.h>` under `_GNU_SOURCE`): a CPU-bound thread that does
    /// not preempt the thread that woke it.
    static let schedulingBatch: Int32 = 3

    // MARK: System

    /// The size of a memory page (`sysconf(_SC_PAGESIZE)`), or `nil` when unknown.
    static var pageSize: Int? {
        let n = sysconf(Int32(_SC_PAGESIZE))
        return n > 0 ? Int(n) : nil
    }

    /// Online processors (`sysconf(_SC_NPROCESSORS_ONLN)`), or `nil` when unknown.
    static var onlineProcessors: Int? {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : nil
    }

    /// `strerror(errno)`.
    static var lastErrorText: String { unsafe String(cString: strerror(errno)) }

    // MARK: Files and mappings

    /// `open(path, O_RDONLY | O_NONBLOCK)`: a descriptor, or -1 (see ``lastErrorText``).
    /// `O_NONBLOCK` changes nothing for regular files and keeps a FIFO from blocking the open.
    static func openReadOnly(_ path: String) -> Int32 { unsafe open(path, O_RDONLY | O_NONBLOCK) }

    /// What an open descriptor is, for a message that says why it cannot be mapped.
    enum FileKind { case regular, directory, blockDevice, other }

    /// The kind of the open file `fd` (`fstat`), or `nil` on failure.
    static func fileKind(_ fd: Int32) -> FileKind? {
        var st = stat()
        guard unsafe fstat(fd, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFBLK: return .blockDevice
        default: return .other
        }
    }

    /// `strerror(EISDIR)`: "Is a directory".
    static var isADirectoryText: String { unsafe String(cString: strerror(EISDIR)) }

    static func closeFile(_ fd: Int32) { _ = close(fd) }

    /// The size of the open file `fd` (`fstat`), or `nil` on failure.
    static func fileSize(_ fd: Int32) -> Int? {
        var st = stat()
        guard unsafe fstat(fd, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// `mmap` of the first `size` bytes of `fd`, read-only and private, or `nil`.
    @unsafe
    static func mapReadOnly(_ fd: Int32, size: Int) -> UnsafeRawPointer? {
        guard let p = unsafe mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), unsafe p != MAP_FAILED else { return nil }
        return UnsafeRawPointer(p)
    }

    /// `munmap` of a mapping ``mapReadOnly(_:size:)`` made.
    @unsafe
    static func unmap(_ base: UnsafeRawPointer, count: Int) {
        _ = unsafe munmap(UnsafeMutableRawPointer(mutating: base), count)
    }

    /// `madvise(MADV_DONTNEED)`: the mapped pages leave the resident set.
    @unsafe
    static func adviseNotNeeded(_ base: UnsafeRawPointer, count: Int) {
        _ = unsafe madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED)
    }

    /// `madvise(MADV_POPULATE_READ)`: a hint, ignored where unsupported.
    @unsafe
    static func advisePopulateRead(_ base: UnsafeRawPointer, count: Int) {
        #if os(Linux)
        _ = unsafe madvise(UnsafeMutableRawPointer(mutating: base), count, madvisePopulateRead)
        #endif
    }

    // MARK: Shared libraries

    /// `dlopen(name, RTLD_NOW | RTLD_LOCAL)`.
    @unsafe
    static func openLibrary(_ name: String) -> UnsafeMutableRawPointer? {
        unsafe dlopen(name, RTLD_NOW | RTLD_LOCAL)
    }

    /// `dlsym`.
    @unsafe
    static func symbol(_ name: String, in library: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        unsafe dlsym(library, name)
    }

    // MARK: Threads

    /// Starts a detached thread running `body`, with `SCHED_BATCH` scheduling when `batch`
    /// (on Linux). False when no thread could be started.
    static func startDetachedThread(batch: Bool, _ body: @escaping @Sendable () -> Void) -> Bool {
        final class Start {
            let body: @Sendable () -> Void
            let batch: Bool
            init(_ body: @escaping @Sendable () -> Void, batch: Bool) {
                self.body = body
                self.batch = batch
            }
        }
        let start = unsafe Unmanaged.passRetained(Start(body, batch: batch)).toOpaque()
        var attr = pthread_attr_t()
        unsafe pthread_attr_init(&attr)
        unsafe pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let rc = unsafe pthread_create(&thread, &attr, { arg in
            let raw: UnsafeMutableRawPointer? = unsafe arg
            guard let raw = unsafe raw else { return nil }
            let start = unsafe Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
            #if os(Linux)
            if start.batch {
                var param = sched_param()
                _ = unsafe sched_setscheduler(0, LibC.schedulingBatch, &param)
            }
            #endif
            start.body()
            return nil
        }, unsafe start)
        unsafe pthread_attr_destroy(&attr)
        if rc != 0 {
            unsafe Unmanaged<Start>.fromOpaque(start).release()
            return false
        }
        return true
    }
}
