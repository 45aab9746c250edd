@_spi(Engine) import TraceEvent
/// The records of one CPU of one buffer, newest first: the pages from the last to the
/// first, each decoded whole (one page in memory at a time) and served from its last record
/// to its first (the exact reverse of ``CPURecordStream``'s order).
///
/// A page that cannot be read is reported once (thrown) and skipped; the next call goes on
/// with the page before it. A record's payload is valid until the next call after
/// ``advance()``/``next()``.
@_spi(Engine) public final class ReverseCPURecordStream: RecordStream {
    /// The forward stream whose pages are read.
    @_spi(Engine) public let forward: CPURecordStream
    /// The CPU number.
    @_spi(Engine) public var cpu: Int { forward.cpu }
    /// The next page to load (counting down; -1 when every page was loaded).
    private var nextPage: Int
    /// The records of the current page, in page order; served from the end.
    private var page: [Record] = []
    private var peeked: Record?

    /// Reads `forward`'s pages backwards (set its correction and event selection first).
    @_spi(Engine) public init(_ forward: CPURecordStream) {
        self.forward = forward
        nextPage = forward.pageCount - 1
    }

    @_spi(Engine) public func peek() throws(TraceFileError) -> Record? {
        if let peeked { return peeked }
        let r = try take()
        peeked = r
        return r
    }

    @_spi(Engine) public func advance() { peeked = nil }

    @_spi(Engine) public func next() throws(TraceFileError) -> Record? {
        if let p = peeked {
            peeked = nil
            return p
        }
        return try take()
    }

    private func take() throws(TraceFileError) -> Record? {
        while page.isEmpty {
            guard nextPage >= 0 else { return nil }
            let index = nextPage
            nextPage -= 1
            page = try forward.records(onPage: index)
        }
        return page.removeLast()
    }
}
