import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// The offset/size/signed values of every `field:` line, read with a plain regex.
func fieldNumbersInText(_ text: String) throws -> [(offset: Int, size: Int, signed: Int?)] {
    var out: [(Int, Int, Int?)] = []
    let re = try NSRegularExpression(pattern: #"^\s*field[^:]*:.*;\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?\s*$"#)
    for line in text.split(separator: "\n") {
        let s = String(line)
        guard let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { continue }
        func group(_ i: Int) -> Int? {
            guard let r = Range(m.range(at: i), in: s) else { return nil }
            return Int(s[r])
        }
        out.append((group(1) ?? -1, group(2) ?? -1, group(3)))
    }
    return out
}

@Suite struct EventFormatParserTests {
    @Test func schedSwitch() throws {
        let f = try EventFormat(parsing: EventFormatSamples.schedSwitch, system: "sched")
        #expect(f.name == "sched_switch")
        #expect(f.system == "sched")
        #expect(f.id == 372)
        #expect(f.commonFields.map(\.name) == ["common_type", "common_flags", "common_preempt_count", "common_pid"])
        #expect(f.commonFields.allSatisfy { $0.isCommon })
        #expect(f.fields.map(\.name) == ["prev_comm", "prev_pid", "prev_prio", "prev_state",
                                         "next_comm", "next_pid", "next_prio"])
        #expect(!f.fields.contains { $0.isCommon })
        let comm = try #require(f.field(named: "prev_comm"))
        #expect(comm.type == "char")
        #expect(comm.arrayLength == 16)
        #expect(comm.offset == 8 && comm.size == 16 && !comm.isSigned)
        #expect(comm.storage == .inline)
        #expect(comm.declaredType == "char[16]")
        #expect(comm.flags == [.array, .string])
        let state = try #require(f.field(named: "prev_state"))
        #expect(state.type == "long" && state.offset == 32 && state.size == 8 && state.isSigned)
        #expect(state.flags == [.signed, .long])
        let pid = try #require(f.field(named: "common_pid"))
        #expect(pid.type == "int" && pid.isSigned && pid.isCommon)
        #expect(f.printFormatText.hasPrefix("\"prev_comm=%s prev_pid=%d"))
        #expect(f.printFormatText.hasSuffix("REC->next_comm, REC->next_pid, REC->next_prio"))
    }

    @Test func ftraceFlexibleArrays() throws {
        let print = try EventFormat(parsing: EventFormatSamples.ftracePrint, system: "ftrace")
        let buf = try #require(print.field(named: "buf"))
        #expect(buf.type == "char" && buf.arrayLength == 0 && buf.size == 0 && buf.offset == 16)
        #expect(buf.storage == .inline)
        #expect(buf.declaredType == "char[]")
        #expect(buf.flags == [.array, .string])
        #expect(buf.elementSize(longSize: 8) == 1)
        #expect(print.printFormatText == #""%ps: %s", (void *)REC->ip, REC->buf"#)

        let bprint = try EventFormat(parsing: EventFormatSamples.bprint, system: "ftrace")
        let fmt = try #require(bprint.field(named: "fmt"))
        #expect(fmt.type == "const char *" && fmt.size == 8)
        #expect(fmt.flags == [.pointer])
        let ubuf = try #require(bprint.field(named: "buf"))
        #expect(ubuf.type == "u32" && ubuf.arrayLength == 0)
        #expect(ubuf.flags == [.array])

        let stack = try EventFormat(parsing: EventFormatSamples.kernelStack, system: "ftrace")
        let caller = try #require(stack.field(named: "caller"))
        #expect(caller.type == "unsigned long" && caller.arrayLength == 8 && caller.size == 64)
        #expect(caller.elementSize == 8 && caller.elementSize(longSize: 4) == 8)
        #expect(caller.flags == [.array, .long])
        #expect(stack.printFormatText.hasPrefix(#""\t=> %ps\n\t=> %ps\n"#))
    }

    @Test func dataLocAndRelLoc() throws {
        let irq = try EventFormat(parsing: EventFormatSamples.irqHandlerEntry, system: "irq")
        let name = try #require(irq.field(named: "name"))
        #expect(name.type == "char" && name.storage == .dataLoc && name.arrayLength == 0)
        #expect(name.offset == 12 && name.size == 4)
        #expect(name.declaredType == "__data_loc char[]")
        #expect(name.flags == [.array, .string, .dynamic])
        #expect(name.elementSize(longSize: 8) == 1)

        let ipi = try EventFormat(parsing: EventFormatSamples.ipiSendCpumask, system: "ipi")
        let mask = try #require(ipi.field(named: "cpumask"))
        #expect(mask.type == "cpumask_t" && mask.storage == .dataLoc && mask.arrayLength == nil)
        #expect(mask.flags == [.dynamic])
        #expect(mask.declaredType == "__data_loc cpumask_t")
        #expect(ipi.field(named: "callsite")?.flags == [.pointer])

        let rel = try EventFormat(parsing: EventFormatSamples.fooRelLoc, system: "sample-trace")
        let foo = try #require(rel.field(named: "foo"))
        #expect(foo.storage == .relLoc && foo.type == "char" && foo.arrayLength == 0)
        #expect(foo.flags == [.array, .string, .dynamic, .relative])
        let bitmask = try #require(rel.field(named: "bitmask"))
        #expect(bitmask.type == "unsigned long" && bitmask.flags == [.array, .dynamic, .relative, .long])
        #expect(bitmask.elementSize(longSize: 8) == 0) // libtraceevent only sizes u8…s64/char
        #expect(rel.field(named: "cpumask")?.flags == [.dynamic, .relative])
    }

    @Test func oldFormatWithoutSignedAndSpecialFields() throws {
        let f = try EventFormat(parsing: EventFormatSamples.oldFtraceWithoutSigned, system: "ftrace")
        #expect(f.commonFields.count == 5)
        #expect(f.commonFields.allSatisfy { !$0.isSigned })
        #expect(f.fields.map(\.name) == ["ip", "parent_ip"])
        #expect(f.fields.map(\.offset) == [16, 24])
        // `field special:` is only accepted for ftrace events, as in libtraceevent.
        #expect(throws: EventFormatError.self) {
            try EventFormat(parsing: EventFormatSamples.oldFtraceWithoutSigned, system: "other")
        }
    }

    @Test func noEventFieldsAndMissingPrintFormat() throws {
        let text = """
        name: empty
        ID: 77
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;


        print fmt: "x"
        """
        let f = try EventFormat(parsing: text, system: "s")
        #expect(f.fields.isEmpty && f.commonFields.count == 1)
        #expect(f.printFormatText == "\"x\"")
        let noPrint = try EventFormat(parsing: "name: a\nID: 0x10\nformat:\n\tfield:int x;\toffset:0;\tsize:4;\tsigned:1;\n\n", system: "s")
        #expect(noPrint.id == 16 && noPrint.printFormatText.isEmpty)
    }

    @Test func bytesInputWithTrailingNUL() throws {
        var bytes = Array(EventFormatSamples.irqHandlerEntry.utf8)
        bytes.append(contentsOf: [0, 0])
        let f = try bytes.withBytes { try EventFormat(parsing: $0, system: "irq") }
        #expect(f.fields.count == 2)
        #expect(f.printFormatText == #""irq=%d name=%s", REC->irq, __get_str(name)"#)
    }

    @Test(arguments: [
        ("", EventFormatError.Reason.missingName, 0),
        ("ID: 5\n", .missingName, 1),
        ("name: x\nformat:\n", .missingID, 2),
        ("name: x\nID: abc\n", .invalidID("abc"), 2),
        ("name: x\nID: 3\nfield:int a;\n", .missingFormatLine, 3),
        ("name: x\nID: 3\nformat:\n\tfeld:int a;\toffset:0;\tsize:4;\n", .expectedField, 4),
        ("name: x\nID: 3\nformat:\n\tfield:int a;\tsize:4;\n", .expectedKey("offset"), 4),
        ("name: x\nID: 3\nformat:\n\tfield:int a;\toffset:zz;\tsize:4;\n", .invalidNumber(key: "offset", value: "zz"), 4),
        ("name: x\nID: 3\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:0;\tjunk:1;\n", .expectedKey("end of line"), 4),
        ("name: x\nID: 3\nformat:\n\tfield:a;\toffset:0;\tsize:4;\n", .invalidDeclaration("a"), 4),
        ("name: x\nID: 3\nformat:\n\tfield:char a[4;\toffset:0;\tsize:4;\n", .invalidDeclaration("char a[4"), 4),
        ("name: x\nID: 3\nformat:\n", .unexpectedEnd, 3),
        ("name: x\nID: 3\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\n\n\tfield:int b;\toffset:4;\tsize:4;\n\nbogus\n", .unexpectedLine, 8),
    ])
    func errors(text: String, reason: EventFormatError.Reason, line: Int) {
        do {
            _ = try EventFormat(parsing: text, system: "s")
            Issue.record("no error for \(text.debugDescription)")
        } catch {
            #expect(error.reason == reason)
            #expect(error.line == line)
            if line >= 2, reason != .missingName { #expect(error.eventName == "x") }
        }
    }

    @Test func errorNamesEventAndLine() {
        let text = "name: broken\nID: 9\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:0;\n\n\tfield:int b;\toffset:x;\tsize:4;\tsigned:0;\n"
        do {
            _ = try EventFormat(parsing: text, system: "s")
            Issue.record("no error")
        } catch {
            #expect(error.eventName == "broken" && error.eventID == 9 && error.line == 6)
            #expect(error.lineText == "\tfield:int b;\toffset:x;\tsize:4;\tsigned:0;")
            #expect(error.description.contains("broken") && error.description.contains("line 6"))
        }
    }

    /// Truncating a real format anywhere gives an error or a format, never a crash.
    @Test func truncatedInputsNeverCrash() {
        let text = EventFormatSamples.fooRelLoc
        var i = text.startIndex
        var parsed = 0
        while i < text.endIndex {
            if (try? EventFormat(parsing: String(text[..<i]), system: "s")) != nil { parsed += 1 }
            i = text.index(after: i)
        }
        #expect(parsed > 0)
    }

    // MARK: This machine's tracefs

    @Test(.enabled(if: TracefsFormats.isMounted, "tracefs is not mounted at /sys/kernel/tracing"))
    func parsesEveryTracefsFormat() throws {
        var count = 0
        var systems = Set<String>()
        for file in TracefsFormats.files {
            let text = try #require(TracefsFormats.readText(file.path), "cannot read \(file.path)")
            let f: EventFormat
            do {
                f = try EventFormat(parsing: text, system: file.system)
            } catch {
                Issue.record("\(file.path): \(error)")
                continue
            }
            count += 1
            systems.insert(file.system)
            #expect(f.name == file.event, "\(file.path)")
            #expect(f.system == file.system)
            let idLine = text.split(separator: "\n").first { $0.hasPrefix("ID: ") }
            #expect(idLine.map { String($0.dropFirst(4)) } == String(f.id), "\(file.path)")
            let all = f.commonFields + f.fields
            let expected = try fieldNumbersInText(text)
            #expect(all.count == expected.count, "\(file.path)")
            for (field, e) in zip(all, expected) {
                #expect(field.offset == e.offset && field.size == e.size, "\(file.path) \(field.name)")
                #expect(field.isSigned == ((e.signed ?? 0) != 0), "\(file.path) \(field.name)")
            }
            let commonEnd = f.commonFields.map { $0.offset + $0.size }.max() ?? 0
            #expect(f.commonFields.map(\.name).allSatisfy { $0.hasPrefix("common_") }, "\(file.path)")
            for field in f.fields {
                #expect(field.offset >= commonEnd, "\(file.path) \(field.name) overlaps the common fields")
                #expect(!field.name.isEmpty && !field.type.isEmpty)
            }
            #expect(text.contains("print fmt: " + f.printFormatText), "\(file.path)")
        }
        #expect(count == TracefsFormats.files.count)
        #expect(count > 1000)
        #expect(systems.contains("ftrace") && systems.contains("sched"))
    }

    /// Every format of this machine, parsed by libtraceevent: same fields, types, flags,
    /// array lengths and element sizes.
    @Test(.enabled(if: TracefsFormats.isMounted && ReferenceOracle.isAvailable,
                   "needs tracefs and libtraceevent"))
    func tracefsFormatsMatchLibtraceevent() throws {
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("list")
        try TracefsFormats.files.map { "\($0.system)\t\($0.event)\t\($0.path)" }
            .joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        let out = try ReferenceOracle.run("""
        for line in open(sys.argv[1]).read().split("\\n"):
            system, event, path = line.split("\\t")
            buf = read(path)
            L.tep_parse_event(tep, buf, len(buf), system.encode())
            ev = L.tep_find_event_by_name(tep, system.encode(), event.encode())
            if not ev:
                print("X\\t%s\\t%s" % (system, event)); continue
            print("E\\t%s\\t%s" % (system, event))
            for kind, fn in (("c", L.tep_event_common_fields), ("e", L.tep_event_fields)):
                arr = fn(ev)
                i = 0
                while arr[i]:
                    f = arr[i].contents
                    print("F\\t%s\\t%s\\t%s\\t%d\\t%d\\t%d\\t%d\\t%d" % (kind, f.name.decode(), f.type.decode(),
                          f.offset, f.size, f.arraylen, f.elementsize, f.flags & ~(64 | 128)))
                    i += 1
                libc.free(arr)
        """, args: [list.path])

        var formats: [String: EventFormat] = [:]
        for file in TracefsFormats.files {
            if let text = TracefsFormats.readText(file.path),
               let f = try? EventFormat(parsing: text, system: file.system) {
                formats[file.system + ":" + file.event] = f
            }
        }
        /// libtraceevent joins type tokens with single spaces (`const void*` → `const void *`).
        func tokens(_ s: String) -> [String] {
            s.replacingOccurrences(of: "*", with: " * ").split(separator: " ").map(String.init)
        }
        var current: [FormatField] = []
        var key = ""
        var events = 0, fields = 0
        for line in out.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch c.first {
            case "X":
                Issue.record("libtraceevent could not parse \(c[1]):\(c[2])")
            case "E":
                #expect(current.isEmpty, "\(key): libtraceevent has fewer fields")
                key = c[1] + ":" + c[2]
                let f = formats[key]
                #expect(f != nil, "\(key) did not parse")
                current = (f?.commonFields ?? []) + (f?.fields ?? [])
                events += 1
            case "F":
                guard c.count == 9 else { Issue.record("bad oracle line \(line)"); continue }
                guard !current.isEmpty else { Issue.record("\(key): extra field \(c[2])"); continue }
                let ours = current.removeFirst()
                fields += 1
                #expect(ours.isCommon == (c[1] == "c"), "\(key) \(c[2])")
                #expect(ours.name == c[2], "\(key)")
                #expect(tokens(ours.declaredType) == tokens(c[3]), "\(key) \(c[2]): \(ours.declaredType) vs \(c[3])")
                #expect(ours.offset == Int(c[4]) && ours.size == Int(c[5]), "\(key) \(c[2])")
                #expect((ours.arrayLength ?? 0) == Int(c[6]), "\(key) \(c[2])")
                #expect(ours.elementSize(longSize: 8) == Int(c[7]), "\(key) \(c[2])")
                let ref = UInt16(c[8]) ?? 0
                var mapped: UInt16 = 0
                let fl = ours.flags
                if fl.contains(.array) { mapped |= 1 }
                if fl.contains(.pointer) { mapped |= 2 }
                if fl.contains(.signed) { mapped |= 4 }
                if fl.contains(.string) { mapped |= 8 }
                if fl.contains(.dynamic) { mapped |= 16 }
                if fl.contains(.long) { mapped |= 32 }
                if fl.contains(.relative) { mapped |= 256 }
                #expect(mapped == ref, "\(key) \(c[2]) flags")
            default:
                break
            }
        }
        #expect(current.isEmpty)
        #expect(events == TracefsFormats.files.count)
        #expect(fields > 10000)
    }

    /// The synthetic formats above, checked against libtraceevent too (rel_loc, old formats).
    @Test(.enabled(if: ReferenceOracle.isAvailable, "needs libtraceevent"))
    func sampleFormatsMatchLibtraceevent() throws {
        let samples: [(String, String)] = [
            (EventFormatSamples.fooRelLoc, "sample-trace"),
            (EventFormatSamples.oldFtraceWithoutSigned, "ftrace"),
            (EventFormatSamples.bprint, "ftrace"),
            (EventFormatSamples.ipiSendCpumask, "ipi"),
        ]
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var args: [String] = []
        for (i, (text, system)) in samples.enumerated() {
            let url = dir.appendingPathComponent("f\(i)")
            try text.write(to: url, atomically: true, encoding: .utf8)
            args += [system, url.path]
        }
        let out = try ReferenceOracle.run("""
        a = sys.argv[1:]
        for i in range(0, len(a), 2):
            system, path = a[i], a[i + 1]
            buf = read(path)
            name = buf.split(b"\\n")[0].split(b": ")[1]
            L.tep_parse_event(tep, buf, len(buf), system.encode())
            ev = L.tep_find_event_by_name(tep, system.encode(), name)
            for fn in (L.tep_event_common_fields, L.tep_event_fields):
                arr = fn(ev)
                j = 0
                while arr[j]:
                    f = arr[j].contents
                    print("%s|%s|%d|%d|%d|%d|%d" % (f.name.decode(), f.type.decode(), f.offset, f.size,
                          f.arraylen, f.elementsize, f.flags & ~(64 | 128)))
                    j += 1
        """, args: args)
        var ours: [String] = []
        for (text, system) in samples {
            let f = try EventFormat(parsing: text, system: system)
            for x in f.commonFields + f.fields {
                var flags = 0
                let fl = x.flags
                if fl.contains(.array) { flags |= 1 }
                if fl.contains(.pointer) { flags |= 2 }
                if fl.contains(.signed) { flags |= 4 }
                if fl.contains(.string) { flags |= 8 }
                if fl.contains(.dynamic) { flags |= 16 }
                if fl.contains(.long) { flags |= 32 }
                if fl.contains(.relative) { flags |= 256 }
                ours.append("\(x.name)|\(x.declaredType)|\(x.offset)|\(x.size)|\(x.arrayLength ?? 0)|\(x.elementSize(longSize: 8))|\(flags)")
            }
        }
        #expect(out.split(separator: "\n").map(String.init) == ours)
    }
}
