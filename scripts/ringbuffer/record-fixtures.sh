#!/bin/sh
# record-fixtures.sh - record the ring-buffer fixtures with the reference trace-cmd 3.1.6 and
# write their golden outputs (from the reference only) into Tests/Fixtures/ringbuffer/.
#
#   scripts/ringbuffer/record-fixtures.sh [record]   # record (needs root, tracefs) + goldens
#   scripts/ringbuffer/record-fixtures.sh            # goldens only, from the stored .dat files
#
# Goldens, per fixture X:
#   X.records.txt  rbrecords X.dat (libtracecmd: per buffer and CPU, counts, first/last
#                  timestamps, a hash of every record's ts/offset/size/missed, missed events)
#   X.order.txt    trace-cmd report -t X.dat, reduced by extract-order.py to "BUF CPU DTS PID"
#                  (DTS: the timestamp minus the previous record's; the first is absolute)
#                  and "D BUF CPU N" for dropped-events lines, in the order report prints
#   X.cpu1.txt     the same for trace-cmd report -t --cpu 1 (v7-zstd only)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/Tests/Fixtures/ringbuffer
# The shared recording scripts: ../shared/recording next to the repository (for a git worktree,
# next to its main checkout), or $SHARED_RECORDING.
REC=${SHARED_RECORDING:-$(dirname "$ROOT")/shared/recording}
[ -d "$REC" ] || REC=$(dirname "$(cd "$(git -C "$ROOT" rev-parse --git-common-dir)/.." && pwd)")/shared/recording
LOCK=/tmp/tracecmd-record.lock
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

gcc -O2 -Wall -o "$TMP/rbrecords" "$HERE/rbrecords.c" $(pkg-config --cflags --libs libtracecmd)

if [ "$1" = record ]; then
	# A kallsyms with a few symbols keeps each file small.
	grep -w -m1 _stext /proc/kallsyms > "$TMP/kallsyms"
	grep -w -A1 -m1 schedule /proc/kallsyms >> "$TMP/kallsyms"
	rec() {	# rec OUTFILE [env...] -- trace-cmd record args...
		o=$1; shift
		flock "$LOCK" env TC_KALLSYMS="$TMP/kallsyms" "$@" >/dev/null 2>&1
		cp "$TMP/out.dat" "$OUT/$o"
	}
	cd "$TMP"
	rec v6.dat unshare -m $REC/tcwrap.sh trace-cmd record -o out.dat -F -c --file-version 6 -e sched -e irq $REC/workload.sh
	rec v7-none.dat unshare -m $REC/tcwrap.sh trace-cmd record -o out.dat -F -c --compression none -e sched -e irq $REC/workload.sh
	rec v7-zstd.dat unshare -m $REC/tcwrap.sh trace-cmd record -o out.dat --compression zstd -e sched -e irq $REC/workload.sh
	rec instance.dat env TC_INSTANCES=rbinst unshare -m $REC/tcwrap.sh trace-cmd record -o out.dat -e irq -B rbinst -e sched $REC/workload.sh
	rec instance-v6.dat env TC_INSTANCES=rbinst unshare -m $REC/tcwrap.sh trace-cmd record -o out.dat -F -c --file-version 6 -e irq -B rbinst -e sched $REC/workload.sh
	rec gaps.dat unshare -m $REC/tcwrap.sh trace-cmd record -o out.dat --compression none -F -c -e sched_process_exec -e sched_process_exit -e sched_process_fork $HERE/gaps.sh
	# lost.dat: tiny buffers (-b 4) overwritten by a burst while nothing reads them, then
	# extracted: the first page of each CPU reports the events overwritten.
	W="env TC_KALLSYMS=$TMP/kallsyms unshare -m $REC/tcwrap.sh"
	flock "$LOCK" sh -c "$W trace-cmd start -b 4 -e sched -e irq >/dev/null 2>&1; $HERE/burst.sh; $W trace-cmd stop; $W trace-cmd extract -o out.dat >/dev/null 2>&1; $W trace-cmd reset >/dev/null 2>&1; echo 1408 > /sys/kernel/tracing/buffer_size_kb"
	cp "$TMP/out.dat" "$OUT/lost.dat"
	# lost-record.dat: tiny buffers while stall.sh stops trace-cmd's readers during bursts:
	# pages in the middle of the trace report lost events (stored counts and "unknown").
	flock "$LOCK" sh -c "$W trace-cmd record -o out.dat -b 4 -e sched -e irq $HERE/stall.sh >/dev/null 2>&1; echo 1408 > /sys/kernel/tracing/buffer_size_kb"
	cp "$TMP/out.dat" "$OUT/lost-record.dat"
	cd "$ROOT"
fi

cd "$OUT"
for f in v6 v7-none v7-zstd instance instance-v6 gaps lost lost-record; do
	[ -f $f.dat ] || continue
	"$TMP/rbrecords" $f.dat > $f.records.txt
	names=$(grep -o '^buffer=[^ ]*' $f.records.txt | sed 's/buffer=//' | grep -v '^-$' | sort -u)
	trace-cmd report -t $f.dat 2>/dev/null | "$HERE/extract-order.py" $names > $f.order.txt
	# keep the repository small: no order golden above 250 KB
	[ $(stat -c %s $f.order.txt) -lt 250000 ] || rm $f.order.txt
done
trace-cmd report -t --cpu 1 v7-zstd.dat 2>/dev/null | "$HERE/extract-order.py" > v7-zstd.cpu1.txt
ls -la "$OUT"
