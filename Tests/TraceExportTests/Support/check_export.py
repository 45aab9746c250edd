#!/usr/bin/env python3
"""Checks a Parquet or SQLite export of a trace-cmd session against the reference.

Usage: check_export.py parquet|sqlite OUT [--ref=ARG...] FILE [FILE...]   (run in the files' directory)

The reference is `trace-cmd report -R -t -i FILE ...` (raw fields, nanosecond times): its
lines are counted per file (peer) and event name, and every exported row (up to SAMPLE per
table and peer, spread evenly) is compared with its report line: common_ts (host clock, ns),
common_cpu, common_pid and every field written as name=value.

Parquet: every file is read by pyarrow, duckdb and polars (row counts must agree).
SQLite: the `sqlite3` CLI runs PRAGMA integrity_check and the counts; rows are read with
Python's sqlite3 module.

Prints one JSON object with the results.
"""
import json, re, subprocess, sys, os, glob

SAMPLE = 20000
kind, out = sys.argv[1], sys.argv[2]
# --ref=ARG: passed on to trace-cmd report (the same selection as the export's).
ref_args = [a[len("--ref="):] for a in sys.argv[3:] if a.startswith("--ref=")]
files = [a for a in sys.argv[3:] if not a.startswith("--ref=")]

# --- the reference ------------------------------------------------------------------------
cmd = ["trace-cmd", "report", "-R", "-t"] + ref_args + [x for f in files for x in ("-i", f)]
text = subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout
prefix = ""
if len(files) > 1:
    prefix = r"(?P<file>" + "|".join(re.escape(f) for f in files) + r"):\s+"
line_re = re.compile(r"^\s*" + prefix + r"\s*(?P<comm>.*?)-(?P<pid>-?\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<ts>\d+)\.(?P<frac>\d+):\s+(?P<name>[^\s:]+):\s?(?P<rest>.*)$")
ref = {}  # (peer, name) -> list of (ts, cpu, pid, rest)
for line in text.split("\n"):
    m = line_re.match(line)
    if not m:
        continue
    peer = files.index(m.group("file")) if len(files) > 1 else 0
    frac = m.group("frac")
    ts = int(m.group("ts")) * 10**9 + int(frac.ljust(9, "0")[:9])
    ref.setdefault((peer, m.group("name")), []).append((ts, int(m.group("cpu")), int(m.group("pid")), m.group("rest")))

# --- the export ---------------------------------------------------------------------------
result = {"kind": kind, "tables": 0, "rows": 0, "compared_rows": 0, "compared_fields": 0, "skipped_fields": 0,
          "mismatches": [], "count_mismatches": [], "reader_mismatches": [], "errors": []}
got_counts = {}  # (peer, name) -> count
tables = []      # (name, columns[(name, type, bits, signed)], rows_by_peer)


def note(lst, item):
    if len(lst) < 30:
        lst.append(item)


if kind == "parquet":
    import pyarrow.parquet as pq, pyarrow as pa, duckdb, polars as pl
    paths = sorted(glob.glob(os.path.join(out, "*.parquet")))
    session_paths = sorted(glob.glob(os.path.join(out, "session", "*.parquet")))
    for path in paths + session_paths:
        try:
            t = pq.read_table(path)
            d = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
            p = pl.read_parquet(path)
            if not (t.num_rows == d == p.height):
                note(result["reader_mismatches"], [path, t.num_rows, d, p.height])
            if t.num_rows and "common_ts" in t.column_names:
                s1 = pa.compute.sum(t["common_ts"]).as_py()
                s2 = int(duckdb.sql(f"select sum(common_ts) from read_parquet('{path}')").fetchall()[0][0])
                s3 = int(p["common_ts"].sum())
                if not (s1 == s2 == s3):
                    note(result["reader_mismatches"], [path, "sum(common_ts)", s1, s2, s3])
        except Exception as e:  # a file a reader refuses
            note(result["errors"], f"{path}: {type(e).__name__}: {e}")
            continue
        if path in session_paths:
            result.setdefault("session_tables", {})[os.path.basename(path)] = t.to_pylist()
            continue
        meta = {k.decode(): v.decode() for k, v in (t.schema.metadata or {}).items()}
        name = meta.get("trace-cmd.event", "").split(":")[-1]
        cols = []
        for f in t.schema:
            ty = f.type
            if pa.types.is_list(ty):
                ty = ty.value_type
                cols.append((f.name, "list", ty.bit_width, pa.types.is_signed_integer(ty)))
            elif pa.types.is_integer(ty):
                cols.append((f.name, "int", ty.bit_width, pa.types.is_signed_integer(ty)))
            elif pa.types.is_string(ty) or pa.types.is_large_string(ty):
                cols.append((f.name, "string", 0, False))
            else:
                cols.append((f.name, "binary", 0, False))
        rows = t.to_pylist()
        by_peer = {}
        for r in rows:
            by_peer.setdefault(r["peer"], []).append(r)
        tables.append((name, cols, by_peer))
