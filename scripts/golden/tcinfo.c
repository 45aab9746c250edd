// SPDX-License-Identifier: MIT
/*
 * tcinfo - print what libtracecmd (the reference, trace-cmd 3.1.6) reports about trace files.
 *
 *   gcc -o tcinfo tcinfo.c $(pkg-config --cflags --libs libtracecmd)
 *   tcinfo FILE...             one JSON document {"files":[...]}, files in argument order;
 *                              the first file is the "host" for guests[].file matching
 *   tcinfo --records FILE      "cpu ts" per record, in tracecmd_read_next_data order
 *   tcinfo --records F1 F2...  "file cpu ts" per record (file = argument index, 0-based),
 *                              in tracecmd_iterate_events_multi order (merged by the library)
 *
 * Every value is what libtracecmd gives after a plain tracecmd_open(file, 0): whatever
 * timestamp correction the library applies on its own (OFFSET, DATE, TIME_SHIFT, TSC2NSEC)
 * is included; nothing is applied here.
 *
 * Some facts have no accessor in libtracecmd 3.1.6 (the list of GUEST options, the presence
 * of TRACEID, the TIME_SHIFT samples): for those the option bytes are read here from the
 * file, starting at tracecmd_get_options_offset(), with the file's endianness
 * (tep_read_number). Options are walked like the library does: v6 = a list of
 * (u16 id, u32 size, data) ending with id 0; v7 = sections whose header is
 * (u16 id, u16 flags, u32 description, u64 size), the list ending with a DONE option whose
 * u64 payload is the offset of the next options section (0 = last). A compressed options
 * section is not read here (trace-cmd 3.1.6 does not write one); tcinfo then fails.
 * timeSync.cpus[] gives the samples as stored in the option (count, first and last offset
 * in file order); the library sorts them by time and drops equal times when it loads them.
 *
 * Declarations of the libtracecmd functions that are exported but not in the public
 * header are copied from trace-cmd 3.1.6's trace-cmd-private.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <trace-cmd.h>

/* exported by libtracecmd.so.1, declared in trace-cmd-private.h (not installed) */
unsigned long tracecmd_get_in_file_version(struct tracecmd_input *handle);
size_t tracecmd_get_options_offset(struct tracecmd_input *handle);
int tracecmd_get_file_compress_proto(struct tracecmd_input *handle,
				     const char **name, const char **version);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);
struct tep_record *tracecmd_read_next_data(struct tracecmd_input *handle, int *rec_cpu);

#define OPT_DONE	0
#define OPT_TRACEID	11
#define OPT_TIME_SHIFT	12
#define OPT_GUEST	13
#define SEC_FL_COMPRESS	1

struct guest_opt {
	char *name;
	unsigned long long trace_id;
};

struct file_opts {
	int has_traceid;
	int nr_guests;
	struct guest_opt *guests;
	/* last TIME_SHIFT option (the library keeps the last one too) */
	char *time_shift;
	unsigned int time_shift_size;
};

struct input {
	const char *path;
	struct tracecmd_input *handle;
	struct file_opts opts;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "tcinfo: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static int pread_all(int fd, void *buf, size_t size, off_t off)
{
	char *p = buf;

