import ArgumentParser
import TraceCmd
import TraceEvent

/// `tracecmd bench-iterate FILE [--decode] [--head-only]`: a benchmark of the library.
///
/// Reads every record of the file's top-level buffer and of its instances (all CPUs merged in
/// timestamp order, as the report reads them) and prints records/s and MB/s of ring-buffer
/// data. `--decode` also looks up each record's event format and reads every field
/// (numbers, and the bytes of strings and arrays). `--head-only` times opening the file's
/// metadata only. Hidden: used by `scripts/bench`.
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

    static func now() -> Double { LibC.monotonicSeconds() }

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
        let f: TraceFile
        do { f = try TraceFile.open(file) } catch { throw CLI.failure(error.description) }
        var records = 0, bytes = 0
        var checksum: UInt64 = 0
        let order = f.byteOrder
        let decode = self.decode // not the property wrapper per record
        var registry = EventRegistry(byteOrder: order, longSize: f.longSize)
        if decode {
            for text in f.ftraceFormats { _ = try? registry.add(parsing: text, system: "ftrace") }
            for sys in f.eventFormats {
                for text in sys.formats { _ = try? registry.add(parsing: text, system: sys.system) }
            }
        }
        // Per event index: (offset, size, kind) of each field; kind 0 number, 1 dynamic, 2 inline bytes.
        let plans: [[(offset: Int, size: Int, field: FormatField, kind: Int)]] = registry.formats.map { fmt in
            fmt.fields.map { fld in
                let k = fld.storage != .inline ? 1 : (fld.size == 1 || fld.size == 2 || fld.size == 4 || fld.size == 8) ? 0 : 2
                return (fld.offset, fld.size, fld, k)
            }
        }
        _ = plans.count
        let buffers = f.buffers.filter { $0.kind == .flyrecord }
        for b in buffers {
            var it: RecordIterator
            do { it = try RecordIterator(file: f, buffer: b) } catch { throw CLI.failure(error.description) }
            while true {
                let rec: Record?
                do { rec = try it.next() } catch { continue }
                guard let r = rec else { break }
                records += 1
                bytes &+= r.recordSize
                checksum &+= r.timestamp
                if decode {
                    let p = r.payload
                    guard let id = registry.commonLayout.eventID(in: p, order: order),
                          let idx = registry.index(ofID: id) else { continue }
                    checksum &+= UInt64(bitPattern: Int64(registry.commonLayout.pid(in: p, order: order) ?? 0))
                    plans.withUnsafeBufferPointer { pl in
                        for fp in pl[idx] {
                            switch fp.kind {
                            case 0:
                                checksum &+= p.loadUnsigned(at: fp.offset, size: fp.size, order: order) ?? 0
                            case 1:
                                if let d = fp.field.bytes(in: p, order: order) {
                                    checksum &+= UInt64(d.count) &+ UInt64(d.first ?? 0)
                                }
                            default:
                                if fp.offset + fp.size <= p.count { checksum &+= UInt64(p[fp.offset]) }
                            }
                        }
                    }
                }
            }
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
