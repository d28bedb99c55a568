# shellcheck shell=bash
# Shared test harness: registration, one line per test, the closing count,
# the daemon under test, and probes run as an unprivileged user.
# Sourced by tests/integration.sh and tests/catalogue.sh, on the host and
# inside the kernel-matrix guests alike.

IG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IG=${IG:-$IG_ROOT/build/inodeguard}
# The helpers (ig-probe and the others), as built with the daemon.
IG_TESTBIN=${IG_TESTBIN:-$IG_ROOT/build/tests}
PROBE=$IG_TESTBIN/ig-probe
BACKEND=auto
SCRATCH_ROOT=/run/inodeguard-test
NOBODY=65534
# Emulated guests are slow to verify and attach programs.
READY_TIMEOUT=${READY_TIMEOUT:-90}

T_NAMES=()
T_FUNCS=()
T_PASS=0 T_FAIL=0 T_SKIP=0
T_ONLY=""

t_register() { T_NAMES+=("$1"); T_FUNCS+=("$2"); }

# A test whose verdict is user space's alone (error texts, JSON shapes,
# refusals before anything loads): no kernel can change its outcome, so
# the matrix guests leave it out (IG_KERNEL_TESTS_ONLY=1) and the host
# cell and the sanitizer run keep it. Guests are where CI spends its time.
t_register_userspace() {
	[ -n "${IG_KERNEL_TESTS_ONLY:-}" ] && return 0
	t_register "$@"
}

# A test whose verdict is the kernel's but not the hook type's: how each
# filesystem encodes its file handles, how large a map the kernel takes.
# Each kernel proves it once, in its lsm cell (and the host in its own);
# its fmodret cell leaves it out (IG_HOOK_TESTS_ONLY=1), as CI's time
# cannot hold every such test twice per kernel.
t_register_per_kernel() {
	[ -n "${IG_HOOK_TESTS_ONLY:-}" ] && return 0
	t_register "$@"
}

# packaging/inodeguard.service's CapabilityBoundingSet= as setpriv's
# -all,+cap,... list: the set the unit starts the daemon with.
unit_bounding_set() {
	local caps c out=-all
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$IG_ROOT/packaging/inodeguard.service" | tail -n 1)
	for c in $caps; do
		c=${c#CAP_}
		out+=",+${c,,}"
	done
	printf '%s' "$out"
}

# Under software emulation every exec costs a large fraction of a second,
# so the harness sticks to bash builtins wherever it can.

# nap SECONDS: sleep without spawning sleep(1).
nap() { read -rt "$1" -u "$NAP_FD" || true; }

# slurp FILE VAR: VAR gets FILE's content, without cat or a subshell.
slurp() { IFS= read -r -d '' "$2" <"$1" || true; }

# In a test: `fail "why"; return 1` and `skip "why"; return 77`.
fail() { printf '%s' "$*" >"$T_WHY"; return 1; }
skip() { printf '%s' "$*" >"$T_WHY"; return 77; }

parse_suite_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--backend) BACKEND=$2; shift 2 ;;
		--only) T_ONLY=$2; shift 2 ;;
		# The tests in the order they run, for a runner that must name
		# the one a timeout cut.
		--list) printf '%s\n' "${T_NAMES[@]}"; exit 0 ;;
		*) echo "usage: $0 [--backend lsm|fmodret|tracepoint|auto] [--only NAME] [--list]" >&2; exit 2 ;;
		esac
	done
}

