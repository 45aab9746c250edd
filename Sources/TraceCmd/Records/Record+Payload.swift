@_spi(Engine) import TraceEvent

extension Record {
    /// Calls `body` with the event payload, starting at `common_type` (`record->data`,
    /// `record->size`), read in place.
    ///
    /// The payload is a view into the page the record was read from: it is valid while the
    /// stream (or iterator) that returned the record has not been asked for its next record.
    @inlinable
    @_spi(Engine) public func withPayload<R>(_ body: (RawSpan) throws -> R) rethrows -> R {
        try payload.withSpan { span throws in try body(span) }
    }
}
