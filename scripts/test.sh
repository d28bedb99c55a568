#!/usr/bin/env bash
# The one test command for a fresh Debian 12 machine: installs what the
# build and the tests need, builds, and runs every suite (`make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "scripts/test.sh: run it as root: the tests load BPF programs and boot kernels" >&2
	exit 1
fi
bash scripts/install-deps.sh all
# The kernels download while the builds use the CPUs; the matrix then
# finds them in build/kernels.
mkdir -p build
bash tests/vm/run-matrix.sh --no-deps --kernels-only >build/kernels-fetch.log 2>&1 &
fetch=$!
make -s all build/unit_tests tests-helpers bench-bins
make -s SAN=1 all build-san/unit_tests tests-helpers
make -s fuzz-bins
# The host's suites need its BPF to themselves. An instance whose daemon
# is gone (killed with -9, or crashed: its protection stays pinned, by
# design) would fail every one of them; end it, saying so. A running
# daemon is someone's: the host cell waits for it, and names it if it must
# fail.
if build/inodeguard list >/dev/null 2>&1 && ! pgrep -x inodeguard >/dev/null; then
	echo "scripts/test.sh: ending the inodeguard instance that a daemon now gone left pinned (the tests need this host's BPF to themselves):" >&2
	build/inodeguard list >&2 || true
	{ build/inodeguard stop 2>&1 || echo "scripts/test.sh: it could not be ended; the host's suites will fail"; } |
		tail -n 1 >&2
fi
wait "$fetch" || echo "scripts/test.sh: fetching kernels failed (build/kernels-fetch.log); the matrix tries again" >&2
cat build/kernels-fetch.log
exec bash tests/run-all.sh
