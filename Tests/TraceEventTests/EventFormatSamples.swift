/// Format texts copied verbatim from this machine's tracefs (kernel 6.18), so that tests on
/// them do not depend on the kernel they run on.
enum EventFormatSamples {
    static let schedSwitch = """
    name: sched_switch
    ID: 372
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
    \tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
    \tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;
    \tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;
    \tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;
    \tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;
    \tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;

    print fmt: "prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1), "|", { 0x00000001, "S" }, { 0x00000002, "D" }, { 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }) : "R", REC->prev_state & (((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio

    """

    static let ftracePrint = """
    name: print
    ID: 5
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;
    \tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;

    print fmt: "%ps: %s", (void *)REC->ip, REC->buf

    """

    static let kernelStack = """
    name: kernel_stack
    ID: 4
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:int size;\toffset:8;\tsize:4;\tsigned:1;
    \tfield:unsigned long caller[8];\toffset:16;\tsize:64;\tsigned:0;

    print fmt: "\\t=> %ps\\n\\t=> %ps\\n\\t=> %ps\\n" "\\t=> %ps\\n\\t=> %ps\\n\\t=> %ps\\n" "\\t=> %ps\\n\\t=> %ps\\n", (void *)REC->caller[0], (void *)REC->caller[1], (void *)REC->caller[2], (void *)REC->caller[3], (void *)REC->caller[4], (void *)REC->caller[5], (void *)REC->caller[6], (void *)REC->caller[7]

    """

    static let bprint = """
    name: bprint
    ID: 6
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;
    \tfield:const char * fmt;\toffset:16;\tsize:8;\tsigned:0;
    \tfield:u32 buf[];\toffset:24;\tsize:0;\tsigned:0;

    print fmt: "%ps: %s", (void *)REC->ip, REC->fmt

    """

    static let irqHandlerEntry = """
    name: irq_handler_entry
    ID: 225
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;
    \tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;

    print fmt: "irq=%d name=%s", REC->irq, __get_str(name)

    """

    static let ipiSendCpumask = """
    name: ipi_send_cpumask
    ID: 353
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:__data_loc cpumask_t cpumask;\toffset:8;\tsize:4;\tsigned:0;
    \tfield:void * callsite;\toffset:16;\tsize:8;\tsigned:0;
    \tfield:void * callback;\toffset:24;\tsize:8;\tsigned:0;

    print fmt: "cpumask=%s callsite=%pS callback=%pS", __get_cpumask(cpumask), REC->callsite, REC->callback

    """

    /// No format of this machine uses `__rel_loc` (only the kernel's trace-events sample module
    /// does). This is that sample's `foo_rel_loc` event, written the way tracefs prints it.
    static let fooRelLoc = """
    name: foo_rel_loc
    ID: 1337
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:__rel_loc char[] foo;\toffset:8;\tsize:4;\tsigned:0;
    \tfield:int bar;\toffset:12;\tsize:4;\tsigned:1;
    \tfield:__rel_loc unsigned long[] bitmask;\toffset:16;\tsize:4;\tsigned:0;
    \tfield:__rel_loc cpumask_t cpumask;\toffset:20;\tsize:4;\tsigned:0;

    print fmt: "foo_rel_loc %s, %d, %s, %s", __get_rel_str(foo), REC->bar, __get_rel_bitmask(bitmask), __get_rel_cpumask(cpumask)

    """

    /// An old-kernel format without `signed:` (as in 2.6.3x kernels), with a `field special:`
    /// ftrace field.
    static let oldFtraceWithoutSigned = """
    name: function
    ID: 1
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;
    \tfield:int common_pid;\toffset:4;\tsize:4;
    \tfield:int common_tgid;\toffset:8;\tsize:4;

    \tfield special:unsigned long ip;\toffset:16;\tsize:8;
    \tfield special:unsigned long parent_ip;\toffset:24;\tsize:8;

    print fmt: " %lx <-- %lx", REC->ip, REC->parent_ip

    """
}
