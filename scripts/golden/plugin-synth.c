// plugin-synth: reference text of the installed libtraceevent plugins for events this
// machine cannot record (no KVM guests, function tracer locked): the real event formats
// from tracefs, synthetic payloads (deterministic pseudo-random field values), and the
// text libtraceevent prints for them with its plugins loaded (tep_load_plugins, as
// trace-cmd does). Output format: as plugin-extract.c.
//
// Build: cc -O2 -o plugin-synth plugin-synth.c $(pkg-config --cflags --libs libtraceevent)
// Each R line is followed by "T <timestamp>" (func_repeats prints a time, with the
// plugin's own tep_func_repeat_format "%6.1000d": trace-cmd report sets its own).
// Usage: plugin-synth [-n RECORDS_PER_EVENT] [-O] [TRACEFS] > out.txt
//   -O: set the ftrace plugin options parent=1, indent=0, offset=1 (trace-cmd report
//       -O parent=1 -O indent=0 -O offset=1) and only do the ftrace events; writes
//       "O <parent> <indent> <offset>" after the H line
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event-parse.h>

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;
static unsigned long long rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put_escaped(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
}

static const char *events[][2] = {
	{ "kvm", "kvm_exit" }, { "kvm", "kvm_entry" }, { "kvm", "kvm_emulate_insn" },
	{ "kvm", "kvm_nested_vmexit" }, { "kvm", "kvm_nested_vmexit_inject" },
	{ "kvmmmu", "kvm_mmu_get_page" }, { "kvmmmu", "kvm_mmu_sync_page" },
	{ "kvmmmu", "kvm_mmu_unsync_page" }, { "kvmmmu", "kvm_mmu_prepare_zap_page" },
	{ "ftrace", "function" }, { "ftrace", "kernel_stack" }, { "ftrace", "func_repeats" },
};

#define NFUNCS 8
static const char *fnames[NFUNCS] = {
	"do_syscall_64", "ksys_read", "vfs_read", "rw_verify_area", "security_file_permission",
	"__fsnotify_parent", "schedule", "_raw_spin_lock",
};
static unsigned long long faddr(int i) { return 0xffffffff81000000ULL + i * 0x1000; }

static void set_field(struct tep_event *ev, void *data, const char *name, unsigned long long v)
{
	struct tep_format_field *f = tep_find_any_field(ev, name);
	if (!f)
		return;
	switch (f->size) {
	case 1: *(unsigned char *)(data + f->offset) = v; break;
	case 2: *(unsigned short *)(data + f->offset) = v; break;
	case 4: *(unsigned int *)(data + f->offset) = v; break;
	case 8: memcpy(data + f->offset, &v, 8); break;
	}
}

static unsigned long long exit_reason(void)
{
	static const unsigned long long odd[] = { 0x400, 0x401, 0x402, 0x403, 0xffffffffULL, 0x80000001ULL, 1000 };
	if (rnd() % 4 == 0)
		return odd[rnd() % 7];
	return rnd() % 0x90;
}

