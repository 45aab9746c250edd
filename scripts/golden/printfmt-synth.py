#!/usr/bin/env python3
"""printfmt-synth.py: input for printfmt-oracle (see printfmt-oracle.c).

Two kinds of cases, each with seeded random payloads that keep every __data_loc /
__rel_loc descriptor inside the record:
  * real format files of this machine's tracefs for events the recorded fixtures do not
    contain (helpers and conversions that are rare or need hardware), and a sample of
    the others;
  * formats written to probe the print-format grammar (system "synthetic"), all on one
    field layout.
The oracle then prints each payload with the reference libtraceevent; its output is the
golden file Tests/Fixtures/printfmt/synthetic.golden.

Usage: printfmt-synth.py [seed] | printfmt-oracle > synthetic.golden
       PRINTFMT_SAMPLE=60 PRINTFMT_INTERESTING=0 printfmt-synth.py 2 | PRINTFMT_RAW=1 printfmt-oracle > synthetic-raw.golden
(PRINTFMT_SAMPLE: how many other real formats to sample, default 250;
 PRINTFMT_INTERESTING=0: leave out the real formats that use rare helpers.)
"""
import os
import random
import re
import sys

TRACEFS = "/sys/kernel/tracing/events"
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
# PRINTFMT_BIGENDIAN=1: records of a big-endian machine (numbers and __data_loc words).
ORDER = "big" if os.environ.get("PRINTFMT_BIGENDIAN") == "1" else "little"

SYMS = [(0xffffffff81000000 + i * 0x140, n) for i, n in enumerate(
    ["_stext", "do_one_initcall", "update_curr", "tick_sched_timer", "kfree",
     "hrtimer_wakeup", "process_one_work", "__schedule", "ksys_write", "zap_last"])]
PRINTK = [(0xffffffff82800010, "Start context switch"), (0xffffffff82800030, "End context switch")]

COMMON = """\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
"""

LAYOUT = """\tfield:u64 a;\toffset:8;\tsize:8;\tsigned:0;
\tfield:s64 b;\toffset:16;\tsize:8;\tsigned:1;
\tfield:int c;\toffset:24;\tsize:4;\tsigned:1;
\tfield:unsigned int d;\toffset:28;\tsize:4;\tsigned:0;
\tfield:short e;\toffset:32;\tsize:2;\tsigned:1;
\tfield:unsigned char f;\toffset:34;\tsize:1;\tsigned:0;
\tfield:char g;\toffset:35;\tsize:1;\tsigned:1;
\tfield:char name[16];\toffset:36;\tsize:16;\tsigned:0;
\tfield:unsigned long ptr;\toffset:56;\tsize:8;\tsigned:0;
\tfield:__data_loc char[] str;\toffset:64;\tsize:4;\tsigned:0;
\tfield:__data_loc u8[] buf;\toffset:68;\tsize:4;\tsigned:0;
\tfield:u8 mac[6];\toffset:72;\tsize:6;\tsigned:0;
\tfield:u8 ip4[4];\toffset:78;\tsize:4;\tsigned:0;
\tfield:u8 ip6[16];\toffset:82;\tsize:16;\tsigned:0;
\tfield:u8 uuid[16];\toffset:98;\tsize:16;\tsigned:0;
\tfield:u32 arr[4];\toffset:116;\tsize:16;\tsigned:0;
\tfield:__data_loc unsigned long[] mask;\toffset:132;\tsize:4;\tsigned:0;
\tfield:__rel_loc char[] rstr;\toffset:136;\tsize:4;\tsigned:0;
\tfield:const char * fmtp;\toffset:144;\tsize:8;\tsigned:0;
\tfield:u8 sa[28];\toffset:152;\tsize:28;\tsigned:0;
\tfield:long l;\toffset:184;\tsize:8;\tsigned:1;
\tfield:unsigned long ul;\toffset:192;\tsize:8;\tsigned:0;
\tfield:u16 h16;\toffset:200;\tsize:2;\tsigned:0;
\tfield:s8 s8v;\toffset:202;\tsize:1;\tsigned:1;
"""

