import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

@Suite struct EventRegistryTests {
    /// `text` with its name/ID lines replaced.
    func renamed(_ text: String, name: String? = nil, id: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("ID: ") { return "ID: \(id)" }
            if let name, line.hasPrefix("name: ") { return "name: \(name)" }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test func lookups() throws {
        var r = EventRegistry(byteOrder: .big, longSize: 4, kernelLongSize: 8)
        #expect(r.count == 0 && r.format(id: 0) == nil && r.commonLayout == .default && r.commonFields.isEmpty)
        try r.add(parsing: EventFormatSamples.schedSwitch, system: "sched")
        try r.add(parsing: EventFormatSamples.ftracePrint, system: "ftrace")
        try r.add(parsing: EventFormatSamples.irqHandlerEntry, system: "irq")
        try r.add(parsing: renamed(EventFormatSamples.kernelStack, id: 70_000), system: "ftrace")
        var negative = try EventFormat(parsing: EventFormatSamples.bprint, system: "ftrace")
        negative.id = -3 // not possible in a format text, but the registry must cope
        r.add(negative)
        #expect(r.count == 5)
        #expect(r.byteOrder == .big && r.longSize == 4 && r.kernelLongSize == 8)
        #expect(r.format(id: 372)?.name == "sched_switch")
        #expect(r.format(id: 5)?.name == "print")
        #expect(r.format(id: 225)?.name == "irq_handler_entry")
        #expect(r.format(id: 70_000)?.name == "kernel_stack")
        #expect(r.format(id: -3)?.name == "bprint")
        #expect(r.format(id: 6) == nil && r.format(id: 1 << 20) == nil && r.format(id: 371) == nil)
        #expect(r.index(ofID: 225) == 2)
        #expect(r.format(system: "irq", name: "irq_handler_entry")?.id == 225)
        #expect(r.format(system: "sched", name: "irq_handler_entry") == nil)
        #expect(r.format(named: "print")?.system == "ftrace")
        #expect(r.format(named: "nope") == nil)
        #expect(r.formats.map(\.id) == [372, 5, 225, 70_000, -3])
        #expect(r.systems == ["sched", "ftrace", "irq"])
        // The lowest ID (-3, bprint) defines the common fields.
        #expect(r.commonFields.count == 4)
        #expect(r.commonLayout == .default)
    }

    @Test func duplicatesFollowLibtraceevent() throws {
        var r = EventRegistry()
        try r.add(parsing: renamed(EventFormatSamples.irqHandlerEntry, id: 500), system: "a")
        try r.add(parsing: renamed(EventFormatSamples.irqHandlerEntry, id: 400), system: "b")
        // Same ID again: kept in the list, not returned by ID.
        let dup = try EventFormat(parsing: renamed(EventFormatSamples.schedSwitch, id: 500), system: "c")
        #expect(r.add(dup) == false)
        #expect(r.format(id: 500)?.system == "a")
        #expect(r.count == 3)
        // By name without a system: the lowest ID.
        #expect(r.format(named: "irq_handler_entry")?.system == "b")
        #expect(r.format(system: "a", name: "irq_handler_entry")?.id == 500)
    }

    @Test func commonLayoutReadsRecords() throws {
        var r = EventRegistry(byteOrder: .little)
        try r.add(parsing: EventFormatSamples.irqHandlerEntry, system: "irq")
        var p = PayloadBuilder(count: 24)
        p.common(type: 225, pid: -1)
        p.bytes.withBytes { buf in
            #expect(r.commonLayout.eventID(in: buf, order: .little) == 225)
            #expect(r.commonLayout.pid(in: buf, order: .little) == -1)
            #expect(r.commonLayout.flags(in: buf, order: .little) == 0x81)
            #expect(r.commonLayout.preemptCount(in: buf, order: .little) == 2)
            #expect(r.format(of: buf)?.name == "irq_handler_entry")
            let short = buf.extracting(0..<3)
            #expect(r.commonLayout.pid(in: short, order: .little) == nil)
            #expect(r.format(of: buf.extracting(0..<1)) == nil)
        }
        // A format with an unusual common layout (common_type as 4 bytes, no common_flags).
        let odd = CommonFieldLayout(commonFields: [
            FormatField(name: "common_type", type: "int", offset: 0, size: 4, isSigned: true, isCommon: true),
            FormatField(name: "common_pid", type: "int", offset: 4, size: 4, isSigned: true, isCommon: true),
        ])
        #expect(odd.type == .init(offset: 0, size: 4) && odd.flags == nil && odd.preemptCount == nil)
        [UInt8](repeating: 0, count: 8).withBytes { buf in
            #expect(odd.flags(in: buf, order: .little) == nil)
            #expect(odd.eventID(in: buf, order: .little) == 0)
        }
    }

    /// All formats of this machine: every one found by ID and by name, and the
    /// system/name order equals libtraceevent's `tep_list_events(TEP_EVENT_SORT_SYSTEM)`.
    @Test(.enabled(if: TracefsFormats.isMounted && ReferenceOracle.isAvailable,
                   "needs tracefs and libtraceevent"))
    func tracefsRegistryMatchesLibtraceevent() throws {
        var r = EventRegistry()
        for file in TracefsFormats.files {
            let text = try #require(TracefsFormats.readText(file.path))
            #expect(r.add(try EventFormat(parsing: text, system: file.system)))
        }
        #expect(r.count == TracefsFormats.files.count)
        for f in r.formats {
            #expect(r.format(id: f.id)?.name == f.name)
            #expect(r.format(system: f.system, name: f.name)?.id == f.id)
            #expect(r.format(named: f.name)?.id == f.id)
        }
        #expect(r.commonLayout == .default)

        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("list")
        try TracefsFormats.files.map { "\($0.system)\t\($0.path)" }.joined(separator: "\n")
            .write(to: list, atomically: true, encoding: .utf8)
        let out = try ReferenceOracle.run("""
        class Event(ctypes.Structure):
            _fields_ = [("tep", ctypes.c_void_p), ("name", ctypes.c_char_p), ("id", ctypes.c_int),
                        ("flags", ctypes.c_int), ("nr_common", ctypes.c_int), ("nr_fields", ctypes.c_int),
                        ("common_fields", ctypes.c_void_p), ("fields", ctypes.c_void_p),
                        ("format", ctypes.c_char_p), ("args", ctypes.c_void_p), ("cache", ctypes.c_void_p),
                        ("system", ctypes.c_char_p)]
        L.tep_list_events.argtypes = [ctypes.c_void_p, ctypes.c_int]
        L.tep_list_events.restype = ctypes.POINTER(ctypes.POINTER(Event))
        for line in open(sys.argv[1]).read().split("\\n"):
            system, path = line.split("\\t")
            buf = read(path)
            L.tep_parse_event(tep, buf, len(buf), system.encode())
        arr = L.tep_list_events(tep, 2)
        i = 0
        while arr[i]:
            e = arr[i].contents
            print("%s:%s:%d" % (e.system.decode(), e.name.decode(), e.id))
            i += 1
        """, args: [list.path])
        let ours = r.formatsSortedBySystem().map { "\($0.system):\($0.name):\($0.id)" }
        #expect(out.split(separator: "\n").map(String.init) == ours)
    }
}
