@_spi(Engine) import TraceEvent
#if canImport(FoundationEssentials)
import FoundationEssentials

/// Opening sessions by file `URL`.
extension TraceSession {
    /// Opens the trace file at the file URL `url` as a session of one.
    public static func open(_ url: URL, settings: TimestampCorrector.Settings = .init())
        throws(TraceFileError) -> TraceSession
    {
        try open([url.path(percentEncoded: false)], settings: settings)
    }

    /// Opens the files at the file URLs `urls` as one session (the host first; see
    /// ``open(_:settings:mode:)``).
    public static func open(_ urls: [URL], settings: TimestampCorrector.Settings = .init())
        throws(TraceFileError) -> TraceSession
    {
        try open(urls.map { $0.path(percentEncoded: false) }, settings: settings)
    }
}
#endif
