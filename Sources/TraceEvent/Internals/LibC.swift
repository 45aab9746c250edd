#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library as this module uses it: the only file of the module that imports it.
///
/// Every wrapper takes pointers, so each call is `unsafe`; the types that own those pointers
/// (``PosixRegex``, ``Lock``, the `RawSpan` scan) give the rest of the module a safe API.
///
/// The wrappers have names of their own (a member named like the C function would hide it
/// here); the other files call `LibC.…` and import nothing platform-specific. The package's
/// other modules use ``writeAll(_:_:)``, the one `write(2)` loop for output files and the
/// tool's standard output.
package enum LibC {
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

    // MARK: Threads (for ``Lock``)

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
}
