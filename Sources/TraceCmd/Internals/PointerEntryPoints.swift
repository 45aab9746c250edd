@_spi(Engine) import TraceEvent

// The raw-buffer entry points of the file layer that code outside it still calls (the page
// source's chunk table and chunks, `tracecmd dump`, the tests), kept in one place while those
// callers move onto `RawBytes` (``MappedFile/view``, ``ChunkPrefetcher/acquireBytes(_:)``,
// ``TraceFileDumpWalker/dump(_:displayPath:items:stopWhenSilent:emit:)``). Each one wraps the
// safe entry point: the caller keeps the bytes alive while they are used.

extension ByteCursor {
    /// A cursor over `bytes`, which the caller keeps alive while the cursor (or a view read
    /// from it) is used.
    @unsafe
    package init(bytes: UnsafeRawBufferPointer, position: Int = 0, order: ByteOrder, baseOffset: Int = 0,
                 file: String, context: String) {
        self.init(bytes: unsafe RawBytes(unsafeBytes: bytes), position: position, order: order,
                  baseOffset: baseOffset, file: file, context: context)
    }
}

extension TraceFileDumpWalker {
    /// Dumps `bytes` (a whole trace file, which the caller keeps alive meanwhile): what the
    /// `MappedFile` variant does, over bytes in memory.
    @unsafe
    package static func dump(_ bytes: UnsafeRawBufferPointer, displayPath: String, items: DumpItems,
                             stopWhenSilent: Bool = false,
                             emit: @escaping ([UInt8]) -> Void) throws(DumpFailure) {
        try dump(unsafe RawBytes(unsafeBytes: bytes), displayPath: displayPath, items: items,
                 stopWhenSilent: stopWhenSilent, emit: emit)
    }
}

extension ChunkPrefetcher {
    /// ``acquireBytes(_:)`` as a buffer (valid until the next acquire).
    @unsafe
    func acquire(_ index: Int) -> UnsafeRawBufferPointer? {
        unsafe acquireBytes(index)?.unsafeBuffer
    }
}
