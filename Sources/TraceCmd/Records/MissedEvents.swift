@_spi(Engine) import TraceEvent
/// Events lost between the previous page of a CPU and the current one.
public enum MissedEvents: Sendable, Equatable, Hashable {
    /// Nothing was lost.
    case none
    /// Events were lost, but the kernel did not store how many.
    case unknown
    /// This many events were lost.
    case count(UInt64)
}
