import Dispatch
@_spi(Engine) import TraceEvent
import ArgumentParser
@_spi(Engine) import TraceCmd

/// Shared helpers of the command line tool.
enum CLI {
    /// Opens a trace file, turning a ``TraceFileError`` into a one-line message and exit code 1.
    static func open(_ path: String, mode: TraceFile.OpenMode) throws -> TraceFile {
        do {
            return try TraceFile.open(path, mode: mode)
        } catch {
            throw failure(error.description)
        }
    }

    /// Prints `message` to standard error as one line.
    static func warn(_ message: String) {
        writeError("tracecmd: " + String(message.map { $0 == "\n" ? " " : $0 }) + "\n")
    }

    /// Prints `message` to standard error as one line and returns exit status 1, for `run`
    /// to throw.
    static func failure(_ message: String) -> ExitCode {
        warn(message)
        return .failure
    }

    /// Writes `text` to standard error as it is.
    static func writeError(_ text: String) {
        LibC.writeAll(LibC.standardError, text)
    }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

/// Buffered output to standard output: bytes are collected and written in large blocks.
struct OutputWriter {
    var buffer: [UInt8] = []
    let limit = 1 << 16

    init() { buffer.reserveCapacity(1 << 17) }

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= limit { flush() }
    }

    mutating func write(raw bytes: RawSpan) {
        if bytes.byteCount >= limit {
            // A large block goes out as it is, after what is buffered.
            flush()
            _ = LibC.writeAll(LibC.standardOutput, bytes)
            return
        }
        bytes.append(0..<bytes.byteCount, to: &buffer)
        if buffer.count >= limit { flush() }
    }

    mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withRawSpan { _ = LibC.writeAll(LibC.standardOutput, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
