// SPDX-License-Identifier: GPL-2.0
/* unit_main: runs every registered unit test and prints one line per test and a closing count. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

enum unit_result { UNIT_OK, UNIT_FAIL, UNIT_SKIP_RESULT };

static struct unit_test *unit_head, **unit_tail = &unit_head;

/* State of the test running now; tests run one at a time. */
static enum unit_result unit_result;
static char unit_msg[1024];

void unit__register(struct unit_test *t)
{
	t->next = NULL;
	*unit_tail = t;
	unit_tail = &t->next;
}

void unit__fail(const char *file, int line, int err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (unit_result == UNIT_FAIL)
		return;
	unit_result = UNIT_FAIL;
	len = (size_t)snprintf(unit_msg, sizeof(unit_msg), "%s:%d: ", file, line);
	if (len >= sizeof(unit_msg))
		return;
	va_start(ap, fmt);
	len += (size_t)vsnprintf(unit_msg + len, sizeof(unit_msg) - len, fmt, ap);
	va_end(ap);
	if (err && len < sizeof(unit_msg))
		snprintf(unit_msg + len, sizeof(unit_msg) - len, ", errno %d (%s)",
			 err, strerror(err));
}

void unit__skip(const char *fmt, ...)
{
	va_list ap;

	unit_result = UNIT_SKIP_RESULT;
	va_start(ap, fmt);
	vsnprintf(unit_msg, sizeof(unit_msg), fmt, ap);
	va_end(ap);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-l] [-t SUBSTRING]...\n"
		"  -l  list the tests\n"
		"  -t  run only tests whose name contains SUBSTRING\n", prog);
	exit(2);
}

static bool selected(const char *name, char **filters, int nr_filters)
{
	int i;

	if (!nr_filters)
		return true;
	for (i = 0; i < nr_filters; i++)
		if (strstr(name, filters[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, n = 0, nr_filters = 0, opt;
	char **filters = calloc((size_t)argc, sizeof(*filters));
	bool list = false;
	struct unit_test *t;

	if (!filters)
		return 2;
	while ((opt = getopt(argc, argv, "lt:h")) != -1) {
		switch (opt) {
		case 'l':
			list = true;
			break;
		case 't':
			filters[nr_filters++] = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}

	/* Unbuffered so a crashing test still shows the lines before it. */
	setvbuf(stdout, NULL, _IONBF, 0);
	for (t = unit_head; t; t = t->next) {
		if (!selected(t->name, filters, nr_filters))
			continue;
		n++;
		if (list) {
			printf("#%d %s\n", n, t->name);
			continue;
		}
		unit_result = UNIT_OK;
		unit_msg[0] = '\0';
		errno = 0;
		t->fn();
		switch (unit_result) {
		case UNIT_OK:
			passed++;
			printf("#%d %s:OK\n", n, t->name);
			break;
		case UNIT_FAIL:
			failed++;
			printf("#%d %s:FAIL (%s)\n", n, t->name, unit_msg);
			break;
		case UNIT_SKIP_RESULT:
			skipped++;
			printf("#%d %s:SKIP (%s)\n", n, t->name, unit_msg);
			break;
		}
	}
	free(filters);
	if (list)
		return 0;
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
