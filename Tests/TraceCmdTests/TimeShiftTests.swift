import Testing
@_spi(Engine) @testable import TraceCmd

/// Builds TIME_SHIFT payloads from sample tables (hand-chosen tables for the parsing rules).
enum TimeShiftPayload {
    static func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8], _ order: ByteOrder) {
        let x = order == .little ? v.littleEndian : v.bigEndian
        withUnsafeBytes(of: x) { out.append(contentsOf: $0) }
    }

    /// The option as written by a correct writer; `counts` overrides the count fields.
    static func make(peer: UInt64 = 0x1122_3344_5566_7788, flags: UInt32 = 1, cpus: [[TimeShiftSample]],
                     fractions: Bool = true, cpuCount: UInt32? = nil, counts: [UInt32]? = nil,
                     trailing: [UInt8] = [], order: ByteOrder = .little) -> [UInt8] {
        var out: [UInt8] = []
        put(peer, &out, order)
        put(flags, &out, order)
        put(cpuCount ?? UInt32(cpus.count), &out, order)
        for (i, list) in cpus.enumerated() {
            put(counts?[i] ?? UInt32(list.count), &out, order)
            for s in list { put(s.time, &out, order) }
            for s in list { put(s.offset, &out, order) }
            for s in list { put(s.scaling, &out, order) }
        }
        if fractions {
            for list in cpus { for s in list { put(s.fraction, &out, order) } }
        }
        return out + trailing
    }

    /// The option as trace-cmd 3.1.6 writes it: every count field holds the last cpu's count,
    /// arrays have their real length, and each cpu's fraction array is written with the last
    /// count (`fractionFill` stands in for what lies beyond a shorter array).
    static func make316(cpus: [[TimeShiftSample]], fractionFill: Int64 = 0) -> [UInt8] {
        let last = cpus.last?.count ?? 0
        var out: [UInt8] = []
        put(UInt64(0xAA), &out, .little)
        put(UInt32(1), &out, .little)
        put(UInt32(cpus.count), &out, .little)
        for list in cpus {
            put(UInt32(last), &out, .little)
            for s in list { put(s.time, &out, .little) }
            for s in list { put(s.offset, &out, .little) }
            for s in list { put(s.scaling, &out, .little) }
        }
        for list in cpus {
            for i in 0..<last { put(i < list.count ? list[i].fraction : fractionFill, &out, .little) }
        }
        return out
    }
}

@Suite struct TimeShiftTests {
    typealias S = TimeShiftSample
    typealias P = TimeShiftPayload

    @Test func shorterThan16BytesIsIgnored() throws {
        let full = P.make(cpus: [])
        #expect(full.count == 16)
        #expect(try TimeShift.parse(Array(full.prefix(15)), order: .little) == nil)
        #expect(try TimeShift.parse([], order: .little) == nil)
        let empty = try #require(try TimeShift.parse(full, order: .little))
        #expect(empty.cpuCount == 0)
        #expect(!empty.hasFractions)
    }

    @Test(arguments: [ByteOrder.little, .big])
    func readsHeaderSamplesAndFractions(order: ByteOrder) throws {
        let cpus = [[S(time: 10, offset: -3_000_000_000_000, scaling: 3, fraction: 1),
                     S(time: 20, offset: -2_999_999_999_000, scaling: 1, fraction: 0)],
                    [S(time: -7, offset: 42, scaling: 5, fraction: 2)]]
        let p = P.make(peer: 0x0102_0304_0506_0708, flags: 0x11, cpus: cpus, order: order)
        let ts = try #require(try TimeShift.parse(p, order: order))
        #expect(ts.peerTraceID == 0x0102_0304_0506_0708)
        #expect(ts.flags.rawValue == 0x11)
        #expect(ts.interpolates)
        #expect(ts.cpuCount == 2)
        #expect(ts.stored == cpus)
        #expect(ts.samples == cpus)
        #expect(ts.hasFractions)
        #expect(ts.unreadBytes == 0)
    }

