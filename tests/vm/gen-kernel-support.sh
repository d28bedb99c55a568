#!/usr/bin/env bash
# Writes docs/kernel-support.md from the results of the last matrix run
# (make docs calls it). Refuses results that do not describe every cell.
# Usage: tests/vm/gen-kernel-support.sh [RESULTS.tsv] [OUT.md]
# RESULTS is the file tests/vm/run-matrix.sh writes: "# key=value" lines,
# then a tab-separated table with a header row.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RESULTS=${1:-$ROOT/build/vm-results.tsv}
OUT=${2:-$ROOT/docs/kernel-support.md}
LOGDIR=$(dirname "$RESULTS")/vm-logs

fail() { echo "gen-kernel-support: $*" >&2; exit 1; }

[ -f "$RESULTS" ] || fail "no $RESULTS (run make test-vm, then make docs)"

meta() { sed -n "s/^# $1=//p" "$RESULTS" | head -n1; }

# Only a run of every cell with the real guest script describes the kernels.
check_complete() {
	local scope cell reason
	[ "$(meta mode)" = real ] || fail "$RESULTS is from a stand-in guest script; run make test-vm"
	scope=$(meta scope)
	[ "$scope" = full ] || fail "$RESULTS is from a ${scope:-partial} run; run make test-vm"
	while IFS=$'\t' read -r cell reason; do
		case $reason in
		"matrix skipped"* | "kernel "*) fail "cell $cell did not run in $RESULTS ($reason)" ;;
		esac
	done < <(rows | cut -f1,12)
	return 0
}

# Levels each backend enforces. Keep in sync with the backends' design:
# tracepoint acts after the syscall, so it can only audit or kill.
levels_of() {
	case "$1" in
	lsm | fmodret) echo "audit, deny, kill" ;;
	tracepoint) echo "audit, kill (deny is enforced as kill: SIGKILL after the syscall)" ;;
	*) echo "-" ;;
	esac
}

rows() { grep -v '^#' "$RESULTS" | tail -n +2; }

table() {
	local cell kernel app exp sel p f s boot wall st reason lsm _
	echo "| cell | kernel (package version) | boot options | active LSMs | backend forced in suites | auto-selected | passed | failed | skipped | boot s | wall s | result |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	while IFS=$'\t' read -r cell kernel app exp sel p f s boot wall st reason lsm _; do
		if [ "$app" = - ]; then app="(default)"; else app="\`$app\`"; fi
		[ "$reason" = - ] || st="$st: $reason"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
			"$cell" "$kernel" "$app" "$lsm" "$exp" "$sel" "$p" "$f" "$s" "$boot" "$wall" "$st"
	done < <(rows)
}

backends() {
	local b
	echo "| backend | levels honoured | proven on |"
	echo "|---|---|---|"
	for b in lsm fmodret tracepoint; do
		printf '| %s | %s | %s |\n' "$b" "$(levels_of "$b")" \
			"$(rows | awk -F'\t' -v b="$b" '$4 == b && $11 == "passed" {printf "%s%s", sep, $1; sep=", "}
				END {if (!sep) printf "none in this run"}')"
	done
}

# Each failed test with its reason, from the cell logs when they are there.
failures() {
	local cell names log n=0 line
	while IFS=$'\t' read -r cell names; do
		if [ "$names" = - ] || [ -z "$names" ]; then continue; fi
		log=$LOGDIR/$cell.log
		if [ -f "$log" ] && grep -qE '^#[0-9]+ [^:]+:FAIL' "$log"; then
			while IFS= read -r line; do
				# shellcheck disable=SC2016 # the backquotes are Markdown
				printf -- '- %s: `%s`\n' "$cell" "${line:0:160}"
			done < <(grep -E '^#[0-9]+ [^:]+:FAIL' "$log" | sed 's/^#[0-9]* //')
		else
			printf -- '- %s: %s\n' "$cell" "$names"
		fi
		n=$((n + 1))
	done < <(rows | cut -f1,14)
	[ "$n" -gt 0 ] || echo "None."
}

