import Foundation
import Testing
@_spi(Engine) @testable import TraceCmd

/// Decompressing ahead of the reader (``ChunkPrefetcher``) serves the same pages as
/// decompressing on demand, in any order of access, and fails the same way on bad chunks.
@Suite("ChunkPrefetcher")
struct ChunkPrefetcherTests {
    /// Every compressed CPU data of the fixtures that has more than one chunk.
    static func multiChunkSources() throws -> [(path: String, buffer: TraceBuffer, cpuIndex: Int, chunks: Int)] {
        var found: [(String, TraceBuffer, Int, Int)] = []
        let names = try FileManager.default.subpathsOfDirectory(atPath: Fixtures.root)
            .filter { $0.hasSuffix(".dat") && !$0.hasPrefix("fuzz") }
            .sorted()
        for name in names {
            let path = Fixtures.path(name)
            guard let file = try? TraceFile.open(path) else { continue }
            for b in file.buffers where b.isCompressed && b.kind == .flyrecord {
                for i in b.cpus.indices {
                    guard let s = try? CPUPageSource(file: file, buffer: b, cpuIndex: i, decompressAhead: false),
                          s.chunks.count > 1 else { continue }
                    found.append((path, b, i, s.chunks.count))
                }
            }
        }
        return found
    }

    /// A fixture's bytes with the compressed bytes of chunk 1 of a CPU that has at least three
    /// chunks overwritten (its zstd frame header included), the CPU, and its intact source.
    static func corruptedSecondChunk() throws -> (src: (path: String, buffer: TraceBuffer, cpuIndex: Int, chunks: Int),
                                                   plain: CPUPageSource, bytes: [UInt8])? {
        guard let src = try multiChunkSources().first(where: { $0.chunks >= 3 }) else {
            Issue.record("no fixture with three chunks")
            return nil
        }
        let original = try TraceFile.open(src.path)
        let plain = try CPUPageSource(file: original, buffer: src.buffer, cpuIndex: src.cpuIndex, decompressAhead: false)
        let bad = plain.chunks[1]
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: src.path)))
        for k in bad.offset..<(bad.offset + bad.compressedSize) { bytes[k] = UInt8(truncatingIfNeeded: k &* 131) }
        return (src, plain, bytes)
    }

    static func pageBytes(_ s: CPUPageSource, _ i: Int) -> Result<[UInt8], TraceFileError> {
        do throws(TraceFileError) { return .success(Array(try s.page(i))) } catch { return .failure(error) }
    }

    @Test("the fixtures have compressed data of several chunks, read ahead by default on several cores")
    func fixturesExerciseIt() throws {
        let sources = try Self.multiChunkSources()
        #expect(sources.count >= 4)
        #expect(sources.contains { $0.chunks >= 3 })
        if let first = sources.first, ProcessInfoCores.active > 1 {
            let file = try TraceFile.open(first.path)
            let s = try CPUPageSource(file: file, buffer: first.buffer, cpuIndex: first.cpuIndex)
            #expect(s.decompressesAhead)
        }
    }

    @Test("sequential, backward and random page access serve the same bytes with and without read-ahead")
    func samePages() throws {
        let sources = try Self.multiChunkSources()
        #expect(!sources.isEmpty)
        var rng = SplitMix(seed: 0x5eed) // RingBufferTests' generator
        for src in sources {
            let file = try TraceFile.open(src.path)
            let plain = try CPUPageSource(file: file, buffer: src.buffer, cpuIndex: src.cpuIndex, decompressAhead: false)
            let ahead = try CPUPageSource(file: file, buffer: src.buffer, cpuIndex: src.cpuIndex, decompressAhead: true)
            #expect(ahead.decompressesAhead)
            #expect(!plain.decompressesAhead)
            let n = plain.pageCount
            #expect(ahead.pageCount == n)
            var order = Array(0..<n)                       // forward
            order += Array((0..<n).reversed())             // backward
            for _ in 0..<(3 * n) { order.append(Int(rng.next() % UInt64(n))) }  // random
            for i in order {
                let a = Self.pageBytes(ahead, i), p = Self.pageBytes(plain, i)
                switch (a, p) {
                case (.success(let x), .success(let y)):
                    #expect(x == y, "\(src.path) cpu index \(src.cpuIndex) page \(i)")
                default:
                    Issue.record("\(src.path) page \(i): \(a) vs \(p)")
                }
            }
        }
    }

    @Test("several read-ahead sources of one file interleaved, and sources dropped mid-way")
    func interleavedSources() throws {
        let sources = try Self.multiChunkSources()
        guard let first = sources.first else {
            Issue.record("no multi-chunk fixture")
            return
        }
        let file = try TraceFile.open(first.path)
        let siblings = sources.filter { $0.path == first.path }
        var readers = try siblings.map { try CPUPageSource(file: file, buffer: $0.buffer, cpuIndex: $0.cpuIndex,
                                                           decompressAhead: true) }
        let plains = try siblings.map { try CPUPageSource(file: file, buffer: $0.buffer, cpuIndex: $0.cpuIndex,
                                                          decompressAhead: false) }
        let most = readers.map(\.pageCount).max() ?? 0
        for i in 0..<most {
            for (k, r) in readers.enumerated() where i < r.pageCount {
                #expect(try Array(r.page(i)) == Array(plains[k].page(i)))
            }
        }
        // A source released while its chunks are queued or being decompressed.
        for _ in 0..<20 {
            let s = try CPUPageSource(file: file, buffer: first.buffer, cpuIndex: first.cpuIndex, decompressAhead: true)
            _ = try s.page(0)
        }
        readers.removeAll()
        #expect(readers.isEmpty)
    }

    @Test("merged records over a corrupt chunk: each stream's records once, in its order, reading on after the error")
    func mergeAcrossACorruptChunk() throws {
        guard let (src, _, bytes) = try Self.corruptedSecondChunk() else { return }
        let file = try TraceFile(mapped: MappedFile(copying: bytes, path: "corrupt.dat"), mode: .full)
        let buffer = try #require(file.buffers.first { $0.name == src.buffer.name })
        for ahead in [true, false] {
            // Each CPU alone, skipping its errors.
            var perCPU: [Int: [[Int]]] = [:]
            for s in try RecordIterator.streams(file: file, buffer: buffer, decompressAhead: ahead) {
                var list: [[Int]] = []
                var errors = 0
                while errors < 1000 {
                    do {
                        guard let r = try s.next() else { break }
                        list.append([r.pageIndex, r.offsetInPage])
                    } catch { errors += 1 }
                }
                perCPU[s.cpu] = list
            }
            // Merged.
            var merged: [Int: [[Int]]] = [:]
            var it = try RecordIterator(file: file, buffer: buffer)
            var errors = 0
            while errors < 1000 {
                do {
                    guard let r = try it.next() else { break }
                    merged[r.cpu, default: []].append([r.pageIndex, r.offsetInPage])
                } catch { errors += 1 }
            }
            #expect(errors >= 1, "the corrupt chunk is reported")
            let same = merged == perCPU
            #expect(same, "decompressAhead: \(ahead); records per CPU merged \(merged.mapValues(\.count)), alone \(perCPU.mapValues(\.count))")
        }
    }

    @Test("a corrupt chunk fails with an error naming it, the chunks around it still read")
    func corruptChunk() throws {
        guard let (src, plain, bytes) = try Self.corruptedSecondChunk() else { return }
        let bad = plain.chunks[1]
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("prefetch-corrupt-\(getpid()).dat")
        try Data(bytes).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let file = try TraceFile.open(tmp.path)
        for ahead in [true, false] {
            let s = try CPUPageSource(file: file, buffer: src.buffer, cpuIndex: src.cpuIndex, decompressAhead: ahead)
            let firstOfBad = (0..<s.pageCount).first { s.chunkIndex(ofPage: $0) == 1 } ?? -1
            let firstAfter = (0..<s.pageCount).first { s.chunkIndex(ofPage: $0) == 2 } ?? -1
            #expect(firstOfBad > 0 && firstAfter > firstOfBad)
            #expect(try Array(s.page(0)) == Array(plain.page(0)))
            do {
                _ = try s.page(firstOfBad)
                Issue.record("corrupt chunk decoded (ahead: \(ahead))")
            } catch {
                #expect(error.offset == bad.offset)
                #expect(error.description.contains("chunk 1"))
            }
            #expect(try Array(s.page(firstAfter)) == Array(plain.page(firstAfter)))
        }
    }
}
