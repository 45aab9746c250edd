@_spi(Engine) import TraceEvent
/// A multi-peer session: a host trace file and the trace files of its guests, read together.
///
/// As in the reference (`trace-cmd report -i host.dat -i guest.dat ...`) the host is the
/// first file. When the first file has no GUEST options but a later one has, that later
/// file is taken as the host and ``SessionDiagnostic/hostNotFirst(index:path:)`` says so.
/// Every other file is matched to the host's GUEST entry by its TRACEID. Anything that does
/// not fit (files that match no guest, guests without a file, missing sync data, a
/// TIME_SHIFT naming another host) is reported in ``diagnostics``; nothing here crashes or
/// refuses a set of files that can each be read.
///
/// Each file gets the timestamp correction libtracecmd's `tracecmd_open` applies to it
/// (its own TIME_SHIFT, TSC2NSEC, OFFSET, DATE; see
/// ``TimestampCorrector/init(file:buffer:settings:)``), with the reader settings given.
/// Read the merged records with `timeline(_:)`.
///
/// ```swift
/// let session = try TraceSession.open(["trace.dat", "trace-guest1.vm.dat"])
/// for d in session.diagnostics { print(d) }
/// var timeline = try session.timeline()
/// while let r = try timeline.next() { ... r.peer, r.record.timestamp ... }
/// ```
public final class TraceSession: Sendable {
    /// One file of the session.
    public struct Peer: Sendable, CustomStringConvertible {
        /// Position in the session (the order the files were given; ties in the merged
        /// timeline go to the lower index).
        public let index: Int
        /// The opened file.
        public let file: TraceFile
        /// The path as the caller gave it (for display).
        public let path: String
        /// The file's own role by its options (host: GUEST options, guest: a TIME_SHIFT
        /// option the reference reads, i.e. of at least 16 bytes).
        public let role: TraceFile.Role
        /// The file's TRACEID, `nil` when absent.
        public let traceID: UInt64?
        /// The parsed TIME_SHIFT option, `nil` when absent or unreadable.
        public let timeShift: TimeShift?
        /// For a file matched to a guest of the host: the host's GUEST entry.
        public let guestEntry: TraceOption.GuestInfo?
        /// The correction of the records of the top-level buffer.
        public let corrector: TimestampCorrector
        /// The correction of the records of instance buffers (no TIME_SHIFT: libtracecmd's
        /// instance handles start without sync data).
        public let instanceCorrector: TimestampCorrector

        /// The correction for records of `buffer` of this file.
        public func corrector(for buffer: TraceBuffer) -> TimestampCorrector {
            buffer.isTopLevel ? corrector : instanceCorrector
        }

        /// The host PID of the task that runs VCPU `cpu` of this guest, when the host's
        /// GUEST option knows it (`nil` for unknown, -1, or a file that is not a matched guest).
        @inlinable
        public func hostPID(vcpu cpu: Int) -> Int32? {
            guard let pids = guestEntry?.hostPIDs, cpu >= 0, cpu < pids.count, pids[cpu] != -1 else { return nil }
            return pids[cpu]
        }

        /// Index, path, role, trace ID (`0x` and lower-case hex), the matched guest entry and
        /// the sync peer, e.g. `peer 1 trace-guest1.vm.dat: guest, trace ID 0x20812657ee227c43,
        /// guest guest1.vm, time sync with 0xa4a14c3318712de4`.
        public var description: String {
            var s = "peer \(index) \(path): \(role.rawValue), trace ID \(traceID.map(hexID) ?? "none")"
            if let g = guestEntry { s += ", guest \(TraceOption.GuestInfo.displayName(g.name))" }
            if let t = timeShift { s += ", time sync with \(hexID(t.peerTraceID))" }
            return s
        }
    }

    /// One GUEST entry of the host, with the session file that carries that guest's trace.
    public struct GuestLink: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The entry as `tracecmd_get_guest_cpumap` returns it for its trace ID (when the host
        /// repeats an ID, the last entry in the file).
        public let guest: TraceOption.GuestInfo
        /// Index of the file whose TRACEID is the guest's (the last such file), or `nil`.
        public let fileIndex: Int?

        /// The guest entry (see ``TraceOption/GuestInfo/description``) and the index of its
        /// file, e.g. `guest1.vm  id 0xb391c3c54d976343  2 vcpus  host pids [? ?]  file 1`.
        public var description: String { "\(guest)  file \(fileIndex.map(String.init) ?? "(none)")" }
    }

    /// The files, in the order given.
    public let peers: [Peer]
    /// The index of the host file, `nil` when no file has GUEST options (a lone file, or a
    /// set of unrelated files: the first file is then the reference's host).
    public let hostIndex: Int?
    /// The host's GUEST entries in file order, each with its matched file.
    public let guests: [GuestLink]
    /// What did not fit, in the order found.
    public let diagnostics: [SessionDiagnostic]
    /// The reader settings the correctors were built with.
    public let settings: TimestampCorrector.Settings

