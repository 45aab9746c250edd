import ArgumentParser
@_spi(Engine) import TraceCmd
@_spi(Engine) import TraceEvent

/// `tracecmd bench-iterate FILE [--decode] [--head-only]`: a benchmark of the library.
///
/// Reads every event of the file's top-level buffer and of its instances (all CPUs merged in
/// timestamp order, as the report reads them) through the public event API
/// (``TraceSession/forEachEvent(_:_:)``: each event's timestamp, id and name) and prints
/// records/s and MB/s of event data. `--decode` also decodes every field of each event
/// (``EventView/value(of:)``). `--head-only` times opening the file's metadata only.
/// Hidden: used by `scripts/bench`.
struct BenchIterateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-iterate",
        abstract: "Benchmark: iterate over every record of a trace file.",
        shouldDisplay: false)

    @Argument(help: "trace file")
    var file: String

    @Flag(help: "decode every field of every record")
    var decode = false

    @Flag(help: "only time opening the file's metadata (tracecmd_open_head)")
    var headOnly = false

    @Option(help: "repeat the measurement this many times and print each")
    var repeats = 1

    static func now() -> Double { CLI.monotonicSeconds() }

    func run() throws {
        for _ in 0..<max(1, repeats) {
            if headOnly {
                let t0 = Self.now()
                let f: TraceFile
                do { f = try TraceFile.open(file, mode: .headOnly) } catch { throw CLI.failure(error.description) }
                let dt = Self.now() - t0
                print("head-only open: \(Int(dt * 1e6)) us, \(f.buffers.count) buffers, \(f.cpuCount) cpus")
                continue
            }
            try iterate()
        }
    }

    func iterate() throws {
        let t0 = Self.now()
        let session: TraceSession
        do { session = try TraceSession.open(file) } catch { throw CLI.failure(error.description) }
        var records = 0, bytes = 0
        var checksum: UInt64 = 0
        let decode = self.decode // not the property wrapper per record
        // Through the public event API: every record of the file's top-level buffer and its
        // instances, merged in timestamp order; per event its timestamp, size and id (and with
        // --decode its name, pid and every field, decoded).
        do {
            try session.forEachEvent { e in
                records += 1
                bytes &+= e.withBytes { $0.byteCount }
                checksum &+= e.timestamp
                // Without --decode: what an event is (its id) and when; with it, its name,
                // pid and every field.
                guard let id = e.id else { return }
                checksum &+= UInt64(id)
                guard decode, let type = e.type else { return }
                checksum &+= UInt64(e.name.utf8.count)
                checksum &+= UInt64(bitPattern: Int64(e.pid))
                for field in type.fields {
                    switch e.value(of: field) {
                    case .signed(let v)?: checksum &+= UInt64(bitPattern: v)
                    case .unsigned(let v)?: checksum &+= v
                    case .string(let s)?: checksum &+= UInt64(s.utf8.count)
                    case .bytes(let b)?: checksum &+= UInt64(b.count) &+ UInt64(b.first ?? 0)
                    case .signedArray(let a)?: checksum &+= UInt64(a.count)
                    case .unsignedArray(let a)?: checksum &+= UInt64(a.count)
                    case .cpumask(let c)?: checksum &+= UInt64(c.count)
                    case nil: break
                    }
                }
            }
        } catch {
            throw CLI.failure("\(error)")
        }
        let dt = Self.now() - t0
        let mb = Double(bytes) / 1e6
        print("records: \(records) bytes: \(bytes) seconds: \(fmt(dt)) records/s: \(Int(Double(records) / dt)) MB/s: \(fmt(mb / dt)) decode: \(decode) checksum: \(checksum)")
    }

    func fmt(_ v: Double) -> String {
        let x = (v * 1000).rounded() / 1000
        return "\(x)"
    }
}
