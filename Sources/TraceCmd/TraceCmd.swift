@_exported @_spi(Engine) import TraceEvent

/// TraceCmd: the trace-cmd file format, ring-buffer records, instances, peers and time sync.
public enum TraceCmdModule {
    /// The trace-cmd version whose behaviour this module reproduces.
    public static let referenceVersion = "3.1.6"
}
