#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library as the package uses it: the only file of the package that imports it.
///
/// The wrappers have names of their own (a member named like the C function would hide it
/// here); the other files, in every module, call `LibC.…` and import nothing
/// platform-specific. A call that can fail returns the C library's `errno` code, read right
/// after the call, as an `Int32?` (`nil`: success); ``errorText(_:)`` turns it into the C
/// library's text. `errno` itself is never read anywhere else.
///
/// The safe wrappers take Strings, `RawSpan`s and integers: files (``createFile(_:)``,
/// ``writeAll(_:_:)``, ``writeAll(_:_:at:)``, ``truncateFile(_:size:)``, ...), the system
/// (``pageSize``, ``isTerminal(_:)``) and threads (``startDetachedThread(batch:_:)``). The
/// wrappers that take or return addresses are `@unsafe`; only the internal types that own
/// those addresses call them: ``PosixRegex`` and ``Lock`` here, and in the other modules the
/// trace file's mapping (`mmap`, `madvise`) and the zstd library's symbols (`dlopen`,
/// `dlsym`).
package enum LibC {
    // MARK: Constants

    /// Standard output's descriptor.
    package static let standardOutput: Int32 = 1
    /// Standard error's descriptor.
    package static let standardError: Int32 = 2
    /// `MADV_POPULATE_READ` (Linux 5.14): fault the range in now, read-only. Older kernels
    /// reject it (EINVAL), which callers ignore.
    static let madvisePopulateRead: Int32 = 22
    /// `SCHED_BATCH` (Linux, `<sched.h>` under `_GNU_SOURCE`): a CPU-bound thread that does
    /// not preempt the thread that woke it.
    static let schedulingBatch: Int32 = 3

    // MARK: Errors

    /// The C library's text for the `errno` value `code` (`strerror`), e.g.
    /// `No space left on device`.
    package static func errorText(_ code: Int32) -> String {
        guard let s = unsafe strerror(code) else { return "errno \(code)" }
        return unsafe String(cString: s)
    }

    /// `strerror(EISDIR)`: "Is a directory".
    package static var isADirectoryText: String { errorText(EISDIR) }

    // MARK: System

    /// The size of a memory page (`sysconf(_SC_PAGESIZE)`), or `nil` when unknown.
    package static var pageSize: Int? {
        let n = sysconf(Int32(_SC_PAGESIZE))
        return n > 0 ? Int(n) : nil
    }

    /// Online processors (`sysconf(_SC_NPROCESSORS_ONLN)`), or `nil` when unknown.
    package static var onlineProcessors: Int? {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : nil
    }

    /// Whether `fd` is a terminal (`isatty`).
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    // MARK: Files

    /// `open(path, O_RDONLY | O_NONBLOCK)`: a descriptor, or -1 and the `errno` of `open`.
    /// `O_NONBLOCK` changes nothing for regular files and keeps a FIFO from blocking the open.
    package static func openReadOnly(_ path: String) -> (fd: Int32, error: Int32?) {
        let fd = unsafe open(path, O_RDONLY | O_NONBLOCK)
        return fd < 0 ? (fd, errno) : (fd, nil)
    }

    /// `open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)`: creates (or truncates) the file at
    /// `path` for writing. A descriptor, or -1 and the `errno` of `open`.
    package static func createFile(_ path: String) -> (fd: Int32, error: Int32?) {
        let fd = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        return fd < 0 ? (fd, errno) : (fd, nil)
    }

    /// `close(fd)`: the `errno` of `close`, or `nil`.
    @discardableResult
    package static func closeFile(_ fd: Int32) -> Int32? {
        close(fd) == 0 ? nil : errno
    }

    /// What an open descriptor is, for a message that says why it cannot be mapped.
    package enum FileKind { case regular, directory, blockDevice, other }

    /// The kind of the open file `fd` (`fstat`), or `nil` on failure.
    package static func fileKind(_ fd: Int32) -> FileKind? {
        var st = stat()
        guard unsafe fstat(fd, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFBLK: return .blockDevice
        default: return .other
        }
    }

    /// The size of the open file `fd` (`fstat`), or 0 and the `errno` of `fstat`.
    package static func fileSize(_ fd: Int32) -> (size: Int, error: Int32?) {
        var st = stat()
        guard unsafe fstat(fd, &st) == 0 else { return (0, errno) }
        return (Int(st.st_size), nil)
    }

    /// `ftruncate(fd, size)`: the `errno` of `ftruncate`, or `nil`.
    package static func truncateFile(_ fd: Int32, size: Int) -> Int32? {
        ftruncate(fd, off_t(size)) == 0 ? nil : errno
    }

    /// `mkdir(path, 0755)` (no parents): the `errno` of `mkdir`, or `nil` when the directory
    /// was made or already exists (`EEXIST`).
    package static func makeDirectoryIfMissing(_ path: String) -> Int32? {
        guard unsafe mkdir(path, 0o755) != 0 else { return nil }
        let e = errno
        return e == EEXIST ? nil : e
    }

    /// Removes `path` when it is a regular file (`lstat`, then `unlink`): the `errno` of
    /// `unlink`, or `nil` when the file was removed, did not exist, or is not a regular file.
    /// A device, directory, symbolic link or pipe named as an output is never removed (run as
    /// root, removing `/dev/null` after a failed write would remove the device node).
    package static func removeFileIfPresent(_ path: String) -> Int32? {
        var st = stat()
        guard unsafe lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        guard unsafe unlink(path) != 0 else { return nil }
        let e = errno
        return e == ENOENT ? nil : e
    }

    // MARK: Bytes

    /// Writes all of `bytes` to `fd` with `write(2)`, retrying after interruptions. Returns how
    /// many bytes were written, and the `errno` of the call that stopped it early (`EIO` when
    /// `write` wrote nothing), or `nil` when all were written.
    package static func writeAll(_ fd: Int32, _ bytes: RawSpan) -> (written: Int, error: Int32?) {
        unsafe bytes.withUnsafeBytes { b in
            guard let base = b.baseAddress else { return (0, nil) }
            var done = 0
            while done < b.count {
                let n = unsafe write(fd, base + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return (done, errno)
                }
                if n == 0 { return (done, EIO) }
                done += n
            }
            return (done, nil)
        }
    }

    /// Writes all of `bytes` to `fd` at file offset `offset` with `pwrite(2)` (the file
    /// position does not move; safe from several threads at once on one descriptor),
    /// retrying after interruptions. Returns the `errno` of the call that stopped it early
    /// (`EIO` when `pwrite` wrote nothing), or `nil` when all were written.
    package static func writeAll(_ fd: Int32, _ bytes: RawSpan, at offset: Int) -> Int32? {
        unsafe bytes.withUnsafeBytes { b in
            guard let base = b.baseAddress else { return nil }
            var done = 0
            while done < b.count {
                let n = unsafe pwrite(fd, base + done, b.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return EIO }
                done += n
            }
            return nil
        }
    }

    /// Writes all of `text`'s UTF-8 to `fd` as ``writeAll(_:_:)`` does; stops at the first
    /// error, which it ignores (for the tool's messages on standard error).
    package static func writeAll(_ fd: Int32, _ text: String) {
        Array(text.utf8).withRawSpan { _ = writeAll(fd, $0) }
    }

    /// `memchr(3)`: the first `byte` in the `count` bytes at `base`, or `nil`.
    @unsafe @inline(__always)
    static func firstByte(_ byte: UInt8, in base: UnsafeRawPointer, count: Int) -> UnsafeRawPointer? {
        unsafe memchr(base, Int32(byte), count).map { UnsafeRawPointer($0) }
    }

    // MARK: Regular expressions (POSIX, the dialect libtraceevent uses)

    typealias Regex = regex_t

    /// `regcomp(3)` of a basic expression with `REG_ICASE | REG_NOSUB`; true when it compiled.
    /// Whatever the result, `regex` must be released with ``freeRegex(_:)``.
    @unsafe static func compileRegexIgnoringCase(_ regex: UnsafeMutablePointer<Regex>, _ pattern: UnsafePointer<CChar>) -> Bool {
        unsafe regcomp(regex, pattern, Int32(REG_ICASE | REG_NOSUB)) == 0
    }

    /// `regexec(3)` without match positions.
    @unsafe static func regexMatches(_ regex: UnsafePointer<Regex>, _ string: UnsafePointer<CChar>) -> Bool {
        unsafe regexec(regex, string, 0, nil, 0) == 0
    }

    @unsafe static func freeRegex(_ regex: UnsafeMutablePointer<Regex>) {
        unsafe regfree(regex)
    }

    // MARK: Mutexes and conditions (for ``Lock``)

    typealias MutexValue = pthread_mutex_t
    typealias ConditionValue = pthread_cond_t

    @unsafe static func initMutex(_ m: UnsafeMutablePointer<MutexValue>) { unsafe pthread_mutex_init(m, nil) }
    @unsafe static func destroyMutex(_ m: UnsafeMutablePointer<MutexValue>) { unsafe pthread_mutex_destroy(m) }
    @unsafe static func lockMutex(_ m: UnsafeMutablePointer<MutexValue>) { unsafe pthread_mutex_lock(m) }
    @unsafe static func unlockMutex(_ m: UnsafeMutablePointer<MutexValue>) { unsafe pthread_mutex_unlock(m) }

    @unsafe static func initCondition(_ c: UnsafeMutablePointer<ConditionValue>) { unsafe pthread_cond_init(c, nil) }
    @unsafe static func destroyCondition(_ c: UnsafeMutablePointer<ConditionValue>) { unsafe pthread_cond_destroy(c) }
    @unsafe static func waitCondition(_ c: UnsafeMutablePointer<ConditionValue>, _ m: UnsafeMutablePointer<MutexValue>) {
        unsafe pthread_cond_wait(c, m)
    }
    @unsafe static func signalCondition(_ c: UnsafeMutablePointer<ConditionValue>) { unsafe pthread_cond_signal(c) }
    @unsafe static func broadcastCondition(_ c: UnsafeMutablePointer<ConditionValue>) { unsafe pthread_cond_broadcast(c) }
    // MARK: Mappings (for the trace file's MappedFile)

    /// `mmap` of the first `size` bytes of `fd`, read-only and private: the address, or `nil`
    /// and the `errno` of `mmap`.
    @unsafe
    package static func mapReadOnly(_ fd: Int32, size: Int) -> (base: UnsafeRawPointer?, error: Int32?) {
        guard let p = unsafe mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), unsafe p != MAP_FAILED else {
            return (nil, errno)
        }
        return (UnsafeRawPointer(p), nil)
    }

    /// `munmap` of a mapping ``mapReadOnly(_:size:)`` made.
    @unsafe
    package static func unmap(_ base: UnsafeRawPointer, count: Int) {
        _ = unsafe munmap(UnsafeMutableRawPointer(mutating: base), count)
    }

    /// `madvise(MADV_DONTNEED)`: the mapped pages leave the resident set.
    @unsafe
    package static func adviseNotNeeded(_ base: UnsafeRawPointer, count: Int) {
        _ = unsafe madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED)
    }

    /// `madvise(MADV_POPULATE_READ)`: a hint, ignored where unsupported.
    @unsafe
    package static func advisePopulateRead(_ base: UnsafeRawPointer, count: Int) {
        #if os(Linux)
        _ = unsafe madvise(UnsafeMutableRawPointer(mutating: base), count, madvisePopulateRead)
        #endif
    }

    // MARK: Shared libraries (for the zstd library's symbols)

    /// `dlopen(name, RTLD_NOW | RTLD_LOCAL)`.
    @unsafe
    package static func openLibrary(_ name: String) -> UnsafeMutableRawPointer? {
        unsafe dlopen(name, RTLD_NOW | RTLD_LOCAL)
    }

    /// `dlsym`.
    @unsafe
    package static func symbol(_ name: String, in library: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        unsafe dlsym(library, name)
    }

    // MARK: Detached threads

    /// Starts a detached thread running `body`, with `SCHED_BATCH` scheduling when `batch`
    /// (on Linux). False when no thread could be started.
    package static func startDetachedThread(batch: Bool, _ body: @escaping @Sendable () -> Void) -> Bool {
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
