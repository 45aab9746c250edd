@_spi(Engine) import TraceCmd
import TraceEvent

/// Writes a session as a Perfetto trace (`.pftrace`, the protobuf `Trace` format that
/// [ui.perfetto.dev](https://ui.perfetto.dev) and Perfetto's trace processor open).
///
/// Each file of the session is one machine (`TracePacket.machine_id`, 0 for the host), named
/// in its `SystemInfo` (`host`, and each guest by its name in the host's GUEST option). Its
/// events go into one `FtraceEventBundle` stream per CPU (a VCPU for a guest), written as it
/// goes in bundles of at most ``Options/bundleEvents`` events:
///
/// - `sched_switch` and `sched_waking` as `CompactSched` arrays,
/// - events Perfetto has a message for (`sched_wakeup`, `irq_handler_entry`,
///   `sched_process_fork`, ..., and `syscalls:sys_enter_*`/`sys_exit_*` as `sys_enter`/`sys_exit`
///   when Perfetto knows the recording machine's syscall table) as those typed messages,
/// - every other event as a `GenericFtraceEvent` with all its fields.
///
/// Timestamps are the corrected host-clock ones of `EventView.timestamp` (a
/// guest's through its TIME_SHIFT), so the machines line up. Thread names come from each
/// file's saved cmdlines (a `ProcessTree`) and from the events; events lost on a CPU mark the
/// next bundle (`lost_events`), and the kernel's per-CPU counts (CPUSTAT) go into an
/// `FtraceStats`. Each guest VCPU whose host task is known gets a track on the host named after
/// the guest, the VCPU and the host PID, with a slice over the VCPU's events, and a matching
/// track on the guest machine, the two slices joined by a flow.
///
/// ```swift
/// let session = try TraceSession.open(["trace.dat", "trace-guest1.vm.dat"])
/// let summary = try PerfettoExporter(session: session).export(to: "session.pftrace")
/// print(summary.events, "events")
/// ```
public struct PerfettoExporter: Sendable {
    /// Export settings.
    public struct Options: Sendable, Hashable {
        /// The largest number of events in one `FtraceEventBundle`.
        public var bundleEvents: Int
        /// Write `sched_switch` and `sched_waking` as `CompactSched` (as Perfetto records
        /// them); `false` writes them as typed events.
        public var compactSched: Bool
        /// Write the guest VCPU tracks linking each VCPU to its host task.
        public var linkGuestVCPUs: Bool

        /// Options; the defaults suit Perfetto's UI.
        public init(bundleEvents: Int = 2048, compactSched: Bool = true, linkGuestVCPUs: Bool = true) {
            self.bundleEvents = bundleEvents
            self.compactSched = compactSched
            self.linkGuestVCPUs = linkGuestVCPUs
        }
    }

    /// The session to export.
    public let session: TraceSession
    /// The settings.
    public var options: Options

    /// An exporter of `session`.
    public init(session: TraceSession, options: Options = .init()) {
        self.session = session
        self.options = options
    }

    /// Writes the selected events to a new file at `path` (replacing it).
    ///
    /// - Parameters:
    ///   - path: the trace file to write (`.pftrace`).
    ///   - selection: which events (peers, CPUs, names, filter, time window), as the report's options.
    ///   - progress: called now and then with how far the export has gone, and once at the end.
    /// - Returns: what was written.
    /// - Throws: ``PerfettoExportError``: the file cannot be created or written, or the
    ///   selection cannot be read.
    @discardableResult
    public func export(to path: String, selection: EventSelection = .init(),
                       progress: (@Sendable (ExportProgress) -> Void)? = nil) throws(PerfettoExportError)
        -> PerfettoExportSummary
    {
        let file: OutputFile
        do {
            file = try OutputFile(path: path)
        } catch {
            throw .cannotCreate(path: path, errno: error.errno)
        }
        defer { try? file.close() }
        var writer = PerfettoTraceWriter(session: session, options: options, file: file)
        var tracker = ExportProgressTracker(session: session, selection: selection, callback: progress)
        let errors: [TraceFileError]
        do {
            errors = try session.forEachEvent(selection) { e in
                try writer.add(e)
                tracker.advance(timestamp: e.timestamp)
            }
        } catch let e as EventQueryError {
            throw .query(e)
        } catch let e as PerfettoExportError {
            throw e
        } catch {
            throw .failed(String(describing: error))
        }
        try writer.finish()
        tracker.finish()
        return PerfettoExportSummary(events: writer.events, machines: writer.machineCount,
                                     bundles: writer.bundleCount, bytes: Int(file.offset), skipped: errors)
    }
}

/// What a Perfetto export wrote.
public struct PerfettoExportSummary: Sendable {
    /// Events written (each `FtraceEvent` and each `CompactSched` entry).
    public var events: UInt64
    /// Machines (files of the session with selected events or metadata).
    public var machines: Int
    /// `FtraceEventBundle` packets.
    public var bundles: Int
    /// Size of the trace file in bytes.
    public var bytes: Int
    /// Parts of the data that could not be read and were skipped (as the report skips them).
    public var skipped: [TraceFileError]
}
