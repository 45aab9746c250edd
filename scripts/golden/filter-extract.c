// filter-extract: dump what the EventFilter tests need from a trace file, as read by the
// reference libtracecmd/libtraceevent: every event format (with libtraceevent's field flags),
// every record (cpu, timestamp, event id, common_pid, payload hex), the comm of every pid
// seen, and the kernel symbol of every pointer/long field value seen.
//
//   cc -O1 -o filter-extract filter-extract.c $(pkg-config --cflags --libs libtracecmd)
//   ./filter-extract trace.dat > records.tsv
//
// Output, one tab-separated line each:
//   E id system name                                     (one per event format)
//   F c|e name type offset size signed arraylen flags     (its common/event fields)
//   R cpu timestamp_ns event_id pid payload_hex           (every record, in iteration order)
//   C pid comm                                            (comm of every pid seen)
//   S address symbol                                      (tep_find_function of pointer/long values)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>
#include <event-parse.h>

static struct tep_handle *tep;
static int *pids;
static int npids, cpids;

static void add_pid(int pid)
{
	for (int i = 0; i < npids; i++)
		if (pids[i] == pid)
			return;
	if (npids == cpids) {
		cpids = cpids ? cpids * 2 : 64;
		pids = realloc(pids, cpids * sizeof(*pids));
		if (!pids)
			exit(1);
	}
	pids[npids++] = pid;
}

static void print_fields(const char *kind, struct tep_format_field **fields)
{
	for (int i = 0; fields && fields[i]; i++) {
		struct tep_format_field *f = fields[i];
		printf("F\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%lu\n", kind, f->name, f->type, f->offset,
		       f->size, (f->flags & TEP_FIELD_IS_SIGNED) ? 1 : 0, f->arraylen, f->flags);
	}
}

static int on_record(struct tracecmd_input *handle, struct tep_record *rec, int cpu, void *data)
{
	struct tep_event *ev = tep_find_event_by_record(tep, rec);
	int pid = tep_data_pid(tep, rec);
	const unsigned char *p = rec->data;

	add_pid(pid);
	printf("R\t%d\t%llu\t%d\t%d\t", cpu, rec->ts, ev ? ev->id : -1, pid);
	for (int i = 0; i < rec->size; i++)
		printf("%02x", p[i]);
	printf("\n");

	if (!ev)
		return 0;
	struct tep_format_field **fields = tep_event_fields(ev);
	for (int i = 0; fields && fields[i]; i++) {
		struct tep_format_field *f = fields[i];
		unsigned long long val;
		if (!(f->flags & (TEP_FIELD_IS_POINTER | TEP_FIELD_IS_LONG)) ||
		    (f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC)))
			continue;
		if (tep_read_number_field(f, rec->data, &val))
			continue;
		const char *sym = tep_find_function(tep, val);
		if (sym)
			printf("S\t%llu\t%s\n", val, sym);
	}
	free(fields);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s trace.dat\n", argv[0]);
		return 2;
	}
	struct tracecmd_input *handle = tracecmd_open(argv[1], 0);
	if (!handle) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	tep = tracecmd_get_tep(handle);

	struct tep_event **events = tep_list_events(tep, TEP_EVENT_SORT_ID);
	for (int i = 0; events && events[i]; i++) {
		struct tep_event *ev = events[i];
		printf("E\t%d\t%s\t%s\n", ev->id, ev->system, ev->name);
		struct tep_format_field **cf = tep_event_common_fields(ev);
		struct tep_format_field **ef = tep_event_fields(ev);
		print_fields("c", cf);
		print_fields("e", ef);
		free(cf);
		free(ef);
	}

	tracecmd_iterate_events(handle, NULL, 0, on_record, NULL);

	for (int i = 0; i < npids; i++)
		if (tep_is_pid_registered(tep, pids[i]) || pids[i] == 0)
			printf("C\t%d\t%s\n", pids[i], tep_data_comm_from_pid(tep, pids[i]));
	tracecmd_close(handle);
	return 0;
}
