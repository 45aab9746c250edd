#!/usr/bin/env python3
"""Reads a Perfetto trace with Python protobuf and the perfetto package's perfetto_trace_pb2
(the real consumer of the format) and prints what the Swift tests compare with the reference
report, as JSON:

  unknown: paths of every message (walked recursively) that holds fields the protos do not
           define, and of parse failures
  machines: {machine_id: {name, utsname machine, num_cpus}}
  cpus: {"machine:cpu": {events: [[ts, name], ...] (every FtraceEvent and every CompactSched
         entry; name: the typed event's name, the generic event's event_name, sched_switch,
         sched_waking), switches: [[ts, prev_state, next_pid, next_prio, next_comm], ...] in
         order (CompactSched, and generic sched_switch events of instance buffers),
         lost_bundles: n}}
  generic_fields: {event name: sorted field names}  (of GenericFtraceEvents)
  threads: {"machine:tid": name}, processes: {"machine:pid": cmdline}  (ProcessTree)
  stats: {"machine:cpu": {overrun, ...}}  (FtraceStats END_OF_TRACE)
  tracks: [{machine, uuid, name}]  (TrackDescriptors)
  track_events: [{machine, ts, type, track, name, flows, annotations}]
  values (with --values): ["machine:cpu", ts, name, [[field, value], ...]] for every
         FtraceEvent (typed: the message's set fields by name, repeated ones as lists;
         generic: each field's name and str/int/uint value)
Usage: perfetto_dump.py FILE.pftrace [--values]
"""
import json
import sys

from google.protobuf import unknown_fields
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb


def walk(m, path, unknown):
    if len(unknown_fields.UnknownFieldSet(m)):
        unknown.append(path)
    for fd, v in m.ListFields():
        if fd.message_type is None:
            continue
        if fd.is_repeated:
            for i, x in enumerate(v):
                walk(x, f"{path}.{fd.name}[{i}]", unknown)
        else:
            walk(v, f"{path}.{fd.name}", unknown)


def main():
    data = open(sys.argv[1], "rb").read()
    trace = pb.Trace()
    out = {"unknown": [], "machines": {}, "cpus": {}, "generic_fields": {}, "threads": {}, "stats": {},
           "tracks": [], "track_events": [], "packets": 0, "values": [], "processes": {}}
    values = "--values" in sys.argv
    try:
        trace.ParseFromString(data)
    except Exception as e:  # a file the protos cannot read
        out["unknown"].append(f"parse: {e}")
        print(json.dumps(out))
        return
    walk(trace, "trace", out["unknown"])
    out["packets"] = len(trace.packet)
    typed_name = {}
    for p in trace.packet:
        mid = p.machine_id
        kind = p.WhichOneof("data")
        if kind == "system_info":
            si = p.system_info
            out["machines"][str(mid)] = {"name": si.machine_name, "machine": si.utsname.machine,
                                         "num_cpus": si.num_cpus}
        elif kind == "process_tree":
            for t in p.process_tree.threads:
                out["threads"][f"{mid}:{t.tid}"] = t.name
            for pr in p.process_tree.processes:
                out["processes"][f"{mid}:{pr.pid}"] = list(pr.cmdline)
        elif kind == "ftrace_stats":
            for c in p.ftrace_stats.cpu_stats:
                out["stats"][f"{mid}:{c.cpu}"] = {f.name: v for f, v in c.ListFields()}
        elif kind == "track_descriptor":
            d = p.track_descriptor
            out["tracks"].append({"machine": mid, "uuid": d.uuid, "name": d.name, "description": d.description})
        elif kind == "track_event":
            e = p.track_event
            ann = {}
            for a in e.debug_annotations:
                ann[a.name] = a.string_value if a.HasField("string_value") else a.int_value
            out["track_events"].append({"machine": mid, "ts": p.timestamp, "type": e.type, "track": e.track_uuid,
                                        "name": e.name, "flows": list(e.flow_ids), "annotations": ann})
        elif kind == "ftrace_events":
            b = p.ftrace_events
            key = f"{mid}:{b.cpu}"
            cpu = out["cpus"].setdefault(key, {"events": [], "switches": [], "lost_bundles": 0})
            if b.lost_events:
                cpu["lost_bundles"] += 1
            for ev in b.event:
                which = ev.WhichOneof("event")
                if which == "generic":
                    name = ev.generic.event_name
                    fields = sorted(f.name for f in ev.generic.field)
                    out["generic_fields"].setdefault(name, fields)
                    gv = {f.name: getattr(f, f.WhichOneof("value")) for f in ev.generic.field if f.WhichOneof("value")}
                    if name == "sched_switch":  # an instance buffer's switch, written generic
                        cpu["switches"].append([ev.timestamp, gv.get("prev_state", 0), gv.get("next_pid", 0),
                                                gv.get("next_prio", 0), gv.get("next_comm", "")])
                    if values:
                        vals = [[f.name, getattr(f, f.WhichOneof("value"))] for f in ev.generic.field
                                if f.WhichOneof("value")]
                        out["values"].append([key, ev.timestamp, name, vals])
                else:
                    name = which
                    if values:
                        msg = getattr(ev, which)
                        vals = [[fd.name, list(v) if fd.is_repeated else v] for fd, v in msg.ListFields()]
                        out["values"].append([key, ev.timestamp, name, vals])
                cpu["events"].append([ev.timestamp, name])
            cs = b.compact_sched
            ts = 0
            for i, d in enumerate(cs.switch_timestamp):
                ts = (ts + d) % (1 << 64)
                cpu["events"].append([ts, "sched_switch"])
                cpu["switches"].append([ts, cs.switch_prev_state[i], cs.switch_next_pid[i], cs.switch_next_prio[i],
                                        cs.intern_table[cs.switch_next_comm_index[i]]])
            ts = 0
            for d in cs.waking_timestamp:
                ts = (ts + d) % (1 << 64)
                cpu["events"].append([ts, "sched_waking"])
    print(json.dumps(out))


main()
