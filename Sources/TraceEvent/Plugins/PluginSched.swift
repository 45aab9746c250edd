/// libtraceevent's `plugin_sched_switch` for `sched:sched_switch`:
/// `prev_comm:prev_pid [prev_prio] STATE ==> next_comm:next_pid [next_prio]`,
/// registering both comms (see ``CommRegistry``).
final class SchedSwitchPlugin: EventPlugin {
    private let order: ByteOrder
    private let prevPid, prevComm, prevPrio, prevState, nextPid, nextComm, nextPrio: PluginField

    init(format: EventFormat, byteOrder: ByteOrder) {
        order = byteOrder
        prevPid = PluginField("prev_pid", in: format)
        prevComm = PluginField(any: "prev_comm", in: format)
        prevPrio = PluginField("prev_prio", in: format)
        prevState = PluginField("prev_state", in: format)
        nextPid = PluginField("next_pid", in: format)
        nextComm = PluginField(any: "next_comm", in: format)
        nextPrio = PluginField("next_prio", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard let pp = prevPid.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        schedWriteComm(prevComm, pid: pp, p, environment, &out)
        PluginText.signed64(pp, &out)
        out.append(UInt8(ascii: " "))
        if let prio = prevPrio.value(p, order, err: true, &out) {
            out.append(UInt8(ascii: "["))
            PluginText.int32(prio, &out)
            out.append("] ")
        }
        if let state = prevState.value(p, order, err: true, &out) {
            Self.writeState(Int32(truncatingIfNeeded: state), &out)
        }
        out.append(" ==> ")
        guard let np = nextPid.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        schedWriteComm(nextComm, pid: np, p, environment, &out)
        PluginText.signed64(np, &out)
        if let prio = nextPrio.value(p, order, err: true, &out) {
            out.append(" [")
            PluginText.int32(prio, &out)
            out.append(UInt8(ascii: "]"))
        }
        return .done
    }

    func registerComms(_ record: PluginRecord, payload p: RawSpan, environment: PluginEnvironment) {
        guard let comms = environment.comms else { return }
        // As write(_:into:environment:): the next comm only once the previous pid was read.
        guard let pp = prevPid.read(p, order) else { return }
        schedRegisterComm(prevComm, pid: pp, p, comms)
        guard let np = nextPid.read(p, order) else { return }
        schedRegisterComm(nextComm, pid: np, p, comms)
    }

    /// The plugin's own state letters (they differ from the kernel's print format:
    /// bits 0...7 are `SDTtZXxW`, several joined by `|`, none is `R`).
    static func writeState(_ state: Int32, _ out: inout TextBuffer) {
        let letters: StaticString = "SDTtZXxW"
        var found = false
        letters.withUTF8Span { l in
            for i in 0..<8 where state & (1 << Int32(i)) != 0 {
                if found { out.append(UInt8(ascii: "|")) }
                found = true
                out.append(l[i])
            }
        }
        if !found { out.append(UInt8(ascii: "R")) }
    }
}

/// libtraceevent's `plugin_sched_switch` for `sched:sched_wakeup` and
/// `sched:sched_wakeup_new`: `comm:pid [prio]`, then ` success=N` and ` CPU:NNN` when the
/// format has those fields; registers the comm.
final class SchedWakeupPlugin: EventPlugin {
    private let order: ByteOrder
    private let pid, comm, prio, success, targetCPU: PluginField

    init(format: EventFormat, byteOrder: ByteOrder) {
        order = byteOrder
        pid = PluginField("pid", in: format)
        comm = PluginField(any: "comm", in: format)
        prio = PluginField("prio", in: format)
        success = PluginField("success", in: format)
        targetCPU = PluginField("target_cpu", in: format)
    }

    func write(_ record: PluginRecord, payload p: RawSpan, lookahead: RawSpan?, into out: inout TextBuffer,
               environment: PluginEnvironment) -> PluginOutcome {
        guard let pidValue = pid.value(p, order, err: true, &out) else {
            out.append(UInt8(ascii: "!"))
            return .appendDefault
        }
        schedWriteComm(comm, pid: pidValue, p, environment, &out)
        PluginText.signed64(pidValue, &out)
        if let v = prio.value(p, order, err: true, &out) {
            out.append(" [")
            PluginText.signed64(v, &out)
            out.append(UInt8(ascii: "]"))
        }
        if let v = success.value(p, order, err: false, &out) {
            out.append(" success=")
            PluginText.signed64(v, &out)
        }
        if let v = targetCPU.value(p, order, err: false, &out) {
            out.append(" CPU:")
            PluginText.unsigned(v, minDigits: 3, &out)
        }
        return .done
    }

    func registerComms(_ record: PluginRecord, payload p: RawSpan, environment: PluginEnvironment) {
        guard let comms = environment.comms, let pidValue = pid.read(p, order) else { return }
        schedRegisterComm(comm, pid: pidValue, p, comms)
    }
}

/// The registration half of ``schedWriteComm``.
private func schedRegisterComm(_ field: PluginField, pid: UInt64, _ p: RawSpan,
                               _ comms: any CommRegistry) {
    guard let offset = field.offset else { return }
    comms.register(pid: Int32(truncatingIfNeeded: pid),
                   comm: p.extracting(PluginText.fixedStringBytes(p, offset: offset, size: field.size)))
}

/// Writes `comm:` for a comm field (when the format has it) and offers it to the registry.
private func schedWriteComm(_ field: PluginField, pid: UInt64, _ p: RawSpan,
                            _ environment: PluginEnvironment, _ out: inout TextBuffer) {
    guard let offset = field.offset else { return }
    let bytes = PluginText.fixedString(p, offset: offset, size: field.size, &out)
    environment.comms?.register(pid: Int32(truncatingIfNeeded: pid), comm: p.extracting(bytes))
    out.append(UInt8(ascii: ":"))
}
