extension StaticString {
    /// Calls `body` with the literal's UTF-8 bytes as a `Span` (valid only inside `body`).
    ///
    /// A literal's bytes are immortal and immutable, so the span is safe to read; this is the
    /// module's one place that turns `withUTF8Buffer`'s pointer into it.
    @inlinable @inline(__always)
    func withUTF8Span<R>(_ body: (Span<UInt8>) -> R) -> R {
        withUTF8Buffer { buffer in
            body(unsafe Span(_unsafeElements: buffer))
        }
    }
}
