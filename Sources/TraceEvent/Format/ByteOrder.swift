/// The byte order of the numbers in a trace file and in its ring-buffer data.
public enum ByteOrder: Sendable, Hashable {
    case little
    case big

    /// The byte order of the machine running this code.
    public static var host: ByteOrder {
        1.littleEndian == 1 ? .little : .big
    }
}