# Print formats probing the grammar, conversions and helpers (as the kernel would write
# them in a format file).
SYNTH = [
    r'"a=%llu b=%lld c=%d d=%u e=%hd f=%hhu g=%d h16=%hu s8v=%hhd l=%ld ul=%lu", REC->a, REC->b, REC->c, REC->d, REC->e, REC->f, REC->g, REC->h16, REC->s8v, REC->l, REC->ul',
    r'"%x %X %#x %#o %o %08x %-8x| %8.4x %.0d %lx %#llx %016llx %#X %#08x %-#10x|", REC->d, REC->d, REC->d, REC->d, REC->c, REC->c, REC->c, REC->c, REC->f, REC->b, REC->a, REC->a, REC->d, REC->f, REC->e',
    r'"%c|%%|% d|%+d|%5s|%-5s|%.3s|%05d|%-05d|%3.1s|", REC->c, REC->d, REC->name, REC->name, REC->name, REC->e, REC->c, REC->name',
    r'"%s|%s|%s|%10s|%-20s|", REC->name, __get_str(str), __get_rel_str(rstr), __get_str(str), __get_rel_str(rstr)',
    r'"%llu %llu %llu %llu %lld %llu %llu %lld", REC->a - REC->d - 1, REC->a * 2 + 1, REC->a << 3 >> 1, REC->a / 3 + 1, -REC->a, REC->a % 7, ~REC->a, REC->c - REC->e - REC->g',
    r'"%d %d %d %d %d %d %d %d %d", REC->c < 0, REC->b < 0, REC->a == REC->d, REC->a != 0 && REC->c > 0, REC->a || REC->d, !REC->a, !!REC->d, REC->c >= REC->e, REC->f <= 3',
    r'"%s %d %s %lld", REC->c > 0 ? "pos" : "neg", REC->a ? REC->c : REC->d, REC->f & 1 ? __get_str(str) : REC->name, REC->c ? 1 : 2 + 10',
    r'"%llx %llx %llx %d %lld %llx %llx %lld %llx", (u8)REC->a, (u16)REC->a, (u32)REC->a, (int)REC->b, (long)REC->c, (unsigned char)REC->a, (s32)REC->b, (int)REC->c < 0, (unsigned long)REC->e',
    r'"%s %s %s", __print_symbolic(REC->f & 7, { 0, "ZERO" }, { 1, "ONE" }, { 2, "TWO" }, { -1, "NEG" }), __print_symbolic(REC->c, { 0x10, "HEX" }, { 3, "THREE" }, { -1, "MINUS" }), __print_symbolic(REC->g, { TIMER_SOFTIRQ, "T" }, { NET_RX_SOFTIRQ, "R" }, { SOMETHING, "S" })',
    r'"%s|%s|%s|%-6s|", __print_flags(REC->d, "|", { 1, "A" }, { 2, "B" }, { 4, "C" }, { 0x30, "D" }), __print_flags(REC->f, "", { 1, "x" }, { 0x80, "y" }), __print_flags(REC->d & 3, ",", { 0, "NONE" }, { 1, "ONE" }), __print_flags(REC->f & 0xf, " ", { 1, "p" }, { 2, "q" })',
    r'"%s / %s / %s / %s", __print_hex(REC->name, 4), __print_hex_str(__get_dynamic_array(buf), __get_dynamic_array_len(buf)), __print_array(REC->arr, 4, 4), __print_array(__get_dynamic_array(buf), __get_dynamic_array_len(buf), 1)',
    r'"%s / %s / %s", __print_array(REC->arr, 2, 8), __print_array(REC->arr, 3, 2), __print_array(REC->arr, 2, 3)',
    r'"%p %p %pS %ps %pF %pf %pK %pB %p", (void *)REC->a, (void *)0, (void *)REC->ptr, (void *)REC->ptr, (void *)REC->ptr, (void *)REC->ptr, (void *)REC->ptr, (void *)REC->ptr, REC->c',
    r'"%pM %pMR %pm %pMF %pI4 %pi4 %pI6 %pi6 %pI6c %pI4h %pI4l %pI4n", REC->mac, REC->mac, REC->mac, REC->mac, REC->ip4, REC->ip4, REC->ip6, REC->ip6, REC->ip6, REC->ip4, REC->ip4, REC->ip4',
    r'"%pISpc %pISc %pIS %piS %pISp|%pU %pUb %pUL %pUl %pUB", REC->sa, REC->sa, REC->sa, REC->sa, REC->sa, REC->uuid, REC->uuid, REC->uuid, REC->uuid, REC->uuid',
    r'"%*ph|%*phC|%*phD|%*phN|%ph|%pM|%pI4|%pU", 6, __get_dynamic_array(buf), REC->f, __get_dynamic_array(buf), 3, __get_dynamic_array(buf), 100, __get_dynamic_array(buf), __get_dynamic_array(buf), REC->name, REC->c, REC->arr',
    r'"%s [%s] %d", __get_bitmask(mask), __get_cpumask(mask), __get_dynamic_array_len(mask)',
    r'"%d %d %d %d %d %d", sizeof(int), sizeof(long), sizeof(unsigned long long), sizeof(REC->c), sizeof(unsigned), sizeof(REC->a)',
    r'"%*d|%-*d|%.*s|%*s|%0*x|", REC->f & 15, REC->c, 6, REC->e, REC->f & 7, REC->name, 4, "ab", 8, REC->d',
    r'"%llx %d %d %d %d", REC->arr[1], REC->arr[REC->f & 3], (int)REC->name[0], REC->name[1], (u8)REC->arr[0]',
    r'"%s|%s|%d", REC->fmtp, REC->ptr, REC->name',
    r'"%lld %lld %lld %lld %lld %lld", REC->c - REC->e - 1, REC->c * -REC->e, 1 + 2 * 3, REC->c & 0xff == 3, REC->c | REC->e & 1, 10 - 2 - 3',
    r'''"%s %s %d %d %s %s", "lit\"q", "x" "y", 'y', 42, 42, 1 + 2''',
    r'"tab\there\n \\ \" end %d %%d %s", REC->c, __get_str(str)',
    r'"%d %s %d|", REC->nosuch, REC->nosuch, __get_str(str)',
    r'"%d %d|", __print_symbolic(REC->f, { 1, "one" }), __get_str(nosuch)',
    r'"%lu %ld %zu %zd %Lu %llu %hu %hhd %hhx %lld", REC->b, REC->b, REC->b, REC->b, REC->b, REC->b, REC->b, REC->b, REC->b, REC->e',
    r'"%llx %llu", (((u64)(REC)->a << 32) | (REC)->d), (REC)->c',
    r'"%s %lx", __builtin_expect(!!(REC->c > 0), 0) ? "yes" : "no", __builtin_expect(!!((unsigned long)(void *)(REC->ptr) >= (unsigned long)-4095), 0) ? 0 : REC->ptr',
    r'"%d %d %d", (REC->c + 1) * 2, REC->c ^ REC->d, (REC->c ^ 5) + 1',
    r'"%#lo %#.0o %.0x|%.5d|%-+d|", REC->ul, REC->f & 0, REC->f & 0, REC->e, REC->e',
    r'"x=%s y=%d", REC->name',
    r'"x=%d", frobnicate(REC->c)',
    r'"x=%d", REC->c +',
    r'"x=%d %d", REC->c, REC->d, REC->e',
    r'"%**d", 3, 4, REC->c',
    r'"%llllx", REC->a',
    r'"ends with %", REC->c',
    r'"only text"',
    r'"%5p|%-20pS|%010s|", REC->ptr, REC->ptr, REC->name',
    r'"%s", __print_flags(REC->d, "|", { 1, "A" }, { 2 * 1, "B" })',
    r'"%s", __print_symbolic(REC->f, { 1 << 1, "two" }, { (1 << 2) | 1, "five" }, { ~0, "all" }, { -(1), "m1" })',
    r'"%d", REC->c ? REC->d ? 1 : 2 : 3',
    r'"%s", REC->c ? REC->d ? "a" : "b" : "c"',
    r'"%llu %llu", REC->a >> 65, REC->a << 64',
    r'"%*d|%-*d|", REC->f & 15, REC->c, 6, REC->e',
    r'"%.*s|%*s|%0*x|%*lld|", REC->f & 7, REC->name, 4, "ab", 8, REC->d, REC->f & 31, REC->b',
    r'"%s %s", REC->c > 0 ? __print_symbolic(REC->f & 3, { 0, "z" }, { 1, "o" }) : __get_str(str), REC->d & 1 ? "odd" : __print_flags(REC->d, "+", { 2, "two" }, { 4, "four" })',
    r'"%u %u %llu", __get_dynamic_array_len(buf), __get_dynamic_array_len(str), REC->arr[2] + REC->arr[3]',
]

