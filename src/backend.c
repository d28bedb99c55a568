// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Backend stage: probe, prove and choose the best enforcement available. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include "backend.h"
#include "keys.h"
#include "loader.h"
#include "log.h"

#define LSM_LIST "/sys/kernel/security/lsm"

static const char *const backend_names[IG_BACKEND_COUNT] = {
	[IG_BACKEND_LSM] = "lsm",
	[IG_BACKEND_FMODRET] = "fmodret",
	[IG_BACKEND_TRACEPOINT] = "tracepoint",
};

const char *backend__name(enum ig_backend b)
{
	if (b == IG_BACKEND_AUTO)
		return "auto";
	return b >= 0 && b < IG_BACKEND_COUNT ? backend_names[b] : "?";
}

int backend__parse(const char *s, enum ig_backend *out)
{
	int b;

	if (strcmp(s, "auto") == 0) {
		*out = IG_BACKEND_AUTO;
		return 0;
	}
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		if (strcmp(s, backend_names[b]) == 0) {
			*out = b;
			return 0;
		}
	}
	return -EINVAL;
}

bool backend__can_deny(enum ig_backend b)
{
	return b == IG_BACKEND_LSM || b == IG_BACKEND_FMODRET;
}

int backend__lsm_list(char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(LSM_LIST, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		fd = open(LSM_LIST, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool lsm_list_has_bpf(const char *list)
{
	char copy[512], *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "bpf") == 0)
			return true;
	return false;
}

int backend__precheck(enum ig_backend b, char *why, size_t len)
{
	char list[512];

	if (b != IG_BACKEND_LSM)
		return 0;
	/* LSM programs attach fine when bpf is not an active LSM, and then
	 * never run; the list is the only up-front signal. If it cannot be
	 * read, the liveness proof after attaching decides. */
	if (backend__lsm_list(list, sizeof(list)))
		return 0;
	if (!lsm_list_has_bpf(list)) {
		snprintf(why, len, "BPF LSM is not active (active LSMs: %s)", list);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int try_backend(enum ig_backend b, const struct ig_load_opts *o,
		       struct ig_instance *inst, char *why, size_t len)
{
	int err;

	err = backend__precheck(b, why, len);
	if (err)
		return err;
	err = loader__load(b, o, inst, why, len);
	if (err)
		return err;
	err = keys__prove_live(loader__learn_fd(inst), why, len);
	if (err)
		loader__unload(inst);
	return err;
}

int backend__select(enum ig_backend want, const struct ig_load_opts *o,
		    struct ig_instance *inst)
{
	char why[512];
	int b, err = -ENODEV;

	if (want != IG_BACKEND_AUTO) {
		err = try_backend(want, o, inst, why, sizeof(why));
		if (err)
			p_err("backend %s unavailable: %s", backend__name(want), why);
		return err;
	}
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		err = try_backend(b, o, inst, why, sizeof(why));
		if (!err)
			return 0;
		if (b + 1 < IG_BACKEND_COUNT)
			p_info("inodeguard: backend %s unavailable: %s; trying %s",
			       backend__name(b), why, backend__name(b + 1));
		else
			p_err("no backend works on this kernel; last, %s: %s",
			      backend__name(b), why);
	}
	return err;
}
