/// A helper function that plugins register for print formats to call
/// (`tep_register_print_function`), such as jbd2's `jiffies_to_msecs(REC->wait)`.
///
/// In a numeric conversion (`%u`) only the returned value is used; in `%s` the text the
/// function writes is the output. Without plugins (`-N`) these names are unknown to the
/// print-format parser.
@_spi(Engine) public enum PluginPrintFunction: Sendable, Hashable, CaseIterable {
    /// `jbd2_dev_to_name(dev)` (plugin_jbd2): writes `major:minor`, returns 0.
    case jbd2DevToName
    /// `jiffies_to_msecs(jiffies)` (plugin_jbd2): writes the value (`%lld`) and returns it
    /// unchanged; the plugin does not convert to milliseconds.
    case jiffiesToMsecs
    /// `is_writable_pte(pte)` (plugin_kvm): returns `pte & 2`, writes nothing.
    case isWritablePTE
    /// `__le16_to_cpup(ptr)` (plugin_cfg80211): the little-endian 16-bit number at the
    /// start of the argument's text, or 0; writes nothing.
    case le16ToCPUp

    /// An argument value: a number, or the text a string/pointer argument printed to.
    @_spi(Engine) public enum Argument: Sendable, Hashable {
        /// A numeric argument's value.
        case number(UInt64)
        /// The bytes a string or pointer argument printed as.
        case text([UInt8])
    }

    /// The function's name in print formats.
    @_spi(Engine) public var name: String {
        switch self {
        case .jbd2DevToName: return "jbd2_dev_to_name"
        case .jiffiesToMsecs: return "jiffies_to_msecs"
        case .isWritablePTE: return "is_writable_pte"
        case .le16ToCPUp: return "__le16_to_cpup"
        }
    }

    /// Number of arguments it takes.
    @_spi(Engine) public var argumentCount: Int { 1 }

    /// Whether its one argument is a string/pointer (passed as ``Argument/text(_:)``).
    @_spi(Engine) public var takesText: Bool { self == .le16ToCPUp }

    /// Calls the function: writes its text to `out` and returns its value.
    @_spi(Engine) public func call(_ arguments: [Argument], into out: inout TextBuffer) -> UInt64 {
        let first = arguments.first
        switch self {
        case .jbd2DevToName:
            let dev = UInt32(truncatingIfNeeded: Self.number(first))
            out.appendDecimal(Int64(Int32(bitPattern: dev >> 20)))
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(Int64(Int32(bitPattern: dev & ((1 << 20) - 1))))
            return 0
        case .jiffiesToMsecs:
            let v = Self.number(first)
            out.appendDecimal(Int64(bitPattern: v))
            return v
        case .isWritablePTE:
            return Self.number(first) & 2
        case .le16ToCPUp:
            guard case .text(let bytes)? = first, !bytes.isEmpty else { return 0 }
            let lo = UInt64(bytes[0])
            let hi = bytes.count > 1 ? UInt64(bytes[1]) : 0
            return lo | hi << 8
        }
    }

    private static func number(_ a: Argument?) -> UInt64 {
        if case .number(let v)? = a { return v }
        return 0
    }
}
