// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Pin stage: every map and link under IG_PIN_DIR, the layout hash, and
 * taking over what an earlier instance left pinned. Generic over the
 * object: a map or program added to the BPF side is covered unchanged. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "pins.h"

#define FNV_PRIME 0x100000001b3ULL
#define FNV_SEED 0xcbf29ce484222325ULL
/* Deep enough for any key or value struct; pointers are not followed. */
#define HASH_DEPTH 16

static __u64 fnv(__u64 h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * FNV_PRIME;
	return h;
}

static __u64 fnv_u64(__u64 h, __u64 v)
{
	return fnv(h, &v, sizeof(v));
}

static __u64 fnv_str(__u64 h, const char *s)
{
	return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* The shape of BTF type id: names, kinds, sizes and offsets, recursively. */
static __u64 hash_type(const struct btf *btf, __u32 id, __u64 h, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;
	const struct btf_var_secinfo *v;
	__u16 i, vlen;

	if (!t || depth > HASH_DEPTH)
		return fnv_u64(h, id ? 1 : 0);
	vlen = btf_vlen(t);
	h = fnv_str(h, btf__name_by_offset(btf, t->name_off));
	h = fnv_u64(h, btf_kind(t));
	h = fnv_u64(h, vlen);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return fnv_u64(fnv_u64(h, t->size), *(const __u32 *)(t + 1));
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return fnv_u64(h, t->size);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		h = fnv_u64(h, t->size);
		for (i = 0, m = btf_members(t); i < vlen; i++, m++) {
			h = fnv_str(h, btf__name_by_offset(btf, m->name_off));
			h = fnv_u64(h, btf_member_bit_offset(t, i));
			h = fnv_u64(h, btf_member_bitfield_size(t, i));
			h = hash_type(btf, m->type, h, depth + 1);
		}
		return h;
	case BTF_KIND_ARRAY:
		h = fnv_u64(h, btf_array(t)->nelems);
		return hash_type(btf, btf_array(t)->type, h, depth + 1);
	case BTF_KIND_DATASEC:
		for (i = 0, v = btf_var_secinfos(t); i < vlen; i++, v++) {
			h = fnv_u64(fnv_u64(h, v->offset), v->size);
			h = hash_type(btf, v->type, h, depth + 1);
		}
		return h;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		return hash_type(btf, t->type, h, depth + 1);
	default:
		return h;
	}
}

bool pins__is_config(const struct bpf_map *map)
{
	return bpf_map__map_flags(map) & BPF_F_RDONLY_PROG;
}

/* A global-data map's value is the section named after the map's suffix
 * (".bss" of "inodegua.bss"), whatever libbpf has filled in yet. */
static __u32 value_type_of(const struct btf *btf, const struct bpf_map *map)
{
	const char *sec = strrchr(bpf_map__name(map), '.');
	int id;

	if (bpf_map__btf_value_type_id(map) || !bpf_map__is_internal(map) || !sec)
		return bpf_map__btf_value_type_id(map);
	id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	return id > 0 ? (__u32)id : 0;
}

int pins__layout(struct bpf_object *obj, __u64 *hash)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	__u64 h = FNV_SEED;

	if (!btf)
		return -ENOENT;
	bpf_object__for_each_map(map, obj) {
		if (pins__is_config(map))
			continue;
		h = fnv_str(h, bpf_map__name(map));
		h = fnv_u64(h, bpf_map__type(map));
		h = fnv_u64(h, bpf_map__key_size(map));
		h = fnv_u64(h, bpf_map__value_size(map));
		h = fnv_u64(h, bpf_map__max_entries(map));
		h = fnv_u64(h, bpf_map__map_flags(map));
		h = hash_type(btf, bpf_map__btf_key_type_id(map), h, 0);
		h = hash_type(btf, value_type_of(btf, map), h, 0);
	}
	*hash = h;
	return 0;
}

int pins__pinned_layout(__u64 *hash)
{
	__u32 zero = 0;
	int fd, err = 0;

	fd = bpf_obj_get(IG_PIN_LAYOUT);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	if (bpf_map_lookup_elem(fd, &zero, hash))
		err = -errno;
	close(fd);
	return err;
}

/* bpffs refuses names with a dot (reserved there), which global-data
 * maps have ("inodegua.bss"): the pin says "inodegua_bss". */
static void map_pin_path(const struct bpf_map *map, char *buf, size_t len)
{
	char *dot;

	snprintf(buf, len, "%s/%s", IG_PIN_DIR, bpf_map__name(map));
	for (dot = buf + strlen(IG_PIN_DIR); (dot = strchr(dot, '.')); )
		*dot = '_';
}

