import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's own printf, used only here as the oracle for number/string formatting.
private func cFormat(_ format: String, _ args: [any CVarArg]) -> String {
    var buf = [CChar](repeating: 0, count: 512)
    _ = withVaList(args) { va in
        buf.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 512, format, va) }
    }
    let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

private func ours(_ piece: String, _ value: UInt64, lengthClass: Int8, star: Int32? = nil) -> String {
    var out = TextBuffer(capacity: 64)
    let c = PrintfConversion(piece: Array(piece.utf8)).applying(starArgument: star)
    CompiledPrintFormat.appendNumber(value, lengthClass: lengthClass, conversion: c, into: &out)
    return String(decoding: out.bytes, as: UTF8.self)
}

@Suite("printf conversions against the C library")
struct PrintfConversionTests {
    static let values: [UInt64] = [
        0, 1, 7, 9, 10, 42, 255, 256, 0x7f, 0x80, 0xffff, 0x8000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff,
        0x1_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 41,
        0xdead_beef_cafe, 1_000_000_007,
    ]
    static let conversions = ["d", "i", "u", "x", "X", "o"]
    static let decorations = ["", "-", "0", "#", "#0", "-#", "5", "-5", "05", "#08", "-#10", ".3", "8.3",
                              "-8.3", "08.3", ".0", "#.0", "020", "#x"]

