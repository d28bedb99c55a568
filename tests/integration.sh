#!/usr/bin/env bash
# Integration suite: the whole tool end to end on one backend. Every
# protection test reads through an alias as an unprivileged user and fails
# if one byte of the secret arrives.
# Usage: tests/integration.sh [--backend lsm|fmodret|tracepoint|auto] [--only NAME]
set -u
. "$(dirname "$0")/lib.sh"

# ---- bad input: exit 2, one line naming the path and the reason, nothing loaded ----

bad_input_case() {
	local want=$1; shift
	local err rc pinned_before=0
	[ -e /sys/fs/bpf/inodeguard ] && pinned_before=1
	err=$("$IG" run --backend "$BACKEND" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc != 2 ]; then fail "run $* exited $rc, want 2: $err"; return 1; fi
	if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [[ "$err" != *"$want"* ]]; then
		fail "run $*: want one line with '$want', got: $err"; return 1
	fi
	if [ $pinned_before = 0 ] && [ -e /sys/fs/bpf/inodeguard ]; then fail "pins exist after refused input"; return 1; fi
}

t_bad_input() {
	mkdir "$T_DIR/dir"; mkfifo "$T_DIR/fifo"
	ln -s loop2 "$T_DIR/loop1"; ln -s loop1 "$T_DIR/loop2"
	bad_input_case "$T_DIR/missing: no such file" --deny "$T_DIR/missing" || return 1
	bad_input_case "a FIFO" --deny "$T_DIR/fifo" || return 1
	bad_input_case "symlink loop" --deny "$T_DIR/loop1" || return 1
	bad_input_case "unsupported filesystem proc" --deny /proc/version || return 1
	bad_input_case "/dev/null: a character device" --kill /dev/null || return 1
}
t_register_userspace bad-input-refused-before-load t_bad_input

t_config_file() {
	local conf=$T_DIR/etc/ig.conf err rc
	mkdir -p "$T_DIR/etc/keys"
	mk_secret "$T_DIR/etc/keys/my secret.key"
	mk_secret "$T_DIR/etc/other"
	printf '# comment\n\ndeny keys/my secret.key   # trailing comment\n2 other\n' >"$conf"
	special_daemon -c "$conf" || return 1
	expect_blocked deny "$T_DIR/etc/keys/my secret.key" nobody read "$T_DIR/etc/keys/my secret.key" || return 1
	expect_blocked kill "$T_DIR/etc/other" nobody read "$T_DIR/etc/other" || return 1
	daemon_down
	printf 'deny ok\nfrobnicate x\nkill\n' >"$conf"
	err=$("$IG" run -c "$conf" 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] || { fail "bad config exited $rc"; return 1; }
	[[ "$err" == *"$conf:2: unknown level 'frobnicate'"* && "$err" == *"$conf:3: "* ]] ||
		{ fail "config errors not FILE:LINE: $err"; return 1; }
}
t_register config-file t_config_file

# ---- aliases: every name of the file reaches the same verdict ----

t_alias_paths() {
	local s=$T_DIR/d/secret.txt
	mk_secret "$s"; mkdir -p "$T_DIR/d/sub"
	shared_daemon && protect --deny "$s" || return 1
	expect_blocked deny "$s" nobody read "$s" || return 1
	expect_blocked deny "$s" nobody read "$T_DIR/d/sub/../secret.txt" || return 1
	expect_blocked deny "$s" nobody relative "$T_DIR/d" secret.txt || return 1
	expect_blocked deny "$s" nobody relative "$T_DIR/d/sub" ../secret.txt || return 1
	expect_blocked deny "$s" nobody openat2 "$s" || return 1
}
t_register alias-absolute-relative-dotdot t_alias_paths

t_alias_symlinks() {
	local s=$T_DIR/secret
	mk_secret "$s"
	ln -s "$s" "$T_DIR/l1"; ln -s l1 "$T_DIR/l2"; ln -s "$T_DIR/l2" "$T_DIR/l3"
	shared_daemon && protect --deny "$T_DIR/l3" || return 1
	expect_blocked deny "$s" nobody read "$T_DIR/l1" || return 1
	expect_blocked deny "$s" nobody read "$T_DIR/l3" || return 1
	ln -s "$s" "$T_DIR/late"   # made after protection started
	expect_blocked deny "$s" nobody read "$T_DIR/late" || return 1
}
t_register alias-symlink-chain t_alias_symlinks

t_alias_hardlink() {
	local s=$T_DIR/secret
	mk_secret "$s"; ln "$s" "$T_DIR/before"
	shared_daemon && protect --deny "$s" || return 1
	ln "$s" "$T_DIR/after"
	expect_blocked deny "$s" nobody read "$T_DIR/before" || return 1
	expect_blocked deny "$s" nobody read "$T_DIR/after" || return 1
}
t_register alias-hard-link t_alias_hardlink

t_alias_proc_fd() {
	local s=$T_DIR/secret
	mk_secret "$s"
	shared_daemon && protect --deny "$s" || return 1
	expect_blocked deny "$s" nobody opath-proc "$s" || return 1
}
t_register alias-proc-self-fd-of-opath t_alias_proc_fd

t_alias_bind_mount() {
	local s=$T_DIR/secret rc
	mk_secret "$s"; : >"$T_DIR/bindfile"; mkdir "$T_DIR/binddir"
	mount --bind "$s" "$T_DIR/bindfile" || { skip "mount --bind failed"; return 77; }
	mount --bind "$T_DIR" "$T_DIR/binddir"
	shared_daemon && protect --deny "$s"
	rc=$?
	[ $rc = 0 ] && expect_blocked deny "$s" nobody read "$T_DIR/bindfile" &&
		expect_blocked deny "$s" nobody read "$T_DIR/binddir/secret"
	rc=$?
	umount "$T_DIR/bindfile" "$T_DIR/binddir"
	return $rc
}
t_register alias-bind-mount t_alias_bind_mount

# ---- subjects and levels ----

t_root_exempt_and_neighbour() {
	local s=$T_DIR/secret n=$T_DIR/neighbour
	mk_secret "$s"; mk_secret "$n"
	shared_daemon && protect --kill "$s" || return 1
	expect_readable "$s" root read "$s" || return 1
	expect_readable "$n" nobody read "$n" || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
}
t_register root-exempt-neighbour-readable t_root_exempt_and_neighbour

t_enforce_root() {
	local s=$T_DIR/secret
	mk_secret "$s"
	special_daemon --enforce-root --deny "$s" || return 1
	expect_blocked deny "$s" root read "$s" || return 1
	expect_blocked deny "$s" nobody read "$s" || return 1
}
t_register enforce-root t_enforce_root

t_levels_and_events() {
	local a=$T_DIR/audited k=$T_DIR/killed d=$T_DIR/denied
	mk_secret "$a"; mk_secret "$k"; mk_secret "$d"
	special_daemon -j --audit "$a" --kill "$k" --deny "$d" || return 1
	expect_readable "$a" nobody read "$a" || return 1
	expect_blocked kill "$k" nobody read "$k" || return 1
	expect_blocked deny "$d" nobody read "$d" || return 1
	nap 0.5
	grep -q "\"action\":\"audit\".*\"uid\":$NOBODY.*\"file\":\"$a\"" "$DAEMON_OUT" ||
		{ fail "no audit event for $a: $(head -c 300 "$DAEMON_OUT")"; return 1; }
	grep -q "\"action\":\"kill\".*\"comm\":\"ig-probe\".*\"file\":\"$k\"" "$DAEMON_OUT" ||
		{ fail "no kill event for $k"; return 1; }
	grep -q "\"file\":\"$d\".*\"dev\":\"[0-9]*:[0-9]*\",\"ino\":[0-9]" "$DAEMON_OUT" ||
		{ fail "no event with dev:ino for $d"; return 1; }
}
t_register levels-audit-deny-kill-json-events t_levels_and_events

