#!/usr/bin/env bash
# Reload suite: SIGHUP to `run` and `inodeguard reload` apply a changed
# configuration with no window (kept entries stay protected, new ones
# are added, dropped ones released last), a broken configuration changes
# nothing, and the daemon holds no capability while it serves. Every
# protection test reads as an unprivileged user and fails if one byte of
# a secret arrives.
# Usage: tests/reload.sh [--backend lsm|fmodret|tracepoint|auto] [--only NAME]
set -u
. "$(dirname "$0")/lib.sh"

after_each() {
	daemon_down
	"$IG" stop >/dev/null 2>&1
}

# wait_for FILE TEXT: up to 10 s for TEXT to appear in FILE.
wait_for() {
	local content i
	for ((i = 0; i < 100; i++)); do
		content=""; slurp "$1" content
		[[ $content == *"$2"* ]] && return 0
		nap 0.1
	done
	content=${content//$'\n'/ }
	fail "no '$2' in ${1##*/}: ${content:0:300}"
}

# reader_tries N: up to 20 s for the reader to finish N rounds; sets
# READER_TRIES to the rounds done.
reader_tries() {
	local out i
	for ((i = 0; i < 200; i++)); do
		out=""; slurp "$T_DIR/reader.out" out
		out=${out//[^.]/}
		READER_TRIES=${#out}
		[ "$READER_TRIES" -ge "$1" ] && return 0
		nap 0.1
	done
	fail "the reader finished only $READER_TRIES of $1 rounds"
}

# The README's capability table: the daemon keeps none once it serves.
t_sighup_reader_loop() {
	local a=$T_DIR/kept b=$T_DIR/dropped c=$T_DIR/added n=$T_DIR/neighbour conf=$T_DIR/ig.conf
	local ma mn out="" tries capeff want reader READER_TRIES=0
	mk_secret "$a"; mk_secret "$b"; mk_secret "$c"; mk_secret "$n"
	ma=$(marker_of "$a"); mn=$(marker_of "$n")
	printf 'deny %s\ndeny %s\n' "$a" "$b" >"$conf"
	daemon_up -c "$conf" || return 1
	capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$DAEMON_PID/status")
	# Before 5.19 every bpf() command needs CAP_BPF (bit 39): it keeps that.
	want=0000000000000000
	kernel_before 5.19 && want=0000008000000000
	[ "$capeff" = "$want" ] || { fail "daemon CapEff is $capeff, the README says $want"; return 1; }
	# One reader loops over the kept file and its unprotected neighbour.
	as_nobody bash -c 'while [ ! -e "$3" ]; do cat "$1" 2>/dev/null; cat "$2"; echo .; done' \
		_ "$a" "$n" "$T_DIR/stop" >"$T_DIR/reader.out" 2>/dev/null &
	reader=$!
	# The reload happens while the reader is looping, not before it starts.
	reader_tries 1 || { : >"$T_DIR/stop"; wait "$reader"; return 1; }
	printf 'deny %s\ndeny %s\n' "$a" "$c" >"$conf"
	kill -HUP "$DAEMON_PID"
	wait_for "$DAEMON_ERR" "reloaded: 1 entries kept, 1 added, 1 released" || { : >"$T_DIR/stop"; wait "$reader"; return 1; }
	reader_tries $((READER_TRIES + 2))
	: >"$T_DIR/stop"
	wait "$reader"
	slurp "$T_DIR/reader.out" out
	[[ $out == *"$ma"* ]] && { fail "the reader got the kept secret across the reload"; return 1; }
	[[ $out == *"$mn"* ]] || { fail "the reader never read the unprotected neighbour"; return 1; }
	tries=${out//[^.]/}
	[ ${#tries} -ge 3 ] || { fail "the reader ran only ${#tries} times"; return 1; }
	echo "reader tries: ${#tries}"
	kill -0 "$DAEMON_PID" || { fail "the daemon died on SIGHUP"; return 1; }
	expect_blocked deny "$a" nobody read "$a" || return 1
	expect_blocked deny "$c" nobody read "$c" || return 1
	expect_readable "$b" nobody read "$b" || return 1
}
t_register sighup-reader-loop-adds-and-releases-no-capability t_sighup_reader_loop

t_broken_config() {
	local a=$T_DIR/kept c=$T_DIR/not-added conf=$T_DIR/ig.conf err="" rc=0 lines
	mk_secret "$a"; mk_secret "$c"
	printf 'deny %s\n' "$a" >"$conf"
	daemon_up -c "$conf" || return 1
	# One good new line and one bad: nothing of it may apply.
	printf 'deny %s\nfrob %s\n' "$c" "$a" >"$conf"
	kill -HUP "$DAEMON_PID"
	wait_for "$DAEMON_ERR" "reload failed; the running policy stays" || return 1
	lines=$(grep -c "$conf:2: unknown level 'frob'" "$DAEMON_ERR")
	[ "$lines" = 1 ] || { fail "the daemon logged the bad line $lines times, want once"; return 1; }
	kill -0 "$DAEMON_PID" || { fail "the daemon died on a broken config"; return 1; }
	"$IG" reload >/dev/null 2>"$T_DIR/reload.err" || rc=$?
	slurp "$T_DIR/reload.err" err
	[ "$rc" = 2 ] || { fail "reload of a broken config exited $rc, want 2"; return 1; }
	[[ $err == *"$conf:2: unknown level 'frob'"* ]] || { fail "reload did not say FILE:LINE: reason: ${err:0:200}"; return 1; }
	expect_blocked deny "$a" nobody read "$a" || return 1
	expect_readable "$c" nobody read "$c" || return 1
}
t_register broken-config-changes-nothing-daemon-lives t_broken_config

# `reload -c` from another shell: a kept entry's level and allow rule
# change exactly as the new file says, and list agrees.
t_reload_changes_rules() {
	local a=$T_DIR/audited b=$T_DIR/granted conf=$T_DIR/ig.conf new=$T_DIR/new.conf out=""
	mk_secret "$a"; mk_secret "$b"
	printf 'audit %s\ndeny %s\n' "$a" "$b" >"$conf"
	daemon_up -c "$conf" || return 1
	expect_readable "$a" nobody read "$a" || return 1
	expect_blocked deny "$b" nobody read "$b" || return 1
	printf 'kill %s\ndeny %s\n  allow uid %s\n' "$a" "$b" "$NOBODY" >"$new"
	(cd / && "$IG" reload -c "$new") >"$T_DIR/reload.out" 2>&1 || { fail "reload -c failed: $(<"$T_DIR/reload.out")"; return 1; }
	expect_in "$T_DIR/reload.out" "reloaded: 2 entries kept, 0 added, 0 released" || return 1
	wait_for "$DAEMON_ERR" "reloaded by 'inodeguard reload' (2 entries)" || return 1
	expect_blocked kill "$a" nobody read "$a" || return 1
	expect_readable "$b" nobody read "$b" || return 1
	"$IG" list >"$T_DIR/list.out" 2>&1
	slurp "$T_DIR/list.out" out
	[[ $out == *"kill  file $a"* && $out == *"allow uid=$NOBODY"* ]] || { fail "list disagrees: ${out//$'\n'/ }"; return 1; }
	# The next SIGHUP reads the file reload -c named, not the first.
	printf 'deny %s\n' "$b" >"$new"
	kill -HUP "$DAEMON_PID"
	wait_for "$DAEMON_ERR" "reloaded: 1 entries kept, 0 added, 1 released" || return 1
	expect_blocked deny "$b" nobody read "$b" || return 1
	expect_readable "$a" nobody read "$a" || return 1
}
t_register reload-command-changes-level-and-allow t_reload_changes_rules

expect_in() {
	local content=""
	slurp "$1" content
	[[ $content == *"$2"* ]] && return 0
	fail "no '$2' in ${1##*/}: ${content//$'\n'/ }"
}

parse_suite_args "$@"
run_suite
