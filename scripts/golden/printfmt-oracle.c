/*
 * printfmt-oracle: print given event payloads with the reference libtraceevent,
 * for event formats and payloads that no recording produces (real tracefs formats
 * of events this machine does not fire, and formats written to probe the grammar).
 *
 * Input (stdin), one item per line:
 *   L <long size>
 *   B <0|1>             (1: the record data is big-endian)
 *   F <system>/<name>   followed by the format file text, ended by a line "."
 *   K <address hex> <function name>      (a kallsyms function)
 *   P <address hex> <printk string>
 *   R <system>/<name> <payload hex>
 * Output: the same items, R lines completed with the reference's text (escaped
 * \\ \n \t \xNN), K lines replaced by S <start> <size> <name> lines at the end.
 * With the environment variable PRINTFMT_RAW set, R texts are raw-mode field lists.
 * Build: cc -O1 -o printfmt-oracle printfmt-oracle.c $(pkg-config --cflags --libs libtraceevent)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>

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

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int main(void)
{
	struct tep_handle *tep = tep_alloc();
	static char line[1 << 20];
	static char fmt[1 << 20];
	unsigned long long kaddr[4096];
	int nk = 0;

	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (line[0] == 'L' && line[1] == ' ') {
			tep_set_long_size(tep, atoi(line + 2));
			printf("%s\n", line);
		} else if (line[0] == 'B' && line[1] == ' ') {
			tep_set_file_bigendian(tep, atoi(line + 2) ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
			printf("%s\n", line);
		} else if (line[0] == 'F' && line[1] == ' ') {
			char sys[256];
			size_t len = 0;
			char *slash = strchr(line + 2, '/');
			if (!slash)
				continue;
			snprintf(sys, sizeof(sys), "%.*s", (int)(slash - line - 2), line + 2);
			printf("%s\n", line);
			while (fgets(line, sizeof(line), stdin)) {
				if (strcmp(line, ".\n") == 0)
					break;
				fputs(line, stdout);
				n = strlen(line);
				memcpy(fmt + len, line, n);
				len += n;
			}
			printf(".\n");
			fmt[len] = 0;
			tep_parse_event(tep, fmt, len, sys);
		} else if (line[0] == 'K' && line[1] == ' ') {
			char *end;
			unsigned long long a = strtoull(line + 2, &end, 16);
			tep_register_function(tep, end + 1, a, NULL);
			if (nk < 4096)
				kaddr[nk++] = a;
		} else if (line[0] == 'P' && line[1] == ' ') {
			char *end;
			unsigned long long a = strtoull(line + 2, &end, 16);
			tep_register_print_string(tep, end + 1, a);
			printf("%s\n", line);
		} else if (line[0] == 'R' && line[1] == ' ') {
			char *name = line + 2;
			char *hex = strchr(name, ' ');
			unsigned char *data;
			struct tep_record rec;
			struct trace_seq s;
			size_t hl;

			if (!hex)
				continue;
			*hex++ = 0;
			hl = strlen(hex);
			data = calloc(1, hl / 2 + 8);
			for (size_t i = 0; i + 1 < hl; i += 2)
				data[i / 2] = hexval(hex[i]) << 4 | hexval(hex[i + 1]);
			memset(&rec, 0, sizeof(rec));
			rec.data = data;
			rec.size = hl / 2;
			trace_seq_init(&s);
			tep_print_event(tep, &s, &rec, "%s",
					getenv("PRINTFMT_RAW") ? TEP_PRINT_INFO_RAW : TEP_PRINT_INFO);
			printf("R %s %s ", name, hex);
			put_escaped(s.buffer, s.len);
			putchar('\n');
			trace_seq_destroy(&s);
			free(data);
		}
	}
	for (int i = 0; i < nk; i++) {
		const char *name;
		unsigned long long start;
		unsigned long size;
		if (tep_find_function_info(tep, kaddr[i], &name, &start, &size) && start == kaddr[i])
			printf("S %llx %lx %s\n", start, size, name);
	}
	tep_free(tep);
	return 0;
}