# docs/events.md is the contract of the -j event lines: its member table
# (names, order, types), its value lists and its examples must match what
# a real daemon writes, so the page and the code cannot drift apart.
t_events_follow_doc() {
	local a=$T_DIR/audited k=$T_DIR/killed d=$T_DIR/tree
	command -v python3 >/dev/null || { skip "python3 missing to parse JSON"; return 77; }
	mk_secret "$a"; mk_secret "$k"; mk_secret "$d/inner"
	special_daemon -j --audit "$a" --kill "$k" --deny "$d" --allow uid=0 || return 1
	expect_readable "$a" nobody read "$a" || return 1
	expect_blocked kill "$k" nobody read "$k" || return 1
	expect_blocked deny "$d/inner" nobody read "$d/inner" || return 1
	nap 0.5
	daemon_down
	python3 - "$IG_ROOT/docs/events.md" "$DAEMON_OUT" >"$T_DIR/.schema.err" 2>&1 <<'PY' ||
import json, re, sys
doc = open(sys.argv[1]).read()
rows = re.findall(r"^\| `(\w+)` \| (number|string) \|", doc, re.M)
assert rows, "no member table in docs/events.md"
values = {}
for m in re.finditer(r"^- `(\w+)`: (.*(?:\n  .*)*)", doc.split("Values:")[1].split("What they mean")[0], re.M):
    values[m.group(1)] = re.findall(r"`([^`]*)`", m.group(2))
examples = re.findall(r"```json\n(.*?)```", doc, re.S)
def check(line, where):
    o = json.loads(line)
    if list(o) in (["warning"], ["error"]):
        assert isinstance(o[list(o)[0]], str), where + ": message not a string"
        return None
    assert list(o) == [n for n, _ in rows], "%s: members %s, documented %s" % (where, list(o), [n for n, _ in rows])
    for n, t in rows:
        ok = isinstance(o[n], int) if t == "number" else isinstance(o[n], str)
        assert ok, "%s: %s is not a %s: %r" % (where, n, t, o[n])
    for n, vals in values.items():
        assert o[n] in vals, "%s: %s=%r is not among the documented %s" % (where, n, o[n], vals)
    assert o["schema"] == 1, where + ": schema is not 1"
    return o
n = 0
for block in examples:
    for line in block.strip().splitlines():
        check(line, "docs example")
        n += 1
assert n >= 8, "only %d examples in docs/events.md" % n
seen = [check(l, "daemon line") for l in open(sys.argv[2]) if l.strip()]
seen = [o for o in seen if o]
got = {(o["action"], o["rule"]) for o in seen}
for want in [("audit", "inode"), ("kill", "inode")]:
    assert want in got, "no %s event by %s from the daemon: %s" % (want + (got,))
assert any(o["rule"] == "tree" and o["unmatched"] == "uid=0" for o in seen), "no tree event naming its unmatched allow rule: %s" % got
PY
		{ fail "$(tail -n 1 "$T_DIR/.schema.err")"; return 1; }
}
t_register_userspace event-lines-follow-docs-events-md t_events_follow_doc

t_numeric_levels_and_merge() {
	local s=$T_DIR/secret out
	mk_secret "$s"; ln "$s" "$T_DIR/alias"
	special_daemon --audit "$s" --deny "$T_DIR/alias" --kill "$s" || return 1
	out=$("$IG" list)
	[ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] && [[ "$out" == kill* ]] ||
		{ fail "duplicates did not merge to kill: $out"; return 1; }
	expect_blocked kill "$s" nobody read "$T_DIR/alias" || return 1
	# The other name is guarded as the entry's own: a file moved over it
	# is protected; one moved over an unlisted neighbour is not.
	mk_secret "$T_DIR/new"; mv "$T_DIR/new" "$T_DIR/alias"
	expect_blocked kill "$T_DIR/alias" nobody read "$T_DIR/alias" || return 1
	mk_secret "$T_DIR/neighbour"; mk_secret "$T_DIR/new"; mv "$T_DIR/new" "$T_DIR/neighbour"
	expect_readable "$T_DIR/neighbour" nobody read "$T_DIR/neighbour"
}
t_register duplicates-merge-highest-level t_numeric_levels_and_merge

# ---- a running instance ----

t_live_protect_unprotect_list() {
	local s=$T_DIR/secret out
	mk_secret "$s"
	shared_daemon || return 1
	expect_readable "$s" nobody read "$s" || return 1
	protect --kill "$s" || return 1
	out=$("$IG" list -j)
	[[ "$out" == *"\"level\":\"kill\",\"path\":\"$s\""* ]] || { fail "list -j lacks $s: $out"; return 1; }
	expect_blocked kill "$s" nobody read "$s" || return 1
	"$IG" unprotect "$s" >/dev/null || { fail "unprotect failed"; return 1; }
	[[ "$("$IG" list)" != *"$s"* ]] || { fail "list still shows $s"; return 1; }
	expect_readable "$s" nobody read "$s" || return 1
}
t_register live-protect-unprotect-list t_live_protect_unprotect_list

# A protect from inside a pid namespace (a container, a service manager's
# sandbox) learns its keys: the hooks compare the learner's pid in its own
# namespace, not the global one.
t_protect_from_pid_namespace() {
	local s=$T_DIR/secret n=$T_DIR/neighbour err
	mk_secret "$s"; mk_secret "$n"
	shared_daemon || return 1
	command -v unshare >/dev/null || { skip "no unshare"; return 77; }
	err=$(unshare --pid --fork --mount-proc "$IG" protect --kill "$s" 2>&1 >/dev/null) ||
		{ fail "protect in a pid namespace: $err"; return 1; }
	expect_readable "$n" nobody read "$n" || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
}
t_register protect-from-a-pid-namespace t_protect_from_pid_namespace

t_unprotect_missing_by_canonical_name() {
	local s=$T_DIR/real/secret
	mk_secret "$s"; ln -s real "$T_DIR/alias"
	shared_daemon && protect --kill "$s" || return 1
	rm "$s"
	# Gone, so it cannot be learned: the name, made canonical through the
	# symlinked directory, finds what was registered.
	"$IG" unprotect "$T_DIR/alias/./secret" >/dev/null 2>"$T_DIR/.err" ||
		{ fail "unprotect of the missing file: $(cat "$T_DIR/.err")"; return 1; }
	[[ "$("$IG" list)" != *"$s"* ]] || { fail "list still shows $s"; return 1; }
	"$IG" unprotect "$T_DIR/alias/secret" >/dev/null 2>&1 && { fail "second unprotect succeeded"; return 1; }
	return 0
}
t_register unprotect-missing-file-by-canonical-name t_unprotect_missing_by_canonical_name

t_caps_dropped() {
	local st f want kept=0000000000000000
	shared_daemon || return 1
	st=/proc/$DAEMON_PID/status
	# Before 5.19 bpf() refuses every command without CAP_BPF (bit 39),
	# even a map update: the daemon keeps that one alone there.
	kernel_before 5.19 && kept=0000008000000000
	for f in CapEff CapPrm CapBnd CapInh CapAmb; do
		want=0000000000000000
		[ "$f" = CapEff ] || [ "$f" = CapPrm ] && want=$kept
		grep -q "^$f:[[:space:]]*$want$" "$st" || { fail "$(grep "^$f" "$st")"; return 1; }
	done
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || { fail "no_new_privs not set"; return 1; }
}
t_register capabilities-dropped t_caps_dropped

t_minimal_caps() {
	local s=$T_DIR/secret err rc memlock="" admin="" paranoid=0
	mk_secret "$s"
	# fmodret's syscall-exit backstop is a perf event, which Debian's
	# perf_event_paranoid 3 grants only to CAP_SYS_ADMIN (README). Whether
	# it attaches here, the shared daemon's readiness line says (BACKSTOP):
	# cheaper than check, which loads all three backends.
	shared_daemon || return 1
	read -r paranoid </proc/sys/kernel/perf_event_paranoid
	[ "$paranoid" -ge 3 ] && [ -n "$BACKSTOP" ] && admin=,+sys_admin
	daemon_down
	# Before 5.11 maps are charged to RLIMIT_MEMLOCK, which only
	# CAP_SYS_RESOURCE may raise: raise it beforehand, as LimitMEMLOCK=
	# in a unit would.
	kernel_before 5.11 && memlock="prlimit --memlock=unlimited"
	# uid 0, but only CAP_BPF and CAP_PERFMON (+CAP_SETPCAP to empty the
	# bounding set); bpffs, securityfs and tracefs are already mounted.
	IG_WRAP="$memlock setpriv --bounding-set=-all,+bpf,+perfmon,+setpcap$admin --inh-caps=-all --" \
		special_daemon --deny "$s" || return 1
	expect_blocked deny "$s" nobody read "$s" || return 1
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' "/proc/$DAEMON_PID/status" || { fail "bounding set kept"; return 1; }
	daemon_down
	err=$(setpriv --bounding-set=-all,+perfmon --inh-caps=-all -- "$IG" run --deny "$s" 2>&1); rc=$?
	[ $rc = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *"missing capability CAP_BPF"* ]] ||
		{ fail "too few caps: exit $rc: $err"; return 1; }
}
t_register minimal-capabilities t_minimal_caps