int main(int argc, char **argv)
{
	const char *tracefs = "/sys/kernel/tracing";
	int per_event = 40, c, options = 0;
	struct tep_handle *tep = tep_alloc();
	unsigned long long seen[4096];
	int nseen = 0;

	while ((c = getopt(argc, argv, "n:O")) != -1) {
		if (c == 'n')
			per_event = atoi(optarg);
		else if (c == 'O')
			options = 1;
	}
	if (optind < argc)
		tracefs = argv[optind];

	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, 8);
	tep_load_plugins(tep);
	for (int i = 0; i < NFUNCS; i++)
		tep_register_function(tep, (char *)fnames[i], faddr(i), NULL);
	printf("H 8 little\n");
	if (options) {
		tep_plugin_add_option("ftrace:parent", "1");
		tep_plugin_add_option("ftrace:indent", "0");
		tep_plugin_add_option("ftrace:offset", "1");
		printf("O 1 0 1\n");
	}

	for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++) {
		char path[512], *buf;
		FILE *f;
		size_t len = 0;
		struct tep_event *ev;
		struct tep_format_field *fld;
		int size = 8, common;

		if (options && strcmp(events[e][0], "ftrace") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, events[e][0], events[e][1]);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf = malloc(1 << 20);
		len = fread(buf, 1, (1 << 20) - 1, f);
		fclose(f);
		buf[len] = 0;
		if (tep_parse_event(tep, buf, len, events[e][0])) {
			free(buf);
			continue;
		}
		free(buf);
		ev = tep_find_event_by_name(tep, events[e][0], events[e][1]);
		if (!ev || !ev->handler)
			continue;
		printf("E %s %s %d\n", ev->system, ev->name, ev->id);
		for (common = 1; common >= 0; common--)
			for (fld = common ? ev->format.common_fields : ev->format.fields; fld; fld = fld->next) {
				printf("F %d %d %d %d %d %s\n", common, fld->offset, fld->size,
				       !!(fld->flags & TEP_FIELD_IS_SIGNED), !!(fld->flags & TEP_FIELD_IS_DYNAMIC), fld->name);
				if (fld->offset + fld->size > size)
					size = fld->offset + fld->size;
			}
		size = (size + 3) & ~3;

		for (int r = 0; r < per_event; r++) {
			unsigned char data[256];
			struct tep_record rec;
			struct trace_seq s;
			int cpu = rnd() % 3;

			for (int i = 0; i < size; i++)
				data[i] = rnd();
			set_field(ev, data, "common_type", ev->id);
			set_field(ev, data, "common_pid", 1000 + rnd() % 50);
			set_field(ev, data, "exit_reason", exit_reason());
			set_field(ev, data, "exit_code", exit_reason());
			set_field(ev, data, "isa", (const int[]){ 1, 1, 1, 2, 2, 3 }[rnd() % 6]);
			set_field(ev, data, "len", 1 + rnd() % 15);
			set_field(ev, data, "failed", rnd() % 2);
			set_field(ev, data, "created", rnd() % 2);
			set_field(ev, data, "unsync", rnd() % 2);
			if (rnd() % 3 == 0)
				set_field(ev, data, "role", rnd() & 0x1ff0f);
			if (strcmp(ev->name, "kernel_stack") == 0) {
				int depth = rnd() % ((size - 16) / 8 + 1);
				set_field(ev, data, "size", depth);
				for (int i = 0; i * 8 + 16 + 8 <= size; i++) {
					unsigned long long a = i < depth ? (rnd() % 5 == 0 ? 0xdead0000ULL + i
						: faddr(rnd() % NFUNCS) + rnd() % 0x100) : ~0ULL;
					memcpy(data + 16 + i * 8, &a, 8);
				}
			}
			if (strcmp(ev->name, "func_repeats") == 0) {
				set_field(ev, data, "count", rnd() % 1000);
				set_field(ev, data, "top_delta_ts", rnd() % 8 == 0);
				set_field(ev, data, "bottom_delta_ts", rnd() % 3000000);
			}
			if (strcmp(ev->name, "function") == 0 || strcmp(ev->name, "func_repeats") == 0) {
				int a = rnd() % NFUNCS, b = rnd() % NFUNCS;
				set_field(ev, data, "ip", rnd() % 10 == 0 ? 0x1234 : faddr(a) + (rnd() % 3) * 0x10);
				set_field(ev, data, "parent_ip", rnd() % 10 == 0 ? 0x4321 : faddr(b) + 0x20);
			}

			memset(&rec, 0, sizeof(rec));
			rec.data = data;
			rec.size = size;
			rec.cpu = cpu;
			rec.ts = 5000000000ULL + r * 1234567ULL;

			printf("R %d %s %s ", cpu, ev->system, ev->name);
			for (int i = 0; i < size; i++)
				printf("%02x", data[i]);
			putchar('\n');
			printf("T %llu\n", rec.ts);

			/* the report prints the text with "%.*s": a NUL byte ends it */
			trace_seq_init(&s);
			tep_print_event(tep, &s, &rec, "%s", TEP_PRINT_INFO);
			fputs("P ", stdout);
			put_escaped(s.buffer, strnlen(s.buffer, s.len));
			trace_seq_destroy(&s);

			ev->flags |= TEP_EVENT_FL_NOHANDLE;
			trace_seq_init(&s);
			tep_print_event(tep, &s, &rec, "%s", TEP_PRINT_INFO);
			fputs("D ", stdout);
			put_escaped(s.buffer, strnlen(s.buffer, s.len));
			trace_seq_destroy(&s);
			ev->flags &= ~TEP_EVENT_FL_NOHANDLE;

			for (int off = 8; off + 8 <= size; off += 8) {
				unsigned long long a;
				const char *name;
				unsigned long long start;
				unsigned long fsize;
				int dup = 0;

				memcpy(&a, data + off, 8);
				if (!tep_find_function_info(tep, a, &name, &start, &fsize))
					continue;
				for (int i = 0; i < nseen; i++)
					dup |= seen[i] == a;
				if (dup || nseen == 4096)
					continue;
				seen[nseen++] = a;
				printf("S %llx %llx %lx %s\n", a, start, fsize, name);
			}
		}
	}
	return 0;
}
