#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TraceCmd

/// Shared helpers of the command line tool.
enum CLI {
    /// Opens a trace file, turning a ``TraceFileError`` into a one-line message and exit code 1.
    static func open(_ path: String, mode: TraceFile.OpenMode) throws -> TraceFile {
        do {
            return try TraceFile.open(path, mode: mode)
        } catch {
            fail(error.description)
        }
    }

    /// Prints `message` to standard error as one line.
    static func warn(_ message: String) {
        var m = "tracecmd: " + String(message.map { $0 == "\n" ? " " : $0 }) + "\n"
        m.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    }

    /// Prints `message` to standard error as one line and exits with status 1.
    static func fail(_ message: String) -> Never {
        var m = "tracecmd: " + String(message.map { $0 == "\n" ? " " : $0 }) + "\n"
        m.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
        exit(1)
    }
}

/// Buffered output to standard output: bytes are collected and written in large blocks.
struct OutputWriter {
    var buffer: [UInt8] = []
    let limit = 1 << 16

    init() { buffer.reserveCapacity(1 << 17) }

    mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= limit { flush() }
    }

    mutating func write(raw bytes: UnsafeRawBufferPointer) {
        if bytes.count >= limit {
            // A large block goes out as it is, after what is buffered.
            if !buffer.isEmpty { flush() }
            writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    func writeAll(_ raw: UnsafeRawBufferPointer) {
        var done = 0
        while done < raw.count {
            let n = Glibc.write(1, raw.baseAddress.map { $0 + done }, raw.count - done)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            done += n
        }
    }

    mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    mutating func flush() {
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
