#!/usr/bin/env bash
# A suite against the SAN=1 build (build-san/): the unit tests (unit) or
# the host integration suite on the tracepoint backend (host). Every
# sanitizer report goes to a log file rather than the commands' stderr,
# which the suites compare line by line; any report fails the run, with
# one more failed test in the closing count.
# Usage: tests/san.sh unit|host
set -u
cd "$(dirname "$0")/.."
SAN_OUT=${SAN_OUT:-build-san}
logs=$(mktemp -d /tmp/ig-san.XXXXXX)
# The daemon writes here after dropping its capabilities: as uid 0 it
# still owns the directory.
chmod 0755 "$logs"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$logs/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

case ${1:-} in
unit) suite=("$SAN_OUT/unit_tests") ;;
host) suite=(env IG="$PWD/$SAN_OUT/inodeguard" IG_TESTBIN="$PWD/$SAN_OUT/tests"
	bash tests/integration.sh --backend tracepoint) ;;
*) echo "usage: $0 unit|host" >&2; exit 2 ;;
esac
out=$(mktemp /tmp/ig-san-out.XXXXXX)
"${suite[@]}" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
count=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
rm -f "$out"

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
	for r in $reports; do
		echo "== sanitizer report $r:"
		sed -n '1,40p' "$r"
	done
	echo "sanitizers: $(wc -l <<<"$reports") report(s); kept in $logs"
	read -r p _ f _ s _ <<<"${count:-0 passed, 0 failed, 0 skipped}"
	echo "$p passed, $((${f%,} + 1)) failed, ${s:-0} skipped"
	exit 1
fi
rm -rf "$logs"
exit "$rc"
