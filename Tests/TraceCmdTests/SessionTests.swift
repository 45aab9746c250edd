import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// Session matching, diagnostics, reader settings and timeline selection on the real
/// host/guest recordings.
@Suite struct SessionTests {
    static func open(_ dir: String, _ names: [String], settings: TimestampCorrector.Settings = .init(),
                     userOffsets: [Int: Int64] = [:]) throws -> TraceSession {
        let files = try names.map { try TraceFile.open(Fixtures.path(dir + "/" + $0)) }
        return TraceSession(files: files, paths: names, settings: settings, userOffsets: userOffsets)
    }

    static func all(_ s: TraceSession, _ sel: SessionTimeline.Selection = .init()) throws -> [(peer: Int, cpu: Int, ts: UInt64, raw: UInt64, id: Int?)] {
        var t = try s.timeline(sel)
        var out: [(Int, Int, UInt64, UInt64, Int?)] = []
        while let r = try t.next() {
            out.append((r.peer, r.record.cpu, r.record.timestamp, r.record.rawTimestamp, r.record.eventID))
        }
        return out
    }

    static let g1 = "trace-guest1.vm.dat"
    static let g2 = "trace-guest2.vm.dat"

    // MARK: matching and diagnostics

    @Test func hostFirstMatchesEveryGuest() throws {
        let s = try Self.open("session-2guests", ["trace.dat", Self.g1, Self.g2])
        #expect(s.hostIndex == 0)
        #expect(s.diagnostics.isEmpty)
        #expect(s.peers[1].guestEntry?.name == "guest1.vm")
        #expect(s.peers[2].guestEntry?.name == "guest2.vm")
        #expect(s.guests.map(\.guest.name) == ["guest2.vm", "guest1.vm"])
        #expect(s.guests.map(\.fileIndex) == [2, 1])
        #expect(s.peers[1].traceID == s.peers[1].guestEntry?.traceID)
        #expect(s.peers.map(\.role) == [.host, .guest, .guest])
    }

    @Test func missingGuestFileIsReported() throws {
        let s = try Self.open("session-2guests", ["trace.dat", Self.g1])
        let id = try #require(s.host?.file.guests.first { $0.name == "guest2.vm" }?.traceID)
        #expect(s.diagnostics == [.guestWithoutFile(name: "guest2.vm", traceID: id)])
        #expect(s.guests.first { $0.guest.name == "guest1.vm" }?.fileIndex == 1)
        #expect(s.diagnostics[0].description.contains("guest2.vm"))
    }

    @Test func guestOfAnotherSessionIsUnmatched() throws {
        let host = try TraceFile.open(Fixtures.path("session-2guests/trace.dat"))
        let stranger = try TraceFile.open(Fixtures.path("session-1guest/" + Self.g1))
        let s = TraceSession(files: [host, stranger], paths: ["trace.dat", "other.dat"])
        let strangerID = try #require(stranger.traceID)
        let hostID = try #require(host.traceID)
        let peer = try #require(try stranger.parsedTimeShift()?.peerTraceID)
        #expect(s.peers[1].guestEntry == nil)
        #expect(s.diagnostics.contains(.unmatchedFile(index: 1, path: "other.dat", traceID: strangerID)))
        #expect(s.diagnostics.contains(.peerMismatch(index: 1, path: "other.dat", peer: peer, host: hostID)))
        let missing = s.diagnostics.filter { if case .guestWithoutFile = $0 { true } else { false } }
        #expect(missing.count == 2)
        // The sync quality says it too.
        let q = try #require(s.syncQuality(of: 1))
        #expect(q.warnings.contains(.peerMismatch(peer: peer, host: hostID)))
        // The stranger is still read, with its own correction.
        let records = try Self.all(s)
        #expect(records.filter { $0.peer == 1 }.count == 541)
    }

    @Test func hostGivenLaterIsRecognised() throws {
        let s = try Self.open("session-1guest", [Self.g1, "trace.dat"])
        #expect(s.hostIndex == 1)
        #expect(s.diagnostics == [.hostNotFirst(index: 1, path: "trace.dat")])
        #expect(s.peers[0].guestEntry?.name == "guest1.vm")
        #expect(s.guests.first?.fileIndex == 0)
        // The merged order follows the given order on ties; the records are the same.
        let swapped = try Self.all(s)
        let normal = try Self.all(try Self.open("session-1guest", ["trace.dat", Self.g1]))
        #expect(swapped.count == normal.count)
        #expect(swapped.map(\.ts) == normal.map(\.ts))
        let summary = try SessionSummary(session: s)
        #expect(summary.hostIndex == 1)
        #expect(summary.files[1].guests.first?.file == Self.g1)
        #expect(summary.text().contains("taken as the host"))
    }

