#!/usr/bin/env python3
# extract the TIME_SHIFT (id 12) payload from a v7 trace-cmd file, given the options section offset
# printed by `trace-cmd dump --options`; classify consistency.
import struct, sys, subprocess, re
def payload(path):
    out = subprocess.run(['trace-cmd','dump','--options',path],capture_output=True,text=True).stdout
    d = open(path,'rb').read()
    secs = [int(m.group(1)) for m in re.finditer(r'Section 0 @ (\d+): "options", flags 0x0', out)]
    for s in secs:
        sid, flags, strid, size = struct.unpack_from('<HHIQ', d, s)
        o = s + 16; end = o + size
        while o + 6 <= end:
            oid, sz = struct.unpack_from('<HI', d, o)
            if oid == 12: return d[o+6:o+6+sz]
            o += 6 + sz
    return None
def classify(p):
    tid, flags, ncpu = struct.unpack_from('<QII', p, 0)
    # true layout: parse with real per-cpu counts? counts all equal last; try reading
    o = 16; cnts = []
    ok = True
    for c in range(ncpu):
        if o + 4 > len(p): ok = False; break
        n = struct.unpack_from('<i', p, o)[0]; o += 4
        if n < 0 or o + 24*n > len(p): ok = False; break
        cnts.append(n); o += 24*n
    rest = len(p) - o
    need = sum(cnts)*8
    return dict(ncpu=ncpu, counts=cnts, parse_ok=ok, rest=rest, frac_need=need, consistent=ok and rest in (0, need))
if __name__ == '__main__':
    for f in sys.argv[1:]:
        p = payload(f)
        print(f, len(p) if p else None, classify(p) if p else 'no TIME_SHIFT')
