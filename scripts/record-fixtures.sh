#!/bin/bash
# record-fixtures.sh - record the real trace fixtures of Tests/Fixtures with the reference
# trace-cmd (Debian 3.1.6). Run as root on a machine whose kernel tracer works; CI does not
# run this (the recordings are committed). Every recording goes through the shared
# recording/tcwrap.sh wrapper and takes the machine-wide recording lock.
#
# Usage: scripts/record-fixtures.sh [--only NAME[,NAME...]] [--keep-kallsyms FILE]
#   SHARED=dir   the shared recording dir (default: <parent of repo>/shared)
#   OUT=dir      where the fixtures go (default: <repo>/Tests/Fixtures)
#
# A trimmed /proc/kallsyms is bind-mounted over the real one (TC_KALLSYMS) so that every
# file stays small: first a few "probe" recordings are made with the full kallsyms, every
# kallsyms name that appears in their `trace-cmd report` output (function pointers, call
# sites, kernel stacks) is kept, plus each kept symbol's successor by address (so that
# "sym+offset" still resolves the same way).
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SHARED:-}" ]; then
	SHARED=$(dirname "$REPO")/shared
	# in a git worktree: next to the main checkout
	[ -d "$SHARED" ] || SHARED=$(dirname "$(cd "$(git -C "$REPO" rev-parse --git-common-dir)/.." && pwd)")/shared
fi
REC=$SHARED/recording
OUT=${OUT:-$REPO/Tests/Fixtures}
LOCK=/tmp/tracecmd-record.lock
T=/sys/kernel/tracing
WORK=$(mktemp -d /tmp/record-fixtures.XXXXXX)
ONLY=""
KALLSYMS=""
while [ $# -gt 0 ]; do
	case $1 in
	--only) ONLY=",$2,"; shift 2;;
	--keep-kallsyms) KALLSYMS=$2; shift 2;;
	*) echo "unknown argument $1" >&2; exit 2;;
	esac
done
[ -x "$REC/tcwrap.sh" ] || { echo "no $REC/tcwrap.sh (set SHARED)" >&2; exit 1; }
[ -d $T/events ] || mount -t tracefs nodev $T
mkdir -p "$OUT"

want() { [ -z "$ONLY" ] || [[ $ONLY == *",$1,"* ]]; }

# tc [ENV=val...] -- trace-cmd args...   run one trace-cmd command under the lock + wrapper
tc() {
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	flock $LOCK env TC_KALLSYMS="$KALLSYMS" "${envs[@]}" unshare -m "$REC/tcwrap.sh" trace-cmd "$@"
}

# rec NAME OUTFILE [ENV=val...] -- record args...
rec() {
	local name=$1 file=$2; shift 2
	want "$name" || return 0
	echo "=== $name -> $file" >&2
	mkdir -p "$(dirname "$file")"
	rm -f "$file"
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	(cd "$WORK" && tc "${envs[@]}" -- record -o "$file" "$@") > "$WORK/$name.log" 2>&1
	local rc=$?
	[ -s "$file" ] || { echo "  FAILED (rc=$rc), see $WORK/$name.log" >&2; tail -5 "$WORK/$name.log" >&2; return 1; }
	echo "  $(stat -c %s "$file") bytes, $(trace-cmd report "$file" 2>/dev/null | grep -vc '^cpus=') lines" >&2
}

COVERAGE_EVENTS=(-e sched -e irq -e timer -e workqueue -e signal -e ipi
	-e block:block_rq_insert -e block:block_rq_issue -e block:block_rq_complete -e block:block_bio_queue
	-e block:block_getrq -e block:block_plug -e block:block_unplug -e block:block_io_start -e block:block_io_done
	-e writeback -e net -e skb -e sock -e tcp -e napi
	-e kmem:kmalloc -f 'bytes_req >= 1024' -e kmem:mm_page_alloc -f 'order > 0'
	-e kmem:mm_page_free -f 'order > 0'
	-e syscalls:sys_enter_write -e syscalls:sys_exit_write
	-e syscalls:sys_enter_kill -e syscalls:sys_exit_kill
	-e syscalls:sys_enter_fsync -e syscalls:sys_exit_fsync
	-e syscalls:sys_enter_connect -e syscalls:sys_exit_connect)

