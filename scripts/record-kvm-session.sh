#!/bin/bash
# record-kvm-session.sh OUTDIR [SECONDS] - record a host + guest session whose host side has
# real kvm:kvm_entry / kvm:kvm_exit events of known VCPU threads, for the in-guest band of
# `tracecmd view`. Run as root with the shared recording kit (SHARED=dir, default: next to
# the repository), like scripts/record-fixtures.sh.
#
# 1. Builds Tests/Fixtures/tools/kvm-vcpus.c (a VM with 2 VCPU threads running a few bytes of
#    guest code that exit with `out`; it writes "vcpu tid" lines).
# 2. Checks that this kernel's KVM emits kvm_entry/kvm_exit at all (a 0.2 s run traced in a
#    tracefs instance of its own). It stops here, exit status 2, when it does not (KVM_FORCE=1
#    goes on, to check the rest of the script on such a machine): PVM
#    (kvm_pvm, Linux 6.18 "fc" VMs) runs the guest code without these two tracepoints, which
#    only VMX and SVM emit; kvm_pio and kvm_userspace_exit do fire there.
# 3. Records with the shared host-guest.sh (one TCP guest, the host as v6 so that its options
#    are plain bytes): host `-e kvm:kvm_entry -e kvm:kvm_exit -e sched_switch` while kvm-vcpus
#    runs for SECONDS (default 0.5), guest `-e sched_switch`.
# 4. Writes the VCPU threads' TIDs into the host's GUEST option (the VCPU pids of a TCP guest
#    are -1) and keeps them in OUTDIR/vcpu-tids.txt.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: record-kvm-session.sh OUTDIR [SECONDS]}
SECS=${2:-0.5}
if [ -z "${SHARED:-}" ]; then
	SHARED=$(dirname "$REPO")/shared
	[ -d "$SHARED" ] || SHARED=$(dirname "$(cd "$(git -C "$REPO" rev-parse --git-common-dir)/.." && pwd)")/shared
fi
REC=$SHARED/recording
T=/sys/kernel/tracing
LOCK=/tmp/tracecmd-record.lock
WORK=$(mktemp -d /tmp/record-kvm.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -d $T/events ] || mount -t tracefs nodev $T
cc -O2 -Wall -pthread -o "$WORK/kvm-vcpus" "$REPO/Tests/Fixtures/tools/kvm-vcpus.c"

# 2. Do kvm_entry / kvm_exit fire here?
I=$T/instances/kvm-probe-$$
mkdir "$I"
echo 1 > "$I/events/kvm/kvm_entry/enable"
echo 1 > "$I/events/kvm/kvm_exit/enable"
echo 1 > "$I/events/kvm/kvm_userspace_exit/enable"
echo 1 > "$I/tracing_on"
"$WORK/kvm-vcpus" 0.2 2 2>/dev/null
echo 0 > "$I/tracing_on"
entries=$(grep -c ' kvm_entry:' "$I/trace" || true)
exits=$(grep -c ' kvm_exit:' "$I/trace" || true)
user=$(grep -c ' kvm_userspace_exit:' "$I/trace" || true)
echo 0 > "$I/events/kvm/enable"
rmdir "$I"
if [ "$entries" -eq 0 ] || [ "$exits" -eq 0 ] && [ -z "${KVM_FORCE:-}" ]; then
	mods=$(ls /sys/module | grep '^kvm' | tr '\n' ' ')
	echo "record-kvm-session: this kernel's KVM ($mods) emitted $entries kvm_entry and $exits kvm_exit" \
		"events for $user exits to user space: nothing to record" >&2
	exit 2
fi

# 3. Record: the workload runs kvm-vcpus and keeps its VCPU threads' TIDs.
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cat > "$WORK/workload.sh" <<SH
#!/bin/sh
exec "$WORK/kvm-vcpus" "$SECS" 2 "$OUT/vcpu-tids.txt"
SH
chmod +x "$WORK/workload.sh"
# a small kallsyms: these events print no kernel symbols
head -n 2 /proc/kallsyms > "$WORK/kallsyms"
flock $LOCK env WORKLOAD="$WORK/workload.sh" TC_KALLSYMS="$WORK/kallsyms" "$REC/host-guest.sh" "$OUT" 1 \
	--file-version 6 -e kvm:kvm_entry -e kvm:kvm_exit -e sched_switch -- --file-version 6 -e sched_switch

# 4. The TIDs into the GUEST option: name NUL, trace id (8), VCPU count (4), (vcpu, pid) pairs.
python3 - "$OUT/trace.dat" "$OUT/vcpu-tids.txt" <<'PY'
import struct, sys
path, tids = sys.argv[1], [int(l.split()[1]) for l in open(sys.argv[2]) if l.strip()]
data = bytearray(open(path, "rb").read())
name = b"guest1.vm\0"
at = data.find(name)
assert at > 0 and data.find(name, at + 1) < 0, "one GUEST option naming guest1.vm"
pos = at + len(name) + 8
cpus = struct.unpack_from("<i", data, pos)[0]
pos += 4
for vcpu in range(min(cpus, len(tids))):
    assert struct.unpack_from("<i", data, pos)[0] == vcpu
    struct.pack_into("<i", data, pos + 4, tids[vcpu])
    pos += 8
open(path, "wb").write(data)
print("GUEST guest1.vm: VCPU host pids", tids[:cpus])
PY
trace-cmd dump --options -i "$OUT/trace.dat" | grep -A4 'GUEST' || true
