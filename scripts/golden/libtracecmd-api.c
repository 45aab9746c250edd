// SPDX-License-Identifier: MIT
/*
 * libtracecmd-api - what libtracecmd (the reference, trace-cmd 3.1.6) gives through the
 * functions of its documented API (libtracecmd(3)), as text, for Tests/ExamplesTests/
 * LibtracecmdAPITests.swift, which compares the Swift counterparts with it.
 *
 *   cc -O2 -o libtracecmd-api libtracecmd-api.c $(pkg-config --cflags --libs libtracecmd)
 *
 *   libtracecmd-api file FILE        open/open_fd/open_head+init_data, traceid, tsc2nsec,
 *                                    first_ts, instances, get_tep, private data, and per
 *                                    buffer (top-level, then each instance handle) per CPU:
 *                                    read_cpu_first, read_data, read_at
 *   libtracecmd-api iterate FILE [FILTER [NEG]]  tracecmd_iterate_events order (with
 *                                    tracecmd_filter_add when FILTER is given)
 *   libtracecmd-api cpu FILE CPU     tracecmd_iterate_events on the CPU set {CPU}
 *   libtracecmd-api follow FILE SYSTEM EVENT  tracecmd_follow_event and
 *                                    tracecmd_follow_missed_events with a NULL callback
 *   libtracecmd-api reset FILE       iterate (A), iterate again on the same handle (B: it
 *                                    goes on where A ended), then on a new handle (C)
 *   libtracecmd-api offset FILE NS   tracecmd_add_ts_offset(NS): first_ts, first records
 *   libtracecmd-api multi FILE...    tracecmd_map_vcpus, get_cpu_map, map_get_host_pid,
 *                                    map_get_guest, map_find_by_host_pid, map private data,
 *                                    get_guest_cpumap, iterate_events_multi order
 *
 * trace-cmd 3.1.6 (the reference installed) does not export tracecmd_get_tsc2nsec,
 * tracecmd_iterate_events_reverse nor tracecmd_iterate_reset: the tests take the TSC2NSEC
 * values from `trace-cmd dump --options`, the reverse order from the forward order, and
 * compare a restarted Swift sequence with a fresh handle.
 *
 * Record lines: "cpu ts offset" (ts as the library corrects it). Output is line oriented,
 * one fact per line, "key value...".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <trace-cmd.h>

/* exported by libtracecmd.so.1, declared in trace-cmd-private.h (not installed) */
int tracecmd_cpus(struct tracecmd_input *handle);

static struct tracecmd_input *must(struct tracecmd_input *h, const char *what)
{
	if (!h) {
		fprintf(stderr, "libtracecmd-api: %s failed\n", what);
		exit(1);
	}
	return h;
}

static void rec(const char *tag, struct tep_record *r)
{
	printf("%s %d %llu %llu\n", tag, r->cpu, r->ts, r->offset);
}

static int print_cb(struct tracecmd_input *h, struct tep_record *r, int cpu, void *d)
{
	rec("R", r);
	return 0;
}

static void buffer(struct tracecmd_input *h, const char *name)
{
	int cpus = tracecmd_cpus(h);
	printf("buffer %s cpus %d first_ts %llu\n", name[0] ? name : "-", cpus, tracecmd_get_first_ts(h));
	for (int cpu = 0; cpu < cpus; cpu++) {
		struct tep_record *first = tracecmd_read_cpu_first(h, cpu);
		if (!first) {
			printf("first %d none\n", cpu);
			continue;
		}
		rec("first", first);
		tracecmd_free_record(first);
		/* read_cpu_first positions the CPU after its first record */
		int n = 1, i = 0;
		struct tep_record *r;
		unsigned long long *offs = NULL;
		int *sizes = NULL;
		while ((r = tracecmd_read_data(h, cpu))) {
			rec("data", r);
			offs = realloc(offs, sizeof(*offs) * (i + 1));
			sizes = realloc(sizes, sizeof(*sizes) * (i + 1));
			sizes[i] = r->record_size;
			offs[i++] = r->offset;
			tracecmd_free_record(r);
			n++;
		}
		printf("count %d %d\n", cpu, n);
		/* read_at: every 50th offset, one byte past it, and its record's end */
		for (int k = 0; k < i; k += 50) {
			int deltas[3] = { 0, 1, sizes[k] };
			for (int j = 0; j < 3; j++) {
				int d = deltas[j];
				int c = -1;
				struct tep_record *a = tracecmd_read_at(h, offs[k] + d, &c);
				if (a) {
					printf("at %llu %d %d %llu %llu\n", offs[k] + d, c, a->cpu, a->ts, a->offset);
					tracecmd_free_record(a);
				} else {
					printf("at %llu none\n", offs[k] + d);
				}
			}
		}
		free(offs);
		free(sizes);
	}
}

