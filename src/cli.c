// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The flags every command shares, apart from main so that the option
 * parsers link without it (the fuzz targets call them). */
#include "cli.h"
#include "log.h"

struct ig_global ig_global;

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
