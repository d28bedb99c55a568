/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Privileges: what loading needs, and dropping everything afterwards. */
#ifndef IG_PRIVS_H
#define IG_PRIVS_H

#include <stdbool.h>

/* Checks the effective set can load and attach; one line names what is
 * missing. */
int privs__require_load(void);
/* Whether bpf() needs CAP_BPF for every command, even on fd (before 5.19). */
bool privs__bpf_needs_cap(int fd);
/* Clears ambient, bounding (when CAP_SETPCAP allows), inheritable,
 * permitted and effective sets, and sets no_new_privs. The fds held keep
 * working: maps, ring buffer and links need no capability once open,
 * except where keep_bpf says bpf() wants CAP_BPF anyway: it alone stays.
 * keep_learning keeps CAP_DAC_READ_SEARCH permitted, not effective: a
 * sealed daemon, the only process that may learn keys into its maps. */
int privs__drop(bool keep_bpf, bool keep_learning);
/* Makes CAP_DAC_READ_SEARCH effective (on) or not, where it is permitted:
 * for the time a sealed daemon's worker learns files root may not read. */
int privs__learning(bool on);

#endif
