@_spi(Engine) import TraceEvent
import CZlib

/// The compression algorithm named in a version 7 file's header.
public struct Compression: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Algorithm name as written in the file (`zstd`, `zlib`).
    public var name: String
    /// Algorithm version as written in the file (`1.5.4`).
    public var version: String

    /// A compression named as in a file header.
    /// - Parameters:
    ///   - name: the algorithm name (`zstd`, `zlib`).
    ///   - version: the algorithm version.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    /// `name version`, e.g. `zstd 1.5.4`.
    public var description: String { version.isEmpty ? name : "\(name) \(version)" }
}

/// Decompresses blocks of a trace file with zlib or zstd (through the system libraries).
///
/// zlib comes from `libz`; zstd is loaded at run time from the `libzstd.so.1` runtime
/// library, so building needs no zstd headers.
@_spi(Engine) public struct Decompressor: Sendable {
    enum Algorithm: Sendable { case zlib, zstd }
    let algorithm: Algorithm

    /// A decompressor for the algorithm `name`, or `nil` when unknown or unavailable.
    @_spi(Engine) public init?(name: String) {
        switch name {
        case "zlib": algorithm = .zlib
        case "zstd":
            guard ZstdLibrary.shared != nil else { return nil }
            algorithm = .zstd
        default: return nil
        }
    }

    /// Decompresses `source` into `destination`, which must be exactly as large as the
    /// declared uncompressed size. Returns the number of bytes produced, or `nil` on failure.
    @_spi(Engine) public func decompress(_ source: UnsafeRawBufferPointer,
                           into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let src = source.baseAddress, let dst = destination.baseAddress else {
            return destination.count == 0 ? 0 : nil
        }
        switch algorithm {
        case .zlib:
            var destLen = uLongf(destination.count)
            let rc = uncompress(dst.assumingMemoryBound(to: Bytef.self), &destLen,
                                src.assumingMemoryBound(to: Bytef.self), uLong(source.count))
            return rc == Z_OK ? Int(destLen) : nil
        case .zstd:
            guard let lib = ZstdLibrary.shared else { return nil }
            let r = lib.decompress(dst, destination.count, src, source.count)
            if lib.isError(r) != 0 { return nil }
            return Int(r)
        }
    }
}

/// The few zstd entry points we use, looked up in `libzstd.so.1` once.
///
/// `@unchecked Sendable`: immutable C function pointers (`@convention(c)` types are not
/// `Sendable`); the library is never closed, and the functions keep no shared state (each
/// thread uses its own context, ``DecompressionContext``).
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

    static let shared: ZstdLibrary? = ZstdLibrary()

    private init?() {
        var handle: UnsafeMutableRawPointer? = nil
        for name in ["libzstd.so.1", "libzstd.so", "libzstd.dylib", "libzstd.1.dylib"] {
            handle = LibC.openLibrary(name)
            if handle != nil { break }
        }
        guard let h = handle,
              let d = LibC.symbol("ZSTD_decompress", in: h),
              let e = LibC.symbol("ZSTD_isError", in: h) else { return nil }
        decompress = unsafeBitCast(d, to: DecompressFn.self)
        isError = unsafeBitCast(e, to: IsErrorFn.self)
        if let c = LibC.symbol("ZSTD_createDCtx", in: h), let f = LibC.symbol("ZSTD_freeDCtx", in: h),
           let x = LibC.symbol("ZSTD_decompressDCtx", in: h) {
            createDCtx = unsafeBitCast(c, to: CreateDCtxFn.self)
            freeDCtx = unsafeBitCast(f, to: FreeDCtxFn.self)
            decompressDCtx = unsafeBitCast(x, to: DecompressDCtxFn.self)
        } else {
            createDCtx = nil
            freeDCtx = nil
            decompressDCtx = nil
        }
    }
}

/// Decompression state reused from call to call by one reader (a zstd context). Not
/// thread-safe: one per thread.
final class DecompressionContext {
    private let zstd: OpaquePointer?

    init(_ d: Decompressor) {
        if d.algorithm == .zstd, let lib = ZstdLibrary.shared, let create = lib.createDCtx {
            zstd = create()
        } else {
            zstd = nil
        }
    }

    deinit {
        if let z = zstd { _ = ZstdLibrary.shared?.freeDCtx?(z) }
    }

    /// Like ``Decompressor/decompress(_:into:)``, with this context.
    func decompress(_ d: Decompressor, _ source: UnsafeRawBufferPointer,
                    into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard d.algorithm == .zstd, let z = zstd, let lib = ZstdLibrary.shared, let f = lib.decompressDCtx,
              let src = source.baseAddress, let dst = destination.baseAddress else {
            return d.decompress(source, into: destination)
        }
        let r = f(z, dst, destination.count, src, source.count)
        if lib.isError(r) != 0 { return nil }
        return Int(r)
    }
}
