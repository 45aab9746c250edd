// SPDX-License-Identifier: MIT
/*
 * rbrecords - what libtracecmd (trace-cmd 3.1.6, the reference) returns for the records of
 * each CPU of each buffer of a trace file, read with tracecmd_read_data (file order).
 *
 *   gcc -o rbrecords rbrecords.c $(pkg-config --cflags --libs libtracecmd)
 *   rbrecords FILE
 *
 * For the top-level buffer, then each instance (tracecmd_buffer_instance_handle order), one
 * line per CPU (0 ..< tracecmd_cpus) that has records:
 *   buffer=NAME cpu=N records=C first=TS last=TS hash=H missed=I:V,I:V...
 * (NAME is "-" for the top-level buffer). H is FNV-1a 64 over, per record, the decimal text
 * "ts offset size record_size missed first_on_page page_ts ts_delta\n". missed lists
 * "record index:record->missed_events" for every record whose missed_events is not 0.
 * Timestamps are what the library returns after tracecmd_open (no OFFSET/DATE options in
 * the ring-buffer fixtures, so these are the raw ring-buffer timestamps).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>

int tracecmd_cpus(struct tracecmd_input *handle);
int tracecmd_record_at_buffer_start(struct tracecmd_input *handle, struct tep_record *record);
unsigned long long tracecmd_page_ts(struct tracecmd_input *handle, struct tep_record *record);
unsigned int tracecmd_record_ts_delta(struct tracecmd_input *handle, struct tep_record *record);

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void dump(struct tracecmd_input *h, const char *name)
{
	int cpus = tracecmd_cpus(h);

	for (int cpu = 0; cpu < cpus; cpu++) {
		struct tep_record *r;
		unsigned long long n = 0, first = 0, last = 0;
		uint64_t hash = 0xcbf29ce484222325ULL;
		char line[256];
		char *missed = NULL;
		size_t mlen = 0;
		FILE *m = open_memstream(&missed, &mlen);

		while ((r = tracecmd_read_data(h, cpu))) {
			if (!n)
				first = r->ts;
			last = r->ts;
			snprintf(line, sizeof(line), "%llu %llu %d %d %lld %d %llu %u\n",
				 r->ts, r->offset, r->size, r->record_size, r->missed_events,
				 tracecmd_record_at_buffer_start(h, r) ? 1 : 0,
				 tracecmd_page_ts(h, r), tracecmd_record_ts_delta(h, r));
			hash = fnv(hash, line);
			if (r->missed_events)
				fprintf(m, "%s%llu:%lld", ftell(m) ? "," : "", n, r->missed_events);
			n++;
			tracecmd_free_record(r);
		}
		fclose(m);
		if (n)
			printf("buffer=%s cpu=%d records=%llu first=%llu last=%llu hash=%016" PRIx64 " missed=%s\n",
			       name, cpu, n, first, last, hash, missed);
		free(missed);
	}
}

int main(int argc, char **argv)
{
	struct tracecmd_input *h;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: rbrecords FILE\n");
		return 2;
	}
	h = tracecmd_open(argv[1], 0);
	if (!h) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	dump(h, "-");
	n = tracecmd_buffer_instances(h);
	for (int i = 0; i < n; i++) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(h, i);

		if (!ih)
			continue;
		dump(ih, tracecmd_buffer_instance_name(h, i));
	}
	return 0;
}
