#!/usr/bin/env bash
# Runs the inodeguard benchmarks on the host or inside a VM guest and writes a results TSV
# and (host) a report preview beside it, all under build/; `make docs` turns the last
# host run into docs/performance.md.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh [options]
  --smoke            tiny sizes, a few seconds; checks that everything runs (CI)
  --backend B        lsm, fmodret or tracepoint; repeatable. Default: every backend
                     the tool can start here (the others are recorded as unavailable)
  --within-boot      guest mode: keep only ratios measured in this boot (and
                     counts/bytes); absolute times under emulation mean nothing
  --out FILE         results TSV (default build/bench/results.tsv, smoke:
                     build/bench/smoke/results.tsv)
  --rounds N         interleaved rounds per configuration (default 9; smoke 1)
  --sizes LIST       protected-entry levels, comma separated (default 1,1000,100000,1000000)
  --scale N          real files for the tool's own load test (default 1000000; 0 skips;
                     within-boot default 0)
  --tree DIR         tree for the macro workload (default /usr/include)
  --uid UID          uid of the measuring processes (default 65534)
  --load-timeout S   give up the scale test's load after S seconds and record it
                     as a timeout, not a failure (default 300)
  --old-tool BIN     another inodeguard binary (an earlier release): the scale
                     test loads the same config with it too, rep by rep beside
                     this one, so the old design is measured in the same run
  --summarize FILE   only recompute the ratio and median rows of an existing TSV
  --baseline-only    measure without the tool (for testing the harness)
  --no-report        do not write the preview performance.md and perf-open.png
                     beside the results TSV
Results TSV columns: backend bench config entries target round metric value unit
EOF
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IG=${IG:-$ROOT/build/inodeguard}
BB=${BENCH_BIN:-$ROOT/build/bench}
PIN=/sys/fs/bpf/inodeguard/protected

smoke=0 within=0 baseline_only=0 report=1
backends=() out='' rounds='' sizes='' scale='' tree=/usr/include uid=65534 load_timeout=300 summarize_only='' old_tool=''

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--within-boot) within=1 ;;
	--backend) backends+=("$2"); shift ;;
	--out) out=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	--scale) scale=$2; shift ;;
	--tree) tree=$2; shift ;;
	--uid) uid=$2; shift ;;
	--load-timeout) load_timeout=$2; shift ;;
	--old-tool) old_tool=$2; shift ;;
	--summarize) summarize_only=$2; shift ;;
	--baseline-only) baseline_only=1 ;;
	--no-report) report=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

if [ "$smoke" = 1 ]; then
	: "${rounds:=1}" "${sizes:=1,10,100}" "${scale:=1000}" "${out:=$BB/smoke/results.tsv}"
	iters=2000 reps=3 warm=200 prog_ops=2000 scale_reps=1 fill_reps=1
	spawn_iters=20 spawn_warm=2
	# A small subtree keeps the macro workload at a few milliseconds.
	[ -d "$tree/asm-generic" ] && tree=$tree/asm-generic
else
	: "${rounds:=9}" "${sizes:=1,1000,100000,1000000}" "${out:=$BB/results.tsv}"
	[ "$within" = 1 ] && : "${scale:=0}"
	: "${scale:=1000000}"
	# ~0.15 s per rep on the host: long enough to average timer and IRQ noise.
	iters=50000 reps=5 warm=5000 prog_ops=200000 scale_reps=3 fill_reps=3
	# A spawn costs some hundred µs on an idle host: 300 of them make a rep.
	spawn_iters=300 spawn_warm=20
	# Emulated guests run ~20x slower: a tenth of the work keeps a rep near
	# the host's length, and one fill rep is enough for counts and bytes.
	[ "$within" = 1 ] && iters=5000 reps=3 warm=500 prog_ops=20000 fill_reps=1 spawn_iters=30 spawn_warm=2
fi
IFS=, read -r -a levels <<<"$sizes"
max_level=0
for n in "${levels[@]}"; do [ "$n" -gt "$max_level" ] && max_level=$n; done
# Entries are the tool's one real file plus synthetic keys; keep headroom for
# keys the tool may add itself (an overlay file yields two).
capacity=$((max_level + 1024 > 65536 ? max_level + 1024 : 65536))
cpu=$(($(nproc) - 1))

