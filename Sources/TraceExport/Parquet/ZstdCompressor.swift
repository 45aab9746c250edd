#if canImport(Glibc)
import Glibc
#endif

/// zstd compression of Parquet pages, through `libzstd.so.1` loaded at run time (the
/// library the reader already loads for zstd trace files; no headers needed to build).
/// One context, reused; not thread-safe.
final class ZstdCompressor {
    private typealias BoundFn = @convention(c) (Int) -> Int
    private typealias IsErrorFn = @convention(c) (Int) -> UInt32
    private typealias CreateFn = @convention(c) () -> OpaquePointer?
    private typealias FreeFn = @convention(c) (OpaquePointer?) -> Int
    private typealias CompressFn = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int,
                                                   UnsafeRawPointer?, Int, Int32) -> Int
    private let bound: BoundFn
    private let isError: IsErrorFn
    private let free: FreeFn
    private let compressCCtx: CompressFn
    private let context: OpaquePointer
    let level: Int32

    init(level: Int32) throws(TableExportError) {
        var handle: UnsafeMutableRawPointer?
        for name in ["libzstd.so.1", "libzstd.so"] {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        guard let h = handle, let b = dlsym(h, "ZSTD_compressBound"), let e = dlsym(h, "ZSTD_isError"),
              let c = dlsym(h, "ZSTD_createCCtx"), let f = dlsym(h, "ZSTD_freeCCtx"),
              let x = dlsym(h, "ZSTD_compressCCtx")
        else { throw .missingLibrary("libzstd.so.1") }
        bound = unsafeBitCast(b, to: BoundFn.self)
        isError = unsafeBitCast(e, to: IsErrorFn.self)
        free = unsafeBitCast(f, to: FreeFn.self)
        compressCCtx = unsafeBitCast(x, to: CompressFn.self)
        guard let ctx = unsafeBitCast(c, to: CreateFn.self)() else { throw .missingLibrary("libzstd.so.1 (no context)") }
        context = ctx
        self.level = level
    }

    deinit { _ = free(context) }

    /// Compresses `source` into `destination` (replacing its contents); false on a zstd error.
    func compress(_ source: UnsafeRawBufferPointer, into destination: ByteBuffer) -> Bool {
        destination.removeAll()
        let cap = bound(source.count)
        destination.reserve(cap)
        let n = compressCCtx(context, destination.base, cap, source.baseAddress, source.count, level)
        if isError(n) != 0 { return false }
        destination.setCount(n)
        return true
    }
}
