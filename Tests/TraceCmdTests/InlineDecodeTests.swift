import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// The merge reads most records through `CPURecordStream.next(into:)`, which decodes a
/// page's small data events in line and leaves everything else (page loads, first events,
/// time extends and stamps, padding, long events, errors) to the page iterator behind
/// `next()`. Both must give the same records, field by field, and the same errors.
@Suite("Inline record decoding")
struct InlineDecodeTests {
    struct Seen: Equatable, CustomStringConvertible {
        var cpu: Int, timestamp: UInt64, raw: UInt64, pageTimestamp: UInt64
        var pageOffset: Int, pageIndex: Int, offsetInPage: Int, recordSize: Int
        var timeDelta: UInt32, first: Bool, missed: Int64, order: ByteOrder
        var payload: [UInt8]
        var error: String?

        init(_ r: Record) {
            cpu = r.cpu; timestamp = r.timestamp; raw = r.rawTimestamp; pageTimestamp = r.pageTimestamp
            pageOffset = r.pageOffset; pageIndex = r.pageIndex; offsetInPage = r.offsetInPage
            recordSize = r.recordSize; timeDelta = r.timeDelta; first = r.isFirstOnPage
            missed = r.missedEventsValue; order = r.byteOrder; payload = Array(r.payload)
        }

        init(error: TraceFileError) {
            cpu = 0; timestamp = 0; raw = 0; pageTimestamp = 0; pageOffset = 0; pageIndex = 0
            offsetInPage = 0; recordSize = 0; timeDelta = 0; first = false; missed = 0; order = .little
            payload = []; self.error = error.description
        }

        var description: String { error ?? "cpu \(cpu) ts \(timestamp) page \(pageIndex)+\(offsetInPage) size \(recordSize)" }
    }

    /// Every record (and error) of one stream, read with `next()` or with `next(into:)`.
    static func read(_ s: CPURecordStream, inline: Bool) -> [Seen] {
        var out: [Seen] = []
        var slot = Record.empty
        // A bound well above any fixture's record count: an error that repeats forever fails.
        for _ in 0..<2_000_000 {
            if inline {
                if s.next(into: &slot) { out.append(Seen(slot)); continue }
                guard let e = s.takeError() else { return out }
                out.append(Seen(error: e))
            } else {
                do throws(TraceFileError) {
                    guard let r = try s.next() else { return out }
                    out.append(Seen(r))
                } catch {
                    out.append(Seen(error: error))
                }
            }
        }
        Issue.record("stream did not end")
        return out
    }

    @Test("the same records as the page iterator, on every fixture", arguments: Fixtures.allTraceFiles)
    func sameRecords(_ name: String) throws {
        let path = Fixtures.path(name)
        guard let file = try? TraceFile.open(path) else { return } // files that do not open are tested elsewhere
        var compared = 0
        var inlineDecoded = 0
        for buffer in file.buffers where buffer.kind == .flyrecord {
            guard let plain = try? RecordIterator.streams(file: file, buffer: buffer),
                  let fast = try? RecordIterator.streams(file: file, buffer: buffer) else { continue }
            for (a, b) in zip(plain, fast) {
                let expected = Self.read(a, inline: false)
                let got = Self.read(b, inline: true)
                #expect(got.count == expected.count, "\(name) CPU \(a.cpu): \(got.count) against \(expected.count)")
                if let i = got.indices.first(where: { $0 < expected.count && got[$0] != expected[$0] }) {
                    Issue.record("\(name) CPU \(a.cpu) record \(i): \(got[i]) against \(expected[i])")
                }
                compared += expected.count
                inlineDecoded += expected.indices.dropFirst().filter { expected[$0].error == nil && !expected[$0].first }.count
            }
        }
        // Files with records have records decoded in line (past the first of each page).
        if compared > 100 { #expect(inlineDecoded > 0) }
    }

    @Test("a corrected or selected stream gives the same records both ways")
    func correctedAndSelected() throws {
        let file = try TraceFile.open(Fixtures.path("v6.dat"))
        guard let buffer = file.topBuffer else { Issue.record("no top buffer"); return }
        let plain = try RecordIterator.streams(file: file, buffer: buffer)
        let fast = try RecordIterator.streams(file: file, buffer: buffer)
        let corrector = TimestampCorrector(settings: .init(userOffset: 1_000_000))
        var ids = Set<Int>()
        for (a, b) in zip(plain, fast) {
            a.setCorrection(corrector); b.setCorrection(corrector)
            // Keep the events of the first record's id only.
            if ids.isEmpty, let r = try? a.peek(), let id = r.eventID { ids = [id] }
            a.keepEvents(ids); b.keepEvents(ids)
            let expected = Self.read(a, inline: false)
            let got = Self.read(b, inline: true)
            #expect(got == expected)
            #expect(expected.allSatisfy { $0.error != nil || $0.timestamp == $0.raw &+ 1_000_000 })
        }
    }
}
