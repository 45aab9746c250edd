import Dispatch
@_spi(Engine) import TraceEvent
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library as the tool uses it: the only file of the tool that imports it.
///
/// `@safe`: bytes come in as `RawSpan`s, arrays and strings; the one raw buffer (of
/// `write(2)`) is made here. A `RawSpan` goes out as it is: the report's output blocks are
/// not copied again on their way out.
@safe
enum LibC {
    static let standardOutput: Int32 = 1
    static let standardError: Int32 = 2

    /// Writes all of `bytes` to `fd`, retrying after interruptions; stops at the first error.
    static func writeAll(_ fd: Int32, _ bytes: RawSpan) {
        unsafe bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = unsafe write(fd, b.baseAddress.map { unsafe $0 + done }, b.count - done)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    break
                }
                done += n
            }
        }
    }

    /// Writes all of `text`'s UTF-8 to `fd`, as the span form does.
    static func writeAll(_ fd: Int32, _ text: String) {
        Array(text.utf8).withRawSpan { writeAll(fd, $0) }
    }

    /// Whether `fd` is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
