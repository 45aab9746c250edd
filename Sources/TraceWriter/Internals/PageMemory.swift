@_spi(Engine) import TraceEvent

/// Pages built in memory, kept unchanged at a fixed address until the write ends, so that
/// the workers can read them as `RawBytes` views (as they read the mapped input).
///
/// `@safe`: the bytes go out only as a bounds-checked ``view`` (valid while this object
/// lives: the ``WritePlan`` holding it outlives the write). `@unchecked Sendable`: the bytes
/// are written once at creation and only read afterwards.
@safe
final class PageMemory: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    /// The number of bytes.
    let count: Int

    /// A copy of `data`.
    init(_ data: [UInt8]) {
        count = data.count
        unsafe storage = .allocate(byteCount: max(data.count, 1), alignment: 16)
        unsafe data.withUnsafeBytes { src in
            if let s = src.baseAddress, let d = unsafe storage.baseAddress {
                unsafe d.copyMemory(from: s, byteCount: data.count)
            }
        }
    }

    deinit { unsafe storage.deallocate() }

    /// The bytes (valid while this object lives).
    var view: RawBytes {
        unsafe RawBytes(unsafeBytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<count]))
    }
}
