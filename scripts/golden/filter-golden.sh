#!/bin/bash
# Regenerates the EventFilter golden data in Tests/Fixtures/filter/ from trace.dat with the
# reference trace-cmd 3.1.6 / libtraceevent 1.7.1:
#   T.records.tsv       event formats, records (payload hex), comms, symbols (filter-extract.c)
#   kept/T/NAME.txt     records `trace-cmd report -t <-F/-v args>` keeps, for every case of
#                       T.cases.tsv, as ranges of record indices (order of the R lines of
#                       T.records.tsv), matched by cpu and timestamp: "0-5,7,9-20"
# for T in trace (recorded for these tests, see below) and kstack (the fixtures' kstack.dat).
#   parse.golden  `trace-cmd report -T -F <filter>` output and exit status for every line of
#                 parse-cases.txt
# trace.dat itself was recorded with (lock taken, see the brief):
#   flock /tmp/tracecmd-record.lock env TC_KALLSYMS=<trimmed kallsyms> unshare -m \
#     ../shared/recording/tcwrap.sh trace-cmd record -e sched -e irq -e timer \
#     ../shared/recording/workload.sh
# (../shared: the directory shared next to the repository, run from the repository's root)
set -euo pipefail
cd "$(dirname "$0")/../.."
D=Tests/Fixtures/filter
X=$(mktemp -d)
trap 'rm -rf "$X"' EXIT
cc -O1 -Wall -o "$X/filter-extract" scripts/golden/filter-extract.c $(pkg-config --cflags --libs libtracecmd)

for trace in trace kstack; do
T=$D/$trace.dat
"$X/filter-extract" "$T" > "$D/$trace.records.tsv"
rm -rf "$D/kept/$trace"; mkdir -p "$D/kept/$trace"
grep -v '^#' "$D/$trace.cases.tsv" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	IFS=$'\t' read -r -a f <<< "$line"
	name=${f[0]}
	pos=(); neg=()
	for a in "${f[@]:1}"; do
		case "$a" in
		F:*) pos+=(-F "${a#F:}");;
		V:*) neg+=(-F "${a#V:}");;
		esac
	done
	args=("${pos[@]}")
	if [ ${#neg[@]} -gt 0 ]; then args+=(-v "${neg[@]}"); fi
	trace-cmd report -t "${args[@]}" "$T" 2>/dev/null |
		python3 -c '
import re, sys
# Map each kept line ("[cpu] sec.nsec:") to the index of its record among the R lines of
# records.tsv (iteration order), and write the indices as ranges: "0-5,7,9-20".
recs = {}
for i, l in enumerate(x for x in open(sys.argv[1]) if x.startswith("R\t")):
    f = l.split("\t")
    recs.setdefault((int(f[1]), int(f[2])), []).append(i)
kept = []
for l in sys.stdin:
    m = re.search(r"\[(\d+)\]\s+(\d+)\.(\d{9}):", l)
    if m:
        key = (int(m.group(1)), int(m.group(2)) * 1000000000 + int(m.group(3)))
        kept.append(recs[key].pop(0))
kept.sort()
out = []
for k in kept:
    if out and out[-1][1] == k - 1:
        out[-1][1] = k
    else:
        out.append([k, k])
print(",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in out))
' "$D/$trace.records.tsv" > "$D/kept/$trace/$name.txt"
done
done

T=$D/trace.dat
: > "$D/parse.golden"
grep -v '^#' "$D/parse-cases.txt" | while IFS= read -r line; do
	set +e
	out=$(trace-cmd report -T -F "$line" "$T" 2>&1)
	rc=$?
	set -e
	{
		printf '### %s\n' "$line"
		printf 'rc=%d\n' "$rc"
		[ -z "$out" ] || printf '%s\n' "$out"
	} >> "$D/parse.golden"
done
