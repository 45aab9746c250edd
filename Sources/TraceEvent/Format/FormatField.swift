/// One field of an event format, as described by a line of a tracefs `format` file:
/// `field:unsigned long call_site;	offset:8;	size:8;	signed:0;`
public struct FormatField: Sendable, Hashable {
    /// How the field's bytes locate its value.
    public enum Storage: Sendable, Hashable {
        /// The value is stored in place, `size` bytes at `offset` (a scalar or a fixed array).
        case inline
        /// `__data_loc`: a 32-bit word at `offset` whose low 16 bits are the offset of the
        /// data from the start of the event's data and whose high 16 bits are its length.
        case dataLoc
        /// `__rel_loc`: like `dataLoc`, but the offset is relative to the end of this field.
        case relLoc
    }

    /// The field's name (`call_site`).
    public var name: String
    /// The C type as written in the format file, without the name (`unsigned long`,
    /// `char[16]` is written as type `char` with ``arrayLength`` 16; `__data_loc char[] name`
    /// as type `char` with ``storage`` `.dataLoc` and ``arrayLength`` 0).
    public var type: String
    /// Offset of the field from the start of the event's data (including common fields).
    public var offset: Int
    /// Size in bytes of the field in the record.
    public var size: Int
    /// Whether the format declared the field signed.
    public var isSigned: Bool
    /// How the value is stored.
    public var storage: Storage
    /// For a fixed-size array field (`char comm[16]`), its element count; `nil` otherwise.
    /// Dynamic arrays (`__data_loc char[] name`) have ``storage`` `.dataLoc` and `arrayLength` 0.
    public var arrayLength: Int?
    /// Whether this is one of the `common_*` fields shared by every event.
    public var isCommon: Bool

    public init(name: String, type: String, offset: Int, size: Int, isSigned: Bool,
                storage: Storage = .inline, arrayLength: Int? = nil, isCommon: Bool = false) {
        self.name = name
        self.type = type
        self.offset = offset
        self.size = size
        self.isSigned = isSigned
        self.storage = storage
        self.arrayLength = arrayLength
        self.isCommon = isCommon
    }

    /// Whether the field is an array (fixed or dynamic).
    public var isArray: Bool { arrayLength != nil || storage != .inline }

    /// Size of one element of an array field, or ``size`` for a scalar.
    public var elementSize: Int {
        if let n = arrayLength, n > 0 { return size / n }
        return size
    }
}
