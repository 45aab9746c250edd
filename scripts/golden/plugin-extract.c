// plugin-extract: dump, for the records of a trace.dat whose events have a
// print handler (an output plugin of libtraceevent or trace-cmd), the raw
// payload and the reference text, as golden data for the Swift plugin tests.
//
// Build: cc -O2 -o plugin-extract plugin-extract.c $(pkg-config --cflags --libs libtracecmd)
// Usage: plugin-extract [-n MAX_PER_EVENT] [-c] trace.dat > out.txt
//
// Output (one item per line, text escaped: \\ \n \xHH for bytes < 0x20 or >= 0x7f):
//   H <long size> <little|big>
//   M <pid> <comm>                 with -c, at a pid's first record: the comm the file's
//                                  saved cmdlines give it, or
//   U <pid>                        when the file does not know the pid
//   C <pid> <comm column>          with -c, every record, in report order: the comm the
//                                  reference prints (after what plugins have registered)
//   E <system> <name> <id>         before the first record of an event: its format as
//   F <common> <offset> <size> <signed> <dynamic> <name>   libtraceevent parsed it
//   R <cpu> <system> <name> <hex payload from common_type>
//   P <text with plugins>          what `trace-cmd report` prints after "name: "
//   D <text with the handler off>  the default print-format text (TEP_EVENT_FL_NOHANDLE)
//   S <addr> <start> <size> <name> symbol lookups of every long-aligned word of R
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <trace-cmd.h>
#include <event-parse.h>

static int max_per_event = -1;
static int with_comms;
static struct tep_handle *initial_tep; /* a second handle that never prints */
static unsigned char *pid_seen;
static int pid_max = 4194304;
static int counts[65536];
static unsigned char described[65536];
static int shape_extra[65536];
#define MAX_SHAPES 4096
static struct { int id; char *shape; } shapes[MAX_SHAPES];
static int nshapes;

/*
 * With -n, records beyond the first MAX of an event are still kept (at most 30 more per
 * event) when their plugin text has a new "shape": the text without digits and hex.
 */
static int new_shape(int id, const char *text)
{
	char buf[256];
	size_t n = 0;

	for (const char *p = text; *p && n < sizeof(buf) - 1; p++) {
		if (p[0] == '0' && p[1] == 'x') {
			p++;
			while (p[1] && strchr("0123456789abcdef", p[1]))
				p++;
			continue;
		}
		if (*p >= '0' && *p <= '9')
			continue;
		buf[n++] = *p;
	}
	buf[n] = 0;
	for (int i = 0; i < nshapes; i++)
		if (shapes[i].id == id && strcmp(shapes[i].shape, buf) == 0)
			return 0;
	if (nshapes == MAX_SHAPES || shape_extra[id] >= 30)
		return 0;
	shapes[nshapes].id = id;
	shapes[nshapes++].shape = strdup(buf);
	shape_extra[id]++;
	return 1;
}

static void describe(struct tep_event *event)
{
	struct tep_format_field *f;
	int common;

	if (event->id < 0 || event->id >= 65536 || described[event->id])
		return;
	described[event->id] = 1;
	printf("E %s %s %d\n", event->system, event->name, event->id);
	for (common = 1; common >= 0; common--)
		for (f = common ? event->format.common_fields : event->format.fields; f; f = f->next)
			printf("F %d %d %d %d %d %s\n", common, f->offset, f->size,
			       !!(f->flags & TEP_FIELD_IS_SIGNED), !!(f->flags & TEP_FIELD_IS_DYNAMIC), f->name);
}
static unsigned long long *seen;
static size_t nseen, capseen;

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

static int was_seen(unsigned long long a)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == a)
			return 1;
	if (nseen == capseen) {
		capseen = capseen ? capseen * 2 : 256;
		seen = realloc(seen, capseen * sizeof(*seen));
	}
	seen[nseen++] = a;
	return 0;
}

