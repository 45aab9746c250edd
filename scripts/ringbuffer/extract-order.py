#!/usr/bin/env python3
"""extract-order.py - reduce `trace-cmd report -t` output to the record order it shows.

Reads the report on stdin; writes one line per record, "BUF CPU DTS PID" (BUF is "-" for the
top-level buffer, else the instance name; DTS is the timestamp minus the previous record's
timestamp, the first one absolute; it may be negative), and one line "D BUF CPU N" per
"CPU:N [.. EVENTS DROPPED]" line (N = the count, or -1 for "[EVENTS DROPPED]").
Arguments: the instance names of the file (report prefixes their lines with "NAME: ";
a DROPPED line carries the prefix, the record line after it does not).
"""
import re
import sys

names = sys.argv[1:]
drop = re.compile(r'CPU:(\d+) \[(?:(\d+) )?EVENTS DROPPED\]$')
rec = re.compile(r'-(-?\d+)\s+\[(\d+)\]\s+(\d+)(?:\.(\d{9}))?:')
pending = None
last = 0
for line in sys.stdin:
    line = line.rstrip('\n')
    if line.startswith('cpus=') or line.startswith('version ='):
        continue
    buf = '-'
    body = line.lstrip()
    for n in names:
        if body.startswith(n + ': '):
            buf = n
            body = body[len(n) + 2:]
            break
    m = drop.search(body)
    if m and not rec.search(body):
        print('D %s %s %s' % (buf, m.group(1), m.group(2) or '-1'))
        pending = buf
        continue
    m = rec.search(body)
    if not m:
        continue
    if pending is not None:
        buf = pending
        pending = None
    ts = int(m.group(3)) * 1000000000 + int(m.group(4)) if m.group(4) else int(m.group(3))
    print('%s %d %d %s' % (buf, int(m.group(2)), ts - last, m.group(1)))
    last = ts
