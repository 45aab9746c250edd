/// libtraceevent's `plugin_kvm` handlers for `kvm:kvm_exit`, `kvm_entry`,
/// `kvm_emulate_insn`, `kvm_nested_vmexit`, `kvm_nested_vmexit_inject` and the
/// `kvmmmu` page events (Debian's build has no disassembler: instructions print as hex
/// bytes). Guest rip symbols come from ``PluginEnvironment/guestFunctions``.
final class KVMPlugin: EventPlugin {
    private let kind: EventPlugins.Plugin
    private let order: ByteOrder
    private let commonPid, exitReason, exitCode, isa, guestRip, rip, info1, info2: PluginField
    private let vcpuID, csbase, len, flags, failed, insn: PluginField
    private let exitInfo1, exitInfo2, exitIntInfo, exitIntInfoErr: PluginField
    private let role, rootCount, unsync, created, gfn: PluginField

    init(_ kind: EventPlugins.Plugin, format: EventFormat, byteOrder: ByteOrder) {
        self.kind = kind
        order = byteOrder
        commonPid = PluginField(any: "common_pid", in: format)
        exitReason = PluginField("exit_reason", in: format)
        exitCode = PluginField("exit_code", in: format)
        isa = PluginField("isa", in: format)
        guestRip = PluginField("guest_rip", in: format)
        rip = PluginField("rip", in: format)
        info1 = PluginField("info1", in: format)
        info2 = PluginField("info2", in: format)
        vcpuID = PluginField("vcpu_id", in: format)
        csbase = PluginField("csbase", in: format)
        len = PluginField("len", in: format)
        flags = PluginField("flags", in: format)
        failed = PluginField("failed", in: format)
        insn = PluginField("insn", in: format)
        exitInfo1 = PluginField("exit_info1", in: format)
        exitInfo2 = PluginField("exit_info2", in: format)
        exitIntInfo = PluginField("exit_int_info", in: format)
        exitIntInfoErr = PluginField("exit_int_info_err", in: format)
        role = PluginField("role", in: format)
        rootCount = PluginField("root_count", in: format)
        unsync = PluginField("unsync", in: format)
        created = PluginField("created", in: format)
        gfn = PluginField("gfn", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        let ok: Bool
        switch kind {
        case .kvmExit: ok = writeExit(p, environment, &out)
        case .kvmEntry: ok = writeEntry(p, environment, &out)
        case .kvmEmulateInsn: ok = writeEmulateInsn(p, environment, &out)
        case .kvmNestedVmexit: ok = writeNestedVmexit(p, environment, &out)
        case .kvmNestedVmexitInject: ok = writeNestedVmexitInject(p, &out)
        case .kvmMmuGetPage: ok = writeMmuGetPage(p, &out)
        default: ok = writeRole(p, &out)
        }
        return ok ? .done : .appendDefault
    }

    private func writeExitReason(_ field: PluginField, _ p: RawSpan,
                                 _ out: inout TextBuffer) -> Bool {
        guard let v = field.value(p, order, err: true, &out) else { return false }
        let isaValue = UInt32(truncatingIfNeeded: isa.read(p, order) ?? 1)
        let table: [(name: StaticString, value: Int32)]
        switch isaValue {
        case 1: table = KVMExitReasons.vmx
        case 2: table = KVMExitReasons.svm
        default:
            out.append("reason UNKNOWN-ISA")
            return true
        }
        let key = Int32(truncatingIfNeeded: v)
        if let entry = table.first(where: { $0.value == key }) {
            out.append("reason ")
            out.append(entry.name)
        } else {
            out.append("reason UNKNOWN (")
            out.appendDecimal(v)
            out.append(UInt8(ascii: ")"))
        }
        return true
    }

    private func addRipFunction(_ address: UInt64, _ p: RawSpan,
                                _ environment: PluginEnvironment, _ out: inout TextBuffer) {
        guard let resolver = environment.guestFunctions else { return }
        let pid = Int32(truncatingIfNeeded: commonPid.read(p, order) ?? 0)
        guard let f = resolver.guestFunction(hostPid: pid, address: address) else { return }
        out.append(UInt8(ascii: " "))
        out.append(f.name)
        if f.start != address {
            out.append("+0x")
            PluginText.hex(address &- f.start, &out)
        }
    }

    private func writeExit(_ p: RawSpan, _ environment: PluginEnvironment,
                           _ out: inout TextBuffer) -> Bool {
        guard writeExitReason(exitReason, p, &out),
              let r = guestRip.value(p, order, err: true, &out) else { return false }
        out.append(" rip 0x")
        PluginText.hex(r, &out)
        addRipFunction(r, p, environment, &out)
        if let i1 = info1.read(p, order), let i2 = info2.read(p, order) {
            out.append(" info ")
            PluginText.hex(i1, &out)
            out.append(UInt8(ascii: " "))
            PluginText.hex(i2, &out)
        }
        return true
    }

    private func writeEntry(_ p: RawSpan, _ environment: PluginEnvironment,
                            _ out: inout TextBuffer) -> Bool {
        if let v = vcpuID.read(p, order) {
            out.append(" vcpu ")
            out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: v)))
        } else {
            vcpuID.appendCantFind(&out)
        }
        guard let r = rip.value(p, order, err: true, &out) else { return false }
        out.append(" rip 0x")
        PluginText.hex(r, &out)
        addRipFunction(r, p, environment, &out)
        return true
    }

    private func writeEmulateInsn(_ p: RawSpan, _ environment: PluginEnvironment,
                                  _ out: inout TextBuffer) -> Bool {
        guard let r = rip.value(p, order, err: true, &out),
              let cs = csbase.value(p, order, err: true, &out),
              let n = len.value(p, order, err: true, &out),
              flags.value(p, order, err: true, &out) != nil,
              let f = failed.value(p, order, err: true, &out) else { return false }
        guard let insnOffset = insn.offset else {
            out.append("<CANT FIND FIELD insn>")
            return false
        }
        PluginText.hex(cs, &out)
        out.append(UInt8(ascii: ":"))
        PluginText.hex(r, &out)
        addRipFunction(r, p, environment, &out)
        out.append(": ")
        // "%02x " per instruction byte, the last space dropped (at most 15 bytes)
        let count = min(Int(min(n, 15)), max(0, min(insn.size, p.count - insnOffset)))
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: " ")) }
            PluginText.hex(UInt64(p[insnOffset + i]), minDigits: 2, &out)
        }
        if f != 0 { out.append(" FAIL") }
        return true
    }

    private func writeNestedVmexitInject(_ p: RawSpan, _ out: inout TextBuffer) -> Bool {
        guard writeExitReason(exitCode, p, &out) else { return false }
        hexField(" info1 ", exitInfo1, p, &out)
        hexField(" info2 ", exitInfo2, p, &out)
        hexField(" int_info ", exitIntInfo, p, &out)
        hexField(" int_info_err ", exitIntInfoErr, p, &out)
        return true
    }

    /// `tep_print_num_field(s, " label %llx", ..., err = 1)`.
    private func hexField(_ label: StaticString, _ field: PluginField, _ p: RawSpan,
                          _ out: inout TextBuffer) {
        if let v = field.read(p, order) {
            out.append(label)
            PluginText.hex(v, &out)
        } else {
            field.appendCantFind(&out)
        }
    }

    private func writeNestedVmexit(_ p: RawSpan, _ environment: PluginEnvironment,
                                   _ out: inout TextBuffer) -> Bool {
        guard let r = rip.value(p, order, err: true, &out) else { return false }
        out.append(" rip ")
        PluginText.hex(r, &out)
        addRipFunction(r, p, environment, &out)
        return writeNestedVmexitInject(p, &out)
    }

    private static let access: [StaticString] = ["---", "--x", "w--", "w-x", "-u-", "-ux", "wu-", "wux"]

    private func writeRole(_ p: RawSpan, _ out: inout TextBuffer) -> Bool {
        guard let v = role.value(p, order, err: true, &out) else { return false }
        let word = UInt32(truncatingIfNeeded: v)
        if order == ByteOrder.host {
            func bit(_ n: UInt32) -> Bool { word & (1 << n) != 0 }
            out.appendDecimal(UInt64(word & 0xf))
            out.append(" q")
            out.appendDecimal(UInt64((word >> 5) & 3))
            if bit(7) { out.append(" direct") }
            out.append(UInt8(ascii: " "))
            out.append(Self.access[Int((word >> 8) & 7)])
            if bit(11) { out.append(" invalid") }
            out.append(UInt8(ascii: " "))
            if !bit(4) { out.append(UInt8(ascii: "!")) }
            out.append("pae ")
            if !bit(12) { out.append(UInt8(ascii: "!")) }
            out.append("nxe ")
            if !bit(13) { out.append(UInt8(ascii: "!")) }
            out.append("wp")
            if bit(14) { out.append(" smep") }
            if bit(15) { out.append(" smap") }
            if word >> 24 != 0 { out.append(" smm") }
        } else {
            out.append("WORD: ")
            PluginText.hex(UInt64(word), minDigits: 8, &out)
        }
        if let rc = rootCount.read(p, order) {
            out.append(" root ")
            out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: rc)))
            out.append(UInt8(ascii: " "))
        } else {
            rootCount.appendCantFind(&out)
        }
        guard let u = unsync.value(p, order, err: true, &out) else { return false }
        // The reference also writes a NUL byte here ("%s%c", ..., 0), which ends the
        // printed line's text; it is left out.
        out.append(u != 0 ? "unsync" : "sync")
        return true
    }

    private func writeMmuGetPage(_ p: RawSpan, _ out: inout TextBuffer) -> Bool {
        guard let c = created.value(p, order, err: true, &out) else { return false }
        out.append(c != 0 ? "new " : "existing ")
        guard let g = gfn.value(p, order, err: true, &out) else { return false }
        out.append("sp gfn ")
        PluginText.hex(g, &out)
        out.append(UInt8(ascii: " "))
        return writeRole(p, &out)
    }
}
