/* kvm-vcpus.c - a tiny KVM user: one VM, N VCPU threads (default 2), each running a few bytes
 * of guest code for SECONDS (default 1): spin a while in the guest, `out` to port 0x10 (an exit
 * to this program), spin again, `out` to port 0x11, and so on. After each exit the thread sleeps
 * 200 us on the host. The host's kvm:kvm_entry / kvm:kvm_exit events of these threads are what
 * `tracecmd view` draws as the VCPU's time in the guest.
 *
 * The guest runs 64-bit code at CPL 3 with IOPL 3 (identity-mapped 2 MB page, user bit set), so
 * that a KVM that cannot run real mode or guest CPL 0 natively (PVM) still runs it without
 * emulating every instruction.
 *
 * Usage: kvm-vcpus [SECONDS] [VCPUS] [TIDFILE]   (TIDFILE gets "vcpu tid" lines)
 * Build: cc -O2 -pthread -o kvm-vcpus kvm-vcpus.c */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int kvm, vm;
static double seconds = 1;
static pid_t tids[8];
static long exits[8];

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *run(void *arg) {
	int id = (int)(long)arg;
	tids[id] = (pid_t)syscall(SYS_gettid);
	int fd = ioctl(vm, KVM_CREATE_VCPU, id);
	if (fd < 0) { perror("KVM_CREATE_VCPU"); exit(1); }
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r == MAP_FAILED) { perror("mmap kvm_run"); exit(1); }
	struct kvm_sregs s;
	if (ioctl(fd, KVM_GET_SREGS, &s) < 0) { perror("KVM_GET_SREGS"); exit(1); }
	/* long mode, paging on, flat CPL 3 segments */
	struct kvm_segment seg = {.base = 0, .limit = 0xffffffff, .selector = (1 << 3) | 3, .present = 1, .type = 11,
	                          .dpl = 3, .db = 0, .s = 1, .l = 1, .g = 1};
	s.cr3 = 0x2000; s.cr4 = 1 << 5; s.efer = 0x500; s.cr0 = 0x80050033;
	s.cs = seg;
	seg.type = 3; seg.selector = (2 << 3) | 3; seg.l = 0; seg.db = 1;
	s.ds = s.es = s.fs = s.gs = s.ss = seg;
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0) { perror("KVM_SET_SREGS"); exit(1); }
	struct kvm_regs g;
	memset(&g, 0, sizeof g);
	g.rip = 0x1000; g.rflags = 0x3002; g.rax = id; g.rsp = 0x8000;
	if (ioctl(fd, KVM_SET_REGS, &g) < 0) { perror("KVM_SET_REGS"); exit(1); }
	double end = now() + seconds;
	while (now() < end) {
		if (ioctl(fd, KVM_RUN, 0) < 0) { perror("KVM_RUN"); exit(1); }
		exits[id]++;
		if (r->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "vcpu %d: exit reason %u\n", id, r->exit_reason);
			exit(1);
		}
		usleep(200);
	}
	return NULL;
}

int main(int argc, char **argv) {
	int n = 2;
	if (argc > 1) seconds = atof(argv[1]);
	if (argc > 2) n = atoi(argv[2]);
	if (n < 1 || n > 8) n = 2;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) { perror("/dev/kvm"); return 1; }
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) { perror("KVM_CREATE_VM"); return 1; }
	uint8_t *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) { perror("mmap"); return 1; }
	/* at 0x1000: mov ecx, 0x400; loop $; out 0x10, al; mov ecx, 0x400; loop $; out 0x11, al; jmp 0x1000 */
	const uint8_t code[] = {0xb9, 0x00, 0x04, 0x00, 0x00, 0xe2, 0xfe, 0xe6, 0x10,
	                        0xb9, 0x00, 0x04, 0x00, 0x00, 0xe2, 0xfe, 0xe6, 0x11, 0xeb, 0xec};
	memcpy(mem + 0x1000, code, sizeof code);
	/* page tables at 0x2000: PML4 -> PDPT -> PD with one 2 MB user page at 0 */
	uint64_t *pml4 = (uint64_t *)(mem + 0x2000), *pdpt = (uint64_t *)(mem + 0x3000), *pd = (uint64_t *)(mem + 0x4000);
	pml4[0] = 0x3000 | 7; pdpt[0] = 0x4000 | 7; pd[0] = 0x87;
	struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000,
	                                              .userspace_addr = (uint64_t)(uintptr_t)mem};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) { perror("KVM_SET_USER_MEMORY_REGION"); return 1; }
	pthread_t th[8];
	for (long i = 0; i < n; i++) pthread_create(&th[i], NULL, run, (void *)i);
	for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
	FILE *f = argc > 3 ? fopen(argv[3], "w") : NULL;
	for (int i = 0; i < n; i++) {
		fprintf(stderr, "vcpu %d: tid %d, %ld exits\n", i, tids[i], exits[i]);
		if (f) fprintf(f, "%d %d\n", i, tids[i]);
	}
	if (f) fclose(f);
	return 0;
}
