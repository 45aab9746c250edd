/// A ``CommRegistry`` that keeps learnt comms in a ``SavedCmdlines`` table, with the
/// reference's rule: a pid that already has a name keeps it, pid 0 is ignored.
///
/// Start it from the trace file's saved cmdlines; the report then reads `comm-pid` names
/// from ``cmdlines`` (``SavedCmdlines/displayComm(for:)``) while the sched plugin adds
/// the comms of tasks the file does not know.
public final class PluginCommTable: CommRegistry {
    /// The pid → comm table.
    public var cmdlines: SavedCmdlines

    /// A registry over `cmdlines` (empty by default).
    public init(_ cmdlines: SavedCmdlines = SavedCmdlines()) {
        self.cmdlines = cmdlines
    }

    /// Adds `comm` for `pid` unless the pid is 0 or already named (no allocation then).
    public func register(pid: Int32, comm: UnsafeRawBufferPointer) {
        guard pid != 0, cmdlines.comm(for: pid) == nil else { return }
        cmdlines.register(comm: String(decoding: comm, as: UTF8.self), pid: pid)
    }
}
