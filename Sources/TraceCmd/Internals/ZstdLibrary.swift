/// The few zstd entry points we use, looked up in `libzstd.so.1` once (building needs no zstd
/// headers). Only ``Decompressor``, ``DecompressionContext`` and ``CompressionContext`` call
/// them, with buffers they check.
///
/// `@unchecked Sendable`: immutable C function pointers (`@convention(c)` types are not
/// `Sendable`); the library is never closed, and the functions keep no shared state (each
/// thread uses its own context, ``DecompressionContext``).
@safe
final class ZstdLibrary: @unchecked Sendable {
    typealias DecompressFn = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
    typealias IsErrorFn = @convention(c) (Int) -> UInt32
    typealias CreateDCtxFn = @convention(c) () -> OpaquePointer?
    typealias FreeDCtxFn = @convention(c) (OpaquePointer?) -> Int
    typealias DecompressDCtxFn = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
    let decompress: DecompressFn
    let isError: IsErrorFn
    /// A reusable decompression context (`ZSTD_createDCtx`...), when the library has it:
    /// `ZSTD_decompress` sets one up and frees it on every call.
    let createDCtx: CreateDCtxFn?
    let freeDCtx: FreeDCtxFn?
    let decompressDCtx: DecompressDCtxFn?
    typealias CreateCCtxFn = @convention(c) () -> OpaquePointer?
    typealias FreeCCtxFn = @convention(c) (OpaquePointer?) -> Int
    typealias CompressCCtxFn = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int
    typealias CompressBoundFn = @convention(c) (Int) -> Int
    typealias VersionStringFn = @convention(c) () -> UnsafePointer<CChar>?
    /// Compression entry points (`ZSTD_createCCtx`, `ZSTD_compressCCtx`...), when the library has them.
    let createCCtx: CreateCCtxFn?
    let freeCCtx: FreeCCtxFn?
    let compressCCtx: CompressCCtxFn?
    let compressBound: CompressBoundFn?
    /// `ZSTD_versionString()`, e.g. `1.5.4`.
    let versionText: String

    static let shared: ZstdLibrary? = ZstdLibrary()

    private init?() {
        var handle: UnsafeMutableRawPointer? = nil
        for name in ["libzstd.so.1", "libzstd.so", "libzstd.dylib", "libzstd.1.dylib"] {
            unsafe handle = LibC.openLibrary(name)
            if unsafe handle != nil { break }
        }
        guard let h = unsafe handle,
              let d = unsafe LibC.symbol("ZSTD_decompress", in: h),
              let e = unsafe LibC.symbol("ZSTD_isError", in: h) else { return nil }
        unsafe decompress = unsafe unsafeBitCast(d, to: DecompressFn.self)
        isError = unsafe unsafeBitCast(e, to: IsErrorFn.self)
        if let c = unsafe LibC.symbol("ZSTD_createDCtx", in: h), let f = unsafe LibC.symbol("ZSTD_freeDCtx", in: h),
           let x = unsafe LibC.symbol("ZSTD_decompressDCtx", in: h) {
            unsafe createDCtx = unsafe unsafeBitCast(c, to: CreateDCtxFn.self)
            unsafe freeDCtx = unsafe unsafeBitCast(f, to: FreeDCtxFn.self)
            unsafe decompressDCtx = unsafe unsafeBitCast(x, to: DecompressDCtxFn.self)
        } else {
            unsafe createDCtx = nil
            unsafe freeDCtx = nil
            unsafe decompressDCtx = nil
        }
        if let c = unsafe LibC.symbol("ZSTD_createCCtx", in: h), let f = unsafe LibC.symbol("ZSTD_freeCCtx", in: h),
           let x = unsafe LibC.symbol("ZSTD_compressCCtx", in: h), let b = unsafe LibC.symbol("ZSTD_compressBound", in: h) {
            unsafe createCCtx = unsafe unsafeBitCast(c, to: CreateCCtxFn.self)
            unsafe freeCCtx = unsafe unsafeBitCast(f, to: FreeCCtxFn.self)
            unsafe compressCCtx = unsafe unsafeBitCast(x, to: CompressCCtxFn.self)
            compressBound = unsafe unsafeBitCast(b, to: CompressBoundFn.self)
        } else {
            unsafe createCCtx = nil
            unsafe freeCCtx = nil
            unsafe compressCCtx = nil
            compressBound = nil
        }
        if let v = unsafe LibC.symbol("ZSTD_versionString", in: h),
           let text = unsafe unsafeBitCast(v, to: VersionStringFn.self)() {
            versionText = unsafe String(cString: text)
        } else {
            versionText = ""
        }
    }
}
