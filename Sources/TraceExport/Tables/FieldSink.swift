/// Receives the decoded fields of one event, column by column (``EventFieldReader/decode(_:into:)``).
/// Column numbers are field positions in the event table's field columns. The methods do not
/// mutate the sink: it is handed over borrowed (a table object, or a value holding references).
protocol FieldSink {
    /// A number: signed, or an unsigned value's bit pattern.
    func integer(_ column: Int, _ v: Int64)
    /// Text (valid UTF-8) or bytes, by the column's type.
    func bytes(_ column: Int, _ b: RawSpan)
    /// No value: the record does not hold the field.
    func null(_ column: Int)
    /// A list starts (number arrays, cpumasks).
    func beginList(_ column: Int)
    /// One element of the current list.
    func element(_ column: Int, _ v: Int64)
    /// The current list ends.
    func endList(_ column: Int)
}