setup_scratch() {
	umask 022
	exec {NAP_FD}<> <(:)
	if [ "$EUID" != 0 ]; then
		echo "tests must run as root (they start inodeguard and drop to uid $NOBODY)" >&2
		exit 2
	fi
	mkdir -p "$SCRATCH_ROOT"
	mountpoint -q "$SCRATCH_ROOT" || mount -t tmpfs -o mode=0755 ig-test "$SCRATCH_ROOT"
	mountpoint -q /sys/fs/bpf || mount -t bpf -o mode=0700 bpf /sys/fs/bpf
	[ -e /sys/kernel/security/lsm ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
	[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
	# The unprivileged probes must be able to reach their binaries, wherever
	# the tree was cloned (a clone under /root is not traversable by them).
	mkdir -p "$SCRATCH_ROOT/bin"
	cp "$IG_TESTBIN"/* "$SCRATCH_ROOT/bin/"
	PROBE=$SCRATCH_ROOT/bin/ig-probe
}

teardown_scratch() {
	daemon_down
	umount -l "$SCRATCH_ROOT" 2>/dev/null || true
	rmdir "$SCRATCH_ROOT" 2>/dev/null || true
}

# watchdog NAME SUITE_PID: a test that hangs must not hang the suite (or a
# guest's whole budget): after T_TIMEOUT seconds, show what is running and
# kill the test's processes, leaving the daemon alone.
T_TIMEOUT=${T_TIMEOUT:-150}
watchdog() {
	local p
	nap "$T_TIMEOUT"
	echo "watchdog: $1 still running after ${T_TIMEOUT}s; stopping its processes" >&2
	ps -eo pid,ppid,stat,wchan:24,args >&2 2>/dev/null
	for p in $(pgrep -P "$2"); do
		[ "$p" = "$BASHPID" ] || [ "$p" = "${DAEMON_PID:-}" ] || kill -9 "$p" 2>/dev/null
	done
}

run_suite() {
	local i n=0 rc why hang wd t0
	setup_scratch
	for i in "${!T_NAMES[@]}"; do
		[ -n "$T_ONLY" ] && [[ "${T_NAMES[$i]}" != *"$T_ONLY"* ]] && continue
		n=$((n + 1))
		T_DIR=$SCRATCH_ROOT/t$n.$$
		mkdir -m 0755 "$T_DIR"
		T_WHY=$T_DIR/.why
		PROBE_N=0
		: >"$T_WHY"
		watchdog "${T_NAMES[$i]}" $BASHPID &
		wd=$!
		t0=$SECONDS
		"${T_FUNCS[$i]}" >"$T_DIR/.log" 2>&1
		rc=$?
		# SIGKILL: a SIGTERM that reaches the watchdog while its subshell
		# is still being set up can be lost, and the suite then waited out
		# its whole nap after a test that took no time (seen once: a skip
		# that "took 150 s").
		kill -KILL "$wd" 2>/dev/null; wait "$wd" 2>/dev/null
		# A suite may define after_each to undo mounts and devices.
		declare -F after_each >/dev/null && after_each >>"$T_DIR/.log" 2>&1
		why=""; slurp "$T_WHY" why
		# A daemon that would not stop fails the test, whatever it said.
		if [ -s "$T_DIR/.hang" ]; then
			slurp "$T_DIR/.hang" hang
			[ "$rc" = 0 ] || [ "$rc" = 77 ] || hang="${why:+$why; }$hang"
			why=$hang rc=1
		fi
		case $rc in
		0) echo "#$n ${T_NAMES[$i]}:OK"; T_PASS=$((T_PASS + 1)) ;;
		77) echo "#$n ${T_NAMES[$i]}:SKIP (${why:-no reason given})"; T_SKIP=$((T_SKIP + 1)) ;;
		*) echo "#$n ${T_NAMES[$i]}:FAIL (${why:-exit $rc})"; T_FAIL=$((T_FAIL + 1))
		   [ -n "${IG_TEST_VERBOSE:-}" ] && sed 's/^/    | /' "$T_DIR/.log" ;;
		esac
		# Its own line, so that the result lines keep their format; the
		# matrix's cost is read from these.
		echo "  took $((SECONDS - t0)) s: ${T_NAMES[$i]}"
	done
	# The last daemon must stop as well; one that does not is a failure.
	T_DIR=$SCRATCH_ROOT
	daemon_down
	if [ -s "$T_DIR/.hang" ]; then
		slurp "$T_DIR/.hang" hang
		n=$((n + 1)) T_FAIL=$((T_FAIL + 1))
		echo "#$n daemon-stops-after-the-suite:FAIL ($hang)"
	fi
	teardown_scratch
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}

# ---- files ----

# A secret with a marker that must never reach a probe's output; 0644
# through the umask, so only inodeguard stands in a reader's way.
mk_secret() {
	local path=$1 name=${1##*/}
	[ -d "${path%/*}" ] || mkdir -p "${path%/*}"
	printf 'IG-SECRET-%s-%s\n' "${name//[^A-Za-z0-9._-]/_}" "$RANDOM$RANDOM" >"$path"
}

# marker_of FILE: prints the secret's marker (a subshell, but no exec).
marker_of() {
	local content
	slurp "$1" content
	[[ $content =~ IG-SECRET-[A-Za-z0-9._-]* ]] && printf '%s' "${BASH_REMATCH[0]}"
}

# ---- filesystems on loop devices ----

LOOPS=()
MOUNTS=()

# mk_loopfs TYPE DIR [mkfs args]: a fresh filesystem of TYPE, its image in
# $T_DIR (on the scratch tmpfs), mounted at DIR.
mk_loopfs() {
	local type=$1 dir=$2 img dev
	shift 2
	modprobe loop 2>/dev/null; modprobe "$type" 2>/dev/null
	command -v "mkfs.$type" >/dev/null || { skip "mkfs.$type missing"; return 77; }
	img=$T_DIR/$type.img
	truncate -s 320M "$img"
	"mkfs.$type" -q "$@" "$img" >/dev/null 2>&1 || "mkfs.$type" "$@" "$img" >/dev/null 2>&1 ||
		{ fail "mkfs.$type failed"; return 1; }
	dev=$(losetup -f --show "$img") || { skip "no loop device"; return 77; }
	LOOPS+=("$dev")
	mkdir -p "$dir"
	mount -t "$type" "$dev" "$dir" || { fail "mount $type failed"; return 1; }
	MOUNTS+=("$dir")
	chmod 0755 "$dir"
	LOOPDEV=$dev
}

# loops_down: what mk_loopfs and its callers mounted goes, in reverse.
loops_down() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null; done
	for i in "${LOOPS[@]}"; do losetup -d "$i" 2>/dev/null; done
	MOUNTS=() LOOPS=()
}

