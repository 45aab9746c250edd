import Synchronization
import TraceEvent
import TraceExport

/// A one-line progress bar on standard error, drawn only when standard error is a terminal,
/// redrawn at most ten times a second.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw = 0.0
        var drawn = false
    }
    private let enabled: Bool
    private let label: String
    private let state = Mutex(State())

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled && LibC.isTerminal(LibC.standardError)
    }

    /// The callback to hand to an exporter, or `nil` when nothing is drawn.
    var callback: (@Sendable (ExportProgress) -> Void)? {
        guard enabled else { return nil }
        return { @Sendable [self] p in self.update(p) }
    }

    private func update(_ p: ExportProgress) {
        let now = CLI.monotonicSeconds()
        let draw = state.withLock { s in
            guard p.fraction >= 1 || now - s.lastDraw >= 0.1 else { return false }
            s.lastDraw = now
            s.drawn = true
            return true
        }
        guard draw else { return }
        let width = 30
        let filled = min(width, Int((p.fraction * Double(width)).rounded(.down)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = Int((p.fraction * 100).rounded(.down))
        CLI.writeError("\r\(label) [\(bar)] \(percent)% \(p.events) events")
    }

    /// Ends the bar's line.
    func finish() {
        if state.withLock({ $0.drawn }) { CLI.writeError("\n") }
    }
}