# Without CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE the kernel hides other
# users' /proc/PID/fd and maps: the start-up scan must say it could not
# look, not report that nobody holds the file. The same in every kernel,
# so on the host only.
t_scan_says_what_it_cannot_see() {
	local s=$T_DIR/secret sync=$T_DIR/sync p1 i err=""
	mk_secret "$s"; chmod 0777 "$T_DIR"
	daemon_down
	"$IG_TESTBIN/ig-vector" -u $NOBODY preopened read "$s" "$sync" >/dev/null 2>&1 &
	p1=$!
	wait_for_files 30 "$sync.ready"
	IG_WRAP="setpriv --bounding-set=-all,+bpf,+perfmon,+setpcap --inh-caps=-all --" \
		special_daemon --audit "$s" || { kill $p1; return 1; }
	touch "$sync.go"
	wait $p1
	daemon_down
	slurp "$DAEMON_ERR" err
	[[ $err == *"start-up scan: "*" of other users could not be inspected (Permission denied; run needs CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE"* ]] ||
		{ fail "no line about the processes the scan could not inspect: ${err:0:300}"; return 1; }
}
t_register_userspace scan-says-what-it-cannot-see t_scan_says_what_it_cannot_see

t_clean_exit_restores() {
	local s=$T_DIR/secret rc
	mk_secret "$s"
	special_daemon --deny "$s" || return 1
	expect_blocked deny "$s" nobody read "$s" || return 1
	daemon_down; rc=$?
	[ $rc = 0 ] || { fail "SIGINT exit status $rc"; return 1; }
	[ ! -e /sys/fs/bpf/inodeguard ] || { fail "pins left after exit"; return 1; }
	[ ! -e /run/inodeguard/instance ] || { fail "/run/inodeguard/instance left after exit"; return 1; }
	[ "$(grep -c 'readable again' "$DAEMON_ERR")" = 1 ] ||
		{ fail "not one line saying the files are readable again: $(tail -c 300 "$DAEMON_ERR")"; return 1; }
	expect_released "$s"
}
t_register clean-exit-restores-access t_clean_exit_restores

t_single_instance_and_recovery() {
	local s=$T_DIR/secret err rc pid
	mk_secret "$s"
	special_daemon --deny "$s" || return 1
	err=$("$IG" run --deny "$s" 2>&1); rc=$?
	[ $rc = 1 ] && [[ "$err" == *"another inodeguard run is active (pid $DAEMON_PID"* ]] ||
		{ fail "second run: exit $rc: $err"; return 1; }
	pid=$DAEMON_PID
	kill -9 "$pid"; wait "$pid" 2>/dev/null; DAEMON_PID=""
	special_daemon --kill "$s" || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
}
t_register single-instance-and-recovery-after-kill-9 t_single_instance_and_recovery

t_readiness_notify() {
	local s=$T_DIR/secret sock=$T_DIR/notify.sock
	mk_secret "$s"
	command -v python3 >/dev/null || { skip "python3 missing to listen on NOTIFY_SOCKET"; return 77; }
	python3 -c '
import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(120)
open(sys.argv[2],"wb").write(s.recv(4096))' "$sock" "$T_DIR/notify.msg" &
	local lp=$! i
	# python3 takes seconds to start in an emulated guest: a datagram sent
	# before it binds is lost, so wait for the socket, not a fixed time.
	for ((i = 0; i < 300; i++)); do
		[ -S "$sock" ] && break
		nap 0.1
	done
	NOTIFY_SOCKET=$sock special_daemon --deny "$s" || return 1
	wait $lp
	grep -q '^READY=1' "$T_DIR/notify.msg" || { fail "no READY=1 on NOTIFY_SOCKET"; return 1; }
	grep -q "^inodeguard: ready (backend $ACTIVE_BACKEND, 1 entry)" "$DAEMON_ERR" || { fail "ready line"; return 1; }
}
t_register_userspace readiness-line-and-sd-notify t_readiness_notify

t_kill_only_strict() {
	local s=$T_DIR/secret err rc
	mk_secret "$s"
	daemon_down
	if can_deny || [ "$BACKEND" != tracepoint ]; then
		[ "$BACKEND" = tracepoint ] || { skip "backend $BACKEND can deny; --strict changes nothing"; return 77; }
	fi
	err=$("$IG" run --backend tracepoint --strict --deny "$s" 2>&1); rc=$?
	[ $rc = 1 ] && [[ "$err" == *"cannot deny"*"--strict"* ]] || { fail "strict: exit $rc: $err"; return 1; }
	special_daemon --backend tracepoint --deny "$s" || return 1
	grep -q "warning: $s: deny will be enforced by SIGKILL" "$DAEMON_ERR" || { fail "no per-entry kill warning"; return 1; }
}
t_register tracepoint-kill-only-warning-and-strict t_kill_only_strict

t_check_reports() {
	local out
	out=$("$IG" -j check) || true
	# The VM runner shows it in the cell's log rather than run check again.
	[ -z "${IG_CHECK_SAVE:-}" ] || printf '%s\n' "$out" >"$IG_CHECK_SAVE"
	[[ "$out" == *"\"auto\":"* && "$out" == *"\"lockdown\""* && "$out" == *"\"btf\""* ]] ||
		{ fail "check -j: $(printf '%s' "$out" | head -c 200)"; return 1; }
	if [ "$BACKEND" != auto ]; then
		[[ "$out" == *"\"$BACKEND\":{\"works\":true"* ]] || { fail "check says $BACKEND does not work"; return 1; }
	fi
	# The legacy build (no bpf_loop, before 5.17) meets no tree at a
	# protected name: check must list that gap there, and only there.
	if kernel_before 5.17; then
		[[ "$out" == *'"gaps":['*'no bpf_loop in this kernel'* ]] ||
			{ fail "check lists no legacy-build gap on $(uname -r): ${out##*\"gaps\":}"; return 1; }
	elif [[ "$out" == *'no bpf_loop in this kernel'* ]]; then
		fail "check lists a legacy-build gap on $(uname -r)"; return 1
	fi
	# fmodret on a kernel that preempts kernel code skips checks under
	# load: check must list that gap there, and only there.
	[[ "$out" == *'"auto":"fmodret"'* ]] || return 0
	local want=no cmdline config=/boot/config-$(uname -r)
	slurp /proc/cmdline cmdline
	if [[ "$cmdline" =~ preempt=([a-z]+) ]]; then
		[[ ${BASH_REMATCH[1]} == full || ${BASH_REMATCH[1]} == lazy ]] && want=yes
	elif [ -r "$config" ]; then
		grep -Eq '^CONFIG_PREEMPT(_LAZY)?=y' "$config" && want=yes
	else
		return 0 # no kernel config to judge by
	fi
	case "$want:$out" in
	yes:*'"gaps":['*'preempts kernel code'*) ;;
	no:*'preempts kernel code'*) fail "check lists a preemption gap on a kernel that does not preempt"; return 1 ;;
	yes:*) fail "check lists no preemption gap for fmodret on a preemptible kernel: ${out##*\"gaps\":}"; return 1 ;;
	esac
}
t_register check-reports-kernel t_check_reports

# ---- -j: one valid JSON document per command, whatever fails ----

# json_doc WHAT CMD...: CMD's stdout must be exactly one JSON document.
json_doc() {
	local what=$1 out=$T_DIR/.json.$((++JSON_N))
	shift
	"$@" >"$out" 2>/dev/null
	python3 -m json.tool "$out" >/dev/null 2>&1 ||
		{ fail "$what: not one JSON document: $(head -c 300 "$out")"; return 1; }
	JSON_OUT=$out
}

