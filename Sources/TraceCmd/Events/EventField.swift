@_spi(Engine) import TraceEvent
/// One field of an ``EventType``, resolved once: pass it to ``EventView/value(of:)`` or
/// ``Event/value(of:)`` to read the field of many events without a lookup by name.
public struct EventField: Sendable, Hashable, CustomStringConvertible {
    /// How a field's bytes decode into a ``FieldValue``, settled from its format.
    public enum Kind: Sendable, Hashable {
        /// A signed number of 1, 2, 4 or 8 bytes: ``FieldValue/signed(_:)``.
        case signed
        /// An unsigned number or pointer of 1, 2, 4 or 8 bytes: ``FieldValue/unsigned(_:)``.
        case unsigned
        /// A `char` array, fixed (`char comm[16]`) or dynamic (`__data_loc char[] name`):
        /// ``FieldValue/string(_:)``.
        case string
        /// A byte array, or a field whose size is not that of a number: ``FieldValue/bytes(_:)``.
        case bytes
        /// An array (fixed or dynamic) of signed 2, 4 or 8-byte numbers:
        /// ``FieldValue/signedArray(_:)``.
        case signedArray
        /// An array (fixed or dynamic) of unsigned 2, 4 or 8-byte numbers:
        /// ``FieldValue/unsignedArray(_:)``.
        case unsignedArray
        /// A `cpumask_t` (usually `__data_loc cpumask_t`): ``FieldValue/cpumask(_:)``.
        case cpumask
    }

    /// Position of the field in its type's ``EventType/allFields`` (common fields first).
    public let index: Int
    /// The field's name (`prev_pid`, `common_pid`).
    public let name: String
    /// How its value decodes.
    public let kind: Kind
    /// Whether it is one of the `common_*` fields shared by every event.
    public let isCommon: Bool
    /// The type it belongs to (a field is only read through its own type's layout).
    let owner: ObjectIdentifier

    /// `name (kind)`.
    public var description: String { "\(name) (\(kind))" }
}
