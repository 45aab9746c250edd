import Testing
@_spi(Engine) @testable import TraceEvent

/// A small deterministic generator, so that failures reproduce.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Mutated real inputs (bytes flipped, dropped, duplicated) give errors or results, never a
/// crash or a hang.
@Suite struct ParserRobustnessTests {
    static let alphabet = Array("0123456789abcdefx:;[]\t\n \"\\_-field offset size signed __data_loc __rel_loc".utf8)

    func mutations(of text: String, count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix(state: seed)
        let base = Array(text.utf8)
        return (0..<count).map { _ in
            var b = base
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                guard !b.isEmpty else { break }
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b[i] = Self.alphabet.randomElement(using: &rng) ?? 0
                case 1: b.remove(at: i)
                case 2: b.insert(Self.alphabet.randomElement(using: &rng) ?? 0, at: i)
                default: b[i] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            return b
        }
    }

    @Test func eventFormats() {
        var ok = 0, failed = 0
        for sample in [EventFormatSamples.schedSwitch, EventFormatSamples.fooRelLoc, EventFormatSamples.kernelStack] {
            for m in mutations(of: sample, count: 400, seed: 1) {
                let r = m.withBytes { try? EventFormat(parsing: $0, system: "ftrace") }
                if let f = r {
                    ok += 1
                    // Whatever parsed must be safe to read from any payload.
                    let payload = [UInt8](repeating: 0xff, count: 40)
                    payload.withBytes { buf in
                        for field in f.commonFields + f.fields {
                            _ = field.stringValue(in: buf, order: .little)
                            _ = field.unsignedElement(3, in: buf, order: .big, elementSize: 2)
                            _ = field.elementSize(longSize: 8)
                            _ = field.flags
                        }
                    }
                } else {
                    failed += 1
                }
            }
        }
        #expect(ok > 0 && failed > 0)
    }

    @Test func symbolTables() {
        let kallsyms = "ffffffff81000000 T _stext\nffffffff81000100 t foo\t[mod]\nffffffff81000200 W bar\n"
        for m in mutations(of: kallsyms, count: 500, seed: 2) {
            let t = m.withBytes { KallsymsTable(parsing: $0) }
            _ = t.symbol(containing: 0xffff_ffff_8100_0150)
            for i in 0..<t.count { _ = t.symbol(atIndex: i) }
        }
        let printk = "0xffffffff82a3c1b0 : \"a\\tb\\n\"\n0x1 : \"\"\n"
        for m in mutations(of: printk, count: 500, seed: 3) {
            let p = m.withBytes { PrintkFormats(parsing: $0) }
            _ = p.format(at: 0xffff_ffff_82a3_c1b0)
        }
        let cmdlines = "1 init\n22 kworker/0:1\n-3 x y\n"
        for m in mutations(of: cmdlines, count: 500, seed: 4) {
            var c = m.withBytes { SavedCmdlines(parsing: $0) }
            _ = c.comm(for: 22)
            c.register(comm: "n", pid: 5)
        }
    }
}
