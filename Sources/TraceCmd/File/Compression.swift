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

/// The algorithms a version 7 file may name, known by the name its header writes.
enum CompressionAlgorithm: Sendable {
    case zlib, zstd

    init?(name: String) {
        switch name {
        case "zlib": self = .zlib
        case "zstd": self = .zstd
        default: return nil
        }
    }

    var name: String { self == .zlib ? "zlib" : "zstd" }
}

/// Decompresses blocks of a trace file with zlib or zstd (through the system libraries).
///
/// zlib comes from `libz`; zstd is loaded at run time from the `libzstd.so.1` runtime
/// library, so building needs no zstd headers.
@_spi(Engine) public struct Decompressor: Sendable {
    typealias Algorithm = CompressionAlgorithm
    let algorithm: Algorithm

    /// A decompressor for the algorithm `name`, or `nil` when unknown or unavailable.
    @_spi(Engine) public init?(name: String) {
        guard let a = Algorithm(name: name) else { return nil }
        if a == .zstd, ZstdLibrary.shared == nil { return nil }
        algorithm = a
    }

    /// Decompresses `source` into `destination`, which must be exactly as large as the
    /// declared uncompressed size. Returns the number of bytes produced, or `nil` on failure.
    package func decompress(_ source: UnsafeRawBufferPointer,
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
        if let c = LibC.symbol("ZSTD_createCCtx", in: h), let f = LibC.symbol("ZSTD_freeCCtx", in: h),
           let x = LibC.symbol("ZSTD_compressCCtx", in: h), let b = LibC.symbol("ZSTD_compressBound", in: h) {
            createCCtx = unsafeBitCast(c, to: CreateCCtxFn.self)
            freeCCtx = unsafeBitCast(f, to: FreeCCtxFn.self)
            compressCCtx = unsafeBitCast(x, to: CompressCCtxFn.self)
            compressBound = unsafeBitCast(b, to: CompressBoundFn.self)
        } else {
            createCCtx = nil
            freeCCtx = nil
            compressCCtx = nil
            compressBound = nil
        }
        if let v = LibC.symbol("ZSTD_versionString", in: h),
           let text = unsafeBitCast(v, to: VersionStringFn.self)() {
            versionText = String(cString: text)
        } else {
            versionText = ""
        }
    }
}

/// Decompression state reused from call to call by one reader (a zstd context). Not
/// thread-safe: one per thread.
@_spi(Engine) public final class DecompressionContext {
    private let zstd: OpaquePointer?

    /// A context for `d`.
    @_spi(Engine) public init(_ d: Decompressor) {
        if d.algorithm == .zstd, let lib = ZstdLibrary.shared, let create = lib.createDCtx {
            zstd = create()
        } else {
            zstd = nil
        }
    }

    deinit {
        if let z = zstd { _ = ZstdLibrary.shared?.freeDCtx?(z) }
    }

    /// Like `Decompressor/decompress(_:into:)`, with this context.
    package func decompress(_ d: Decompressor, _ source: UnsafeRawBufferPointer,
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

/// Compresses blocks for a trace file with zlib or zstd (through the system libraries), as
/// the reference writes them: one zstd frame (level 3, zstd's default) or one zlib stream per
/// block.
@_spi(Engine) public struct Compressor: Sendable {
    typealias Algorithm = CompressionAlgorithm
    let algorithm: Algorithm

    /// A compressor for the algorithm `name` (`zlib`, `zstd`), or `nil` when unknown or the
    /// library lacks compression.
    @_spi(Engine) public init?(name: String) {
        guard let a = Algorithm(name: name) else { return nil }
        if a == .zstd, ZstdLibrary.shared?.compressCCtx == nil { return nil }
        algorithm = a
    }

    /// The algorithm's name as a file header names it.
    @_spi(Engine) public var name: String { algorithm.name }

    /// The library's version as a file header gives it (`1.5.4`, `1.2.13`).
    @_spi(Engine) public var version: String {
        switch algorithm {
        case .zlib: return String(cString: zlibVersion())
        case .zstd: return ZstdLibrary.shared?.versionText ?? ""
        }
    }

    /// The largest compressed size of `count` bytes.
    @_spi(Engine) public func bound(_ count: Int) -> Int {
        switch algorithm {
        case .zlib: return Int(compressBound(uLong(count)))
        case .zstd: return ZstdLibrary.shared?.compressBound?(count) ?? (count + count / 128 + 512)
        }
    }
}

/// Compression state reused from call to call by one thread (a zstd context). Not
/// thread-safe: one per thread.
@_spi(Engine) public final class CompressionContext {
    private let zstd: OpaquePointer?
    /// The compressor this context serves.
    @_spi(Engine) public let compressor: Compressor

    /// The compression level (zstd: 3 by default, as the reference writes; zlib: its default).
    @_spi(Engine) public let level: Int32?

    /// A context for `c`, at `level` (`nil`: the reference's level).
    @_spi(Engine) public init(_ c: Compressor, level: Int32? = nil) {
        compressor = c
        self.level = level
        if c.algorithm == .zstd, let lib = ZstdLibrary.shared, let create = lib.createCCtx {
            zstd = create()
        } else {
            zstd = nil
        }
    }

    deinit {
        if let z = zstd { _ = ZstdLibrary.shared?.freeCCtx?(z) }
    }

    /// `source` compressed, or `nil` on failure.
    @_spi(Engine) public func compress(_ source: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: compressor.bound(source.count))
        let n = source.withUnsafeBytes { src in out.withUnsafeMutableBytes { compress(src, into: $0) } }
        guard let n else { return nil }
        out.removeLast(out.count - n)
        return out
    }

    /// Compresses `source` into `destination` (at least ``Compressor/bound(_:)`` bytes).
    /// Returns the compressed size, or `nil` on failure.
    package func compress(_ source: UnsafeRawBufferPointer,
                          into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let dst = destination.baseAddress else { return nil }
        let src = source.baseAddress ?? UnsafeRawPointer(dst)
        switch compressor.algorithm {
        case .zlib:
            var destLen = uLongf(destination.count)
            let rc = compress2(dst.assumingMemoryBound(to: Bytef.self), &destLen,
                               src.assumingMemoryBound(to: Bytef.self), uLong(source.count), level ?? Z_DEFAULT_COMPRESSION)
            return rc == Z_OK ? Int(destLen) : nil
        case .zstd:
            guard let z = zstd, let lib = ZstdLibrary.shared, let f = lib.compressCCtx else { return nil }
            let r = f(z, dst, destination.count, src, source.count, level ?? 3)
            if lib.isError(r) != 0 { return nil }
            return r
        }
    }
}