# ---- the daemon ----

DAEMON_PID=""
DAEMON_OUT=""
DAEMON_ERR=""
ACTIVE_BACKEND=""
# Set when the daemon said it runs fmodret's syscall-exit backstop (a
# kernel that preempts kernel code): a deny whose check the kernel
# skipped then ends as a kill at the syscall's exit.
BACKSTOP=""

# daemon_up [run args...]: starts `inodeguard run`, waits for readiness.
daemon_up() {
	local args=("$@")
	daemon_down
	[[ " ${args[*]} " == *" --backend "* ]] || args=(--backend "$BACKEND" "${args[@]}")
	DAEMON_N=$((${DAEMON_N:-0} + 1))
	DAEMON_OUT=$SCRATCH_ROOT/daemon$DAEMON_N.out
	DAEMON_ERR=$SCRATCH_ROOT/daemon$DAEMON_N.err
	# Emptied here, not by the redirection below: that happens in the
	# background job, and a readiness line left in the file by an
	# earlier run must not be read before it does.
	: >"$DAEMON_OUT"; : >"$DAEMON_ERR"
	# IG_WRAP: a command to start it under, e.g. setpriv with fewer caps.
	# DAEMON_COUNT_ONLY=1: DAEMON_OUT gets only the number of event lines
	# (once the daemon is down), for floods whose events would fill tmpfs.
	if [ -n "${DAEMON_COUNT_ONLY:-}" ]; then
		# shellcheck disable=SC2086
		${IG_WRAP:-} "$IG" run "${args[@]}" > >(wc -l >"$DAEMON_OUT") 2>"$DAEMON_ERR" &
	else
		# shellcheck disable=SC2086
		${IG_WRAP:-} "$IG" run "${args[@]}" >"$DAEMON_OUT" 2>"$DAEMON_ERR" &
	fi
	DAEMON_PID=$!
	daemon_wait_ready
}

