#!/usr/bin/env bash
# Runs each fuzz target over its seed corpus for a set number of
# executions (--runs N) or seconds (--seconds N), and prints per target
# the executions and the edge coverage (cov:) libFuzzer reached, then a
# closing count. A crash, leak or sanitizer report fails the target; its
# input is left in build/fuzz/crashes/ to add to the corpus.
# Usage: tests/fuzz/run.sh --runs N | --seconds N TARGET...
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
# Absolute: the targets work in a scratch directory of their own.
OUT=$(realpath -m "${FUZZ_OUT:-build/fuzz}")

case ${1:-} in
--runs) limit=(-runs="$2") ;;
--seconds) limit=(-max_total_time="$2") ;;
*) echo "usage: $0 --runs N | --seconds N TARGET..." >&2; exit 2 ;;
esac
shift 2

pass=0 fail=0 total_runs=0
mkdir -p "$OUT/crashes"

# fuzz_one TARGET: one target over its corpora; its exit code goes to
# $OUT/fuzz_TARGET.rc.
fuzz_one() {
	local t=$1 bin=$OUT/fuzz_$1 log=$OUT/fuzz_$1.log work=$OUT/corpus/$1
	mkdir -p "$work"
	# New inputs go to the build's corpus; the seeds in the tree stay as
	# they are. -close_fd_mask=3: the parsers' error lines are no output.
	"$bin" "${limit[@]}" -close_fd_mask=3 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/crashes/$t-" -print_final_stats=1 \
		"$work" "$ROOT/tests/fuzz/corpus/$t" >"$log" 2>&1
	echo $? >"$OUT/fuzz_$t.rc"
}

# All targets at once: each is one process on one CPU, and --seconds is
# wall time, so the smoke takes as long as one target, not all of them.
for t in "$@"; do
	rm -f "$OUT/fuzz_$t.rc"
	fuzz_one "$t" &
done
wait
for t in "$@"; do
	log=$OUT/fuzz_$t.log
	rc=$(cat "$OUT/fuzz_$t.rc" 2>/dev/null || echo 255)
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
	secs=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -n 1)
	total_runs=$((total_runs + ${runs:-0}))
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		printf '#%d fuzz_%s:OK (%s executions in %ss, cov: %s)\n' $((pass + fail)) "$t" "${runs:-?}" "${secs:-?}" "${cov:-?}"
	else
		fail=$((fail + 1))
		printf '#%d fuzz_%s:FAIL (exit %d after %s executions, cov: %s; see %s)\n' \
			$((pass + fail)) "$t" "$rc" "${runs:-?}" "${cov:-?}" "$log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5
	fi
done
echo "fuzz: $total_runs executions in total"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
