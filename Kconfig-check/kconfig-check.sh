#!/bin/bash
# kconfig-check.sh: reports which kernel config options each inodeguard backend misses.
#
# Usage: kconfig-check.sh [--backend B] [CONFIG_FILE]
#   B: common, lsm, fmodret, tracepoint or kprobe-override
#   CONFIG_FILE: a kernel .config, plain or gzip-compressed. Without it the
#   running kernel's /proc/config.gz is read, else /boot/config-$(uname -r).
# Exit: 0 if the requested backend (or, without --backend, at least one
# enforcing backend: lsm, fmodret, tracepoint) has everything it needs;
# 1 if not; 2 if no config can be found or the arguments are wrong.
#
# The requirements live in requirements.tsv next to this script; the
# inodeguard binary embeds the same file, so both always agree.

set -u

here=$(cd "$(dirname "$0")" && pwd)
req="$here/requirements.tsv"
backend=""
config=""

usage() {
	echo "usage: $0 [--backend common|lsm|fmodret|tracepoint|kprobe-override] [CONFIG_FILE]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--backend)
		[ $# -ge 2 ] || usage
		backend=$2
		shift 2
		;;
	--backend=*)
		backend=${1#--backend=}
		shift
		;;
	-h|--help)
		usage
		;;
	-*)
		usage
		;;
	*)
		[ -z "$config" ] || usage
		config=$1
		shift
		;;
	esac
done

if [ ! -r "$req" ]; then
	echo "error: cannot read $req" >&2
	exit 2
fi

if [ -n "$backend" ] &&
   ! awk -F'\t' -v b="$backend" '!/^#/ && $1 == b { found = 1 } END { exit !found }' "$req"; then
	echo "error: unknown backend '$backend'" >&2
	usage
fi

# Same search order as src/kconfig.c: kconfig__load().
if [ -z "$config" ]; then
	if [ -r /proc/config.gz ]; then
		config=/proc/config.gz
	elif [ -r "/boot/config-$(uname -r)" ]; then
		config="/boot/config-$(uname -r)"
	else
		echo "error: no kernel config found: /proc/config.gz is absent (CONFIG_IKCONFIG_PROC)" \
		     "and /boot/config-$(uname -r) does not exist; pass a config file" >&2
		exit 2
	fi
fi
if [ ! -r "$config" ]; then
	echo "error: cannot read $config" >&2
	exit 2
fi

# gzip -dc would reject a plain file, so sniff the gzip magic bytes instead of
# trusting the file name.
read_config() {
	if [ "$(od -An -tx1 -N2 "$1" 2>/dev/null | tr -d ' \n')" = "1f8b" ]; then
		gzip -dc "$1"
	else
		cat "$1"
	fi
}

echo "config: $config"

read_config "$config" | awk -F'\t' -v want_backend="$backend" '
	# Pass 1: the requirements table.
	FNR == NR {
		if ($0 ~ /^[ \t]*#/ || $0 ~ /^[ \t]*$/ || NF < 4)
			next
		n++
		rb[n] = $1; rname[n] = $2; rwant[n] = $3; rwhy[n] = $4
		if (!($1 in seen)) {
			seen[$1] = 1
			order[++nb] = $1
		}
		next
	}
	# Pass 2: the kernel config, "CONFIG_X=v" or "# CONFIG_X is not set".
	/^CONFIG_[A-Za-z0-9_]+=/ {
		eq = index($0, "=")
		val[substr($0, 1, eq - 1)] = substr($0, eq + 1)
	}
	function accepted(have, want,    parts, k, i) {
		k = split(want, parts, "|")
		for (i = 1; i <= k; i++)
			if (have == parts[i])
				return 1
		return 0
	}
	function check(b,    i, have, cnt) {
		cnt = 0
		out = ""
		for (i = 1; i <= n; i++) {
			if (rb[i] != b)
				continue
			have = (rname[i] in val) ? val[rname[i]] : "n"
			if (accepted(have, rwant[i]))
				continue
			cnt++
			out = out sprintf("    %s=%s, want %s: %s\n", rname[i], have, rwant[i], rwhy[i])
		}
		return cnt
	}
	END {
		common_missing = check("common")
		common_out = out
		if (common_missing == 0)
			print "common: OK"
		else {
			printf "common: %d missing (every backend needs these)\n", common_missing
			printf "%s", common_out
		}
		usable = ""
		for (j = 1; j <= nb; j++) {
			b = order[j]
			if (b == "common" || (want_backend != "" && want_backend != "common" && b != want_backend))
				continue
			if (want_backend == "common")
				continue
			m = check(b)
			info = (b == "kprobe-override") ? " (informational, not a backend)" : ""
			if (m == 0 && common_missing == 0) {
				ok[b] = 1
				printf "%s: OK%s\n", b, info
				if (info == "")
					usable = usable " " b
			} else if (m == 0) {
				printf "%s: own options OK, but common options are missing%s\n", b, info
			} else {
				printf "%s: %d missing%s\n", b, m, info
				printf "%s", out
			}
		}
		if (want_backend == "common")
			exit common_missing != 0
		if (want_backend != "")
			exit !(want_backend in ok)
		if (usable == "") {
			print "usable backends: none"
			exit 1
		}
		print "usable backends:" usable
		exit 0
	}
' "$req" -
