"""Export benchmarks for scripts/bench: `tracecmd export parquet` of the big bench files.

For the v6 and the v7 zstd file, N runs each (alternating): wall and CPU time (user + sys),
events/s and peak RSS (/usr/bin/time -v, "Maximum resident set size"); the rows written are
counted from the Parquet footers (pyarrow) and must equal the records of the file. Then RSS
against trace size: the v6 file exported with --end at 1/8, 1/4, 1/2 and all of its time span.
Returns Markdown.
"""
import glob, os, re, shutil, statistics, subprocess, tempfile, time


def timed_v(cmd, env):
    """Runs cmd under /usr/bin/time -v; returns (wall s, cpu s, peak RSS KiB)."""
    with tempfile.NamedTemporaryFile("r") as tf:
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode(errors='replace')}")
        text = tf.read()
    user = float(re.search(r"User time \(seconds\): ([0-9.]+)", text).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([0-9.]+)", text).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return wall, user + sys_, rss


def parquet_rows(out):
    """Rows in every event file of a Parquet export and its time span (from the footers)."""
    import pyarrow.parquet as pq
    rows, lo, hi = 0, None, None
    for f in glob.glob(os.path.join(out, "*.parquet")):
        m = pq.ParquetFile(f).metadata
        rows += m.num_rows
        for g in range(m.num_row_groups):
            s = m.row_group(g).column(0).statistics
            if s is not None and s.has_min_max:
                lo = s.min if lo is None else min(lo, s.min)
                hi = s.max if hi is None else max(hi, s.max)
    return rows, lo, hi


def run(binary, files, runs, env, log, records=None):
    """files: [(tag, path)]; records: {tag: record count} to check the rows against."""
    out_dir = tempfile.mkdtemp(prefix="tracecmd-export-bench-")
    out = os.path.join(out_dir, "pq")
    md = ["| file | events | wall | events/s (wall) | CPU | events/s (CPU) | output | peak RSS |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    span = None
    try:
        for tag, path in files:
            xs = []
            for i in range(runs):
                log(f"  export parquet {tag}: run {i + 1}/{runs}")
                shutil.rmtree(out, ignore_errors=True)
                xs.append(timed_v([binary, "export", "parquet", "-i", path, "-o", out, "--no-progress"], env))
            rows, lo, hi = parquet_rows(out)
            if records and tag in records and records[tag] != rows:
                raise SystemExit(f"export parquet {tag}: {rows} rows, the file has {records[tag]} records")
            if tag == files[0][0]:
                span = (lo, hi)
            size = sum(os.path.getsize(f) for f in glob.glob(os.path.join(out, "**", "*.parquet"), recursive=True))
            w = statistics.median(x[0] for x in xs)
            c = statistics.median(x[1] for x in xs)
            m = max(x[2] for x in xs)
            md.append(f"| {tag} | {rows:,} | {w:.2f} s | **{rows / w:,.0f}** | {c:.2f} s | {rows / max(c, 0.005):,.0f} | "
                      f"{size / 1e6:.0f} MB | {m / 1024:.0f} MiB |")
        md += ["", "Peak RSS against the exported share of the first file (`--end` at a fraction of its time span):", "",
               "| share | events | wall | peak RSS |", "|---|---:|---:|---:|"]
        tag, path = files[0]
        lo, hi = span
        for share in (0.125, 0.25, 0.5, 1.0):
            shutil.rmtree(out, ignore_errors=True)
            end = (lo + (hi - lo) * share) / 1e9
            log(f"  export parquet {tag} up to {share:.3f} of its span")
            w, c, m = timed_v([binary, "export", "parquet", "-i", path, "-o", out, "--no-progress", "--end", f"{end:.9f}"], env)
            rows, _, _ = parquet_rows(out)
            md.append(f"| {share:g} | {rows:,} | {w:.2f} s | {m / 1024:.0f} MiB |")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return md
