#!/bin/bash
# make-golden.sh - regenerate the golden (expected) data of Tests/Fixtures from the installed
# reference (trace-cmd 3.1.6 + libtracecmd + libtraceevent 1.7.1). Needs only trace-cmd,
# libtracecmd-dev, gcc and pkg-config; no tracing, no root.
#
# Usage: scripts/make-golden.sh [--out DIR]     (default DIR: Tests/Fixtures/golden)
#
# Every command runs with the working directory Tests/Fixtures (or a session directory, see
# the manifest's cwd column) and relative file names, so that outputs that name files are
# stable. For each command: stdout -> <output>, stderr -> <output minus .txt/.json>.stderr,
# exit code -> manifest.
#
# DIR/manifest.tsv, one line per command, tab-separated, first line a header:
#   fixture  flagset  cwd  stdout  stderr  exit  argv
#   fixture  fixture id (v7-zstd, session-1guest/trace, session-1guest, ...)
#   flagset  name of the flag set (default, t, R, ..., dump-options, dump-summary, info, records)
#   cwd      working directory relative to Tests/Fixtures ("." or a session directory)
#   stdout   output file relative to DIR; stderr: the same for stderr
#   exit     exit code of the reference
#   argv     the exact argument vector as a JSON array of strings; argv[0] is "trace-cmd" or
#            "tcinfo" (scripts/golden/tcinfo.c)
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
FIX=$REPO/Tests/Fixtures
OUTDIR=$FIX/golden
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUTDIR=$2; shift 2;;
	*) echo "usage: $0 [--out DIR]" >&2; exit 2;;
	esac
