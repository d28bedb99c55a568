#!/usr/bin/env bash
# The classic experiment, inode-keyed: /tmp/secret.txt at deny and
# /tmp/ultra_secret.txt at kill until Ctrl+C. Installs and builds first
# unless called from `make demo` (--no-build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "scripts/demo.sh: run it as root (sudo): loading BPF programs needs CAP_BPF and CAP_PERFMON" >&2
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
Both files are world-readable; only inodeguard stands in the way. From another
shell, as a non-root user (root is exempt, as in the classic experiment), try:
    cat /tmp/secret.txt          # Permission denied (lsm, fmodret) or Killed (tracepoint)
    cat /tmp/ultra_secret.txt    # Killed
    ln -s /tmp/secret.txt ~/alias; cat ~/alias      # an alias reaches the same verdict
    cd /tmp && cat ./../tmp/secret.txt
    sudo -u nobody cat /tmp/secret.txt             # if you only have a root shell
Events appear below. Ctrl+C stops it and the files are readable again.
MSG
exec build/inodeguard run --deny /tmp/secret.txt --kill /tmp/ultra_secret.txt