static int do_file(const char *path)
{
	struct tracecmd_input *h = must(tracecmd_open(path, 0), "tracecmd_open");
	printf("traceid %llu\n", tracecmd_get_traceid(h));
	struct tep_handle *tep = tracecmd_get_tep(h);
	printf("tep_events %d\n", tep ? tep_get_events_count(tep) : -1);
	struct tep_event **events = tep ? tep_list_events(tep, TEP_EVENT_SORT_ID) : NULL;
	for (int i = 0; events && events[i]; i++)
		printf("tep %d %s:%s\n", events[i]->id, events[i]->system, events[i]->name);
	static char mark[] = "private";
	tracecmd_set_private(h, mark);
	printf("private %s\n", (char *)tracecmd_get_private(h));
	int n = tracecmd_buffer_instances(h);
	printf("instances %d\n", n);
	for (int i = 0; i < n; i++)
		printf("instance %d %s\n", i, tracecmd_buffer_instance_name(h, i));
	buffer(h, "");
	for (int i = 0; i < n; i++) {
		struct tracecmd_input *ih = must(tracecmd_buffer_instance_handle(h, i), "instance handle");
		buffer(ih, tracecmd_buffer_instance_name(h, i));
		tracecmd_close(ih);
	}
	tracecmd_close(h);

	/* open_fd, open_head + init_data: the first record of the first CPU with data */
	int fd = open(path, O_RDONLY);
	struct tracecmd_input *fh = must(tracecmd_open_fd(fd, 0), "tracecmd_open_fd");
	struct tracecmd_input *hh = must(tracecmd_open_head(path, 0), "tracecmd_open_head");
	printf("head_traceid %llu\n", tracecmd_get_traceid(hh));
	printf("init_data %d\n", tracecmd_init_data(hh));
	for (int cpu = 0; cpu < tracecmd_cpus(fh); cpu++) {
		struct tep_record *a = tracecmd_read_cpu_first(fh, cpu);
		struct tep_record *b = tracecmd_read_cpu_first(hh, cpu);
		if (a)
			rec("fd_first", a);
		if (b)
			rec("head_first", b);
		tracecmd_free_record(a);
		tracecmd_free_record(b);
	}
	tracecmd_close(fh);
	tracecmd_close(hh);
	tracecmd_set_loglevel(TEP_LOG_CRITICAL);
	printf("loglevel ok\n");
	return 0;
}

static int do_iterate(const char *path, const char *filter, int neg)
{
	struct tracecmd_input *h = must(tracecmd_open(path, 0), "tracecmd_open");
	if (filter && !tracecmd_filter_add(h, filter, neg)) {
		fprintf(stderr, "libtracecmd-api: bad filter\n");
		return 1;
	}
	int ret = tracecmd_iterate_events(h, NULL, 0, print_cb, NULL);
	printf("ret %d\n", ret);
	tracecmd_close(h);
	return 0;
}

static int do_cpu(const char *path, int cpu)
{
	struct tracecmd_input *h = must(tracecmd_open(path, 0), "tracecmd_open");
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	printf("ret %d\n", tracecmd_iterate_events(h, &set, sizeof(set), print_cb, NULL));
	tracecmd_close(h);
	return 0;
}

static int follow_cb(struct tracecmd_input *h, struct tep_event *e, struct tep_record *r, int cpu, void *d)
{
	printf("F %s %s %d %llu %llu\n", e->system, e->name, r->cpu, r->ts, r->offset);
	return 0;
}

static int missed_cb(struct tracecmd_input *h, struct tep_event *e, struct tep_record *r, int cpu, void *d)
{
	printf("M %s %d %llu %llu %lld\n", e ? e->name : "-", r->cpu, r->ts, r->offset, r->missed_events);
	return 0;
}

static int do_follow(const char *path, const char *system, const char *event)
{
	struct tracecmd_input *h = must(tracecmd_open(path, 0), "tracecmd_open");
	tracecmd_follow_event(h, system, event, follow_cb, NULL);
	tracecmd_follow_missed_events(h, missed_cb, NULL);
	printf("ret %d\n", tracecmd_iterate_events(h, NULL, 0, NULL, NULL));
	tracecmd_close(h);
	return 0;
}

static int stop_after, seen;