    /// The host peer, if any.
    public var host: Peer? { hostIndex.map { peers[$0] } }

    /// Opens the files at `paths` (fully: records can be read) as one session.
    public static func open(_ paths: [String], settings: TimestampCorrector.Settings = .init(),
                            mode: TraceFile.OpenMode = .full) throws(TraceFileError) -> TraceSession {
        var files: [TraceFile] = []
        for p in paths { files.append(try TraceFile.open(p, mode: mode)) }
        return TraceSession(files: files, paths: paths, settings: settings)
    }

    /// Builds a session from opened files.
    /// - Parameters:
    ///   - files: the session's files; the host's first when there is a host file.
    ///   - paths: display paths (by default each file's own path).
    ///   - settings: reader settings for every file (raw timestamps, `--nodate`, user offset).
    ///   - userOffsets: extra per-file offsets, added to `settings.userOffset` for the file
    ///     at that index (`tracecmd_add_ts_offset` on one handle).
    ///   - clockHz: per-file clock frequencies (`--ts2secs` after that file), replacing
    ///     `settings.clockHz` for the file at that index.
    public init(files: [TraceFile], paths: [String]? = nil, settings: TimestampCorrector.Settings = .init(),
                userOffsets: [Int: Int64] = [:], clockHz: [Int: UInt64] = [:]) {
        self.settings = settings
        var diags: [SessionDiagnostic] = []
        let names = files.indices.map { i in
            if let paths, i < paths.count { return paths[i] }
            return files[i].path
        }

        // The host: the first file, or the first one with GUEST options.
        let withGuests = files.indices.filter { !files[$0].guests.isEmpty }
        var host: Int? = nil
        if let first = withGuests.first {
            host = first
            if first != 0 { diags.append(.hostNotFirst(index: first, path: names[first])) }
            if withGuests.count > 1 {
                diags.append(.multipleHosts(indices: withGuests, paths: withGuests.map { names[$0] }))
            }
        } else if files.count > 1 {
            diags.append(.noHost)
        }
        hostIndex = host
        let hostFile = host.map { files[$0] }
        let hostID = hostFile?.traceID

        // Trace IDs shared by several files.
        var byID: [UInt64: [Int]] = [:]
        for (i, f) in files.enumerated() { if let id = f.traceID { byID[id, default: []].append(i) } }
        for (id, list) in byID.sorted(by: { $0.value[0] < $1.value[0] }) where list.count > 1 {
            diags.append(.duplicateTraceID(id, indices: list, paths: list.map { names[$0] }))
        }

        var peers: [Peer] = []
        for (i, f) in files.enumerated() {
            var s = settings
            s.userOffset = s.userOffset &+ (userOffsets[i] ?? 0)
            if let hz = clockHz[i] { s.clockHz = hz }
            var shift: TimeShift?
            var shiftError: TimeShiftError?
            do { shift = try f.parsedTimeShift() } catch { shiftError = error }
            var entry: TraceOption.GuestInfo?
            if i != host, let hostFile {
                if let id = f.traceID {
                    if let g = hostFile.guest(traceID: id) {
                        entry = g
                    } else {
                        diags.append(.unmatchedFile(index: i, path: names[i], traceID: id))
                    }
                } else {
                    diags.append(.noTraceID(index: i, path: names[i]))
                }
            }
            if let shiftError { diags.append(.unreadableTimeShift(index: i, path: names[i], shiftError)) }
            if entry != nil, f.usableTimeShiftPayload == nil {
                diags.append(.noSyncData(index: i, path: names[i]))
            }
            if i != host, let shift, let hostID, shift.peerTraceID != hostID {
                diags.append(.peerMismatch(index: i, path: names[i], peer: shift.peerTraceID, host: hostID))
            }
            let top = TimestampCorrector(file: f, timeShift: s.rawTimestamps ? nil : shift, settings: s)
            let inst = TimestampCorrector(file: f, timeShift: nil, settings: s)
            let role: TraceFile.Role = !f.guests.isEmpty ? .host : (f.usableTimeShiftPayload != nil ? .guest : .single)
            peers.append(Peer(index: i, file: f, path: names[i], role: role, traceID: f.traceID,
                              timeShift: shift, guestEntry: entry, corrector: top, instanceCorrector: inst))
        }
        self.peers = peers

        var links: [GuestLink] = []
        if let hostFile, let host {
            for g in hostFile.guests {
                let current = hostFile.guest(traceID: g.traceID) ?? g
                let file = files.indices.last { $0 != host && files[$0].traceID == g.traceID }
                links.append(GuestLink(guest: current, fileIndex: file))
            }
            var reported = Set<UInt64>()
            for l in links where l.fileIndex == nil && reported.insert(l.guest.traceID).inserted {
                diags.append(.guestWithoutFile(name: l.guest.name, traceID: l.guest.traceID))
            }
        }
        guests = links
        diagnostics = diags
    }

