// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Build check: two BPF objects agree on what one skeleton describes. */
/*
 * The loader opens the IG_PROBE_READS build's bytes under the default
 * build's skeleton (src/loader.c), which is right only while both have the
 * same maps in the same order with the same sizes, the same globals at the
 * same offsets, and the same programs in the same sections. This compares
 * exactly that and fails the build on any difference.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

struct objs {
	const char *path[2];
	struct bpf_object *obj[2];
	int bad;
};

__attribute__((format(printf, 2, 3)))
static void differ(struct objs *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bpf-layout-check: %s and %s differ: ", o->path[0], o->path[1]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	o->bad++;
}

/* Internal maps are named after the object file ("inodegua.bss"): only
 * the section part says what they are. */
static const char *map_kind(const struct bpf_map *m)
{
	const char *dot = strchr(bpf_map__name(m), '.');

	return dot ? dot : bpf_map__name(m);
}

/* The globals of an internal map: each variable's name, offset and size. */
static void datasec_describe(const struct bpf_object *obj, const struct bpf_map *m,
			     char *buf, size_t len)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const struct btf_var_secinfo *v;
	size_t used = 0;
	int i;

	buf[0] = '\0';
	t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(m)) : NULL;
	if (!t || !btf_is_datasec(t))
		return;
	v = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t) && used < len; i++, v++)
		used += snprintf(buf + used, len - used, "%s@%u+%u ",
				 btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off),
				 v->offset, v->size);
}

static void maps_compare(struct objs *o)
{
	struct bpf_map *a = bpf_object__next_map(o->obj[0], NULL);
	struct bpf_map *b = bpf_object__next_map(o->obj[1], NULL);
	char da[1024], db[1024];

	for (; a && b; a = bpf_object__next_map(o->obj[0], a),
		       b = bpf_object__next_map(o->obj[1], b)) {
		if (strcmp(map_kind(a), map_kind(b))) {
			differ(o, "map %s against map %s", bpf_map__name(a), bpf_map__name(b));
			continue;
		}
		if (bpf_map__type(a) != bpf_map__type(b) ||
		    bpf_map__key_size(a) != bpf_map__key_size(b) ||
		    bpf_map__value_size(a) != bpf_map__value_size(b) ||
		    bpf_map__max_entries(a) != bpf_map__max_entries(b) ||
		    bpf_map__map_flags(a) != bpf_map__map_flags(b))
			differ(o, "map %s: type %d/%d, key %u/%u, value %u/%u, entries %u/%u, flags %u/%u",
			       map_kind(a), bpf_map__type(a), bpf_map__type(b),
			       bpf_map__key_size(a), bpf_map__key_size(b),
			       bpf_map__value_size(a), bpf_map__value_size(b),
			       bpf_map__max_entries(a), bpf_map__max_entries(b),
			       bpf_map__map_flags(a), bpf_map__map_flags(b));
		datasec_describe(o->obj[0], a, da, sizeof(da));
		datasec_describe(o->obj[1], b, db, sizeof(db));
		if (strcmp(da, db))
			differ(o, "globals in %s: %s against %s", map_kind(a), da, db);
	}
	if (a || b)
		differ(o, "map %s has no counterpart", bpf_map__name(a ? a : b));
}

static void programs_compare(struct objs *o)
{
	struct bpf_program *a = bpf_object__next_program(o->obj[0], NULL);
	struct bpf_program *b = bpf_object__next_program(o->obj[1], NULL);

	for (; a && b; a = bpf_object__next_program(o->obj[0], a),
		       b = bpf_object__next_program(o->obj[1], b)) {
		if (strcmp(bpf_program__name(a), bpf_program__name(b)) ||
		    strcmp(bpf_program__section_name(a), bpf_program__section_name(b)) ||
		    bpf_program__type(a) != bpf_program__type(b) ||
		    bpf_program__expected_attach_type(a) != bpf_program__expected_attach_type(b))
			differ(o, "program %s (%s) against %s (%s)",
			       bpf_program__name(a), bpf_program__section_name(a),
			       bpf_program__name(b), bpf_program__section_name(b));
	}
	if (a || b)
		differ(o, "program %s has no counterpart", bpf_program__name(a ? a : b));
}

int main(int argc, char **argv)
{
	struct objs o = {};
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s A.bpf.o B.bpf.o\n", argv[0]);
		return 2;
	}
	for (i = 0; i < 2; i++) {
		o.path[i] = argv[i + 1];
		o.obj[i] = bpf_object__open_file(o.path[i], NULL);
		if (!o.obj[i]) {
			fprintf(stderr, "bpf-layout-check: cannot open %s: %s\n", o.path[i],
				strerror(errno));
			o.bad++;
			goto cleanup;
		}
	}
	maps_compare(&o);
	programs_compare(&o);
cleanup:
	bpf_object__close(o.obj[0]);
	bpf_object__close(o.obj[1]);
	return o.bad ? 1 : 0;
}