# The same field layout, printed raw by libtraceevent when the format fails (unknown
# function): exercises its raw field printer.
FAILED_RAW = r'"%d", jiffies_to_msecs(REC->c)'

# Old-style ftrace format without arguments: libtraceevent passes every field.
FTRACE_NOARGS = ("ftrace", "synthetic_noargs", 62999,
                 "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:unsigned long y;\toffset:16;\tsize:8;\tsigned:0;\n",
                 r'"x=%d y=%lx"')


LAYOUT_NAMES = set()


def parse_fields(text):
    fields = []
    for line in text.splitlines():
        m = re.match(r"\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);", line)
        if not m:
            continue
        decl, off, size, signed = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        loc = None
        if decl.startswith("__data_loc "):
            loc = "data"
            decl = decl[len("__data_loc "):]
        elif decl.startswith("__rel_loc "):
            loc = "rel"
            decl = decl[len("__rel_loc "):]
        name = re.split(r"[\s\]*]", decl.strip())[-1]
        fields.append(dict(decl=decl, name=name, offset=off, size=size, signed=signed, loc=loc))
    return fields


def rand_scalar(size, signed):
    r = rng.random()
    if r < 0.15:
        v = 0
    elif r < 0.35:
        v = rng.randint(1, 9)
    elif r < 0.5:
        v = (1 << (8 * size)) - 1  # -1
    elif r < 0.6:
        v = rng.randint(1, 0x40)
    elif r < 0.7 and size == 8:
        v = rng.choice(SYMS)[0] + rng.choice([0, 0, 0x10, 0x13f])
    else:
        v = rng.getrandbits(8 * size)
    return v & ((1 << (8 * size)) - 1)


