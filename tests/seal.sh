#!/usr/bin/env bash
# Seal suite: run --seal on lsm and fmodret. Until reboot nobody, root
# included, kills, traces or limits the daemon, opens its maps, detaches
# its links, unlinks its pins, unmounts bpffs, shrinks the policy or
# changes an allowed executable; protect and reload still add, through
# the daemon; another BPF user keeps working. Every protection test reads
# as root and as nobody, fails if one byte of a secret arrives, and reads
# an unprotected neighbour by the same route as a control.
#
# A seal lasts until reboot, so the first test seals this boot and the
# others work on that one instance; the last sends every process the
# signals an init sends at shutdown. The suite therefore runs last in a
# guest boot of its own (tests/vm/run-matrix.sh's seal cells), and seals
# only where IG_SEAL_THIS_BOOT=1 says it may: elsewhere those tests skip.
# Usage: tests/seal.sh [--backend lsm|fmodret|tracepoint] [--only NAME]
set -u
. "$(dirname "$0")/lib.sh"

PINS=/sys/fs/bpf/inodeguard
SEAL_FILE=/run/inodeguard/sealed
# The sealed instance, made by the first test and kept by every later one
# (T_DIR is per test, so its files live in SEAL_DIR).
SEALED_PID=""
SEAL_DIR=""
declare -A MARK # secret path -> its marker, read before the seal (root may not after)

# ---- helpers ----

# may_seal: this run may seal the machine, on a backend that can.
may_seal() {
	case "$BACKEND" in
	lsm | fmodret) ;;
	*) skip "--seal needs the lsm or fmodret backend, this run is $BACKEND"; return 77 ;;
	esac
	[ "${IG_SEAL_THIS_BOOT:-}" = 1 ] ||
		{ skip "a seal lasts until reboot: only a boot that may be sealed runs this (IG_SEAL_THIS_BOOT=1, the matrix's seal cells)"; return 77; }
}

# sealed: the first test sealed this boot and its daemon is there.
sealed() {
	may_seal || return 77
	[ -n "$SEALED_PID" ] && [ -d "/proc/$SEALED_PID" ] ||
		{ skip "no sealed daemon: seal-starts failed"; return 77; }
}

