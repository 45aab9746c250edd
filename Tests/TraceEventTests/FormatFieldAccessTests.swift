import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

/// Builds event data the way the kernel lays it out, for a given byte order.
struct PayloadBuilder {
    var bytes: [UInt8]
    let order: ByteOrder

    init(count: Int, order: ByteOrder = .little) {
        bytes = [UInt8](repeating: 0, count: count)
        self.order = order
    }

    mutating func put(_ value: UInt64, at offset: Int, size: Int) {
        for i in 0..<size {
            let shift = order == .little ? i * 8 : (size - 1 - i) * 8
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }

    mutating func put(_ s: String, at offset: Int) {
        for (i, b) in s.utf8.enumerated() { bytes[offset + i] = b }
    }

    mutating func common(type: Int, pid: Int32) {
        put(UInt64(type), at: 0, size: 2)
        put(0x81, at: 2, size: 1)
        put(0x02, at: 3, size: 1)
        put(UInt64(UInt32(bitPattern: pid)), at: 4, size: 4)
    }
}

@Suite struct FormatFieldAccessTests {
    let irq: EventFormat
    let rel: EventFormat

    init() throws {
        irq = try EventFormat(parsing: EventFormatSamples.irqHandlerEntry, system: "irq")
        rel = try EventFormat(parsing: EventFormatSamples.fooRelLoc, system: "sample-trace")
    }

    func irqPayload(_ order: ByteOrder) -> PayloadBuilder {
        var p = PayloadBuilder(count: 24, order: order)
        p.common(type: 225, pid: 1234)
        p.put(UInt64(UInt32(bitPattern: -5)), at: 8, size: 4)
        p.put(5 << 16 | 16, at: 12, size: 4)
        p.put("eth0", at: 16)
        return p
    }

    func relPayload() -> PayloadBuilder {
        var p = PayloadBuilder(count: 48)
        p.common(type: 1337, pid: 7)
        p.put(6 << 16 | 12, at: 8, size: 4)   // foo: data at 12 + 12 = 24
        p.put(42, at: 12, size: 4)            // bar
        p.put(8 << 16 | 12, at: 16, size: 4)  // bitmask: data at 20 + 12 = 32
        p.put(8 << 16 | 16, at: 20, size: 4)  // cpumask: data at 24 + 16 = 40
        p.put("hello", at: 24)
        p.put(0x0000_0000_0000_0105, at: 32, size: 8)
        p.put(0x8000_0000_0000_0003, at: 40, size: 8)
        return p
    }

    @Test(arguments: [ByteOrder.little, .big])
    func scalarsAndDataLoc(order: ByteOrder) throws {
        let p = irqPayload(order)
        try p.bytes.withBytes { buf in
            let irqField = try #require(irq.field(named: "irq"))
            #expect(irqField.signedValue(in: buf, order: order) == -5)
            #expect(irqField.unsignedValue(in: buf, order: order) == 0xffff_fffb)
            #expect(irqField.value(in: buf, order: order) == UInt64(bitPattern: -5))
            let name = try #require(irq.field(named: "name"))
            #expect(name.dynamicLocation(in: buf, order: order)?.offset == 16)
            #expect(name.dynamicLocation(in: buf, order: order)?.length == 5)
            #expect(name.dynamicRange(in: buf, order: order) == 16..<21)
            #expect(name.stringValue(in: buf, order: order) == "eth0")
            #expect(name.stringRange(in: buf, order: order)?.count == 4)
            #expect(name.unsignedValue(in: buf, order: order) == 5 << 16 | 16)
            let pid = try #require(irq.field(named: "common_pid"))
            #expect(pid.signedValue(in: buf, order: order) == 1234)
        }
    }

    @Test func relLoc() throws {
        let p = relPayload()
        try p.bytes.withBytes { buf in
            let foo = try #require(rel.field(named: "foo"))
            #expect(foo.dynamicRange(in: buf, order: .little) == 24..<30)
            #expect(foo.stringValue(in: buf, order: .little) == "hello")
            let bitmask = try #require(rel.field(named: "bitmask"))
            #expect(bitmask.dynamicRange(in: buf, order: .little) == 32..<40)
            #expect(bitmask.unsignedElement(0, in: buf, order: .little, elementSize: 8) == 0x105)
            #expect(bitmask.unsignedElement(1, in: buf, order: .little, elementSize: 8) == nil)
            #expect(bitmask.elementCount(in: buf, order: .little, elementSize: 4) == 2)
            #expect(bitmask.unsignedElement(1, in: buf, order: .little, elementSize: 4) == 0)
            let mask = try #require(rel.field(named: "cpumask"))
            #expect(mask.dataRange(in: buf, order: .little).map { buf.array($0) } == [3, 0, 0, 0, 0, 0, 0, 0x80])
            #expect(rel.field(named: "bar")?.signedValue(in: buf, order: .little) == 42)
        }
    }