# --- summary: paired ratios per round, then medians over rounds -------------------
summarize() {
	awk -F'\t' -v OFS='\t' '
		/^#/ || $1 == "backend" {next}
		($2 == "open_close" || $2 == "open_deep" || $2 == "stat" || $2 == "read" || $2 == "spawn" || $2 == "tar") && $6 ~ /^[0-9]+$/ {
			# A target with a baseline of its own is paired with it,
			# any other with the baseline of the file "file".
			k = $1 SUBSEP $2 SUBSEP $6
			if ($3 == "baseline") base[k SUBSEP $5] = $8
			else {n++; row[n] = $0; key[n] = k; tgt[n] = $5}
		}
		# Program run time against the empty program of the same workload and rep.
		$2 == "prog" && $7 == "run_ns" && $6 ~ /^[0-9]+$/ {
			k = $1 SUBSEP $3 SUBSEP $4 SUBSEP $6
			if ($5 ~ /^null_/) nullns[k] = $8; else {m++; prow[m] = $0; pkey[m] = k}
		}
		END {
			for (i = 1; i <= n; i++) {
				b = base[key[i] SUBSEP tgt[i]] > 0 ? base[key[i] SUBSEP tgt[i]] : base[key[i] SUBSEP "file"]
				if (b <= 0) continue
				split(row[i], f, "\t")
				print f[1], f[2], f[3], f[4], f[5], f[6], "ratio", sprintf("%.4f", f[8] / b), "x"
			}
			for (i = 1; i <= m; i++) if (nullns[pkey[i]] > 0) {
				split(prow[i], f, "\t")
				print f[1], f[2], f[3], f[4], f[5], f[6], "run_vs_null", sprintf("%.4f", f[8] / nullns[pkey[i]]), "x"
			}
		}' "$1" >"$1.ratios"
	cat "$1.ratios" >>"$1"
	awk -F'\t' -v OFS='\t' '!/^#/ && $1 != "backend" && $6 ~ /^[0-9]+$/ && $9 != "text" && $8 ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ {
		print $1, $2, $3, $4, $5, $7, $9, $8}' "$1" |
		LC_ALL=C sort -t "$(printf '\t')" -k1,7 -k8,8g |
		awk -F'\t' -v OFS='\t' '
		function flush() {
			if (n) print p[1], p[2], p[3], p[4], p[5], "median", p[6], ((n % 2) ? v[(n + 1) / 2] : sprintf("%.4f", (v[n / 2] + v[n / 2 + 1]) / 2)), p[7]
			n = 0
		}
		{ k = $1 FS $2 FS $3 FS $4 FS $5 FS $6 FS $7
		  if (k != pk) {flush(); pk = k; split($0, p, "\t")}
		  v[++n] = $8 }
		END {flush()}' >>"$1"
	rm -f "$1.ratios"
}