done
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
# start from scratch when DIR holds earlier output of this script (or nothing)
if [ -f "$OUTDIR/manifest.tsv" ] || [ -z "$(ls -A "$OUTDIR")" ]; then
	rm -rf "${OUTDIR:?}"/*
else
	echo "$OUTDIR is not empty and holds no manifest.tsv; refusing to write there" >&2
	exit 2
fi
export LC_ALL=C TZ=UTC
unset TRACECMD_PLUGIN_DIR TRACEEVENT_PLUGIN_DIR 2>/dev/null
# user plugins of $HOME would change the output
export HOME=/nonexistent

TMP=$(mktemp -d /tmp/make-golden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
TCINFO=$TMP/tcinfo
gcc -O1 -Wall -o "$TCINFO" "$REPO/scripts/golden/tcinfo.c" $(pkg-config --cflags --libs libtracecmd) || exit 1

MANIFEST=$OUTDIR/manifest.tsv
printf 'fixture\tflagset\tcwd\tstdout\tstderr\texit\targv\n' > "$MANIFEST"

json_argv() {	# arguments hold no control characters: escape \ and " only
	local a out="" sep=""
	for a in "$@"; do
		a=${a//\\/\\\\}
		a=${a//\"/\\\"}
		out+="$sep\"$a\""
		sep=", "
	done
	printf '[%s]' "$out"
}

# run FIXTURE FLAGSET CWD OUTFILE argv...
run() {
	local fixture=$1 flagset=$2 cwd=$3 out=$4; shift 4
	local err=${out%.*}.stderr
	mkdir -p "$(dirname "$OUTDIR/$out")"
	local exe=$1
	[ "$exe" = tcinfo ] && exe=$TCINFO
	if [ -n "${UNBUFFERED:-}" ]; then
		# stdout unbuffered (stdbuf -o0): what the reference printed before it crashed stays
		(cd "$FIX/$cwd" && stdbuf -o0 "$exe" "${@:2}") > "$OUTDIR/$out" 2> "$OUTDIR/$err"
	else
		(cd "$FIX/$cwd" && "$exe" "${@:2}") > "$OUTDIR/$out" 2> "$OUTDIR/$err"
	fi
	local rc=$?
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fixture" "$flagset" "$cwd" "$out" "$err" "$rc" "$(json_argv "$@")" >> "$MANIFEST"
}

# report flag sets: name + arguments (after "report -i FILE")
FULL_FLAGSETS=(default t R l N cpu0 F ts-diff raw-ts stat cpus first-event last-event)
MID_FLAGSETS=(default t R cpu0 F stat cpus first-event last-event)
SMALL_FLAGSETS=(default R F stat cpus first-event last-event)
TINY_FLAGSETS=(default F stat cpus first-event last-event)
flag_args() {	# flagset filter -> prints one argument per line
	case $1 in
	default) ;;
	t) echo -t;;
	R) echo -R;;
	l) echo -l;;
	N) echo -N;;
	cpu0) echo --cpu; echo 0;;
	F)	# several filters separated by " ;; " give several -F options
		local f rest=$2
		while [ -n "$rest" ]; do
			f=${rest%% ;; *}
			[ "$f" = "$rest" ] && rest="" || rest=${rest#* ;; }
			echo -F; echo "$f"
		done;;
	ts-diff) echo --ts-diff;;
	raw-ts) echo --raw-ts;;
	stat) echo --stat;;
	cpus) echo --cpus;;
	first-event) echo --first-event;;
	last-event) echo --last-event;;
	esac
}

# single FIXTUREID CWD FILE FILTER FLAGSET...
single() {
	local id=$1 cwd=$2 file=$3 filter=$4; shift 4
	[ -f "$FIX/$cwd/$file" ] || { echo "missing fixture $cwd/$file, skipped" >&2; return; }
	echo "$id" >&2
	run "$id" dump-options "$cwd" "$id/dump-options.txt" trace-cmd dump --options -i "$file"
	run "$id" dump-summary "$cwd" "$id/dump-summary.txt" trace-cmd dump --summary -i "$file"
	run "$id" info "$cwd" "$id/info.json" tcinfo "$file"
	run "$id" records "$cwd" "$id/records.txt" tcinfo --records "$file"
	local fs
	for fs in "$@"; do
		local args=()
		mapfile -t args < <(flag_args "$fs" "$filter")
		run "$id" "$fs" "$cwd" "$id/report/$fs.txt" trace-cmd report "${args[@]}" -i "$file"
	done
}

# session SESSIONDIR FILTER FLAGSET...  (host trace.dat first, then the guests in name order)
session() {
	local s=$1 filter=$2; shift 2
	[ -f "$FIX/$s/trace.dat" ] || { echo "missing session $s, skipped" >&2; return; }
	local files=(trace.dat) f g
	for g in $(cd "$FIX/$s" && ls trace-*.dat 2>/dev/null | sort); do files+=("$g"); done
	for f in "${files[@]}"; do
		single "$s/${f%.dat}" "$s" "$f" "$filter" default stat first-event last-event
	done
	echo "$s" >&2
	local iargs=()
	for f in "${files[@]}"; do iargs+=(-i "$f"); done
	run "$s" info "$s" "$s/info.json" tcinfo "${files[@]}"
	run "$s" records "$s" "$s/records.txt" tcinfo --records "${files[@]}"
	local fs
	for fs in "$@"; do
		local args=()
		mapfile -t args < <(flag_args "$fs" "$filter")
		run "$s" "$fs" "$s" "$s/report/$fs.txt" trace-cmd report "${args[@]}" "${iargs[@]}"
	done
}

SW='sched_switch: prev_state == 1 || next_prio < 120'
single v7-zstd . v7-zstd.dat "$SW" "${FULL_FLAGSETS[@]}"
single v7-nocompress . v7-nocompress.dat 'sched_wakeup: target_cpu == 1' "${MID_FLAGSETS[@]}"
single v6 . v6.dat 'sched_switch: next_comm =~ "^kworker" ;; irq_handler_entry' "${MID_FLAGSETS[@]}"
# -F on a file with buffer instances crashes trace-cmd 3.1.6 (SIGSEGV): no F flag set there
NOF=(default R stat cpus first-event last-event)
single buffers . buffers.dat '' "${NOF[@]}" cpu0
single v6-buffers . v6-buffers.dat '' "${NOF[@]}" cpu0
single clock-counter . clock-counter.dat "$SW" "${SMALL_FLAGSETS[@]}" t ts-diff raw-ts
single clock-x86-tsc . clock-x86-tsc.dat "$SW" "${SMALL_FLAGSETS[@]}" t ts-diff raw-ts
single clock-mono . clock-mono.dat "$SW" "${SMALL_FLAGSETS[@]}" t raw-ts
single date . date.dat "$SW" "${SMALL_FLAGSETS[@]}" t raw-ts
single lost-events . lost-events.dat 'sched_switch: prev_pid > 0 ;; sys_enter_getppid' "${TINY_FLAGSETS[@]}"
single lost-events-extract . lost-events-extract.dat 'sched_switch' "${FULL_FLAGSETS[@]}"
single events . events.dat 'print ;; kmalloc: bytes_req >= 2048 ;; signal_generate, signal_deliver: sig == 10 ;; tcp_probe' "${TINY_FLAGSETS[@]}" N
single kstack . kstack.dat 'sched_switch: prev_pid != 0' "${SMALL_FLAGSETS[@]}" N
single userstack . userstack.dat 'sys_enter_write' "${SMALL_FLAGSETS[@]}" N
single uprobe . uprobe.dat 'tc_probe_me: n > 0' "${SMALL_FLAGSETS[@]}" N
single all-events . all-events.dat 'sched_switch ;; sys_enter_read: count > 100 ;; kmalloc: bytes_alloc >= 256' "${SMALL_FLAGSETS[@]}"
SF='sched_switch: next_pid != 0'
session session-1guest "$SF" default t ts-diff cpu0 raw-ts F
session session-2guests "$SF" default t cpu0 raw-ts F
session session-tsync "$SF" default t ts-diff raw-ts F
session session-2guests-tsync "$SF" default
session session-v6 "$SF" default t raw-ts F

# ---------------------------------------------------------------- trace-cmd dump's items
# dumps FIXTUREID CWD FILE FLAGSET...: `trace-cmd dump <flags> -i FILE` (flag set "bare": the
# file as the argument, no -i); flag set names dump-<name>.
dump_args() {
	case $1 in
	head-page|head-event|ftrace-events|systems|events|kallsyms|printk|cmd-lines|options|flyrecord|clock|all|summary|sections|strings)
		echo "--$1";;
	validate) echo -v;;
	clock-flyrecord) echo --clock; echo --flyrecord;;
	validate-options) echo -v; echo --options;;
	esac
}
dumps() {
	local id=$1 cwd=$2 file=$3; shift 3
	[ -f "$FIX/$cwd/$file" ] || { echo "missing fixture $cwd/$file, skipped" >&2; return; }
	local fs args
	for fs in "$@"; do
		if [ "$fs" = bare ]; then
			run "$id" dump-bare "$cwd" "$id/dump/bare.txt" trace-cmd dump "$file"
			continue
		fi
		mapfile -t args < <(dump_args "$fs")
		run "$id" "dump-$fs" "$cwd" "$id/dump/$fs.txt" trace-cmd dump "${args[@]}" -i "$file"
	done
}
ALL_DUMPS=(all summary head-page head-event ftrace-events systems events kallsyms printk cmd-lines options
	flyrecord clock sections strings validate clock-flyrecord validate-options bare)
SOME_DUMPS=(all flyrecord clock validate bare)
dumps v6 . v6.dat "${ALL_DUMPS[@]}"
dumps v7-zstd . v7-zstd.dat "${ALL_DUMPS[@]}"
dumps v7-nocompress . v7-nocompress.dat "${SOME_DUMPS[@]}"
dumps buffers . buffers.dat "${SOME_DUMPS[@]}"
dumps v6-buffers . v6-buffers.dat "${SOME_DUMPS[@]}"
dumps session-2guests/trace session-2guests trace.dat "${SOME_DUMPS[@]}"
dumps session-tsync/trace-guest1.vm session-tsync trace-guest1.vm.dat "${SOME_DUMPS[@]}"
# TIME_SHIFT options whose counts do not match their size (trace-cmd 3.1.6 bug, see
# Tests/Fixtures/timesync): the reference reads on from where the counts leave it
dumps timesync/ptp-316-counts-3-2 timesync/ptp-316-counts-3-2 guest.dat options summary validate
dumps timesync/ptp-316-counts-1-4 timesync/ptp-316-counts-1-4 guest.dat options summary validate

# ---------------------------------------------------------------- issue 15's parity classes
# Tests/Fixtures/parity: recorded by scripts/golden/record-parity.sh, byte-edited copies of
# v6.dat by scripts/golden/make-parity-fixtures.py.
# reports FIXTUREID CWD FILE FILTER FLAGSET...: report flag sets only
reports() {
	local id=$1 cwd=$2 file=$3 filter=$4; shift 4
	[ -f "$FIX/$cwd/$file" ] || { echo "missing fixture $cwd/$file, skipped" >&2; return; }
	local fs args
	for fs in "$@"; do
		mapfile -t args < <(flag_args "$fs" "$filter")
		run "$id" "$fs" "$cwd" "$id/report/$fs.txt" trace-cmd report "${args[@]}" -i "$file"
	done
}
# 1. CPU mask (record -M 1 / -M 2): the BUFFER option lists fewer CPUs than CPUCOUNT
single parity/cpumask parity cpumask.dat 'sched_switch' default stat cpus first-event last-event F
single parity/cpumask2 parity cpumask2.dat 'sched_switch' stat cpus first-event last-event
# 2. a v6 CPU with 0 bytes stored at an offset past the end of the file
reports parity/v6-stat-offset parity v6-stat-offset.dat '' stat
# 3. a v6 file with no TRACECLOCK option: --raw-ts still in seconds.microseconds
reports parity/v6-noclock parity v6-noclock.dat '' raw-ts ts-diff
# 4. a v6 file whose stored trace_clock text is the full clock list (trace-cmd 2.9)
reports parity/v6-clocklist parity v6-clocklist.dat '' raw-ts
dumps parity/v6-clocklist parity v6-clocklist.dat summary clock flyrecord
# 5. a v6 file cut after the header's CPU count: dump stops with exit 255
dumps parity/v6-truncated parity v6-truncated.dat summary all options validate bare
# a host whose GUEST entry has an empty name (tracecmd peers shows "(empty name)")
single parity/guest-noname parity guest-noname.dat '' default
# 6. several inputs, the host with an instance (-B hostinst)
session parity/session-inst "" default stat
# 7. -F before the first -i applies to instances too; trace-cmd 3.1.6 then crashes (SIGSEGV)
#    after printing every line: its output is recorded unbuffered, flag set F-global
UNBUFFERED=1 run parity/session-inst F-global parity/session-inst parity/session-inst/report/F-global.txt \
	trace-cmd report -F sched_process_fork -i trace.dat -i trace-guest1.vm.dat
UNBUFFERED=1 run buffers F-global . buffers/report/F-global.txt trace-cmd report -F 'sched_switch: prev_pid > 0' -F timer_init -i buffers.dat
UNBUFFERED=1 run v6-buffers F-global . v6-buffers/report/F-global.txt trace-cmd report -F timer_start -F sched_wakeup -i v6-buffers.dat
echo "golden data in $OUTDIR ($(du -sh "$OUTDIR" | cut -f1))" >&2