    /// The sync quality of peer `index`'s TIME_SHIFT (with the peer ID checked against the
    /// host's trace ID), or `nil` for the host and for files that are neither guests nor
    /// matched to a guest entry.
    public func syncQuality(of index: Int) -> SyncQuality? {
        guard peers.indices.contains(index), index != hostIndex else { return nil }
        let p = peers[index]
        guard p.role == .guest || p.guestEntry != nil else { return nil }
        let hostID = host?.traceID
        guard let payload = p.file.usableTimeShiftPayload else {
            return SyncQuality(timeShift: nil, hostTraceID: hostID)
        }
        return SyncQuality.analyze(payload: payload, order: p.file.byteOrder, hostTraceID: hostID)
    }

    /// The merged timeline of the session (see ``SessionTimeline``).
    @_spi(Engine) public func timeline(_ selection: SessionTimeline.Selection = .init()) throws(TraceFileError) -> SessionTimeline {
        try SessionTimeline(session: self, selection: selection)
    }
}

/// Something about a session's files that does not fit the host/guest picture. These are
/// values to show, not failures: the session can still be read.
public enum SessionDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The first file has no GUEST options, but this later one has: it is taken as the host
    /// (the reference would take the first file).
    case hostNotFirst(index: Int, path: String)
    /// Several files have GUEST options; the first of them is the host.
    case multipleHosts(indices: [Int], paths: [String])
    /// Several files and none has GUEST options: there is no host to match guests with.
    case noHost
    /// A file has no TRACEID option, so it cannot be matched to a guest.
    case noTraceID(index: Int, path: String)
    /// A file's trace ID is not one of the host's guests.
    case unmatchedFile(index: Int, path: String, traceID: UInt64)
    /// A guest of the host has no file in the session.
    case guestWithoutFile(name: String, traceID: UInt64)
    /// Several files carry the same trace ID.
    case duplicateTraceID(UInt64, indices: [Int], paths: [String])
    /// A matched guest file has no TIME_SHIFT: its timestamps stay on the guest clock.
    case noSyncData(index: Int, path: String)
    /// A guest's TIME_SHIFT names a peer that is not the host (the reference does not check).
    case peerMismatch(index: Int, path: String, peer: UInt64, host: UInt64)
    /// A file's TIME_SHIFT option cannot be read (the reference refuses to open the file);
    /// its timestamps are not synced here.
    case unreadableTimeShift(index: Int, path: String, TimeShiftError)

    /// A short stable name of the case (for JSON).
    public var kind: String {
        switch self {
        case .hostNotFirst: "hostNotFirst"
        case .multipleHosts: "multipleHosts"
        case .noHost: "noHost"
        case .noTraceID: "noTraceID"
        case .unmatchedFile: "unmatchedFile"
        case .guestWithoutFile: "guestWithoutFile"
        case .duplicateTraceID: "duplicateTraceID"
        case .noSyncData: "noSyncData"
        case .peerMismatch: "peerMismatch"
        case .unreadableTimeShift: "unreadableTimeShift"
        }
    }

    public var description: String {
        switch self {
        case let .hostNotFirst(_, path):
            return "\(path) has GUEST options and is taken as the host, though it is not the first file (trace-cmd takes the first file as the host)"
        case let .multipleHosts(_, paths):
            return "several files have GUEST options (\(paths.joined(separator: ", "))); \(paths.first ?? "") is the host"
        case .noHost:
            return "no file has GUEST options: there is no host to match guests with"
        case let .noTraceID(_, path):
            return "\(path) has no TRACEID: it cannot be matched to a guest of the host"
        case let .unmatchedFile(_, path, id):
            return "\(path): trace ID \(hexID(id)) is not a guest of the host"
        case let .guestWithoutFile(name, id):
            return "guest \(TraceOption.GuestInfo.displayName(name)) (trace ID \(hexID(id))) has no file in the session"
        case let .duplicateTraceID(id, _, paths):
            return "trace ID \(hexID(id)) is carried by several files: \(paths.joined(separator: ", "))"
        case let .noSyncData(_, path):
            return "\(path): no time sync data (no TIME_SHIFT option); its timestamps are not moved to the host clock"
        case let .peerMismatch(_, path, peer, host):
            return "\(path): TIME_SHIFT peer ID \(hexID(peer)) is not the host's trace ID \(hexID(host))"
        case let .unreadableTimeShift(_, path, e):
            return "\(path): \(e); trace-cmd cannot open this file, its timestamps are not synced here"
        }
    }
}

/// `0x` and lower-case hex, as the reference's tools print trace IDs.
func hexID(_ id: UInt64) -> String { "0x" + String(id, radix: 16) }
