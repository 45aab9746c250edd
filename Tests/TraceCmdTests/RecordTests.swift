import Testing
@_spi(Engine) @testable import TraceCmd

/// `Record` keeps some fields compactly; what goes in comes out.
@Suite("Record")
struct RecordTests {
    static func make(_ missed: MissedEvents, offset: Int = 24, size: Int = 40) -> Record {
        Record(cpu: 3, timestamp: 10, rawTimestamp: 9, payload: RawBytes(),
               missedEvents: missed, pageOffset: 1 << 40, pageIndex: 1 << 33, offsetInPage: offset,
               recordSize: size, timeDelta: 0x7ff_ffff, pageTimestamp: 8, isFirstOnPage: true, byteOrder: .big)
    }

    @Test func fieldsRoundTrip() {
        let r = Self.make(.count(5))
        #expect(r.cpu == 3 && r.timestamp == 10 && r.rawTimestamp == 9 && r.pageTimestamp == 8)
        #expect(r.pageOffset == 1 << 40 && r.pageIndex == 1 << 33)
        #expect(r.offsetInPage == 24 && r.recordSize == 40 && r.offset == (1 << 40) + 24)
        #expect(r.timeDelta == 0x7ff_ffff && r.isFirstOnPage && r.byteOrder == .big)
        #expect(r.missedEvents == .count(5) && r.missedEventsValue == 5)
    }

    @Test func missedEventsAsTheReferenceNumbersThem() {
        #expect(Self.make(.none).missedEventsValue == 0)
        #expect(Self.make(.unknown).missedEventsValue == -1)
        #expect(Self.make(.unknown).missedEvents == .unknown)
        #expect(Self.make(.count(UInt64.max)).missedEvents == .count(UInt64(Int64.max)))
        #expect(Self.make(.count(0)).missedEvents == .none)
        var r = Self.make(.none)
        r.missedEvents = .count(7)
        #expect(r.missedEventsValue == 7)
        r.offsetInPage = 4000
        r.recordSize = -1
        #expect(r.offsetInPage == 4000 && r.recordSize == 0)
    }
}