def rand_text(maxlen):
    n = rng.randint(0, max(0, maxlen))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789/_-:. "
    return "".join(rng.choice(alphabet) for _ in range(n)).encode()


def sockaddr():
    kind = rng.random()
    b = bytearray(rng.getrandbits(8) for _ in range(28))
    if kind < 0.4:
        b[0:2] = (2).to_bytes(2, "little")
        b[2:4] = rng.randint(0, 65535).to_bytes(2, "big")
        b[4:8] = bytes([127, 0, 0, rng.randint(1, 9)])
    elif kind < 0.8:
        b[0:2] = (10).to_bytes(2, "little")
        b[2:4] = rng.randint(0, 65535).to_bytes(2, "big")
        b[8:24] = ipv6()
    return bytes(b)


def ipv6():
    k = rng.random()
    if k < 0.25:
        return bytes(10) + b"\xff\xff" + bytes([10, 0, 0, rng.randint(1, 254)])
    if k < 0.4:
        return bytes(15) + b"\x01"
    if k < 0.5:
        return bytes(16)
    if k < 0.6:
        return bytes([0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0x5e, 0xfe, 192, 168, 1, 1])
    if k < 0.8:
        return bytes([0xfe, 0x80] + [0] * 6 + [rng.getrandbits(8) for _ in range(8)])
    return bytes(rng.getrandbits(8) for _ in range(16))


