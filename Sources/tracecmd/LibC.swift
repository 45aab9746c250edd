@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library as the tool uses it: the only file of the tool that imports it.
enum LibC {
    static let standardOutput: Int32 = 1
    static let standardError: Int32 = 2

    /// Writes all of `bytes` to `fd`, retrying after interruptions; stops at the first error.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress.map { $0 + done }, bytes.count - done)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            done += n
        }
    }

    /// Writes all of `bytes` to `fd`, as the buffer form does.
    static func writeAll(_ fd: Int32, _ bytes: RawSpan) {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Writes all of `text`'s UTF-8 to `fd`.
    static func writeAll(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Whether `fd` is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
