#!/bin/bash
# Regenerates the golden outputs of the variants from ../ptp-consistent (see README.md).
# usage: run.sh [variant...]   (needs trace-cmd 3.1.6; writes patched copies to a temp dir)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=$HERE/../ptp-consistent
TMP=$(mktemp -d)
cd "$HERE"
names=("$@"); [ ${#names[@]} -gt 0 ] || names=($(ls *.json | sed 's/\.json$//'))
for n in "${names[@]}"; do
  python3 ../patch_options.py "$BASE/guest.dat" "$n.json" "$TMP/$n.dat" || { echo "patch $n failed"; continue; }
  args=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("reportArgs", [])))' "$n.json")
  cp "$BASE/host.dat" "$TMP/host.dat"
  ( cd "$TMP" && trace-cmd report -t -i host.dat -i "$n.dat" $args > out.txt 2> err.txt; echo "rc=$?" > rc.txt )
  if grep -q "^ *$n.dat:" "$TMP/out.txt"; then
    grep "^ *$n.dat:" "$TMP/out.txt" > "$n.report-t-multi.txt"
    rm -f "$n.report-error.txt"
  else
    { cat "$TMP/rc.txt"; echo "stdout lines: $(wc -l < "$TMP/out.txt")"; cat "$TMP/err.txt"; } > "$n.report-error.txt"
    rm -f "$n.report-t-multi.txt"
  fi
done
rm -rf "$TMP"