def payload(fields, event_id):
    fixed = max((f["offset"] + f["size"] for f in fields), default=8)
    data = bytearray(fixed)
    tail = bytearray()
    for f in fields:
        off, size, name = f["offset"], f["size"], f["name"]
        if name == "common_type":
            data[off:off + 2] = event_id.to_bytes(2, ORDER)
            continue
        if f["loc"]:
            decl = f["decl"]
            if "char" in decl:
                content = rand_text(24) + b"\0" if rng.random() < 0.9 else b""
            else:
                n = rng.choice([4, 8, 8, 16, 24, 32])
                content = bytes(rng.getrandbits(8) for _ in range(n))
            start = fixed + len(tail)
            tail += content
            o = start - (off + size) if f["loc"] == "rel" else start
            desc = (len(content) << 16) | o
            data[off:off + size] = (desc & ((1 << (8 * size)) - 1)).to_bytes(size, ORDER)
            continue
        if "[" in f["decl"]:
            if "char" in f["decl"]:
                t = rand_text(size - 1)
                data[off:off + size] = (t + bytes(size))[:size]
                if rng.random() < 0.1 and size > 0:
                    data[off] = 0xc3  # non-printable
            elif size == 28:
                data[off:off + 28] = sockaddr()
            elif size == 16 and rng.random() < 0.6:
                data[off:off + 16] = ipv6()
            else:
                data[off:off + size] = bytes(rng.getrandbits(8) for _ in range(size))
            continue
        if size in (1, 2, 4, 8):
            v = rand_scalar(size, f["signed"])
            if re.search(r"len|count|size|nr|num|cnt", name) and name not in LAYOUT_NAMES:
                # Lengths of buffers printed by __print_hex & co stay inside the record.
                v = rng.randint(0, 4)
            if name in ("fmtp",) and rng.random() < 0.6:
                v = rng.choice(PRINTK)[0]
            data[off:off + size] = v.to_bytes(size, ORDER)
    data += tail
    while len(data) % 4:
        data.append(0)
    return bytes(data)


def emit(system, name, event_id, body_fields, fmt, records):
    text = f"name: {name}\nID: {event_id}\nformat:\n{COMMON}\n{body_fields}\nprint fmt: {fmt}\n"
    print(f"F {system}/{name}")
    sys.stdout.write(text)
    print(".")
    fields = parse_fields(text)
    for _ in range(records):
        print(f"R {system}/{name} {payload(fields, event_id).hex()}")


# trace_printk formats (as libtraceevent stores printk strings: no quotes, no final \n)
# for ftrace:bprint records, with the argument kinds the kernel packs for each.
BPRINTK = [
    ("hello %d world %s and %llx", "i s q"),
    ("%pS called with %lu", "p l"),
    ("%-8s|%5d|%hd|", "s i i"),
    ("%*d %.*s|", "w i w s"),
    ("%pI4 %pM %ph x", "S S S"),
    ("value=%u\\n tab\\t end", "i"),
    ("%c %% %x", "i i"),
    ("%p %pK %lx", "p p l"),
    ("no args at all", ""),
    ("%s%s%s", "s s s"),
    ("%#010x %-5u| %o %X %zu %Lx", "i i i i l q"),
    ("%ps <- %pf %pSR", "p p p"),
]
BPRINTK_BASE = 0xffffffff82900000


def bprint_payload(kinds):
    data = bytearray(24)
    data[0:2] = (6).to_bytes(2, ORDER)
    data[4:8] = rng.randint(1, 5000).to_bytes(4, ORDER)
    data[8:16] = (rng.choice(SYMS)[0] + rng.choice([0, 8, 0x20])).to_bytes(8, ORDER)
    buf = bytearray()
    for k in kinds.split():
        if k == "w":
            # a field width or precision: small, as huge ones only stress memory
            while len(buf) % 4:
                buf.append(0)
            buf += rng.randint(0, 20).to_bytes(4, ORDER)
        elif k in "ilqp":
            while len(buf) % 4:
                buf.append(0)
            n = 4 if k == "i" else 8
            v = rand_scalar(n, 1)
            if k == "p" and rng.random() < 0.5:
                v = rng.choice(SYMS)[0] + rng.choice([0, 5, 0x100])
            buf += v.to_bytes(n, ORDER)
        elif k == "s":
            buf += rand_text(12) + b"\0"
        elif k == "S":
            # %p<ext> arguments: the kernel stores the formatted text
            buf += b"x" + rand_text(10) + b"\0"
        elif k == "N":
            # ... which libtraceevent reads as a number when it starts unprintable
            buf += bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0])
    while len(buf) % 4:
        buf.append(0)
    return data, buf


