/// A compiled POSIX basic regular expression, matched case-insensitively without positions
/// (`regcomp(3)` with `REG_ICASE | REG_NOSUB`, then `regexec(3)`): the C library's matcher,
/// owned at a fixed address, behind a safe API (Strings and byte spans in, `Bool` out).
///
/// `@unchecked Sendable`: the compiled pattern is written by `init` only and read by
/// `regexec`, which POSIX requires to be thread-safe (glibc locks the pattern's DFA); its
/// pointer never changes.
@safe
final class PosixRegex: @unchecked Sendable {
    private let compiled: UnsafeMutablePointer<LibC.Regex>

    /// Compiles `pattern`; `nil` when `regcomp` rejects it.
    init?(ignoringCase pattern: String) {
        let compiled = UnsafeMutablePointer<LibC.Regex>.allocate(capacity: 1)
        unsafe compiled.initialize(to: LibC.Regex())
        guard unsafe pattern.withCString({ unsafe LibC.compileRegexIgnoringCase(compiled, $0) }) else {
            unsafe LibC.freeRegex(compiled)
            unsafe compiled.deallocate()
            return nil
        }
        unsafe self.compiled = compiled
    }

    deinit {
        unsafe LibC.freeRegex(compiled)
        unsafe compiled.deallocate()
    }

    /// Whether `string` matches (up to an embedded NUL, as C reads it).
    func matches(_ string: String) -> Bool {
        unsafe string.withCString { unsafe LibC.regexMatches(compiled, $0) }
    }

    /// Whether the bytes of `range` (clamped to `span`) match, up to an embedded NUL. Copies
    /// them to a NUL-terminated scratch buffer on the stack (no heap allocation for short
    /// strings).
    func matches(_ span: RawSpan, _ range: Range<Int>) -> Bool {
        let lo = Swift.min(Swift.max(range.lowerBound, 0), span.byteCount)
        let hi = Swift.min(Swift.max(range.upperBound, lo), span.byteCount)
        return unsafe span.withUnsafeBytes { all in
            let bytes = unsafe UnsafeRawBufferPointer(rebasing: all[lo..<hi])
            return unsafe withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buf in
                guard let base = buf.baseAddress else { return false }
                if let src = bytes.baseAddress, bytes.count > 0 {
                    unsafe UnsafeMutableRawPointer(base).copyMemory(from: src, byteCount: bytes.count)
                }
                unsafe base[bytes.count] = 0
                return unsafe LibC.regexMatches(compiled, base)
            }
        }
    }
}
