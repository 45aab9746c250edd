/// Receives the decoded fields of one event, column by column (``EventFieldReader/decode(_:into:)``).
/// Column numbers are field positions in the event table's field columns.
protocol FieldSink {
    /// A number: signed, or an unsigned value's bit pattern.
    mutating func integer(_ column: Int, _ v: Int64)
    /// Text (valid UTF-8) or bytes, by the column's type.
    mutating func bytes(_ column: Int, _ b: RawSpan)
    /// No value: the record does not hold the field.
    mutating func null(_ column: Int)
    /// A list starts (number arrays, cpumasks).
    mutating func beginList(_ column: Int)
    /// One element of the current list.
    mutating func element(_ column: Int, _ v: Int64)
    /// The current list ends.
    mutating func endList(_ column: Int)
}
