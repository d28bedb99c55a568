// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The flags every command shares, apart from main so that the option
 * parsers link without it (the fuzz targets call them). */
#include <getopt.h>
#include "cli.h"
#include "log.h"
#include "quote.h"

struct ig_global ig_global;

static cli__dispatch_fn dispatcher;

void cli__set_dispatch(cli__dispatch_fn fn)
{
	dispatcher = fn;
}

int cli__run(bool json, int verbose, int argc, char **argv)
{
	int status;

	if (!dispatcher || argc < 1)
		return IG_EXIT_USAGE;
	ig_global.json = json;
	ig_global.verbose = verbose;
	log__forget();
	log__init(json, verbose);
	status = dispatcher(argc, argv);
	log__end();
	return status;
}

int cli__common_opt(int opt)
{
	switch (opt) {
	case 'j':
		ig_global.json = true;
		break;
	case 'v':
		ig_global.verbose++;
		break;
	default:
		return 0;
	}
	log__init(ig_global.json, ig_global.verbose);
	return 1;
}

void cli__bad_option(int opt, char **argv, const char *usage)
{
	char flag[3] = { '-', (char)optopt, '\0' }, q[QUOTE_BUF];
	/* A short option's letter; a long one (whose optopt is its value,
	 * or 0) is the argument getopt stopped at. */
	const char *what = opt == '?' && optopt > ' ' && optopt < 127 ? flag : argv[optind - 1];

	p_err("bad option '%s' (usage: inodeguard %s)", quote__str(what, q), usage);
}