    /// libtraceevent's `tep_get_field_raw` locates the same dynamic data.
    @Test(.enabled(if: ReferenceOracle.isAvailable, "needs libtraceevent"))
    func dynamicLocationsMatchLibtraceevent() throws {
        let dir = try ReferenceOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String, String, [UInt8], [String])] = [
            (EventFormatSamples.irqHandlerEntry, "irq", "irq_handler_entry", irqPayload(.little).bytes, ["name"]),
            (EventFormatSamples.fooRelLoc, "sample-trace", "foo_rel_loc", relPayload().bytes, ["foo", "bitmask", "cpumask"]),
        ]
        var args: [String] = []
        for (i, c) in cases.enumerated() {
            let f = dir.appendingPathComponent("f\(i)"), d = dir.appendingPathComponent("d\(i)")
            try c.0.write(to: f, atomically: true, encoding: .utf8)
            try Data(c.3).write(to: d)
            args += [c.1, c.2, f.path, d.path, c.4.joined(separator: ",")]
        }
        let out = try ReferenceOracle.run("""
        class Record(ctypes.Structure):
            _fields_ = [("ts", ctypes.c_ulonglong), ("offset", ctypes.c_ulonglong), ("missed", ctypes.c_longlong),
                        ("record_size", ctypes.c_int), ("size", ctypes.c_int), ("data", ctypes.c_void_p),
                        ("cpu", ctypes.c_int), ("ref_count", ctypes.c_int), ("locked", ctypes.c_int), ("priv", ctypes.c_void_p)]
        L.tep_get_field_raw.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                                        ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        L.tep_get_field_raw.restype = ctypes.c_void_p
        a = sys.argv[1:]
        for i in range(0, len(a), 5):
            system, name, fpath, dpath, fields = a[i:i + 5]
            buf = read(fpath)
            L.tep_parse_event(tep, buf, len(buf), system.encode())
            ev = L.tep_find_event_by_name(tep, system.encode(), name.encode())
            data = read(dpath)
            cbuf = ctypes.create_string_buffer(data, len(data))
            rec = Record(size=len(data), data=ctypes.addressof(cbuf))
            for fname in fields.split(","):
                n = ctypes.c_int(0)
                p = L.tep_get_field_raw(None, ev, fname.encode(), ctypes.byref(rec), ctypes.byref(n), 0)
                print("%s %d %d" % (fname, p - ctypes.addressof(cbuf), n.value))
        """, args: args)
        var ours: [String] = []
        for c in cases {
            let f = try EventFormat(parsing: c.0, system: c.1)
            c.3.withBytes { buf in
                for name in c.4 {
                    let loc = f.field(named: name)?.dynamicLocation(in: buf, order: .little)
                    ours.append("\(name) \(loc?.offset ?? -1) \(loc?.length ?? -1)")
                }
            }
        }
        #expect(out.split(separator: "\n").map(String.init) == ours)
    }

    @Test func fixedAndFlexibleArrays() throws {
        let sw = try EventFormat(parsing: EventFormatSamples.schedSwitch, system: "sched")
        var p = PayloadBuilder(count: 64)
        p.put("0123456789abcdef", at: 8)       // prev_comm fills all 16 bytes, no NUL
        p.put("kworker/0:1", at: 40)
        try p.bytes.withBytes { buf in
            #expect(try #require(sw.field(named: "prev_comm")).stringValue(in: buf, order: .little) == "0123456789abcdef")
            #expect(try #require(sw.field(named: "next_comm")).stringValue(in: buf, order: .little) == "kworker/0:1")
            let comm = try #require(sw.field(named: "next_comm"))
            #expect(comm.elementCount(in: buf, order: .little) == 16)
            #expect(comm.unsignedElement(0, in: buf, order: .little) == UInt64(UInt8(ascii: "k")))
            #expect(comm.unsignedElement(16, in: buf, order: .little) == nil)
            #expect(comm.unsignedElement(-1, in: buf, order: .little) == nil)
        }
        // A payload cut inside next_comm: the field is not there.
        try Array(p.bytes[0..<50]).withBytes { buf in
            let comm = try #require(sw.field(named: "next_comm"))
            #expect(comm.stringValue(in: buf, order: .little) == nil)
            #expect(comm.dataRange(in: buf, order: .little) == nil)
            #expect(sw.field(named: "next_pid")?.signedValue(in: buf, order: .little) == nil)
            #expect(sw.field(named: "prev_comm")?.stringValue(in: buf, order: .little) == "0123456789abcdef")
        }

        let stack = try EventFormat(parsing: EventFormatSamples.kernelStack, system: "ftrace")
        let caller = try #require(stack.field(named: "caller"))
        var s = PayloadBuilder(count: 80, order: .big)
        for i in 0..<8 { s.put(0xffff_ffff_8100_0000 + UInt64(i), at: 16 + 8 * i, size: 8) }
        s.bytes.withBytes { buf in
            #expect(caller.elementCount(in: buf, order: .big) == 8)
            #expect((0..<8).map { caller.unsignedElement($0, in: buf, order: .big) }
                    == (0..<8).map { 0xffff_ffff_8100_0000 + UInt64($0) })
            #expect(caller.unsignedElement(8, in: buf, order: .big) == nil)
            #expect(caller.signedElement(0, in: buf, order: .big) == Int64(bitPattern: 0xffff_ffff_8100_0000))
        }

        let print = try EventFormat(parsing: EventFormatSamples.ftracePrint, system: "ftrace")
        let pbuf = try #require(print.field(named: "buf"))
        var m = PayloadBuilder(count: 32)
        m.put("marker 1: hello\n", at: 16)
        m.bytes.withBytes { buf in
            #expect(pbuf.dataRange(in: buf, order: .little) == 16..<32)
            #expect(pbuf.stringValue(in: buf, order: .little) == "marker 1: hello\n")
            // Without an element size, a flexible array has no elements to index.
            #expect(pbuf.unsignedElement(0, in: buf, order: .little) == nil)
        }
        [UInt8](repeating: 0, count: 16).withBytes { buf in
            #expect(pbuf.stringValue(in: buf, order: .little) == "")
        }
        [UInt8](repeating: 0, count: 10).withBytes { buf in
            #expect(pbuf.stringValue(in: buf, order: .little) == nil)
        }

        let bprint = try EventFormat(parsing: EventFormatSamples.bprint, system: "ftrace")
        let args = try #require(bprint.field(named: "buf"))
        var b = PayloadBuilder(count: 36)
        b.put(7, at: 24, size: 4); b.put(UInt64(UInt32(bitPattern: -9)), at: 28, size: 4); b.put(11, at: 32, size: 4)
        b.bytes.withBytes { buf in
            #expect(args.elementCount(in: buf, order: .little, elementSize: 4) == 3)
            #expect(args.signedElement(1, in: buf, order: .little, elementSize: 4) == -9)
            #expect(args.unsignedElement(2, in: buf, order: .little, elementSize: 4) == 11)
            #expect(args.unsignedElement(3, in: buf, order: .little, elementSize: 4) == nil)
        }
    }

    @Test func badDynamicData() throws {
        let name = try #require(irq.field(named: "name"))
        // Offset past the end, length past the end, word missing.
        for word: UInt64 in [5 << 16 | 200, 100 << 16 | 16, 0xffff_ffff] {
            var p = irqPayload(.little)
            p.put(word, at: 12, size: 4)
            p.bytes.withBytes { buf in
                #expect(name.dynamicRange(in: buf, order: .little) == nil)
                #expect(name.stringValue(in: buf, order: .little) == nil)
                #expect(name.dynamicLocation(in: buf, order: .little) != nil)
            }
        }
        Array(irqPayload(.little).bytes[0..<14]).withBytes { buf in
            #expect(name.dynamicLocation(in: buf, order: .little) == nil)
            #expect(name.stringValue(in: buf, order: .little) == nil)
        }
        // Zero length at the very end is an empty string.
        var p = irqPayload(.little)
        p.put(0 << 16 | 24, at: 12, size: 4)
        p.bytes.withBytes { buf in
            #expect(name.dynamicRange(in: buf, order: .little) == 24..<24)
            #expect(name.stringValue(in: buf, order: .little) == "")
        }
        // Inline fields have no dynamic location.
        irqPayload(.little).bytes.withBytes { buf in
            #expect(irq.field(named: "irq")?.dynamicLocation(in: buf, order: .little) == nil)
        }
        // Old kernels: a 2-byte __data_loc has no length; the string runs to the end.
        var old = try #require(irq.field(named: "name"))
        old.size = 2
        var q = PayloadBuilder(count: 20)
        q.put(14, at: 12, size: 2)
        q.put("abcd", at: 14)
        q.bytes.withBytes { buf in
            #expect(old.flags.contains(.string) && old.flags.contains(.array))
            #expect(old.dynamicRange(in: buf, order: .little) == 14..<20)
            #expect(old.stringValue(in: buf, order: .little) == "abcd")
        }
    }

    @Test func emptyPayload() throws {
        let f = try EventFormat(parsing: EventFormatSamples.schedSwitch, system: "sched")
        let none: [UInt8] = []
        let empty = none.span.bytes
        for field in f.commonFields + f.fields {
            #expect(field.unsignedValue(in: empty, order: .little) == nil)
            #expect(field.dataRange(in: empty, order: .little) == nil)
            #expect(field.elementCount(in: empty, order: .little) == 0)
        }
    }
}
