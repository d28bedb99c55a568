#!/usr/bin/env bash
# Allow rules: who may pass a rule (exe, uid, gid, cgroup), and that a
# grant cannot be borrowed (loader variables, ptrace, /proc/PID/mem,
# process_vm_readv). Every test reads the secret and fails if a byte of it
# arrives where it must not, and reads it where a grant must let it.
# Usage: tests/allow.sh [--backend lsm|fmodret|tracepoint|auto] [--only NAME]
set -u
. "$(dirname "$0")/lib.sh"

# The "application" is a copy of bash that reads with its own builtins, so
# the process that opens the file runs exactly the executable we allow.
APP_READ='IFS= read -r l < "$1" && printf "%s\n" "$l"'

mk_app() { cp /bin/bash "$1" && chmod 0755 "$1"; }

# app_try WHO APP FILE [ENV...]: APP (as WHO) reads FILE; ENV=VALUE words
# go into its environment through env(1), which then runs APP.
app_try() {
	local who=$1 app=$2 file=$3
	shift 3
	if [ $# -gt 0 ]; then
		attempt "$who" env "$@" "$app" -c "$APP_READ" app "$file"
	else
		attempt "$who" "$app" -c "$APP_READ" app "$file"
	fi
}

# What a refused read exits with: bash's failed redirection where the
# backend denies, SIGKILL where it kills.
refused_rc() { if can_deny; then echo 1; else echo 137; fi; }

# Under --enforce-root the suite's own shell may not read the secret, so
# a test can give its marker up front in KNOWN_MARKER.
KNOWN_MARKER=""

expect_app_reads() { # SECRET WHO APP [ENV...]
	local secret=$1 who=$2 app=$3 marker
	shift 3
	marker=${KNOWN_MARKER:-$(marker_of "$secret")}
	app_try "$who" "$app" "$secret" "$@"
	if [ "$PROBE_RC" != 0 ] || ! leaked "$marker"; then
		local got="" err=""
		slurp "$PROBE_OUT" got; slurp "$T_DIR/.probe.err" err
		fail "$app as $who ${*:+with $* }should read $secret (exit $PROBE_RC, got '${got:0:60}', stderr '${err: -120}')"
		return 1
	fi
}

expect_app_refused() { # SECRET WHO APP [ENV...]
	local secret=$1 who=$2 app=$3 marker want
	shift 3
	marker=${KNOWN_MARKER:-$(marker_of "$secret")}
	want=$(refused_rc)
	app_try "$who" "$app" "$secret" "$@"
	if leaked "$marker"; then
		fail "secret leaked to $app as $who ${*:+with $*} (exit $PROBE_RC)"
		return 1
	fi
	if ! refused_as "$want"; then
		fail "$app as $who ${*:+with $* }exited $PROBE_RC, want $want"
		return 1
	fi
}

# A neighbour no rule covers: every refused route must still read it.
expect_neighbour() { # WHO APP [ENV...]
	local who=$1 app=$2 n=$T_DIR/neighbour
	shift 2
	[ -e "$n" ] || mk_secret "$n"
	expect_app_reads "$n" "$who" "$app" "$@"
}

# An application process that waits for "go" on a fifo, then reads FILE:
# a process that exists before something is done to it.
WAIT_PID=""
start_waiting_app() { # APP FILE
	local app=$1 file=$2 i
	mkfifo "$T_DIR/go"
	WAIT_OUT=$T_DIR/.wait.$RANDOM
	( exec setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all -- \
		"$app" -c 'read -r _ < "$1"; IFS= read -r l < "$2" && printf "%s\n" "$l"' app \
		"$T_DIR/go" "$file" ) >"$WAIT_OUT" 2>&1 &
	WAIT_PID=$!
	# Running the application itself (not setpriv) before anything is done.
	for ((i = 0; i < 100; i++)); do
		[ "$(readlink "/proc/$WAIT_PID/exe" 2>/dev/null)" = "$app" ] && return 0
		nap 0.1
	done
	fail "the waiting application did not start"
	return 1
}

# release_waiting_app: lets it read; PROBE_RC/PROBE_OUT as for attempt.
release_waiting_app() {
	echo go >"$T_DIR/go"
	wait "$WAIT_PID"
	PROBE_RC=$?
	PROBE_OUT=$WAIT_OUT
	WAIT_PID=""
}

expect_waiting_refused() { # SECRET
	local marker want
	marker=$(marker_of "$1")
	want=$(refused_rc)
	release_waiting_app
	if leaked "$marker"; then fail "secret leaked to the waiting application"; return 1; fi
	if ! refused_as "$want"; then
		fail "the waiting application exited $PROBE_RC, want $want"
		return 1
	fi
}

after_each() {
	if [ -n "$WAIT_PID" ]; then
		kill -9 "$WAIT_PID" 2>/dev/null
		wait "$WAIT_PID" 2>/dev/null
		WAIT_PID=""
	fi
	[ -n "${CG_TEST:-}" ] && cleanup_cgroups
	KNOWN_MARKER=""
	return 0
}

# ---- executables ----

t_exe_allowed() {
	local s=$T_DIR/secret app=$T_DIR/app
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	expect_app_reads "$s" nobody "$app" || return 1
	# Another executable, even the very program it was copied from.
	expect_app_refused "$s" nobody /bin/bash || return 1
	expect_neighbour nobody /bin/bash
}
t_register exe-allowed-reads-others-refused t_exe_allowed

t_exe_copy() {
	local s=$T_DIR/secret app=$T_DIR/app
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	cp "$app" "$T_DIR/copy"
	expect_app_refused "$s" nobody "$T_DIR/copy" || return 1
	expect_neighbour nobody "$T_DIR/copy"
}
t_register exe-copy-refused t_exe_copy

t_exe_links() {
	local s=$T_DIR/secret app=$T_DIR/app
	mk_secret "$s"; mk_app "$app" || return 1
	mkdir "$T_DIR/elsewhere"
	ln -s "$app" "$T_DIR/elsewhere/symlinked"
	ln "$app" "$T_DIR/elsewhere/hardlinked"
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	# One inode, whatever name ran it.
	expect_app_reads "$s" nobody "$T_DIR/elsewhere/symlinked" || return 1
	expect_app_reads "$s" nobody "$T_DIR/elsewhere/hardlinked"
}
t_register exe-symlink-and-hard-link-allowed t_exe_links

t_exe_upgrade() {
	local s=$T_DIR/secret app=$T_DIR/bin/app marker
	mkdir "$T_DIR/bin"
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	start_waiting_app "$app" "$s" || return 1
	# An upgrade writes a new file and renames it over the old name.
	cp /bin/bash "$T_DIR/bin/.app.new" && chmod 0755 "$T_DIR/bin/.app.new"
	printf '\n' >>"$T_DIR/bin/.app.new"
	mv -f "$T_DIR/bin/.app.new" "$app"
	expect_app_reads "$s" nobody "$app" || { fail "the upgraded executable lost its grant"; return 1; }
	# The old binary, still running, keeps its grant.
	marker=$(marker_of "$s")
	release_waiting_app
	if [ "$PROBE_RC" != 0 ] || ! leaked "$marker"; then
		fail "the old executable, still running, lost its grant (exit $PROBE_RC)"
		return 1
	fi
	# A different binary moved to another name is not the allowed one.
	mk_app "$T_DIR/bin/other" || return 1
	expect_app_refused "$s" nobody "$T_DIR/bin/other"
}
t_register exe-upgraded-keeps-grant t_exe_upgrade

t_exe_script_refused() {
	local s=$T_DIR/secret err rc
	mk_secret "$s"
	printf '#!/bin/sh\ncat "$1"\n' >"$T_DIR/script"; chmod 0755 "$T_DIR/script"
	shared_daemon || return 1
	err=$("$IG" protect --deny "$s" --allow "exe=$T_DIR/script" 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] || { fail "allow exe of a script exited $rc, want 2: $err"; return 1; }
	[[ $err == *"'#!/bin/sh' script"*interpreter* ]] || { fail "no reason given: $err"; return 1; }
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { fail "more than one line: $err"; return 1; }
}
t_register exe-script-refused t_exe_script_refused

# ---- a grant cannot be borrowed ----

t_loader_env() {
	local s=$T_DIR/secret app=$T_DIR/app v
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	expect_app_reads "$s" nobody "$app" IG_HARMLESS=1 || return 1
	for v in LD_PRELOAD=/nonexistent.so LD_AUDIT=/nonexistent.so LD_LIBRARY_PATH="$T_DIR"; do
		expect_app_refused "$s" nobody "$app" "$v" || return 1
		expect_neighbour nobody "$app" "$v" || return 1
	done
}
t_register exe-loader-variables-refused t_loader_env

t_ptrace_child() {
	local s=$T_DIR/secret app=$T_DIR/app marker want
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	marker=$(marker_of "$s")
	want=$(refused_rc)
	attempt nobody strace -f -o /dev/null "$app" -c "$APP_READ" app "$s"
	leaked "$marker" && { fail "secret leaked to a traced application"; return 1; }
	[ "$PROBE_RC" = "$want" ] || { fail "traced application exited $PROBE_RC, want $want"; return 1; }
}
t_register exe-traced-from-start-refused t_ptrace_child

# A tracer attaches and leaves again: the mark stays.
t_ptrace_attach_detach() {
	local s=$T_DIR/secret app=$T_DIR/app tracer
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	start_waiting_app "$app" "$s" || return 1
	strace -p "$WAIT_PID" -o /dev/null 2>/dev/null &
	tracer=$!
	nap 1
	kill -INT "$tracer"; wait "$tracer" 2>/dev/null
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$WAIT_PID/status" || { fail "the tracer did not detach"; return 1; }
	expect_waiting_refused "$s"
}
t_register exe-ptrace-attach-detach-refused t_ptrace_attach_detach

t_proc_mem() {
	local s=$T_DIR/secret app=$T_DIR/app
	can_deny || { skip "the $ACTIVE_BACKEND backend does not see /proc/PID/mem opens (a listed gap)"; return 77; }
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	start_waiting_app "$app" "$s" || return 1
	# Opening it for writing is what an injector needs; nothing is written.
	exec {fd}<>"/proc/$WAIT_PID/mem" || { fail "cannot open /proc/$WAIT_PID/mem"; return 1; }
	exec {fd}<&-
	expect_waiting_refused "$s"
}
t_register exe-proc-mem-refused t_proc_mem

t_process_vm() {
	local s=$T_DIR/secret app=$T_DIR/app
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	start_waiting_app "$app" "$s" || return 1
	"$SCRATCH_ROOT/bin/ig-peek" "$WAIT_PID" || { fail "ig-peek could not read the process"; return 1; }
	expect_waiting_refused "$s"
}
t_register exe-process-vm-readv-refused t_process_vm

# take_through_pidfd APP FILE: APP, as nobody, opens FILE as descriptor 3
# and waits; its parent, ig-vector, takes that descriptor with pidfd_getfd
# and reads it. PROBE_RC/PROBE_OUT as for attempt.
take_through_pidfd() {
	attempt nobody "$SCRATCH_ROOT/bin/ig-vector" pidfd-take 3 "$1" \
		-c 'exec 3<"$1" && echo >&9 && read -r _' app "$2"
}

# A granted application's descriptor serves no other executable, not even
# its parent's: pidfd_getfd is judged for the taker (file_receive; at the
# syscall's exit on tracepoint, which kills).
t_pidfd_from_granted() {
	local s=$T_DIR/secret n=$T_DIR/neighbour app=$T_DIR/app want=137
	mk_secret "$s"; mk_secret "$n"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" || return 1
	can_deny && want=13
	take_through_pidfd "$app" "$n"
	leaked "$(marker_of "$n")" ||
		{ fail "the neighbour did not come through pidfd_getfd (exit $PROBE_RC)"; return 1; }
	take_through_pidfd "$app" "$s"
	leaked "$(marker_of "$s")" && { fail "the granted application's descriptor served its parent"; return 1; }
	refused_as $want || { fail "the taker exited $PROBE_RC, want $want"; return 1; }
}
t_register exe-descriptor-taken-with-pidfd-getfd-refused t_pidfd_from_granted


# ---- uid, gid, cgroup ----

probe_uid() { # UID GID GROUPS SECRET: ig-probe as that user
	local groups=--clear-groups
	[ -n "$3" ] && groups=--groups=$3
	PROBE_OUT=$T_DIR/.probe.$RANDOM
	setpriv --reuid="$1" --regid="$2" "$groups" --inh-caps=-all -- \
		"$PROBE" read "$4" >"$PROBE_OUT" 2>>"$T_DIR/.probe.err"
	PROBE_RC=$?
}

t_uid() {
	local s=$T_DIR/secret marker
	mk_secret "$s"; marker=$(marker_of "$s")
	shared_daemon && protect --deny "$s" --allow uid=nobody || return 1
	expect_readable "$s" nobody read "$s" || return 1
	probe_uid 4242 4242 "" "$s"
	leaked "$marker" && { fail "uid 4242 read the secret"; return 1; }
	[ "$PROBE_RC" != 0 ] || { fail "uid 4242 was not refused"; return 1; }
}
t_register uid-allowed-other-refused t_uid

t_gid_supplementary() {
	local s=$T_DIR/secret marker
	mk_secret "$s"; marker=$(marker_of "$s")
	shared_daemon && protect --deny "$s" --allow gid=4243 || return 1
	probe_uid 4242 4242 4243 "$s"
	[ "$PROBE_RC" = 0 ] && leaked "$marker" || { fail "a member of group 4243 was refused (exit $PROBE_RC)"; return 1; }
	probe_uid 4242 4242 "" "$s"
	leaked "$marker" && { fail "a non-member read the secret"; return 1; }
	[ "$PROBE_RC" != 0 ] || { fail "a non-member was not refused"; return 1; }
}
t_register gid-by-supplementary-group t_gid_supplementary

cgroup2_mount() { awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts; }

cleanup_cgroups() {
	local d
	for d in $(find "$CG_TEST" "$CG_TEST-other" -depth -type d 2>/dev/null); do rmdir "$d" 2>/dev/null; done
	CG_TEST=""
}

# probe_in_cgroup DIR SECRET: ig-probe as nobody from inside cgroup DIR.
probe_in_cgroup() {
	PROBE_OUT=$T_DIR/.probe.$RANDOM
	bash -c 'echo $$ >"$1/cgroup.procs" && exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- "$2" read "$3"' \
		cg "$1" "$PROBE" "$2" >"$PROBE_OUT" 2>>"$T_DIR/.probe.err"
	PROBE_RC=$?
}

t_cgroup() {
	local s=$T_DIR/secret later=$T_DIR/later mnt marker err rc name=igtest$$
	mk_secret "$s"; mk_secret "$later"
	mnt=$(cgroup2_mount)
	shared_daemon || return 1
	if [ -z "$mnt" ]; then
		err=$("$IG" protect --deny "$s" --allow cgroup=/$name 2>&1 >/dev/null); rc=$?
		[ $rc = 2 ] && [[ $err == *"cgroup v2 is not mounted"* ]] ||
			{ fail "cgroup rule without cgroup v2: exit $rc: $err"; return 1; }
		return 0
	fi
	CG_TEST=$mnt/$name
	mkdir -p "$CG_TEST/child" "$mnt/$name-other"
	protect --deny "$s" --allow cgroup=/$name || return 1
	marker=$(marker_of "$s")
	probe_in_cgroup "$CG_TEST/child" "$s"
	[ "$PROBE_RC" = 0 ] && leaked "$marker" || { fail "a child cgroup of the allowed one was refused (exit $PROBE_RC)"; return 1; }
	probe_in_cgroup "$mnt/$name-other" "$s"
	leaked "$marker" && { fail "another cgroup read the secret"; return 1; }
	[ "$PROBE_RC" != 0 ] || { fail "another cgroup was not refused"; return 1; }
	rmdir "$mnt/$name-other"
	# A unit that restarts gets a new cgroup id at the same path.
	rmdir "$CG_TEST/child" "$CG_TEST" && mkdir "$CG_TEST" || { fail "cannot recreate $CG_TEST"; return 1; }
	probe_in_cgroup "$CG_TEST" "$s"
	[ "$PROBE_RC" = 0 ] && leaked "$marker" || { fail "the recreated cgroup lost its grant (exit $PROBE_RC)"; return 1; }
	# One that does not exist yet is allowed from the moment it is made.
	err=$("$IG" protect --deny "$later" --allow cgroup=/$name/not-yet 2>&1 >/dev/null) ||
		{ fail "protect with a future cgroup failed: $err"; return 1; }
	[[ $err == *"no such cgroup yet"* ]] || { fail "no warning for a future cgroup: $err"; return 1; }
	mkdir "$CG_TEST/not-yet"
	marker=$(marker_of "$later")
	probe_in_cgroup "$CG_TEST/not-yet" "$later"
	[ "$PROBE_RC" = 0 ] && leaked "$marker" || { fail "a cgroup created later was refused (exit $PROBE_RC)"; return 1; }
}
t_register cgroup-child-restart-and-later t_cgroup

# ---- the root exemption, the config file, bad input, reports ----



bad_allow_case() { # WANT ALLOW
	local err rc
	err=$("$IG" run --backend "$BACKEND" --deny "$T_DIR/secret" --allow "$2" 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] || { fail "--allow $2 exited $rc, want 2: $err"; return 1; }
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ $err == *"$1"* ]] ||
		{ fail "--allow $2: want one line with '$1', got: $err"; return 1; }
}

