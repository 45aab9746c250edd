/// Byte scanning for the line-based text sections (kallsyms, printk formats, cmdlines).
enum TextLines {
    /// The index of the first `byte` in `b[from..<to]`, or `to` when there is none.
    @inline(__always)
    static func index(of byte: UInt8, in b: RawSpan, from: Int, to: Int) -> Int {
        guard from < to else { return to }
        return b.scan(for: byte, from: from, to: to)
    }

    /// The length of the text: up to the first NUL byte, as C string functions see it.
    @inline(__always)
    static func textEnd(_ b: RawSpan) -> Int {
        index(of: 0, in: b, from: 0, to: b.count)
    }
}
