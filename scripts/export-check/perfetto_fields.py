#!/usr/bin/env python3
"""Checks field numbers against Perfetto's protos (the perfetto package's perfetto_trace_pb2).

Reads JSON from stdin: a list of {"path": ["TracePacket", "ftrace_events", ...], "number": N,
"kind": "string" | "number" | "message" | "fixed64" | "double" | null}. The first element names
a message of perfetto.protos, each next one a field (descending into its message type). Prints
one line per mismatch; exit status 0 when every entry matches.
"""
import json
import sys

from google.protobuf.descriptor import FieldDescriptor as FD
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

VARINT = {FD.TYPE_INT32, FD.TYPE_INT64, FD.TYPE_UINT32, FD.TYPE_UINT64, FD.TYPE_BOOL, FD.TYPE_ENUM}


def message(name):
    if "." in name:
        outer, inner = name.split(".", 1)
        d = pb.DESCRIPTOR.message_types_by_name[outer]
        for part in inner.split("."):
            d = d.nested_types_by_name[part]
        return d
    return pb.DESCRIPTOR.message_types_by_name[name]


bad = 0
for entry in json.load(sys.stdin):
    path = entry["path"]
    try:
        d = message(path[0])
        f = None
        for step in path[1:]:
            if f is not None:
                d = f.message_type
            f = d.fields_by_name[step]
    except (KeyError, AttributeError) as e:
        print(f"{'.'.join(path)}: not found ({e})")
        bad += 1
        continue
    kind = entry.get("kind")
    ok = f.number == entry["number"]
    if kind == "string":
        ok = ok and f.type == FD.TYPE_STRING
    elif kind == "number":
        ok = ok and f.type in VARINT
    elif kind == "message":
        ok = ok and f.type == FD.TYPE_MESSAGE
    elif kind == "fixed64":
        ok = ok and f.type == FD.TYPE_FIXED64
    elif kind == "double":
        ok = ok and f.type == FD.TYPE_DOUBLE
    if not ok:
        print(f"{'.'.join(path)}: ours {entry['number']} {kind}, perfetto {f.number} type {f.type}")
        bad += 1
sys.exit(1 if bad else 0)