t_bad_allow() {
	mk_secret "$T_DIR/secret"
	printf '#!/bin/sh\n' >"$T_DIR/script"; chmod 0755 "$T_DIR/script"
	bad_allow_case "no such user" uid=no-such-user-here || return 1
	bad_allow_case "no such group" gid=no-such-group-here || return 1
	bad_allow_case "$T_DIR/missing: No such file" exe="$T_DIR/missing" || return 1
	bad_allow_case "not an executable file" exe="$T_DIR/secret" || return 1
	bad_allow_case "script" exe="$T_DIR/script" || return 1
	bad_allow_case "unknown allow kind 'colour'" colour=blue || return 1
	bad_allow_case "expected KIND=VALUE" nobody || return 1
	bad_allow_case "missing value" uid= || return 1
	if [ -n "$(cgroup2_mount)" ]; then
		bad_allow_case "absolute path" cgroup=relative/path || return 1
	else
		bad_allow_case "cgroup v2 is not mounted" cgroup=/x || return 1
	fi
}
t_register bad-allow-values-exit-2 t_bad_allow

t_list_and_events() {
	local s=$T_DIR/secret app=$T_DIR/app out
	mk_secret "$s"; mk_app "$app" || return 1
	shared_daemon && protect --deny "$s" --allow "exe=$app" --allow uid=4242 || return 1
	out=$("$IG" list 2>&1)
	[[ $out == *"$s"*"allow uid=4242,exe=$app"* ]] || { fail "list does not show the allow rules: $out"; return 1; }
	out=$("$IG" -j list 2>&1)
	[[ $out == *'"allow":"uid=4242,exe='"$app"'"'* ]] || { fail "list -j lacks allow: $out"; return 1; }
	expect_app_refused "$s" nobody /bin/bash || return 1
	nap 0.5
	slurp "$DAEMON_OUT" out
	[[ $out == *"file=$s"*"unmatched=uid=4242,exe=$app"* ]] ||
		{ fail "the event does not name the allow rules that did not match: ${out: -400}"; return 1; }
	[[ $out == *" exe="* ]] || { fail "the event does not name the executable"; return 1; }
}
t_register list-and-events-show-allow-rules t_list_and_events

