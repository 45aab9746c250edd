import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd
@_spi(Engine) @testable import TraceReport

/// A recording killed mid-way leaves a truncated file. The reference refuses such files
/// ("failed to init data"); we print every record of every complete page before the cut and
/// say where the data stopped.
@Suite struct TruncatedReportTests {
    /// The part of a report line that does not depend on comm learning: from the CPU column on.
    static func tail(_ line: Substring) -> Substring? {
        guard let i = line.firstIndex(of: "[") else { return nil }
        return line[i...]
    }

    /// Records of `file` whose page lies wholly before `cut` (per CPU of the top buffer).
    static func recordsBefore(_ cut: Int, in file: TraceFile) throws -> Int {
        guard let top = file.topBuffer else { return 0 }
        var n = 0
        for i in top.cpus.indices {
            let src = try CPUPageSource(file: file, buffer: top, cpuIndex: i)
            let stream = try CPURecordStream(file: file, buffer: top, cpuIndex: i)
            while let r = try stream.next() {
                let end: Int
                if src.chunks.isEmpty {
                    end = top.cpus[i].offset + (r.pageIndex + 1) * top.pageSize
                } else {
                    let ch = src.chunks[src.chunkIndex(ofPage: r.pageIndex)]
                    end = ch.offset + ch.compressedSize
                }
                if end <= cut { n += 1 }
            }
        }
        return n
    }

    @Test(arguments: ["v6.dat", "v7-zstd.dat", "lost-events.dat", "date.dat"])
    func printsEveryRecordBeforeTheCut(_ name: String) throws {
        let path = Fixtures.path(name)
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let full = try TraceFile.open(path)
        let golden = try String(contentsOfFile: Fixtures.root + "/golden/" + name.dropLast(4) + "/report/default.txt",
                                encoding: .utf8)
        let reference = Set(golden.split(separator: "\n").compactMap(Self.tail))
        let dataStart = full.topBuffer?.cpus.map(\.offset).min() ?? data.count
        let dataEnd = full.topBuffer?.cpus.map { $0.offset + $0.size }.max() ?? data.count
        for fraction in [0.2, 0.5, 0.8, 0.95] {
            let cut = dataStart + Int(Double(dataEnd - dataStart) * fraction)
            let mapped = MappedFile(copying: Array(data[0..<cut]), path: "\(name)[..\(cut)]")
            let file = try TraceFile(mapped: mapped)
            #expect(!file.warnings.isEmpty, "a cut file must say it was cut")
            var out: [UInt8] = []
            try TraceReport(files: [file], options: ReportOptions()).run(sink: { $0.withUnsafeBytes { out.append(contentsOf: $0) } })
            let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").dropFirst()
            let records = lines.filter { !$0.hasPrefix("CPU:") }
            #expect(records.count == (try Self.recordsBefore(cut, in: full)), "\(name) cut at \(cut)")
            for l in records {
                guard let t = Self.tail(l) else { continue }
                #expect(reference.contains(t), "not in the reference report: \(l)")
            }
        }
    }

    @Test func uncompressedV7WithoutBufferOptionSaysWhy() throws {
        let path = Fixtures.path("v7-nocompress.dat")
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let full = try TraceFile.open(path)
        let cut = (full.topBuffer?.cpus.map(\.offset).max() ?? 0) + 100
        let file = try TraceFile(mapped: MappedFile(copying: Array(data[0..<cut]), path: "cut.dat"))
        #expect(file.topBuffer == nil)
        #expect(file.warnings.contains { $0.description.contains("BUFFER option") })
    }
}
