#!/bin/bash
# make_session_fixture.sh SRC_DIR GUEST_FILE DEST [LIMIT] [NOHOST]
# Copies a host-guest.sh session into a fixture folder with the reference outputs (see README.md).
set -e
src=$1 g=$2 dst=$3 lim=${4:-0} nohost=${5:-}
mkdir -p "$dst"
cp "$src/$g" "$dst/guest.dat"
[ -z "$nohost" ] && cp "$src/trace.dat" "$dst/host.dat"
python3 - "$src/$g" "$dst/timeshift.bin" "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import sys; sys.path.insert(0, sys.argv[3]); import extract_timeshift as ts
p = ts.payload(sys.argv[1]); open(sys.argv[2], 'wb').write(p)
PY
( cd "$src" && trace-cmd dump --options "$g" ) > "$dst/dump-options.txt" 2>&1 || true
( cd "$src" && trace-cmd dump --options trace.dat ) 2>/dev/null | grep -A1 "Option TRACEID" | tail -1 > "$dst/host-traceid.txt"
lim_cpu() { if [ "$lim" -gt 0 ]; then awk -v L="$lim" '{ if (match($0, /\[[0-9][0-9][0-9]\]/)) { c=substr($0,RSTART,RLENGTH); if (++n[c] <= L) print } else print }'; else cat; fi; }
( cd "$src" && trace-cmd report -t -i trace.dat -i "$g" ) 2>&1 | grep "^ *$g:" | lim_cpu > "$dst/report-t-multi.txt"
( cd "$src" && trace-cmd report --raw-ts -i "$g" ) 2>&1 | lim_cpu > "$dst/report-raw.txt"
wc -l "$dst"/*.txt
