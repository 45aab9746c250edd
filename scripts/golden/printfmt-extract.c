/*
 * printfmt-extract: dump the records of a trace.dat with the reference
 * libtracecmd/libtraceevent (plugins disabled, like `trace-cmd report -N`).
 *
 * Output, one item per line:
 *   R <system>/<name> <payload hex> <info text, escaped: \\ \n \t>
 *   S <start hex> <size hex> <name>      (kallsyms functions that contain an
 *                                          8-byte field value of some record)
 *   P <address hex> <printk string>      (printk formats at such a value)
 *   L <long size>
 * With -R, the text is the raw-mode field list (`trace-cmd report -R`) instead.
 * Build: cc -O1 -o printfmt-extract printfmt-extract.c $(pkg-config --cflags --libs libtracecmd)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>
#include <event-parse.h>
#include <unistd.h>
#include <fcntl.h>

static unsigned long long *vals;
static size_t nvals, capvals;

static void add_val(unsigned long long v)
{
	for (size_t i = 0; i < nvals; i++)
		if (vals[i] == v)
			return;
	if (nvals == capvals) {
		capvals = capvals ? capvals * 2 : 256;
		vals = realloc(vals, capvals * sizeof(*vals));
	}
	vals[nvals++] = v;
}

/* The printk formats whose address is one of the 8-byte field values seen. */
static void dump_printk(struct tep_handle *tep)
{
	char path[] = "/tmp/printfmt-printk-XXXXXX";
	int fd = mkstemp(path);
	int saved;
	FILE *f;
	char line[4096];

	if (fd < 0)
		return;
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	tep_print_printk(tep);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	unlink(path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a = strtoull(line, NULL, 16);
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		for (size_t i = 0; i < nvals; i++)
			if (vals[i] == a) {
				printf("P %s", line);
				break;
			}
	}
	fclose(f);
}

struct sym { unsigned long long start; unsigned long size; const char *name; };
static struct sym *syms;
static size_t nsyms, capsyms;

static void add_sym(struct tep_handle *tep, unsigned long long v)
{
	const char *name;
	unsigned long long start;
	unsigned long size;

	if (v < 0xffff000000000000ULL)
		return;
	if (!tep_find_function_info(tep, v, &name, &start, &size))
		return;
	for (size_t i = 0; i < nsyms; i++)
		if (syms[i].start == start)
			return;
	if (nsyms == capsyms) {
		capsyms = capsyms ? capsyms * 2 : 64;
		syms = realloc(syms, capsyms * sizeof(*syms));
	}
	syms[nsyms++] = (struct sym){ start, size, name };
}

static const char *info = TEP_PRINT_INFO;

static void put_escaped(const char *p, int len)
{
	for (int i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c == '\\') fputs("\\\\", stdout);
		else if (c == '\n') fputs("\\n", stdout);
		else if (c == '\t') fputs("\\t", stdout);
		else if (c < 0x20 || c >= 0x7f) printf("\\x%02x", c);
		else putchar(c);
	}
}

static int callback(struct tracecmd_input *handle, struct tep_record *rec,
		    int cpu, void *data)
{
	struct tep_handle *tep = tracecmd_get_tep(handle);
	struct tep_event *ev = tep_find_event_by_record(tep, rec);
	struct trace_seq s;
	unsigned char *p = rec->data;

	if (!ev)
		return 0;
	printf("R %s/%s ", ev->system, ev->name);
	for (int i = 0; i < rec->size; i++)
		printf("%02x", p[i]);
	putchar(' ');
	trace_seq_init(&s);
	tep_print_event(tep, &s, rec, "%s", info);
	put_escaped(s.buffer, s.len);
	trace_seq_destroy(&s);
	putchar('\n');

	/* symbols for 8-byte scalar fields and long arrays */
	for (int i = 0; i < ev->format.nr_fields; i++) {
		struct tep_format_field *f = ev->format.fields;
		for (int k = 0; f && k < i; k++) f = f->next;
		if (!f || f->flags & TEP_FIELD_IS_DYNAMIC)
			continue;
		if (f->elementsize == 8 || (f->size == 8 && !(f->flags & TEP_FIELD_IS_ARRAY))) {
			for (int o = f->offset; o + 8 <= f->offset + f->size && o + 8 <= rec->size; o += 8) {
				unsigned long long v;
				memcpy(&v, p + o, 8);
				add_sym(tep, v);
				add_val(v);
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tracecmd_input *h;

	if (argc > 2 && strcmp(argv[1], "-R") == 0) {
		info = TEP_PRINT_INFO_RAW;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s [-R] trace.dat\n", argv[0]);
		return 1;
	}
	h = tracecmd_open(argv[1], TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	printf("L %d\n", tep_get_long_size(tracecmd_get_tep(h)));
	tracecmd_iterate_events(h, NULL, 0, callback, NULL);
	for (size_t i = 0; i < nsyms; i++)
		printf("S %llx %lx %s\n", syms[i].start, syms[i].size, syms[i].name);
	dump_printk(tracecmd_get_tep(h));
	tracecmd_close(h);
	return 0;
}
