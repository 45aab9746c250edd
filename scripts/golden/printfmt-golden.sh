#!/bin/sh
# printfmt-golden.sh [-R] TRACE.DAT OUT [MAX_PER_EVENT]
# Golden data for the print-format engine tests (Tests/Fixtures/printfmt/):
# the records of TRACE.DAT as the reference libtraceevent prints them with plugins
# disabled (`trace-cmd report -N`), at most MAX_PER_EVENT (default 40) per event
# type, plus the format file of every event type present, copied from this
# machine's tracefs (the same kernel that recorded the file).
# Output lines:  L <long size>
#                F <system>/<name>  followed by the format text, ended by a line "."
#                R <system>/<name> <payload hex> <reference text, escaped \\ \n \t \xNN>
#                S <start hex> <size hex> <symbol>
#                P <address hex> <printk string>
set -e
RAW=
if [ "$1" = "-R" ]; then RAW=-R; shift; fi   # texts of `trace-cmd report -R` (raw fields)
TRACE=$1; OUT=$2; MAX=${3:-40}
D=$(dirname "$0")
X=${TMPDIR:-/tmp}/printfmt-extract.$$
cc -O1 -o "$X" "$D/printfmt-extract.c" $(pkg-config --cflags --libs libtracecmd)
"$X" $RAW "$TRACE" > "$OUT.raw"
rm -f "$X"
T=/sys/kernel/tracing/events
{
	grep '^L ' "$OUT.raw"
	for e in $(awk '$1=="R"{print $2}' "$OUT.raw" | sort -u); do
		echo "F $e"
		cat "$T/$e/format"
		echo "."
	done
	awk -v max="$MAX" '$1=="R" { if (++n[$2] <= max) print }' "$OUT.raw"
	grep '^S ' "$OUT.raw"
	grep '^P ' "$OUT.raw" || true
} > "$OUT"
rm -f "$OUT.raw"
