#!/usr/bin/env bash
# The classic experiment, inode-keyed: /tmp/secret.txt at deny and
# /tmp/ultra_secret.txt at kill until Ctrl+C. Installs and builds first
# unless called from `make demo` (--no-build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "scripts/demo.sh: run it as root: loading BPF programs needs CAP_BPF and CAP_PERFMON" >&2
	exit 1
fi
if [ "${1:-}" != --no-build ]; then
	bash scripts/install-deps.sh build
	make -s all
fi
for f in /tmp/secret.txt /tmp/ultra_secret.txt; do
	[ -e "$f" ] || echo "the content of $f" >"$f"
	chmod 0644 "$f"
done
cat <<'MSG'
inodeguard demo: protecting /tmp/secret.txt (deny) and /tmp/ultra_secret.txt (kill).
Both files are world-readable; only inodeguard stands in the way. Root is exempt,
as in the classic experiment, so from another shell try as another user (from a
root shell, runuser or setpriv, both in util-linux, make you one):
    runuser -u nobody -- cat /tmp/secret.txt        # Permission denied (lsm, fmodret) or Killed (tracepoint)
    runuser -u nobody -- cat /tmp/ultra_secret.txt  # Killed
    ln -sf /tmp/secret.txt /tmp/alias; runuser -u nobody -- cat /tmp/alias   # an alias, the same verdict
    setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'cd /tmp && cat ./../tmp/secret.txt'
As a non-root user, plain `cat /tmp/secret.txt` does the same.
Events appear below. Ctrl+C stops it and the files are readable again.
MSG
exec build/inodeguard run --deny /tmp/secret.txt --kill /tmp/ultra_secret.txt
