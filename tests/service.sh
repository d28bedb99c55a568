#!/usr/bin/env bash
# The service: the systemd unit (verified, scored, and its ExecStart run
# with exactly its capability bounding set and no_new_privs) and the Debian
# package (built, linted, installed, run, removed and purged), and the
# Kubernetes manifests (read, and their policy parsed). Host only: a guest
# has no systemd and no package tools to spare.
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
parse_suite_args "$@"

UNIT=$IG_ROOT/packaging/inodeguard.service
DEB_VERSION=$(sed -n 's/^VERSION := //p' "$IG_ROOT/Makefile")
DEB=$IG_ROOT/build/deb/inodeguard_${DEB_VERSION}_$(dpkg --print-architecture).deb

# unit_value KEY: the value of KEY= in the unit, as written.
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }

# The unit as make install writes it for the package, under $T_DIR/root.
install_tree() {
	make -s -C "$IG_ROOT" install DESTDIR="$T_DIR/root" PREFIX=/usr \
		UNITDIR=/lib/systemd/system >"$T_DIR/install.log" 2>&1 ||
		fail "make install: $(tail -n 3 "$T_DIR/install.log")"
}

t_unit_verify() {
	local out
	install_tree || return 1
	out=$(systemd-analyze verify --man=no --root="$T_DIR/root" \
		"$T_DIR/root/lib/systemd/system/inodeguard.service" 2>&1) ||
		{ fail "systemd-analyze verify: ${out//$'\n'/ }"; return 1; }
	# It warns about unknown keys and bad values, and still exits 0.
	[ -z "$out" ] || { fail "systemd-analyze verify: ${out//$'\n'/ }"; return 1; }
}
t_register unit_verify t_unit_verify

# The score the README gives is the one systemd-analyze computes.
t_unit_security_score() {
	local got want
	install_tree || return 1
	got=$(systemd-analyze security --offline=yes --root="$T_DIR/root" inodeguard.service 2>&1 |
		sed -n 's/.*Overall exposure level for inodeguard.service: \([0-9.]* [A-Z]*\).*/\1/p')
	want=$(sed -n 's/.*`systemd-analyze security` scores the unit \([0-9.]* [A-Z]*\).*/\1/p' "$IG_ROOT/README.md")
	[ -n "$got" ] || { fail "no score from systemd-analyze security"; return 1; }
	[ "$got" = "$want" ] || { fail "score is $got, README says ${want:-nothing}"; return 1; }
}
t_register unit_security_score t_unit_security_score

# ExecStart as systemd starts it: exactly CapabilityBoundingSet= and
# NoNewPrivileges=, on the host's own /tmp and /home (the unit keeps them
# visible), with the unit's --persist: protection outlives the daemon.
t_unit_start_set() {
	local nnp args wrap tmpd homed rc=0
	read -ra args <<<"$(unit_value ExecStart)"
	[ "${args[0]}" = /usr/sbin/inodeguard ] && [ "${args[1]}" = run ] ||
		{ fail "unexpected ExecStart: ${args[*]}"; return 1; }
	nnp=$(unit_value NoNewPrivileges)
	[ "$nnp" = yes ] || { fail "NoNewPrivileges=$nnp"; return 1; }
	wrap="setpriv --bounding-set=$(unit_bounding_set) --inh-caps=-all --ambient-caps=-all --no-new-privs"
	tmpd=$(mktemp -d /tmp/ig-service.XXXXXX)
	homed=$(mktemp -d /home/ig-service.XXXXXX)
	chmod 0755 "$tmpd" "$homed"
	mk_secret "$tmpd/secret"; mk_secret "$tmpd/neighbour"
	mk_secret "$homed/secret"; mk_secret "$homed/neighbour"
	printf 'deny %s\ndeny %s\n' "$tmpd/secret" "$homed/secret" >"$T_DIR/protected.conf"
	args=("${args[@]:2}")
	args=("${args[@]/\/etc\/inodeguard\/protected.conf/$T_DIR/protected.conf}")
	IG_WRAP=$wrap daemon_up "${args[@]}" || rc=1
	if [ $rc = 0 ]; then
		expect_blocked deny "$tmpd/secret" nobody read "$tmpd/secret" &&
		expect_blocked deny "$homed/secret" nobody read "$homed/secret" &&
		expect_readable "$tmpd/neighbour" nobody read "$tmpd/neighbour" &&
		expect_readable "$homed/neighbour" nobody read "$homed/neighbour" || rc=1
	fi
	# systemctl stop sends SIGTERM: the unit's --persist keeps the policy.
	if [ $rc = 0 ]; then
		kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""
		expect_blocked deny "$homed/secret" nobody read "$homed/secret" || rc=1
	fi
	daemon_down
	"$IG" stop >/dev/null 2>&1
	[ $rc = 0 ] && { expect_readable "$homed/secret" nobody read "$homed/secret" || rc=1; }
	rm -rf "$tmpd" "$homed"
	return $rc
}
t_register unit_start_set t_unit_start_set

