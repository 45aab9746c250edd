import Testing
@_spi(Engine) @testable import TraceCmd

/// The per-record rules of sync.md on hand-chosen sample tables; expected values are worked
/// out by hand from the rules (the same rules are checked against the reference on real
/// files in TimeSyncReferenceTests).
@Suite struct TimestampCorrectorTests {
    typealias S = TimeShiftSample

    static func corrector(_ cpus: [[S]], interpolate: Bool = true, tsc: TSCConversion? = nil,
                          offsets: [String] = [], dates: [String] = [],
                          settings: TimestampCorrector.Settings = .init()) -> TimestampCorrector {
        let ts = TimeShift(peerTraceID: 1, flags: interpolate ? .interpolate : [], stored: cpus)
        return TimestampCorrector(timeShift: ts, tsc: tsc, offsetOptions: offsets, dateOptions: dates, settings: settings)
    }

    @Test func rawModeReturnsTimestampUnchanged() {
        var c = Self.corrector([[S(time: 0, offset: 1000)]], tsc: TSCConversion(mult: 3, shift: 1),
                               offsets: ["5"], dates: ["7"],
                               settings: .init(rawTimestamps: true, userOffset: 9, clockHz: 1000))
        #expect(c.correct(123, cpu: 0) == 123)
        #expect(c.tsOffset == 0)
    }

