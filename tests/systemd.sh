#!/usr/bin/env bash
# Service suite under a real systemd: packaging/inodeguard.service as
# shipped, started, reloaded, restarted and stopped by systemd 252 running
# as PID 1 (of a pid namespace: a matrix guest's PID 1 is virtme-ng's
# init). The unit is Type=notify, so "active" means the daemon said READY
# after its policy was in force. Every protection test reads as nobody,
# outside the unit, and fails if one byte of a secret arrives.
# Guest only: it installs the binary under /usr/sbin and mounts a tmpfs
# over /home, which the guests' overlays allow.
# Usage: tests/systemd.sh [--backend lsm|fmodret|tracepoint|auto] [--only NAME]
set -u
. "$(dirname "$0")/lib.sh"

CONF=/etc/inodeguard/protected.conf
UNIT_DIR=/etc/systemd/system
SD_PID=""
# Under /tmp and /home: the unit must see the real ones (PrivateTmp=no,
# ProtectHome=read-only), or it would protect other files or none.
TMP_SECRET=/tmp/ig-systemd-secret
HOME_SECRET=/home/ig-systemd/secret
NEIGHBOUR=/home/ig-systemd/neighbour
ADDED=/tmp/ig-systemd-added

# sctl ARGS...: systemctl against the systemd of our pid namespace.
sctl() { nsenter -t "$SD_PID" -m -p systemctl "$@"; }

# unit_state WANT: up to 90 s for the unit's ActiveState to become WANT.
unit_state() {
	local st="" i
	for ((i = 0; i < 180; i++)); do
		st=$(sctl show -P ActiveState inodeguard.service 2>&1)
		[ "$st" = "$1" ] && return 0
		nap 0.5
	done
	fail "inodeguard.service is '$st', want '$1': $(sctl status --no-pager -n 5 inodeguard.service 2>&1 | tail -n 5 | tr '\n' ' ')"
}

# ACTIVE_BACKEND for expect_blocked, from the unit's STATUS= line.
unit_backend() {
	local status
	status=$(sctl show -P StatusText inodeguard.service)
	[[ $status =~ \(backend\ ([a-z]+)\) ]] || { fail "no backend in the unit's status: '$status'"; return 1; }
	ACTIVE_BACKEND=${BASH_REMATCH[1]}
	if [ "$BACKEND" != auto ] && [ "$ACTIVE_BACKEND" != "$BACKEND" ]; then
		fail "the unit runs backend $ACTIVE_BACKEND, want $BACKEND"; return 1
	fi
}

# Installs what the package would, and boots systemd with a target that
# wants only our unit (the guest's root holds a whole distribution).
t_boot() {
	command -v /lib/systemd/systemd >/dev/null || { skip "no systemd on this root"; return 77; }
	[ "$(cat /proc/1/comm)" != systemd ] || { skip "PID 1 is systemd already: this suite boots its own"; return 77; }
	mountpoint -q /home || mount -t tmpfs -o mode=0755 ig-home /home || { fail "cannot mount a tmpfs on /home"; return 1; }
	mkdir -p /home/ig-systemd /etc/inodeguard
	mk_secret "$TMP_SECRET"; mk_secret "$HOME_SECRET"; mk_secret "$NEIGHBOUR"; mk_secret "$ADDED"
	printf 'deny %s\ndeny %s\n' "$TMP_SECRET" "$HOME_SECRET" >"$CONF"
	install -m 0755 "$IG" /usr/sbin/inodeguard
	install -m 0644 "$IG_ROOT/packaging/inodeguard.service" "$UNIT_DIR/inodeguard.service"
	printf '[Unit]\nDescription=inodeguard test boot\nDefaultDependencies=no\nWants=inodeguard.service\n' \
		>"$UNIT_DIR/ig-test.target"
	# Its own mount namespace: a tmpfs on /run/systemd and cgroup2 of
	# its own, so the guest's /run stays as it is.
	unshare --pid --fork --mount --mount-proc --propagation private bash -c '
		mount -t tmpfs -o mode=0755 tmpfs /run/systemd
		umount /sys/fs/cgroup 2>/dev/null; mount -t cgroup2 none /sys/fs/cgroup
		export container=unshare
		exec /lib/systemd/systemd --system --unit=ig-test.target --log-target=kmsg' \
		</dev/null >/dev/null 2>&1 &
	local i
	for ((i = 0; i < 100; i++)); do
		SD_PID=$(pgrep -x systemd | head -n 1)
		[ -n "$SD_PID" ] && break
		nap 0.1
	done
	[ -n "$SD_PID" ] || { fail "systemd did not start"; return 1; }
	unit_state active || return 1
	unit_backend || return 1
	expect_blocked deny "$TMP_SECRET" nobody read "$TMP_SECRET" || return 1
	expect_blocked deny "$HOME_SECRET" nobody read "$HOME_SECRET" || return 1
	expect_readable "$NEIGHBOUR" nobody read "$NEIGHBOUR" || return 1
}
t_register systemd-starts-the-unit-tmp-and-home-protected t_boot

# The tests run in this shell, one after the other: SD_PID is the first
# test's systemd.
sd_running() {
	[ -n "$SD_PID" ] && kill -0 "$SD_PID" 2>/dev/null || { skip "systemd did not boot (see the first test)"; return 77; }
}

t_reload() {
	sd_running || return 77
	printf 'deny %s\n' "$ADDED" >>"$CONF"
	sctl reload inodeguard.service || { fail "systemctl reload failed"; return 1; }
	unit_state active || return 1
	expect_blocked deny "$ADDED" nobody read "$ADDED" || return 1
	expect_blocked deny "$HOME_SECRET" nobody read "$HOME_SECRET" || return 1
}
t_register systemctl-reload-adds-an-entry t_reload

t_restart() {
	sd_running || return 77
	sctl restart inodeguard.service || { fail "systemctl restart failed"; return 1; }
	unit_state active || return 1
	unit_backend || return 1
	expect_blocked deny "$TMP_SECRET" nobody read "$TMP_SECRET" || return 1
	expect_blocked deny "$ADDED" nobody read "$ADDED" || return 1
}
t_register systemctl-restart-adopts t_restart

t_stop() {
	local out
	sd_running || return 77
	sctl stop inodeguard.service || { fail "systemctl stop failed"; return 1; }
	unit_state inactive || return 1
	# --persist: stopping the unit leaves the policy in force.
	expect_blocked deny "$HOME_SECRET" nobody read "$HOME_SECRET" || return 1
	out=$("$IG" stop 2>&1) || { fail "inodeguard stop: $out"; return 1; }
	expect_readable "$HOME_SECRET" nobody read "$HOME_SECRET" || return 1
}
t_register systemctl-stop-keeps-then-inodeguard-stop-releases t_stop

# Killing PID 1 of the namespace ends everything in it; the pinned
# policy (--persist) outlives it, so release that too.
shutdown_systemd() {
	[ -n "$SD_PID" ] && kill -KILL "$SD_PID" 2>/dev/null
	"$IG" stop >/dev/null 2>&1
	rm -f "$UNIT_DIR/ig-test.target" "$UNIT_DIR/inodeguard.service"
	umount /home 2>/dev/null
}
trap shutdown_systemd EXIT

parse_suite_args "$@"
run_suite
