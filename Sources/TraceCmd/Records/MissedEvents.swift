@_spi(Engine) import TraceEvent
/// Events lost between the previous page of a CPU and the current one.
public enum MissedEvents: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Nothing was lost.
    case none
    /// Events were lost, but the kernel did not store how many.
    case unknown
    /// This many events were lost.
    case count(UInt64)

    /// `none`, `unknown`, or the count.
    public var description: String {
        switch self {
        case .none: "none"
        case .unknown: "unknown"
        case .count(let n): String(n)
        }
    }
}