# json_lines WHAT FILE: every line of FILE is a JSON document of its own.
json_lines() {
	python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
for l in lines:
    json.loads(l)' "$2" 2>"$T_DIR/.json.err" ||
		{ fail "$1: not JSON lines: $(tail -n 1 "$T_DIR/.json.err"): $(head -c 300 "$2")"; return 1; }
}

t_json_every_command() {
	local s=$T_DIR/secret conf=$T_DIR/bad.conf
	command -v python3 >/dev/null || { skip "python3 missing to parse JSON"; return 77; }
	mk_secret "$s"
	JSON_N=0
	# No running instance.
	daemon_down
	json_doc "list without instance" "$IG" -j list || return 1
	grep -q '"error":"no running inodeguard instance' "$JSON_OUT" || { fail "list: no error member"; return 1; }
	json_doc "protect without instance" "$IG" -j protect "$s" || return 1
	json_doc "unprotect without instance" "$IG" unprotect -j "$s" || return 1
	# Before the command is known, and bad usage.
	json_doc "unknown option" "$IG" -j -x list || return 1
	json_doc "unknown command" "$IG" -j frobnicate || return 1
	json_doc "no command" "$IG" -j || return 1
	json_doc "unknown command option" "$IG" list --bogus -j || return 1
	json_doc "protect without path" "$IG" -j protect || return 1
	json_doc "check bad option" "$IG" -j check -z || return 1
	json_doc "check" "$IG" -j check || return 1
	json_doc "version" "$IG" -j version || return 1
	json_doc "help" "$IG" -j help || return 1
	# A running instance: success, bad paths, mixed, warnings.
	shared_daemon || return 1
	json_doc "protect" "$IG" -j protect --deny "$s" || return 1
	grep -q '"action":"protected"' "$JSON_OUT" || { fail "protect: no result: $(head -c 200 "$JSON_OUT")"; return 1; }
	json_doc "protect bad and good" "$IG" -j protect "$T_DIR/missing" "$s" || return 1
	grep -q '"error":".*missing: no such file"' "$JSON_OUT" || { fail "protect: no error member"; return 1; }
	json_doc "protect a directory" "$IG" -j protect "$T_DIR" || return 1
	json_doc "list" "$IG" -j list || return 1
	grep -q "\"path\":\"$s\"" "$JSON_OUT" || { fail "list lacks $s"; return 1; }
	json_doc "unprotect missing" "$IG" -j unprotect "$T_DIR/missing" || return 1
	json_doc "unprotect" "$IG" -j unprotect "$s" || return 1
	json_doc "unprotect bad option" "$IG" -j unprotect --kill "$s" || return 1
	# run: JSON lines, events and messages alike.
	printf 'deny %s\nfrobnicate x\n' "$s" >"$conf"
	"$IG" -j run -c "$conf" >"$T_DIR/run-bad.out" 2>/dev/null
	json_lines "run with a bad config" "$T_DIR/run-bad.out" || return 1
	"$IG" -j run --bogus >"$T_DIR/run-opt.out" 2>/dev/null
	json_lines "run with a bad option" "$T_DIR/run-opt.out" || return 1
	special_daemon -j --audit "$s" || return 1
	probe_as nobody read "$s"
	probe_as nobody read "$s"
	nap 0.5
	daemon_down
	json_lines "run events" "$DAEMON_OUT" || return 1
	grep -q '"action":"audit"' "$DAEMON_OUT" || { fail "run -j: no event"; return 1; }
}
t_register_userspace json-one-document-per-command t_json_every_command

# ---- replies that tell the truth: what is in force now, and what was ----

# live_reply CMD...: REPLY gets CMD's stdout; it must exit 0.
live_reply() {
	REPLY=$("$IG" "$@" 2>"$T_DIR/.live.err") || { fail "$* exited $?: $(<"$T_DIR/.live.err")"; return 1; }
}

# list_line PATH: the `list` line of the entry registered under PATH.
list_line() { "$IG" list | grep -F " $1 (" ; }

t_protect_sets_exact_level() {
	local s=$T_DIR/secret
	mk_secret "$s"
	shared_daemon && protect --kill "$s" || return 1
	live_reply protect --level 0 "$s" || return 1
	[[ $REPLY == "protected file $s (kill -> audit, "* ]] || { fail "lowering replied: $REPLY"; return 1; }
	[[ $(list_line "$s") == "audit file $s "* ]] || { fail "list after lowering: $(list_line "$s")"; return 1; }
	expect_readable "$s" nobody read "$s" || return 1
	live_reply protect --deny "$s" || return 1
	[[ $REPLY == "protected file $s (audit -> deny, "* ]] || { fail "raising replied: $REPLY"; return 1; }
	[[ $(list_line "$s") == "deny  file $s "* ]] || { fail "list after raising: $(list_line "$s")"; return 1; }
	expect_blocked deny "$s" nobody read "$s"
}
t_register protect-level-lowered-and-raised-exactly t_protect_sets_exact_level

t_protect_hardlink_keeps_entry_path() {
	local s=$T_DIR/secret l=$T_DIR/link
	mk_secret "$s"; ln "$s" "$l"
	shared_daemon && protect --kill "$s" || return 1
	live_reply protect --audit "$l" || return 1
	[[ $REPLY == "protected file $s (kill -> audit, "*"; $l is another name of it)" ]] ||
		{ fail "protect through the link replied: $REPLY"; return 1; }
	[[ $(list_line "$s") == "audit file $s "* ]] || { fail "list lost $s: $("$IG" list)"; return 1; }
	if "$IG" list | grep -qF " $l ("; then fail "list shows the link's name: $("$IG" list)"; return 1; fi
	# The name it was given by is guarded too: a file moved over it is
	# protected at the level set through it.
	live_reply protect --kill "$l" || return 1
	mk_secret "$T_DIR/new"; mv "$T_DIR/new" "$l"
	expect_blocked kill "$l" nobody read "$l"
}
t_register protect-through-hardlink-keeps-entry-path t_protect_hardlink_keeps_entry_path

t_unprotect_states_level() {
	local s=$T_DIR/secret err rc
	mk_secret "$s"
	shared_daemon && protect --kill "$s" || return 1
	live_reply unprotect "$s" || return 1
	[[ $REPLY == "unprotected $s (was kill; 1 inode released)" ]] || { fail "unprotect replied: $REPLY"; return 1; }
	err=$("$IG" unprotect "$s" 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] && [[ $err == *"$s: no entry protects it" ]] || { fail "second unprotect: exit $rc: $err"; return 1; }
}
t_register unprotect-states-removed-level t_unprotect_states_level

# ---- docs/errors.md: each bad input, its message and exit status ----

# err_case RC LINES MSG CMD...: CMD exits RC with LINES lines on stderr, the
# last holding MSG; with -j it exits RC too and prints nothing on stderr.
# Its stdout is kept for json_cases_valid, which parses them all at once
# (one python start, not one per row).
err_case() {
	local rc=$1 lines=$2 msg=$3 err got out
	shift 3
	err=$(timeout 20 "$IG" "$@" 2>&1 >/dev/null); got=$?
	[ "$got" = "$rc" ] || { fail "$*: exit $got, want $rc: $err"; return 1; }
	[ "$(wc -l <<<"$err")" = "$lines" ] || { fail "$*: want $lines line(s): $err"; return 1; }
	[[ $(tail -n 1 <<<"$err") == *"$msg"* ]] || { fail "$*: want '$msg', got: $err"; return 1; }
	JSON_CASES=$((${JSON_CASES:-0} + 1))
	out=$T_DIR/.j.$JSON_CASES
	timeout 20 "$IG" -j "$@" >"$out" 2>"$T_DIR/.j.err"; got=$?
	[ "$got" = "$rc" ] || { fail "-j $*: exit $got, want $rc"; return 1; }
	[ ! -s "$T_DIR/.j.err" ] || { fail "-j $*: stderr: $(<"$T_DIR/.j.err")"; return 1; }
	printf '%s\t%s\n' "$out" "$msg" >>"$T_DIR/.j.cases"
}

