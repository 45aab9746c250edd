/// The set of output plugins in effect: which events get a plugin's text instead of
/// (or before) their print format, and which helper functions print formats may call.
///
/// ``standard`` is what the reference `trace-cmd report` 3.1.6 loads (libtraceevent
/// 1.7.1's plugins plus trace-cmd's ftrace overrides); ``none`` is `trace-cmd report -N`.
@_spi(Engine) public struct EventPlugins: Sendable {
    /// The plugins, by the handler they install.
    @_spi(Engine) public enum Plugin: String, Sendable, Hashable, CaseIterable {
        /// `sched:sched_switch` (plugin_sched_switch).
        case schedSwitch
        /// `sched:sched_wakeup`, `sched:sched_wakeup_new` (plugin_sched_switch).
        case schedWakeup
        /// `timer:hrtimer_start` (plugin_hrtimer).
        case hrtimerStart
        /// `timer:hrtimer_expire_entry` (plugin_hrtimer).
        case hrtimerExpireEntry
        /// `kmem:kfree`, `kmalloc`, `kmalloc_node`, `kmem_cache_alloc`,
        /// `kmem_cache_alloc_node`, `kmem_cache_free` (plugin_kmem).
        case kmemCallSite
        /// `tlb:tlb_flush` (plugin_tlb).
        case tlbFlush
        /// `syscalls:sys_enter_futex` (plugin_futex).
        case futex
        /// `ftrace:function` (plugin_function, which overrides trace-cmd's own).
        case function
        /// `ftrace:funcgraph_entry` (trace-cmd's built-in function graph output).
        case functionGraphEntry
        /// `ftrace:funcgraph_exit` (trace-cmd's built-in function graph output).
        case functionGraphExit
        /// `ftrace:func_repeats` (plugin_function).
        case functionRepeats
        /// `ftrace:kernel_stack` (plugin_function).
        case kernelStack
        /// `ftrace:raw_data` (plugin_function).
        case rawData
        /// `kvm:kvm_exit` (plugin_kvm).
        case kvmExit
        /// `kvm:kvm_entry` (plugin_kvm).
        case kvmEntry
        /// `kvm:kvm_emulate_insn` (plugin_kvm, without a disassembler as in Debian's build).
        case kvmEmulateInsn
        /// `kvm:kvm_nested_vmexit` (plugin_kvm).
        case kvmNestedVmexit
        /// `kvm:kvm_nested_vmexit_inject` (plugin_kvm).
        case kvmNestedVmexitInject
        /// `kvmmmu:kvm_mmu_get_page` (plugin_kvm).
        case kvmMmuGetPage
        /// `kvmmmu:kvm_mmu_sync_page`, `kvm_mmu_unsync_page`, `kvm_mmu_zap_page`,
        /// `kvm_mmu_prepare_zap_page` (plugin_kvm).
        case kvmMmuRole
    }

    private struct Key: Hashable, Sendable {
        var system: String
        var event: String
    }

    private var table: [Key: Plugin]
    private var functions: Set<String>
    /// The plugin options (`-O`).
    @_spi(Engine) public var options: PluginOptions

    /// What `trace-cmd report` loads by default.
    @_spi(Engine) public static let standard: EventPlugins = {
        var t: [Key: Plugin] = [:]
        func add(_ system: String, _ events: [String], _ p: Plugin) {
            for e in events { t[Key(system: system, event: e)] = p }
        }
        add("sched", ["sched_switch"], .schedSwitch)
        add("sched", ["sched_wakeup", "sched_wakeup_new"], .schedWakeup)
        add("timer", ["hrtimer_start"], .hrtimerStart)
        add("timer", ["hrtimer_expire_entry"], .hrtimerExpireEntry)
        add("kmem", ["kfree", "kmalloc", "kmalloc_node", "kmem_cache_alloc",
                     "kmem_cache_alloc_node", "kmem_cache_free"], .kmemCallSite)
        add("tlb", ["tlb_flush"], .tlbFlush)
        add("syscalls", ["sys_enter_futex"], .futex)
        add("ftrace", ["function"], .function)
        add("ftrace", ["funcgraph_entry"], .functionGraphEntry)
        add("ftrace", ["funcgraph_exit"], .functionGraphExit)
        add("ftrace", ["func_repeats"], .functionRepeats)
        add("ftrace", ["kernel_stack"], .kernelStack)
        add("ftrace", ["raw_data"], .rawData)
        add("kvm", ["kvm_exit"], .kvmExit)
        add("kvm", ["kvm_entry"], .kvmEntry)
        add("kvm", ["kvm_emulate_insn"], .kvmEmulateInsn)
        add("kvm", ["kvm_nested_vmexit"], .kvmNestedVmexit)
        add("kvm", ["kvm_nested_vmexit_inject"], .kvmNestedVmexitInject)
        add("kvmmmu", ["kvm_mmu_get_page"], .kvmMmuGetPage)
        add("kvmmmu", ["kvm_mmu_sync_page", "kvm_mmu_unsync_page", "kvm_mmu_zap_page",
                       "kvm_mmu_prepare_zap_page"], .kvmMmuRole)
        return EventPlugins(table: t, functions: Set(PluginPrintFunction.allCases.map(\.name)),
                            options: PluginOptions())
    }()

