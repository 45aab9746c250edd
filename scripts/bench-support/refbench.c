/* refbench.c - reference figures from libtracecmd for scripts/bench:
 *   refbench head FILE N     time tracecmd_open_head N times (prints microseconds per open)
 *   refbench iterate FILE    read every record of every CPU in timestamp order
 *                            (tracecmd_iterate_events, no formatting); prints records/s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <trace-cmd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned long long count, bytes, sum;

static int cb(struct tracecmd_input *h, struct tep_record *r, int cpu, void *d)
{
	count++;
	bytes += r->record_size;
	sum += r->ts;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "head")) {
		int n = argc > 3 ? atoi(argv[3]) : 5;
		for (int i = 0; i < n; i++) {
			double t0 = now();
			struct tracecmd_input *h = tracecmd_open_head(argv[2], 0);
			double dt = now() - t0;
			if (!h)
				return 1;
			tracecmd_close(h);
			printf("head-only open: %d us\n", (int)(dt * 1e6));
		}
		return 0;
	}
	double t0 = now();
	struct tracecmd_input *h = tracecmd_open(argv[2], 0);
	if (!h)
		return 1;
	tracecmd_iterate_events(h, NULL, 0, cb, NULL);
	double dt = now() - t0;
	tracecmd_close(h);
	printf("records: %llu bytes: %llu seconds: %.3f records/s: %d MB/s: %.3f checksum: %llu\n",
	       count, bytes, dt, (int)(count / dt), bytes / 1e6 / dt, sum);
	return 0;
}
