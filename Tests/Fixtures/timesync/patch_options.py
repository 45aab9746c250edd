#!/usr/bin/env python3
"""Development oracle for the time-sync tests (not a fixture generator for trace files).

Copies a real guest file recorded by trace-cmd 3.1.6 and rewrites, in place and with the
same size, the payload of its TIME_SHIFT option (and optionally turns its UNAME option into
a TSC2NSEC option and its VERSION option into an OFFSET option), following a variant
description in JSON. The reference (`trace-cmd report -t -i host.dat -i patched.dat`) is then
run on the copy; its output is the golden data of the variant. The patched copy itself is
not kept.

usage: patch_options.py GUEST.dat VARIANT.json OUT.dat
"""
import json, re, struct, subprocess, sys

def options(path):
    out = subprocess.run(['trace-cmd', 'dump', '--options', path], capture_output=True, text=True).stdout
    d = open(path, 'rb').read()
    res = []
    for m in re.finditer(r'Section 0 @ (\d+): "options", flags 0x0', out):
        s = int(m.group(1))
        _, _, _, size = struct.unpack_from('<HHIQ', d, s)
        o, end = s + 16, s + 16 + size
        while o + 6 <= end:
            oid, sz = struct.unpack_from('<HI', d, o)
            res.append((oid, o, sz))
            o += 6 + sz
    return res

def timeshift_payload(v):
    cpus = v['cpus']
    out = struct.pack('<QII', int(v['peer'], 0), v['flags'], v.get('cpuCount', len(cpus)))
    for i, samples in enumerate(cpus):
        n = v.get('countOverride', {}).get(str(i), len(samples))
        out += struct.pack('<i', n)
        for k in range(3):
            out += b''.join(struct.pack('<q', int(s[k], 0)) for s in samples)
    if v.get('fractions', True):
        for samples in cpus:
            out += b''.join(struct.pack('<q', int(s[3], 0)) for s in samples)
    out += bytes(v.get('trailing', 0))
    return out

def main():
    src, spec, dst = sys.argv[1:4]
    v = json.load(open(spec))
    d = bytearray(open(src, 'rb').read())
    opts = options(src)
    for oid, o, sz in opts:
        if oid == 12:
            p = timeshift_payload(v)
            assert len(p) == sz, f'TIME_SHIFT payload {len(p)} bytes, option has {sz}'
            d[o + 6:o + 6 + sz] = p
        if oid == 5 and 'tsc2nsec' in v:
            t = v['tsc2nsec']
            p = struct.pack('<IIQ', t['mult'], t['shift'], t['offset'])
            d[o:o + 2] = struct.pack('<H', 14)
            d[o + 6:o + 6 + sz] = p + bytes(sz - len(p))
        if oid == 9 and 'offset' in v:
            s = v['offset'].encode()
            assert len(s) < sz
            d[o:o + 2] = struct.pack('<H', 7)
            d[o + 6:o + 6 + sz] = s + bytes(sz - len(s))
    open(dst, 'wb').write(d)

main()