log() { printf 'bench: %s\n' "$*" >&2; }
# Builtins instead of grep and sleep in polling loops: in an emulated guest
# every process start costs most of a second.
exec {NAP_FD}<> <(:)
nap() { read -rt "$1" -u "$NAP_FD" || true; }
slurp() { IFS= read -r -d '' "$2" <"$1" || true; }
die() { log "error: $*"; exit 1; }
now_ns() { local t=${EPOCHREALTIME//[!0-9]/}; echo "${t}000"; }

if [ -n "$summarize_only" ]; then
	summarize "$summarize_only"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (it mounts a tmpfs and loads BPF through the tool)"
for b in open_close syscalls mkfiles runas spawn exit0 mapfill nullprog; do
	[ -x "$BB/$b" ] || die "$BB/$b missing: run 'make bench-bins' first"
done
if [ "$baseline_only" = 0 ] && [ ! -x "$IG" ]; then
	die "$IG missing: build it first (or use --baseline-only)"
fi
have_bpftool=0
command -v bpftool >/dev/null && have_bpftool=1

# --- scratch space and cleanup ------------------------------------------------
scratch=/run/inodeguard-bench.$$
TOOL_PID='' stats_orig=''
cleanup() {
	local rc=$?
	set +e
	[ -n "$TOOL_PID" ] && kill -TERM "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	[ -n "$NULL_PID" ] && kill -TERM "$NULL_PID" 2>/dev/null && wait "$NULL_PID" 2>/dev/null
	[ -n "$stats_orig" ] && echo "$stats_orig" >/proc/sys/kernel/bpf_stats_enabled
	if mountpoint -q "$scratch" 2>/dev/null; then umount "$scratch"; fi
	rmdir "$scratch" 2>/dev/null
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$scratch" "$(dirname "$out")"
# nr_inodes must cover the scale test's files; empty files use no blocks.
mount -t tmpfs -o "size=1g,nr_inodes=$((scale + 200000)),mode=0755" inodeguard-bench "$scratch"
mkdir -p "$scratch/f"
head -c 4096 /dev/zero >"$scratch/f/unprot"
head -c 4096 /dev/zero >"$scratch/f/audit"
head -c 4096 /dev/zero >"$scratch/f/audit-other"
# An unprotected neighbour whose name is as long as the protected one's:
# the hooks read its first bytes before they can tell (unprot's length
# alone tells them).
head -c 4096 /dev/zero >"$scratch/f/audix"
# An unprotected file in a directory that holds no protected name: the
# common case, where the directory's filter bit ends the name check.
mkdir -p "$scratch/g"
head -c 4096 /dev/zero >"$scratch/g/elsewhere"
chmod 0644 "$scratch/f/unprot" "$scratch/f/audit" "$scratch/f/audit-other" "$scratch/f/audix" \
	"$scratch/g/elsewhere"
# The synthetic keys leave the measured unprotected files' filter bits
# clear (mapfill -x), so every round measures the common case; how many
# bits they set, and so how often an unprotected file pays the hash lookup
# too, is recorded beside (fill filter).
keep_clear=(-x "$scratch/f/unprot" -x "$scratch/f/audix" -x "$scratch/g/elsewhere")
printf 'audit %s\n' "$scratch/f/audit" >"$scratch/conf.one"
# Allow rules: the measuring uid passes the first entry (the grant lookup,
# no event); another uid is named on the second, so the measuring process
# takes the event path with subject rules in the policy. The unprotected
# file shows what the rules cost an open that matches no entry; the second
# name's length differs from unprot's, as in the one-entry policy, so
# the two policies' name checks cost the unprotected open alike.
other_uid=$((uid == 4242 ? 4243 : 4242))
printf 'audit %s\n  allow uid %s\naudit %s\n  allow uid %s\n' \
	"$scratch/f/audit" "$uid" "$scratch/f/audit-other" "$other_uid" >"$scratch/conf.allow"
# The program the spawn benchmark runs, on the tmpfs: in a guest the
# host's files come over 9p, whose round trips are no part of a spawn.
cp "$BB/exit0" "$scratch/exit0"
# Trees: 1,000 directory rules, and an unprotected file 40 levels deep that
# none of them covers, so every open of it walks 40 ancestors in vain.
deep=$scratch/deep
for i in {1..40}; do deep=$deep/l$i; done
mkdir -p "$deep" "$scratch/trees"
head -c 4096 /dev/zero >"$deep/f"
chmod -R a+rX "$scratch/deep"
# One mkdir for all: in an emulated guest every process start costs most
# of a second.
mkdir "$scratch"/trees/t{1..1000}
{
	cat "$scratch/conf.one"
	for i in {1..1000}; do printf 'audit %s\n' "$scratch/trees/t$i"; done
} >"$scratch/conf.trees"

have_tar=0
if command -v tar >/dev/null && [ -d "$tree" ]; then
	have_tar=1
	# A private copy on tmpfs: no disk I/O and the same bytes in every round.
	cp -a "$tree" "$scratch/tree"
	chmod -R a+rX "$scratch/tree"
	{ cat "$scratch/conf.one"; find "$scratch/tree" -type f -printf 'audit %p\n'; } >"$scratch/conf.tree"
fi

printf '# inodeguard bench %s: kernel %s, %s CPUs, mode %s, rounds %s, iters %s x %s reps\n' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$(nproc)" \
	"$([ "$within" = 1 ] && echo within-boot || echo host)$([ "$smoke" = 1 ] && echo ' smoke')" \
	"$rounds" "$iters" "$reps" >"$out"
printf 'backend\tbench\tconfig\tentries\ttarget\tround\tmetric\tvalue\tunit\n' >>"$out"
# record BACKEND BENCH CONFIG ENTRIES TARGET ROUND METRIC VALUE UNIT
record() {
	local v=${8//$'\t'/ }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${v//$'\n'/ }" "$9" >>"$out"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# --- the tool -----------------------------------------------------------------
READY_S='' READY_TIMEOUT=900
# start_tool BACKEND CONF: runs the tool with events counted by wc (a real
# consumer reading the pipe), waits for the ready line, sets TOOL_PID.
start_tool() {
	local t0 t1 deadline errtext
	: >"$scratch/tool.err"
	rm -f "$scratch/events"
	t0=$(now_ns)
	"$IG" run --backend "$1" --capacity "$capacity" -c "$2" \
		> >(wc -l >"$scratch/events.tmp"; mv "$scratch/events.tmp" "$scratch/events") \
		2>"$scratch/tool.err" &
	TOOL_PID=$!
	deadline=$((t0 + READY_TIMEOUT * 1000000000))
	while slurp "$scratch/tool.err" errtext; [[ $errtext != *'inodeguard: ready'* ]]; do
		if ! kill -0 "$TOOL_PID" 2>/dev/null; then
			wait "$TOOL_PID" 2>/dev/null || true
			TOOL_PID=''
			sed 's/^/  inodeguard: /' "$scratch/tool.err" >&2
			return 1
		fi
		if [ "$(now_ns)" -ge "$deadline" ]; then
			log "tool not ready after $READY_TIMEOUT s"
			kill -TERM "$TOOL_PID" 2>/dev/null
			wait "$TOOL_PID" 2>/dev/null || true
			TOOL_PID=''
			return 2
		fi
		nap 0.005
	done
	t1=$(now_ns)
	READY_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
	[ -e "$PIN" ] || { log "tool ready but $PIN is missing"; return 1; }
}

# stop_tool: SIGTERM must give a clean exit 0 (the contract); sets EVENTS.
EVENTS=0
stop_tool() {
	local rc=0 i
	kill -TERM "$TOOL_PID"
	wait "$TOOL_PID" || rc=$?
	TOOL_PID=''
	[ "$rc" = 0 ] || { sed 's/^/  inodeguard: /' "$scratch/tool.err" >&2; die "tool exited $rc on SIGTERM"; }
	for i in $(seq 200); do [ -e "$scratch/events" ] && break; sleep 0.01; done
	EVENTS=$(cat "$scratch/events" 2>/dev/null || echo 0)
	wait_detached
}

# wait_detached: a released instance's programs allow at once but stay
# attached until the kernel's work item detaches them, seconds later
# (README, Stopping); the next configuration, the baseline without the
# tool included, must not run beside them. Our programs' name prefixes;
# the empty program's names (null_*) are not among them.
wait_detached() {
	local i progs
	for i in $(seq 600); do
		# Not piped into grep -q: under pipefail bpftool's SIGPIPE
		# would read as "none attached".
		progs=$(bpftool prog show 2>/dev/null) || progs=''
		grep -qE 'name (lsm|fmr|fen|btf)_[a-z_]+|name tp_(exit|enter|exec|fork|cgroup)' \
			<<<"$progs" || return 0
		sleep 0.05
	done
	log "the stopped tool's programs were still attached 30 s after it exited"
}

# start_null BACKEND: an empty program on the backend's open hook (bench/null.bpf.c),
# the dispatch floor; sets NULL_PID. A failure is recorded by the caller, not fatal.
NULL_PID=''
start_null() {
	local out i
	"$BB/nullprog" "$1" >"$scratch/null.out" 2>"$scratch/null.err" &
	NULL_PID=$!
	for i in $(seq 12000); do
		slurp "$scratch/null.out" out
		[ "$out" = $'ready\n' ] && return 0
		kill -0 "$NULL_PID" 2>/dev/null || break
		nap 0.005
	done
	kill -TERM "$NULL_PID" 2>/dev/null
	wait "$NULL_PID" 2>/dev/null
	NULL_PID=''
	return 1
}

stop_null() {
	[ -n "$NULL_PID" ] || return 0
	kill -TERM "$NULL_PID"
	wait "$NULL_PID" || true
	NULL_PID=''
}

# --- measurements ---------------------------------------------------------------
# micro BENCH PATH: median ns/op over the reps of one run.
micro() {
	local v
	case $1 in
	open_close) v=$("$BB/open_close" -n "$iters" -r "$reps" -w "$warm" -u "$uid" -C "$cpu" "$2") ;;
	*) v=$("$BB/syscalls" -n "$iters" -r "$reps" -w "$warm" -u "$uid" -C "$cpu" "$1" "$2") ;;
	esac
	median <<<"$v"
}

# spawn_cost BACKEND CONFIG ENTRIES ROUND: fork+execve+wait of the static
# program that exits at once, where the process watchers run whatever the policy.
spawn_cost() {
	record "$1" spawn "$2" "$3" exit0 "$4" ns_per_op \
		"$("$BB/spawn" -n "$spawn_iters" -r "$reps" -w "$spawn_warm" -u "$uid" -C "$cpu" "$scratch/exit0" | median)" ns
}

# measure_file BACKEND CONFIG ENTRIES TARGET PATH ROUND
measure_file() {
	local b
	for b in open_close stat read; do
		record "$1" "$b" "$2" "$3" "$4" "$6" ns_per_op "$(micro "$b" "$5")" ns
	done
}

# macro BACKEND CONFIG ENTRIES TARGET ROUND: tar of the tree copy into a pipe
# (GNU tar skips reading file contents when the archive is /dev/null itself).
macro() {
	local t0 t1
	[ "$have_tar" = 1 ] || return 0
	t0=$(now_ns)
	"$BB/runas" "$uid" sh -c "tar -cf - -C '$scratch' tree | cat >/dev/null"
	t1=$(now_ns)
	record "$1" tar "$2" "$3" "$4" "$5" wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}')" s
}

# mem_sample BACKEND ENTRIES ROUND [CONFIG]: daemon RSS and kernel memory of its maps.
# One awk over all fdinfo files and one bpftool call: under emulation every
# process start costs most of a second.
mem_sample() {
	local cfg=${4:-ig} kb id mem name
	local -A names=()
	for kb in VmRSS VmHWM; do
		record "$1" mem "$cfg" "$2" daemon "$3" "$kb" \
			"$(awk -v k="$kb:" '$1 == k {print $2 * 1024}' "/proc/$TOOL_PID/status")" bytes
	done
	if [ "$have_bpftool" = 1 ]; then
		while read -r id name; do names[$id]=$name; done < <(bpftool map show |
			awk '/^[0-9]+:/ {id = $1; sub(":", "", id); for (i = 2; i < NF; i++) if ($i == "name") print id, $(i+1)}')
	fi
	while read -r id mem; do
		record "$1" mem "$cfg" "$2" "map:${names[$id]:-map$id}" "$3" memlock "$mem" bytes
	done < <(fdinfo_maps)
}

# fdinfo_maps: "MAP_ID MEMLOCK" for every map fd the daemon holds.
fdinfo_maps() {
	awk 'FNR == 1 {if (id != "") print id, m; id = ""; m = 0}
		$1 == "map_id:" {id = $2} $1 == "memlock:" {m = $2}
		END {if (id != "") print id, m}' /proc/"$TOOL_PID"/fdinfo/* 2>/dev/null | sort -nu
}

# smaps_sample BACKEND ENTRIES: where the daemon's resident memory is.
smaps_sample() {
	awk -v bin="$(readlink "/proc/$TOOL_PID/exe")" '
		/^[0-9a-f]+-[0-9a-f]+ / {
			n = $6
			if (n == "") c = "anon"; else if (n == "[heap]") c = "heap"
			else if (n == "[stack]") c = "stack"; else if (n ~ /^anon_inode:/) c = "bpf_mmap"
			else if (n == bin) c = "binary"; else if (n ~ /\.so/) c = "libs"; else c = "other"
			next
		}
		$1 == "Rss:" { r[c] += $2 }
		END { for (c in r) print c, r[c] * 1024 }' "/proc/$TOOL_PID/smaps" |
	while read -r c v; do record "$1" rss "ig" "$2" "$c" 1 rss "$v" bytes; done
}

# fdinfo_files: the descriptors of the tool and, while it runs, the null program.
fdinfo_files() {
	local pid
	for pid in $TOOL_PID $NULL_PID; do printf '%s ' /proc/"$pid"/fdinfo/*; done
}

# prog_stats: "ID NAME RUN_TIME_NS RUN_CNT" for every program the daemon (and
# the null program) holds (prog fds, or the programs behind its link fds). Two processes per
# snapshot, whatever the number of programs.
prog_stats() {
	local ids
	ids=$(awk '$1 == "prog_id:" {print $2}' $(fdinfo_files) 2>/dev/null | sort -nu | tr '\n' ' ')
	[ -n "$ids" ] || return 0
	if [ "$have_bpftool" = 1 ]; then
		bpftool prog show | awk -v ids=" $ids" '/^[0-9]+:/ {
			id = $1; sub(":", "", id)
			if (!index(ids " ", " " id " ")) next
			n = "prog" id; t = 0; c = 0
			for (i = 2; i < NF; i++) { if ($i == "name") n = $(i+1)
				if ($i == "run_time_ns") t = $(i+1); if ($i == "run_cnt") c = $(i+1) }
			print id, n, t, c}'
	else
		# Without bpftool only prog fds carry the counters.
		awk 'FNR == 1 {if (f) print id, "prog" id, t, c; f = 0; t = 0; c = 0}
			$1 == "prog_id:" {id = $2} $1 == "run_time_ns:" {t = $2; f = 1} $1 == "run_cnt:" {c = $2}
			END {if (f) print id, "prog" id, t, c}' $(fdinfo_files) 2>/dev/null | sort -k1,1n -u
	fi
}

# attach_points: where each program is attached, as bpftool describes it
# (perf events for tracepoints, links for the rest), one listing each.
attach_points() {
	local id name d
	local -A where=()
	[ "$have_bpftool" = 1 ] || return 0
	while read -r id d; do where[$id]="${where[$id]:+${where[$id]} }$d"; done < <(
		{ bpftool perf show 2>/dev/null; echo '--links--'; bpftool link show 2>/dev/null; } | awk '
			$0 == "--links--" {links = 1; next}
			!links { for (i = 1; i < NF; i++) if ($i == "prog_id") { id = $(i+1); $i = ""; $(i+1) = ""; print id, $0 }; next }
			/^[0-9]+:/ { if (cur != "") print pid, cur; cur = $0; pid = ""
				for (i = 1; i < NF; i++) if ($i == "prog") pid = $(i+1); next }
			{ cur = cur " " $0 }
			END { if (cur != "") print pid, cur }' | tr -s ' \t' ' ')
	while read -r id name _; do
		echo "$id $name ${where[$id]:-unknown}"
	done < <(prog_stats)
}

# prog_cost BACKEND ENTRIES REP: run_time_ns/run_cnt and runs per op for each workload.
# Snapshots themselves start processes that open files (bpftool, awk), so a
# control workload of one getppid() measures that background and it is subtracted.
prog_cost() {
	local w cmd before after name t0 c0 t1 c1 dc dt
	local -A bg_c=() bg_t=()
	for w in control open_unprot open_audit stat_unprot read_audit getppid; do
		case $w in
		control) cmd=("$BB/syscalls" -n 1 -r 1 -w 0 -u "$uid" getppid -) ;;
		open_unprot) cmd=("$BB/open_close" -n "$prog_ops" -r 1 -w 0 -u "$uid" "$scratch/f/unprot") ;;
		open_audit) cmd=("$BB/open_close" -n "$prog_ops" -r 1 -w 0 -u "$uid" "$scratch/f/audit") ;;
		stat_unprot) cmd=("$BB/syscalls" -n "$prog_ops" -r 1 -w 0 -u "$uid" stat "$scratch/f/unprot") ;;
		read_audit) cmd=("$BB/syscalls" -n "$prog_ops" -r 1 -w 0 -u "$uid" read "$scratch/f/audit") ;;
		getppid) cmd=("$BB/syscalls" -n "$prog_ops" -r 1 -w 0 -u "$uid" getppid -) ;;
		esac
		before=$(prog_stats)
		"${cmd[@]}" >/dev/null
		after=$(prog_stats)
		while read -r _ name t0 c0 _ t1 c1; do
			[ -n "$name" ] || continue
			dc=$((c1 - c0)) dt=$((t1 - t0))
			if [ "$w" = control ]; then
				bg_c[$name]=$dc bg_t[$name]=$dt
				record "$1" prog control "$2" "$name" "$3" background_runs "$dc" count
				continue
			fi
			dc=$((dc - ${bg_c[$name]:-0})) dt=$((dt - ${bg_t[$name]:-0}))
			[ "$dc" -ge 0 ] || dc=0
			record "$1" prog "$w" "$2" "$name" "$3" runs_per_op \
				"$(awk -v c="$dc" -v n="$prog_ops" 'BEGIN {printf "%.4f", c / n}')" count
			# Only a program that ran for most ops has a meaningful per-run time.
			if [ "$dc" -ge $((prog_ops / 2)) ] && [ "$dt" -gt 0 ]; then
				record "$1" prog "$w" "$2" "$name" "$3" run_ns \
					"$(awk -v t="$dt" -v c="$dc" 'BEGIN {printf "%.1f", t / c}')" ns
			fi
		done < <(join <(sort -k1,1 <<<"$before") <(sort -k1,1 <<<"$after"))
	done
}

# fill_to BACKEND FROM TO ROUND: synthetic keys FROM-1 .. TO-2 (the tool's real file is entry 1).
fill_to() {
	local r
	[ "$3" -gt "$2" ] || return 0
	r=$("$BB/mapfill" -p "$PIN" -s "$4" -o $(($2 - 1)) "${keep_clear[@]}" add $(($3 - $2)))
	record "$1" fill batch "$3" "+$(($3 - $2))" "$4" time "$(awk '{printf "%.4f", $1 / 1e9}' <<<"$r")" s
	# How many of the filter's 2^24 bits are set: their share is the
	# chance that an unprotected inode's bit is set and its read pays the
	# hash lookup.
	record "$1" fill filter "$3" bits_set "$4" count "$(awk '{print $4}' <<<"$r")" bits
}

# --- one backend ------------------------------------------------------------------
run_backend() {
	local be=$1 r n prev conf_n t0 t1 rep v
	log "backend $be: $rounds rounds, entries ${levels[*]}"
	for r in $(seq "$rounds"); do
		# Baseline and tool runs alternate so that drift hits both alike.
		measure_file "$be" baseline 0 file "$scratch/f/unprot" "$r"
		# Files of other names and places have baselines of their
		# own: the path walk differs by name and directory.
		measure_file "$be" baseline 0 samelen "$scratch/f/audix" "$r"
		measure_file "$be" baseline 0 elsewhere "$scratch/g/elsewhere" "$r"
		spawn_cost "$be" baseline 0 "$r"
		macro "$be" baseline 0 tree "$r"
		[ "$baseline_only" = 1 ] && continue
		# The floor: an empty program on the same hook, no map, no tool.
		if start_null "$be"; then
			measure_file "$be" null 0 file "$scratch/f/unprot" "$r"
			spawn_cost "$be" null 0 "$r"
			stop_null
		else
			log "null program on $be did not attach: $(tail -1 "$scratch/null.err" 2>/dev/null)"
		fi
		start_tool "$be" "$scratch/conf.one" || die "backend $be failed to start"
		record "$be" start conf 1 ready "$r" time "$READY_S" s
		spawn_cost "$be" ig 1 "$r"
		prev=1
		for n in "${levels[@]}"; do
			fill_to "$be" "$prev" "$n" "$r"
			prev=$n
			mem_sample "$be" "$n" "$r"
			[ "$r" = 1 ] && smaps_sample "$be" "$n"
			measure_file "$be" ig "$n" unprot "$scratch/f/unprot" "$r"
			measure_file "$be" ig "$n" elsewhere "$scratch/g/elsewhere" "$r"
			measure_file "$be" ig "$n" audit "$scratch/f/audit" "$r"
		done
		measure_file "$be" ig "$prev" samelen "$scratch/f/audix" "$r"
		macro "$be" ig "$prev" tree "$r"
		# Remove the synthetic keys in case the tool keeps its pinned map across runs.
		[ "$prev" -gt 1 ] && "$BB/mapfill" -p "$PIN" -s "$r" "${keep_clear[@]}" delete $((prev - 1)) >/dev/null
		stop_tool
		record "$be" events ig "$prev" audit "$r" lines "$EVENTS" count
		[ "$EVENTS" -gt 0 ] || log "warning: no audit events in round $r: was $scratch/f/audit protected?"
		# Subject rules are judged only once an inode matched: the
		# unprotected file must cost what it costs without them.
		start_tool "$be" "$scratch/conf.allow" || die "backend $be failed to start with allow rules"
		# Spawns first, as with the one-entry policy: after the audit
		# file's opens the daemon still formats their events, and on one
		# CPU that backlog would be timed as spawn cost.
		spawn_cost "$be" ig_allow 2 "$r"
		measure_file "$be" ig_allow 2 unprot "$scratch/f/unprot" "$r"
		measure_file "$be" ig_allow 2 granted "$scratch/f/audit" "$r"
		measure_file "$be" ig_allow 2 audit "$scratch/f/audit-other" "$r"
		stop_tool
		record "$be" events ig_allow 2 audit "$r" lines "$EVENTS" count
		[ "$EVENTS" -gt 0 ] || log "warning: no audit events with allow rules in round $r: was $scratch/f/audit-other protected?"
		# The walk's cost: the deep file without the tool, then with 1,000 trees.
		record "$be" open_deep baseline 0 deep "$r" ns_per_op \
			"$("$BB/open_close" -n "$iters" -r "$reps" -w "$warm" -u "$uid" -C "$cpu" "$deep/f" | median)" ns
		start_tool "$be" "$scratch/conf.trees" || die "backend $be failed to start with 1,000 trees"
		record "$be" open_deep ig_trees 1000 deep "$r" ns_per_op \
			"$("$BB/open_close" -n "$iters" -r "$reps" -w "$warm" -u "$uid" -C "$cpu" "$deep/f" | median)" ns
		stop_tool
		if [ "$have_tar" = 1 ]; then
			start_tool "$be" "$scratch/conf.tree" || die "backend $be failed to start with the tree config"
			macro "$be" ig_tree_audit "$(grep -c . "$scratch/conf.tree")" tree "$r"
			stop_tool
			record "$be" events ig_tree_audit 0 tree "$r" lines "$EVENTS" count
		fi
	done
	[ "$baseline_only" = 1 ] && return 0

	log "backend $be: per-program cost (kernel.bpf_stats_enabled) at $max_level entries"
	start_tool "$be" "$scratch/conf.one" || die "backend $be failed to start"
	fill_to "$be" 1 "$max_level" 0
	stats_orig=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	[ -n "$(prog_stats)" ] || log "warning: no BPF programs found behind the daemon's fds"
	# The empty program runs beside the tool's on the same hook: its
	# run_ns is what the statistics report for doing nothing.
	start_null "$be" || log "null program on $be did not attach: $(tail -1 "$scratch/null.err" 2>/dev/null)"
	for rep in 1 2 3; do prog_cost "$be" "$max_level" "$rep"; done
	stop_null
	echo "$stats_orig" >/proc/sys/kernel/bpf_stats_enabled
	stats_orig=''
	attach_points | while read -r id name d; do record "$be" attach ig "$max_level" "$name" 1 point "$d" text; done
	"$BB/mapfill" -p "$PIN" -s 0 "${keep_clear[@]}" delete $((max_level - 1)) >/dev/null
	log "backend $be: batched map fill of $max_level entries"
	for rep in $(seq "$fill_reps"); do
		v=$("$BB/mapfill" -p "$PIN" -s 7 add "$max_level")
		record "$be" fill_total "$(awk '{print $3}' <<<"$v")" "$max_level" all "$rep" time "$(awk '{printf "%.4f", $1 / 1e9}' <<<"$v")" s
		mem_sample "$be" "$max_level" "$rep" fill_total
		v=$("$BB/mapfill" -p "$PIN" -s 7 delete "$max_level")
		record "$be" fill_total delete "$max_level" all "$rep" time "$(awk '{printf "%.4f", $1 / 1e9}' <<<"$v")" s
	done
	stop_tool

	if [ "$scale" -gt 0 ]; then
		log "backend $be: tool loading $scale real files from a config"
		if [ ! -e "$scratch/conf.scale" ]; then
			mkdir -p "$scratch/scale"
			"$BB/mkfiles" "$scratch/scale" "$scale" "$scratch/conf.scale.tmp"
			mv "$scratch/conf.scale.tmp" "$scratch/conf.scale"
		fi
		conf_n=$scale
		for rep in $(seq "$scale_reps"); do
			# The floor for any loader that resolves each path: open+close of every file.
			v=$("$BB/syscalls" openlist "$scratch/conf.scale")
			record "$be" load openlist "$conf_n" files "$rep" time "$(awk '{printf "%.4f", $1 / 1e9}' <<<"$v")" s
			# What any system call costs here, with no tool running: a
			# loader that makes one per file pays it a million times.
			record "$be" load syscall "$conf_n" getppid "$rep" ns_per_op \
				"$("$BB/syscalls" -n "$iters" -r "$reps" -w "$warm" -u "$uid" -C "$cpu" getppid - | median)" ns
			# With --old-tool, both binaries each rep, in turns, so
			# neither always meets the host's quieter moments.
			if [ -n "$old_tool" ] && [ $((rep % 2)) = 0 ]; then
				scale_load "$be" "$rep" "$old_tool" conf_old load_old || break
			fi
			scale_load "$be" "$rep" "$IG" conf load || break
			if [ -n "$old_tool" ] && [ $((rep % 2)) = 1 ]; then
				scale_load "$be" "$rep" "$old_tool" conf_old load_old || break
			fi
		done
	fi
}

# scale_load BACKEND ROUND BINARY CONFIG MEMCONFIG: one load of the scale
# config by BINARY to ready, recorded as CONFIG (time) and MEMCONFIG (memory);
# fails after recording a timeout.
scale_load() {
	local t0=$capacity rc=0 ig=$IG
	IG=$3
	capacity=$((conf_n + 1024 > 65536 ? conf_n + 1024 : 65536))
	READY_TIMEOUT=$load_timeout
	start_tool "$1" "$scratch/conf.scale" || rc=$?
	READY_TIMEOUT=900
	capacity=$t0
	IG=$ig
	if [ "$rc" = 2 ]; then
		# Slowness is a result to report, not a failure to run.
		record "$1" load "$4" "$conf_n" ready "$2" timeout ">$load_timeout s" text
		return 1
	fi
	[ "$rc" = 0 ] || die "backend $1 failed to load $conf_n files with $3"
	record "$1" load "$4" "$conf_n" ready "$2" time "$READY_S" s
	mem_sample "$1" "$conf_n" "$2" "$5"
	stop_tool
}

# --- main ---------------------------------------------------------------------------
if [ "${#backends[@]}" = 0 ]; then
	if [ "$baseline_only" = 1 ]; then
		backends=(none)
	else
		# Probe: a backend the tool cannot start here is recorded, not fatal.
		for b in lsm fmodret tracepoint; do
			if start_tool "$b" "$scratch/conf.one" 2>"$scratch/probe.err"; then
				stop_tool
				backends+=("$b")
			else
				record "$b" env probe 0 - 1 available "no: $(tail -1 "$scratch/tool.err" 2>/dev/null)" text
				log "backend $b unavailable here: $(tail -1 "$scratch/tool.err" 2>/dev/null)"
			fi
		done
		[ "${#backends[@]}" -gt 0 ] || die "no backend could start"
	fi
fi
record env env kernel 0 - 1 uname "$(uname -r)" text
record env env cpus 0 - 1 nproc "$(nproc)" count
# The exec watcher scans the new image's environment, which spawn passes on.
record env env environ 0 - 1 bytes "$(env | wc -c)" bytes
record env env lsm 0 - 1 list "$(cat /sys/kernel/security/lsm 2>/dev/null || echo unknown)" text
[ -r /sys/kernel/btf/vmlinux ] && record env env btf 0 - 1 bytes "$(wc -c </sys/kernel/btf/vmlinux)" bytes
record env env host 0 - 1 cpu_model "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" text
t_start=$(now_ns)
for b in "${backends[@]}"; do
	run_backend "$b"
	record "$b" env probe 0 - 1 available yes text
done

summarize "$out"

if [ "$within" = 1 ]; then
	# Emulated time is meaningless in absolute terms: keep ratios, counts, bytes, text.
	awk -F'\t' '/^#/ || $1 == "backend" || ($9 != "ns" && $9 != "s")' "$out" >"$scratch/wb"
	sed -i '1s/$/ (within-boot: absolute times removed)/' "$scratch/wb"
	cp "$scratch/wb" "$out"
fi
log "done in $(( ($(now_ns) - t_start) / 1000000000 )) s; results in $out"
awk -F'\t' '$6 == "median" && $7 == "ratio" {printf "bench: %-10s %-10s %-14s %8s %-6s ratio %s\n", $1, $2, $3, $4, $5, $8}' "$out" >&2

if [ "$report" = 1 ] && [ "$within" = 0 ] && [ "$baseline_only" = 0 ]; then
	if ! command -v python3 >/dev/null; then
		log "python3 missing: report not generated"
	else
		# A preview beside the results; the tracked docs change only by make docs.
		vm_tsvs=()
		[ "$smoke" = 1 ] || vm_tsvs=("$BB"/vm/*.tsv)
		[ -e "${vm_tsvs[0]:-}" ] || vm_tsvs=()
		python3 "$ROOT/bench/report.py" --md "$(dirname "$out")/performance.md" \
			--png "$(dirname "$out")/perf-open.png" "$out" "${vm_tsvs[@]}"
	fi
fi
