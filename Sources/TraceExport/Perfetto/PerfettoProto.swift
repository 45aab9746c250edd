/// Field numbers of the Perfetto trace messages this exporter writes (facts from Perfetto's
/// protos: `trace.proto`, `trace_packet.proto`, `ftrace/ftrace_event_bundle.proto`,
/// `ftrace/ftrace_event.proto`, `ftrace/generic.proto`, `ftrace/ftrace_stats.proto`,
/// `system_info.proto`, `ps/process_tree.proto`, `track_event/*.proto`).
enum PerfettoProto {
    /// `Trace`.
    enum Trace {
        static let packet = 1
    }

    /// `TracePacket`.
    enum Packet {
        static let ftraceEvents = 1
        static let processTree = 2
        static let timestamp = 8
        static let trustedPacketSequenceID = 10
        static let trackEvent = 11
        static let sequenceFlags = 13
        static let ftraceStats = 34
        static let systemInfo = 45
        static let trackDescriptor = 60
        static let firstPacketOnSequence = 87
        static let machineID = 98
        /// `TracePacket.SequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED`.
        static let incrementalStateCleared: UInt64 = 1
    }

    /// `FtraceEventBundle`.
    enum Bundle {
        static let cpu = 1
        static let event = 2
        static let lostEvents = 3
        static let compactSched = 4
    }

    /// `FtraceEventBundle.CompactSched` (all packed except the intern table).
    enum CompactSched {
        static let switchTimestamp = 1
        static let switchPrevState = 2
        static let switchNextPid = 3
        static let switchNextPrio = 4
        static let internTable = 5
        static let switchNextCommIndex = 6
        static let wakingTimestamp = 7
        static let wakingPid = 8
        static let wakingTargetCPU = 9
        static let wakingPrio = 10
        static let wakingCommIndex = 11
        static let wakingCommonFlags = 12
    }

    /// `FtraceEvent`.
    enum Event {
        static let timestamp = 1
        static let pid = 2
        static let commonFlags = 5
        static let generic = 327
    }

    /// `GenericFtraceEvent` and its `Field`.
    enum Generic {
        static let eventName = 1
        static let field = 2
        static let fieldName = 1
        static let strValue = 3
        static let intValue = 4
        static let uintValue = 5
    }

    /// `FtraceStats` and `FtraceCpuStats`.
    enum Stats {
        static let phase = 1
        static let cpuStats = 2
        /// `FtraceStats.Phase.END_OF_TRACE`.
        static let endOfTrace: UInt64 = 2
        static let cpu = 1
        static let entries = 2
        static let overrun = 3
        static let commitOverrun = 4
        static let bytesRead = 5
        static let oldestEventTs = 6
        static let nowTs = 7
        static let droppedEvents = 8
        static let readEvents = 9
    }

    /// `SystemInfo` and `Utsname`.
    enum SystemInfo {
        static let utsname = 1
        static let pageSize = 6
        static let numCPUs = 8
        static let machineName = 17
        static let sysname = 1
        static let version = 2
        static let release = 3
        static let machine = 4
    }

    /// `ProcessTree`, its `Process` and its `Thread`.
    enum ProcessTree {
        static let processes = 1
        static let threads = 2
        static let processPid = 1
        static let processCmdline = 3
        static let cmdlineIsComm = 9
        static let tid = 1
        static let tgid = 3
        static let name = 2
    }

    /// `TrackDescriptor`, `TrackEvent` and `DebugAnnotation`.
    enum Track {
        static let uuid = 1
        static let name = 2
        static let description = 14
        static let eventType = 9
        static let trackUUID = 11
        static let eventName = 23
        static let debugAnnotations = 4
        static let flowIDs = 47
        static let annotationName = 10
        static let annotationUint = 3
        static let annotationInt = 4
        static let annotationString = 6
        /// `TrackEvent.Type.TYPE_SLICE_BEGIN` / `TYPE_SLICE_END`.
        static let sliceBegin: UInt64 = 1
        static let sliceEnd: UInt64 = 2
    }
}
