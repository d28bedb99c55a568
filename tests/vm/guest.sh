#!/usr/bin/env bash
# Runs inside one matrix guest (or on the host with --host): prepares the
# mounts the tool needs, runs every suite in SUITES with the expected backend,
# checks that auto-selection picks that backend, then prints a sentinel.
# Usage: tests/vm/guest.sh [--host] EXPECTED_BACKEND
#
# Output contract (parsed by run-matrix.sh):
#   #N name:OK | #N name:FAIL (reason) | #N name:SKIP (reason)   test lines
#   IG-KERNEL, IG-LSM, IG-SELECTED, IG-GUEST-START, IG-SUITE   info lines
#   IG-GUEST-DONE rc=N uptime=S                                  always last
# A run without the IG-GUEST-DONE line counts as a crashed guest.
set -euo pipefail

# Guest stderr is a separate virtio port; merge it so lines keep their order.
exec 2>&1

host_mode=0
if [ "${1:-}" = --host ]; then
	host_mode=1
	shift
fi
EXPECTED=${1:?usage: guest.sh [--host] EXPECTED_BACKEND}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOL=$ROOT/build/inodeguard

# Every suite is called as: SUITE --backend EXPECTED, and prints the line
# format above ending with "N passed, N failed, N skipped". Add suites here.
SUITES=(
	tests/integration.sh
	tests/catalogue.sh
	tests/allow.sh
	tests/failclosed.sh
	tests/reload.sh
)
# A cell may run fewer (run-matrix.sh sets IG_SUITES per cell: the fmodret
# cells run only the suites whose verdict depends on the hook type, to keep
# CI within its time) or more: the stress suite runs on the host and in one
# lsm guest, in its short CI form.
if [ -n "${IG_SUITES:-}" ]; then
	read -r -a SUITES <<<"$IG_SUITES"
fi
read -r -a extra <<<"${IG_EXTRA_SUITES:-}"
SUITES+=("${extra[@]}")

# IG_SEAL_THIS_BOOT=1 (run-matrix.sh's seal cells): the seal suite may seal
# this boot, which lasts until the guest powers off; it runs last.
export IG_SEAL_THIS_BOOT=${IG_SEAL_THIS_BOOT:-}
SEAL_SUITE=tests/seal.sh
sealed=0

# Seconds this script may take in all; run-matrix.sh sets it so the guest
# ends (with its sentinel) before the host kills the VM.
BUDGET=${IG_GUEST_BUDGET:-900}
RESERVE=40                               # kept back for the auto-select check
READY_TIMEOUT=${IG_READY_TIMEOUT:-60}    # for "inodeguard: ready"
rc=0
HOST_HOLDER=""

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# Our own test lines, numbered after the suites' (numbers are only labels).
extra_n=900
result() { # STATUS NAME [REASON]
	extra_n=$((extra_n + 1))
	if [ -n "${3:-}" ]; then
		printf '#%d %s:%s (%s)\n' "$extra_n" "$2" "$1" "$3"
	else
		printf '#%d %s:%s\n' "$extra_n" "$2" "$1"
	fi
	[ "$1" != FAIL ] || rc=1
}

mounted() { awk -v m="$1" '$2 == m {f=1} END {exit !f}' /proc/mounts; }

mount_if_missing() { # TYPE DIR
	mounted "$2" && return 0
	mkdir -p "$2" 2>/dev/null || true
	mount -t "$1" "$1" "$2" || echo "guest: cannot mount $1 on $2"
}

# virtme-ng boots without most of these; the tool needs them all. The guest's
# / is read-only 9p, so scratch space must be our own tmpfs under /run.
prepare_guest() {
	local m
	mount_if_missing securityfs /sys/kernel/security
	mounted /sys/fs/bpf || mount -t bpf -o mode=0700 bpf /sys/fs/bpf
	mount_if_missing tracefs /sys/kernel/tracing
	mount_if_missing debugfs /sys/kernel/debug
	SCRATCH=/run/ig-scratch
	mkdir -p "$SCRATCH"
	mounted "$SCRATCH" || mount -t tmpfs -o size=512m tmpfs "$SCRATCH"
	# A Debian install has /boot/config-KVER, which check reads; the guest's
	# /boot is the host's (read-only), so lay the kernel's own over it.
	if [ -n "${IG_KCONFIG:-}" ] && [ -r "$IG_KCONFIG" ] &&
		[ ! -e "/boot/config-$(uname -r)" ]; then
		mount -t tmpfs -o size=16m,mode=0755 tmpfs /boot &&
			cp "$IG_KCONFIG" "/boot/config-$(uname -r)"
	fi
	# Modules load only on request here; the suites need these file systems.
	for m in loop btrfs xfs overlay; do
		modprobe -q "$m" || echo "guest: modprobe $m failed"
	done
}

prepare_host() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ig-scratch.XXXXXX")
	trap 'rm -rf "$SCRATCH"' EXIT
}

