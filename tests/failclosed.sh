#!/usr/bin/env bash
# Fail-closed suite: protection outlives the daemon (kill -9, a closed
# stdout, SIGHUP), a new run adopts it without a window, and only a
# deliberate stop releases it. Every protection test reads as an
# unprivileged user and fails if one byte of the secret arrives.
# Usage: tests/failclosed.sh [--backend lsm|fmodret|tracepoint|auto] [--only NAME]
set -u
. "$(dirname "$0")/lib.sh"

PINS=/sys/fs/bpf/inodeguard

# Each test starts from nothing pinned: what a test leaves, stop removes.
after_each() {
	daemon_down
	"$IG" stop >/dev/null 2>&1
}

# crash: kill -9 the daemon, as a crash or the OOM killer would.
crash() {
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

links_pinned() { compgen -G "$PINS/links_*/*" >/dev/null; }

# expect_in FILE TEXT WHAT: FILE holds TEXT, or the test fails saying WHAT.
expect_in() {
	local content=""
	slurp "$1" content
	[[ $content == *"$2"* ]] && return 0
	content=${content//$'\n'/ }
	fail "$3: ${content:0:300}"
}

t_kill9_still_protected() {
	local s=$T_DIR/secret n=$T_DIR/neighbour
	mk_secret "$s"; mk_secret "$n"
	daemon_up --deny "$s" || return 1
	expect_blocked deny "$s" nobody read "$s" || return 1
	crash
	links_pinned || { fail "no link pinned after kill -9"; return 1; }
	expect_blocked deny "$s" nobody read "$s" || return 1
	expect_readable "$n" nobody read "$n" || return 1
	"$IG" list >"$T_DIR/list.out" 2>&1
	expect_in "$T_DIR/list.out" "no daemon serving it" "list does not say nobody serves" || return 1
	expect_in "$T_DIR/list.out" "$s" "list lost the entry" || return 1
	"$IG" check >"$T_DIR/check.out" 2>&1
	expect_in "$T_DIR/check.out" "instance: " "check says nothing of the instance" || return 1
	expect_in "$T_DIR/check.out" "no daemon serving it" "check does not say nobody serves" || return 1
}
t_register kill-9-still-protected t_kill9_still_protected

t_restart_adopts() {
	local s1=$T_DIR/policy s2=$T_DIR/live s3=$T_DIR/later
	mk_secret "$s1"; mk_secret "$s2"; mk_secret "$s3"
	daemon_up --deny "$s1" || return 1
	protect --deny "$s2" || return 1
	crash
	daemon_up --deny "$s1" || return 1
	expect_in "$DAEMON_ERR" "adopted the pinned instance (shared maps" "no adoption" || return 1
	expect_in "$DAEMON_ERR" "1 entries kept, 0 added, 0 released" "same policy not adopted as is" || return 1
	expect_blocked deny "$s1" nobody read "$s1" || return 1
	# A key protect added at runtime survives adoption.
	expect_blocked deny "$s2" nobody read "$s2" || return 1
	protect --deny "$s3" || return 1
	expect_blocked deny "$s3" nobody read "$s3" || return 1
	"$IG" list >"$T_DIR/list.out" 2>&1
	expect_in "$T_DIR/list.out" "$s2" "list lost the live entry" || return 1
}
t_register restart-adopts-and-live-protect-works t_restart_adopts

t_events_while_unserved() {
	local a=$T_DIR/audited i got=0 out
	mk_secret "$a"
	daemon_up --audit "$a" || return 1
	crash
	# More opens than the ring holds (~780 events): the rest are counted.
	as_nobody bash -c 'for ((i = 0; i < 1000; i++)); do : <"$1"; done' _ "$a" 2>/dev/null
	daemon_up --audit "$a" || return 1
	for ((i = 0; i < 100; i++)); do
		out=""; slurp "$DAEMON_OUT" out
		[[ $out == *"uid=$NOBODY"*"file=$a"* ]] && got=1 && [[ $(<"$DAEMON_ERR") == *"events lost so far"* ]] && break
		nap 0.1
	done
	[ $got = 1 ] || { fail "the next daemon reported no event raised while none ran"; return 1; }
	expect_in "$DAEMON_ERR" "events lost so far" "events beyond the ring not reported as lost" || return 1
}
t_register events-while-unserved-reported-next t_events_while_unserved

t_reader_loop_across_restart() {
	local a=$T_DIR/kept b=$T_DIR/dropped c=$T_DIR/added marker tries="" leaked reader
	mk_secret "$a"; mk_secret "$b"; mk_secret "$c"
	marker=$(marker_of "$a")
	daemon_up --deny "$a" --deny "$b" || return 1
	as_nobody bash -c 'while [ ! -e "$2" ]; do cat "$1" 2>/dev/null; echo .; done' _ "$a" "$T_DIR/stop" \
		>"$T_DIR/reader.out" 2>/dev/null &
	reader=$!
	nap 0.5
	crash
	nap 0.5
	daemon_up --kill "$a" --deny "$c" || { : >"$T_DIR/stop"; wait "$reader"; return 1; }
	nap 0.5
	: >"$T_DIR/stop"
	wait "$reader"
	leaked=""; slurp "$T_DIR/reader.out" leaked
	[[ $leaked == *"$marker"* ]] && { fail "the reader got the secret across the restart"; return 1; }
	tries=${leaked//[^.]/}
	echo "reader tries: ${#tries}"
	[ ${#tries} -ge 3 ] || { fail "the reader ran only ${#tries} times"; return 1; }
	expect_in "$DAEMON_ERR" "1 entries kept, 1 added, 1 released" "the policy change was not applied" || return 1
	expect_blocked kill "$a" nobody read "$a" || return 1
	expect_blocked deny "$c" nobody read "$c" || return 1
	expect_readable "$b" nobody read "$b" || return 1
}
t_register reader-loop-across-kill-9-and-changed-policy t_reader_loop_across_restart

t_layout_change_copies() {
	local a=$T_DIR/policy b=$T_DIR/live
	mk_secret "$a"; mk_secret "$b"
	daemon_up --enforce-root --kill "$a" || return 1
	protect --deny "$b" || return 1
	crash
	# Another capacity is another map layout: new maps, then the old go.
	daemon_up --enforce-root --capacity 4096 --kill "$a" || return 1
	expect_in "$DAEMON_ERR" "adopted the pinned instance (copied maps" "no copying adoption" || return 1
	expect_blocked kill "$a" nobody read "$a" || return 1
	expect_blocked kill "$a" root read "$a" || return 1
	expect_blocked deny "$b" nobody read "$b" || return 1
	# Under --enforce-root the adopter's own learning open of a kill
	# entry must not kill it: it is ready and alive.
	kill -0 "$DAEMON_PID" || { fail "the adopting daemon died"; return 1; }
	crash
	daemon_up --enforce-root --capacity 4096 --kill "$a" || return 1
	kill -0 "$DAEMON_PID" || { fail "the adopting daemon died (shared maps)"; return 1; }
}
t_register layout-change-and-enforce-root-adoption t_layout_change_copies

# stand_in NAME TYPE [VALUE_SIZE]: replaces the pin of map NAME with an
# empty map of TYPE and NAME's key size, its value size or VALUE_SIZE, and
# no BTF, as a release whose entries mean something else would leave it.
# The old programs keep the map they were loaded with.
stand_in() {
	local name=$1 type=$2 show key value
	show=$(bpftool map show pinned "$PINS/$name") || { fail "bpftool cannot read the pin of $name"; return 1; }
	[[ $show =~ key\ ([0-9]+)B\ +value\ ([0-9]+)B ]] || { fail "no sizes in: $show"; return 1; }
	key=${BASH_REMATCH[1]} value=${3:-${BASH_REMATCH[2]}}
	rm -f "$PINS/$name"
	bpftool map create "$PINS/$name" type "$type" key "$key" value "$value" entries 16 \
		name "$name" || { fail "cannot pin a stand-in for $name"; return 1; }
}

t_reshaped_map_refused() {
	local s=$T_DIR/secret n=$T_DIR/neighbour err rc pid i
	mk_secret "$s"; mk_secret "$n"
	daemon_up --kill "$s" || return 1
	crash
	# Same sizes, no BTF: nothing says the entries mean what ours do.
	stand_in names hash || return 1
	# Another capacity: a copying takeover, which must not start the
	# names empty and then retire the programs that still have them.
	"$IG" run --backend "$BACKEND" --capacity 4096 --kill "$s" >/dev/null 2>"$T_DIR/run.err" &
	pid=$!
	for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
		exited "$pid" && break
		err=""; slurp "$T_DIR/run.err" err
		[[ $err == *"inodeguard: ready"* ]] && break
		nap 0.1
	done
	if ! exited "$pid"; then
		kill -INT "$pid"; wait "$pid"
		fail "run took over a map it could not carry over"; return 1
	fi
	wait "$pid"; rc=$?
	err=""; slurp "$T_DIR/run.err" err
	[ "$rc" -ne 0 ] || { fail "run exited 0"; return 1; }
	[[ $err == *"its map $PINS/names holds entries of another shape"* ]] ||
		{ fail "the refusal does not name the map: ${err:0:300}"; return 1; }
	links_pinned || { fail "the refused run removed the pinned links"; return 1; }
	expect_blocked kill "$s" nobody read "$s" || return 1
	expect_readable "$n" nobody read "$n" || return 1
}
t_register reshaped-protection-map-refuses-takeover t_reshaped_map_refused

t_reshaped_scratch_starts_empty() {
	local s=$T_DIR/secret n=$T_DIR/neighbour
	mk_secret "$s"; mk_secret "$n"
	daemon_up --kill "$s" || return 1
	crash
	stand_in name_scratch percpu_array 8 || return 1
	daemon_up --capacity 4096 --kill "$s" || return 1
	expect_in "$DAEMON_ERR" "$PINS/name_scratch changed shape: it starts empty" \
		"no word of the scratch map" || return 1
	expect_in "$DAEMON_ERR" "adopted the pinned instance (copied maps" "no copying adoption" || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
	expect_readable "$n" nobody read "$n" || return 1
}
t_register reshaped-scratch-map-starts-empty t_reshaped_scratch_starts_empty

# le_hex N BYTES: N as BYTES little-endian hex pairs for bpftool.
le_hex() {
	local v=$1 i out=""
	for ((i = 0; i < $2; i++)); do out+=$(printf '%02x ' $((v & 255))); v=$((v >> 8)); done
	printf '%s' "$out"
}

# arm_learn_slot TGID START_TICKS: what a learner writes (struct ig_learn),
# in this shell's pid namespace.
arm_learn_slot() {
	local tick_ns=$((1000000000 / $(getconf CLK_TCK))) zeros="" i ns_dev ns_ino
	for ((i = 0; i < 256; i++)); do zeros+="00 "; done
	read -r ns_dev ns_ino < <(stat -L -c '%d %i' /proc/self/ns/pid)
	# shellcheck disable=SC2046
	bpftool map update pinned "$PINS/learn" key hex 00 00 00 00 value hex \
		$(le_hex "$1" 4) $(le_hex 0 4) $(le_hex "$2" 8) $(le_hex "$tick_ns" 8) \
		$(le_hex "$ns_dev" 8) $(le_hex "$ns_ino" 8) $zeros
}

# slot_reader SECRET FIFO: a nobody shell that opens SECRET itself (no
# exec, so the open is by this pid) once FIFO says go, says "opened" once
# the open succeeded, then prints what it could read; $! is its pid.
slot_reader() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all -- \
		bash -c 'read -r _ <"$2"; exec 3<"$1" || exit 1; echo opened; if read -r l <&3; then echo "$l"; fi' \
		_ "$1" "$2" >"$T_DIR/slot.out" 2>/dev/null &
}

t_learn_slot_pid_reuse() {
	local s=$T_DIR/secret fifo=$T_DIR/go pid stat start marker out
	command -v bpftool >/dev/null || { skip "bpftool is not installed"; return 77; }
	mk_secret "$s"; marker=$(marker_of "$s")
	mkfifo -m 0666 "$fifo"
	daemon_up --deny "$s" || return 1
	crash
	# A slot left armed by a learner that died, and a process that now has
	# its pid: the start time differs, so the hooks judge it.
	slot_reader "$s" "$fifo"; pid=$!
	arm_learn_slot "$pid" 1 || { kill "$pid"; fail "bpftool could not write the learn slot"; return 1; }
	echo go >"$fifo"; wait "$pid" 2>/dev/null
	out=""; slurp "$T_DIR/slot.out" out
	[[ $out == *opened* || $out == *"$marker"* ]] &&
		{ fail "a process reusing the learner's pid was exempt"; return 1; }
	# Control: with the right start time the same slot does exempt its
	# open, so the test above would have seen an exemption by pid alone.
	# The exemption is the open's only: reads are judged by key like
	# anyone's (where a backend can refuse them).
	slot_reader "$s" "$fifo"; pid=$!
	slurp "/proc/$pid/stat" stat
	read -ra stat <<<"${stat##*) }"
	start=${stat[19]}
	arm_learn_slot "$pid" "$start" || { kill "$pid"; fail "bpftool could not write the learn slot"; return 1; }
	echo go >"$fifo"; wait "$pid" 2>/dev/null
	arm_learn_slot 0 0
	out=""; slurp "$T_DIR/slot.out" out
	[[ $out == *opened* ]] || { fail "control: the learner's open was not exempt (start $start)"; return 1; }
	if can_deny && [[ $out == *"$marker"* ]]; then
		fail "the learner read the secret through its exempt open: reads must be judged by key"
		return 1
	fi
	return 0
}
t_register learn-slot-not-inherited-by-pid-reuse t_learn_slot_pid_reuse

t_sigterm_releases() {
	local s=$T_DIR/secret rc
	mk_secret "$s"
	daemon_up --deny "$s" || return 1
	kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?; DAEMON_PID=""
	[ $rc = 0 ] || { fail "SIGTERM exit status $rc"; return 1; }
	[ ! -e "$PINS" ] || { fail "pins left after SIGTERM"; return 1; }
	expect_released "$s"
}
t_register sigterm-releases t_sigterm_releases

t_pipe_and_hup() {
	local s=$T_DIR/secret i
	mk_secret "$s"
	DAEMON_N=$((${DAEMON_N:-0} + 1))
	DAEMON_ERR=$SCRATCH_ROOT/daemon$DAEMON_N.err
	# The measured failure: `run --kill F | head -n 1` ended with head.
	"$IG" run --backend "$BACKEND" --kill "$s" 2>"$DAEMON_ERR" > >(head -n 1 >"$T_DIR/head.out") &
	DAEMON_PID=$!
	daemon_wait_ready || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
	nap 0.5
	expect_blocked kill "$s" nobody read "$s" || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
	nap 0.5
	kill -0 "$DAEMON_PID" 2>/dev/null || { fail "the daemon exited when stdout's reader went away"; return 1; }
	expect_in "$DAEMON_ERR" "cannot write events to stdout" "no word of the lost events" || return 1
	kill -HUP "$DAEMON_PID"
	# SIGHUP reloads the same policy (tests/reload.sh tests changes).
	for ((i = 0; i < 100; i++)); do
		[[ $(<"$DAEMON_ERR") == *"reloaded: 1 entries kept"* ]] && break
		nap 0.1
	done
	kill -0 "$DAEMON_PID" 2>/dev/null || { fail "the daemon exited on SIGHUP"; return 1; }
	expect_in "$DAEMON_ERR" "reloaded: 1 entries kept, 0 added, 0 released" "SIGHUP did not reload" || return 1
	expect_blocked kill "$s" nobody read "$s" || return 1
}
t_register closed-stdout-pipe-and-sighup-keep-protection t_pipe_and_hup

t_stop_after_crash() {
	local s=$T_DIR/secret
	mk_secret "$s"
	daemon_up --deny "$s" || return 1
	crash
	"$IG" stop >"$T_DIR/stop.out" 2>&1 || { fail "stop failed: $(<"$T_DIR/stop.out")"; return 1; }
	expect_in "$T_DIR/stop.out" "removed link $PINS/links_" "stop did not print the links it removed" || return 1
	[ ! -e "$PINS" ] || { fail "pins left after stop"; return 1; }
	expect_released "$s" || return 1
	"$IG" stop >"$T_DIR/stop2.out" 2>&1
	expect_in "$T_DIR/stop2.out" "nothing to stop" "a second stop" || return 1
}
t_register stop-cleans-up-after-crash t_stop_after_crash

t_persist() {
	local s=$T_DIR/secret rc
	mk_secret "$s"
	daemon_up --persist --deny "$s" || return 1
	daemon_down; rc=$?
	[ $rc = 0 ] || { fail "--persist SIGINT exit status $rc"; return 1; }
	expect_in "$DAEMON_ERR" "protection stays in force" "no word that protection stays" || return 1
	links_pinned || { fail "no link pinned after a --persist exit"; return 1; }
	expect_blocked deny "$s" nobody read "$s" || return 1
	# stop also ends a --persist daemon, and releases.
	daemon_up --persist --deny "$s" || return 1
	expect_in "$DAEMON_ERR" "adopted the pinned instance" "no adoption after --persist" || return 1
	"$IG" stop >"$T_DIR/stop.out" 2>&1
	wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""
	expect_in "$T_DIR/stop.out" "stopped the daemon (pid" "stop did not stop the daemon" || return 1
	[ ! -e "$PINS" ] || { fail "pins left after stop"; return 1; }
	expect_released "$s"
}
t_register persist-and-stop t_persist

# stats_of: reads `stats -j` into STATS, or fails.
stats_of() {
	STATS=$("$IG" -j stats 2>&1) || { fail "stats failed: $STATS"; return 1; }
}

# stats_num REGEX: the number REGEX's group catches in STATS ("" if none).
stats_num() { [[ $STATS =~ $1 ]] && printf '%s' "${BASH_REMATCH[1]}"; }

# N refused opens by nobody raise their action's count by exactly N; the
# counts are the events delivered plus those lost; adoption keeps the
# counts and the uptime since the first start.
t_stats_counts_and_adoption() {
	local s=$T_DIR/secret n=5 i act open0 open1 total events lost up1
	mk_secret "$s"
	daemon_up -j --persist --deny "$s" || return 1
	if can_deny; then act=deny; else act=kill; fi
	stats_of || return 1
	open0=$(stats_num "\"$act\":\\{\"open\":([0-9]+)")
	for ((i = 0; i < n; i++)); do
		expect_blocked deny "$s" nobody read "$s" || return 1
	done
	nap 1.1
	stats_of || return 1
	open1=$(stats_num "\"$act\":\\{\"open\":([0-9]+)")
	[ -n "$open0" ] && [ "$open1" = $((open0 + n)) ] ||
		{ fail "$act/open went from '$open0' to '$open1' after $n refused opens: ${STATS:0:300}"; return 1; }
	[[ $STATS == *"\"backend\":\"$ACTIVE_BACKEND\""* ]] || { fail "stats names no backend $ACTIVE_BACKEND: ${STATS:0:300}"; return 1; }
	total=$(stats_num '"totals":\{"audit":([0-9]+)')
	total=$((total + $(stats_num '"totals":\{"audit":[0-9]+,"deny":([0-9]+)') + $(stats_num '"kill":([0-9]+)\}')))
	lost=$(stats_num '"events_lost":([0-9]+)')
	events=$(grep -c '"action":"' "$DAEMON_OUT")
	[ "$total" = $((events + lost)) ] ||
		{ fail "counts total $total, but $events events and $lost lost"; return 1; }
	up1=$(stats_num '"uptime_s":([0-9]+)')
	[ "${up1:-0}" -ge 1 ] || { fail "uptime '$up1' after more than a second"; return 1; }
	daemon_down
	daemon_up -j --persist --deny "$s" || return 1
	expect_in "$DAEMON_ERR" "adopted the pinned instance" "no adoption" || return 1
	stats_of || return 1
	[ "$(stats_num "\"$act\":\\{\"open\":([0-9]+)")" = "$open1" ] ||
		{ fail "adoption did not keep the counts: ${STATS:0:300}"; return 1; }
	[ "$(stats_num '"uptime_s":([0-9]+)')" -ge "$up1" ] ||
		{ fail "adoption restarted the uptime (was $up1): ${STATS:0:300}"; return 1; }
}
t_register stats-counts-and-adoption t_stats_counts_and_adoption

parse_suite_args "$@"
run_suite