    @Test func filesWithoutGuestsHaveNoHost() throws {
        let a = try TraceFile.open(Fixtures.path("v6.dat"))
        let b = try TraceFile.open(Fixtures.path("v7-zstd.dat"))
        let s = TraceSession(files: [a, b])
        #expect(s.hostIndex == nil)
        #expect(s.diagnostics == [.noHost])
        let lone = TraceSession(files: [a])
        #expect(lone.diagnostics.isEmpty)
    }

    @Test func aLoneHostReportsItsGuestsWithoutFiles() throws {
        let s = try Self.open("session-2guests", ["trace.dat"])
        #expect(s.hostIndex == 0)
        #expect(s.diagnostics.count == 2)
        #expect(s.diagnostics.allSatisfy { if case .guestWithoutFile = $0 { true } else { false } })
    }

    @Test func sameFileTwiceIsADuplicateTraceID() throws {
        let s = try Self.open("session-1guest", ["trace.dat", Self.g1, Self.g1])
        let id = try #require(s.peers[1].traceID)
        #expect(s.diagnostics == [.duplicateTraceID(id, indices: [1, 2], paths: [Self.g1, Self.g1])])
        // As tcinfo: the last file with the ID is the guest's file.
        #expect(s.guests.first?.fileIndex == 2)
    }

    /// A copy of a real guest file (in memory) with its TIME_SHIFT option id replaced.
    static func guestCopy(_ path: String, timeShiftID: UInt16? = nil,
                          patch: ((inout [UInt8], Int) -> Void)? = nil) throws -> TraceFile {
        let original = try TraceFile.open(Fixtures.path(path))
        let opt = try #require(original.options.last { $0.rawID == TimeShift.optionID })
        var bytes = Array(original.mapped.bytes)
        if let id = timeShiftID {
            // The option header (u16 id, u32 size) precedes the payload.
            bytes[opt.payloadOffset - 6] = UInt8(id & 0xff)
            bytes[opt.payloadOffset - 5] = UInt8(id >> 8)
        }
        patch?(&bytes, opt.payloadOffset)
        return try TraceFile(mapped: MappedFile(copying: bytes, path: path))
    }

    @Test func guestWithoutSyncDataIsReported() throws {
        let host = try TraceFile.open(Fixtures.path("session-1guest/trace.dat"))
        let guest = try Self.guestCopy("session-1guest/" + Self.g1, timeShiftID: 0x7fff)
        #expect(guest.role == .single)
        let s = TraceSession(files: [host, guest], paths: ["trace.dat", Self.g1])
        #expect(s.diagnostics == [.noSyncData(index: 1, path: Self.g1)])
        #expect(s.syncQuality(of: 1)?.warnings == [.noSyncData])
        #expect(!s.peers[1].corrector.hasTimeSync)
        // Its records keep guest time: corrected == raw (no OFFSET/DATE in the fixture).
        let records = try Self.all(s).filter { $0.peer == 1 }
        #expect(records.count == 541)
        #expect(records.allSatisfy { $0.ts == $0.raw })
        let text = try SessionSummary(session: s).text()
        #expect(text.contains("no time sync data"))
    }

    @Test func unreadableTimeShiftIsADiagnosticNotACrash() throws {
        let host = try TraceFile.open(Fixtures.path("session-1guest/trace.dat"))
        // CPU count (u32 at payload offset 12) far beyond the payload.
        let guest = try Self.guestCopy("session-1guest/" + Self.g1) { b, off in
            b[off + 12] = 0xff; b[off + 13] = 0xff; b[off + 14] = 0; b[off + 15] = 0
        }
        let s = TraceSession(files: [host, guest], paths: ["trace.dat", Self.g1])
        #expect(s.diagnostics.count == 1)
        guard case .unreadableTimeShift(1, _, _) = s.diagnostics.first else {
            Issue.record("got \(s.diagnostics)")
            return
        }
        #expect(throws: TimeShiftError.self) { try TimestampCorrector(file: guest) }
        #expect(!TimestampCorrector.lenient(file: guest).hasTimeSync)
        #expect(try Self.all(s).count == 342 + 541)
    }