/* prints the first stop_after records with tag d (a non-zero return does not end the
 * iteration in 3.1.6) */
static int tag_cb(struct tracecmd_input *h, struct tep_record *r, int cpu, void *d)
{
	if (seen++ < stop_after)
		rec(d, r);
	return 0;
}

static int do_reset(const char *path)
{
	struct tracecmd_input *h = must(tracecmd_open(path, 0), "tracecmd_open");
	stop_after = 1 << 30;
	seen = 0;
	tracecmd_iterate_events(h, NULL, 0, tag_cb, "A");
	seen = 0;
	tracecmd_iterate_events(h, NULL, 0, tag_cb, "B");
	tracecmd_close(h);
	/* a new handle starts over (tracecmd_iterate_reset is not in 3.1.6) */
	h = must(tracecmd_open(path, 0), "tracecmd_open");
	seen = 0;
	tracecmd_iterate_events(h, NULL, 0, tag_cb, "C");
	tracecmd_close(h);
	return 0;
}

static int do_offset(const char *path, long long ns)
{
	struct tracecmd_input *h = must(tracecmd_open(path, 0), "tracecmd_open");
	tracecmd_add_ts_offset(h, ns);
	printf("first_ts %llu\n", tracecmd_get_first_ts(h));
	stop_after = 5;
	seen = 0;
	tracecmd_iterate_events(h, NULL, 0, tag_cb, "R");
	tracecmd_close(h);
	return 0;
}

static struct tracecmd_input **handles;
static int nr_handles;

static int multi_cb(struct tracecmd_input *h, struct tep_record *r, int cpu, void *d)
{
	int i;
	for (i = 0; i < nr_handles && handles[i] != h; i++)
		;
	printf("R %d %d %llu %llu\n", i, r->cpu, r->ts, r->offset);
	return 0;
}

static int index_of(struct tracecmd_input *h)
{
	for (int i = 0; i < nr_handles; i++)
		if (handles[i] == h)
			return i;
	return -1;
}

static int do_multi(int argc, char **argv)
{
	nr_handles = argc;
	handles = calloc(argc, sizeof(*handles));
	for (int i = 0; i < argc; i++)
		handles[i] = must(tracecmd_open(argv[i], 0), "tracecmd_open");
	printf("map_vcpus %d\n", tracecmd_map_vcpus(handles, nr_handles));
	for (int i = 0; i < nr_handles; i++) {
		unsigned long long id = tracecmd_get_traceid(handles[i]);
		printf("traceid %d %llu\n", i, id);
		const char *name;
		int count;
		const int *pids;
		if (i > 0 && tracecmd_get_guest_cpumap(handles[0], id, &name, &count, &pids) == 0) {
			printf("cpumap %d %s %d", i, name, count);
			for (int c = 0; c < count; c++)
				printf(" %d", pids[c]);
			printf("\n");
		}
		for (int cpu = 0; cpu < tracecmd_cpus(handles[i]); cpu++) {
			struct tracecmd_cpu_map *m = tracecmd_get_cpu_map(handles[i], cpu);
			if (!m)
				continue;
			int pid = tracecmd_map_get_host_pid(m);
			static int marks[64];
			tracecmd_map_set_private(m, &marks[cpu % 64]);
			struct tracecmd_cpu_map *f = tracecmd_map_find_by_host_pid(handles[0], pid);
			printf("map %d %d %d %d %d %d\n", i, cpu, pid, index_of(tracecmd_map_get_guest(m)),
			       f ? index_of(tracecmd_map_get_guest(f)) : -1,
			       tracecmd_map_get_private(f) == &marks[cpu % 64]);
		}
	}
	printf("find_none %d\n", tracecmd_map_find_by_host_pid(handles[0], 999999) == NULL);
	printf("ret %d\n", tracecmd_iterate_events_multi(handles, nr_handles, multi_cb, NULL));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "file"))
		return do_file(argv[2]);
	if (!strcmp(cmd, "iterate"))
		return do_iterate(argv[2], argc > 3 ? argv[3] : NULL, argc > 4 && atoi(argv[4]));
	if (!strcmp(cmd, "cpu") && argc > 3)
		return do_cpu(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "follow") && argc > 4)
		return do_follow(argv[2], argv[3], argv[4]);
	if (!strcmp(cmd, "reset"))
		return do_reset(argv[2]);
	if (!strcmp(cmd, "offset") && argc > 3)
		return do_offset(argv[2], atoll(argv[3]));
	if (!strcmp(cmd, "multi"))
		return do_multi(argc - 2, argv + 2);
	return 2;
}