# daemon_wait_ready: waits for DAEMON_PID's readiness line in DAEMON_ERR.
daemon_wait_ready() {
	local err i
	for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
		err=""; slurp "$DAEMON_ERR" err
		if [[ $err =~ inodeguard:\ ready\ \(backend\ ([a-z]+), ]]; then
			ACTIVE_BACKEND=${BASH_REMATCH[1]}
			BACKSTOP=""
			[[ $err == *"preempts kernel code"* ]] && BACKSTOP=1
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		nap 0.1
	done
	err=${err//$'\n'/ }
	fail "daemon did not become ready: ${err:0:300}"
	daemon_down
	return 1
}

# exited PID: PID, a child of ours, has ended (gone, or a zombie).
exited() {
	local stat=""
	IFS= read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

# daemon_down: SIGINT and wait; returns the daemon's exit status. A daemon
# still running DOWN_TIMEOUT seconds later is a failure of its own, which
# the watchdog cannot end (it spares the daemon): where it is stuck goes
# to $T_DIR/.hang, which fails the test, and it is killed (status 124).
DOWN_TIMEOUT=${DOWN_TIMEOUT:-60}
daemon_down() {
	local rc=0 i pid=$DAEMON_PID wchan="" stack="" last=""
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < DOWN_TIMEOUT * 20; i++)); do
		exited "$pid" && break
		nap 0.05
	done
	if ! exited "$pid"; then
		slurp "/proc/$pid/wchan" wchan
		stack=$(sed -e 's/^\[<[0-9a-f]*>\] //' -e 's/+0x.*//' "/proc/$pid/stack" 2>/dev/null | paste -sd ' ' -)
		last=$(tail -n 1 "$DAEMON_ERR" 2>/dev/null)
		printf 'the daemon did not exit within %ss of SIGINT (wchan %s, stack %s; its last line: %s)' \
			"$DOWN_TIMEOUT" "${wchan:-?}" "${stack:0:240}" "${last:-none}" >"${T_DIR:-$SCRATCH_ROOT}/.hang"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		DAEMON_PID=""
		# Killed, it leaves its pins in force; the tests after it
		# must not adopt them.
		"$IG" stop >/dev/null 2>&1
		return 124
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	DAEMON_PID=""
	return $rc
}

# The daemon most tests share, protecting nothing until told to.
shared_daemon() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null && [ -z "${DAEMON_SPECIAL:-}" ]; then
		return 0
	fi
	DAEMON_SPECIAL=""
	daemon_up
}

# A daemon with its own flags; the next shared_daemon call replaces it.
special_daemon() {
	DAEMON_SPECIAL=1
	daemon_up "$@"
}

protect() {
	local err
	"$IG" protect "$@" >/dev/null 2>"$T_DIR/.protect.err" && return 0
	slurp "$T_DIR/.protect.err" err
	fail "protect $*: $err"
}
unprotect() { "$IG" unprotect "$@" >/dev/null 2>&1; }

can_deny() { [ "$ACTIVE_BACKEND" = lsm ] || [ "$ACTIVE_BACKEND" = fmodret ]; }

# ---- probes ----

PROBE_RC=0
PROBE_OUT=""

# kernel_before VERSION: whether the running kernel is older than VERSION.
kernel_before() {
	[ "$(printf '%s\n%s\n' "$1" "$(uname -r)" | sort -V | head -n1)" != "$1" ]
}

# as_nobody CMD...: runs CMD as uid/gid 65534 with no capabilities.
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all -- "$@"
}