static int callback(struct tracecmd_input *handle, struct tep_record *record,
		    int cpu, void *data)
{
	struct tep_handle *tep = tracecmd_get_tep(handle);
	struct tep_event *event = tep_find_event_by_record(tep, record);
	struct trace_seq s;
	int pid = tep_data_pid(tep, record);
	const char *comm = tep_data_comm_from_pid(tep, pid);
	int lsize = tep_get_long_size(tep);

	if (with_comms) {
		if (pid >= 0 && pid <= pid_max && !pid_seen[pid]) {
			pid_seen[pid] = 1;
			if (tep_is_pid_registered(initial_tep, pid)) {
				const char *c0 = tep_data_comm_from_pid(initial_tep, pid);
				printf("M %d ", pid);
				put_escaped(c0, strlen(c0));
			} else
				printf("U %d\n", pid);
		}
		printf("C %d ", pid);
		put_escaped(comm, strlen(comm));
	}
	if (!event || !event->handler)
		return 0;
	trace_seq_init(&s);
	tep_print_event(tep, &s, record, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&s);
	if (max_per_event >= 0 && event->id < 65536 && counts[event->id]++ >= max_per_event &&
	    (strchr(s.buffer, '(') == s.buffer || !new_shape(event->id, s.buffer))) {
		/* not kept; the handler has run all the same (it may register comms) */
		trace_seq_destroy(&s);
		return 0;
	}
	describe(event);
	printf("R %d %s %s ", cpu, event->system, event->name);
	for (int i = 0; i < record->size; i++)
		printf("%02x", ((unsigned char *)record->data)[i]);
	putchar('\n');

	/* the report prints the text with "%.*s": a NUL byte ends it */
	fputs("P ", stdout);
	put_escaped(s.buffer, strnlen(s.buffer, s.len));
	trace_seq_destroy(&s);

	event->flags |= TEP_EVENT_FL_NOHANDLE;
	trace_seq_init(&s);
	tep_print_event(tep, &s, record, "%s", TEP_PRINT_INFO);
	fputs("D ", stdout);
	put_escaped(s.buffer, strnlen(s.buffer, s.len));
	trace_seq_destroy(&s);
	event->flags &= ~TEP_EVENT_FL_NOHANDLE;

	for (int off = 8; off + lsize <= record->size; off += lsize) {
		unsigned long long a = tep_read_number(tep, (char *)record->data + off, lsize);
		const char *name;
		unsigned long long start;
		unsigned long size;
		if (was_seen(a))
			continue;
		if (tep_find_function_info(tep, a, &name, &start, &size))
			printf("S %llx %llx %lx %s\n", a, start, size, name);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tracecmd_input *handle;
	struct tep_handle *tep;
	int c;

	while ((c = getopt(argc, argv, "n:c")) != -1) {
		if (c == 'n')
			max_per_event = atoi(optarg);
		else if (c == 'c')
			with_comms = 1;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-n max] [-c] trace.dat\n", argv[0]);
		return 2;
	}
	handle = tracecmd_open(argv[optind], 0);
	if (!handle) {
		fprintf(stderr, "cannot open %s\n", argv[optind]);
		return 1;
	}
	tep = tracecmd_get_tep(handle);
	printf("H %d %s\n", tep_get_long_size(tep),
	       tep_is_file_bigendian(tep) ? "big" : "little");
	if (with_comms) {
		struct tracecmd_input *h0 = tracecmd_open(argv[optind], 0);
		FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
		if (f) {
			if (fscanf(f, "%d", &pid_max) != 1)
				pid_max = 4194304;
			fclose(f);
		}
		if (!h0 || !(pid_seen = calloc(pid_max + 1, 1)))
			return 1;
		initial_tep = tracecmd_get_tep(h0);
	}
	tracecmd_iterate_events(handle, NULL, 0, callback, NULL);
	tracecmd_close(handle);
	return 0;
}
