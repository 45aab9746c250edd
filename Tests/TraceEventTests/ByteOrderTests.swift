import Testing
@_spi(Engine) @testable import TraceEvent

@Test func loadUnsignedBothOrders() {
    let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]
    bytes.withBytes { buf in
        #expect(buf.loadUnsigned(at: 0, size: 4, order: .little) == 0x04030201)
        #expect(buf.loadUnsigned(at: 0, size: 4, order: .big) == 0x01020304)
        #expect(buf.loadUnsigned(at: 6, size: 4, order: .little) == nil)
        #expect(buf.loadSigned(at: 0, size: 1, order: .little) == 1)
    }
    [UInt8(0xff), 0xff].withBytes { buf in
        #expect(buf.loadSigned(at: 0, size: 2, order: .big) == -1)
    }
}
