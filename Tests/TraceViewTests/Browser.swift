import Foundation

/// The tools the page tests run: Debian's headless Chromium, rsvg-convert, the reference
/// trace-cmd, and python3 (to read PNG pixels). All are installed by scripts/install-deps.
enum Tools {
    static let fixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    static let repository: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    static func find(_ names: [String]) -> String? {
        for n in names {
            for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] where FileManager.default.isExecutableFile(atPath: dir + "/" + n) {
                return dir + "/" + n
            }
        }
        return nil
    }

    static let chromium = find(["chromium-headless-shell", "chromium", "chromium-browser"])
    static let rsvgConvert = find(["rsvg-convert"])
    static let traceCmd = find(["trace-cmd"])
    static let python = find(["python3"])

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs `executable` with `arguments`; kills it after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], directory: String? = nil, timeout: Double = 120,
                    input: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["HOME"] = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inPipe.fileHandleForWriting.close()
        }
        let pid = p.processIdentifier
        let timer = DispatchWorkItem { if p.isRunning { kill(pid, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        // Read both pipes concurrently so that neither fills up.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        timer.cancel()
        return Result(status: p.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                      error: String(decoding: errData, as: UTF8.self))
    }

    /// Chromium's common flags: headless, no sandbox (containers), no GPU, no network use.
    static let chromiumFlags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
                                "--force-device-scale-factor=1"]

    /// The flags with a profile directory of its own (Chromium locks its profile: two at
    /// once must not share one), and that directory, to remove afterwards.
    static func chromiumRun(_ extra: [String]) throws -> Result {
        guard let chromium else { throw ToolMissing(name: "chromium") }
        let profile = NSTemporaryDirectory() + "tcview-chromium-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try run(chromium, chromiumFlags + ["--user-data-dir=" + profile] + extra)
    }

    /// The page's DOM after its script ran (and `fragment` drove it), with Chromium's log.
    static func dumpDOM(_ page: String, fragment: String = "", windowSize: String = "1400,900") throws -> Result {
        let url = URL(fileURLWithPath: page).absoluteString + (fragment.isEmpty ? "" : "#" + fragment)
        return try chromiumRun(["--enable-logging=stderr", "--v=0", "--window-size=" + windowSize,
                                                  "--virtual-time-budget=5000", "--dump-dom", url])
    }

    /// A screenshot of the page.
    static func screenshot(_ page: String, to png: String, windowSize: String = "1400,900") throws -> Result {
        let url = URL(fileURLWithPath: page).absoluteString
        return try chromiumRun(["--window-size=" + windowSize, "--virtual-time-budget=5000",
                                                  "--screenshot=" + png, url])
    }

    /// The `#tc-state` JSON the page writes.
    static func state(ofDOM dom: String) -> [String: Any]? {
        guard let r = dom.range(of: "<pre id=\"tc-state\" hidden=\"\">"),
              let e = dom[r.upperBound...].range(of: "</pre>") else { return nil }
        let text = String(dom[r.upperBound..<e.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// Console errors and uncaught exceptions in Chromium's log.
    static func consoleErrors(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains("Uncaught") || ($0.contains(":CONSOLE") && ($0.contains("rror") || $0.contains("ERROR")))
        }
    }

    /// Pixel statistics of a PNG (decoded by python3's zlib): width, height, distinct
    /// colours, and the fraction of pixels that are not the most common colour.
    static func pixels(_ png: String) throws -> (width: Int, height: Int, colors: Int, nonBackground: Double) {
        guard let python else { throw ToolMissing(name: "python3") }
        let r = try run(python, ["-c", pngScript, png])
        let f = r.output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard r.status == 0, f.count == 4 else { throw ToolMissing(name: "png decode: " + r.error) }
        return (Int(f[0]), Int(f[1]), Int(f[2]), f[3])
    }

    private static let pngScript = #"""
    import sys, zlib, struct, collections
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, t = struct.unpack('>I4s', data[pos:pos+8]); body = data[pos+8:pos+8+n]; pos += 12 + n
        if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        elif t == b'IDAT': idat += body
    assert depth == 8 and ctype in (2, 6)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); counts = collections.Counter(); i = 0
    for y in range(h):
        f = raw[i]; line = bytearray(raw[i+1:i+1+stride]); i += 1 + stride
        for x in range(stride):
            a = line[x-bpp] if x >= bpp else 0; b = prev[x]; c = prev[x-bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p-a), abs(p-b), abs(p-c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        counts.update(bytes(line[x:x+3]) for x in range(0, stride, bpp))
    total = w * h
    print(w, h, len(counts), 1 - counts.most_common(1)[0][1] / total)
    """#
}

struct ToolMissing: Error, CustomStringConvertible {
    var name: String
    var description: String { "missing tool: \(name) (run scripts/install-deps as root)" }
}
