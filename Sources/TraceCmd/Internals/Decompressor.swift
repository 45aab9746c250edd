@_spi(Engine) import TraceEvent
import CZlib

/// Decompresses blocks of a trace file with zlib or zstd (through the system libraries).
///
/// zlib comes from `libz`; zstd is loaded at run time from the `libzstd.so.1` runtime
/// library (``ZstdLibrary``). The safe entry points take the compressed bytes as `RawBytes`
/// and write into an array or a ``ByteStorage``; the pointer-taking ones are for the writers
/// that manage their own buffers.
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
    @unsafe
    package func decompress(_ source: UnsafeRawBufferPointer,
                            into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let src = source.baseAddress, let dst = destination.baseAddress else {
            return destination.count == 0 ? 0 : nil
        }
        switch algorithm {
        case .zlib:
            var destLen = uLongf(destination.count)
            let rc = unsafe uncompress(dst.assumingMemoryBound(to: Bytef.self), &destLen,
                                       src.assumingMemoryBound(to: Bytef.self), uLong(source.count))
            return rc == Z_OK ? Int(destLen) : nil
        case .zstd:
            guard let lib = ZstdLibrary.shared else { return nil }
            let r = unsafe lib.decompress(dst, destination.count, src, source.count)
            if lib.isError(r) != 0 { return nil }
            return Int(r)
        }
    }

    /// Decompresses `source` into `destination` (as large as the declared uncompressed size).
    /// Returns the number of bytes produced, or `nil` on failure.
    package func decompress(_ source: RawBytes, into destination: inout [UInt8]) -> Int? {
        unsafe destination.withUnsafeMutableBytes { d in unsafe decompress(source.unsafeBuffer, into: d) }
    }

    /// Decompresses `source` into `destination` (as large as the declared uncompressed size).
    /// Returns the number of bytes produced, or `nil` on failure.
    package func decompress(_ source: ArraySlice<UInt8>, into destination: inout [UInt8]) -> Int? {
        unsafe source.withUnsafeBytes { s in
            unsafe destination.withUnsafeMutableBytes { d in unsafe decompress(s, into: d) }
        }
    }

    /// Decompresses `source` into the first `count` bytes of `destination` (which must hold
    /// them). Returns the number of bytes produced, or `nil` on failure.
    package func decompress(_ source: RawBytes, into destination: ByteStorage, count: Int) -> Int? {
        guard count <= destination.capacity else { return nil }
        return unsafe decompress(source.unsafeBuffer, into: destination.unsafeMutableBuffer(count: count))
    }
}

/// Decompression state reused from call to call by one reader (a zstd context). Not
/// thread-safe: one per thread.
@safe
@_spi(Engine) public final class DecompressionContext {
    private let zstd: OpaquePointer?

    /// A context for `d`.
    @_spi(Engine) public init(_ d: Decompressor) {
        if d.algorithm == .zstd, let lib = ZstdLibrary.shared, let create = unsafe lib.createDCtx {
            unsafe zstd = create()
        } else {
            unsafe zstd = nil
        }
    }

    deinit {
        if let z = unsafe zstd { _ = unsafe ZstdLibrary.shared?.freeDCtx?(z) }
    }

    /// Like `Decompressor/decompress(_:into:)`, with this context.
    @unsafe
    package func decompress(_ d: Decompressor, _ source: UnsafeRawBufferPointer,
                            into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard d.algorithm == .zstd, let z = unsafe zstd, let lib = ZstdLibrary.shared, let f = unsafe lib.decompressDCtx,
              let src = source.baseAddress, let dst = destination.baseAddress else {
            return unsafe d.decompress(source, into: destination)
        }
        let r = unsafe f(z, dst, destination.count, src, source.count)
        if lib.isError(r) != 0 { return nil }
        return Int(r)
    }

    /// Decompresses `source` with `d` into the first `count` bytes of `destination` (which
    /// must hold them). Returns the number of bytes produced, or `nil` on failure.
    package func decompress(_ d: Decompressor, _ source: RawBytes, into destination: ByteStorage,
                            count: Int) -> Int? {
        guard count <= destination.capacity else { return nil }
        return unsafe decompress(d, source.unsafeBuffer, into: destination.unsafeMutableBuffer(count: count))
    }
}