# Each -j output kept by err_case is one JSON document (or JSON lines, for
# run) whose last error holds the row's message.
json_cases_valid() {
	local bad
	bad=$(python3 - "$T_DIR/.j.cases" <<-'PY'
	import json, sys
	for row in open(sys.argv[1], encoding="utf-8"):
	    path, msg = row.rstrip("\n").split("\t", 1)
	    text = open(path, encoding="utf-8").read()
	    try:
	        try:
	            docs = [json.loads(text)]
	        except ValueError:
	            docs = [json.loads(l) for l in text.splitlines()]
	    except ValueError as e:
	        print(f"{path}: not JSON ({e}): {text[:200]}")
	        continue
	    errs = []
	    for d in docs:
	        for i in (d if isinstance(d, list) else [d]):
	            errs += [i["error"]] if "error" in i else i.get("errors", [])
	    if not errs or msg not in errs[-1]:
	        print(f"{path}: no error holding {msg!r}: {text[:200]}")
	PY
	)
	[ -z "$bad" ] || { fail "-j: $bad"; return 1; }
}

t_errors_table() {
	local d=$T_DIR conf=$T_DIR/c.conf f=$T_DIR/file i
	JSON_CASES=0
	command -v python3 >/dev/null || { skip "python3 missing to parse JSON"; return 77; }
	mk_secret "$f"; mk_secret "$d/f2"; mkfifo "$d/fifo"; ln -s loop2 "$d/loop1"; ln -s loop1 "$d/loop2"
	daemon_down
	err_case 2 1 "unknown command 'frob' (see 'inodeguard help')" frob || return 1
	err_case 2 1 "unknown option '-x' (see 'inodeguard help')" -x list || return 1
	err_case 2 1 "bad option '--bogus' (usage: inodeguard list [-j])" list --bogus || return 1
	err_case 2 1 "bad option '-c' (usage: inodeguard run " run -c || return 1
	err_case 2 1 "bad option '--kill' (usage: inodeguard unprotect PATH...)" unprotect --kill "$f" || return 1
	err_case 2 1 "protect: no PATH given" protect || return 1
	err_case 2 1 "reload: unexpected argument 'x' (usage: inodeguard reload [-c FILE])" reload x || return 1
	err_case 2 1 "--level: unknown level 'frob' (use audit, deny, kill or 0, 1, 2)" protect --level frob "$f" || return 1
	err_case 2 1 "unknown backend 'nope' (lsm, fmodret, tracepoint or auto)" run --backend nope "$f" || return 1
	err_case 2 1 "--capacity: '0' is not a positive number" run --capacity 0 "$f" || return 1
	err_case 2 1 "--capacity 1 is too small: the policy needs 2 keys (give --capacity 2 or more" \
		run --capacity 1 "$f" "$d/f2" || return 1
	err_case 2 1 "--seal needs the lsm or fmodret backend: tracepoint cannot refuse a signal" \
		run --seal --backend tracepoint "$f" || return 1
	err_case 2 1 "command line: $d/missing: no such file" run "$d/missing" || return 1
	err_case 2 1 "command line: $d/fifo: a FIFO (only regular files and directories can be protected)" run "$d/fifo" || return 1
	err_case 2 1 "command line: $d/loop1: symlink loop" run "$d/loop1" || return 1
	err_case 2 1 "command line: /proc/version: unsupported filesystem proc" run /proc/version || return 1
	err_case 2 1 "command line: /: refusing to protect the whole filesystem" run / || return 1
	err_case 2 1 "command line: /usr: covers a system directory as a whole (/usr); give --force" run /usr || return 1
	err_case 2 1 "$d/none.conf: cannot read config: No such file or directory" run -c "$d/none.conf" || return 1
	err_case 2 1 "$d: cannot read config: Is a directory" run -c "$d" || return 1
	printf 'deny file\nfrob x\n' >"$conf"
	err_case 2 1 "$conf:2: unknown level 'frob' (use audit, deny, kill or 0, 1, 2)" run -c "$conf" || return 1
	printf 'kill\n' >"$conf"
	err_case 2 1 "$conf:1: expected 'LEVEL PATH', got 'kill'" run -c "$conf" || return 1
	printf 'deny file\0x\n' >"$conf"
	err_case 2 1 "$conf:1: a NUL byte in the line (not a text file?)" run -c "$conf" || return 1
	for i in $(seq 12); do echo "frob$i x"; done >"$conf"
	err_case 2 11 "$conf: 2 more bad lines not shown" run -c "$conf" || return 1
	err_case 1 1 "no running inodeguard instance (start one with 'inodeguard run')" protect "$f" || return 1
	err_case 1 1 "no running inodeguard instance (start one with 'inodeguard run')" unprotect "$f" || return 1
	err_case 1 1 "no running inodeguard instance (start one with 'inodeguard run')" list || return 1
	err_case 1 1 "no running inodeguard instance (start one with 'inodeguard run')" reload || return 1
	err_case 1 1 "no running inodeguard instance (start one with 'inodeguard run')" stats || return 1
	err_case 1 1 "backend tracepoint cannot deny, only kill after the open, and --strict was given; refusing to start" \
		run --backend tracepoint --strict --deny "$f" || return 1
	# Out of memory: a config line larger than the address space allowed.
	# ASan reserves terabytes of address space, so not under SAN=1.
	if ! ldd "$IG" 2>/dev/null | grep -q libasan; then
		head -c 64000000 /dev/zero | tr '\0' a >"$d/huge.conf"
		printf '#!/bin/bash\nulimit -v 60000\nexec %q "$@"\n' "$IG" >"$d/ig-small"
		chmod +x "$d/ig-small"
		IG=$d/ig-small err_case 1 1 "$d/huge.conf: cannot read config: Cannot allocate memory" \
			run -c "$d/huge.conf" || { rm -f "$d/huge.conf"; return 1; }
		rm -f "$d/huge.conf"
	fi
	special_daemon --capacity 1 --audit "$f" || return 1
	mk_secret "$d/other"
	err_case 1 1 "another inodeguard run is active (pid $DAEMON_PID, backend $ACTIVE_BACKEND); stop it first" \
		run --backend "$BACKEND" "$d/other" || return 1
	err_case 1 1 "$d/other: cannot add it: the running instance's maps are full at 1 keys (restart it with a larger --capacity)" \
		protect "$d/other" || return 1
	printf 'deny file\nfrob x\n' >"$conf"
	err_case 2 1 "$conf:2: unknown level 'frob' (use audit, deny, kill or 0, 1, 2)" reload -c "$conf" || return 1
	err_case 2 1 "$d/other: no entry protects it" unprotect "$d/other" || return 1
	err_case 2 1 "$d/missing: no such file, and no entry was registered under that path" unprotect "$d/missing" || return 1
	daemon_down
	json_cases_valid
}
t_register_userspace errors-table t_errors_table

# ---- keys taken from file handles at start, confirmed by the kernel ----

after_each() { loops_down; }

# handles_files DIR N: N secrets DIR/f1..fN, listed at deny on stdout, and
# an unprotected neighbour DIR/open.
handles_files() {
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $2; i++)); do
		mk_secret "$1/f$i"
		printf 'deny %s\n' "$1/f$i"
	done
	mk_secret "$1/open"
}

# keys_taken COMPUTED LEARNED: what run -v said of the keys of a config.
keys_taken() {
	local want="keys: $1 computed from file handles and confirmed by the kernel, $2 to learn by opening the file"
	grep -qF "$want" "$DAEMON_ERR" ||
		{ fail "want '$want', got '$(grep -o 'keys: .*' "$DAEMON_ERR")'"; return 1; }
}