show_kernel() {
	echo "IG-KERNEL uname=$(uname -r)"
	echo "IG-LSM list=$(cat /sys/kernel/security/lsm 2>/dev/null || echo unknown)"
}

# check's report, for reading a cell's failures by. It loads and unloads
# all three backends, about 16 s in a guest: the integration suite's
# check-reports-kernel test runs it anyway and leaves its output in
# IG_CHECK_SAVE, so the report is shown after the suites and check runs
# again only if no test left one.
show_check() {
	if [ ! -x "$TOOL" ]; then
		result FAIL tool-present "build/inodeguard missing or not executable"
		return 0
	fi
	echo "IG-CHECK begin"
	if [ -s "$IG_CHECK_SAVE" ]; then
		echo "(saved by the integration test check-reports-kernel)"
		cat "$IG_CHECK_SAVE"
	else
		"$TOOL" -j check || echo "IG-CHECK rc=$?"
	fi
	echo "IG-CHECK end"
}

# cut_test SUITE OUT: ", in NAME" for the test SUITE was running when its
# output OUT stopped (the one after its last result line).
cut_test() {
	local done_n running
	done_n=$(grep -cE '^#[0-9]+ [^:]+:(OK|FAIL|SKIP)' "$2" || true)
	running=$(cd "$ROOT" && "./$1" --list 2>/dev/null | sed -n "$((done_n + 1))p")
	[ -z "$running" ] || printf ', in %s' "$running"
}

# Runs one suite, streaming its lines, and turns a crash or a missing summary
# into a FAIL line so nothing is lost silently.
run_suite() { # SUITE
	local suite=$1 name out src=0 fails left t0=$SECONDS
	name=suite-$(basename "$suite" .sh)
	out=$SCRATCH/$name.out
	left=$((BUDGET - SECONDS - RESERVE))
	echo "IG-SUITE begin $suite --backend $EXPECTED (${left}s left)"
	if [ ! -x "$ROOT/$suite" ]; then
		result FAIL "$name" "$suite missing or not executable"
		return 0
	fi
	if [ "$left" -lt 10 ]; then
		result FAIL "$name" "not run: the cell's time budget is spent"
		return 0
	fi
	( cd "$ROOT" && timeout -k 10 "$left" "./$suite" --backend "$EXPECTED" ) \
		2>&1 | tee "$out" || src=$?
	echo "IG-SUITE end $suite rc=$src secs=$((SECONDS - t0))"
	reap_tool
	fails=$(grep -cE '^#[0-9]+ [^:]+:FAIL' "$out" || true)
	if [ "$src" = 124 ] || [ "$src" = 137 ]; then
		result FAIL "$name" "timed out after ${left}s$(cut_test "$suite" "$out")"
	elif ! grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$out"; then
		result FAIL "$name" "ended without a summary line (rc=$src)$(cut_test "$suite" "$out")"
	elif [ "$src" != 0 ] && [ "$fails" = 0 ]; then
		result FAIL "$name" "exited rc=$src without a FAIL line"
	fi
	[ "$fails" = 0 ] || rc=1
}

# Pids of every running build/inodeguard (the guest holds nothing else).
tool_pids() {
	local p exe
	exe=$(readlink -f "$TOOL")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] && echo "${p#/proc/}"
	done
	return 0
}

