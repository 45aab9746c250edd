@_spi(Engine) import TraceEvent
/// A writer of a report line's fixed columns straight into the output's reserved tail
/// (`TextBuffer/appendUnsafe(maxCount:_:)`), instead of a dozen small appends.
///
/// Writers never check bounds: callers make sure the text fits in ``capacity``.
@_spi(Engine) public struct LineScratch {
    static let capacity = 128
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    @inline(__always) mutating func put(_ b: UInt8) {
        base[count] = b
        count &+= 1
    }

    @inline(__always) mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let p = bytes.baseAddress { (base + count).update(from: p, count: bytes.count) }
        count &+= bytes.count
    }

    @inline(__always) mutating func pad(_ b: UInt8, _ n: Int) {
        var i = 0
        while i < n { base[count &+ i] = b; i &+= 1 }
        if n > 0 { count &+= n }
    }

    /// Decimal digits of `v` (at most 20).
    @inline(__always) mutating func decimal(_ v: UInt64) {
        let n = LineScratch.digits(v)
        var x = v
        var i = count &+ n
        repeat {
            i &-= 1
            base[i] = UInt8(truncatingIfNeeded: x % 10) &+ 0x30
            x /= 10
        } while x != 0
        count &+= n
    }

    /// `%-<width>d`.
    @inline(__always) mutating func leftSigned(_ v: Int64, width: Int) {
        let start = count
        if v < 0 { put(0x2d) }
        decimal(v.magnitude)
        pad(0x20, width - (count - start))
    }

    /// `%0<width>llu`.
    @inline(__always) mutating func zeroPadded(_ v: UInt64, width: Int) {
        pad(0x30, width - LineScratch.digits(v))
        decimal(v)
    }

    /// `%<width>llu`.
    @inline(__always) mutating func right(_ v: UInt64, width: Int) {
        pad(0x20, width - LineScratch.digits(v))
        decimal(v)
    }

    @inline(__always) static func digits(_ v: UInt64) -> Int {
        var n = 1
        var x = v
        while x >= 10 { x /= 10; n &+= 1 }
        return n
    }
}