t_deb_build_lintian() {
	make -s -C "$IG_ROOT" deb >"$T_DIR/deb.log" 2>&1 ||
		{ fail "make deb: $(tail -n 3 "$T_DIR/deb.log")"; return 1; }
	[ -f "$DEB" ] || { fail "make deb made no ${DEB##*/}"; return 1; }
	lintian --fail-on error "$DEB" >"$T_DIR/lintian.log" 2>&1 ||
		{ fail "lintian: $(grep -m 3 '^E:' "$T_DIR/lintian.log" | tr '\n' ' ')"; return 1; }
}
t_register deb_build_lintian t_deb_build_lintian

# dpkg_state: the package's status word ("installed", "config-files") or "".
dpkg_state() { dpkg-query -W -f='${db:Status-Status}' inodeguard 2>/dev/null; }

t_deb_install_remove() {
	local conf=/etc/inodeguard/protected.conf
	local wants=/etc/systemd/system/sysinit.target.wants/inodeguard.service
	[ -f "$DEB" ] || { skip "no ${DEB##*/} (deb_build_lintian failed)"; return 77; }
	[ -z "$(dpkg_state)" ] || { skip "an inodeguard package is on this machine already"; return 77; }
	[ ! -e /usr/sbin/inodeguard ] || { skip "/usr/sbin/inodeguard exists outside the package"; return 77; }
	dpkg -i "$DEB" >"$T_DIR/dpkg.log" 2>&1 ||
		{ fail "dpkg -i: $(tail -n 2 "$T_DIR/dpkg.log")"; dpkg -P inodeguard >/dev/null 2>&1; return 1; }
	local rc=0
	if ! /usr/sbin/inodeguard check >"$T_DIR/check.out" 2>&1; then
		fail "installed inodeguard check: $(tail -n 1 "$T_DIR/check.out")"; rc=1
	elif [[ $(dpkg-query -W -f='${Conffiles}' inodeguard) != *"$conf"* ]]; then
		fail "$conf is not a conffile"; rc=1
	elif [ ! -f /lib/systemd/system/inodeguard.service ] || [ ! -f /usr/share/man/man8/inodeguard.8.gz ] ||
	     [ ! -f /usr/share/bash-completion/completions/inodeguard ]; then
		fail "unit, man page or completion missing: $(dpkg -L inodeguard | tr '\n' ' ')"; rc=1
	elif [ ! -L "$wants" ]; then
		fail "the package did not enable the unit ($wants)"; rc=1
	fi
	dpkg -r inodeguard >>"$T_DIR/dpkg.log" 2>&1 || { [ $rc = 1 ] || fail "dpkg -r failed"; rc=1; }
	if [ $rc = 0 ]; then
		if [ -e /usr/sbin/inodeguard ] || [ "$(dpkg_state)" != config-files ] || [ ! -f "$conf" ]; then
			fail "after dpkg -r: binary $( [ -e /usr/sbin/inodeguard ] && echo stays || echo gone), state $(dpkg_state), conffile $( [ -f $conf ] && echo kept || echo gone)"
			rc=1
		fi
	fi
	dpkg -P inodeguard >>"$T_DIR/dpkg.log" 2>&1 || { [ $rc = 1 ] || fail "dpkg -P failed"; rc=1; }
	if [ $rc = 0 ] && { [ -e /etc/inodeguard ] || [ -n "$(dpkg_state)" ] || [ -e "$wants" ]; }; then
		fail "after dpkg -P: /etc/inodeguard, the package record or the enable link stays"; rc=1
	fi
	return $rc
}
t_register deb_install_remove t_deb_install_remove

# The Kubernetes manifests: no schema validator is packaged for Debian, so
# python3-yaml reads them and the properties that matter are asserted,
# the capability set against README.md's table so the two cannot drift.
# K8S_MANIFEST= names another copy (to see each check fail on a broken one).
K8S_MANIFEST=${K8S_MANIFEST:-$IG_ROOT/deploy/kubernetes/inodeguard.yaml}

# k8s_check: prints one line per broken property (none when all hold) and
# writes the ConfigMap's policy to $T_DIR/k8s.conf.
k8s_check() {
	python3 - "$K8S_MANIFEST" "$IG_ROOT/README.md" "$T_DIR/k8s.conf" <<'PYEOF'
import os, re, sys, yaml

manifest, readme, conf_out = sys.argv[1:4]
try:
    docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
except yaml.YAMLError as e:
    sys.exit("%s is no YAML: %s" % (manifest, " ".join(str(e).split())))
bad = []
def need(ok, why):
    if not ok:
        bad.append(why)

def walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)

