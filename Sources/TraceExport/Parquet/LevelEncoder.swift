/// Repetition or definition levels in Parquet's RLE/bit-packing hybrid, written as RLE runs
/// as the levels come (optional values are nearly always present: one run per page).
final class LevelEncoder {
    let out = ByteBuffer(capacity: 64)
    private var value: UInt8 = 0
    private var run = 0

    @inline(__always)
    func append(_ v: UInt8) {
        if v == value && run > 0 { run += 1; return }
        flushRun()
        value = v
        run = 1
    }

    private func flushRun() {
        guard run > 0 else { return }
        out.appendVarint(UInt64(run) << 1)
        out.append(value)   // levels here fit a bit width of at most 8: one byte
        run = 0
    }

    /// The encoded levels (4-byte length prefix, as a v1 data page holds them) appended to
    /// `page`; the encoder is then empty.
    func finish(into page: ByteBuffer) {
        flushRun()
        page.appendLE(UInt32(out.count))
        page.append(out)
        out.removeAll(keepingAtMost: 1 << 16)
    }
}
