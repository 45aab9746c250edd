@_spi(Engine) import TraceEvent
/// A writer of a report line's fixed columns straight into the output's reserved tail
/// (`TextBuffer/appendUnsafe(maxCount:_:)`), instead of a dozen small appends.
///
/// Its entry point (``appendPrefix(comm:pid:cpu:timestamp:inUsecs:nanoseconds:into:)``)
/// reserves room for the most it can write, so the writers inside, which never check
/// bounds, stay within the reserved bytes.
@safe
@_spi(Engine) public struct LineScratch {
    static let capacity = 128
    private let base: UnsafeMutablePointer<UInt8>
    private var count = 0

    private init(base: UnsafeMutablePointer<UInt8>) {
        unsafe self.base = base
    }

    /// `%16s-%-5d [%03d]`, then the time column (` %5llu.%06llu` of microseconds, or
    /// ` %5llu.%09llu` with `nanoseconds`, or `%12llu` unless `inUsecs`) and a colon, for a
    /// comm of at most 32 bytes (longer ones are cut there).
    @_transparent
    static func appendPrefix(comm: RawBytes, pid: Int32, cpu: Int, timestamp ts: UInt64, inUsecs: Bool,
                             nanoseconds: Bool, into out: inout TextBuffer) {
        // At most 32 + 1 + 11 + 2 + 20 + 1 + 1 + 20 + 1 + 9 + 1 = 99 bytes.
        let n = min(comm.count, 32)
        let c = unsafe comm.unsafeBuffer
        do {
            unsafe out.appendUnsafe(maxCount: LineScratch.capacity) { base in
                var l = unsafe LineScratch(base: base)
                l.pad(0x20, 16 - n)
                if n > 0, let src = c.baseAddress {
                    // One memcpy (a typed pointer's update(from:count:) is a call of its own).
                    unsafe UnsafeMutableRawPointer(l.base + l.count).copyMemory(from: src, byteCount: n)
                    l.count &+= n
                }
                l.put(0x2d)
                l.leftSigned(Int64(pid), width: 5)
                l.put(0x20); l.put(0x5b)
                l.zeroPadded(UInt64(cpu), width: 3)
                l.put(0x5d)
                if inUsecs {
                    l.put(0x20)
                    if nanoseconds {
                        l.right(ts / 1_000_000_000, width: 5)
                        l.put(0x2e)
                        l.zeroPadded(ts % 1_000_000_000, width: 9)
                    } else {
                        let us = (ts &+ 500) / 1000
                        l.right(us / 1_000_000, width: 5)
                        l.put(0x2e)
                        l.zeroPadded(us % 1_000_000, width: 6)
                    }
                } else {
                    l.right(ts, width: 12)
                }
                l.put(0x3a)
                return l.count
            }
        }
    }

    /// Calls `body` with a view of `comm`'s bytes, valid inside `body` only (the report's
    /// comm column is written from such a view).
    @inline(__always)
    @inlinable
    package static func withBytes<R>(of comm: [UInt8], _ body: (RawBytes) -> R) -> R {
        unsafe comm.withUnsafeBytes { unsafe body(RawBytes(unsafeBytes: $0)) }
    }

    @inline(__always) private mutating func put(_ b: UInt8) {
        unsafe base[count] = b
        count &+= 1
    }

    @inline(__always) private mutating func pad(_ b: UInt8, _ n: Int) {
        var i = 0
        while i < n { unsafe base[count &+ i] = b; i &+= 1 }
        if n > 0 { count &+= n }
    }

    /// Decimal digits of `v` (at most 20).
    @inline(__always) private mutating func decimal(_ v: UInt64) {
        let n = LineScratch.digits(v)
        var x = v
        var i = count &+ n
        repeat {
            i &-= 1
            unsafe base[i] = UInt8(truncatingIfNeeded: x % 10) &+ 0x30
            x /= 10
        } while x != 0
        count &+= n
    }

    /// `%-<width>d`.
    @inline(__always) private mutating func leftSigned(_ v: Int64, width: Int) {
        let start = count
        if v < 0 { put(0x2d) }
        decimal(v.magnitude)
        pad(0x20, width - (count - start))
    }

    /// `%0<width>llu`.
    @inline(__always) private mutating func zeroPadded(_ v: UInt64, width: Int) {
        pad(0x30, width - LineScratch.digits(v))
        decimal(v)
    }

    /// `%<width>llu`.
    @inline(__always) private mutating func right(_ v: UInt64, width: Int) {
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
