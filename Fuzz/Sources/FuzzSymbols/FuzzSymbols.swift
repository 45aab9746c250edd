@_spi(Engine) import FuzzSupport
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceEvent

/// Input: a text read as `/proc/kallsyms`, as `printk_formats` and as `saved_cmdlines`; then
/// every entry found is looked up again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    let k = KallsymsTable(parsing: bytes.bytes)
    for i in 0..<min(k.count, 256) {
        guard let a = k.address(atIndex: i) else { continue }
        fuzzSink &+= k.size(atIndex: i) ?? 0
        touch(k.symbol(atIndex: i)?.name ?? "")
        touch(k.symbol(containing: a &+ 1)?.name ?? "")
        touch(k.symbol(at: a) ?? "")
        fuzzSink &+= UInt64(k.index(containing: a &- 1) ?? 0)
    }
    for a: UInt64 in [0, 1, 0xffffffff81000000, .max] { touch(k.symbol(containing: a)?.name ?? "") }
    let p = PrintkFormats(parsing: bytes.bytes)
    for e in p.entries.prefix(256) { touch(p.format(at: e.address) ?? "") }
    var c = SavedCmdlines(parsing: bytes.bytes)
    for e in c.entries.prefix(256) {
        touch(c.comm(for: e.pid) ?? "")
        touch(c.displayComm(for: e.pid &+ 1))
    }
    _ = c.register(comm: "fuzz", pid: 7, override: true)
    touch(c.displayComm(for: 7))
    return 0
}

/// Entry point SwiftPM links as `main` (see Package.swift): runs libFuzzer.
@_cdecl("FuzzSymbols_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