    @Test func offsetsDatesAndUserOffsetAdd() {
        var c = TimestampCorrector(offsetOptions: ["100", "-0x10"], dateOptions: ["2"], settings: .init(userOffset: 7))
        #expect(c.tsOffset == 100 - 16 + 2000 + 7)
        #expect(c.correct(1000, cpu: 5) == 3091)
        var nodate = TimestampCorrector(offsetOptions: ["100", "-0x10"], dateOptions: ["2"],
                                        settings: .init(ignoreDate: true, userOffset: 7))
        #expect(nodate.correct(1000, cpu: 0) == 1091)
        var neg = TimestampCorrector(offsetOptions: ["-5000"])
        #expect(neg.correct(1000, cpu: 0) == UInt64.max - 3999)  // wrapping add
        // DATE * 1000 wraps like the reference's 64-bit multiply.
        #expect(TimestampCorrector.fileOffset(offsetOptions: [], dateOptions: ["9223372036854775807"])
                == Int64.max &* 1000)
    }

    @Test func cpuBeyondOptionCountIsNotSynced() {
        var c = Self.corrector([[S(time: 0, offset: -500)]], offsets: ["3"])
        #expect(c.correct(10_000, cpu: 0) == 9_503)
        #expect(c.correct(10_000, cpu: 1) == 10_003)
        #expect(c.correct(10_000, cpu: 64) == 10_003)
        #expect(c.correct(10_000, cpu: -1) == 10_003)
    }

    @Test func cpuWithoutSamplesIsNotSynced() {
        var c = Self.corrector([[], [S(time: 0, offset: 7)]])
        #expect(c.correct(10_000, cpu: 0) == 10_000)
        #expect(c.correct(10_000, cpu: 1) == 10_007)
    }

    @Test func singleSampleAddsOffsetWithoutScaling() {
        var c = Self.corrector([[S(time: 5_000, offset: -3_000_000_000_000, scaling: 3, fraction: 1)]])
        #expect(c.correct(4_000_000_000_000, cpu: 0) == 1_000_000_000_000)
        #expect(c.correct(1000, cpu: 0) == UInt64(bitPattern: 1000 - 3_000_000_000_000))
    }

    @Test func twoSamplesInterpolateInsideAndOutside() {
        var c = Self.corrector([[S(time: 5_000_000_000_000, offset: -3_000_000_000_000),
                                 S(time: 5_001_000_000_000, offset: -3_000_000_001_000)]])
        // inside: -1000 · 0.5 = -500 → (-500e12 + 0.5e12) / 1e12 = -499.5 → -499 (toward zero)
        #expect(c.correct(5_000_500_000_000, cpu: 0) == 2_000_499_999_501)
        // before the first sample: extrapolated, +1000.5 → +1000
        #expect(c.correct(4_999_000_000_000, cpu: 0) == 1_999_000_001_000)
        // after the last sample: extrapolated, -2999.5 → -2999
        #expect(c.correct(5_003_000_000_000, cpu: 0) == 2_002_999_997_001)
    }

    @Test func interpolationRoundsWithHalfDeltaAndTruncatesTowardZero() {
        var up = Self.corrector([[S(time: 0, offset: 0), S(time: 3, offset: 2)]])
        #expect(up.correct(1, cpu: 0) == 2)  // (1·2 + 1) / 3 = 1
        var down = Self.corrector([[S(time: 0, offset: 0), S(time: 4, offset: -3)]])
        #expect(down.correct(1, cpu: 0) == 1)  // (-3 + 2) / 4 = 0, not -1
        #expect(down.correct(3, cpu: 0) == 2)  // (-9 + 2) / 4 = -1
    }

    static let table = [S(time: 1000, offset: 0), S(time: 2000, offset: 1000),
                        S(time: 3000, offset: 3000), S(time: 4000, offset: 6000)]

    @Test func manySamplesInterpolating() {
        var c = Self.corrector([Self.table])
        #expect(c.correct(500, cpu: 0) == 1)       // before first: pair 0-1, -499.5 → -499
        #expect(c.correct(1000, cpu: 0) == 1000)   // on the first sample
        #expect(c.correct(1500, cpu: 0) == 2000)   // 500.5 → 500
        #expect(c.correct(2000, cpu: 0) == 3000)   // exact hit
        #expect(c.correct(2500, cpu: 0) == 4500)   // pair 1-2: 1000 + 1000
        #expect(c.correct(3000, cpu: 0) == 6000)
        #expect(c.correct(4000, cpu: 0) == 10000)  // on the last sample: pair 2-3
        #expect(c.correct(5000, cpu: 0) == 14000)  // after last: extrapolated from pair 2-3
    }

    @Test func manySamplesStepFunction() {
        var c = Self.corrector([Self.table], interpolate: false)
        #expect(c.correct(500, cpu: 0) == 500)
        #expect(c.correct(1000, cpu: 0) == 1000)
        #expect(c.correct(1999, cpu: 0) == 1999)
        #expect(c.correct(2000, cpu: 0) == 3000)   // an exact hit picks that sample as the lower one
        #expect(c.correct(3500, cpu: 0) == 6500)
        #expect(c.correct(4000, cpu: 0) == 7000)   // the last sample is never the lower one
        #expect(c.correct(9000, cpu: 0) == 12000)
        var two = Self.corrector([[S(time: 1000, offset: 5), S(time: 2000, offset: 7)]], interpolate: false)
        #expect(two.correct(2000, cpu: 0) == 2005)
        #expect(two.correct(3000, cpu: 0) == 3005)
    }

    @Test func scalingAndFractionComeFromTheLowerSample() {
        var c = Self.corrector([[S(time: 1000, offset: 0, scaling: 1, fraction: 0),
                                 S(time: 2000, offset: 100, scaling: 3, fraction: 1),
                                 S(time: 3000, offset: 200, scaling: 1, fraction: 0),
                                 S(time: 4000, offset: 300, scaling: 5, fraction: 1)]])
        #expect(c.correct(1500, cpu: 0) == 1550)   // 1500 + 50
        #expect(c.correct(2500, cpu: 0) == 3900)   // 2500·3 >> 1 = 3750, + 100 + 50
        #expect(c.correct(3500, cpu: 0) == 3750)   // scaling of sample 2
        #expect(c.correct(5000, cpu: 0) == 5400)   // after last: still sample 2's scaling
    }

    @Test func sampleTimesCompareAsUnsigned() {
        // A negative time sorts first, but as unsigned it is above every timestamp: pair 0-1 always.
        var c = Self.corrector([[S(time: -1, offset: 0), S(time: 100, offset: 10), S(time: 200, offset: 20)]])
        #expect(c.correct(1000, cpu: 0) == 1099)   // (1001·10 + 50) / 101 = 99; signed: 1100
        // A timestamp with bit 63 set is after the last sample.
        var step = Self.corrector([[S(time: 100, offset: 1), S(time: 200, offset: 2), S(time: 300, offset: 3)]],
                                  interpolate: false)
        #expect(step.correct(0x8000_0000_0000_0000, cpu: 0) == 0x8000_0000_0000_0002)
    }

    @Test func largeOffsetsDifferentPerCPU() {
        var c = Self.corrector([
            [S(time: 10_000_000_000_000, offset: -3_000_000_000_000),
             S(time: 20_000_000_000_000, offset: -3_000_000_002_000)],
            [S(time: 10_000_000_000_000, offset: 1_500_000_000_000),
             S(time: 10_001_000_000_000, offset: 1_500_001_000_000)],
        ])
        #expect(c.correct(15_000_000_000_000, cpu: 0) == 11_999_999_999_001)  // -999.5 → -999
        #expect(c.correct(10_000_500_000_000, cpu: 1) == 11_500_500_500_000)
        #expect(c.correct(9_000_000_000_000, cpu: 1) == 10_499_000_000_001)  // before first: -999_999_999.5 → -999_999_999
    }

    @Test func arithmeticWraps() {
        var mul = Self.corrector([[S(time: 0, offset: 5, scaling: 1 << 62), S(time: 10, offset: 5)]], interpolate: false)
        #expect(mul.correct(4, cpu: 0) == 5)                      // 4 · 2^62 wraps to 0
        var neg = Self.corrector([[S(time: 0, offset: 0, scaling: -1), S(time: 10, offset: 0)]], interpolate: false)
        #expect(neg.correct(5, cpu: 0) == UInt64.max - 4)         // scaling used as unsigned
        var shift = Self.corrector([[S(time: 0, offset: 0, scaling: 8, fraction: 67), S(time: 10, offset: 0)]],
                                   interpolate: false)
        #expect(shift.correct(1234, cpu: 0) == 1234)              // shift 67 acts as 3 (x86-64)
        var below = Self.corrector([[S(time: 0, offset: -20), S(time: 100, offset: -20)]])
        #expect(below.correct(10, cpu: 0) == UInt64.max - 9)
    }

    @Test func clockFrequencyAndTSCApplyAfterSyncBeforeOffset() {
        var hz = Self.corrector([[S(time: 0, offset: 10)]], tsc: TSCConversion(mult: 3, shift: 1), offsets: ["1"],
                                settings: .init(clockHz: 500_000_000))
        #expect(hz.correct(1234, cpu: 0) == 2489)                  // (1234 + 10) · 2 + 1; TSC ignored
        var tsc = Self.corrector([[S(time: 0, offset: 10)]], tsc: TSCConversion(mult: 3, shift: 1), offsets: ["1"])
        #expect(tsc.correct(1000, cpu: 0) == 1516)                 // (1010 · 3 >> 1) + 1
        var off = Self.corrector([[S(time: 0, offset: 10)]], tsc: TSCConversion(mult: 0, shift: 1), offsets: ["1"])
        #expect(off.correct(1000, cpu: 0) == 1011)                 // mult 0: no conversion
        var unit = TimestampCorrector(settings: .init(clockHz: 1_000_000_000))
        #expect(unit.correct((1 << 60) + 1, cpu: 0) == 1 << 60)       // through a Double: precision lost
        var huge = TimestampCorrector(settings: .init(clockHz: 1))
        #expect(huge.correct(1 << 60, cpu: 0) == 0)                    // beyond 2^64: 0, as the reference prints
    }

    @Test func cachedIntervalsGiveTheSameResults() {
        var table: [S] = []
        var x: UInt64 = 12345
        func next() -> UInt64 { x = x &* 6364136223846793005 &+ 1442695040888963407; return x >> 33 }
        var t: Int64 = 1_000_000
        for _ in 0..<50 {
            t += Int64(next() % 1_000_000) + 1
            table.append(S(time: t, offset: Int64(next() % 2_000_000) - 1_000_000,
                           scaling: Int64(next() % 3) + 1, fraction: Int64(next() % 2)))
        }
        for interpolate in [true, false] {
            let fresh = Self.corrector([table], interpolate: interpolate)
            var cached = fresh
            var inputs: [UInt64] = stride(from: 0, to: UInt64(t) + 2_000_000, by: 7919).map { $0 }
            inputs += inputs.reversed()
            inputs += (0..<2000).map { _ in next() % (UInt64(t) + 2_000_000) }
            inputs += table.map { UInt64($0.time) }
            for ts in inputs {
                #expect(cached.correct(ts, cpu: 0) == fresh.corrected(ts, cpu: 0))
            }
        }
    }

    @Test(arguments: [
        ("123", 123), ("-123", -123), ("  +42", 42), ("\t\n\u{0B}\u{0C}\r 5", 5), ("0x1F", 31), ("0X1f", 31),
        ("-0x10", -16), ("010", 8), ("08", 0), ("0x", 0), ("", 0), ("abc", 0), ("12abc", 12), ("5\u{0}7", 5),
        ("9223372036854775807", Int64.max), ("9223372036854775808", Int64.max), ("99999999999999999999999", Int64.max),
        ("-9223372036854775808", Int64.min), ("-9223372036854775809", Int64.min), ("0x6613e2cbdee02", 0x6613e2cbdee02),
        ("- 5", 0), ("+-5", 0),
    ] as [(String, Int64)])
    func strtollBase0(input: String, expected: Int64) {
        #expect(CInteger.strtoll(input) == expected)
    }
}
