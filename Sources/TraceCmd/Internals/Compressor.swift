@_spi(Engine) import TraceEvent
import CZlib

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
        if a == .zstd, unsafe ZstdLibrary.shared?.compressCCtx == nil { return nil }
        algorithm = a
    }

    /// The algorithm's name as a file header names it.
    @_spi(Engine) public var name: String { algorithm.name }

    /// The library's version as a file header gives it (`1.5.4`, `1.2.13`).
    @_spi(Engine) public var version: String {
        switch algorithm {
        case .zlib: return unsafe String(cString: zlibVersion())
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
@safe
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
        if c.algorithm == .zstd, let lib = ZstdLibrary.shared, let create = unsafe lib.createCCtx {
            unsafe zstd = create()
        } else {
            unsafe zstd = nil
        }
    }

    deinit {
        if let z = unsafe zstd { _ = unsafe ZstdLibrary.shared?.freeCCtx?(z) }
    }

    /// `source` compressed, or `nil` on failure.
    @_spi(Engine) public func compress(_ source: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: compressor.bound(source.count))
        let n = unsafe source.withUnsafeBytes { src in unsafe out.withUnsafeMutableBytes { unsafe compress(src, into: $0) } }
        guard let n else { return nil }
        out.removeLast(out.count - n)
        return out
    }

    /// Compresses `source` into `destination` (at least ``Compressor/bound(_:)`` bytes).
    /// Returns the compressed size, or `nil` on failure.
    @unsafe
    package func compress(_ source: UnsafeRawBufferPointer,
                          into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let dst = destination.baseAddress else { return nil }
        let src = unsafe source.baseAddress ?? UnsafeRawPointer(dst)
        switch compressor.algorithm {
        case .zlib:
            var destLen = uLongf(destination.count)
            let rc = unsafe compress2(dst.assumingMemoryBound(to: Bytef.self), &destLen,
                                      src.assumingMemoryBound(to: Bytef.self), uLong(source.count), level ?? Z_DEFAULT_COMPRESSION)
            return rc == Z_OK ? Int(destLen) : nil
        case .zstd:
            guard let z = unsafe zstd, let lib = ZstdLibrary.shared, let f = unsafe lib.compressCCtx else { return nil }
            let r = unsafe f(z, dst, destination.count, src, source.count, level ?? 3)
            if lib.isError(r) != 0 { return nil }
            return r
        }
    }
}
