@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input (binary): byte 0 flags (bit 0 big endian, bit 1 raw timestamps, bit 2 ignore DATE,
/// bit 3 use a clock frequency); bytes 1-2 the TIME_SHIFT payload length L (little endian);
/// L bytes TIME_SHIFT payload; 16 bytes TSC2NSEC payload; 8 bytes clock Hz or user offset;
/// then `<OFFSET option>\0<DATE option>\0` and the rest as 8-byte timestamps, each corrected
/// on cpu `i % (cpus + 2) - 1` (so cpu -1 and cpus out of the option's range are used too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    guard bytes.count >= 3 else { return 0 }
    let flags = bytes[0]
    let order: ByteOrder = flags & 1 != 0 ? .big : .little
    let len = Int(bytes[1]) | Int(bytes[2]) << 8
    var pos = 3
    func take(_ n: Int) -> UnsafeRawBufferPointer {
        let end = min(bytes.count, pos + n)
        defer { pos = end }
        return UnsafeRawBufferPointer(rebasing: bytes[pos..<end])
    }
    let shiftPayload = Array(take(len))
    let tscPayload = take(16)
    let extra = take(8).bytes.loadUnsigned(at: 0, size: 8, order: .little) ?? 0
    let tail = splitAtNUL(UnsafeRawBufferPointer(rebasing: bytes[pos...]), count: 3)
    let timeShift: TimeShift?
    do {
        timeShift = try TimeShift.parse(shiftPayload, order: order)
    } catch {
        touch(error.description)
        timeShift = nil
    }
    let tsc = TSCConversion.parse(tscPayload.bytes, order: order)
    let settings = TimestampCorrector.Settings(rawTimestamps: flags & 2 != 0, ignoreDate: flags & 4 != 0,
                                                userOffset: flags & 8 != 0 ? 0 : Int64(bitPattern: extra),
                                                clockHz: flags & 8 != 0 ? extra : 0)
    var corrector = TimestampCorrector(timeShift: timeShift, tsc: tsc, offsetOptions: [text(tail[0])],
                                       dateOptions: [text(tail[1])], settings: settings)
    let cpus = (timeShift?.cpuCount ?? 0) + 2
    var i = 0
    while (i + 1) * 8 <= tail[2].count {
        let ts = tail[2].bytes.loadUnsigned(at: i * 8, size: 8, order: .little) ?? 0
        let cpu = i % cpus - 1
        fuzzSink &+= corrector.correct(ts, cpu: cpu) &+ corrector.corrected(ts, cpu: cpu)
        fuzzSink &+= tsc?.nanoseconds(ts) ?? 0
        i += 1
    }
    if let ts = timeShift {
        for list in ts.samples { for s in list { fuzzSink &+= corrector.correct(UInt64(bitPattern: s.time), cpu: 0) } }
    }
    fuzzSink &+= UInt64(bitPattern: CInteger.strtoll(text(tail[0])))
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzTimeShift_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
