/// The parsed format of one trace event type: the content of a tracefs
/// `events/<system>/<event>/format` file as stored in a trace file.
public struct EventFormat: Sendable {
    /// The event's name (`sched_switch`).
    public var name: String
    /// The event's system (`sched`); `ftrace` for the ftrace internal events.
    public var system: String
    /// The event's numeric ID, the value of `common_type` in its records.
    public var id: Int
    /// The `common_*` fields, in file order.
    public var commonFields: [FormatField]
    /// The event-specific fields, in file order.
    public var fields: [FormatField]
    /// The raw text after `print fmt: ` (the format string and its arguments), unparsed.
    public var printFormatText: String

    public init(name: String, system: String, id: Int, commonFields: [FormatField],
                fields: [FormatField], printFormatText: String) {
        self.name = name
        self.system = system
        self.id = id
        self.commonFields = commonFields
        self.fields = fields
        self.printFormatText = printFormatText
    }

    /// The field named `name`, looked up among the event fields first, then the common ones.
    public func field(named name: String) -> FormatField? {
        if let f = fields.first(where: { $0.name == name }) { return f }
        return commonFields.first(where: { $0.name == name })
    }
}