# A suite killed by its timeout can leave a daemon holding the instance
# lock, which would fail everything after it. In the guest every process is
# ours; on the host it is not, so there we only report. A sealed guest
# keeps its daemon: nothing can end it, and nothing runs after the seal
# suite.
reap_tool() {
	local pids i
	[ "$sealed" = 0 ] || return 0
	pids=$(tool_pids)
	[ -n "$pids" ] || return 0
	if [ "$host_mode" = 1 ]; then
		echo "guest: inodeguard still running after the suite: pid(s) $pids"
		return 0
	fi
	echo "guest: stopping leftover inodeguard pid(s) $pids"
	# shellcheck disable=SC2086
	kill -INT $pids 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		[ -n "$(tool_pids)" ] || return 0
		sleep 0.2
	done
	pids=$(tool_pids)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

# On the host another checkout or a developer may run inodeguard; it holds
# the single-instance lock and every test would fail for that reason alone.
host_busy() {
	[ "$host_mode" = 1 ] && [ -x "$TOOL" ] && "$TOOL" list >/dev/null 2>&1
}

# What holds the host: the processes named inodeguard, or pins that no
# process holds (an instance left by --persist or a crash; `inodeguard
# stop` ends it). Printed in the FAIL line, since CI keeps only that.
host_holder() {
	local procs
	procs=$(pgrep -ax inodeguard || true)
	if [ -n "$procs" ]; then
		printf 'inodeguard pid(s) %s: %s' "$(cut -d' ' -f1 <<<"$procs" | paste -sd, -)" \
			"$(head -n 3 <<<"$procs" | cut -c 1-160 | paste -sd';' -)"
	else
		printf 'pins under /sys/fs/bpf/inodeguard with no inodeguard process (a persisted or crashed instance; inodeguard stop ends it)'
	fi
}

# Another run of this project's tests on the same machine ends in minutes:
# wait for it (IG_HOST_IDLE_WAIT seconds) rather than fail at once. A
# leftover instance with no process does not end: no wait for that.
wait_host_idle() {
	local waited=0 limit=${IG_HOST_IDLE_WAIT:-600}
	host_busy || return 0
	echo "guest: host busy: $(host_holder); waiting up to ${limit}s"
	while host_busy; do
		if [ "$waited" -ge "$limit" ] || [ -z "$(pgrep -x inodeguard || true)" ]; then
			HOST_HOLDER="$(host_holder), after ${waited}s of waiting"
			return 1
		fi
		sleep 5
		waited=$((waited + 5))
	done
	echo "guest: host idle after ${waited}s"
}

# Starts "inodeguard run" without --backend on a file protected at deny and
# reads the backend it announces. IG_AUTO_ARGS overrides how to protect it.
check_auto_select() {
	local name=auto-selects-$EXPECTED dir=$SCRATCH/auto err pid got="" i
	if [ ! -x "$TOOL" ]; then
		result FAIL "$name" "build/inodeguard missing"
		return 0
	fi
	mkdir -p "$dir"
	echo secret >"$dir/file"
	err=$dir/stderr
	local -a args
	read -r -a args <<<"${IG_AUTO_ARGS:-run --deny $dir/file}"
	# Without job control bash starts background jobs with SIGINT ignored,
	# and an ignored signal stays ignored across exec: set -m keeps it live.
	set -m
	"$TOOL" "${args[@]}" 2>"$err" >/dev/null &
	pid=$!
	set +m
	for ((i = 0; i < READY_TIMEOUT * 5; i++)); do
		got=$(sed -n 's/^inodeguard: ready (backend \([a-z_]*\),.*/\1/p' "$err" | head -n1)
		[ -n "$got" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	echo "IG-SELECTED backend=${got:-none}"
	kill -INT "$pid" 2>/dev/null || true
	# SIGINT must stop it; a hung exit is a failure of its own.
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		sed 's/^/auto: /' "$err"
		result FAIL "$name" "did not exit within 10s of SIGINT"
		return 0
	fi
	wait "$pid" 2>/dev/null || true
	sed 's/^/auto: /' "$err"
	if [ -z "$got" ]; then
		result FAIL "$name" "no ready line"
	elif [ "$got" != "$EXPECTED" ]; then
		result FAIL "$name" "selected $got"
	else
		result OK "$name"
	fi
}

# Kernel messages explain most guest-side failures (verifier, oops).
show_dmesg_on_failure() {
	[ "$rc" = 0 ] && return 0
	[ "$host_mode" = 1 ] && return 0
	# Only what happened after boot; the boot noise explains nothing.
	dmesg 2>/dev/null | sed -n '/virtme-init: starting script/,$p' |
		tail -n 40 | sed 's/^/dmesg: /' || true
}

main() {
	echo "IG-GUEST-START uptime=$(uptime_s)"
	if [ "$host_mode" = 1 ]; then prepare_host; else prepare_guest; fi
	# Under emulation every daemon start takes many seconds, and a million
	# denied opens took 19 s in a one-CPU TCG guest on an idle host but
	# 56 s on a busy one: a guest's stress suite runs 3 race rounds, not
	# 10, and floods 250,000 opens; the host keeps the million. Tests of
	# user space alone (t_register_userspace) run on the host only, and
	# tests of the kernel but not the hook type (t_register_per_kernel)
	# in each kernel's lsm cell, not again in its fmodret cell.
	if [ "$host_mode" = 0 ]; then
		export IG_RACE_ROUNDS=${IG_RACE_ROUNDS:-3} IG_FLOOD_OPENS=${IG_FLOOD_OPENS:-250000}
		export IG_KERNEL_TESTS_ONLY=${IG_KERNEL_TESTS_ONLY:-1}
		[ "$EXPECTED" != fmodret ] || export IG_HOOK_TESTS_ONLY=${IG_HOOK_TESTS_ONLY:-1}
	fi
	export TMPDIR=$SCRATCH IG_SCRATCH=$SCRATCH IG_CHECK_SAVE=$SCRATCH/check.json
	show_kernel
	[ -x "$TOOL" ] || show_check
	if ! wait_host_idle; then
		result FAIL host-idle "another inodeguard instance holds this host: $HOST_HOLDER"
	else
		local s
		for s in "${SUITES[@]}"; do
			# Sealed, a new run is refused until reboot: the check
			# that auto-selection picks the backend goes before.
			if [ "${IG_SEAL_THIS_BOOT:-}" = 1 ] && [ "$s" = "$SEAL_SUITE" ]; then
				check_auto_select
				sealed=1
			fi
			run_suite "$s"
		done
		[ "$sealed" = 1 ] || check_auto_select
	fi
	[ ! -x "$TOOL" ] || show_check
	show_dmesg_on_failure
	echo "IG-GUEST-DONE rc=$rc uptime=$(uptime_s)"
	return "$rc"
}

main
