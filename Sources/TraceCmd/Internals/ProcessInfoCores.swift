@_spi(Engine) import TraceEvent
/// The number of processors the report may use.
@_spi(Engine) public enum ProcessInfoCores {
    /// Online processors (at least 1).
    @_spi(Engine) public static var active: Int {
        LibC.onlineProcessors ?? 1
    }
}