# The tests registered with REGISTRAR in the suites, as ": a, b, c".
registered_with() { # REGISTRAR
	local names
	names=$(sed -n "s/^$1 \([^ ]*\) .*/\1/p" "$ROOT"/tests/*.sh | paste -sd, | sed 's/,/, /g')
	[ -n "$names" ] && printf ': %s' "$names"
}

# Which suites each cell ran, from the suites' own begin lines in its log.
suites() {
	local cell log ran
	echo "| cell | suites run |"
	echo "|---|---|"
	while IFS= read -r cell; do
		log=$LOGDIR/$cell.log
		ran=$(sed -n 's|^IG-SUITE begin tests/\([a-z0-9_-]*\)\.sh.*|\1|p' "$log" 2>/dev/null | paste -sd, - | sed 's/,/, /g')
		printf '| %s | %s |\n' "$cell" "${ran:-(no log)}"
	done < <(rows | cut -f1)
}

# What one run of the matrix costs, from the run's own clock.
cost() {
	local sum
	sum=$(rows | awk -F'\t' '$1 != "host" && $10 ~ /^[0-9]+$/ {s += $10} END {print s + 0}')
	cat <<EOF
The whole run took $(meta total_s) s on $(meta host_cpus) host CPUs: $(meta jobs) guests at a
time with $(meta cpus) CPU(s) each, accelerator $(meta accel); the host cell takes one of
those places, beside the last guest, and in CI the sanitizer build's host suite
follows it in the same place (\`run-matrix.sh --host-after\`), so it too runs beside the
last guest. The guest cells' wall times add up to $sum s;
the total also holds any kernel download (CI fetches the kernels beforehand, beside the
builds). A cell's \`boot s\` is its wall time minus
the time spent inside the guest script. In CI the matrix is most of the run:
\`scripts/test.sh\` on a clean clone adds the builds, the sanitizer unit tests, the
service suite, the benchmark smoke and the fuzz smoke (README, Quick start).
EOF
}

totals() {
	rows | awk -F'\t' '{p += $6; f += $7; s += $8} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}'
}

check_complete
{
	cat <<EOF
# Kernel support

Generated by \`make docs\` (\`tests/vm/gen-kernel-support.sh\`) from the
results of the last \`make test-vm\` run ($(meta date), $(meta mode) guest
script, accelerator $(meta accel)). Do not edit by hand: run \`make test-vm\`,
then \`make docs\`.

Each VM cell boots a Debian kernel once under QEMU (virtme-ng) and runs
\`tests/vm/guest.sh EXPECTED\`: the suites with \`--backend EXPECTED\`, a
check that \`inodeguard run\` without \`--backend\` selects EXPECTED, and
the report of \`inodeguard -j check\` (the one the integration suite's
\`check-reports-kernel\` test got, as \`check\` takes about 16 s in a
guest). The host cell runs the same script natively on
the host kernel ($(meta host)), where only the tracepoint backend can load.
The \`nobpf\` cells boot with an LSM list without \`bpf\`, as Ubuntu does: BPF
LSM programs would attach there but never run, so the tool must pick fmodret.
The 5.10 cells take the newest kernel of bullseye and the 7.x cells the newest
of trixie-backports, both through a private apt state. Debian's 5.10 boots
without \`bpf\` in its LSM list, so the \`5.10-lsm\` cell names it
(\`lsm=lockdown,yama,apparmor,bpf\`). 5.10 runs the legacy BPF build (see
docs/design.md): the same protections, without the filter's inode bits, with a
shorter environment scan at exec, and with lsm open events that carry no
kernel path. Its 9p transport is slower (a small msize). On every kernel a
release (a clean exit, SIGTERM, \`stop\`) leaves the detach to a work item in
the kernel, seconds later; the programs allow everything from the release on,
and the release tests read once, right after it. \`make test-vm-5.10\` runs
the two 5.10 cells alone.

## Results

$(table)

Total: $(totals)

Failed tests:

$(failures)

## Suites by cell

Every suite runs on the host and in each kernel's lsm cell. To keep CI
within its time on two cores, each fmodret (\`nobpf\`) cell runs the
integration suite and the bypass catalogue, whose verdicts depend on the
hook type; the allow-rule, fail-closed and stress suites exercise code that
is the same on both hook types (\`tests/vm/run-matrix.sh\`, \`cell_suites\`).
The seal suite runs last in the two 6.12 cells, with and without \`bpf\` in
the LSM list: \`run --seal\` lasts until reboot, so nothing may follow it in
that boot (the check that auto-selection picks the backend runs before it),
and its last test sends every process an init's shutdown signals; the
runner then adds \`sealed-guest-powers-off\`, whether QEMU exited after the
guest's last line (virtme-ng's init powers the guest off) rather than at
the cell's timeout.
Within a suite, the tests of user space alone (error texts, JSON shapes,
refusals before anything loads: \`t_register_userspace\` in the suites) run
on the host and under the sanitizers, not in the guests: no kernel can
change their outcome$(registered_with t_register_userspace). The tests of
what the kernel decides but the hook type does not (how each filesystem
encodes its file handles, how large a map the kernel takes:
\`t_register_per_kernel\`) run on the host and in each kernel's lsm cell,
not again in its fmodret cell$(registered_with t_register_per_kernel).

$(suites)

## Time

$(cost)

## Backends and levels

$(backends)

Logs of each cell: \`build/vm-logs/CELL.log\`.
EOF
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "gen-kernel-support: wrote $OUT from $RESULTS"
