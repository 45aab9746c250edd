@_spi(Engine) import TraceEvent
/// For host kvm events in a multi-file report: which guest's kernel symbols to use for a
/// guest address, found through the host task (VCPU thread) that logged the event, as
/// `trace-cmd report -i host -i guest...` does with the GUEST options of the host file.
@_spi(Engine) public final class GuestSymbolMap: GuestFunctionResolver {
    private var byPID: [Int32: any SymbolResolver] = [:]

    /// Maps each VCPU host PID of every guest file found in the host's GUEST options.
    @_spi(Engine) public init?(host: TraceFile, guests: [(file: TraceFile, symbols: any SymbolResolver)]) {
        for g in guests {
            guard let id = g.file.traceID, let info = host.guest(traceID: id) else { continue }
            for pid in info.hostPIDs where byPID[pid] == nil { byPID[pid] = g.symbols }
        }
        if byPID.isEmpty { return nil }
    }

    @_spi(Engine) public func guestFunction(hostPid: Int32, address: UInt64) -> (name: String, start: UInt64)? {
        guard let table = byPID[hostPid], let s = table.symbol(containing: address) else { return nil }
        return (s.name, s.start)
    }

    /// Lets the first file's kvm events (`host`) find guest symbols through the VCPU threads
    /// of the other files' guests, as `trace-cmd report -i host -i guest...` does.
    @_spi(Engine) public static func attach(host: EventPrinter, guests: [EventPrinter]) {
        guard !guests.isEmpty else { return }
        host.environment.guestFunctions = GuestSymbolMap(host: host.file,
                                                         guests: guests.map { ($0.file, $0.kallsyms as any SymbolResolver) })
    }
}
