import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) import TraceEvent

/// How an event type classifies and decodes each kind of field, on a synthetic format and
/// a record built byte by byte.
@Suite struct EventTypeTests {
    static let format = """
    name: synth
    ID: 500
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:int x;\toffset:8;\tsize:4;\tsigned:1;
    \tfield:unsigned short y;\toffset:12;\tsize:2;\tsigned:0;
    \tfield:char comm[16];\toffset:14;\tsize:16;\tsigned:0;
    \tfield:__data_loc char[] name;\toffset:32;\tsize:4;\tsigned:0;
    \tfield:u8 fsid[4];\toffset:36;\tsize:4;\tsigned:0;
    \tfield:long mem[2];\toffset:40;\tsize:16;\tsigned:1;
    \tfield:unsigned long args[2];\toffset:56;\tsize:16;\tsigned:0;
    \tfield:__data_loc unsigned int[] lengths;\toffset:72;\tsize:4;\tsigned:0;
    \tfield:__data_loc u64[] addrs;\toffset:76;\tsize:4;\tsigned:0;
    \tfield:__data_loc cpumask_t mask;\toffset:80;\tsize:4;\tsigned:0;
    \tfield:__rel_loc char[] rs;\toffset:84;\tsize:4;\tsigned:0;
    \tfield:void * ptr;\toffset:88;\tsize:8;\tsigned:0;

    print fmt: "x=%d", REC->x
    """

    /// The record: little-endian numbers put at the format's offsets.
    static func record() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 140)
        func put(_ v: UInt64, at o: Int, size: Int) { for i in 0..<size { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
        put(500, at: 0, size: 2)
        put(1234, at: 4, size: 4)
        put(UInt64(bitPattern: -5), at: 8, size: 4)
        put(65535, at: 12, size: 2)
        for (i, c) in "bash".utf8.enumerated() { b[14 + i] = c }
        put(6 << 16 | 96, at: 32, size: 4)
        for (i, c) in "hello".utf8.enumerated() { b[96 + i] = c }
        for i in 0..<4 { b[36 + i] = UInt8(i + 1) }
        put(UInt64(bitPattern: -1), at: 40, size: 8); put(7, at: 48, size: 8)
        put(1, at: 56, size: 8); put(.max, at: 64, size: 8)
        put(8 << 16 | 104, at: 72, size: 4); put(7, at: 104, size: 4); put(0xffff_ffff, at: 108, size: 4)
        put(16 << 16 | 112, at: 76, size: 4); put(1, at: 112, size: 8); put(1 << 63, at: 120, size: 8)
        put(8 << 16 | 128, at: 80, size: 4); b[128] = 0b0010_0111; b[129] = 0x01
        put(4 << 16 | (136 - 88), at: 84, size: 4); for (i, c) in "rel".utf8.enumerated() { b[136 + i] = c }
        put(0xffff_ffff_8100_0000, at: 88, size: 8)
        return b
    }

    @Test func classifiesAndDecodesEveryKind() throws {
        let f = try EventFormat(parsing: Self.format, system: "test")
        let t = EventType(peer: 0, format: f, byteOrder: .little, longSize: 8)
        let kinds = Dictionary(uniqueKeysWithValues: t.fields.map { ($0.name, $0.kind) })
        #expect(kinds == ["x": .signed, "y": .unsigned, "comm": .string, "name": .string, "fsid": .bytes,
                          "mem": .signedArray, "args": .unsignedArray, "lengths": .unsignedArray,
                          "addrs": .unsignedArray, "mask": .cpumask, "rs": .string, "ptr": .unsigned])
        #expect(t.commonFields.map(\.name) == ["common_type", "common_flags", "common_preempt_count", "common_pid"])
        let rec = Self.record()
        func value(_ name: String) -> FieldValue? {
            t.field(named: name).flatMap { t.value(at: $0.index, in: rec.span.bytes) }
        }
        #expect(value("common_pid") == .signed(1234))
        #expect(value("x") == .signed(-5))
        #expect(value("y") == .unsigned(65535))
        #expect(value("comm") == .string("bash"))
        #expect(value("name") == .string("hello"))
        #expect(value("fsid") == .bytes([1, 2, 3, 4]))
        #expect(value("mem") == .signedArray([-1, 7]))
        #expect(value("args") == .unsignedArray([1, .max]))
        #expect(value("lengths") == .unsignedArray([7, 0xffff_ffff]))
        #expect(value("addrs") == .unsignedArray([1, 1 << 63]))
        #expect(value("mask") == .cpumask([0, 1, 2, 5, 8]))
        #expect(value("mask")?.description == "0-2,5,8")
        #expect(value("rs") == .string("rel"))
        #expect(value("ptr") == .unsigned(0xffff_ffff_8100_0000))
        #expect(value("ptr")?.integer == Int64(bitPattern: 0xffff_ffff_8100_0000))
        #expect(t.field(named: "nope") == nil)
        // A field of another type is found by name; a truncated record reads as nil.
        let other = EventType(peer: 1, format: f, byteOrder: .little, longSize: 8)
        let x = try #require(other.field(named: "x"))
        #expect(t.index(of: x) == t.field(named: "x")?.index)
        let first20 = Array(rec.prefix(20)), first10 = Array(rec.prefix(10))
        #expect(t.value(at: x.index, in: first20.span.bytes) == .signed(-5))
        #expect(t.value(at: x.index, in: first10.span.bytes) == nil)
        // Types are equal by what they describe: another file's type is another type.
        #expect(t != other)
        #expect(t == EventType(peer: 0, format: f, byteOrder: .little, longSize: 8))
    }
}