# A live protect of an existing entry sets its allow rules exactly, as it
# sets its level: given none, none are left.
t_protect_sets_allow() {
	local s=$T_DIR/secret out
	mk_secret "$s"
	shared_daemon && protect --deny "$s" --allow uid=nobody || return 1
	expect_readable "$s" nobody read "$s" || return 1
	out=$("$IG" protect --deny "$s" 2>&1) || { fail "protect again failed: $out"; return 1; }
	[[ $out == *"deny -> deny"* && $out != *allow* ]] || { fail "reply does not say the rules now in force: $out"; return 1; }
	expect_blocked deny "$s" nobody read "$s" || return 1
	out=$("$IG" protect --deny "$s" --allow uid=nobody 2>&1) || { fail "protect with allow failed: $out"; return 1; }
	[[ $out == *"allow uid=65534"* ]] || { fail "reply does not name the allow rule: $out"; return 1; }
	expect_readable "$s" nobody read "$s"
}
t_register protect-sets-allow-rules-exactly t_protect_sets_allow

# ---- tests with a daemon of their own: last, so the shared one starts once ----

# Entries that name one file by two names (hard links) merge, and only
# the rules both have remain, in either order: c and d each have a name
# that lets nobody pass and one that does not, e has both names letting
# nobody pass (the common rule stays).
t_config_allow() {
	local conf=$T_DIR/ig.conf err rc f
	for f in a b c d e; do mk_secret "$T_DIR/$f"; done
	ln "$T_DIR/c" "$T_DIR/c-link"; ln "$T_DIR/d" "$T_DIR/d-link"; ln "$T_DIR/e" "$T_DIR/e-link"
	{
		printf 'deny a\n  allow uid nobody\n\tallow gid 4243\ndeny b\n'
		printf 'deny c\n  allow uid nobody\ndeny c-link\n'
		printf 'deny d\ndeny d-link\n  allow uid nobody\n'
		printf 'deny e\n  allow uid nobody\n  allow uid 4242\ndeny e-link\n  allow uid nobody\n'
	} >"$conf"
	special_daemon -c "$conf" || return 1
	expect_readable "$T_DIR/a" nobody read "$T_DIR/a" || return 1
	expect_blocked deny "$T_DIR/b" nobody read "$T_DIR/b" || return 1
	for f in c c-link d d-link; do
		expect_blocked deny "$T_DIR/$f" nobody read "$T_DIR/$f" || return 1
	done
	expect_readable "$T_DIR/e-link" nobody read "$T_DIR/e-link" || return 1
	probe_uid 4242 4242 "" "$T_DIR/e"
	leaked "$(marker_of "$T_DIR/e")" && { fail "uid 4242, allowed by one name of e only, read it"; return 1; }
	[ "$PROBE_RC" != 0 ] || { fail "uid 4242 was not refused e"; return 1; }
	daemon_down
	printf '  allow uid nobody\ndeny a\nallow uid nobody\n  allow colour blue\n' >"$conf"
	err=$("$IG" run -c "$conf" 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] || { fail "bad allow lines exited $rc"; return 1; }
	[[ $err == *"$conf:1: allow with no entry before it"* &&
	   $err == *"$conf:3: an allow line must be indented"* &&
	   $err == *"$conf:4: unknown allow kind 'colour'"* ]] || { fail "not FILE:LINE errors: $err"; return 1; }
}
t_register config-allow-lines t_config_allow

