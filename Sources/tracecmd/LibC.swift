import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// The operating system as the tool uses it: standard output and error, the terminal test,
/// the clock. The only file of the tool that imports the C library; output goes through
/// swift-system's `FileDescriptor`.
enum LibC {
    static let standardOutput = FileDescriptor.standardOutput
    static let standardError = FileDescriptor.standardError

    /// Writes all of `bytes` to `fd`, retrying after interruptions; stops at the first error.
    static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8]) {
        _ = try? fd.writeAll(bytes)
    }

    /// Writes all of `text`'s UTF-8 to `fd`, as the array form does.
    static func writeAll(_ fd: FileDescriptor, _ text: String) {
        _ = try? fd.writeAll(text.utf8)
    }

    /// Whether `fd` is a terminal.
    static func isTerminal(_ fd: FileDescriptor) -> Bool { isatty(fd.rawValue) == 1 }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
