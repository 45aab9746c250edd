import Foundation
import Testing
@_spi(Engine) import TraceEvent
@testable import TraceExport

/// The exports' internal byte handling: the output buffer, the UTF-8 repair the Parquet and
/// Perfetto text goes through (against Swift's own decoder, which the event API uses), and
/// the output file's errors.
@Suite struct ExportBufferTests {
    /// What Swift's decoder makes of `bytes` (the event API's `FieldValue` text).
    static func swiftDecoded(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).utf8)
    }

    static func repaired(_ bytes: [UInt8]) -> (valid: Bool, bytes: [UInt8]) {
        let out = ByteBuffer(capacity: 1)
        let valid = bytes.withRawSpan { UTF8Repair.isValid($0) }
        bytes.withRawSpan { UTF8Repair.append(repairing: $0, to: out) }
        return (valid, out.array)
    }

    /// Valid, overlong, surrogate, out-of-range, truncated and stray bytes, alone and mixed
    /// with ASCII: the repair gives Swift's bytes, and "valid" means Swift changes nothing.
    @Test func utf8RepairMatchesSwiftsDecoder() {
        let cases: [[UInt8]] = [
            [], Array("plain ascii text, long enough for words".utf8), Array("grüße ✓ 😀".utf8),
            [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xc2, 0x41], [0xe0, 0x80, 0x80], [0xe0, 0xa0],
            [0xe0, 0xa0, 0x41], [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xef, 0xbf, 0xbd], [0xf0, 0x8f, 0xbf, 0xbf],
            [0xf0, 0x90, 0x80], [0xf0, 0x90, 0x80, 0x41], [0xf4, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf],
            [0xf5, 0x80], [0xff, 0xfe, 0x41], [0x41, 0xe2, 0x82, 0x41, 0xe2, 0x82, 0xac, 0xc3],
            Array("12345678".utf8) + [0xe9] + Array("abcdefgh".utf8),
        ]
        for c in cases {
            let r = Self.repaired(c)
            let swift = Self.swiftDecoded(c)
            #expect(r.bytes == swift, "\(c)")
            #expect(r.valid == (swift == c), "\(c)")
        }
        // Random sequences biased to the interesting lead and continuation bytes.
        var rng = SystemRandomNumberGenerator()
        let pool: [UInt8] = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
                             0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff]
        var mismatches = 0
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...12, using: &rng)
            let bytes = (0..<n).map { _ in pool.randomElement(using: &rng) ?? 0 }
            let r = Self.repaired(bytes)
            let swift = Self.swiftDecoded(bytes)
            if r.bytes != swift || r.valid != (swift == bytes) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// Appends, varints, in-place length rewrites, growth (also from its own bytes) and
    /// emptying keep exactly the bytes written.
    @Test func byteBufferKeepsItsBytes() {
        let b = ByteBuffer(capacity: 1)
        var expected: [UInt8] = []
        for i in 0..<300 {
            b.append(UInt8(i & 0xff))
            expected.append(UInt8(i & 0xff))
        }
        b.appendLE(UInt32(0x0403_0201))
        b.appendLE(UInt64(0x0c0b_0a09_0807_0605))
        expected += [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        b.appendVarint(300)
        expected += [0xac, 0x02]
        b.append(b)
        expected += expected
        #expect(b.array == expected)
        #expect(b.count == expected.count)
        // A placeholder byte replaced by a two-byte varint moves what follows.
        let c = ByteBuffer(capacity: 1)
        let start = c.appendVarintAndPlaceholder(0x12)
        c.append(contentsOf: [UInt8](repeating: 7, count: 200))
        c.replaceByte(at: start - 1, withVarint: 200)
        #expect(c.array == [0x12, 0xc8, 0x01] + [UInt8](repeating: 7, count: 200))
        c.setByte(9, at: 0)
        #expect(c.array.first == 9)
        b.removeAll(keepingAtMost: 64)
        #expect(b.isEmpty)
        b.append(utf8: "ok")
        #expect(b.array == Array("ok".utf8))
    }

    /// `compare` orders like Swift's unsigned lexicographic order of byte arrays and `equals`
    /// agrees with `==`, for lengths around the eight-byte steps, bytes above 0x7f, shared
    /// prefixes and ranges that start at any offset of the buffer.
    @Test func byteBufferComparesLikeSwiftArrays() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x00, 0x01, 0x41, 0x42, 0x7f, 0x80, 0xfe, 0xff]
        func random(_ n: Int) -> [UInt8] { (0..<n).map { _ in alphabet.randomElement(using: &rng) ?? 0 } }
        var pairs: [([UInt8], [UInt8])] = [([], []), ([], [1]), ([1], []), ([0x80], [0x7f]), ([0x7f], [0x80])]
        for _ in 0..<3000 {
            let prefix = random(Int.random(in: 0...20, using: &rng))
            let a = prefix + random(Int.random(in: 0...20, using: &rng))
            var b = Bool.random(using: &rng) ? a : prefix + random(Int.random(in: 0...20, using: &rng))
            if !b.isEmpty && Int.random(in: 0..<4, using: &rng) == 0 {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = alphabet.randomElement(using: &rng) ?? 0
            }
            pairs.append((a, b))
        }
        for (a, b) in pairs {
            let buffer = ByteBuffer(capacity: 1)
            buffer.append(contentsOf: a)
            let c = b.withRawSpan { buffer.compare($0) }
            let expected = a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
            #expect(c.signum() == expected, "\(a) vs \(b)")
            let pad = random(Int.random(in: 0...9, using: &rng))
            let keys = ByteBuffer(capacity: 1)
            keys.append(contentsOf: pad + a + random(3))
            let same = b.withRawSpan { keys.equals(pad.count..<(pad.count + a.count), $0) }
            #expect(same == (a == b), "\(a) vs \(b)")
        }
    }

    /// A file that cannot be created or written is an error naming it and the C library's reason.
    @Test func outputFileErrorsNameTheFile() throws {
        #expect(throws: OutputFileError.self) { try OutputFile(path: "/proc/nonexistent/x.parquet") }
        do {
            _ = try OutputFile(path: "/proc/nonexistent/x.parquet")
        } catch {
            #expect(error.path == "/proc/nonexistent/x.parquet")
            #expect(error.reason == "No such file or directory")
        }
        let dir = NSTemporaryDirectory() + "export-buffer-\(getpid())"
        try OutputFile.makeDirectory(dir)
        try OutputFile.makeDirectory(dir)   // exists: fine
        let path = dir + "/f.bin"
        let f = try OutputFile(path: path)
        let b = ByteBuffer()
        b.append(contentsOf: [1, 2, 3])
        try f.write(b)
        try f.write([4, 5])
        #expect(f.offset == 5)
        try f.close()
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3, 4, 5]))
        try OutputFile.remove(path)
        try OutputFile.remove(path)   // gone: fine
        #expect(!FileManager.default.fileExists(atPath: path))
        try FileManager.default.removeItem(atPath: dir)
    }
}