    /// No plugins at all (`trace-cmd report -N`).
    @_spi(Engine) public static let none = EventPlugins(table: [:], functions: [], options: PluginOptions())

    private init(table: [Key: Plugin], functions: Set<String>, options: PluginOptions) {
        self.table = table
        self.functions = functions
        self.options = options
    }

    /// Whether no plugin is in effect.
    @_spi(Engine) public var isEmpty: Bool { table.isEmpty && functions.isEmpty }

    /// The plugin that handles `system:event`, if any.
    @_spi(Engine) public func plugin(system: String, event: String) -> Plugin? {
        table[Key(system: system, event: event)]
    }

    /// A plugin instance bound to `format` (field offsets resolved now), or `nil` when no
    /// plugin handles the event. Call once per event format and file; `longSize` is the
    /// file's (4 or 8). `formatNamed` finds another event's format of the same file
    /// (system, name): the function graph entry plugin needs `ftrace:funcgraph_exit`'s.
    ///
    /// The report's raw mode (`-R`) bypasses plugins.
    @_spi(Engine) public func bind(_ format: EventFormat, byteOrder: ByteOrder, longSize: Int,
                     formatNamed: ((String, String) -> EventFormat?)? = nil) -> (any EventPlugin)? {
        guard let plugin = plugin(system: format.system, event: format.name) else { return nil }
        switch plugin {
        case .functionGraphEntry:
            return FunctionGraphPlugin(entry: format, exit: formatNamed?("ftrace", "funcgraph_exit"),
                                       byteOrder: byteOrder, options: options)
        case .functionGraphExit:
            return FunctionGraphPlugin(entry: nil, exit: format, byteOrder: byteOrder, options: options)
        case .schedSwitch: return SchedSwitchPlugin(format: format, byteOrder: byteOrder)
        case .schedWakeup: return SchedWakeupPlugin(format: format, byteOrder: byteOrder)
        case .hrtimerStart: return HrtimerPlugin(.start, format: format, byteOrder: byteOrder)
        case .hrtimerExpireEntry: return HrtimerPlugin(.expireEntry, format: format, byteOrder: byteOrder)
        case .kmemCallSite: return KmemCallSitePlugin(format: format, byteOrder: byteOrder)
        case .tlbFlush: return TLBFlushPlugin(format: format, byteOrder: byteOrder)
        case .futex: return FutexPlugin(format: format, byteOrder: byteOrder)
        case .function:
            return FunctionPlugin(format: format, byteOrder: byteOrder, options: options, repeats: false)
        case .functionRepeats:
            return FunctionPlugin(format: format, byteOrder: byteOrder, options: options, repeats: true)
        case .kernelStack:
            return KernelStackPlugin(format: format, byteOrder: byteOrder, longSize: longSize, options: options)
        case .rawData: return RawDataPlugin(format: format, byteOrder: byteOrder, longSize: longSize)
        case .kvmExit, .kvmEntry, .kvmEmulateInsn, .kvmNestedVmexit, .kvmNestedVmexitInject,
             .kvmMmuGetPage, .kvmMmuRole:
            return KVMPlugin(plugin, format: format, byteOrder: byteOrder)
        }
    }

    /// A helper function that print formats may call (`jiffies_to_msecs(REC->wait)`),
    /// registered by a plugin; `nil` when no plugin provides `name`.
    @_spi(Engine) public func printFunction(named name: String) -> PluginPrintFunction? {
        guard functions.contains(name) else { return nil }
        return PluginPrintFunction.allCases.first { $0.name == name }
    }
}
