#!/bin/bash
# check-golden.sh - regenerate the golden data from the installed reference into a temporary
# directory and compare it with the committed Tests/Fixtures/golden. Exits non-zero when the
# installed reference does not reproduce the committed data (or cannot run).
# Needs trace-cmd, libtracecmd-dev, gcc, pkg-config.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/check-golden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
"$REPO/scripts/make-golden.sh" --out "$TMP/golden" 2>"$TMP/make.log" || { cat "$TMP/make.log" >&2; echo "make-golden.sh failed" >&2; exit 2; }
if diff -r "$REPO/Tests/Fixtures/golden" "$TMP/golden" > "$TMP/diff.txt"; then
	echo "golden data reproduced ($(($(wc -l < "$REPO/Tests/Fixtures/golden/manifest.tsv") - 1)) commands)"
	exit 0
fi
echo "golden data differ from the installed reference:" >&2
head -100 "$TMP/diff.txt" >&2
exit 1
