#!/bin/sh
# record-plugins.sh OUTDIR - record the small traces that the plugin golden data
# (Tests/Fixtures/plugins/*.txt, made by plugin-extract.c) comes from.
# Run as root, holding the machine-wide recording lock:
#   flock /tmp/tracecmd-record.lock scripts/golden/record-plugins.sh /tmp/plugins
set -e
OUT=${1:?usage: record-plugins.sh OUTDIR}
mkdir -p "$OUT"
T=/sys/kernel/tracing
HERE=$(cd "$(dirname "$0")" && pwd)
# The shared recording scripts: ../shared/recording next to the repository (for a git worktree,
# next to its main checkout), or $SHARED_RECORDING.
if [ -z "${SHARED_RECORDING:-}" ]; then
	ROOT=$(cd "$HERE/../.." && pwd)
	SHARED_RECORDING=$(dirname "$ROOT")/shared/recording
	[ -d "$SHARED_RECORDING" ] || SHARED_RECORDING=$(dirname "$(cd "$(git -C "$ROOT" rev-parse --git-common-dir)/.." && pwd)")/shared/recording
fi
SH=$SHARED_RECORDING
rec() { unshare -m "$SH/tcwrap.sh" trace-cmd record "$@"; }

# 1. every event an installed plugin overrides that this kernel can record here
rec -o "$OUT/plugins.dat" \
	-e sched:sched_switch -e sched:sched_wakeup -e sched:sched_wakeup_new \
	-e timer:hrtimer_start -e timer:hrtimer_expire_entry \
	-e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free \
	-e tlb:tlb_flush -e syscalls:sys_enter_futex -e jbd2 \
	sh -c "$SH/markers.sh; python3 $HERE/plugin-workload.py"

# 2. kernel stacks (ftrace:kernel_stack, printed by plugin_function)
rec -o "$OUT/kstack.dat" -T -e sched:sched_switch -e sched:sched_wakeup sleep 0.2

# 3. comms learnt from sched_switch/sched_wakeup: trace with start/stop, then let
#    7000 short tasks (traced in another instance) overwrite the global saved
#    cmdlines before extracting, so that most pids of the trace are unknown to the
#    file and only the sched plugin names them (in report, after their first event)
W="unshare -m $SH/tcwrap.sh"
$W trace-cmd start -e sched:sched_switch -e sched:sched_wakeup -e sched:sched_wakeup_new
sh -c "for i in 1 2 3; do sleep 0.01 & done; wait"; sleep 0.1
$W trace-cmd stop
mkdir -p $T/instances/fill
echo 1 > $T/instances/fill/events/sched/sched_process_exec/enable
i=0; while [ $i -lt 7000 ]; do /bin/true; i=$((i+1)); done
echo 0 > $T/instances/fill/events/sched/sched_process_exec/enable
rmdir $T/instances/fill
$W trace-cmd extract -o "$OUT/comms.dat"
$W trace-cmd reset

# Golden text (plugin-extract built from plugin-extract.c):
#   plugin-extract -n 20 plugins.dat > Tests/Fixtures/plugins/plugins.txt
#   plugin-extract -n 12 kstack.dat  > Tests/Fixtures/plugins/kstack.txt
#   plugin-extract -c comms.dat      > Tests/Fixtures/plugins/comms.txt
