#!/usr/bin/env python3
"""Streams a (large) Perfetto trace packet by packet with Python protobuf and the perfetto
package's perfetto_trace_pb2, and prints the number of ftrace events it holds (FtraceEvents and
CompactSched entries) as `events N`, and `unknown N`: the number of packets with fields the
protos do not define (every packet is checked at its top level; each --deep-every'th packet
recursively). Usage: perfetto_count.py FILE [--deep-every K]
"""
import sys

from google.protobuf import unknown_fields
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb


def varint(b, i):
    v = s = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return v, i


def has_unknown(m):
    if len(unknown_fields.UnknownFieldSet(m)):
        return True
    for fd, v in m.ListFields():
        if fd.message_type is None:
            continue
        for x in (v if fd.is_repeated else [v]):
            if has_unknown(x):
                return True
    return False


path = sys.argv[1]
deep = int(sys.argv[sys.argv.index("--deep-every") + 1]) if "--deep-every" in sys.argv else 50
data = memoryview(open(path, "rb").read())
i = n = events = unknown = 0
while i < len(data):
    tag, i = varint(data, i)
    if tag != (1 << 3 | 2):
        print(f"bad tag {tag} at {i}")
        sys.exit(1)
    size, i = varint(data, i)
    p = pb.TracePacket()
    p.ParseFromString(bytes(data[i:i + size]))
    i += size
    n += 1
    if len(unknown_fields.UnknownFieldSet(p)) or (n % deep == 0 and has_unknown(p)):
        unknown += 1
    if p.HasField("ftrace_events"):
        b = p.ftrace_events
        events += len(b.event) + len(b.compact_sched.switch_timestamp) + len(b.compact_sched.waking_timestamp)
print(f"packets {n}")
print(f"events {events}")
print(f"unknown {unknown}")