# ---------------------------------------------------------------- trimmed kallsyms
if [ -z "$KALLSYMS" ]; then
	echo "=== probing the symbols the traces use" >&2
	P=$WORK/probe
	mkdir -p "$P"
	(cd "$WORK"
	tc -- record -o "$P/a.dat" "${COVERAGE_EVENTS[@]}" "$REC/markers.sh"
	tc -- record -o "$P/b.dat" -T -e sched_switch -e sched_wakeup -e irq -e timer "$REC/workload.sh"
	tc -- record -o "$P/c.dat" -e all sleep 0.2
	) > "$WORK/probe.log" 2>&1
	for f in "$P"/*.dat; do trace-cmd report "$f" 2>/dev/null; done > "$P/report.txt"
	KALLSYMS=$WORK/kallsyms
	python3 - "$P/report.txt" /proc/kallsyms "$KALLSYMS" <<'PY'
import re, sys
words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.$]*", open(sys.argv[1], errors="replace").read()))
lines = open(sys.argv[2]).read().splitlines()
entries = []
for i, l in enumerate(lines):
    p = l.split(None, 3)
    if len(p) >= 3:
        entries.append((int(p[0], 16), i, p[2]))
named = set(i for a, i, n in entries if n in words)
keep = set(named)
order = sorted(entries)
for k, (a, i, n) in enumerate(order):
    if i in named:
        for a2, i2, n2 in order[k + 1:]:
            if a2 > a:
                keep.add(i2)
                break
with open(sys.argv[3], "w") as f:
    for i in sorted(keep):
        f.write(lines[i] + "\n")
print(f"kallsyms: kept {len(keep)} of {len(lines)} lines", file=sys.stderr)
PY
	cp "$KALLSYMS" /tmp/record-fixtures.kallsyms	# reuse: --keep-kallsyms /tmp/record-fixtures.kallsyms
fi

# ---------------------------------------------------------------- single files
BASIC=(-e sched -e irq -e timer)
rec v7-zstd "$OUT/v7-zstd.dat" -- "${BASIC[@]}" "$REC/workload.sh"
rec v7-nocompress "$OUT/v7-nocompress.dat" -- --compression none "${BASIC[@]}" "$REC/workload.sh"
rec v6 "$OUT/v6.dat" -- --file-version 6 "${BASIC[@]}" "$REC/workload.sh"

rec buffers "$OUT/buffers.dat" TC_INSTANCES="inst1 inst2" -- -e sched -e irq \
	-B inst1 -e sched_switch -e timer -B inst2 -e irq "$REC/workload.sh"
rec v6-buffers "$OUT/v6-buffers.dat" TC_INSTANCES="inst1" -- --file-version 6 -e sched -e irq \
	-B inst1 -e sched_switch -e timer "$REC/workload.sh"
rec clock-counter "$OUT/clock-counter.dat" -- -C counter -e sched -e irq "$REC/workload.sh"
rec clock-x86-tsc "$OUT/clock-x86-tsc.dat" -- -C x86-tsc -e sched -e irq "$REC/workload.sh"
rec clock-mono "$OUT/clock-mono.dat" -- -C mono -e sched -e irq "$REC/workload.sh"
rec date "$OUT/date.dat" -- --date -e sched -e irq "$REC/workload.sh"

# lost events: a 4 KB ring buffer per CPU and a short burst of syscalls (~1M events/s)
cat > "$WORK/burst.sh" <<'SH'
#!/bin/sh
python3 -c '
import os, time
t = time.time()
while time.time() - t < 0.004:
    os.getppid()
'
SH
chmod +x "$WORK/burst.sh"
LOSTEV=(-e sched -e irq -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid)
if want lost-events; then
	OLD=$(cat $T/buffer_size_kb)
	rec lost-events "$OUT/lost-events.dat" -- -b 4 "${LOSTEV[@]}" "$WORK/burst.sh"
	echo "$OLD" > $T/buffer_size_kb
fi
# the same with start/stop/extract: only what is left in the overwritten 4 KB buffers, the
# pages carry the count of events lost before them
if want lost-events-extract; then
	echo "=== lost-events-extract" >&2
	OLD=$(cat $T/buffer_size_kb)
	rm -f "$OUT/lost-events-extract.dat"
	(cd "$WORK" && flock $LOCK sh -c '
		W="env TC_KALLSYMS=$1 unshare -m $2/tcwrap.sh trace-cmd"; shift 3
		$W start -b 4 "$@" && ./burst.sh && $W stop && $W extract -o "$0"; rc=$?; $W reset; exit $rc' \
		"$OUT/lost-events-extract.dat" "$KALLSYMS" "$REC" -- "${LOSTEV[@]}") > "$WORK/lost-events-extract.log" 2>&1
	echo "$OLD" > $T/buffer_size_kb
	echo "  $(stat -c %s "$OUT/lost-events-extract.dat") bytes" >&2
fi

rec events "$OUT/events.dat" -- "${COVERAGE_EVENTS[@]}" "$REC/markers.sh"
rec kstack "$OUT/kstack.dat" -- -T -e sched_switch -e sched_wakeup -e irq_handler_entry -e timer_expire_entry "$REC/workload.sh"
rec userstack "$OUT/userstack.dat" -- -O userstacktrace -e sched_switch -e syscalls:sys_enter_write "$REC/workload.sh"
rec all-events "$OUT/all-events.dat" -- -e all sleep 0.2

# uprobe with a string argument: a tiny program whose function takes a C string
if want uprobe; then
	U=$WORK/uprobe
	mkdir -p "$U"
	cat > "$U/uprobed.c" <<'C'
#include <stdio.h>
__attribute__((noinline)) int tc_probe_me(const char *s, long n) { return printf("%s %ld\n", s, n) > 0; }
int main(void) { const char *w[] = {"hello", "uprobe string", "", "last"};
  for (long i = 0; i < 4; i++) tc_probe_me(w[i], i * 7); return 0; }
C
	if gcc -O1 -o "$U/uprobed" "$U/uprobed.c"; then
		OFF=$(python3 - "$U/uprobed" <<'PY'
import subprocess, sys
# file offset of tc_probe_me = vaddr - segment vaddr + segment offset (from readelf -lW)
sym = [l.split() for l in subprocess.run(["nm", sys.argv[1]], capture_output=True, text=True).stdout.splitlines()]
addr = next(int(s[0], 16) for s in sym if s[-1] == "tc_probe_me")
for l in subprocess.run(["readelf", "-lW", sys.argv[1]], capture_output=True, text=True).stdout.splitlines():
    p = l.split()
    if p and p[0] == "LOAD" and "E" in p[6:-1]:
        off, va, memsz = int(p[1], 16), int(p[2], 16), int(p[5], 16)
        if va <= addr < va + memsz:
            print(hex(addr - va + off))
PY
)
		echo "p:uprobes/tc_probe_me $U/uprobed:$OFF s=+0(%di):string n=%si:s64" >> $T/uprobe_events &&
		echo "r:uprobes/tc_probe_me_ret $U/uprobed:$OFF ret=%ax:s32" >> $T/uprobe_events &&
		rec uprobe "$OUT/uprobe.dat" -- -e uprobes -e sched_process_exec "$U/uprobed"
		echo "-:uprobes/tc_probe_me" >> $T/uprobe_events
		echo "-:uprobes/tc_probe_me_ret" >> $T/uprobe_events
	fi
fi

# ---------------------------------------------------------------- host + guest sessions
# hg SESSIONNAME NGUESTS [host opts...] -- [guest opts...]
hg() {
	local name=$1 n=$2; shift 2
	want "$name" || return 0
	echo "=== $name (host + $n guests)" >&2
	local d=$OUT/$name
	rm -rf "$d"
	mkdir -p "$d"
	(cd "$WORK" && flock $LOCK env TC_KALLSYMS="$KALLSYMS" "$REC/host-guest.sh" "$d" "$n" "$@") > "$WORK/$name.log" 2>&1
	local rc=$?
	[ -s "$d/trace.dat" ] || { echo "  FAILED (rc=$rc), see $WORK/$name.log" >&2; tail -5 "$WORK/$name.log" >&2; return 1; }
	echo "  $(du -sb "$d" | cut -f1) bytes: $(ls "$d" | tr '\n' ' ')" >&2
}
# trace-cmd's own time-sync traffic (host and agents) makes thousands of sched_switch and
# softirq events: leave trace-cmd out and record no softirqs
NOTC='prev_comm != "trace-cmd" && next_comm != "trace-cmd"'
HOSTEV=(-e sched_switch -f "$NOTC" -e irq_handler_entry -e irq_handler_exit)
GUESTEV=(-e sched_switch -f "$NOTC" -e sched_wakeup -f 'comm != "trace-cmd"' -e sched_process_fork -e sched_process_exec
	-e irq_handler_entry -e irq_handler_exit)
hg session-1guest 1 "${HOSTEV[@]}" -- "${GUESTEV[@]}"
hg session-2guests 2 "${HOSTEV[@]}" -- "${GUESTEV[@]}" -e timer_expire_entry
# a longer run (WL_SLEEP=1) so that the time sync loop makes ~10 samples per CPU
WL_SLEEP=1 hg session-tsync 1 --tsync-interval 50 "${HOSTEV[@]}" -- "${GUESTEV[@]}"
# two TCP guests with a sync loop disturb each other (trace-cmd 3.1.6): the result varies from
# run to run (few samples: 1 or 2 per CPU, or no TIME_SHIFT option at all); kept as a fixture
WL_SLEEP=1 hg session-2guests-tsync 2 --tsync-interval 20 "${HOSTEV[@]}" -- "${GUESTEV[@]}"
hg session-v6 1 --file-version 6 "${HOSTEV[@]}" -- --file-version 6 "${GUESTEV[@]}"

rm -rf "$WORK"
du -sh "$OUT"