    // MARK: correction settings

    @Test func rawTimestampsIgnoreEveryCorrection() throws {
        let s = try Self.open("session-1guest", ["trace.dat", Self.g1], settings: .init(rawTimestamps: true))
        let records = try Self.all(s)
        #expect(records.count == 342 + 541)
        #expect(records.allSatisfy { $0.ts == $0.raw })
        let corrected = try Self.all(try Self.open("session-1guest", ["trace.dat", Self.g1]))
        #expect(corrected.contains { $0.peer == 1 && $0.ts != $0.raw })
    }

    @Test func noDateRemovesTheDateOffset() throws {
        let file = try TraceFile.open(Fixtures.path("date.dat"))
        let date = try #require(file.dateOptions.last)
        let shift = UInt64(bitPattern: CInteger.strtoll(date) &* 1000)
        #expect(shift > 1_000_000_000_000_000_000)
        let golden = try String(contentsOfFile: Fixtures.path("golden/date/records.txt"), encoding: .utf8)
            .split(separator: "\n").compactMap { UInt64($0.split(separator: " ")[1]) }
        let s = TraceSession(files: [file], settings: .init(ignoreDate: true))
        let ours = try Self.all(s).map(\.ts)
        #expect(ours == golden.map { $0 &- shift })
        #expect(ours.allSatisfy { $0 < 1_000_000_000_000 })
    }

    @Test func userOffsetsShiftOneFileOrAll() throws {
        let base = try Self.all(try Self.open("session-1guest", ["trace.dat", Self.g1]))
        let shifted = try Self.all(try Self.open("session-1guest", ["trace.dat", Self.g1], userOffsets: [1: -5_000_000]))
        #expect(shifted.count == base.count)
        #expect(shifted.filter { $0.peer == 0 }.map(\.ts) == base.filter { $0.peer == 0 }.map(\.ts))
        #expect(shifted.filter { $0.peer == 1 }.map(\.ts) == base.filter { $0.peer == 1 }.map { $0.ts - 5_000_000 })
        #expect(shifted.map(\.peer) != base.map(\.peer), "moving a guest by 5 ms changes the interleaving")
        let all = try Self.all(try Self.open("session-1guest", ["trace.dat", Self.g1], settings: .init(userOffset: 7)))
        #expect(all.map(\.ts) == base.map { $0.ts + 7 })
    }

    @Test func instancesOfAGuestAreNotSynced() throws {
        let s = try Self.open("session-1guest", ["trace.dat", Self.g1])
        #expect(s.peers[1].corrector.hasTimeSync)
        #expect(!s.peers[1].instanceCorrector.hasTimeSync)
        #expect(!s.peers[0].corrector.hasTimeSync)
    }

    // MARK: timeline

    @Test func selectionFiltersBeforeDecoding() throws {
        let s = try Self.open("session-2guests", ["trace.dat", Self.g1, Self.g2])
        let all = try Self.all(s)
        #expect(all.count == 405 + 616 + 770)
        // Peers.
        let guests = try Self.all(s, .init(peers: [1, 2]))
        #expect(guests.map(\.ts) == all.filter { $0.peer != 0 }.map(\.ts))
        // CPUs: every file's CPU 1, or CPU 0 of the host only.
        let cpu1 = try Self.all(s, .init(cpus: [1]))
        #expect(cpu1.map(\.ts) == all.filter { $0.cpu == 1 }.map(\.ts))
        let mixed = try Self.all(s, .init(cpusByPeer: [0: [0]]))
        #expect(mixed.map(\.ts) == all.filter { $0.peer != 0 || $0.cpu == 0 }.map(\.ts))
        // Event ids, per file (ids are those of that file's formats).
        let id = try #require(all.first { $0.peer == 1 }?.id)
        let events = try Self.all(s, .init(eventIDsByPeer: [1: [id]]))
        let expected = all.filter { $0.peer != 1 || $0.id == id }
        #expect(events.count == expected.count)
        #expect(events.map(\.ts) == expected.map(\.ts))
        #expect(events.count < all.count)
        // Sources tell where each stream comes from.
        let t = try s.timeline()
        #expect(t.sources.map(\.peer) == [0, 0, 1, 1, 2, 2])
        #expect(t.sources.map(\.mergedCPU) == [0, 1, 2, 3, 4, 5])
    }

