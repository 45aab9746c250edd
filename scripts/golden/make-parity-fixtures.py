#!/usr/bin/env python3
"""Makes the byte-edited copies of real v6 recordings in Tests/Fixtures/parity (issue 15's
parity classes 2-5) from Tests/Fixtures/v6.dat (recorded by the reference trace-cmd 3.1.6 with
--file-version 6). Deterministic: the same input gives the same bytes. Usage:

    scripts/golden/make-parity-fixtures.py

  v6-stat-offset.dat   CPU 1 has 0 bytes and a stored data offset past the end of the file
  v6-noclock.dat       the TRACECLOCK option's id changed to an unknown id (0x7f00), as a file of
                       an older trace-cmd that stored no trace clock (the bytes stay in place)
  v6-clocklist.dat     the trace_clock text after the flyrecord CPU offsets is the full clock
                       list with a newline, as trace-cmd 2.9 wrote it (written into the padding
                       before the page-aligned data, so no offset moves)
  v6-truncated.dat     the file cut right after the header's CPU count
"""
import os, struct

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fix = os.path.join(root, "Tests", "Fixtures")
src = open(os.path.join(fix, "v6.dat"), "rb").read()
out_dir = os.path.join(fix, "parity")
os.makedirs(out_dir, exist_ok=True)


def layout(b):
    """Offsets of the v6 header's parts (little-endian files only)."""
    assert b[:3] == b"\x17\x08\x44" and b[3:10] == b"tracing"
    p = b.index(b"\0", 10) + 1
    assert b[p] == 0, "little-endian only"
    p += 1 + 1 + 4
    for tag in (b"header_page\0", b"header_event\0"):
        assert b[p:p + len(tag)] == tag
        p += len(tag)
        n, = struct.unpack_from("<Q", b, p)
        p += 8 + n
    count, = struct.unpack_from("<I", b, p); p += 4
    for _ in range(count):
        n, = struct.unpack_from("<Q", b, p); p += 8 + n
    systems, = struct.unpack_from("<I", b, p); p += 4
    for _ in range(systems):
        p = b.index(b"\0", p) + 1
        events, = struct.unpack_from("<I", b, p); p += 4
        for _ in range(events):
            n, = struct.unpack_from("<Q", b, p); p += 8 + n
    for size in (4, 4, 8):  # kallsyms, printk, saved cmdlines
        n, = struct.unpack_from("<I" if size == 4 else "<Q", b, p); p += size + n
    cpus, = struct.unpack_from("<I", b, p)
    cpu_count_end = p + 4
    p = cpu_count_end
    info = {"cpus": cpus, "cpu_count_end": cpu_count_end, "options": []}
    while True:
        tag = b[p:p + 10]
        if tag == b"options  \0":
            p += 10
            while True:
                oid, = struct.unpack_from("<H", b, p)
                if oid == 0:
                    p += 2
                    break
                size, = struct.unpack_from("<I", b, p + 2)
                info["options"].append((oid, p, size))
                p += 6 + size
        elif tag == b"flyrecord\0":
            p += 10
            info["flyrecord"] = p
            p += 16 * cpus
            info["clock"] = p
            break
        else:
            raise SystemExit("unexpected tag %r at %d" % (tag, p))
    return info


L = layout(src)


def write(name, data):
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
    print(name, len(data), "bytes")


# Class 2: CPU 1 with 0 bytes at a stored offset past the end of the file.
b = bytearray(src)
at = L["flyrecord"] + 16
struct.pack_into("<QQ", b, at, len(src) + 0x12345, 0)
write("v6-stat-offset.dat", bytes(b))

# Class 3: no TRACECLOCK option (id 4 made unknown).
b = bytearray(src)
clock_opts = [o for o in L["options"] if o[0] == 4]
assert clock_opts, "v6.dat has no TRACECLOCK option"
for _, at, _ in clock_opts:
    struct.pack_into("<H", b, at, 0x7f00)
write("v6-noclock.dat", bytes(b))

# Class 4: the stored trace_clock text is the full clock list and a newline (trace-cmd 2.9).
b = bytearray(src)
text = b"[local] global counter uptime perf mono mono_raw boot\n"
at = L["clock"]
first_data = min(struct.unpack_from("<Q", src, L["flyrecord"] + 16 * i)[0] for i in range(L["cpus"]))
assert at + 8 + len(text) <= first_data and not any(src[at + 8 + 16:first_data]), "no room before the data"
struct.pack_into("<Q", b, at, len(text))
b[at + 8:at + 8 + len(text)] = text
write("v6-clocklist.dat", bytes(b))

# Class 5: cut right after the CPU count.
write("v6-truncated.dat", src[:L["cpu_count_end"]])

# A host whose GUEST entry has an empty name: session-1guest/trace.dat (v7, options not
# compressed) with the GUEST option's name cut to "" and the rest of its payload moved up
# (zero bytes fill the end; the option keeps its size, so nothing else moves).
host = bytearray(open(os.path.join(fix, "session-1guest", "trace.dat"), "rb").read())
name = b"guest1.vm\0"
at = host.index(name)
oid, size = struct.unpack_from("<HI", host, at - 6)
assert oid == 13 and host.count(name) == 1, "GUEST option not found"
payload = bytes(host[at:at + size])
rest = payload[len(name):]
host[at:at + size] = (b"\0" + rest).ljust(size, b"\0")
write("guest-noname.dat", bytes(host))
