# sort-profile.awk - puts `trace-cmd report --profile` output in a stable order: the events of
# each task (an "  Event: " line and the stack lines under it) sorted, and the --by-comm groups
# sorted by name. trace-cmd 3.1.6 orders those by hash (they change from run to run); the rest
# (the lines before the first task, the global tasks, the tasks by pid) keeps its order. Empty
# lines are dropped and one is written before each task and group line, as the reference does.
# POSIX awk: each event becomes one line (its lines joined by \001) after a sort key (block,
# kind, sequence number of the other lines), then sort(1) (see report-options.sh) sorts them
# and this script's -v unpack=1 mode restores the lines.
function flush_event() {
	if (ev != "") { print key "\t1\t00000000\t" ev; ev = "" }
}
function other(line) {
	seq++
	print key "\t0\t" sprintf("%08d", seq) "\t" line
}
unpack != 1 {
	if ($0 == "") next
	if ($0 ~ /^task: / || $0 ~ /^group: / || $0 ~ /^Global / || n == 0) {
		flush_event()
		n++
		if ($0 ~ /^group: /) key = "1" $0
		else if ($0 ~ /^task: /) key = sprintf("2%08d", n)
		else key = sprintf("0%08d", n)
		other($0)
		next
	}
	if ($0 ~ /^  Event: /) { flush_event(); ev = $0; next }
	if (ev != "") { ev = ev "\001" $0; next }
	other($0)
	next
}
unpack == 1 {
	line = $0
	sub(/^[^\t]*\t[01]\t[0-9]*\t/, "", line)
	if (line ~ /^task: / || line ~ /^group: /) print ""
	gsub(/\001/, "\n", line)
	print line
}
END { if (unpack != 1) flush_event() }