# attempt WHO CMD...: runs CMD as root or as nobody (no capabilities) and
# keeps its output and exit status for the checks below. Our own helpers
# drop to nobody themselves (-u), which saves an exec of setpriv.
attempt() {
	local who=$1; shift
	PROBE_N=$((PROBE_N + 1))
	PROBE_OUT=$T_DIR/.probe.$PROBE_N
	if [ "$who" = root ]; then
		( exec "$@" ) >"$PROBE_OUT" 2>>"$T_DIR/.probe.err"
	elif [[ $1 == "$SCRATCH_ROOT"/bin/ig-* ]]; then
		( exec "$1" -u $NOBODY "${@:2}" ) >"$PROBE_OUT" 2>>"$T_DIR/.probe.err"
	else
		( exec setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all -- "$@" ) \
			>"$PROBE_OUT" 2>>"$T_DIR/.probe.err"
	fi
	PROBE_RC=$?
}

# probe_as WHO MODE ARGS...: the ig-probe reader.
probe_as() { local who=$1; shift; attempt "$who" "$PROBE" "$@"; }

leaked() {
	local out=""
	slurp "$PROBE_OUT" out
	[[ -n $1 && $out == *"$1"* ]]
}

# refused_as WANT...: PROBE_RC is one of the exit statuses WANT of a
# refused probe, or a SIGKILL (137) where the backstop caught a deny whose
# check the kernel skipped.
refused_as() {
	[[ " $* " == *" $PROBE_RC "* ]] || { [ -n "$BACKSTOP" ] && [ "$PROBE_RC" = 137 ]; }
}

# expect_blocked LEVEL SECRET WHO MODE ARGS...: no byte of SECRET arrives,
# and the probe failed the way LEVEL on this backend says: EACCES for deny
# where the backend can deny, SIGKILL otherwise. With the backstop, a
# deny whose check the kernel skipped is a kill at the syscall's exit.
expect_blocked() {
	local level=$1 secret=$2 who=$3 marker want
	shift 3
	marker=$(marker_of "$secret")
	probe_as "$who" "$@"
	if leaked "$marker"; then
		fail "secret leaked through '$*' (exit $PROBE_RC)"
		return 1
	fi
	if [ "$level" = deny ] && can_deny; then want=13; else want=137; fi
	if ! refused_as "$want"; then
		fail "'$*' exited $PROBE_RC, want $want ($level on $ACTIVE_BACKEND)"
		return 1
	fi
}

# wait_for_files SECONDS FILE...: until every FILE exists (the "ready"
# marks ig-vector leaves once it holds what it was told to); 1 when
# SECONDS pass first, and the caller's checks then say what is missing.
wait_for_files() {
	local secs=$1 f i missing
	shift
	for ((i = 0; i < secs * 20; i++)); do
		missing=""
		for f in "$@"; do
			[ -e "$f" ] || { missing=$f; break; }
		done
		[ -z "$missing" ] && return 0
		nap 0.05
	done
	return 1
}

# expect_released SECRET: once protection was released (a clean exit,
# SIGTERM, stop), the next read of SECRET by anybody succeeds. The kernel
# detaches the programs from a work item seconds later (3 s measured on
# 5.10 and 6.x), so this holds only because they are told to allow before
# the daemon or stop returns: no retry.
expect_released() {
	local secret=$1
	probe_as nobody read "$secret"
	[ "$PROBE_RC" = 0 ] && leaked "$(marker_of "$secret")" && return 0
	fail "'read $secret' as nobody refused right after the release (exit $PROBE_RC)"
}

# expect_readable SECRET WHO MODE ARGS...: the content does arrive.
expect_readable() {
	local secret=$1 who=$2 marker
	shift 2
	marker=$(marker_of "$secret")
	probe_as "$who" "$@"
	if [ "$PROBE_RC" != 0 ] || ! leaked "$marker"; then
		fail "'$*' as $who should read the file (exit $PROBE_RC)"
		return 1
	fi
}