int pins__reuse_maps(struct bpf_object *obj, char *why, size_t len)
{
	struct bpf_map *map;
	char path[256];
	int fd, err;

	bpf_object__for_each_map(map, obj) {
		if (pins__is_config(map))
			continue;
		map_pin_path(map, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			snprintf(why, len, "cannot open the pinned map %s: %s ('inodeguard stop' removes what is left)",
				 path, strerror(-err));
			return err;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err) {
			snprintf(why, len, "cannot take over the pinned map %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Copies every entry of map fd from into map fd to; the sizes agree. */
static int copy_entries(int from, int to, __u32 key_size, __u32 value_size)
{
	void *key = calloc(1, key_size ? key_size : 1), *next = calloc(1, key_size ? key_size : 1);
	void *value = calloc(1, value_size), *prev = NULL;
	int err = -ENOMEM;

	if (!key || !next || !value)
		goto cleanup;
	err = 0;
	while (bpf_map_get_next_key(from, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(from, key, value))
			continue; /* removed meanwhile */
		if (bpf_map_update_elem(to, key, value, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
cleanup:
	free(key);
	free(next);
	free(value);
	return err;
}

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/*
 * Maps a takeover may start empty when their shape changed: scratch space,
 * the learn slot of one request, the seal (never armed in a map an adopter
 * can open) and the statistics and times in .bss. Every other map carries
 * protection (keys, names, the filter, rule counts, grants, marks), and
 * starting it empty would drop what the kernel learned or a live protect
 * added, with the old programs already retired.
 */
static bool map_is_disposable(const struct bpf_map *map)
{
	static const char *const disposable[] = { "learn", "name_scratch", "seal", "sealed_ids" };
	const char *name = bpf_map__name(map), *dot = strrchr(name, '.');
	size_t i;

	if (dot && strcmp(dot, ".bss") == 0)
		return true;
	for (i = 0; i < sizeof(disposable) / sizeof(disposable[0]); i++)
		if (strcmp(name, disposable[i]) == 0)
			return true;
	return false;
}

/* The BTF shape of a map's key and value as the kernel holds it (both
 * maps' BTF went through the same loader's fixups on this kernel, so the
 * two hashes compare like with like); 0 for a map without BTF. */
static int kernel_shape(const struct bpf_map_info *info, __u64 *shape)
{
	struct btf *btf;
	__u64 h = FNV_SEED;

	*shape = 0;
	if (!info->btf_id)
		return 0;
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf)
		return -errno;
	h = hash_type(btf, info->btf_key_type_id, h, 0);
	*shape = hash_type(btf, info->btf_value_type_id, h, 0);
	btf__free(btf);
	return 0;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* 1 when the pinned map's entries mean what ours do: same type, sizes
 * and BTF shape of key and value (not max_entries: another capacity is
 * the usual reason to copy); 0 when not; -errno when it cannot tell. The
 * pinned map's info is left in *a, for the copy. */
static int same_entries(int pinned, int ours, struct bpf_map_info *a)
{
	struct bpf_map_info b;
	__u64 sa, sb;
	int err;

	err = map_info(pinned, a);
	if (!err)
		err = map_info(ours, &b);
	if (err)
		return err;
	if (a->type != b.type || a->key_size != b.key_size || a->value_size != b.value_size)
		return 0;
	err = kernel_shape(a, &sa);
	if (!err)
		err = kernel_shape(&b, &sb);
	return err ? err : sa == sb;
}

/* Carries the pinned map fd (at path) over into map: its entries copied,
 * or, for a disposable map of another shape, none. 0, or -errno with why
 * filled in. */
static int carry_over(const struct bpf_map *map, int fd, const char *path, char *why,
		      size_t len)
{
	struct bpf_map_info info;
	__u32 value_size;
	int err = same_entries(fd, bpf_map__fd(map), &info);

	if (err < 0) {
		/* BTF by id is CAP_SYS_ADMIN's alone. */
		snprintf(why, len, "cannot take over the pinned instance: reading the BTF of its map %s, to check that its entries can be carried over: %s%s",
			 path, strerror(-err), err == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return err;
	}
	if (err == 0 && map_is_disposable(map)) {
		p_warn("the pinned map %s changed shape: it starts empty", path);
		return 0;
	}
	if (err == 0) {
		snprintf(why, len, "cannot take over the pinned instance: its map %s holds entries of another shape (from another release?), which this release cannot carry over; the pinned instance stays in force ('inodeguard stop', then 'run', starts afresh)",
			 path);
		return -EPROTO;
	}
	value_size = info.value_size;
	if (is_percpu(info.type))
		value_size = ((value_size + 7) & ~7U) * (__u32)libbpf_num_possible_cpus();
	err = copy_entries(fd, bpf_map__fd(map), info.key_size, value_size);
	if (err)
		snprintf(why, len, "cannot carry over the entries of %s: %s", path, strerror(-err));
	return err;
}

int pins__copy_maps(struct bpf_object *obj, char *why, size_t len)
{
	struct bpf_map *map;
	char path[256];
	int fd, err;

	bpf_object__for_each_map(map, obj) {
		/* A ring holds events in flight, not state. */
		if (pins__is_config(map) || bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
			continue;
		map_pin_path(map, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* a map the old layout lacks */
		err = carry_over(map, fd, path, why, len);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

int pins__open_map(const char *name, __u32 value_size)
{
	struct bpf_map_info info;
	char path[256];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", IG_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = map_info(fd, &info);
	if (!err && info.value_size != value_size)
		err = -EMEDIUMTYPE;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Replaces the pin at path with fd's object. */
static int repin(int fd, const char *path)
{
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

static int pin_layout(__u64 layout)
{
	__u32 zero = 0;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ig_layout", sizeof(__u32), sizeof(__u64), 1, NULL);
	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, &zero, &layout, BPF_ANY) ? -errno : 0;
	if (!err)
		err = repin(fd, IG_PIN_LAYOUT);
	close(fd);
	return err;
}

static void links_dir(char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%d", IG_PIN_DIR, IG_PIN_LINKS_PREFIX, (int)getpid());
}

int pins__pin(struct bpf_object *obj, bool reused, __u64 layout,
	      struct bpf_link **links, size_t nlinks)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[512], dir[256];
	size_t i = 0;
	int err = 0, unpinnable = 0;

	if (mkdir(IG_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	bpf_object__for_each_map(map, obj) {
		/* A shared map is the pinned one already; a config map is
		 * never shared, so the pinned one is the last load's. */
		if (reused && !pins__is_config(map))
			continue;
		map_pin_path(map, path, sizeof(path));
		err = repin(bpf_map__fd(map), path);
		if (err) {
			p_debug("pinning %s: %s", path, strerror(-err));
			return err;
		}
	}
	err = pin_layout(layout);
	if (err) {
		p_debug("pinning %s: %s", IG_PIN_LAYOUT, strerror(-err));
		return err;
	}
	links_dir(dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* links[] follows the loaded programs in object order (the loader). */
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) || i >= nlinks)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_program__name(prog));
		err = repin(bpf_link__fd(links[i++]), path);
		/* Before 5.15 libbpf attaches a tracepoint by ioctl: the "link"
		 * is a perf event, which bpffs cannot hold. */
		if (err == -EINVAL && bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT) {
			if (!unpinnable++)
				p_warn("this kernel cannot pin tracepoint links (BPF_LINK_CREATE on perf events came in 5.15): protection by %s and its like ends with the daemon",
				       bpf_program__name(prog));
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

static bool is_links_dir(const char *name)
{
	return strncmp(name, IG_PIN_LINKS_PREFIX, strlen(IG_PIN_LINKS_PREFIX)) == 0;
}

/*
 * Removes one pin. The kernel frees an object whose last reference was a
 * pin from a work queue, so a link could go on judging for a while after
 * the unlink (seconds in a slow guest). Holding a descriptor across the
 * unlink makes our close the last reference, which detaches at once, and
 * waits: on 6.x, for an RCU grace period per program. Links whose
 * programs were released (they allow everything) need not be held.
 */
static int unpin(const char *path, bool link, bool released)
{
	int fd = link && !released ? bpf_obj_get(path) : -1, err = 0;

	if (unlink(path))
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

/* Unlinks everything in dir, then dir; calls fn for each file. */
static int remove_dir(const char *dir, pins__removed_fn fn, bool link, bool released,
		      void *ctx)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' && (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (d->d_type == DT_DIR) {
			int sub = remove_dir(path, fn, is_links_dir(d->d_name), released, ctx);

			n += sub > 0 ? sub : 0;
			continue;
		}
		if (unpin(path, link, released) == 0) {
			n++;
			if (fn)
				fn(path, link, ctx);
		}
	}
	closedir(dp);
	rmdir(dir);
	return n;
}

/* Calls each for every links_* directory under IG_PIN_DIR. */
static int for_each_links_dir(int (*each)(const char *dir, const char *name, void *ctx), void *ctx)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(IG_PIN_DIR);
	int n = 0, r;

	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dp))) {
		if (d->d_type != DT_DIR || !is_links_dir(d->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", IG_PIN_DIR, d->d_name);
		r = each(path, d->d_name, ctx);
		n += r > 0 ? r : 0;
	}
	closedir(dp);
	return n;
}

static int retire_unless_ours(const char *dir, const char *name, void *ctx)
{
	const char *ours = ctx;

	return strcmp(name, ours) ? remove_dir(dir, NULL, true, false, NULL) : 0;
}

int pins__retire_other_links(void)
{
	char ours[64];

	snprintf(ours, sizeof(ours), "%s%d", IG_PIN_LINKS_PREFIX, (int)getpid());
	return for_each_links_dir(retire_unless_ours, ours);
}

static int count_files(const char *dir, const char *name, void *ctx)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	(void)name;
	(void)ctx;
	if (!dp)
		return 0;
	while ((d = readdir(dp)))
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

int pins__count_links(void)
{
	return for_each_links_dir(count_files, NULL);
}

int pins__remove_all(pins__removed_fn fn, void *ctx, bool released)
{
	return remove_dir(IG_PIN_DIR, fn, false, released, ctx);
}