else:
    import sqlite3
    ic = subprocess.run(["sqlite3", out, "PRAGMA integrity_check;"], capture_output=True, text=True)
    result["integrity"] = ic.stdout.strip()
    db = sqlite3.connect(out)
    names = [r[0] for r in db.execute("select name, event from export_tables order by name")]
    for tname in names:
        event = db.execute("select event from export_tables where name = ?", (tname,)).fetchone()[0]
        cli = subprocess.run(["sqlite3", "-separator", " ", out, f'select peer, count(*) from "{tname}" group by peer;'],
                             capture_output=True, text=True).stdout.split()
        cli_counts = {int(cli[i]): int(cli[i + 1]) for i in range(0, len(cli), 2)}
        info = db.execute("select column, type, bits, signed from export_columns where tbl = ? order by position",
                          (tname,)).fetchall()
        cols = [(c, ty, bits, bool(s)) for c, ty, bits, s in info]
        cur = db.execute(f'select * from "{tname}" order by rowid')
        names_ = [d[0] for d in cur.description]
        by_peer = {}
        for r in cur:
            row = dict(zip(names_, r))
            for c, ty, bits, s in cols:
                if ty == "list" and row[c] is not None:
                    row[c] = json.loads(row[c])
                elif ty == "int" and row[c] is not None and not s and row[c] < 0:
                    row[c] += 1 << 64
            by_peer.setdefault(row["peer"], []).append(row)
        if {p: len(v) for p, v in by_peer.items()} != cli_counts:
            note(result["reader_mismatches"], [tname, cli_counts, {p: len(v) for p, v in by_peer.items()}])
        tables.append((event.split(":")[-1], cols, by_peer))
    for t in ("peers", "guests", "vcpus", "time_sync"):
        cur = db.execute(f"select * from {t}")
        names_ = [d[0] for d in cur.description]
        result.setdefault("session_tables", {})[t + ".parquet"] = [dict(zip(names_, r)) for r in cur]


# --- comparison ---------------------------------------------------------------------------
def parse_int(tok):
    vals = []
    # The raw report prints a field with its print format's conversion when it has one
    # (%d, %x, %lx, %o, %03d...): every base that reads the token is a candidate.
    for base, s in ((10, tok), (16, tok[2:] if tok.lower().startswith("0x") else tok), (8, tok)):
        try:
            vals.append(int(s, base))
        except ValueError:
            pass
    return vals


def compare_field(col, value, tok):
    name, ty, bits, signed = col
    if value is None:
        return None
    if ty == "int":
        vals = parse_int(tok)
        if not vals:
            return None  # a symbol (func+0x10) or a flag name: not a number to compare
        mask = (1 << bits) - 1
        return any((v & mask) == (value & mask) for v in vals)
    if ty == "string":
        if "\n" in value or tok.endswith("\\n"):
            return None
        return tok.rstrip(" ") == value.rstrip(" ")
    m = re.fullmatch(r"ARRAY\[(.*)\]", tok.strip())
    if not m:
        return None
    raw = bytes(int(x, 16) for x in m.group(1).split(", ") if x)
    if ty == "binary":
        return raw == value
    size = bits // 8
    if len(raw) == len(value) * size:
        mask = (1 << bits) - 1
        return raw == b"".join((v & mask).to_bytes(size, "little") for v in value)
    # a cpumask: the CPU numbers of the set bits
    return [i for i in range(len(raw) * 8) if raw[i // 8] >> (i % 8) & 1] == value


for name, cols, by_peer in tables:
    result["tables"] += 1
    fields = [c for c in cols if c[0] not in ("common_ts", "common_cpu", "common_pid", "peer", "common_peer")]
    for peer, rows in by_peer.items():
        result["rows"] += len(rows)
        got_counts[(peer, name)] = got_counts.get((peer, name), 0) + len(rows)
        lines = ref.get((peer, name), [])
        if len(lines) != len(rows):
            continue
        step = max(1, len(rows) // SAMPLE)
        for k in sorted(set(range(0, len(rows), step)) | {len(rows) - 1}):
            r, (ts, cpu, pid, rest) = rows[k], lines[k]
            result["compared_rows"] += 1
            for what, a, b in (("common_ts", r["common_ts"], ts), ("common_cpu", r["common_cpu"], cpu),
                               ("common_pid", r["common_pid"], pid)):
                result["compared_fields"] += 1
                if a != b:
                    note(result["mismatches"], [name, peer, k, what, a, b])
            # name=value pairs in format order; a value runs to the next " name=".
            pos = 0
            starts = []
            for c in fields:
                key = c[0] + "="
                i = rest.find(key, pos) if not starts else rest.find(" " + key, pos)
                if i < 0:
                    starts = None
                    break
                if starts:
                    i += 1
                starts.append(i)
                pos = i + len(key)
            if starts is None:
                result["skipped_fields"] += len(fields)
                continue
            for j, c in enumerate(fields):
                end = starts[j + 1] - 1 if j + 1 < len(starts) else len(rest)
                tok = rest[starts[j] + len(c[0]) + 1:end]
                ok = compare_field(c, r[c[0]], tok)
                if ok is None:
                    result["skipped_fields"] += 1
                else:
                    result["compared_fields"] += 1
                    if not ok:
                        note(result["mismatches"], [name, peer, k, c[0], r[c[0]], tok])

ref_counts = {k: len(v) for k, v in ref.items()}
for k in sorted(set(ref_counts) | set(got_counts)):
    if ref_counts.get(k, 0) != got_counts.get(k, 0):
        note(result["count_mismatches"], [k[0], k[1], ref_counts.get(k, 0), got_counts.get(k, 0)])
result["reference_events"] = sum(ref_counts.values())
print(json.dumps(result, default=str))
