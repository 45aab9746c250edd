/// libtraceevent's `plugin_futex` for `syscalls:sys_enter_futex`:
/// `op=FUTEX_WAKE|FUTEX_PRIVATE_FLAG uaddr=0x... val=N ...`, the arguments shown
/// depending on the command.
final class FutexPlugin: EventPlugin {
    private let order: ByteOrder
    private let uaddr, op, val, utime, uaddr2, val3: PluginField

    init(format: EventFormat, byteOrder: ByteOrder) {
        order = byteOrder
        uaddr = PluginField("uaddr", in: format)
        op = PluginField("op", in: format)
        val = PluginField("val", in: format)
        utime = PluginField("utime", in: format)
        uaddr2 = PluginField("uaddr2", in: format)
        val3 = PluginField("val3", in: format)
    }

    /// How an argument is shown: absent, `%llu` or `0x%08llx`.
    private enum Arg { case none, dec, hex }
    private struct Op {
        let name: StaticString
        let val: Arg, utime: Arg, uaddr2: Arg, val3: Arg
    }
    private static let ops: [Op] = [
        Op(name: "FUTEX_WAIT", val: .hex, utime: .hex, uaddr2: .none, val3: .none),
        Op(name: "FUTEX_WAKE", val: .dec, utime: .none, uaddr2: .none, val3: .none),
        Op(name: "FUTEX_FD", val: .dec, utime: .none, uaddr2: .none, val3: .none),
        Op(name: "FUTEX_REQUEUE", val: .dec, utime: .dec, uaddr2: .hex, val3: .none),
        Op(name: "FUTEX_CMP_REQUEUE", val: .dec, utime: .dec, uaddr2: .hex, val3: .hex),
        Op(name: "FUTEX_WAKE_OP", val: .dec, utime: .dec, uaddr2: .hex, val3: .hex),
        Op(name: "FUTEX_LOCK_PI", val: .none, utime: .hex, uaddr2: .none, val3: .none),
        Op(name: "FUTEX_UNLOCK_PI", val: .none, utime: .none, uaddr2: .none, val3: .none),
        Op(name: "FUTEX_TRYLOCK_PI", val: .none, utime: .none, uaddr2: .none, val3: .none),
        Op(name: "FUTEX_WAIT_BITSET", val: .hex, utime: .hex, uaddr2: .none, val3: .hex),
        Op(name: "FUTEX_WAKE_BITSET", val: .dec, utime: .none, uaddr2: .none, val3: .hex),
        Op(name: "FUTEX_WAIT_REQUEUE_PI", val: .hex, utime: .hex, uaddr2: .hex, val3: .hex),
        Op(name: "FUTEX_CMP_REQUEUE_PI", val: .dec, utime: .dec, uaddr2: .hex, val3: .hex),
    ]
    private static let privateFlag: UInt64 = 128
    private static let clockRealtime: UInt64 = 256

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard let a = uaddr.value(p, order, err: true, &out),
              let o = op.value(p, order, err: true, &out),
              let v = val.value(p, order, err: true, &out),
              let t = utime.value(p, order, err: true, &out),
              let a2 = uaddr2.value(p, order, err: true, &out),
              let v3 = val3.value(p, order, err: true, &out) else { return .appendDefault }
        let cmd = o & ~(Self.privateFlag | Self.clockRealtime)
        guard cmd < UInt64(Self.ops.count) else { return .appendDefault }
        let fop = Self.ops[Int(cmd)]
        out.append("op=")
        out.append(fop.name)
        if o & Self.privateFlag != 0 { out.append("|FUTEX_PRIVATE_FLAG") }
        if o & Self.clockRealtime != 0 { out.append("|FUTEX_CLOCK_REALTIME") }
        out.append(" uaddr=0x")
        PluginText.hex(a, minDigits: 8, &out)
        Self.arg(" val=", fop.val, v, &out)
        Self.arg(fop.utime == .hex ? " utime=" : " val2=", fop.utime, t, &out)
        Self.arg(" uaddr2=", fop.uaddr2, a2, &out)
        Self.arg(" val3=", fop.val3, v3, &out)
        return .done
    }

    private static func arg(_ label: StaticString, _ kind: Arg, _ v: UInt64, _ out: inout TextBuffer) {
        switch kind {
        case .none: return
        case .dec:
            out.append(label)
            out.appendDecimal(v)
        case .hex:
            out.append(label)
            out.append("0x")
            PluginText.hex(v, minDigits: 8, &out)
        }
    }
}
