@_spi(Engine) import TraceEvent

/// What an exporter needs to read a type's fields in place, once per type (engine API).
extension EventType {
    /// The format field behind `field` (its offset, size and storage), or `nil` for a field
    /// of another type that this type does not have.
    @_spi(Engine) public func formatField(of field: EventField) -> FormatField? {
        guard let i = index(of: field) else { return nil }
        return plans[i].field
    }

    /// The element size of an array field as ``EventView/value(of:)`` reads it (2, 4 or 8
    /// for number arrays, 1 for strings, bytes and cpumasks, the size for scalars).
    @_spi(Engine) public func elementSize(of field: EventField) -> Int {
        guard let i = index(of: field) else { return 0 }
        return plans[i].elementSize
    }

    /// The byte order of the file this type belongs to.
    @_spi(Engine) public var fieldByteOrder: ByteOrder { byteOrder }
}