t_enforce_root_exe() {
	local s=$T_DIR/secret app=$T_DIR/app
	mk_secret "$s"; mk_app "$app" || return 1
	mk_secret "$T_DIR/neighbour"
	KNOWN_MARKER=$(marker_of "$s")
	special_daemon --enforce-root --deny "$s" --allow "exe=$app" || return 1
	expect_app_refused "$s" root /bin/bash || return 1
	expect_app_reads "$s" root "$app" || return 1
	KNOWN_MARKER=""
	expect_neighbour root /bin/bash
}
t_register enforce-root-allows-only-the-exe t_enforce_root_exe

# A process already running when inodeguard started: the watchers never
# saw how it began, so it gets no grant.
t_started_before() {
	local s=$T_DIR/secret app=$T_DIR/app out
	mk_secret "$s"; mk_app "$app" || return 1
	daemon_down
	start_waiting_app "$app" "$s" || return 1
	special_daemon --deny "$s" --allow "exe=$app" || return 1
	expect_waiting_refused "$s" || return 1
	expect_app_reads "$s" nobody "$app" || return 1
	slurp "$DAEMON_OUT" out
	[[ $out == *mark=started-before-watch* ]] || { fail "no event names the mark: ${out:0:300}"; return 1; }
}
t_register exe-started-before-watch-refused t_started_before

parse_suite_args "$@"
run_suite
