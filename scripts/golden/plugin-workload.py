# Workload for record-plugins.sh: futex ops (wait with/without timeout, wake,
# bitset, private), TLB shootdowns (munmap with threads on other CPUs), an fsync
# (jbd2 commit) and allocations (kmem).
import mmap, os, threading, time

stop = False
def spin():
    while not stop:
        time.sleep(0.001)

threads = [threading.Thread(target=spin) for _ in range(2)]
for t in threads: t.start()

cond = threading.Condition()
ev = threading.Event()
def waiter():
    with cond:
        cond.wait(timeout=0.05)
    ev.wait()
ws = [threading.Thread(target=waiter) for _ in range(3)]
for w in ws: w.start()
time.sleep(0.02)
with cond:
    cond.notify_all()
ev.set()
for w in ws: w.join()

for _ in range(20):
    m = mmap.mmap(-1, 64 * 4096)
    for i in range(0, 64 * 4096, 4096): m[i] = 1
    m.close()

with open("/tmp/plugin-workload.tmp", "wb") as f:
    f.write(b"x" * 65536); f.flush(); os.fsync(f.fileno())
os.unlink("/tmp/plugin-workload.tmp")
time.sleep(0.05)
stop = True
for t in threads: t.join()
