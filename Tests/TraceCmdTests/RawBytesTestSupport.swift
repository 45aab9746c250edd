@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

// Tests build pages from their own byte arrays (corrupted or byte-swapped copies) and compare
// views with arrays: these helpers keep them short. The bytes must outlive the page, as the
// engine's pages' owners make sure of.
extension RingBufferPage {
    init(_ bytes: UnsafeRawBufferPointer, layout: RingBufferLayout) throws(RingBufferPageError) {
        try self.init(unsafe RawBytes(unsafeBytes: bytes), layout: layout)
    }
}

extension Array where Element == UInt8 {
    /// A copy of a view's bytes.
    init(_ bytes: RawBytes) { self = bytes.array }
}