kinds = {d.get("kind"): d for d in docs}
need("DaemonSet" in kinds and "ConfigMap" in kinds, "kinds are %s, not a DaemonSet and a ConfigMap" % sorted(kinds))
need(not any(n.get("privileged") is True for n in walk(docs)), "privileged: true is set")
ds, cm = kinds.get("DaemonSet", {}), kinds.get("ConfigMap", {})
pod = ds.get("spec", {}).get("template", {}).get("spec", {})
need(pod.get("hostPID") is True, "hostPID is not true")
need(pod.get("priorityClassName") == "system-node-critical", "priorityClassName is not system-node-critical")
need({"operator": "Exists"} in (pod.get("tolerations") or []), "no toleration of every taint")

# The start set: the first column of the first table under "## Capabilities".
section = re.search(r"^## Capabilities\n(.*?)(?=^## )", open(readme).read(), re.S | re.M)
# The first cell of each row names one capability or several.
cells = re.findall(r"^\| ((?:`CAP_[A-Z_]+`(?:, )?)+) \|", section.group(1).split("\n\n| who")[0], re.M) if section else []
rows = [c for cell in cells for c in re.findall(r"`CAP_([A-Z_]+)`", cell)]
want = set(rows)
need(want, "no capability table found in README.md")
containers = pod.get("containers") or []
need(len(containers) == 1, "%d containers, expected one" % len(containers))
c = containers[0] if containers else {}
caps = c.get("securityContext", {}).get("capabilities", {})
need(caps.get("drop") == ["ALL"], "capabilities drop %s, not [ALL]" % caps.get("drop"))
add = caps.get("add") or []
need(len(add) == len(set(add)) and set(add) == want,
     "capabilities add %s, README.md's table names %s" % (sorted(add), sorted(want)))

# The node's bpffs and state directory, mounted where inodeguard looks.
hostpaths = {v["name"]: v["hostPath"]["path"] for v in pod.get("volumes") or [] if "hostPath" in v}
mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
for path in ("/sys/fs/bpf", "/run/inodeguard"):
    m = mounts.get(path, {})
    need(hostpaths.get(m.get("name")) == path, "no hostPath %s mounted at %s" % (path, path))
    need(not m.get("readOnly"), "%s is mounted read-only" % path)
need(mounts.get("/sys/fs/bpf", {}).get("mountPropagation") in ("HostToContainer", "Bidirectional"),
     "/sys/fs/bpf has no mount propagation from the node")
need(hostpaths.get(mounts.get("/host", {}).get("name")) == "/", "the node's root is not mounted at /host")

# The command runs the ConfigMap's file, mounted as a directory (a
# subPath mount is never refreshed, and reload would read the old file).
cmd = c.get("command") or []
need(cmd[:2] == ["/usr/sbin/inodeguard", "run"] and "--persist" in cmd and "-c" in cmd[:-1],
     "command is %s, not inodeguard run --persist -c FILE" % cmd)
conf = cmd[cmd.index("-c") + 1] if "-c" in cmd[:-1] else ""
pm = mounts.get(os.path.dirname(conf), {})
cmvol = [v for v in pod.get("volumes") or [] if v.get("name") == pm.get("name") and "configMap" in v]
need(cmvol and cmvol[0]["configMap"].get("name") == cm.get("metadata", {}).get("name") and "subPath" not in pm,
     "%s is not the ConfigMap mounted as a directory" % conf)
text = cm.get("data", {}).get(os.path.basename(conf))
need(text is not None, "the ConfigMap has no key %s" % os.path.basename(conf))
with open(conf_out, "w") as f:
    f.write(text or "")
print("\n".join(bad))
PYEOF
}

t_k8s_manifest() {
	local out
	python3 -c 'import yaml' 2>/dev/null || { skip "python3-yaml is not installed"; return 77; }
	out=$(k8s_check 2>&1) || { fail "reading the manifest: ${out##*$'\n'}"; return 1; }
	[ -z "$out" ] || { fail "${out//$'\n'/; }"; return 1; }
}
t_register k8s_manifest t_k8s_manifest

# The ConfigMap's policy through the real parser, with nothing loaded:
# `run` parses every option before it touches the kernel, and a backend
# that does not exist makes it stop there (exit 2). The one error must be
# that backend's: any other is the policy's.
t_k8s_policy_parses() {
	local out rc=0
	python3 -c 'import yaml' 2>/dev/null || { skip "python3-yaml is not installed"; return 77; }
	k8s_check >/dev/null 2>&1
	[ -s "$T_DIR/k8s.conf" ] || { fail "no policy in the ConfigMap"; return 1; }
	out=$("$IG" run -c "$T_DIR/k8s.conf" --backend parse-only 2>&1) || rc=$?
	[ "$rc" = 2 ] && [[ $out == "inodeguard: unknown backend 'parse-only'"* ]] &&
		[ "${out//[^$'\n']/}" = "" ] ||
		{ fail "parsing the ConfigMap's policy (exit $rc): ${out//$'\n'/; }"; return 1; }
}
t_register k8s_policy_parses t_k8s_policy_parses

run_suite
