@_spi(Engine) import TraceEvent

/// Runs the page hints of a sequential read of a mapped file (``MappedFile/prefault(_:)``
/// ahead of the reader, ``MappedFile/releasePages(_:)`` behind it) on a background thread,
/// so that the kernel's work of mapping and unmapping pages happens on the other core while
/// the reader decodes the pages before.
///
/// One thread for the whole process, started on first use; hints are run in the order they
/// come. A hint changes no byte: a page the reader reaches before its hint has run is faulted
/// in on access as usual, and a released page is read again from the page cache if touched.
/// Each queued hint keeps its ``MappedFile`` alive until it has run. Where no thread can be
/// started, or on one core, the hints run on the caller's thread.
///
/// `@unchecked Sendable`: the queue and `started` are guarded by ``lock``.
final class MappingAdvisor: @unchecked Sendable {
    static let shared = MappingAdvisor()

    enum Hint { case populate, release }

    private struct Job {
        let file: MappedFile
        let range: Range<Int>
        let hint: Hint
    }

    private let lock = Lock()
    private let work = Lock.Condition()
    /// Jobs, oldest first from `head` (guarded by the lock); a job taken is set to `nil`, so
    /// that its file is released as soon as its hint has run.
    private var jobs: [Job?] = []
    private var head = 0
    private var started = false
    private var failed = !CPUPageSource.decompressAhead

    private init() {}

    /// Queues `hint` for `range` (file offsets) of `file`.
    func advise(_ hint: Hint, _ range: Range<Int>, of file: MappedFile) {
        guard !range.isEmpty else { return }
        lock.lock()
        if failed {
            lock.unlock()
            Self.run(hint, range, file)
            return
        }
        jobs.append(Job(file: file, range: range, hint: hint))
        if !started {
            started = true
            if !LibC.startDetachedThread(batch: false, { MappingAdvisor.shared.loop() }) {
                failed = true
                let pending = jobs[head...]
                jobs.removeAll()
                head = 0
                lock.unlock()
                for case let j? in pending { Self.run(j.hint, j.range, j.file) }
                return
            }
        }
        lock.unlock()
        work.signal()
    }

    private static func run(_ hint: Hint, _ range: Range<Int>, _ file: MappedFile) {
        switch hint {
        case .populate: file.prefault(range)
        case .release: file.releasePages(range)
        }
    }

    /// Runs hints as they come, for the life of the process.
    private func loop() {
        while true {
            lock.lock()
            while head == jobs.count {
                if head > 0 {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                }
                work.wait(lock)
            }
            let job = jobs[head]
            jobs[head] = nil
            head += 1
            lock.unlock()
            if let job { Self.run(job.hint, job.range, job.file) }
        }
    }
}
