/// The number of processors the report may use.
package enum ProcessInfoCores {
    /// Online processors (at least 1).
    package static var active: Int {
        LibC.onlineProcessors ?? 1
    }
}
