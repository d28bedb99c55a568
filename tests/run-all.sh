#!/usr/bin/env bash
# Every suite, with one closing count: unit tests, then the kernel matrix
# (the host's tracepoint cell and the QEMU cells, each running the
# integration suite, the bypass catalogue, the allow-rule and fail-closed
# suites, and in the host and the 6.12 lsm cell the stress suite too), then
# the unit tests and the host integration suite built with ASan+UBSan (any
# report fails), the service suite (the systemd unit and the Debian
# package) and the benchmark smoke run, with the fuzz targets' smoke run
# beside them.
set -u
cd "$(dirname "$0")/.."

total_pass=0 total_fail=0 total_skip=0
# Each failure's line, repeated above the closing count: CI keeps only the
# end of this output, and the matrix's reasons are printed long before it.
RECAP=$(mktemp)
trap 'rm -f "$RECAP"' EXIT

# recap PART LOG: the lines of LOG that say what failed and why.
recap() {
	grep -E '^ *#[0-9]+ [^:]+:FAIL|^  [A-Za-z0-9.-]+: |counted as 1 failed' "$2" |
		head -n 20 | cut -c 1-300 | sed "s/^ */$1: /" >>"$RECAP" || true
}

# run_part NAME CMD...: runs CMD, echoes its output, adds its closing count.
run_part() {
	local name=$1 log line p f s rc t0=$SECONDS
	shift
	log=$(mktemp)
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# What each part costs, for keeping the whole run under its budget.
	echo "== $name: $((SECONDS - t0)) s"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	recap "$name" "$log"
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "== $name: no closing count (exit $rc): counted as 1 failed"
		echo "$name: no closing count (exit $rc)" >>"$RECAP"
		total_fail=$((total_fail + 1))
		return
	fi
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + ${s:-0}))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "== $name: exited $rc with no failed test: counted as 1 failed"
		echo "$name: exited $rc with no failed test" >>"$RECAP"
		total_fail=$((total_fail + 1))
	fi
}

# The benchmark is no timed test: smoke mode only proves it still runs
# end to end and writes its results.
bench_smoke() {
	if make -s bench-smoke && [ -s build/bench/smoke/results.tsv ]; then
		echo "1 passed, 0 failed, 0 skipped"
	else
		echo "0 passed, 1 failed, 0 skipped"
		return 1
	fi
}

# The sanitizer build's host suite needs the host's BPF to itself, as the
# matrix's host cell does; it runs in that cell's slot right after it,
# beside the last guest, and its log is shown here after the matrix. When
# the matrix ran no host cell, it runs now.
SAN_HOST=build/vm-logs/host-after.log
san_host() {
	if [ -f "$SAN_HOST.rc" ]; then
		echo "(ran in the matrix's host slot, beside the last guest)"
		cat "$SAN_HOST"
		return "$(cat "$SAN_HOST.rc")"
	fi
	make -s SAN=1 test-host
}

run_part unit build/unit_tests
run_part "kernel matrix (host and QEMU guests)" bash tests/vm/run-matrix.sh \
	--host-after "make -s SAN=1 test-host"
run_part "sanitizers: unit tests (SAN=1)" make -s SAN=1 test-unit
run_part "sanitizers: host integration, tracepoint (SAN=1)" san_host
# The fuzz smoke lasts its seconds of wall time whatever else runs, so the
# service suite and the benchmark smoke run beside it, the fuzzers niced
# below them; its log is shown after theirs.
FUZZ_LOG=build/fuzz-smoke.log
rm -f "$FUZZ_LOG" "$FUZZ_LOG.rc"
mkdir -p build
(
	rc=0
	nice -n 10 make -s fuzz-smoke FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >"$FUZZ_LOG" 2>&1 || rc=$?
	echo "$rc" >"$FUZZ_LOG.rc"
) &
fuzz_job=$!
fuzz_smoke() {
	echo "(ran beside the service suite and the benchmark smoke)"
	cat "$FUZZ_LOG"
	return "$(cat "$FUZZ_LOG.rc" 2>/dev/null || echo 1)"
}

run_part "service: unit and Debian package (host)" bash tests/service.sh
run_part "bench smoke" bench_smoke
# Here, not in fuzz_smoke: run_part runs it in a pipeline's subshell.
wait "$fuzz_job"
run_part "fuzz smoke (${FUZZ_SECONDS:-60}s per target)" fuzz_smoke

if [ -s "$RECAP" ]; then
	echo "== what failed"
	cat "$RECAP"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
