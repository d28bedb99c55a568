// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Privilege stage: check before load, drop after load/attach/pin. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <linux/securebits.h>
#include "log.h"
#include "privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool cap_effective(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (cap >= (cap_value_t)cap_max_bits())
		return false;
	cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
	return v == CAP_SET;
}

int privs__require_load(void)
{
	bool admin, bpf, perfmon, split;
	char missing[64] = "";
	cap_t caps;

	caps = cap_get_proc();
	if (!caps)
		return -errno;
	/* Kernels before 5.8 have no CAP_BPF/CAP_PERFMON: CAP_SYS_ADMIN it is. */
	split = cap_max_bits() > CAP_BPF;
	admin = cap_effective(caps, CAP_SYS_ADMIN);
	bpf = admin || cap_effective(caps, CAP_BPF);
	perfmon = admin || cap_effective(caps, CAP_PERFMON);
	cap_free(caps);
	if (!split && !admin) {
		p_err("missing capability CAP_SYS_ADMIN (this kernel has no CAP_BPF; needed to load BPF programs)");
		return -EPERM;
	}
	if (bpf && perfmon)
		return 0;
	snprintf(missing, sizeof(missing), "%s%s%s", bpf ? "" : "CAP_BPF",
		 !bpf && !perfmon ? " and " : "", perfmon ? "" : "CAP_PERFMON");
	p_err("missing capability %s (needed to create maps and load and attach BPF programs; run as root or grant them)",
	      missing);
	return -EPERM;
}

static bool have_setpcap(void)
{
	cap_t caps = cap_get_proc();
	bool ok = caps && cap_effective(caps, CAP_SETPCAP);

	cap_free(caps);
	return ok;
}

/*
 * Whether bpf() refuses every command to a process without capabilities:
 * before 5.19, while unprivileged BPF is disabled (every distro default),
 * even a map update or the ring buffer's info query needs CAP_BPF. Asked
 * of the kernel itself: a child that gave up every capability queries fd.
 */
bool privs__bpf_needs_cap(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int status;
	cap_t none;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return true;
	if (pid == 0) {
		memset(&info, 0, sizeof(info));
		none = cap_init();
		if (!none || cap_set_proc(none))
			_exit(2);
		_exit(bpf_obj_get_info_by_fd(fd, &info, &len) && errno == EPERM ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return true;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

/* Nothing at all, or CAP_BPF alone where bpf() needs it for every
 * command; and CAP_DAC_READ_SEARCH permitted but not effective where
 * learning may need it later (privs__learning). */
static cap_t caps_kept(bool keep_bpf, bool keep_learning)
{
	cap_value_t bpf = CAP_BPF, dac = CAP_DAC_READ_SEARCH;
	cap_t caps = cap_init();

	if (caps && keep_bpf &&
	    (cap_set_flag(caps, CAP_PERMITTED, 1, &bpf, CAP_SET) ||
	     cap_set_flag(caps, CAP_EFFECTIVE, 1, &bpf, CAP_SET))) {
		cap_free(caps);
		return NULL;
	}
	if (caps && keep_learning && cap_set_flag(caps, CAP_PERMITTED, 1, &dac, CAP_SET)) {
		cap_free(caps);
		return NULL;
	}
	return caps;
}

int privs__learning(bool on)
{
	cap_value_t dac = CAP_DAC_READ_SEARCH;
	cap_t caps = cap_get_proc();
	int err = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &dac, on ? CAP_SET : CAP_CLEAR) ||
	    cap_set_proc(caps))
		err = -errno;
	cap_free(caps);
	return err;
}

int privs__drop(bool keep_bpf, bool keep_learning)
{
	cap_value_t c;
	cap_t none;
	int err = 0;

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (have_setpcap()) {
		for (c = 0; c < (cap_value_t)cap_max_bits(); c++)
			if (cap_drop_bound(c) && errno != EINVAL)
				return -errno;
		/* uid 0 would regain capabilities on exec; lock that away too. */
		prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		      SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		      SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0);
	} else {
		p_warn("CAP_SETPCAP not held: the capability bounding set stays as it was given");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	none = caps_kept(keep_bpf, keep_learning);
	if (!none)
		return -errno;
	if (cap_set_proc(none))
		err = -errno;
	cap_free(none);
	if (err)
		p_err("cannot drop capabilities: %s", strerror(-err));
	return err;
}