alive() {
	local stat=""
	IFS= read -r stat 2>/dev/null <"/proc/$SEALED_PID/stat" || return 1
	stat=${stat##*) }
	# Running or sleeping: not a zombie, not stopped.
	[[ ${stat%% *} == [RSD] ]]
}

secret() { mk_secret "$1"; MARK[$1]=$(marker_of "$1"); }

# blocked LEVEL FILE WHO MODE ARGS...: no byte of FILE arrives, and the
# probe failed as LEVEL says (EACCES for deny, SIGKILL for kill).
blocked() {
	local level=$1 file=$2 who=$3 want=13
	shift 3
	probe_as "$who" "$@"
	leaked "${MARK[$file]}" && { fail "$who got $file through '$*' (exit $PROBE_RC)"; return 1; }
	[ "$level" = kill ] && want=137
	[ "$PROBE_RC" = "$want" ] || { fail "$who: '$*' exited $PROBE_RC, want $want ($level)"; return 1; }
}

# readable FILE WHO MODE ARGS...: the control: FILE's content arrives.
readable() {
	local file=$1 who=$2
	shift 2
	probe_as "$who" "$@"
	[ "$PROBE_RC" = 0 ] && leaked "${MARK[$file]}" ||
		{ fail "control: $who could not read $file through '$*' (exit $PROBE_RC)"; return 1; }
}

# refused WHAT CMD...: CMD fails (as root, with every capability).
refused() {
	local what=$1
	shift
	if "$@" >"$T_DIR/.refused.out" 2>&1; then
		fail "root could $what: '$*' succeeded"
		return 1
	fi
}

# still_protected: the policy's files are what they were, for root too.
still_protected() {
	blocked deny "$SEAL_DIR/secret" root read "$SEAL_DIR/secret" || return 1
	blocked deny "$SEAL_DIR/secret" nobody read "$SEAL_DIR/secret" || return 1
	readable "$SEAL_DIR/neighbour" root read "$SEAL_DIR/neighbour" || return 1
	alive || { fail "the sealed daemon is gone"; return 1; }
}

count_pins() { find "$PINS" 2>/dev/null | wc -l; }

# sealed_ids KIND: the ids of that kind the daemon sealed (map, prog, link).
sealed_ids() { awk -v k="$1" '$1 == k { print $2 }' "$SEAL_FILE"; }
sealed_map_id() { awk -v n="$1" '$1 == "map" && $3 == n { print $2 }' "$SEAL_FILE"; }

cgroup2_mount() { awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts; }

# le_hex N BYTES: N as BYTES little-endian hex pairs for bpftool.
le_hex() {
	local v=$1 i out=""
	for ((i = 0; i < $2; i++)); do out+=$(printf '%02x ' $((v & 255))); v=$((v >> 8)); done
	printf '%s' "$out"
}

# ---- refusals before anything loads ----

t_refused_on_tracepoint() {
	local s=$T_DIR/secret rc
	mk_secret "$s"
	"$IG" run --seal --backend tracepoint --deny "$s" >"$T_DIR/out" 2>&1; rc=$?
	[ $rc = 2 ] || { fail "exit $rc, want 2: $(<"$T_DIR/out")"; return 1; }
	grep -q -- "--seal needs the lsm or fmodret backend" "$T_DIR/out" ||
		{ fail "no reason given: $(<"$T_DIR/out")"; return 1; }
}
t_register_userspace seal-refused-on-tracepoint t_refused_on_tracepoint

# Where auto would fall back to tracepoint (this host), --seal refuses too.
t_auto_refuses_without_hooks() {
	local s=$T_DIR/secret rc
	[ "$BACKEND" = tracepoint ] || { skip "here lsm or fmodret works: auto would seal"; return 77; }
	local before
	mk_secret "$s"
	before=$(count_pins)
	"$IG" run --seal --deny "$s" >"$T_DIR/out" 2>&1; rc=$?
	[ $rc = 2 ] || { fail "exit $rc, want 2: $(<"$T_DIR/out")"; return 1; }
	grep -q "neither works on this kernel" "$T_DIR/out" || { fail "no reason given: $(<"$T_DIR/out")"; return 1; }
	[ "$(count_pins)" = "$before" ] || { fail "a refused --seal left pins behind"; return 1; }
}
t_register seal-refused-where-only-tracepoint-works t_auto_refuses_without_hooks

# ---- the sealed instance ----

t_seal_starts() {
	local d err i capeff capprm oom
	may_seal || return 77
	d=$SCRATCH_ROOT/seal
	SEAL_DIR=$d
	mkdir -p "$d/bin" "$d/tree"
	secret "$d/secret"; secret "$d/kill-secret"; secret "$d/shared"; secret "$d/neighbour"
	secret "$d/later"; secret "$d/tree/inside"
	cp "$PROBE" "$d/bin/allowed"; cp "$PROBE" "$d/bin/other"
	printf 'deny %s\nkill %s\ndeny %s\n  allow exe %s\n' "$d/secret" "$d/kill-secret" \
		"$d/shared" "$d/bin/allowed" >"$d/policy.conf"
	cp "$d/policy.conf" "$d/policy.orig"
	# In a session of its own, as a service is: an init's shutdown signals
	# reach it (t_shutdown), which they would not inside ours.
	setsid "$IG" run --seal --backend "$BACKEND" -c "$d/policy.conf" \
		>"$d/daemon.out" 2>"$d/daemon.err" </dev/null &
	SEALED_PID=$!
	ACTIVE_BACKEND=$BACKEND
	for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
		err=""; slurp "$d/daemon.err" err
		[[ $err == *"sealed until reboot (pid $SEALED_PID)"* ]] && break
		[ -d "/proc/$SEALED_PID" ] || break
		nap 0.1
	done
	if [[ $err != *"sealed until reboot (pid $SEALED_PID)"* ]]; then
		SEALED_PID=""
		fail "the sealed daemon did not start: ${err//$'\n'/ }"
		return 1
	fi
	# It keeps no capability in effect, CAP_DAC_READ_SEARCH (bit 2) only
	# permitted, for its workers' learning (and CAP_BPF before 5.19).
	capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$SEALED_PID/status")
	capprm=$(awk '/^CapPrm:/ { print $2 }' "/proc/$SEALED_PID/status")
	oom=$(<"/proc/$SEALED_PID/oom_score_adj")
	echo "CapEff $capeff CapPrm $capprm oom_score_adj $oom"
	[ $((16#$capeff & ~(1 << 39))) = 0 ] || { fail "CapEff is $capeff"; return 1; }
	[ $((16#$capprm & ~(1 << 39))) = 4 ] || { fail "CapPrm is $capprm, want CAP_DAC_READ_SEARCH alone"; return 1; }
	[ "$oom" = -1000 ] || { fail "oom_score_adj is $oom"; return 1; }
	[ -s "$SEAL_FILE" ] || { fail "no $SEAL_FILE"; return 1; }
	still_protected
}
t_register seal-starts t_seal_starts

t_kill() {
	local sig
	sealed || return 77
	for sig in KILL TERM INT QUIT STOP USR2 SEGV; do
		refused "send SIG$sig to the sealed daemon" kill -s "$sig" "$SEALED_PID" || return 1
	done
	grep -q "Operation not permitted" "$T_DIR/.refused.out" ||
		{ fail "kill failed otherwise: $(<"$T_DIR/.refused.out")"; return 1; }
	refused "kill the daemon's process group" kill -KILL -- "-$SEALED_PID" || return 1
	nap 0.5
	still_protected
}
t_register root-kill-9-fails t_kill

t_ptrace() {
	sealed || return 77
	refused "read /proc/PID/mem" dd if="/proc/$SEALED_PID/mem" of=/dev/null bs=1 count=1 || return 1
	refused "read /proc/PID/environ" cat "/proc/$SEALED_PID/environ" || return 1
	refused "list /proc/PID/fd" ls -l "/proc/$SEALED_PID/fd/" || return 1
	refused "process_vm_readv the daemon" "$SCRATCH_ROOT/bin/ig-peek" "$SEALED_PID" || return 1
	if command -v strace >/dev/null; then
		refused "attach strace" timeout 10 strace -p "$SEALED_PID" -e trace=none || return 1
	fi
	still_protected
}
t_register root-ptrace-fails t_ptrace

t_limits() {
	local oom
	sealed || return 77
	refused "raise oom_score_adj" sh -c "echo 1000 >/proc/$SEALED_PID/oom_score_adj" || return 1
	refused "write oom_adj" sh -c "echo 15 >/proc/$SEALED_PID/oom_adj" || return 1
	oom=$(<"/proc/$SEALED_PID/oom_score_adj")
	[ "$oom" = -1000 ] || { fail "oom_score_adj is now $oom"; return 1; }
	refused "set RLIMIT_CPU" prlimit --pid "$SEALED_PID" --cpu=1:1 || return 1
	refused "set RLIMIT_NOFILE" prlimit --pid "$SEALED_PID" --nofile=3:3 || return 1
	refused "set RLIMIT_AS" prlimit --pid "$SEALED_PID" --as=4096:4096 || return 1
	# Reading them is no change.
	prlimit --pid "$SEALED_PID" --cpu >/dev/null || { fail "reading its limits failed"; return 1; }
	still_protected
}
t_register oom-score-and-limits-refused t_limits

t_sysrq() {
	sealed || return 77
	[ -e /proc/sysrq-trigger ] || { skip "no /proc/sysrq-trigger (no magic SysRq)"; return 77; }
	# 'h' only prints help: were it allowed, nothing would be harmed.
	refused "write /proc/sysrq-trigger" sh -c 'echo h >/proc/sysrq-trigger' || return 1
	mkdir -p "$T_DIR/proc"
	mount -t proc proc "$T_DIR/proc" || { fail "cannot mount a second procfs"; return 1; }
	refused "write sysrq-trigger on another procfs" sh -c "echo h >$T_DIR/proc/sysrq-trigger"
	local rc=$?
	umount "$T_DIR/proc"
	[ $rc = 0 ] && still_protected
}
t_register sysrq-trigger-refused t_sysrq

t_cgroup_kill() {
	local mnt orig a b rc=0 fd
	sealed || return 77
	mnt=$(cgroup2_mount)
	if [ -z "$mnt" ]; then
		mkdir -p /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup || { skip "cgroup v2 cannot be mounted"; return 77; }
		mnt=/sys/fs/cgroup
	fi
	orig=$(sed -n 's/^0:://p' "/proc/$SEALED_PID/cgroup")
	a=$mnt/ig-seal-a b=$mnt/ig-seal-b
	mkdir -p "$a/inner" "$b"
	# Moving it has no hook (documented); killing it where it lands must fail.
	echo "$SEALED_PID" >"$a/inner/cgroup.procs" || { fail "cannot move the daemon to a test cgroup"; return 1; }
	refused "write its cgroup.kill" sh -c "echo 1 >$a/inner/cgroup.kill" || rc=1
	[ $rc = 0 ] && { refused "write its parent's cgroup.kill" sh -c "echo 1 >$a/cgroup.kill" || rc=1; }
	[ $rc = 0 ] && { refused "freeze its cgroup" sh -c "echo 1 >$a/inner/cgroup.freeze" || rc=1; }
	# A kill file opened while its cgroup was empty, written once the
	# daemon is in it: the check is at the write.
	if [ $rc = 0 ]; then
		exec {fd}>"$b/cgroup.kill"
		echo "$SEALED_PID" >"$b/cgroup.procs"
		if echo 1 >&"$fd"; then fail "a kill file opened before the move killed"; rc=1; fi
		exec {fd}>&-
	fi
	echo "$SEALED_PID" >"$mnt$orig/cgroup.procs" 2>/dev/null || echo "$SEALED_PID" >"$mnt/cgroup.procs"
	rmdir "$a/inner" "$a" "$b" 2>/dev/null
	[ $rc = 0 ] && still_protected
}
t_register cgroup-kill-refused t_cgroup_kill

t_pins() {
	local before after
	sealed || return 77
	before=$(count_pins)
	refused "rm -rf the pins" rm -rf "$PINS" || return 1
	refused "unlink the layout pin" rm -f "$PINS/layout" || return 1
	refused "rename the pin directory" mv "$PINS" /sys/fs/bpf/ig-moved || return 1
	refused "create a file among the pins" touch "$PINS/planted" || return 1
	after=$(count_pins)
	[ "$before" = "$after" ] && [ "$after" -gt 1 ] ||
		{ fail "$before pins before, $after after"; return 1; }
	refused "unmount bpffs" umount /sys/fs/bpf || return 1
	refused "lazily unmount bpffs" umount -l /sys/fs/bpf || return 1
	mountpoint -q /sys/fs/bpf || { fail "bpffs is gone"; return 1; }
	still_protected
}
t_register rm-rf-pins-and-umount-fail t_pins

t_map_delete() {
	local id list key n=0 dev ino gen maj min kh
	sealed || return 77
	command -v bpftool >/dev/null || { skip "bpftool is not installed"; return 77; }
	# shellcheck disable=SC2046
	"$SCRATCH_ROOT/bin/ig-bpfopen" map $(sealed_ids map) >"$T_DIR/open.out" 2>&1 ||
		{ fail "root opened a sealed map: $(grep opened "$T_DIR/open.out" | head -n 3)"; return 1; }
	id=$(sealed_map_id protected)
	[ -n "$id" ] || { fail "no protected map in $SEAL_FILE"; return 1; }
	list=$("$IG" -j list) || { fail "list through the daemon failed: $list"; return 1; }
	while read -r key; do
		[[ $key =~ \"dev\":\"([0-9]+):([0-9]+)\",\"ino\":([0-9]+),\"gen\":([0-9]+) ]] || continue
		maj=${BASH_REMATCH[1]} min=${BASH_REMATCH[2]} ino=${BASH_REMATCH[3]} gen=${BASH_REMATCH[4]}
		dev=$(((maj << 20) | min))
		kh="$(le_hex "$dev" 4) $(le_hex "$gen" 4) $(le_hex "$ino" 8)"
		# shellcheck disable=SC2086
		refused "delete key $maj:$min/$ino by pin" bpftool map delete pinned "$PINS/protected" key hex $kh || return 1
		# shellcheck disable=SC2086
		refused "delete key $maj:$min/$ino by id" bpftool map delete id "$id" key hex $kh || return 1
		n=$((n + 1))
	done < <(grep -o '"dev":"[0-9]*:[0-9]*","ino":[0-9]*,"gen":[0-9]*' <<<"$list")
	echo "tried $n keys"
	[ "$n" -ge 3 ] || { fail "only $n keys listed: $list"; return 1; }
	[ "$("$IG" -j list)" = "$list" ] || { fail "the entries changed"; return 1; }
	blocked kill "$SEAL_DIR/kill-secret" nobody read "$SEAL_DIR/kill-secret" || return 1
	still_protected
}
t_register bpftool-map-delete-each-key-fails t_map_delete

t_link_detach() {
	local id f n=0 links
	sealed || return 77
	command -v bpftool >/dev/null || { skip "bpftool is not installed"; return 77; }
	links=$(sealed_ids link | wc -l)
	for f in "$PINS"/links_*/*; do
		refused "detach link $f" bpftool link detach pinned "$f" || return 1
		n=$((n + 1))
	done
	for id in $(sealed_ids link); do
		refused "detach link id $id" bpftool link detach id "$id" || return 1
	done
	# Programs: no descriptor by id, so none to replace, attach or update.
	# shellcheck disable=SC2046
	"$SCRATCH_ROOT/bin/ig-bpfopen" prog $(sealed_ids prog) >"$T_DIR/open.out" 2>&1 ||
		{ fail "root opened a sealed program: $(grep opened "$T_DIR/open.out" | head -n 3)"; return 1; }
	echo "$n link pins, $links link ids"
	[ "$n" -gt 10 ] && [ "$links" -ge "$n" ] || { fail "only $n pinned links, $links ids"; return 1; }
	[ "$(compgen -G "$PINS/links_*/*" | wc -l)" = "$n" ] || { fail "a link pin went"; return 1; }
	still_protected
}
t_register bpftool-link-detach-each-link-fails t_link_detach

t_stop_unprotect() {
	local rc
	sealed || return 77
	"$IG" stop >"$T_DIR/stop.out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "sealed until reboot" "$T_DIR/stop.out" ||
		{ fail "stop: exit $rc: $(<"$T_DIR/stop.out")"; return 1; }
	"$IG" unprotect "$SEAL_DIR/secret" >"$T_DIR/unprotect.out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "sealed until reboot" "$T_DIR/unprotect.out" ||
		{ fail "unprotect: exit $rc: $(<"$T_DIR/unprotect.out")"; return 1; }
	"$IG" run --backend "$BACKEND" --deny "$SEAL_DIR/neighbour" >"$T_DIR/run.out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "sealed until reboot" "$T_DIR/run.out" ||
		{ fail "a second run: exit $rc: $(<"$T_DIR/run.out")"; return 1; }
	"$IG" -j stop >"$T_DIR/stop.json" 2>&1
	grep -q '^\[{"error":".*sealed until reboot' "$T_DIR/stop.json" ||
		{ fail "stop -j: $(<"$T_DIR/stop.json")"; return 1; }
	still_protected
}
t_register stop-and-unprotect-refused t_stop_unprotect

# Root reads nothing: --seal implies --enforce-root. Each route fails for
# the secret and reads the neighbour, as root and as nobody.
t_root_read_denied() {
	local who mode
	sealed || return 77
	for who in root nobody; do
		# open_by_handle_at needs CAP_DAC_READ_SEARCH: root's route only.
		for mode in read opath-proc mmap openat2 $([ $who = root ] && echo handle); do
			blocked deny "$SEAL_DIR/secret" "$who" "$mode" "$SEAL_DIR/secret" || return 1
			readable "$SEAL_DIR/neighbour" "$who" "$mode" "$SEAL_DIR/neighbour" || return 1
		done
		blocked deny "$SEAL_DIR/secret" "$who" relative "$SEAL_DIR" secret || return 1
		readable "$SEAL_DIR/neighbour" "$who" relative "$SEAL_DIR" neighbour || return 1
		blocked kill "$SEAL_DIR/kill-secret" "$who" read "$SEAL_DIR/kill-secret" || return 1
	done
}
t_register root-read-still-denied t_root_read_denied

t_protect() {
	local out rc
	sealed || return 77
	out=$("$IG" protect --deny "$SEAL_DIR/later" 2>&1) || { fail "protect failed: $out"; return 1; }
	[[ $out == "protected file $SEAL_DIR/later (deny"* ]] || { fail "protect said: $out"; return 1; }
	blocked deny "$SEAL_DIR/later" root read "$SEAL_DIR/later" || return 1
	blocked deny "$SEAL_DIR/later" nobody mmap "$SEAL_DIR/later" || return 1
	# A tree, keyed by the worker's walk.
	out=$("$IG" -j protect --deny "$SEAL_DIR/tree" 2>&1) || { fail "protect -j of a tree failed: $out"; return 1; }
	[[ $out == '[{"action":"protected"'* ]] || { fail "protect -j said: $out"; return 1; }
	blocked deny "$SEAL_DIR/tree/inside" root read "$SEAL_DIR/tree/inside" || return 1
	# Up, not down: raising works, lowering and dropping allow rules do not.
	out=$("$IG" protect --kill "$SEAL_DIR/later" 2>&1) || { fail "raising to kill failed: $out"; return 1; }
	blocked kill "$SEAL_DIR/later" nobody read "$SEAL_DIR/later" || return 1
	out=$("$IG" protect --audit "$SEAL_DIR/secret" 2>&1); rc=$?
	[ $rc != 0 ] && [[ $out == *"only grows"* ]] || { fail "lowering: exit $rc: $out"; return 1; }
	out=$("$IG" protect --deny --allow uid=0 "$SEAL_DIR/secret" 2>&1); rc=$?
	[ $rc != 0 ] && [[ $out == *"only grows"* ]] || { fail "another allow set: exit $rc: $out"; return 1; }
	out=$("$IG" list 2>&1)
	[[ $out == *"kill  file $SEAL_DIR/later"* ]] || { fail "list: $out"; return 1; }
	still_protected
}
t_register protect-works-under-the-seal t_protect

t_reload() {
	local out rc i
	sealed || return 77
	# Dropping an entry: refused, and nothing changes.
	printf 'deny %s\n' "$SEAL_DIR/secret" >"$SEAL_DIR/policy.conf"
	out=$("$IG" reload 2>&1); rc=$?
	[ $rc = 1 ] && [[ $out == *"only grows"* ]] || { fail "a shrinking reload: exit $rc: $out"; return 1; }
	blocked kill "$SEAL_DIR/kill-secret" root read "$SEAL_DIR/kill-secret" || return 1
	# The daemon's own SIGHUP reload refuses it too.
	kill -HUP "$SEALED_PID" || { fail "SIGHUP was refused"; return 1; }
	for ((i = 0; i < 100; i++)); do
		grep -q "SIGHUP: reload failed" "$SEAL_DIR/daemon.err" && break
		nap 0.1
	done
	grep -q "SIGHUP: reload failed" "$SEAL_DIR/daemon.err" ||
		{ fail "SIGHUP: $(tail -n 3 "$SEAL_DIR/daemon.err")"; return 1; }
	blocked kill "$SEAL_DIR/kill-secret" nobody read "$SEAL_DIR/kill-secret" || return 1
	# Adding one: done, through the daemon's worker.
	secret "$SEAL_DIR/added"
	{ cat "$SEAL_DIR/policy.orig"; printf 'deny %s\n' "$SEAL_DIR/added"; } >"$SEAL_DIR/policy.conf"
	out=$("$IG" reload 2>&1) || { fail "a growing reload failed: $out"; return 1; }
	[[ $out == *"1 added, 0 released"* ]] || { fail "reload said: $out"; return 1; }
	blocked deny "$SEAL_DIR/added" root read "$SEAL_DIR/added" || return 1
	still_protected
}
t_register reload-only-grows t_reload

t_allowed_exe() {
	local d=$SEAL_DIR sum
	sealed || return 77
	# The grant still means that program, and only it.
	readable "$d/shared" nobody_exe "$d/bin/allowed" || return 1
	sum=$(cksum <"$d/bin/allowed")
	refused "write the allowed executable" sh -c "echo x >>$d/bin/allowed" || return 1
	refused "truncate it" truncate -s 0 "$d/bin/allowed" || return 1
	refused "chmod it" chmod 4755 "$d/bin/allowed" || return 1
	refused "chown it" chown 65534 "$d/bin/allowed" || return 1
	refused "replace it by rename" mv -f "$d/bin/other" "$d/bin/allowed" || return 1
	refused "rename it away" mv "$d/bin/allowed" "$d/bin/moved" || return 1
	refused "unlink it" rm -f "$d/bin/allowed" || return 1
	refused "replace it by a hard link" ln -f "$d/bin/other" "$d/bin/allowed" || return 1
	if command -v setfattr >/dev/null; then
		refused "set an xattr on it" setfattr -n user.ig -v 1 "$d/bin/allowed" || return 1
	fi
	[ "$(cksum <"$d/bin/allowed")" = "$sum" ] || { fail "the executable changed"; return 1; }
	readable "$d/shared" nobody_exe "$d/bin/allowed" || return 1
	# A copy is not the program the rule names.
	blocked deny "$d/shared" nobody_exe_other "$d/bin/other" || return 1
	still_protected
}
t_register allowed-executables-unchangeable t_allowed_exe

# probe_as for the two copies of ig-probe in SEAL_DIR/bin: "nobody_exe
# PATH" runs that copy as nobody reading the shared secret.
probe_as() {
	local who=$1
	shift
	case "$who" in
	nobody_exe | nobody_exe_other) attempt nobody "$1" read "$SEAL_DIR/shared" ;;
	*) attempt "$who" "$PROBE" "$@" ;;
	esac
}

t_other_bpf() {
	local mnt cg out rc pin=/sys/fs/bpf/ig-other-bpftool
	sealed || return 77
	mnt=$(cgroup2_mount)
	[ -n "$mnt" ] && cg=$mnt/ig-seal-other && mkdir -p "$cg"
	out=$("$SCRATCH_ROOT/bin/ig-otherbpf" /sys/fs/bpf ${cg:+"$cg"} 2>&1); rc=$?
	[ -n "${cg:-}" ] && rmdir "$cg"
	echo "$out"
	[ $rc = 0 ] || { fail "another BPF user failed (exit $rc): ${out//$'\n'/; }"; return 1; }
	if command -v bpftool >/dev/null; then
		out=$({ bpftool map create "$pin" type hash key 4 value 4 entries 4 name ig_other_bt &&
			bpftool map update pinned "$pin" key 1 0 0 0 value 2 0 0 0 &&
			bpftool map lookup pinned "$pin" key 1 0 0 0 &&
			bpftool map delete pinned "$pin" key 1 0 0 0 && rm "$pin"; } 2>&1) ||
			{ rm -f "$pin"; fail "bpftool on its own map: ${out//$'\n'/; }"; return 1; }
	fi
	still_protected
}
t_register another-bpf-user-works t_other_bpf

t_list_stats_check() {
	local out
	sealed || return 77
	out=$("$IG" list 2>&1) || { fail "list: $out"; return 1; }
	[[ $out == *"deny  file $SEAL_DIR/secret"* ]] || { fail "list: $out"; return 1; }
	out=$("$IG" -j stats 2>&1) || { fail "stats: $out"; return 1; }
	[[ $out == *"\"backend\":\"$BACKEND\""* ]] || { fail "stats: ${out:0:300}"; return 1; }
	out=$("$IG" check 2>&1)
	[[ $out == *"instance: sealed until reboot, served by pid $SEALED_PID"* ]] ||
		{ fail "check: $(grep instance: <<<"$out")"; return 1; }
	# The control socket's name is in root's /run/inodeguard, and the
	# daemon serves root alone.
	out=$(setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all -- "$IG" list 2>&1) &&
		{ fail "nobody listed the sealed instance: $out"; return 1; }
	[[ $out != *"$SEAL_DIR"* ]] || { fail "nobody's list showed entries: $out"; return 1; }
	still_protected
}
t_register list-stats-check-through-the-daemon t_list_stats_check

# What an init does at shutdown (systemd-shutdown, killall5): SIGTERM and
# SIGKILL to every process outside its own session. The sealed daemon
# refuses both; the rest ends, and the sequence does not wait on it. The
# guest then powers off, which run-matrix.sh checks.
t_shutdown() {
	local t0=$SECONDS
	sealed || return 77
	command -v killall5 >/dev/null || { skip "killall5 is not installed"; return 77; }
	killall5 -15
	nap 2
	killall5 -9
	nap 1
	sync
	echo "the signal rounds took $((SECONDS - t0)) s"
	alive || { fail "the sealed daemon died of the shutdown signals"; return 1; }
	blocked deny "$SEAL_DIR/secret" root read "$SEAL_DIR/secret"
}
t_register shutdown-signals-then-poweroff t_shutdown

parse_suite_args "$@"
run_suite