	while (size) {
		ssize_t r = pread(fd, p, size, off);

		if (r <= 0)
			return -1;
		p += r;
		size -= r;
		off += r;
	}
	return 0;
}

static void add_option(struct file_opts *o, struct tep_handle *tep,
		       unsigned short id, char *data, unsigned int size)
{
	switch (id) {
	case OPT_TRACEID:
		if (size >= 8)	/* the library ignores a shorter one */
			o->has_traceid = 1;
		break;
	case OPT_GUEST: {
		size_t len = strnlen(data, size);

		if (len + 1 + 8 > size)
			break;
		o->guests = realloc(o->guests, sizeof(*o->guests) * (o->nr_guests + 1));
		if (!o->guests)
			die("%s", "out of memory");
		o->guests[o->nr_guests].name = strndup(data, len);
		o->guests[o->nr_guests].trace_id = tep_read_number(tep, data + len + 1, 8);
		o->nr_guests++;
		break;
	}
	case OPT_TIME_SHIFT:
		if (size < 16)	/* the library ignores a shorter one */
			break;
		free(o->time_shift);
		o->time_shift = malloc(size);
		if (!o->time_shift)
			die("%s", "out of memory");
		memcpy(o->time_shift, data, size);
		o->time_shift_size = size;
		break;
	}
}

static void read_options(struct input *in)
{
	struct tep_handle *tep = tracecmd_get_tep(in->handle);
	unsigned long version = tracecmd_get_in_file_version(in->handle);
	off_t off = tracecmd_get_options_offset(in->handle);
	unsigned char hdr[16];
	int fd, sections = 0;

	memset(&in->opts, 0, sizeof(in->opts));
	if (!off)
		return;
	fd = open(in->path, O_RDONLY);
	if (fd < 0)
		die("cannot open %s", in->path);

	for (;;) {
		off_t end = -1;

		if (version >= 7) {
			unsigned short flags;

			if (++sections > 1000 || pread_all(fd, hdr, 16, off))
				die("bad options section in %s", in->path);
			if (tep_read_number(tep, hdr, 2) != OPT_DONE)
				die("bad options section id in %s", in->path);
			flags = tep_read_number(tep, hdr + 2, 2);
			if (flags & SEC_FL_COMPRESS)
				die("compressed options section in %s is not supported", in->path);
			off += 16;
			end = off + tep_read_number(tep, hdr + 8, 8);
		}
		for (;;) {
			unsigned short id;
			unsigned int size;
			char *data;

			if (pread_all(fd, hdr, 2, off))
				die("truncated options in %s", in->path);
			id = tep_read_number(tep, hdr, 2);
			off += 2;
			if (version < 7 && id == OPT_DONE)
				goto done;
			if (pread_all(fd, hdr, 4, off))
				die("truncated options in %s", in->path);
			size = tep_read_number(tep, hdr, 4);
			off += 4;
			if (end >= 0 && off + size > end)
				die("option beyond its section in %s", in->path);
			data = calloc(1, size + 1);
			if (!data || pread_all(fd, data, size, off))
				die("truncated option in %s", in->path);
			off += size;
			if (id == OPT_DONE) {
				unsigned long long next = size >= 8 ? tep_read_number(tep, data, 8) : 0;

				free(data);
				if (!next)
					goto done;
				off = next;
				break;
			}
			add_option(&in->opts, tep, id, data, size);
			free(data);
		}
	}
done:
	close(fd);
}

static void print_hex_id(unsigned long long id)
{
	printf("\"0x%llx\"", id);
}

static void print_str(const char *s)
{
	const unsigned char *p;

	if (!s) {
		printf("null");
		return;
	}
	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void print_cpu_stats(struct tracecmd_input *handle, int cpus)
{
	int cpu;

	printf("[");
	for (cpu = 0; cpu < cpus; cpu++) {
		unsigned long long n = 0, first = 0, last = 0;
		struct tep_record *rec;

		while ((rec = tracecmd_read_data(handle, cpu))) {
			if (!n)
				first = rec->ts;
			last = rec->ts;
			n++;
			tracecmd_free_record(rec);
		}
		printf("%s{\"cpu\": %d, \"records\": %llu, ", cpu ? ", " : "", cpu, n);
		if (n)
			printf("\"firstTimestamp\": %llu, \"lastTimestamp\": %llu}", first, last);
		else
			printf("\"firstTimestamp\": null, \"lastTimestamp\": null}");
	}
	printf("]");
}

static void print_time_shift(struct input *in)
{
	struct tep_handle *tep = tracecmd_get_tep(in->handle);
	const char *buf = in->opts.time_shift;
	long long left = in->opts.time_shift_size;
	unsigned int ncpus, cpu, pos = 16;

	if (!buf) {
		printf("null");
		return;
	}
	ncpus = tep_read_number(tep, buf + 12, 4);
	printf("{\"peerTraceID\": ");
	print_hex_id(tep_read_number(tep, buf, 8));
	printf(", \"flags\": %u, \"cpus\": [", (unsigned)tep_read_number(tep, buf + 8, 4));
	left -= 16;
	for (cpu = 0; cpu < ncpus; cpu++) {
		unsigned int n;

		/* same layout as the library reads: u32 n, n times, n offsets, n scalings */
		if (left < 4)
			break;
		n = tep_read_number(tep, buf + pos, 4);
		pos += 4;
		left -= 4;
		if (left < 24LL * n)
			break;
		printf("%s{\"cpu\": %u, \"samples\": %u, ", cpu ? ", " : "", cpu, n);
		if (n) {
			long long first = tep_read_number(tep, buf + pos + 8 * n, 8);
			long long last = tep_read_number(tep, buf + pos + 8 * n + 8 * (n - 1), 8);

			printf("\"firstOffset\": %lld, \"lastOffset\": %lld}", first, last);
		} else {
			printf("\"firstOffset\": null, \"lastOffset\": null}");
		}
		pos += 24 * n;
		left -= 24LL * n;
	}
	printf("]}");
}

static void print_file(struct input *ins, int nr, int idx)
{
	struct input *in = &ins[idx];
	struct tracecmd_input *h = in->handle;
	const char *cname = NULL, *cver = NULL;
	int cpus = tracecmd_cpus(h);
	int i, j, nbuf;

	printf("{\"path\": ");
	print_str(in->path);
	printf(", \"version\": %lu, \"compression\": ", tracecmd_get_in_file_version(h));
	if (tracecmd_get_file_compress_proto(h, &cname, &cver) == 0 && cname) {
		printf("{\"name\": ");
		print_str(cname);
		printf(", \"version\": ");
		print_str(cver);
		printf("}");
	} else {
		printf("null");
	}
	printf(", \"clock\": ");
	print_str(tracecmd_get_trace_clock(h));
	printf(", \"traceID\": ");
	if (in->opts.has_traceid)
		print_hex_id(tracecmd_get_traceid(h));
	else
		printf("null");
	printf(", \"role\": \"%s\"", in->opts.nr_guests ? "host" :
	       in->opts.time_shift ? "guest" : "single");
	printf(", \"firstTimestamp\": %llu, \"cpus\": %d, \"cpuStats\": ",
	       tracecmd_get_first_ts(h), cpus);
	print_cpu_stats(h, cpus);

	printf(", \"instances\": [");
	nbuf = tracecmd_buffer_instances(h);
	for (i = 0; i < nbuf; i++) {
		struct tracecmd_input *bh = tracecmd_buffer_instance_handle(h, i);

		printf("%s{\"name\": ", i ? ", " : "");
		print_str(tracecmd_buffer_instance_name(h, i));
		if (!bh) {
			printf(", \"firstTimestamp\": null, \"cpus\": null, \"cpuStats\": null}");
			continue;
		}
		printf(", \"firstTimestamp\": %llu, \"cpus\": %d, \"cpuStats\": ",
		       tracecmd_get_first_ts(bh), tracecmd_cpus(bh));
		print_cpu_stats(bh, tracecmd_cpus(bh));
		printf("}");
		tracecmd_close(bh);
	}

	printf("], \"guests\": [");
	for (i = 0; i < in->opts.nr_guests; i++) {
		unsigned long long id = in->opts.guests[i].trace_id;
		const char *name = NULL;
		const int *pids = NULL;
		int vcpus = 0;
		const char *file = NULL;

		printf("%s{\"name\": ", i ? ", " : "");
		if (tracecmd_get_guest_cpumap(h, id, &name, &vcpus, &pids) < 0) {
			print_str(in->opts.guests[i].name);
			printf(", \"traceID\": ");
			print_hex_id(id);
			printf(", \"vcpus\": null, \"hostPIDs\": null");
		} else {
			print_str(name);
			printf(", \"traceID\": ");
			print_hex_id(id);
			printf(", \"vcpus\": %d, \"hostPIDs\": [", vcpus);
			for (j = 0; j < vcpus; j++)
				printf("%s%d", j ? ", " : "", pids ? pids[j] : -1);
			printf("]");
		}
		if (idx == 0) {
			for (j = 1; j < nr; j++)
				if (ins[j].opts.has_traceid && tracecmd_get_traceid(ins[j].handle) == id)
					file = ins[j].path;
		}
		printf(", \"file\": ");
		print_str(file);
		printf("}");
	}
	printf("], \"timeSync\": ");
	print_time_shift(in);
	printf("}");
}

static int print_multi_record(struct tracecmd_input *handle, struct tep_record *rec,
			      int cpu, void *data)
{
	struct tracecmd_input **handles = data;
	int i;

	for (i = 0; handles[i]; i++)
		if (handles[i] == handle)
			break;
	/* @cpu is the index over the CPUs of all handles: the record's own CPU is rec->cpu */
	(void)cpu;
	printf("%d %d %llu\n", i, rec->cpu, rec->ts);
	return 0;
}

static struct tracecmd_input *open_file(const char *path)
{
	struct tracecmd_input *h = tracecmd_open(path, 0);

	if (!h)
		die("cannot open %s with libtracecmd", path);
	return h;
}

int main(int argc, char **argv)
{
	struct input *ins;
	int i, nr;

	if (argc > 1 && strcmp(argv[1], "--records") == 0) {
		struct tracecmd_input **hs;

		nr = argc - 2;
		if (nr < 1)
			die("%s", "usage: tcinfo --records FILE...");
		hs = calloc(nr + 1, sizeof(*hs));
		if (!hs)
			die("%s", "out of memory");
		for (i = 0; i < nr; i++)
			hs[i] = open_file(argv[i + 2]);
		if (nr == 1) {
			struct tep_record *rec;
			int cpu;

			while ((rec = tracecmd_read_next_data(hs[0], &cpu))) {
				printf("%d %llu\n", cpu, rec->ts);
				tracecmd_free_record(rec);
			}
		} else {
			tracecmd_iterate_events_multi(hs, nr, print_multi_record, hs);
		}
		for (i = 0; i < nr; i++)
			tracecmd_close(hs[i]);
		free(hs);
		return 0;
	}

	nr = argc - 1;
	if (nr < 1)
		die("%s", "usage: tcinfo FILE... | tcinfo --records FILE...");
	ins = calloc(nr, sizeof(*ins));
	if (!ins)
		die("%s", "out of memory");
	for (i = 0; i < nr; i++) {
		ins[i].path = argv[i + 1];
		ins[i].handle = open_file(argv[i + 1]);
		read_options(&ins[i]);
	}
	printf("{\"files\": [");
	for (i = 0; i < nr; i++) {
		if (i)
			printf(",\n  ");
		print_file(ins, nr, i);
	}
	printf("]}\n");
	for (i = 0; i < nr; i++)
		tracecmd_close(ins[i].handle);
	free(ins);
	return 0;
}