# handles_hold DIR N: what protecting DIR/f1..fN must hold, whichever way
# their keys were taken. A hard link made now in another directory is
# judged by the inode's key alone; a new file moved over a protected name
# by the name part, which is keyed by the directory's key; the neighbour
# is read by the same route.
handles_hold() {
	local d=$1 n=$2 link=$1/../link-${1##*/}-f2
	expect_blocked deny "$d/f$n" nobody read "$d/f$n" || return 1
	ln "$d/f2" "$link" || { fail "cannot link $d/f2"; return 1; }
	expect_blocked deny "$d/f2" nobody read "$link" || return 1
	mk_secret "$d/new"
	mv -f "$d/new" "$d/f1"
	expect_blocked deny "$d/f1" nobody read "$d/f1" || return 1
	expect_readable "$d/open" nobody read "$d/open"
}

# tmpfs: a directory listed nearly whole (its names read at once) and one
# of which 2 names in 300 are listed (one fstatat() per file).
t_handles_tmpfs() {
	local conf=$T_DIR/ig.conf
	handles_files "$T_DIR/a" 40 >"$conf"
	mkdir "$T_DIR/b"; (cd "$T_DIR/b" && seq 300 | sed 's/^/x/' | xargs touch)
	handles_files "$T_DIR/b" 2 >>"$conf"
	special_daemon -v -c "$conf" || return 1
	keys_taken 42 0 || return 1
	handles_hold "$T_DIR/a" 40 && handles_hold "$T_DIR/b" 2
}
t_register keys-from-handles-tmpfs t_handles_tmpfs

# ext4 on a loop device, beside tmpfs in the same config: one layout group
# each, each confirmed by the kernel.
t_handles_ext4() {
	local conf=$T_DIR/ig.conf
	mk_loopfs ext4 "$T_DIR/ext4" || return $?
	handles_files "$T_DIR/ext4/d" 40 >"$conf"
	handles_files "$T_DIR/ext4/e" 2 >>"$conf"
	handles_files "$T_DIR/t" 20 >>"$conf"
	special_daemon -v -c "$conf" || return 1
	keys_taken 62 0 || return 1
	handles_hold "$T_DIR/ext4/d" 40 && handles_hold "$T_DIR/ext4/e" 2 &&
		handles_hold "$T_DIR/t" 20
}
t_register_per_kernel keys-from-handles-ext4-loop t_handles_ext4

# xfs writes its 64-bit layout (type 0x81, 12 bytes) by default and the
# 32-bit one (type 1, 8 bytes) when mounted with inode32.
handles_xfs() {
	local conf=$T_DIR/ig.conf
	mk_loopfs xfs "$T_DIR/xfs" || return $?
	if [ -n "$1" ]; then
		umount "$T_DIR/xfs" && mount -o "$1" "$LOOPDEV" "$T_DIR/xfs" ||
			{ fail "cannot mount xfs with $1"; return 1; }
	fi
	handles_files "$T_DIR/xfs/d" 20 >"$conf"
	special_daemon -v -c "$conf" || return 1
	keys_taken 20 0 || return 1
	handles_hold "$T_DIR/xfs/d" 20
}
t_handles_xfs() { handles_xfs ""; }
t_handles_xfs32() { handles_xfs inode32; }
t_register_per_kernel keys-from-handles-xfs t_handles_xfs
t_register_per_kernel keys-from-handles-xfs-inode32 t_handles_xfs32

# Where handles cannot stand for the kernel's key, the file is learned by
# opening it: on btrfs (not a filesystem whose handles are read: stat()
# names another device than the kernel keys), and for a file mounted over
# a listed name on tmpfs (its handle is of another mount than its
# directory's); the mounted file is the one protected, under both names.
t_handles_fallback() {
	local conf=$T_DIR/ig.conf
	mk_loopfs btrfs "$T_DIR/btrfs" || return $?
	handles_files "$T_DIR/btrfs/d" 20 >"$conf"
	handles_files "$T_DIR/a" 20 >>"$conf"
	mk_secret "$T_DIR/other"
	mount --bind "$T_DIR/other" "$T_DIR/a/f4" || { skip "mount --bind failed"; return 77; }
	MOUNTS+=("$T_DIR/a/f4")
	special_daemon -v -c "$conf" || return 1
	keys_taken 19 21 || return 1
	handles_hold "$T_DIR/btrfs/d" 20 && handles_hold "$T_DIR/a" 20 || return 1
	expect_blocked deny "$T_DIR/other" nobody read "$T_DIR/a/f4" || return 1
	expect_blocked deny "$T_DIR/other" nobody read "$T_DIR/other"
}
t_register_per_kernel keys-learned-where-handles-cannot-stand t_handles_fallback

# ---- map capacity: sized from the policy, a full map named as such ----

t_capacity_from_policy() {
	local conf=$T_DIR/many.conf err rc
	mkdir "$T_DIR/many"
	(cd "$T_DIR/many" && seq 70000 | sed 's/^/f/' | xargs touch) || { fail "cannot make 70,000 files"; return 1; }
	seq 70000 | sed 's|^|audit many/f|' >"$conf"
	mk_secret "$T_DIR/many/f1"
	err=$("$IG" run --backend "$BACKEND" -c "$conf" --capacity 1000 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] &&
		[[ $err == *"--capacity 1000 is too small: the policy needs 70000 keys (give --capacity 87500 or more"* ]] ||
		{ fail "small --capacity: exit $rc: $err"; return 1; }
	special_daemon -c "$conf" || return 1
	grep -q "ready (backend [a-z]*, 70000 entries)" "$DAEMON_ERR" || { fail "not 70000 entries: $(<"$DAEMON_ERR")"; return 1; }
	expect_readable "$T_DIR/many/f1" nobody read "$T_DIR/many/f1" || return 1
	"$IG" protect --deny "$T_DIR/many/f1" >/dev/null 2>&1 || { fail "a live protect found no room"; return 1; }
}
t_register_per_kernel capacity-sized-from-70000-entry-config t_capacity_from_policy

t_protect_on_full_map() {
	local err rc
	mk_secret "$T_DIR/a"; mk_secret "$T_DIR/b"; mk_secret "$T_DIR/c"
	special_daemon --capacity 2 --deny "$T_DIR/a" --deny "$T_DIR/b" || return 1
	err=$("$IG" protect --deny "$T_DIR/c" 2>&1 >/dev/null); rc=$?
	[ $rc = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] &&
		[[ $err == *"$T_DIR/c: cannot add it: the running instance's maps are full at 2 keys (restart it with a larger --capacity)" ]] ||
		{ fail "protect on a full map: exit $rc: $err"; return 1; }
}
t_register capacity-protect-on-full-map t_protect_on_full_map

# ---- names: a file entry protects its inode and its name ----

REPLACE=$SCRATCH_ROOT/bin/ig-replace

# The acceptance race: root makes 200 new versions (rename over the name,
# the old one moved aside) while a reader as nobody tries the name, the
# moved-aside name, the temporary, a relative name and a descriptor held
# from before the rename. No byte of any version may arrive; the
# unprotected neighbour, replaced the same way, must be read.
t_replace_race() {
	local d=$T_DIR/app out="" err=""
	mkdir -p "$d"; mk_secret "$d/secret.key"; mk_secret "$d/neighbour"
	shared_daemon && protect --deny "$d/secret.key" || return 1
	# The tracepoint backend sees no rename and no read. It judges a name
	# after the open, by the name the file has then: a version renamed
	# away in between, one moved aside before anyone opened it at the
	# name, and a descriptor opened before the rename are its documented
	# gaps, so the race cannot hold there. The tools test below does.
	can_deny || { skip "known gap on $ACTIVE_BACKEND: renames are not seen, so a version renamed while it is opened is not judged by its old name"; return 77; }
	"$REPLACE" "$d" secret.key neighbour 200 >"$T_DIR/race.out" 2>"$T_DIR/race.err" ||
		{ slurp "$T_DIR/race.err" err; fail "ig-replace: $err"; return 1; }
	slurp "$T_DIR/race.out" out; slurp "$T_DIR/race.err" err
	[[ $out != *IG-SECRET-secret.key* ]] || { fail "a version leaked: ${out:0:120}"; return 1; }
	[[ $err =~ neighbour\ reads\ [1-9] ]] || { fail "positive control never read the neighbour: $err"; return 1; }
	expect_blocked deny "$d/secret.key" nobody read "$d/secret.key" || return 1
	expect_blocked deny "$d/secret.key~" nobody read "$d/secret.key~"
}
t_register name-replaced-200-times-while-read t_replace_race

# ---- checks under preemption ----

STORM=$SCRATCH_ROOT/bin/ig-storm
PREEMPT_SECONDS=${IG_PREEMPT_SECONDS:-10}
exec {FIG_FD}>&1

# Everything on one CPU: loaders as nobody open and read a public file in
# a loop, so that checks run all the time and tasks are preempted inside
# them, while a reader as nobody opens a protected file and reads another
# through a descriptor held from before its live protect. On a kernel that
# preempts kernel code the kernel skips fmod_ret checks for other tasks
# meanwhile; the syscall-exit backstop must catch every one that reached
# bytes. No byte may arrive on any backend; the control reads public.
t_preempt_load() {
	local d=$T_DIR/pre out="" err="" rc held="" skipped
	# LSM programs sit behind no recursion guard: nothing here for the
	# kernel to skip, and the storm (stress suite) covers load on lsm.
	[ "$BACKEND" = lsm ] && { skip "the kernel never skips an LSM program, so there is no skipped check to catch"; return 77; }
	mkdir -p "$d/p"; mk_secret "$d/p/secret"; mk_secret "$d/p/held"
	echo "IG-PUBLIC neighbour" >"$d/p/public"
	special_daemon --deny "$d/p/secret" || return 1
	# tracepoint sees no read through an earlier descriptor: a listed gap.
	can_deny || held=--no-held
	"$STORM" preempt "$PREEMPT_SECONDS" "$d" "$IG" 4 $held >"$T_DIR/pre.out" 2>"$T_DIR/pre.err"
	rc=$?
	slurp "$T_DIR/pre.out" out
	err=$(tail -n 1 "$T_DIR/pre.err")
	nap 1.2 # the daemon reports skipped checks once a second
	skipped=$(sed -n 's/.*the kernel skipped \([0-9]*\) checks so far.*; \([0-9]*\) processes.*/skipped \1, caught \2/p' \
		"$DAEMON_ERR" | tail -n 1)
	echo "IG-FIGURE preempt backend=$ACTIVE_BACKEND${BACKSTOP:+ backstop} ${skipped:-skipped 0, caught 0}; ${err#ig-storm: }" >&"$FIG_FD"
	[[ $out != *IG-SECRET* ]] || { fail "secret bytes arrived: ${out:0:120} ($err)"; return 1; }
	[ "$rc" = 0 ] || { fail "ig-storm preempt: $err"; return 1; }
	[[ $err =~ control\ ok\ [1-9] ]] || { fail "the control never read its file: $err"; return 1; }
}
t_register "preempted-checks-${PREEMPT_SECONDS}s-no-byte" t_preempt_load

# The tools people really use, each making a new inode at the name.
t_replace_tools() {
	local d=$T_DIR/etc s=$T_DIR/etc/app.conf out
	mkdir -p "$d"; mk_secret "$s"; mk_secret "$d/neighbour"
	shared_daemon && protect --deny "$s" || return 1
	sed -i 's/^IG-SECRET-/IG-SECRET-sed-/' "$s"
	expect_blocked deny "$s" nobody read "$s" || return 1
	printf 'IG-SECRET-mv-%s\n' "$RANDOM" >"$d/new"; mv -f "$d/new" "$s"
	expect_blocked deny "$s" nobody read "$s" || return 1
	printf 'IG-SECRET-install-%s\n' "$RANDOM" >"$d/src"; install -m 0644 "$d/src" "$s"
	expect_blocked deny "$s" nobody read "$s" || return 1
	# An editor's way: the old file moved aside, a new one created.
	mv "$s" "$s~"; printf 'IG-SECRET-editor-%s\n' "$RANDOM" >"$s"
	expect_blocked deny "$s" nobody read "$s" || return 1
	expect_blocked deny "$s~" nobody read "$s~" || return 1
	rm -f "$s"; printf 'IG-SECRET-recreated-%s\n' "$RANDOM" >"$s"
	expect_blocked deny "$s" nobody read "$s" || return 1
	expect_readable "$d/neighbour" nobody read "$d/neighbour" || return 1
	out=$("$IG" -j list)
	[[ $out == *"\"path\":\"$s\""*"\"replaced\":true"* ]] || { fail "list -j does not say $s was replaced: ${out:0:300}"; return 1; }
}
t_register name-sed-mv-install-editor-recreate t_replace_tools

# The hooks hash a name in full only where the filter's bit for the
# directory, the name's length and its first eight bytes is set: names
# shorter than eight bytes, of exactly eight, of nine, and longer than a
# dentry holds inline (an allocation of their own) are each replaced and
# must stay covered. The neighbour has the same length and first eight
# bytes as a protected name, so only the full hash tells them apart.
t_name_lengths() {
	local d=$T_DIR/len n long
	long=$(printf 'L%.0s' {1..100})
	mkdir -p "$d"
	for n in k 1234567 12345678 123456789 "$long"; do mk_secret "$d/$n"; done
	mk_secret "$d/123456780"
	shared_daemon && protect --deny "$d/k" "$d/1234567" "$d/12345678" "$d/123456789" "$d/$long" ||
		return 1
	for n in k 1234567 12345678 123456789 "$long"; do
		printf 'IG-SECRET-mv-%s\n' "$RANDOM" >"$d/new"; mv -f "$d/new" "$d/$n"
		expect_blocked deny "$d/$n" nobody read "$d/$n" || return 1
	done
	expect_readable "$d/123456780" nobody read "$d/123456780"
}
t_register name-lengths-short-eight-nine-long t_name_lengths

# Maps adopted from a release before the name bits have name parts whose
# bits were never set, and the word that says the bits are complete
# clear: the hooks must then hash every name. Both steps are made here on
# the running instance's filter (ig-namebits). With the bits cleared but
# the word still set, a version moved over the name is read: the bits
# are what the hooks consult. With the word clear, the next version is
# refused: the hooks fell back to the name's full hash.
t_name_bits_incomplete() {
	local d=$T_DIR/oldbits s=$T_DIR/oldbits/secret nb=$SCRATCH_ROOT/bin/ig-namebits rc=0
	mk_secret "$s"; mk_secret "$d/neighbour"
	shared_daemon && protect --deny "$s" || return 1
	"$nb" clear "$d" secret || { fail "ig-namebits clear failed"; return 1; }
	printf 'IG-SECRET-cleared-%s\n' "$RANDOM" >"$d/new"; mv -f "$d/new" "$s"
	expect_readable "$s" nobody read "$s" || rc=1
	"$nb" complete 0 || { fail "ig-namebits complete 0 failed"; return 1; }
	if [ "$rc" = 0 ]; then
		printf 'IG-SECRET-fallback-%s\n' "$RANDOM" >"$d/new"; mv -f "$d/new" "$s"
		expect_blocked deny "$s" nobody read "$s" &&
			expect_readable "$d/neighbour" nobody read "$d/neighbour" || rc=1
	fi
	# Later tests share this daemon: its bits are complete again.
	"$nb" complete 1 || { fail "ig-namebits complete 1 failed"; return 1; }
	return "$rc"
}
t_register name-bits-incomplete-falls-back-to-hash t_name_bits_incomplete

# Events say which rule matched: the inode, the name or a tree.
t_events_name_rule() {
	local d=$T_DIR/ev s=$T_DIR/ev/key
	mkdir -p "$d/tree"; mk_secret "$s"; mk_secret "$d/tree/f"
	special_daemon -j --deny "$s" --deny "$d/tree" || return 1
	printf 'IG-SECRET-new-%s\n' "$RANDOM" >"$d/new"; mv -f "$d/new" "$s"
	mk_secret "$d/tree/later"
	expect_blocked deny "$s" nobody read "$s" || return 1
	expect_blocked deny "$d/tree/later" nobody read "$d/tree/later" || return 1
	nap 0.5
	grep -q "\"rule\":\"name\",\"entry\":\"$s\"" "$DAEMON_OUT" ||
		{ fail "no event naming the name rule of $s: $(head -c 400 "$DAEMON_OUT")"; return 1; }
	grep -q "\"rule\":\"tree\",\"entry\":\"$d/tree\"" "$DAEMON_OUT" ||
		{ fail "no event naming the tree $d/tree"; return 1; }
}
t_register events-name-the-matching-rule t_events_name_rule

# ---- trees: a directory entry protects every file below it ----

# deep_path DIR N: DIR/l1/l2/.../lN, built without an exec.
deep_path() {
	local p=$1 i
	for ((i = 1; i <= $2; i++)); do p=$p/l$i; done
	printf '%s' "$p"
}

t_tree_files() {
	local d=$T_DIR/secrets deep
	deep=$(deep_path "$d" 40)
	mkdir -p "$d/a/sub" "$deep" "$T_DIR/bind"
	mk_secret "$d/a/old"; mk_secret "$deep/deep"; mk_secret "$T_DIR/neighbour"
	ln "$d/a/old" "$T_DIR/linked-outside"   # a hard link made before protection
	shared_daemon && protect --deny "$d" || return 1
	expect_blocked deny "$d/a/old" nobody read "$d/a/old" || return 1
	expect_blocked deny "$d/a/old" nobody read "$T_DIR/linked-outside" || return 1
	expect_blocked deny "$deep/deep" nobody read "$deep/deep" || return 1
	expect_blocked deny "$d/a/old" nobody relative "$d/a/sub" ../old || return 1
	mk_secret "$d/a/later"                                 # created after
	expect_blocked deny "$d/a/later" nobody read "$d/a/later" || return 1
	mk_secret "$T_DIR/moved"; mv "$T_DIR/moved" "$d/a/moved"  # moved in by root
	expect_blocked deny "$d/a/moved" nobody read "$d/a/moved" || return 1
	mount --bind "$d/a" "$T_DIR/bind" || { fail "mount --bind"; return 1; }
	expect_blocked deny "$d/a/old" nobody read "$T_DIR/bind/old"
	local rc=$?
	umount "$T_DIR/bind"
	[ $rc = 0 ] || return 1
	expect_readable "$T_DIR/neighbour" nobody read "$T_DIR/neighbour" || return 1
	# Listing, opening the directory and stat stay allowed.
	probe_as nobody list "$d/a"
	[ "$PROBE_RC" = 0 ] && grep -qx old "$PROBE_OUT" || { fail "listing the tree failed ($PROBE_RC)"; return 1; }
	probe_as nobody stat "$d/a/old"
	[ "$PROBE_RC" = 0 ] || { fail "stat in the tree failed ($PROBE_RC)"; return 1; }
}
t_register tree-depth-40-later-moved-in-hardlink-bind t_tree_files

# The walk is bounded: an open deeper than it below no tree is denied
# while any tree exists, never allowed; one well inside the bound is not.
t_tree_walk_bound() {
	local d=$T_DIR/guarded far near
	mkdir -p "$d"
	near=$(deep_path "$T_DIR/near" 200)
	far=$(deep_path "$T_DIR/far" 300)
	mkdir -p "$near" "$far"
	mk_secret "$near/f"; mk_secret "$far/f"
	# A daemon of its own: the shared one holds other tests' trees.
	special_daemon --deny "$d" || return 1
	expect_readable "$near/f" nobody read "$near/f" || return 1
	expect_blocked deny "$far/f" nobody read "$far/f" || return 1
	"$IG" unprotect "$d" >/dev/null || { fail "unprotect $d"; return 1; }
	expect_readable "$far/f" nobody read "$far/f"
}
t_register tree-walk-bound-denies-deeper-opens t_tree_walk_bound

# Keys the kernel adds for new versions are dropped when those versions
# are deleted; when the map is full, the rename that needs one is refused.
t_learned_keys_reclaimed_and_capacity() {
	local d=$T_DIR/cap s=$T_DIR/cap/secret i out n err
	mkdir -p "$d"; mk_secret "$s"
	special_daemon --capacity 4 --deny "$s" || return 1
	can_deny || { skip "backend $ACTIVE_BACKEND has no rename or inode-free hook: its learned keys are never reclaimed and a full map is only counted"; return 77; }
	# Each new version is keyed at the rename; the one it replaces has no
	# link left, and its key goes with it: one learned key, not three.
	for i in 1 2 3; do printf 'IG-SECRET-v%s-%s\n' "$i" "$RANDOM" >"$d/new"; mv -f "$d/new" "$s"; done
	out=$("$IG" -j list)
	n=$(grep -o '"learned":true' <<<"$out" | grep -c .)
	[ "$n" = 1 ] || { fail "want 1 learned key after 3 replacements (the others reclaimed), got $n: ${out:0:300}"; return 1; }
	expect_blocked deny "$s" nobody read "$s" || return 1
	# Fill the map (capacity 4: the original and the learned keys), then
	# one more replacement must be refused, not left unprotected.
	for i in 4 5 6 7; do
		printf 'IG-SECRET-v%s-%s\n' "$i" "$RANDOM" >"$d/new$i"
		ln "$d/new$i" "$d/keep$i"    # a second link keeps each version alive
		err=$(mv -f "$d/new$i" "$s" 2>&1) || break
	done
	[[ $err == *"No space left on device"* ]] || { fail "a full map did not refuse the rename: ${err:-it succeeded}"; return 1; }
	expect_blocked deny "$s" nobody read "$s"
}
t_register name-learned-keys-reclaimed-and-map-full t_learned_keys_reclaimed_and_capacity

# A file entry inside a tree at a lower level: both cover the file, and
# its inode gets the stricter level.
t_tree_config_and_unprotect() {
	local d=$T_DIR/conf.d conf=$T_DIR/ig.conf out
	mkdir -p "$d"; mk_secret "$d/f"; mk_secret "$d/g"
	printf 'deny %s\naudit %s\n' "$d" "$d/g" >"$conf"
	special_daemon -c "$conf" || return 1
	expect_blocked deny "$d/f" nobody read "$d/f" || return 1
	expect_blocked deny "$d/g" nobody read "$d/g" || return 1
	out=$("$IG" -j list)
	[[ $out == *"\"path\":\"$d\",\"kind\":\"dir\""* ]] || { fail "list -j lacks the tree: ${out:0:300}"; return 1; }
	"$IG" unprotect "$d" >/dev/null || { fail "unprotect $d failed"; return 1; }
	expect_readable "$d/f" nobody read "$d/f" || return 1
}
t_register tree-from-config-then-unprotected t_tree_config_and_unprotect

# A file entry inside a tree at a lower level: a file moved over its name
# later meets both rules, as its first inode did. The legacy build (no
# bpf_loop, kernels before 5.17) gives it the name's rule alone (README,
# Known limits); that is asserted there, so a change shows. The control:
# the same move over an unprotected name leaves the file readable.
t_tree_name_moved_over() {
	local d=$T_DIR/conf.d open=$T_DIR/open conf=$T_DIR/ig.conf
	mkdir -p "$d" "$open"; mk_secret "$d/g"; mk_secret "$open/g"
	printf 'deny %s\naudit %s\n' "$d" "$d/g" >"$conf"
	special_daemon -c "$conf" || return 1
	mk_secret "$T_DIR/new"; mv -f "$T_DIR/new" "$d/g"
	mk_secret "$T_DIR/new2"; mv -f "$T_DIR/new2" "$open/g"
	expect_readable "$open/g" nobody read "$open/g" || return 1
	if kernel_before 5.17; then
		expect_readable "$d/g" nobody read "$d/g"
	else
		expect_blocked deny "$d/g" nobody read "$d/g"
	fi
}
t_register tree-name-moved-over-meets-tree t_tree_name_moved_over

t_tree_bad_input() {
	local own
	own=$(dirname "$IG")
	bad_input_case "/: refusing to protect the whole filesystem" --deny / || return 1
	bad_input_case "/proc: " --deny /proc || return 1
	bad_input_case "/sys: " --deny /sys || return 1
	bad_input_case "/sys/fs/bpf: " --deny /sys/fs/bpf || return 1
	bad_input_case "/dev/pts: unsupported filesystem" --deny /dev/pts || return 1
	bad_input_case "covers inodeguard's own" --deny "$own" || return 1
	bad_input_case "covers inodeguard's state" --deny /run || return 1
	bad_input_case "/etc: covers a system directory as a whole (/etc); give --force" --deny /etc || return 1
	bad_input_case "/usr: covers a system directory" --deny /usr || return 1
}
t_register_userspace tree-bad-input-refused t_tree_bad_input

parse_suite_args "$@"
run_suite
