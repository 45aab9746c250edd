/// One CPU of one buffer, with every record's ``Record/timestamp`` corrected by a concrete
/// ``TimestampCorrector`` and, optionally, records of unwanted event ids skipped before
/// anything is decoded. This is the stream a ``SessionTimeline`` merges.
///
/// Unlike ``CPURecordStream/timestampCorrection`` (an escaping closure), the corrector is a
/// value stored in the stream: the merge key is computed by inlined code with no indirect
/// call and no captured box, and the corrector's per-cpu sample-interval cache lives here.
///
/// The wrapped stream must not have its own ``CPURecordStream/timestampCorrection``: the
/// correction is applied to ``Record/rawTimestamp``.
public final class CorrectedRecordStream: RecordStream {
    /// The wrapped CPU stream.
    public let base: CPURecordStream
    /// The CPU index the corrector is asked about (libtracecmd's index of the CPU in its
    /// buffer, which selects the CPU's TIME_SHIFT samples).
    public let correctionCPU: Int
    // Single-threaded by contract, as CPURecordStream: no dynamic exclusivity checks per record.
    @exclusivity(unchecked) private var corrector: TimestampCorrector
    @exclusivity(unchecked) private var current: Record?
    /// `eventMask[id]` tells whether records of event `id` are kept; `nil` keeps all.
    private let eventMask: [Bool]?

    /// Wraps `base`.
    /// - Parameters:
    ///   - base: the stream of raw records to correct.
    ///   - corrector: the timestamp correction of the stream's file and buffer.
    ///   - correctionCPU: the CPU index handed to the corrector; by default `base.cpu`.
    ///   - eventIDs: keep only records whose `common_type` is in this set; `nil` keeps all.
    public init(base: CPURecordStream, corrector: TimestampCorrector, correctionCPU: Int? = nil,
                eventIDs: Set<Int>? = nil) {
        self.base = base
        self.corrector = corrector
        self.correctionCPU = correctionCPU ?? base.cpu
        if let eventIDs {
            let top = eventIDs.filter { $0 >= 0 && $0 <= 0xffff }.max() ?? -1
            var mask = [Bool](repeating: false, count: top + 1)
            for id in eventIDs where id >= 0 && id <= top { mask[id] = true }
            eventMask = mask
        } else {
            eventMask = nil
        }
    }

    /// The CPU number.
    public var cpu: Int { base.cpu }

    /// The next kept record with its corrected timestamp, without consuming it.
    public func peek() throws(TraceFileError) -> Record? {
        if let current { return current }
        while var r = try base.peek() {
            if let mask = eventMask {
                guard let id = r.eventID, id < mask.count, mask[id] else {
                    base.advance()
                    continue
                }
            }
            r.timestamp = corrector.correct(r.rawTimestamp, cpu: correctionCPU)
            current = r
            return r
        }
        return nil
    }

    /// Consumes the record returned by the last ``peek()``.
    public func advance() {
        current = nil
        base.advance()
    }

    /// The next kept record, consumed.
    public func next() throws(TraceFileError) -> Record? {
        let r = try peek()
        advance()
        return r
    }
}
