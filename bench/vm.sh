#!/usr/bin/env bash
# Runs the benchmark inside QEMU guests, one boot per backend (lsm and
# tracepoint on the default Debian 6.12 list, fmodret with bpf left out of
# the LSM list; IG_BENCH_VM_BACKENDS picks a subset), in
# within-boot mode: only ratios measured in that boot are kept, since
# absolute times under software emulation mean nothing. The guests run with
# QEMU's instruction counting as their clock, which makes those ratios
# deterministic. Each guest prints
# its TSV between markers; this script saves it as build/bench/vm/B.tsv,
# where bench/report.py picks it up. Needs a kernel fetched by the matrix
# (make test-vm), and writes nothing if it cannot boot one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench/vm
ENV=$ROOT/build/kernels/6.12.env
TIMEOUT=${IG_BENCH_VM_TIMEOUT:-3600}

log() { printf 'bench-vm: %s\n' "$*" >&2; }

[ -f "$ENV" ] || { log "no kernel in build/kernels (run make test-vm once): skipped"; exit 0; }
command -v vng >/dev/null || { log "vng missing (scripts/install-deps.sh vm): skipped"; exit 0; }
# shellcheck disable=SC1090
. "$ENV"
mkdir -p "$OUT"

# The guest sees the host's root read-only: results travel back on stdout.
guest_cmd() {
	local b=$1
	printf '%s' "cd $ROOT && mount -t bpf bpf /sys/fs/bpf 2>/dev/null; mount -t securityfs s /sys/kernel/security 2>/dev/null; mount -t tracefs t /sys/kernel/tracing 2>/dev/null; bash bench/run.sh --backend $b --within-boot --rounds ${IG_BENCH_VM_ROUNDS:-3} --sizes ${IG_BENCH_VM_SIZES:-1,1000,100000,1000000} --tree /usr/include/linux --out /run/bench-$b.tsv --no-report >/dev/null; echo IG-BENCH-BEGIN; cat /run/bench-$b.tsv; echo IG-BENCH-END"
}

run_backend() {
	local b=$1 append=$2 log=$OUT/$1.log
	# -icount shift=0: the guest clock advances 1 ns per emulated
	# instruction, so time inside the guest no longer depends on how busy
	# the host is (plain emulation moved single ratios by a factor of two);
	# ratios become ratios of executed instructions. icount needs a
	# single vCPU.
	local -a args=(--run "$VMLINUZ" --force-9p --memory 2G --cpus 1 --disable-kvm
		--qemu-opts='-icount shift=0')
	[ -n "$append" ] && args+=(--append "$append")
	log "$b: booting $KVER${append:+ ($append)}"
	timeout -k 10 "$TIMEOUT" vng "${args[@]}" --exec "$(guest_cmd "$b")" 2>&1 | cat >"$log" || true
	if grep -q '^IG-BENCH-END' "$log"; then
		sed -n '/^IG-BENCH-BEGIN/,/^IG-BENCH-END/p' "$log" | sed '1d;$d' >"$OUT/$b.tsv"
		log "$b: results in ${OUT#"$ROOT"/}/$b.tsv"
	else
		log "$b: no results (see ${log#"$ROOT"/})"
	fi
}

# The tracepoint backend runs on the host too; its guest rows put all three
# backends on the same kernel and the same instruction-counting clock.
for b in ${IG_BENCH_VM_BACKENDS:-lsm fmodret tracepoint}; do
	case $b in
	lsm | tracepoint) run_backend "$b" "" & ;;
	fmodret) run_backend fmodret "lsm=landlock,lockdown,yama,apparmor" & ;;
	*) log "unknown backend $b" ;;
	esac
done
wait