def main():
    print("L 8")
    if ORDER == "big":
        print("B 1")
    for a, n in SYMS:
        print(f"K {a:x} {n}")
    for a, s in PRINTK:
        print(f"P {a:x} {s}")
    for i, (f, _) in enumerate(BPRINTK):
        print(f"P {BPRINTK_BASE + 0x40 * i:x} {f}")
    bformat = open(os.path.join(TRACEFS, "ftrace/bprint/format")).read()
    print("F ftrace/bprint")
    sys.stdout.write(bformat)
    print(".")
    # libtraceevent fails the event for good after the first record lacking arguments
    # (truncated, or a format its buffer scan reads differently): those records come last.
    def record(i, kinds, addr_delta=0, truncate=False):
        head, buf = bprint_payload(kinds)
        head[16:24] = (BPRINTK_BASE + 0x40 * i + addr_delta).to_bytes(8, ORDER)
        if truncate and len(buf) > 4:
            buf = buf[:rng.randint(1, len(buf) - 1)]
            while len(buf) % 4:
                buf.append(0)
        print(f"R ftrace/bprint {(bytes(head) + bytes(buf)).hex()}")
    failing = {2, 10}
    for i, (f, kinds) in enumerate(BPRINTK):
        if i not in failing:
            for r in range(8):
                record(i, kinds, addr_delta=8 if r == 7 else 0)
    for i, (f, kinds) in enumerate(BPRINTK):
        if i not in failing and len(kinds.split()) > 1:
            record(i, kinds, truncate=True)
    record(4, "N S N")
    for i in sorted(failing):
        for r in range(3):
            record(i, BPRINTK[i][1])
    for i, fmt in enumerate(SYNTH):
        emit("synthetic", f"s{i:02d}", 60000 + i, LAYOUT, fmt, 12)
    emit("synthetic", "failed_raw", 61000, LAYOUT, FAILED_RAW, 12)
    emit(*FTRACE_NOARGS, 6)
    # Real formats of events missing from the recorded fixtures.
    recorded = set()
    fixtures = os.environ.get("PRINTFMT_FIXTURES", "")
    for path in fixtures.split(":"):
        if path and os.path.exists(path):
            for line in open(path):
                if line.startswith("F "):
                    recorded.add(line[2:].strip())
    real = []
    for sysname in sorted(os.listdir(TRACEFS)):
        d = os.path.join(TRACEFS, sysname)
        if not os.path.isdir(d):
            continue
        for ev in sorted(os.listdir(d)):
            p = os.path.join(d, ev, "format")
            if os.path.exists(p) and f"{sysname}/{ev}" not in recorded:
                real.append((sysname, ev, open(p).read()))
    interesting = re.compile(r"__print_hex|__print_array|__get_bitmask|__get_cpumask|%p[UMmIih]|%c|%\*|%\.\*|sizeof|__get_dynamic_array|%hh|\(\w+\)\(|jiffies|trace_seq|__builtin|llu\(|ULL")
    chosen = [r for r in real if interesting.search(r[2].split("print fmt:")[-1])]
    if os.environ.get("PRINTFMT_INTERESTING", "1") == "0":
        chosen = []
    rest = [r for r in real if r not in chosen]
    sample = int(os.environ.get("PRINTFMT_SAMPLE", "250"))
    chosen += rng.sample(rest, min(len(rest), sample))
    for sysname, ev, text in chosen:
        m = re.search(r"^ID: (\d+)", text, re.M)
        if not m:
            continue
        print(f"F {sysname}/{ev}")
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        print(".")
        fields = parse_fields(text)
        for _ in range(3):
            print(f"R {sysname}/{ev} {payload(fields, int(m.group(1))).hex()}")


main()
