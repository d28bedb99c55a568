#!/usr/bin/env bash
# Installs the Debian 12 packages that build, test and benchmark inodeguard.
# Usage: scripts/install-deps.sh [build|test|vm|deb|all]   (default: build)
# The extra suites (bookworm-backports for 6.12 kernels, trixie for virtme-ng)
# reuse the mirror URI that this machine's apt already uses and are pinned low,
# so nothing else on the machine is upgraded from them.
set -euo pipefail

what=${1:-build}
BUILD_PKGS=(make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
            libcap-dev pkg-config)
TEST_PKGS=(libcap2-bin util-linux liburing-dev gcc-multilib xfsprogs
           btrfs-progs e2fsprogs attr python3 python3-yaml gnuplot-nox libclang-rt-14-dev)
VM_PKGS=(qemu-system-x86 udev busybox-static kmod)
# make deb and its test: the standard Debian packaging tools.
DEB_PKGS=(debhelper dpkg-dev fakeroot lintian bash-completion systemd)

log() { printf 'install-deps: %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" != 0 ]; then
		log "needs root to install packages: run it as root"
		exit 1
	fi
}

apt_updated=0
apt_update_once() {
	[ "$apt_updated" = 1 ] && return 0
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	apt_updated=1
}

missing_of() {
	local p out=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "${p%%/*}" 2>/dev/null |
			grep -q '^install ok installed' || out+=("$p")
	done
	printf '%s\n' "${out[@]}"
}

install_pkgs() {
	local missing
	mapfile -t missing < <(missing_of "$@")
	[ "${#missing[@]}" -eq 0 ] || [ -z "${missing[0]}" ] && return 0
	need_root
	apt_update_once
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# The mirror this machine already uses for bookworm (deb822 or one-line form).
debian_mirror() {
	local uri
	uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || { log "cannot find this machine's Debian mirror in apt sources"; exit 1; }
	printf '%s\n' "$uri"
}

enable_extra_suites() {
	local src=/etc/apt/sources.list.d/inodeguard-extra.sources
	local pin=/etc/apt/preferences.d/inodeguard-extra
	[ -f "$src" ] && [ -f "$pin" ] && return 0
	need_root
	local mirror
	mirror=$(debian_mirror)
	log "adding the apt sources bookworm-backports and trixie (pinned at 50: nothing installed is upgraded from them) to $src and $pin, for virtme-ng and the 6.12 kernel"
	cat >"$src" <<EOS
Types: deb
URIs: $mirror
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	cat >"$pin" <<'EOS'
Package: *
Pin: release n=trixie
Pin-Priority: 50

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 50
EOS
	apt_updated=0
	apt_update_once
}

install_vm() {
	install_pkgs "${VM_PKGS[@]}"
	enable_extra_suites
	if ! command -v vng >/dev/null 2>&1; then
		apt_update_once
		log "installing virtme-ng from trixie"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			virtme-ng/trixie >/dev/null
	fi
}

case "$what" in
build) install_pkgs "${BUILD_PKGS[@]}" ;;
test) install_pkgs "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" ;;
vm) install_vm ;;
deb) install_pkgs "${BUILD_PKGS[@]}" "${DEB_PKGS[@]}" ;;
all) install_pkgs "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${DEB_PKGS[@]}"; install_vm ;;
*) log "unknown set '$what' (build, test, vm, deb or all)"; exit 2 ;;
esac
