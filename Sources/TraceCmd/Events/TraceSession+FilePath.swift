@_spi(Engine) import TraceEvent
import SystemPackage

/// Opening sessions by `FilePath` (swift-system).
extension TraceSession {
    /// Opens one trace file as a session of one.
    public static func open(_ path: FilePath, settings: TimestampCorrector.Settings = .init())
        throws(TraceFileError) -> TraceSession
    {
        try open([path.string], settings: settings)
    }

    /// Opens the files at `paths` as one session (the host first; see ``open(_:settings:mode:)``).
    public static func open(_ paths: [FilePath], settings: TimestampCorrector.Settings = .init())
        throws(TraceFileError) -> TraceSession
    {
        try open(paths.map(\.string), settings: settings)
    }
}
