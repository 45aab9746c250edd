extension Array where Element == UInt8 {
    /// Calls `body` with the bytes as a `RawSpan` (what the engine's readers take).
    func withBytes<R>(_ body: (RawSpan) throws -> R) rethrows -> R { try body(span.bytes) }
}
