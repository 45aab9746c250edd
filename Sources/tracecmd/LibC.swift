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
/// Bytes go out through TraceEvent's `write(2)` loop as `RawSpan`s: the report's output
/// blocks are not copied again on their way out.
enum LibC {
    static let standardOutput: Int32 = 1
    static let standardError: Int32 = 2

    /// Writes all of `bytes` to `fd`, retrying after interruptions; stops at the first error.
    static func writeAll(_ fd: Int32, _ bytes: RawSpan) {
        _ = TraceEvent.LibC.writeAll(fd, bytes)
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
