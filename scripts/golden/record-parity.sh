#!/bin/bash
# record-parity.sh - record the real fixtures of Tests/Fixtures/parity (issue 15's parity
# classes) with the reference trace-cmd 3.1.6. Run as root on a machine whose kernel tracer
# works (see ../shared/recording.md); takes the machine-wide recording lock. CI does not run
# this: the recordings are committed. Byte-edited copies are made by make-parity-fixtures.py.
#
#   cpumask.dat        record -M 1 (v7, zstd): the BUFFER option lists CPU 0 only, CPUCOUNT 2
#   cpumask2.dat       record -M 2 (v7, zstd): CPU 1 only
#   session-inst/      a host whose record has a -B instance (hostinst) + 1 guest, fork/exec/exit
#                      events only (small)
#                      (../shared/recording/host-guest.sh): trace.dat, trace-guest1.vm.dat
#
# SHARED_RECORDING=dir  the shared recording scripts (default: ../shared/recording next to the
#                       repository; for a git worktree, next to its main checkout)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ -z "${SHARED_RECORDING:-}" ]; then
	SHARED_RECORDING=$(dirname "$ROOT")/shared/recording
	[ -d "$SHARED_RECORDING" ] || SHARED_RECORDING=$(dirname "$(cd "$(git -C "$ROOT" rev-parse --git-common-dir)/.." && pwd)")/shared/recording
fi
REC=$SHARED_RECORDING
OUT=$ROOT/Tests/Fixtures/parity
LOCK=/tmp/tracecmd-record.lock
T=/sys/kernel/tracing
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ -d $T/events ] || mount -t tracefs nodev $T
mkdir -p "$OUT"
# A kallsyms with a few symbols keeps each file small.
grep -w -m1 _stext /proc/kallsyms > "$TMP/kallsyms"
grep -w -A1 -m1 schedule /proc/kallsyms >> "$TMP/kallsyms"

rec() {	# OUTFILE record-args...
	local out=$1; shift
	rm -f "$out"
	(cd "$TMP" && flock $LOCK env TC_KALLSYMS="$TMP/kallsyms" unshare -m "$REC/tcwrap.sh" \
		trace-cmd record -o "$out" "$@") > "$TMP/rec.log" 2>&1 || { tail -5 "$TMP/rec.log" >&2; exit 1; }
}
rec "$OUT/cpumask.dat" -M 1 -e sched_switch -e sched_wakeup "$REC/workload.sh"
rec "$OUT/cpumask2.dat" -M 2 -e sched_switch -e sched_wakeup "$REC/workload.sh"

rm -rf "$OUT/session-inst"
flock $LOCK env TC_KALLSYMS="$TMP/kallsyms" TC_INSTANCES=hostinst "$REC/host-guest.sh" "$OUT/session-inst" 1 \
	-e sched_process_fork -e sched_process_exec -B hostinst -e sched_process_fork -e sched_process_exit \
	-- -e sched_process_fork -e sched_process_exit \
	> "$TMP/session.log" 2>&1 || { tail -20 "$TMP/session.log" >&2; exit 1; }
ls -l "$OUT" "$OUT/session-inst"
