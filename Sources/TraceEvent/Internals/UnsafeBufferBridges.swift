/// `UnsafeRawBufferPointer` forms of the engine calls that TraceCmd's record cursor
/// (`Sources/TraceCmd/Events/EventCursor.swift`, being rewritten) still makes with the buffer
/// a page hands out. Each forwards to the `RawSpan` form; delete them once that code passes
/// `RawSpan`s.
extension CommonFieldLayout {
    /// ``eventID(in:order:)`` of a buffer.
    @inlinable @inline(__always)
    @_spi(Engine) public func eventID(in payload: UnsafeRawBufferPointer, order: ByteOrder) -> Int? {
        eventID(in: unsafe payload.bytes, order: order)
    }
}

extension EventFilter {
    /// ``accept(eventID:payload:cpu:comm:)`` of a buffer.
    @inlinable
    @_spi(Engine) public mutating func accept(eventID: Int, payload: UnsafeRawBufferPointer, cpu: Int,
                                              comm: (Int32) -> String?) -> Bool {
        accept(eventID: eventID, payload: unsafe payload.bytes, cpu: cpu, comm: comm)
    }
}
