// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Seal stage (run --seal): the seal programs armed with what they guard,
 * and the daemon hardened against what ends a process without a signal
 * anyone sends. The kernel side is bpf/seal.bpf.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "inodeguard.h"
#include "log.h"
#include "pins.h"
#include "seal.h"

/* The initial pid namespace's inode number (include/linux/proc_ns.h,
 * PROC_PID_INIT_INO): fixed, so comparing it needs no /proc of init's. */
#define IG_PID_INIT_INO 0xEFFFFFFCu

int seal__check_start(void)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st)) {
		int err = -errno;

		p_err("--seal: cannot read /proc/self/ns/pid: %s", strerror(-err));
		return err;
	}
	if (st.st_ino != IG_PID_INIT_INO) {
		p_err("--seal: the daemon must run in the initial pid namespace: the kernel kills a namespace's processes when its init dies, with no signal a hook can refuse");
		return -EPERM;
	}
	return 0;
}

struct id_ctx {
	int ids_fd;
	size_t n;
	FILE *list; /* "map ID NAME", "prog ID NAME", "link ID" lines */
};

/* What seal__arm() sealed, for IG_SEAL_FILE: an administrator (and the
 * seal suite) can see which ids bpftool will be refused. */
static char *sealed_list;
static size_t sealed_list_len;

/* Registers one map, program or link by its id. */
static int seal_object(__u32 kind, int fd, void *ctx)
{
	struct id_ctx *c = ctx;
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	__u32 len = sizeof(info);
	struct ig_seal_id k = { .kind = kind };
	__u8 one = 1;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	k.id = kind == IG_SEAL_MAP ? info.map.id : kind == IG_SEAL_PROG ? info.prog.id : info.link.id;
	if (bpf_map_update_elem(c->ids_fd, &k, &one, BPF_ANY))
		return -errno;
	c->n++;
	if (kind == IG_SEAL_MAP)
		fprintf(c->list, "map %u %s\n", k.id, info.map.name);
	else if (kind == IG_SEAL_PROG)
		fprintf(c->list, "prog %u %s\n", k.id, info.prog.name);
	else
		fprintf(c->list, "link %u\n", k.id);
	return 0;
}

/* What the slot names besides the daemon: the pin directory (made here if
 * this is the first instance) and /proc/sysrq-trigger. */
static int seal_targets(struct ig_seal *s)
{
	struct stat st;

	if (mkdir(IG_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (stat(IG_PIN_DIR, &st))
		return -errno;
	s->pin_dev = major(st.st_dev) << 20 | minor(st.st_dev);
	s->pin_dir_ino = st.st_ino;
	/* A kernel without magic SysRq has no such file: nothing to guard. */
	if (stat("/proc/sysrq-trigger", &st) == 0)
		s->sysrq_ino = st.st_ino;
	return 0;
}

int seal__arm(const struct ig_instance *inst)
{
	struct ig_seal s = {};
	struct id_ctx ids = {};
	struct rlimit nofile;
	__u32 zero = 0;
	int seal_fd, err;

	ids.list = open_memstream(&sealed_list, &sealed_list_len);
	if (!ids.list)
		return -ENOMEM;
	err = loader__seal_maps(inst, &seal_fd, &ids.ids_fd);
	if (!err)
		err = loader__for_each_object(inst, seal_object, &ids);
	fclose(ids.list);
	if (err) {
		p_err("--seal: cannot register the instance's maps, programs and links: %s",
		      strerror(-err));
		return err;
	}
	err = seal_targets(&s);
	if (err) {
		p_err("--seal: cannot read %s: %s", IG_PIN_DIR, strerror(-err));
		return err;
	}
	s.tgid = (__u32)getpid();
	if (bpf_map_update_elem(seal_fd, &zero, &s, BPF_ANY)) {
		err = -errno;
		p_err("--seal: cannot write the seal slot: %s", strerror(-err));
		return err;
	}
	/* Setting a limit to what it is: the task_setrlimit hook records our
	 * start and cgroups, as only the kernel knows them exactly. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) || setrlimit(RLIMIT_NOFILE, &nofile) ||
	    bpf_map_lookup_elem(seal_fd, &zero, &s)) {
		err = -errno;
		p_err("--seal: cannot arm the seal: %s", strerror(-err));
		return err;
	}
	if (!s.start_ns) {
		p_err("--seal: the seal's programs did not run (setrlimit reached no task_setrlimit hook)");
		return -ENOTSUP;
	}
	s.armed = 1;
	if (bpf_map_update_elem(seal_fd, &zero, &s, BPF_ANY)) {
		err = -errno;
		p_err("--seal: cannot arm the seal: %s", strerror(-err));
		return err;
	}
	p_debug("sealed %zu maps, programs and links; pins under %s (dev %u:%u, inode %llu)",
		ids.n, IG_PIN_DIR, s.pin_dev >> 20, s.pin_dev & 0xfffff,
		(unsigned long long)s.pin_dir_ino);
	return 0;
}

/* Limits whose excess ends a process by a signal the kernel sends
 * itself (SIGXCPU, SIGXFSZ) or by a failed allocation: a limit set before
 * the daemon started would otherwise be a time bomb the seal cannot stop. */
static const struct {
	int resource;
	const char *name;
} fatal_limits[] = {
	{ RLIMIT_CPU, "RLIMIT_CPU" },
	{ RLIMIT_FSIZE, "RLIMIT_FSIZE" },
	{ RLIMIT_AS, "RLIMIT_AS" },
	{ RLIMIT_DATA, "RLIMIT_DATA" },
};

/* Signals a terminal or the kernel raise with no sender a hook sees
 * (^C, ^\, ^Z, background I/O, exceeded limits): under the seal none may
 * end or stop the daemon. SIGHUP stays: it reloads. */
static const int ignored_signals[] = {
	SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGXCPU, SIGXFSZ, SIGPIPE,
};

static int write_marker(const char *socket)
{
	FILE *f;
	int err = 0;

	f = fopen(IG_SEAL_FILE ".tmp", "we");
	if (!f)
		return -errno;
	fprintf(f, "pid %d\nsocket %s\n%s", (int)getpid(), socket, sealed_list ? sealed_list : "");
	if (fclose(f))
		err = -errno;
	if (!err && rename(IG_SEAL_FILE ".tmp", IG_SEAL_FILE))
		err = -errno;
	return err;
}

int seal__harden(const char *socket)
{
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	size_t i;
	int err;

	for (i = 0; i < sizeof(fatal_limits) / sizeof(fatal_limits[0]); i++) {
		if (setrlimit(fatal_limits[i].resource, &inf)) {
			err = -errno;
			p_err("--seal: cannot lift %s: %s%s", fatal_limits[i].name, strerror(-err),
			      err == -EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
			return err;
		}
	}
	for (i = 0; i < sizeof(ignored_signals) / sizeof(ignored_signals[0]); i++)
		sigaction(ignored_signals[i], &ign, NULL);
	err = write_marker(socket);
	if (err)
		p_err("--seal: cannot write %s: %s", IG_SEAL_FILE, strerror(-err));
	return err;
}

int seal__marked(pid_t *pid, char *socket, size_t len)
{
	FILE *f = fopen(IG_SEAL_FILE, "re");
	char name[64] = "";
	int p = 0;

	if (!f)
		return -ENOENT;
	if (fscanf(f, "pid %d socket %63s", &p, name) < 1)
		p = 0;
	fclose(f);
	*pid = (pid_t)p;
	if (socket)
		snprintf(socket, len, "%s", name);
	return 0;
}
