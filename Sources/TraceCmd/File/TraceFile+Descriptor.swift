@_spi(Engine) import TraceEvent
import SystemPackage

/// Opening from a file descriptor (`tracecmd_open_fd`), and reading the data of a file
/// opened head-only (`tracecmd_init_data`).
extension TraceFile {
    /// Reads the trace file open as `fileDescriptor` (from its start, whatever the
    /// descriptor's position). The file is mapped: the descriptor is not kept, and stays the
    /// caller's to close (unlike `tracecmd_open_fd`, which takes it over).
    ///
    /// - Parameters:
    ///   - fileDescriptor: a descriptor open for reading.
    ///   - path: what ``path`` and error messages show (by default `/proc/self/fd/N`).
    ///   - mode: as in ``open(_:mode:)``.
    public static func open(fileDescriptor: FileDescriptor, path: String? = nil,
                            mode: OpenMode = .full) throws(TraceFileError) -> TraceFile {
        let name = path ?? "/proc/self/fd/\(fileDescriptor.rawValue)"
        return try TraceFile(mapped: MappedFile(fileDescriptor: fileDescriptor.rawValue, path: name), mode: mode)
    }

    /// This file ready for reading records: itself when opened ``OpenMode/full``, else the
    /// same mapped bytes opened in full mode (the metadata is read again).
    public func withData() throws(TraceFileError) -> TraceFile {
        mode == .full ? self : try TraceFile(mapped: mapped, mode: .full)
    }
}
