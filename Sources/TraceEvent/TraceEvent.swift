/// TraceEvent: event format files, field decoding, the print-format engine, symbol tables
/// and output plugins, independent of the trace file format.
public enum TraceEventModule {
    /// The libtraceevent version whose output this module reproduces.
    public static let referenceVersion = "1.7.1"
}