    @Test func flagsWithoutInterpolate() throws {
        let ts = try #require(try TimeShift.parse(P.make(flags: 0x2, cpus: [[S(time: 1, offset: 1)]]), order: .little))
        #expect(!ts.interpolates)
    }

    @Test func fractionBlockIsOptional() throws {
        let cpus = [[S(time: 1, offset: 5, scaling: 7, fraction: 9)]]
        let ts = try #require(try TimeShift.parse(P.make(cpus: cpus, fractions: false), order: .little))
        #expect(!ts.hasFractions)
        #expect(ts.samples[0] == [S(time: 1, offset: 5, scaling: 7, fraction: 0)])
    }

    @Test func shortFractionBlockIsRefused() throws {
        let cpus = [[S(time: 1, offset: 5), S(time: 2, offset: 6)]]
        var p = P.make(cpus: cpus, fractions: false)
        p += [1, 2, 3]  // some bytes remain: the reference reads a fraction block and runs out
        #expect(throws: TimeShiftError.self) { _ = try TimeShift.parse(p, order: .little) }
        do {
            _ = try TimeShift.parse(p, order: .little)
        } catch {
            guard case .truncated(let field, let cpu, _, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(field == "fractions")
            #expect(cpu == 0)
        }
    }

    @Test func bytesAfterFractionBlockAreIgnored() throws {
        let cpus = [[S(time: 1, offset: 5, scaling: 1, fraction: 3)]]
        let ts = try #require(try TimeShift.parse(P.make(cpus: cpus, trailing: [9, 9, 9, 9, 9]), order: .little))
        #expect(ts.samples == cpus)
        #expect(ts.unreadBytes == 5)
    }

    @Test func countsThatDoNotFitAreRefusedWithoutAllocating() throws {
        let cpus = [[S(time: 1, offset: 5)]]
        // A huge sample count: refused by size check, nothing allocated by it.
        let huge = P.make(cpus: cpus, counts: [0x7fff_ffff])
        #expect(throws: TimeShiftError.self) { _ = try TimeShift.parse(huge, order: .little) }
        // One more sample than stored.
        #expect(throws: TimeShiftError.self) { _ = try TimeShift.parse(P.make(cpus: cpus, fractions: false, counts: [2]), order: .little) }
        // A huge cpu count.
        #expect(throws: TimeShiftError.self) { _ = try TimeShift.parse(P.make(cpus: cpus, cpuCount: 0x7fff_ffff), order: .little) }
        // More cpus than count fields.
        #expect(throws: TimeShiftError.self) { _ = try TimeShift.parse(P.make(cpus: cpus, cpuCount: 2), order: .little) }
    }

    @Test func negativeCountsAreRefused() throws {
        let cpus = [[S(time: 1, offset: 5)]]
        #expect(throws: TimeShiftError.negativeSampleCount(cpu: 0, count: -1)) {
            _ = try TimeShift.parse(P.make(cpus: cpus, counts: [0xffff_ffff]), order: .little)
        }
        #expect(throws: TimeShiftError.negativeCPUCount(-2)) {
            _ = try TimeShift.parse(P.make(cpus: cpus, cpuCount: 0xffff_fffe), order: .little)
        }
    }

    @Test func zeroSamplesForACPU() throws {
        let ts = try #require(try TimeShift.parse(P.make(cpus: [[], [S(time: 1, offset: 2)]]), order: .little))
        #expect(ts.samples.map(\.count) == [0, 1])
    }

    @Test func sortsBySignedTimeAndDropsLaterDuplicates() throws {
        let stored = [S(time: 30, offset: 3), S(time: 10, offset: 1), S(time: -5, offset: -5),
                      S(time: 10, offset: 100), S(time: 20, offset: 2), S(time: 30, offset: 300),
                      S(time: 10, offset: 1000)]
        let ts = try #require(try TimeShift.parse(P.make(cpus: [stored]), order: .little))
        #expect(ts.stored[0] == stored)
        // Negative times sort first; of equal times the one stored first is kept.
        #expect(ts.samples[0] == [S(time: -5, offset: -5), S(time: 10, offset: 1), S(time: 20, offset: 2), S(time: 30, offset: 3)])
    }

    /// How the reference reads trace-cmd 3.1.6's inconsistent option: cpu 0 really has 3
    /// samples and cpu 1 has 2, both count fields say 2.
    @Test func reads316InconsistentLayoutLikeTheReference() throws {
        let cpu0 = [S(time: 100, offset: -11, scaling: 1, fraction: 0), S(time: 200, offset: -12, scaling: 1, fraction: 0),
                    S(time: 300, offset: -13, scaling: 1, fraction: 0)]
        let cpu1 = [S(time: 150, offset: -21, scaling: 1, fraction: 0), S(time: 250, offset: -22, scaling: 1, fraction: 0)]
        let p = P.make316(cpus: [cpu0, cpu1])
        let ts = try #require(try TimeShift.parse(p, order: .little))
        // cpu 0 (n = 2): times = t0 t1, offsets = t2 o0, scalings = o1 o2; its fractions are
        // read where cpu 1's real times lie (150, 250).
        #expect(ts.stored[0] == [S(time: 100, offset: 300, scaling: -12, fraction: 150),
                                 S(time: 200, offset: -11, scaling: -13, fraction: 250)])
        // cpu 1's count comes from the low half of cpu 0's first scaling (1): n = 1, and its
        // 8-byte fields are read 4 bytes off: time = hi(s0) | lo(s1) << 32 ...
        #expect(ts.stored[1].count == 1)
        #expect(ts.stored[1][0].time == Int64(1) << 32)
        #expect(ts.hasFractions)
        #expect(ts.unreadBytes > 0)
    }

    @Test func tscConversionParse() throws {
        var p: [UInt8] = []
        P.put(UInt32(0x8000_0001), &p, .big)
        P.put(UInt32(31), &p, .big)
        P.put(UInt64(999), &p, .big)
        let parsed = TSCConversion.parse(p.span.bytes, order: .big)
        let t = try #require(parsed)
        #expect(t == TSCConversion(mult: 0x8000_0001, shift: 31, offset: 999))
        let short = TSCConversion.parse(Array(p.dropLast()).span.bytes, order: .big)
        #expect(short == nil)
        #expect(TSCConversion(mult: 0, shift: 3).isActive == false)
    }

    @Test func tscMulShift() {
        // hi == 0: (lo * mult) >> shift
        #expect(TSCConversion(mult: 3, shift: 1).nanoseconds(5) == 7)
        // hi != 0 adds (hi * mult) << (32 - shift): (2^32 + 5) * 3 / 2 = 6442450951
        #expect(TSCConversion(mult: 3, shift: 1).nanoseconds((1 << 32) + 5) == 6_442_450_951)
        // The hi part is dropped entirely by the lo-only path only when hi == 0.
        #expect(TSCConversion(mult: 1, shift: 0).nanoseconds(UInt64.max) == UInt64.max)
        // Wrapping 64-bit arithmetic: with shift 0 the result is ts * mult mod 2^64.
        #expect(TSCConversion(mult: 0x7fff_ffff, shift: 0).nanoseconds(UInt64.max) == 0xffff_ffff_8000_0001)
        // mult with bit 31 set passes through a C int: sign-extended.
        #expect(TSCConversion(mult: 0x8000_0000, shift: 0).nanoseconds(1) == 0xffff_ffff_8000_0000)
        #expect(TSCConversion(mult: 0xffff_ffff, shift: 0).nanoseconds(UInt64.max) == 1)  // ts * -1
        // shift > 32: the left shift count (32 - shift) is taken modulo 64 (x86-64).
        #expect(TSCConversion(mult: 1, shift: 33).nanoseconds(1 << 32) == 1 << 63)
    }
}
