import Foundation

/// Subprocesses of the tests (the reference `trace-cmd`, python3 checkers, our own tool), run
/// as the golden data were made: the C locale, no `~/.trace-cmd` plugins (`HOME` points
/// nowhere), standard error dropped. Shared by the test targets, which cannot share files.
public enum ProcessRunner {
    /// The installed reference `trace-cmd`, when there is one.
    public static let traceCmdPath: String? = ["/usr/bin/trace-cmd", "/usr/local/bin/trace-cmd"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs `executable` with `arguments` in `directory`: its standard output and exit status.
    public static func run(_ executable: String, _ arguments: [String],
                           directory: String? = nil) throws -> (output: Data, status: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["HOME"] = "/nonexistent"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (data, p.terminationStatus)
    }

    /// Runs the reference `trace-cmd` with `arguments`.
    public static func traceCmd(_ arguments: [String], directory: String? = nil) throws -> (output: Data, status: Int32) {
        try run(traceCmdPath ?? "/usr/bin/trace-cmd", arguments, directory: directory)
    }
}
