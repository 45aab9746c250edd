/// Byte scanning for the line-based text sections (kallsyms, printk formats, cmdlines).
enum TextLines {
    /// The index of the first `byte` in `b[from..<to]`, or `to` when there is none.
    @inline(__always)
    static func index(of byte: UInt8, in b: UnsafeRawBufferPointer, from: Int, to: Int) -> Int {
        guard from < to, let base = b.baseAddress else { return to }
        guard let p = LibC.firstByte(byte, in: base + from, count: to - from) else { return to }
        return p - base
    }

    /// The length of the text: up to the first NUL byte, as C string functions see it.
    @inline(__always)
    static func textEnd(_ b: UnsafeRawBufferPointer) -> Int {
        index(of: 0, in: b, from: 0, to: b.count)
    }
}