    @Test("every flag/width/precision/length combination matches vsnprintf")
    func integersMatchC() {
        var checked = 0
        for conv in Self.conversions {
            for deco in Self.decorations where deco != "#x" {
                for (len, ls) in [("hh", Int8(-2)), ("h", -1), ("", 0), ("l", 1), ("ll", 2)] {
                    let piece = "%" + deco + len + conv
                    for v in Self.values {
                        let expected: String
                        switch ls {
                        case -2: expected = cFormat(piece, [Int32(Int8(truncatingIfNeeded: v))])
                        case -1: expected = cFormat(piece, [Int32(Int16(truncatingIfNeeded: v))])
                        case 0: expected = cFormat(piece, [Int32(truncatingIfNeeded: v)])
                        default: expected = cFormat(piece, [Int64(bitPattern: v)])
                        }
                        #expect(ours(piece, v, lengthClass: ls) == expected, "\(piece) of \(v)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 2000)
    }

    @Test("width and precision from an argument match vsnprintf")
    func starArguments() {
        for (piece, cpiece) in [("%*d", "%*d"), ("%-*x", "%-*x"), ("%.*d", "%.*d"), ("%0*llx", "%0*llx")] {
            for star: Int32 in [0, 1, 5, 12, -6] {
                for v: UInt64 in [0, 3, 0xabc, UInt64.max] {
                    let ls: Int8 = piece.contains("ll") ? 2 : 0
                    let arg: any CVarArg = ls == 2 ? Int64(bitPattern: v) : Int32(truncatingIfNeeded: v)
                    #expect(ours(piece, v, lengthClass: ls, star: star) == cFormat(cpiece, [star, arg]),
                            "\(piece) star \(star) of \(v)")
                }
            }
        }
    }

    @Test("strings: width, precision, alignment and NUL termination match vsnprintf")
    func strings() {
        for piece in ["%s", "%10s", "%-10s", "%.3s", "%8.2s", "%-8.0s", "%05s", "%1s"] {
            for s in ["", "a", "hello", "hello world, long text"] {
                var out = TextBuffer(capacity: 64)
                PrintfConversion(piece: Array(piece.utf8)).appendString(Array(s.utf8) + [0, 0x41], into: &out)
                let expected = s.withCString { cFormat(piece, [$0]) }
                #expect(String(decoding: out.bytes, as: UTF8.self) == expected, "\(piece) of \(s)")
            }
        }
    }
}

@Suite("print-format lexer and parser")
struct PrintFormatParserTests {
    @Test("tokens: operators, strings and concatenation as libtraceevent splits them")
    func lexer() {
        var lx = PrintFormatLexer(#""a\"b" "c", REC->x >>= 2 && !y, 'q' <= -> ?:"#)
        var got: [String] = []
        while true {
            let t = lx.next()
            if t.kind == .none { break }
            got.append("\(t.kind):\(t.text)")
        }
        #expect(got == ["dquote:a\\\"bc", "delim:,", "item:REC", "op:->", "item:x", "op:>>=", "item:2",
                        "op:&&", "op:!", "item:y", "delim:,", "squote:q", "op:<=", "op:->", "op:?", "op::"])
    }

    static func event(_ fmt: String) -> EventFormat {
        EventFormat(name: "t", system: "test", id: 1,
                    commonFields: [FormatField(name: "common_type", type: "unsigned short", offset: 0, size: 2,
                                               isSigned: false, isCommon: true)],
                    fields: [FormatField(name: "a", type: "u64", offset: 8, size: 8, isSigned: false),
                             FormatField(name: "c", type: "int", offset: 16, size: 4, isSigned: true),
                             FormatField(name: "arr", type: "u32", offset: 20, size: 16, isSigned: false,
                                         arrayLength: 4),
                             FormatField(name: "buf", type: "u8", offset: 36, size: 4, isSigned: false,
                                         storage: .dataLoc, arrayLength: 0)],
                    printFormatText: fmt)
    }

    @Test("formats that the reference accepts compile", arguments: [
        #""%u %u %llu", __get_dynamic_array_len(buf), __get_dynamic_array_len(buf), REC->arr[2] + REC->arr[3]"#,
        #""%d", (REC)->c"#,
        #""%llx", (((u64)(REC)->a << 32) | (REC)->c)"#,
        #""%s", REC->c ? "a" : "b""#,
    ])
    func accepted(format: String) {
        let c = CompiledPrintFormat(event: Self.event(format), context: PrintFormatContext())
        #expect(c.parseFailure == nil, "\(String(describing: c.parseFailure))")
    }

    @Test("formats that the reference rejects fall back", arguments: [
        #""%d", foo(REC->c)"#, #""%d %d", REC->c"#, #""%llllx", REC->a"#, #""%**d", 1, 2, REC->c"#,
    ])
    func rejected(format: String) {
        let c = CompiledPrintFormat(event: Self.event(format), context: PrintFormatContext())
        #expect(c.parseFailure != nil)
        #expect((try? CompiledPrintFormat.strict(event: Self.event(format), context: PrintFormatContext())) == nil)
        var payload = [UInt8](repeating: 0, count: 40)
        payload[16] = 0xfe; payload[17] = 0xff; payload[18] = 0xff; payload[19] = 0xff
        let text = payload.withBytes { c.render(payload: $0) }
        #expect(text.hasPrefix("[FAILED TO PARSE] a=0 c=-2 arr=ARRAY[00, "))
    }
}

@Suite("printk section")
struct PrintkSectionTests {
    /// The printk section of a recorded file (`trace-cmd dump --printk`), parsed by
    /// ``PrintkFormats``, must give the strings the reference libtraceevent stored for the
    /// same addresses (golden `P` lines), which is the form ``PrintFormatContext`` expects.
    @Test("printk strings are stored as libtraceevent stores them")
    func printkStrings() throws {
        let dir = PrintFormatGolden.fixturesDirectory()
        let section = try String(contentsOf: dir.appendingPathComponent("a.printk"), encoding: .utf8)
        let formats = PrintkFormats(parsing: section)
        let g = try PrintFormatGolden.load("a.golden")
        #expect(!g.printk.isEmpty)
        for (addr, text) in g.printk {
            #expect(formats.format(at: addr) == text, "printk at \(String(addr, radix: 16))")
        }
        #expect(formats.count > 50)
    }
}

@Suite("print-format robustness")
struct PrintFormatRobustnessTests {
    /// Every format of the fixtures, cut at random places and fed random, truncated and
    /// garbage payloads (wild `__data_loc` descriptors, lengths, counts): compiling and
    /// rendering must neither trap nor produce unbounded output.
    @Test("random payloads and truncated formats never trap")
    func fuzz() throws {
        var rng = SplitMix64(seed: 0x5eed)
        var formats: [EventFormat] = []
        for file in ["all.golden", "synthetic.golden"] {
            formats += try PrintFormatGolden.load(file).formats.values
        }
        #expect(formats.count > 300)
        let symbols = TestSymbols(entries: [(0xffff_ffff_8100_0000, 0x100, "f")])
        let ctx = PrintFormatContext(byteOrder: .little, longSize: 8, symbols: symbols,
                                     printkStrings: [0x1000: "%s %d %*ph %pI4 %pS %s"])
        var out = TextBuffer(capacity: 1 << 16)
        var rendered = 0
        for var f in formats {
            var variants = [f.printFormatText]
            let text = Array(f.printFormatText.utf8)
            for _ in 0..<3 where !text.isEmpty {
                let cut = Int(rng.next() % UInt64(text.count))
                variants.append(String(decoding: text[..<cut], as: UTF8.self))
            }
            for v in variants {
                f.printFormatText = v
                let c = CompiledPrintFormat(event: f, context: ctx)
                for _ in 0..<8 {
                    let size = Int(rng.next() % 320)
                    var payload = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    if size >= 2 { payload[0] = UInt8(truncatingIfNeeded: f.id); payload[1] = UInt8(truncatingIfNeeded: f.id >> 8) }
                    out.removeAll()
                    payload.withBytes {
                        c.render(payload: $0, into: &out)
                        c.renderRawFields(payload: $0, into: &out)
                    }
                    #expect(out.count < 8 << 20)
                    rendered += 1
                }
            }
        }
        #expect(rendered > 1000)
    }
}

/// A small deterministic generator for the fuzz test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// ``TextBuffer`` is a value type over one raw allocation: copies must stay independent.
@Suite struct TextBufferTests {
    @Test func copiesAreIndependent() {
        var a = TextBuffer(capacity: 4)
        a.append("abc")
        var b = a
        b.append(UInt8(ascii: "d"))
        a.removeLast()
        a.append(UInt8(ascii: "X"))
        #expect(String(decoding: a.bytes, as: UTF8.self) == "abX")
        #expect(String(decoding: b.bytes, as: UTF8.self) == "abcd")
        var c = b
        c.removeAll()
        #expect(c.isEmpty && b.count == 4)
    }

    @Test func growsAndWritesInPlace() {
        var t = TextBuffer(capacity: 1)
        for i in 0..<10_000 { t.appendDecimal(UInt64(i % 10)) }
        #expect(t.count == 10_000)
        t.append(repeating: 0x20, count: 100)
        t.appendUnsafe(maxCount: 8) { p in p[0] = 0x41; p[1] = 0x42; return 2 }
        #expect(t.count == 10_102)
        #expect(t.last == 0x42)
        #expect(t[10_100] == 0x41)
        t.removeLast(5)
        #expect(t.count == 10_097)
        t.appendDecimal(Int64.min)
        #expect(String(decoding: t.bytes.suffix(20), as: UTF8.self) == "-9223372036854775808")
        t.appendDecimal(UInt64.max)
        #expect(String(decoding: t.bytes.suffix(20), as: UTF8.self) == "18446744073709551615")
        t.withUnsafeBytes { #expect($0.count == t.count) }
    }

    /// The safe in-place write keeps what the `OutputSpan` holds, also when the buffer is
    /// shared (a copy) or must grow; the range and span appends copy exactly their bytes.
    @Test func safeInPlaceAndRangeAppends() {
        var t = TextBuffer(capacity: 1)
        t.append("ab")
        let before = t
        t.append(maxCount: 40) { out in
            #expect(out.freeCapacity == 40)
            out.append(UInt8(ascii: "c"))
            out.append(repeating: UInt8(ascii: "-"), count: 3)
        }
        t.append(maxCount: 0) { out in #expect(out.freeCapacity == 0) }
        #expect(String(decoding: t.bytes, as: UTF8.self) == "abc---")
        #expect(String(decoding: before.bytes, as: UTF8.self) == "ab")
        let source = Array("0123456789".utf8)
        t.append(contentsOf: source, 3..<7)
        t.append(contentsOf: source, 10..<10)
        t.append(contentsOf: source.span)
        t.append("literal" as StaticString, 3..<100)
        t.append("literal" as StaticString, -5..<2)
        #expect(String(decoding: t.bytes, as: UTF8.self) == "abc---34560123456789eralli")
    }
}

/// ``UncheckedArray`` behaves as an array: reads, writes (the old value released), growth,
/// exchange.
@Suite struct UncheckedArrayTests {
    final class Tracked {
        static let lock = Lock()
        nonisolated(unsafe) static var alive = 0
        let n: Int
        init(_ n: Int) {
            self.n = n
            Self.lock.withLock { Self.alive += 1 }
        }
        deinit { Self.lock.withLock { Self.alive -= 1 } }
    }

    @Test func readsWritesAndReleases() {
        do {
            let a = UncheckedArray<Tracked?>(repeating: nil, count: 3)
            #expect(a.count == 3 && a[0] == nil)
            a.set(1, Tracked(1))
            a.set(1, Tracked(2))
            #expect(a[1]?.n == 2)
            a.append(repeating: Tracked(3), count: 2)
            #expect(a.count == 5 && a[3] === a[4] && a[4]?.n == 3)
            let old = a.exchange(with: [Tracked(4)])
            #expect(old.count == 5 && old[1]?.n == 2)
            #expect(a.count == 1 && a[0]?.n == 4)
        }
        #expect(Tracked.lock.withLock { Tracked.alive } == 0)

        let bytes = UncheckedArray<UInt8>(repeating: 0, count: 8)
        bytes.store("xyz".utf8, at: 2)
        var out = TextBuffer(capacity: 4)
        bytes.append(1..<6, to: &out)
        #expect(out.bytes == [0, 0x78, 0x79, 0x7a, 0])
    }
}