    @Test func hostPIDComesFromTheGuestOption() throws {
        let s = try Self.open("session-1guest", ["trace.dat", Self.g1])
        // The fixtures' guests were reached over TCP: every PID is -1 (unknown).
        #expect(s.peers[1].guestEntry?.hostPIDs == [-1, -1])
        var t = try s.timeline()
        while let r = try t.next() { #expect(r.hostPID == nil) }
        // A GUEST entry with PIDs gives them per VCPU.
        let p = s.peers[1]
        let entry = TraceOption.GuestInfo(name: "vm", traceID: 1, vcpuCount: 3, hostPIDs: [4242, -1, 77])
        let peer = TraceSession.Peer(index: 1, file: p.file, path: p.path, role: .guest, traceID: 1, timeShift: nil,
                                     guestEntry: entry, corrector: p.corrector, instanceCorrector: p.instanceCorrector)
        #expect(peer.hostPID(vcpu: 0) == 4242)
        #expect(peer.hostPID(vcpu: 1) == nil)
        #expect(peer.hostPID(vcpu: 2) == 77)
        #expect(peer.hostPID(vcpu: 3) == nil)
        #expect(s.peers[0].hostPID(vcpu: 0) == nil)
    }

    @Test func instanceBuffersFollowAllTopBuffers() throws {
        let f = try TraceFile.open(Fixtures.path("buffers.dat"))
        let s = TraceSession(files: [f])
        let t = try s.timeline()
        let names = t.sources.map { f.buffers[$0.buffer].name }
        #expect(names == ["", "", "inst2", "inst2", "inst1", "inst1"])
        let onlyInst1 = try Self.all(s, .init(instanceNames: ["inst1"]))
        #expect(onlyInst1.count == 3046 + 1300)
        let top = try Self.all(s, .init(includeInstances: false))
        #expect(top.count == 3046)
    }
}

/// Damaged copies of real session files: every outcome is a typed error or a complete
/// read, never a crash or hang.
@Suite struct SessionRobustnessTests {
    static func readAll(_ files: [TraceFile]) {
        let s = TraceSession(files: files)
        do {
            _ = try SessionSummary(session: s).json()
            var t = try s.timeline()
            var n = 0
            while true {
                do {
                    guard try t.next() != nil else { break }
                    n += 1
                } catch {
                    // A damaged page: the merge goes on with the rest.
                    n += 1
                }
                if n > 10_000_000 { Issue.record("runaway timeline"); break }
            }
        } catch {
            // A typed error is fine.
        }
    }

    @Test func corruptedPeerOptionsAndTruncations() throws {
        let host = try TraceFile.open(Fixtures.path("session-1guest/trace.dat"))
        let guest = try TraceFile.open(Fixtures.path("session-1guest/trace-guest1.vm.dat"))
        let shift = try #require(guest.options.last { $0.rawID == TimeShift.optionID })
        let guestOpt = try #require(host.options.last { $0.rawID == TraceOption.ID.guest.rawValue })
        // Every byte of the TIME_SHIFT payload (and its size field) and of the GUEST payload.
        for (file, opt, other, hostFirst) in [(guest, shift, host, false), (host, guestOpt, guest, true)] {
            let bytes = Array(file.mapped.bytes)
            for i in (opt.payloadOffset - 4)..<(opt.payloadOffset + opt.payload.count) {
                for v: UInt8 in [0x00, 0xff, bytes[i] ^ 0x80] where v != bytes[i] {
                    var b = bytes
                    b[i] = v
                    guard let damaged = try? TraceFile(mapped: MappedFile(copying: b, path: "damaged.dat")) else { continue }
                    Self.readAll(hostFirst ? [damaged, other] : [other, damaged])
                }
            }
        }
        // Truncations of the guest at a spread of points.
        let bytes = Array(guest.mapped.bytes)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            guard let damaged = try? TraceFile(mapped: MappedFile(copying: Array(bytes[..<cut]), path: "cut.dat")) else { continue }
            Self.readAll([host, damaged])
        }
    }
}
