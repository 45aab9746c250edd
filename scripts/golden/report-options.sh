# report-options.sh - sourced by scripts/make-golden.sh (uses its run, FIX, OUTDIR): the
# reference's output for the options of `trace-cmd report` beyond the flag sets of the main
# manifest. Written to DIR/report-options/, with its own manifest.tsv (same columns as
# DIR/manifest.tsv); Tests/TraceCmdTests/ReportOptionGoldenTests.swift replays every line.
MANIFEST=$OUTDIR/report-options/manifest.tsv
mkdir -p "$OUTDIR/report-options"
printf 'fixture\tflagset\tcwd\tstdout\tstderr\texit\targv\n' > "$MANIFEST"

# opt FIXTUREID CWD FLAGSET ARGS... (ARGS: the report options, then the -i inputs)
opt() {
	local id=$1 cwd=$2 fs=$3; shift 3
	run "$id" "$fs" "$cwd" "report-options/$id/$fs.txt" trace-cmd report "$@"
}

# Options that print facts of the first input (-p, -e, -f, -P, -E, --check-events) and the
# recorded uname / version.
for f in v7-zstd v6 buffers all-events kstack; do
	for fs in e f P E check-events p; do
		case $fs in
		check-events) a=(--check-events);;
		*) a=("-$fs");;
		esac
		opt "$f" . "$fs" "${a[@]}" -i "$f.dat"
	done
	opt "$f" . uname --uname -i "$f.dat"
	opt "$f" . version --version -i "$f.dat"
	opt "$f" . uname-stat --uname --stat -i "$f.dat"
done

# Timestamps: --align-ts, --ts2secs, --ts-check (stderr holds its warnings: none here).
for f in v7-zstd v6 buffers clock-counter lost-events-extract; do
	opt "$f" . align-ts --align-ts -i "$f.dat"
done
opt v7-zstd . align-ts-t --align-ts -t -i v7-zstd.dat
opt v6 . ts-check --ts-check -i v6.dat
opt buffers . ts-check --ts-check -i buffers.dat
opt clock-counter . ts2secs-ts-diff --ts2secs 1000000000 --ts-diff -i clock-counter.dat
opt clock-x86-tsc . ts2secs --ts2secs 2600000000 -i clock-x86-tsc.dat
opt v6 . ts2secs-t --ts2secs 2000000000 -t -i v6.dat
opt v7-zstd . ts2secs-overflow --ts2secs 3 -i v7-zstd.dat

# Records dropped by their IRQ flags; per-event raw output and plugin handlers; plugins.
for f in v7-zstd lost-events; do
	opt "$f" . I -I -i "$f.dat"
	opt "$f" . S -S -i "$f.dat"
done
opt v6 . I-S -IS -i v6.dat
opt buffers . S -S -i buffers.dat
opt v7-zstd . r-sched_switch -r sched_switch -i v7-zstd.dat
opt v7-zstd . r-irq-n-sched -r irq -n 'sched_w.*' -i v7-zstd.dat
opt kstack . n-kernel_stack -n kernel_stack -i kstack.dat
opt kstack . r-sched -r sched -i kstack.dat
opt events . r-ftrace -r ftrace -i events.dat
opt kstack . O-offset -O offset -i kstack.dat
opt kstack . O-ftrace-offset-1 -O ftrace:offset=1 -i kstack.dat
opt kstack . O-offset-twice -O offset -O ftrace:offset -i kstack.dat
opt kstack . O-offset-TRUE -O offset=TRUE -i kstack.dat
opt kstack . L -L -i kstack.dat
opt v7-zstd . L -L -i v7-zstd.dat
opt v7-zstd . V -V -i v7-zstd.dat
opt v7-zstd . V3 -V3 -i v7-zstd.dat

# -T: the filters as libtraceevent parsed them.
opt v7-zstd . T -T -F 'sched_switch, sched_wakeup: pid == 3 || (prio < 10 && !(pid==1))' \
	-F irq_handler_entry -v -F 'sched_switch: prev_state & 2' -F 'sched_waking: comm == "sh"' -i v7-zstd.dat
opt v6 . T-none -T -i v6.dat

# Sessions: several inputs (alignment over all of them, per-input --ts2secs, the plugin
# options toggled once per input, -T on the second input's filters).
for s in session-1guest session-2guests session-tsync session-v6; do
	files=(trace.dat)
	for g in $(cd "$FIX/$s" && ls trace-*.dat 2>/dev/null | sort); do files+=("$g"); done
	iargs=()
	for f in "${files[@]}"; do iargs+=(-i "$f"); done
	opt "$s" "$s" align-ts --align-ts "${iargs[@]}"
	opt "$s" "$s" uname --uname "${iargs[@]}"
	opt "$s" "$s" version --version "${iargs[@]}"
	opt "$s" "$s" S -S "${iargs[@]}"
	opt "$s" "$s" e -e "${iargs[@]}"
done
opt session-1guest session-1guest ts2secs-per-input --align-ts -i trace.dat --ts2secs 2000000000 \
	-i trace-guest1.vm.dat --ts2secs 500000000 --ts-offset 1000
opt session-1guest session-1guest ts2secs-default --ts2secs 2000000000 --ts-diff -i trace.dat -i trace-guest1.vm.dat
opt session-1guest session-1guest O-offset -O offset -i trace.dat -i trace-guest1.vm.dat
opt session-2guests session-2guests O-offset -O offset -i trace.dat -i trace-guest1.vm.dat -i trace-guest2.vm.dat
opt session-2guests session-2guests T-second -T -i trace.dat -i trace-guest1.vm.dat \
	-F 'sched_switch: next_pid != 0' -i trace-guest2.vm.dat

# --profile: per task, the events and their timings, the stack traces that blocked it. The
# reference orders the events of a task with equal sort keys (and the --by-comm groups) by
# hash, differently from run to run: the output is kept in a stable order (the events of each
# task and the groups sorted, scripts/golden/sort-profile.awk), and ReportOptionGoldenTests
# compares those as sets.
# profile FIXTUREID CWD FLAGSET ARGS...: as opt, then the stdout file put in that order
profile() {
	local id=$1 cwd=$2 fs=$3; shift 3
	opt "$id" "$cwd" "$fs" "$@"
	local f="$OUTDIR/report-options/$id/$fs.txt" tab
	tab=$(printf '\t')
	awk -f "$REPO/scripts/golden/sort-profile.awk" "$f" | sort -s -t "$tab" -k1,1 -k2,2 -k3,3 -k4 \
		| awk -v unpack=1 -f "$REPO/scripts/golden/sort-profile.awk" > "$f.sorted" && mv "$f.sorted" "$f"
}
for f in kstack v7-zstd events lost-events all-events lost-events-extract clock-counter; do
	profile "$f" . profile --profile -i "$f.dat"
done
profile kstack . profile-G --profile -G -i kstack.dat
profile v7-zstd . profile-G --profile -G -i v7-zstd.dat
profile kstack . profile-by-comm --profile --by-comm -i kstack.dat
profile events . profile-by-comm --profile --by-comm -i events.dat
profile kstack . profile-F-cpu --profile -F 'sched_switch: prev_pid != 0' -F kernel_stack -F irq_handler_entry --cpu 1 -i kstack.dat
profile v7-zstd . profile-H --profile -H 'timer_start,timer/timer_expire_entry,timer,P' \
	-H 'sched_waking,pid,pid/sched_wakeup,pid' -i v7-zstd.dat
profile session-2guests session-2guests profile-guests --profile -i trace-guest1.vm.dat -i trace-guest2.vm.dat
