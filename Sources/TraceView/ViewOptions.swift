import TraceCmd

/// What a ``SessionView`` covers and how much it keeps: the time window, the resolution of
/// the per-pixel summaries, and how many exact events a page embeds in plain form and in
/// detail tiles.
///
/// The defaults bound a page's size whatever the number of events (see <doc:TraceView>).
public struct ViewOptions: Sendable, Hashable {
    /// Host-clock time (ns, as `EventView.timestamp`) of the first event to show;
    /// `nil` starts with the session.
    public var start: UInt64?
    /// Host-clock time (ns) of the last event to show; `nil` ends with the session.
    public var end: UInt64?
    /// Summary bins per lane over the whole window (rounded up to a power of two, at
    /// least 256): the finest zoomed-out resolution. Each bin costs 8 bytes per lane in
    /// the page when the summary is embedded.
    public var summaryBins: Int
    /// The most events a page embeds in its plain form (each with its report line). A
    /// window with more events (or more task slices than ``sliceLimit``) gets detail tiles
    /// instead: the first `detailLimit` events keep their report lines there, the others
    /// get their line's prefix rebuilt from the compact data.
    public var detailLimit: Int
    /// Events per detail tile: the page decodes the tiles of the visible window when it is
    /// zoomed in to at most 8 of them.
    public var tileEvents: Int
    /// The budget of the detail tiles in compressed bytes (the page holds them in base64,
    /// 4/3 as many characters). Tiles stop once it is spent (the last one may pass it by
    /// its own size): the events after it are drawn from the per-pixel summaries only, and
    /// `tracecmd view --start/--end` makes a page of a later window. Tiles take about 1.3
    /// compressed bytes per event on the benchmark trace, so the default of 32 MiB holds
    /// about 25 million events.
    public var tileBytes: Int
    /// The most task slices (runs of a task on a CPU, of a VCPU thread on a host CPU or in
    /// the guest) a page embeds in plain form, 31 bytes each; with more, the page uses
    /// detail tiles, as for ``detailLimit``.
    public var sliceLimit: Int
    /// The longest report line kept for a hover, in characters (longer ones are cut, `…`).
    public var lineLimit: Int
    /// The page's title; `nil` names it after the files.
    public var title: String?

    /// Options; every parameter has a default.
    /// - Parameters:
    ///   - start: first host-clock time in ns, `nil` for the session's start.
    ///   - end: last host-clock time in ns, `nil` for the session's end.
    ///   - summaryBins: summary bins per lane (a power of two from 256 to 1 048 576).
    ///   - detailLimit: the most events embedded with their report lines.
    ///   - tileEvents: events per detail tile.
    ///   - tileBytes: the compressed bytes of detail tiles at most (0: no tiles, summaries
    ///     only when the plain part does not hold every event).
    ///   - sliceLimit: the most task slices embedded in plain form.
    ///   - lineLimit: the longest report line kept, in characters.
    ///   - title: the page's title.
    public init(start: UInt64? = nil, end: UInt64? = nil, summaryBins: Int = 16_384, detailLimit: Int = 25_000,
                tileEvents: Int = 16_384, tileBytes: Int = 32 << 20, sliceLimit: Int = 100_000, lineLimit: Int = 240, title: String? = nil) {
        self.start = start
        self.end = end
        self.summaryBins = summaryBins
        self.detailLimit = detailLimit
        self.tileEvents = tileEvents
        self.tileBytes = tileBytes
        self.sliceLimit = sliceLimit
        self.lineLimit = lineLimit
        self.title = title
    }

    /// ``summaryBins`` as used: a power of two between 256 and 1 048 576.
    var binCount: Int {
        var n = 256
        while n < summaryBins && n < 1 << 20 { n <<= 1 }
        return n
    }
}
