#!/usr/bin/env bash
# Kernel matrix: proves each backend on real Debian kernels inside QEMU guests
# (virtme-ng), plus the tracepoint backend natively on the host.
# Usage: tests/vm/run-matrix.sh [--cells LIST] [--no-host] [--no-deps]
#                               [--guest-cmd CMD] [--host-after CMD]
#                               [--kernels-only]
#   --cells     comma list of cells to run (default: all, see CELLS below)
#   --no-host   skip the host cell
#   --no-deps   do not call scripts/install-deps.sh vm
#   --guest-cmd run CMD EXPECTED_BACKEND instead of tests/vm/guest.sh
#               (harness self-test)
#   --host-after run CMD (bash -c, in the tree) in the host cell's slot once
#               that cell ends, so it runs beside the last guest rather than
#               after the matrix; its output goes to build/vm-logs/host-after.log,
#               its exit code to host-after.log.rc. It must not count in
#               the matrix: the caller reads the log.
#   --kernels-only  fetch and unpack the kernels, then exit (run it while
#               something else builds; the run after finds them cached)
# Environment: IG_VM_TIMEOUT (s per cell, default 1500), IG_VM_KVM (auto|0|1),
#   IG_VM_JOBS (guests at once, default 2), IG_VM_CPUS, IG_VM_MEMORY, IG_VNG,
#   IG_K510_SUITES, IG_K61_SUITES, IG_K612_SUITES, IG_K7_SUITES (regex of
#   the apt suites each kernel is taken from), CI=true (a missing VM is then
#   a failure, not a skip).
# Writes only under build/: build/vm-logs/CELL.log and build/vm-results.tsv,
# from which `make docs` regenerates docs/kernel-support.md and
# docs/threat-model.md. Exits non-zero if any test failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KDIR=$ROOT/build/kernels
LOGDIR=$ROOT/build/vm-logs
RESULTS=$ROOT/build/vm-results.tsv

CELL_TIMEOUT=${IG_VM_TIMEOUT:-1500}
BOOT_MARGIN=110   # boot takes ~60 s under TCG with two guests at once
VM_JOBS=${IG_VM_JOBS:-2}
VNG=${IG_VNG:-vng}
VM_MEMORY=${IG_VM_MEMORY:-2G}
# The Ubuntu-like default: bpf is not in the active LSM list.
NOBPF_APPEND="lsm=landlock,lockdown,yama,apparmor"
# 6.1 preempts kernel code only when asked: its fmodret cell boots so, to
# prove the syscall-exit backstop of the probe-read build (7.x proves the
# default build's; 6.12's fmodret cell runs without a backstop).
NOBPF_PREEMPT_APPEND="$NOBPF_APPEND preempt=full"


# Debian's 5.10 boots without bpf in its LSM list: the lsm cell names it.
K510_LSM_APPEND="lsm=lockdown,yama,apparmor,bpf"

# cell | kernel flavour | append | expected backend
CELLS=(
	"5.10-lsm|5.10|$K510_LSM_APPEND|lsm"
	"5.10-nobpf|5.10|$NOBPF_APPEND|fmodret"
	"6.1-lsm|6.1||lsm"
	"6.1-nobpf|6.1|$NOBPF_PREEMPT_APPEND|fmodret"
	"6.12-lsm|6.12||lsm"
	"6.12-nobpf|6.12|$NOBPF_APPEND|fmodret"
	"7.x-lsm|7.x||lsm"
	"7.x-nobpf|7.x|$NOBPF_APPEND|fmodret"
)
# Cells whose boot ends sealed (run --seal lasts until reboot): the seal
# suite runs last there, once lsm and once fmodret, and its last test
# sends the shutdown signals; then the guest must still power off
# (collect()). A boot of its own would cost a minute more each.
declare -A SEAL_CELLS=([6.12-lsm]=1 [6.12-nobpf]=1)
SEAL_SUITE=tests/seal.sh
# Suites beyond guest.sh's own, by cell: the stress suite (10 s storm)
# on the host and in one lsm guest; the unit under a real systemd (booted
# as PID 1 of a pid namespace) in that guest only, as it installs the
# binary and mounts over /home, which the host must not have done to it;
# and on the host the seal suite, whose only tests there are the refusals
# of --seal on tracepoint (it never seals a boot it was not told it may).
declare -A CELL_EXTRA_SUITES=(
	[host]="tests/stress.sh $SEAL_SUITE"
	[6.12-lsm]="tests/stress.sh tests/systemd.sh $SEAL_SUITE"
	[6.12-nobpf]="$SEAL_SUITE"
)
# Suites a cell runs instead of guest.sh's full list. The whole matrix must
# fit CI's time on two cores, so each fmodret cell runs the integration suite
# and the catalogue (where the hook type changes a verdict); every suite runs
# in each kernel's lsm cell and on the host. The allow-rule and fail-closed
# logic is the same code on both hook types.
FMODRET_SUITES="tests/integration.sh tests/catalogue.sh"
cell_suites() { # cell expected-backend
	[ "$2" = fmodret ] && printf '%s' "$FMODRET_SUITES"
	return 0
}

# apt suites each flavour is taken from (newest linux-image-amd64 there).
declare -A FLAVOUR_SUITES=(
	[5.10]=${IG_K510_SUITES:-'^bullseye(-updates)?$'}
	[6.1]=${IG_K61_SUITES:-'^bookworm(-security|-updates)?$'}
	[6.12]=${IG_K612_SUITES:-'^bookworm-backports$'}
	[7.x]=${IG_K7_SUITES:-'^trixie-backports$'}
)
# Version each flavour's kernel must start with (default: the flavour name).
declare -A FLAVOUR_PREFIX=([7.x]=7.)
# Suites this machine's apt does not carry. They are read through a private
# apt state under build/kernels/apt, so the machine's sources stay as they are.
PRIVATE_SUITES="bullseye bullseye-updates trixie-backports"
declare -A FLAVOUR_PRIVATE=([5.10]=1 [7.x]=1)

only_cells="" run_host=1 run_deps=1 guest_cmd="" host_after="" kernels_only=0
in_ci=0
[ "${CI:-}" = true ] && in_ci=1

# Per-flavour kernel facts, filled by kernel__prepare.
declare -A K_PKG K_VER K_KVER K_VMLINUZ K_ERR
# Per-cell results, in run order.
declare -a R_CELL R_KERNEL R_APPEND R_EXPECT R_SELECTED R_PASS R_FAIL R_SKIP \
	R_BOOT R_WALL R_STATUS R_REASON R_LSM R_FNAMES

say() { printf 'vm: %s\n' "$*"; }
warn() { printf 'vm: %s\n' "$*" >&2; }

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--cells) only_cells=$2; shift ;;
		--no-host) run_host=0 ;;
		--no-deps) run_deps=0 ;;
		--guest-cmd) guest_cmd=$2; shift ;;
		--host-after) host_after=$2; shift ;;
		--kernels-only) kernels_only=1 ;;
		-h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}"; exit 0 ;;
		*) warn "unknown option $1"; exit 2 ;;
		esac
		shift
	done
}

want_cell() {
	[ -z "$only_cells" ] || [[ ",$only_cells," == *",$1,"* ]]
}

# ---------------------------------------------------------------- results --

add_result() { # cell kernel append expect selected pass fail skip boot wall status reason lsm failed_tests
	R_CELL+=("$1") R_KERNEL+=("$2") R_APPEND+=("$3") R_EXPECT+=("$4")
	R_SELECTED+=("$5") R_PASS+=("$6") R_FAIL+=("$7") R_SKIP+=("$8")
	R_BOOT+=("$9") R_WALL+=("${10}") R_STATUS+=("${11}") R_REASON+=("${12}")
	R_LSM+=("${13}") R_FNAMES+=("${14}")
}

# A cell that could not run: skipped, or failed under CI where the VM must run.
add_missing() { # cell kernel append expect reason
	local st=skipped f=0 s=1
	if [ "$in_ci" = 1 ]; then st=failed f=1 s=0; fi
	say "$1: $st ($5)"
	add_result "$1" "$2" "$3" "$4" - 0 "$f" "$s" - - "$st" "$5" - -
}

# ----------------------------------------------------------------- deps --

ensure_deps() {
	[ "$run_deps" = 1 ] || return 0
	# Installing needs root and a network; a failure only means the checks
	# below will find what is missing and say so.
	"$ROOT/scripts/install-deps.sh" vm || warn "install-deps.sh vm failed; continuing"
}

vm_missing_reason() {
	command -v "$VNG" >/dev/null 2>&1 || { echo "$VNG (virtme-ng) not installed"; return; }
	command -v qemu-system-x86_64 >/dev/null 2>&1 || { echo "qemu-system-x86_64 not installed"; return; }
	echo ""
}

# KVM here can fail inside QEMU even though /dev/kvm exists: an MSR
# assertion at start on some machines, on others an "emulation failure"
# seconds into the boot, after which QEMU sits paused until the cell's
# timeout. So a probe boot must reach the end, the kernel's panic for want
# of a root filesystem (QEMU exits at once with -no-reboot), within 20 s;
# anything else means TCG, slower but working.
kvm_flag=--disable-kvm
probe_kvm() { # VMLINUZ
	case "${IG_VM_KVM:-auto}" in
	0) return ;;
	1) kvm_flag=""; return ;;
	esac
	[ -w /dev/kvm ] || return 0
	local rc=0 out=$LOGDIR/kvm-probe.log
	# The braces also silence bash's "Aborted" report of the crash.
	{ timeout 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -display none \
		-no-reboot -kernel "$1" -append "console=ttyS0 panic=-1" \
		-serial stdio -monitor none >"$out" 2>&1 </dev/null; } 2>/dev/null || rc=$?
	# The console and QEMU's own errors stay beside the cells' logs, to
	# show why TCG was chosen.
	if [ "$rc" = 0 ] && grep -q 'Kernel panic' "$out"; then kvm_flag=""; fi
}

accel_name() { if [ -n "$kvm_flag" ]; then echo tcg; else echo kvm; fi; }

# -------------------------------------------------------------- kernels --

PAPT=$KDIR/apt
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
papt_state=""   # "" until kernel__private_update ran, then ok or failed

apt_state() { # FLAVOUR: which apt state carries its suites
	if [ -n "${FLAVOUR_PRIVATE[$1]:-}" ]; then echo private; else echo machine; fi
}

# apt-get or apt-cache on the machine's apt state or on the private one.
kapt() { # private|machine apt-get|apt-cache ARGS...
	local st=$1 cmd=$2
	shift 2
	local -a o=()
	if [ "$st" = private ]; then
		o=(-o "Dir::Etc::SourceList=$PAPT/sources.list" -o Dir::Etc::SourceParts=/dev/null
			-o "Dir::State::Lists=$PAPT/lists" -o "Dir::Cache=$PAPT/cache"
			-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null)
	fi
	# apt's _apt sandbox user cannot write into our build dir.
	[ "$(id -u)" = 0 ] && o+=(-o APT::Sandbox::User=root)
	"$cmd" "${o[@]}" "$@"
}

# Points the private state at the Debian mirror this machine already uses
# and reads its lists, once per run. When offline, the lists of the last
# run (or the cached kernels) still serve.
kernel__private_update() {
	local mirror s
	[ -z "$papt_state" ] || return 0
	papt_state=failed
	# shellcheck disable=SC2016 # $(REPO_URI) is apt's field, not ours
	mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Codename: bookworm' 2>/dev/null |
		head -n1)
	if [ -z "$mirror" ]; then
		warn "no bookworm mirror in this machine's apt sources; no $PRIVATE_SUITES"
		return 0
	fi
	mkdir -p "$PAPT/lists/partial" "$PAPT/cache/archives/partial"
	for s in $PRIVATE_SUITES; do
		printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$mirror" "$s"
	done >"$PAPT/sources.list"
	if kapt private apt-get -qq update >/dev/null 2>&1; then
		papt_state=ok
	else
		warn "apt update of $PRIVATE_SUITES failed; using the lists already there"
	fi
}

# Newest linux-image-amd64 version from apt suites matching REGEX.
kernel__newest_meta() { # STATE REGEX
	local best="" ver suite
	while IFS='|' read -r _ ver suite; do
		ver=${ver// /}
		suite=$(awk '{print $2}' <<<"$suite")
		suite=${suite%%/*}
		[[ $suite =~ $2 ]] || continue
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$best"; then
			best=$ver
		fi
	done < <(kapt "$1" apt-cache madison linux-image-amd64 2>/dev/null)
	printf '%s\n' "$best"
}

# The packages holding the kernel the metapackage points at, all at its
# version: the unsigned image up to 6.x; from 7.x Debian splits the image
# into linux-binary (vmlinuz), linux-modules and linux-base (config,
# modules.builtin).
kernel__debs() { # STATE META_VERSION
	local image kver
	image=$(kapt "$1" apt-cache show "linux-image-amd64=$2" 2>/dev/null |
		grep -m1 '^Depends:' | tr ',' '\n' | grep -o 'linux-image-[0-9][^ ]*' | head -n1)
	[ -n "$image" ] || return 0
	kver=${image#linux-image-}
	if kapt "$1" apt-cache show "linux-binary-$kver=$2" >/dev/null 2>&1; then
		printf '%s\n' "linux-binary-$kver linux-modules-$kver linux-base-$kver"
	else
		printf '%s\n' "$image-unsigned"
	fi
}

apt_download() { # STATE PKG=VER... (into the current directory)
	kapt "$1" apt-get -qq download "${@:2}" >/dev/null 2>&1
}

# Unpacks the debs once; depmod because a deb ships no modules.dep.
kernel__unpack() { # TREE DEB...
	local tree=$1 deb kver
	[ -f "$tree/.ig-ready" ] && return 0
	rm -rf "$tree"
	mkdir -p "$tree"
	for deb in "${@:2}"; do
		dpkg-deb -x "$deb" "$tree"
	done
	# 7.x keeps vmlinuz and config in usr/lib/modules/KVER; vng looks for
	# boot/vmlinuz-KVER beside lib/modules/KVER, as older packages have it.
	if [ ! -d "$tree/lib/modules" ] && [ -d "$tree/usr/lib/modules" ]; then
		mkdir -p "$tree/boot" "$tree/lib"
		mv "$tree/usr/lib/modules" "$tree/lib/modules"
		kver=$(ls "$tree/lib/modules")
		mv "$tree/lib/modules/$kver/vmlinuz" "$tree/boot/vmlinuz-$kver"
		ln -s "../lib/modules/$kver/config" "$tree/boot/config-$kver"
	fi
	kver=$(ls "$tree/lib/modules")
	depmod -a -b "$tree" "$kver"
	touch "$tree/.ig-ready"
}

kernel__load_state() { # FLAVOUR: the last kernel that worked, for offline runs
	local f=$KDIR/$1.env PKG="" VER="" KVER="" VMLINUZ=""
	[ -f "$f" ] || return 1
	# shellcheck disable=SC1090
	. "$f"
	[ -f "$VMLINUZ" ] || return 1
	K_PKG[$1]=$PKG K_VER[$1]=$VER K_KVER[$1]=$KVER K_VMLINUZ[$1]=$VMLINUZ
}

kernel__save_state() { # FLAVOUR
	printf 'PKG=%q\nVER=%q\nKVER=%q\nVMLINUZ=%q\n' "${K_PKG[$1]}" "${K_VER[$1]}" \
		"${K_KVER[$1]}" "${K_VMLINUZ[$1]}" >"$KDIR/$1.env"
}

# Resolves, downloads (once) and unpacks the newest kernel of FLAVOUR. On
# any failure it falls back to the last cached kernel, or sets K_ERR.
kernel__prepare() { # FLAVOUR
	local fl=$1 st meta p deb tree prefix
	local -a pkgs=() want=() debs=()
	st=$(apt_state "$fl")
	prefix=${FLAVOUR_PREFIX[$fl]:-$fl.}
	mkdir -p "$KDIR/debs"
	[ "$st" = machine ] || kernel__private_update
	meta=$(kernel__newest_meta "$st" "${FLAVOUR_SUITES[$fl]}")
	if [ -z "$meta" ] || [[ $meta != "$prefix"* ]]; then
		kernel__fallback "$fl" "apt knows no $fl kernel in ${FLAVOUR_SUITES[$fl]}"
		return
	fi
	read -r -a pkgs <<<"$(kernel__debs "$st" "$meta" || true)"
	if [ "${#pkgs[@]}" = 0 ]; then
		kernel__fallback "$fl" "no kernel image for linux-image-amd64 $meta"
		return
	fi
	for p in "${pkgs[@]}"; do
		# apt-get download names the file PKG_VER_ARCH.deb, with ':' as %3a.
		deb=$KDIR/debs/${p}_${meta/:/%3a}_amd64.deb
		debs+=("$deb")
		[ -f "$deb" ] || want+=("$p=$meta")
	done
	if [ "${#want[@]}" -gt 0 ]; then
		say "downloading ${want[*]}"
		if ! (cd "$KDIR/debs" && apt_download "$st" "${want[@]}"); then
			# Stale lists name files the archive already dropped: refresh once.
			if [ "$st" = machine ] && [ "$(id -u)" = 0 ] &&
				apt-get -qq update >/dev/null 2>&1; then
				(cd "$KDIR/debs" && apt_download "$st" "${want[@]}") || true
			fi
		fi
		for deb in "${debs[@]}"; do
			[ -f "$deb" ] && continue
			kernel__fallback "$fl" "download of ${pkgs[*]} $meta failed"
			return
		done
	fi
	tree=$KDIR/${pkgs[0]}_$meta
	kernel__unpack "$tree" "${debs[@]}"
	K_PKG[$fl]=${pkgs[0]} K_VER[$fl]=$meta K_KVER[$fl]=$(ls "$tree/lib/modules")
	K_VMLINUZ[$fl]=$tree/boot/vmlinuz-${K_KVER[$fl]}
	kernel__save_state "$fl"
	say "kernel $fl: ${pkgs[0]} $meta"
}

kernel__fallback() { # FLAVOUR REASON
	if kernel__load_state "$1"; then
		warn "$2; using cached ${K_PKG[$1]} ${K_VER[$1]}"
	else
		K_ERR[$1]="$2, none cached"
	fi
}

# ---------------------------------------------------------------- cells --

count() { # STATUS LOG
	grep -cE "^#[0-9]+ [^:]+:$1( |\$)" "$2" || true
}

# Reads a finished cell's log and records the result.
collect() { # cell kernel append expect log vng_rc wall
	local cell=$1 log=$5 vrc=$6 wall=$7 p f s done_line grc boot="-" st reason=""
	local selected lsm up0 up1 failed_names
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	check_poweroff "$cell" "$log" "$vrc"
	p=$(count OK "$log") f=$(count FAIL "$log") s=$(count SKIP "$log")
	failed_names=$(sed -n 's/^#[0-9]* \([^:]*\):FAIL.*/\1/p' "$log" | paste -sd, -)
	selected=$(sed -n 's/^IG-SELECTED backend=//p' "$log" | tail -n1)
	lsm=$(sed -n 's/^IG-LSM list=//p' "$log" | tail -n1)
	done_line=$(grep -E '^IG-GUEST-DONE rc=' "$log" | tail -n1 || true)
	if [ -z "$done_line" ]; then
		if [ "$vrc" = 124 ] || [ "$vrc" = 137 ]; then
			reason="timed out after ${CELL_TIMEOUT}s"
		else
			reason="guest ended without sentinel (rc=$vrc)"
		fi
		f=$((f + 1))
	else
		grc=$(sed -n 's/.*rc=\([0-9]*\).*/\1/p' <<<"$done_line")
		if [ "$grc" != 0 ] && [ "$f" = 0 ]; then
			reason="guest.sh rc=$grc without a FAIL line"
			f=1
		fi
		# Boot cost = wall time minus the time spent inside the guest script.
		up0=$(sed -n 's/^IG-GUEST-START uptime=//p' "$log" | head -n1)
		up1=$(sed -n 's/.*uptime=\([0-9.]*\)$/\1/p' <<<"$done_line")
		if [ "$cell" != host ] && [ -n "$up0" ] && [ -n "$up1" ]; then
			boot=$(awk -v w="$wall" -v a="$up0" -v b="$up1" 'BEGIN {printf "%d", w - (b - a)}')
		fi
	fi
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ -z "$done_line" ]; then
		st=failed
	elif [ "$f" -gt 0 ]; then
		st=failed
	else
		st=passed
	fi
	add_result "$cell" "$2" "$3" "$4" "${selected:--}" "$p" "$f" "$s" "$boot" "$wall" \
		"$st" "$reason" "${lsm:--}" "${failed_names:--}"
	say "$cell: $p passed, $f failed, $s skipped, ${wall}s (boot ${boot}s)${reason:+ - $reason}"
}

guest_command() { # EXPECTED [--host]
	local cmd
	if [ -n "$guest_cmd" ]; then
		cmd=$guest_cmd
	else
		cmd=$(printf '%q' "$ROOT/tests/vm/guest.sh")
		[ -n "${2:-}" ] && cmd+=" $2"
	fi
	printf '%s %q' "$cmd" "$1"
}

# start_cell_job LOG CMD...: runs CMD in $ROOT in the background, its
# output in LOG, its exit code in LOG.rc, its wall time in LOG.wall, and
# in LOG.off how many seconds passed from the guest's sentinel line to
# CMD's end (the guest's shutdown). stdin from /dev/null so it never waits
# on a terminal. The pipe matters: qemu reopens /dev/stderr, which on a
# plain file starts at offset 0 and overwrote the first guest lines.
start_cell_job() {
	local log=$1
	shift
	rm -f "$log" "$log.rc" "$log.wall" "$log.done" "$log.off"
	(
		t0=$(date +%s) vrc=0
		(cd "$ROOT" && "$@" </dev/null) 2>&1 |
			awk -v done="$log.done" '{ print; fflush() }
				/^IG-GUEST-DONE/ { system("date +%s >" done) }' >"$log" || vrc=$?
		echo "$vrc" >"$log.rc"
		echo "$(($(date +%s) - t0))" >"$log.wall"
		[ ! -f "$log.done" ] || echo "$(($(date +%s) - $(cat "$log.done")))" >"$log.off"
	) &
}

# For a seal cell: the sealed guest must still power off. virtme-ng's init
# powers off once the guest script ends; a seal that kept it from doing so
# would leave QEMU running until the cell's timeout.
check_poweroff() { # cell log vng_rc
	local off
	[ -n "${SEAL_CELLS[$1]:-}" ] || return 0
	off=$(cat "$2.off" 2>/dev/null || true)
	if [ -z "$off" ]; then
		echo "#950 sealed-guest-powers-off:FAIL (the guest never reached its last line)" >>"$2"
	elif [ "$3" = 124 ] || [ "$3" = 137 ]; then
		echo "#950 sealed-guest-powers-off:FAIL (QEMU was still running at the cell's timeout, ${off} s after the guest's last line)" >>"$2"
	else
		echo "#950 sealed-guest-powers-off:OK (QEMU exited ${off} s after the guest's last line)" >>"$2"
	fi
}

# collect_cell_job CELL KERNEL APPEND EXPECT: collect() over what
# start_cell_job left for CELL.
collect_cell_job() {
	local log=$LOGDIR/$1.log
	collect "$1" "$2" "$3" "$4" "$log" \
		"$(cat "$log.rc" 2>/dev/null || echo 255)" "$(cat "$log.wall" 2>/dev/null || echo 0)"
}

# Boots one cell in the background; collect() reads its log afterwards.
start_vm_cell() { # cell flavour append expect
	local cell=$1 fl=$2 app=$3 exp=$4 log=$LOGDIR/$1.log
	local -a args=(--run "${K_VMLINUZ[$fl]}" --force-9p --cpus "$VM_CPUS" --memory "$VM_MEMORY")
	[ -n "$kvm_flag" ] && args+=("$kvm_flag")
	[ -n "$app" ] && args+=(--append "$app")
	# The guest must finish before our timeout so partial results and the
	# sentinel still come back: leave BOOT_MARGIN for boot and shutdown.
	# IG_KCONFIG: the kernel's config, which the guest lays over /boot.
	args+=(--exec "IG_GUEST_BUDGET=$((CELL_TIMEOUT - BOOT_MARGIN)) IG_KCONFIG=$(printf %q \
		"${K_VMLINUZ[$fl]%/vmlinuz-*}/config-${K_KVER[$fl]}") \
		IG_SUITES=$(printf %q "$(cell_suites "$cell" "$exp")") \
		IG_SEAL_THIS_BOOT=${SEAL_CELLS[$cell]:-} \
		IG_EXTRA_SUITES=$(printf %q "${CELL_EXTRA_SUITES[$cell]:-}") $(guest_command "$exp")")
	say "$cell: booting ${K_KVER[$fl]}${app:+ ($app)}, expect $exp"
	# vng chdirs the guest to our cwd. The kill-after catches a qemu
	# ignoring SIGTERM.
	start_cell_job "$log" timeout -k 15 "$CELL_TIMEOUT" "$VNG" "${args[@]}"
}

collect_vm_cell() { # cell flavour append expect
	collect_cell_job "$1" "${K_PKG[$2]} ${K_VER[$2]}" "$3" "$4"
}

# The host kernel refuses LSM and tracing programs, so only the tracepoint
# backend can be proven here; it runs the same guest.sh without a VM, in
# the background like a guest, so that it takes a slot of the pool rather
# than running alone before the guests.
start_host_cell() {
	say "host: $(uname -r), expect tracepoint"
	IG_EXTRA_SUITES=${CELL_EXTRA_SUITES[host]:-} start_cell_job "$LOGDIR/host.log" \
		timeout -k 15 "$CELL_TIMEOUT" bash -c "$(guest_command tracepoint --host)"
}

# --host-after: CMD in the host cell's slot, once that cell has ended
# (its .rc file is the last thing the cell's job writes). The host has
# one BPF user at a time, so CMD never runs beside the host cell.
start_host_after() {
	local log=$LOGDIR/host-after.log
	[ -n "$host_after" ] || return 0
	(
		while [ ! -f "$LOGDIR/host.log.rc" ]; do sleep 1; done
		rc=0
		(cd "$ROOT" && bash -c "$host_after" </dev/null) >"$log" 2>&1 || rc=$?
		echo "$rc" >"$log.rc"
	) &
}

collect_host_cell() {
	collect_cell_job host "host $(uname -r)" "" tracepoint
}

# Shares the host CPUs among the guests that run at once.
pick_cpus() {
	local c cell n=0 par
	for c in "${CELLS[@]}"; do
		IFS='|' read -r cell _ <<<"$c"
		want_cell "$cell" && n=$((n + 1))
	done
	par=$((n < VM_JOBS ? n : VM_JOBS))
	[ "$par" -gt 0 ] || par=1
	VM_CPUS=${IG_VM_CPUS:-$(($(nproc) / par > 0 ? $(nproc) / par : 1))}
}

# CELLS longest first (lsm cells run every suite, newer kernels are
# slower under emulation), so that the last two guests end close together.
cells_longest_first() {
	local i c exp
	for exp in lsm fmodret; do
		for ((i = ${#CELLS[@]} - 1; i >= 0; i--)); do
			c=${CELLS[i]}
			[ "${c##*|}" = "$exp" ] && printf '%s\n' "$c"
		done
	done
}

wait_for_slot() {
	while [ "$(jobs -rp | wc -l)" -ge "$VM_JOBS" ]; do
		wait -n || true
	done
}

# Runs up to VM_JOBS guests (and the host cell) at once (boots are mostly single-threaded, so
# two 1-CPU guests finish sooner than two 2-CPU guests in a row).
run_cells() {
	local c cell fl app exp reason first=1
	local -a started=() order=()
	reason=$(vm_missing_reason)
	pick_cpus
	mapfile -t order < <(cells_longest_first)
	for c in "${order[@]}"; do
		IFS='|' read -r cell fl app exp <<<"$c"
		want_cell "$cell" || continue
		if [ -n "$reason" ]; then
			add_missing "$cell" "$fl" "$app" "$exp" "matrix skipped: $reason"
			continue
		fi
		if [ -z "${K_VMLINUZ[$fl]:-}" ]; then
			add_missing "$cell" "$fl" "$app" "$exp" "kernel $fl: ${K_ERR[$fl]:-unavailable}"
			continue
		fi
		if [ "$first" = 1 ]; then
			probe_kvm "${K_VMLINUZ[$fl]}"
			say "accel: $(accel_name), $VM_JOBS guest(s) at a time, $VM_CPUS cpu(s) each"
			first=0
		fi
		wait_for_slot
		start_vm_cell "$cell" "$fl" "$app" "$exp"
		started+=("$c")
	done
	# The host cell is the shortest: last, beside the last guest.
	if [ "$run_host" = 1 ]; then
		wait_for_slot
		start_host_cell
		start_host_after
	fi
	wait || true
	if [ "$run_host" = 1 ]; then
		collect_host_cell
	fi
	# Reported in CELLS order, whatever order they ran in.
	for c in "${CELLS[@]}"; do
		[[ " ${started[*]} " == *" $c "* ]] || continue
		IFS='|' read -r cell fl app exp <<<"$c"
		collect_vm_cell "$cell" "$fl" "$app" "$exp"
	done
}

prepare_kernels() {
	local c cell fl fls=""
	[ -z "$(vm_missing_reason)" ] || return 0
	for c in "${CELLS[@]}"; do
		IFS='|' read -r cell fl _ _ <<<"$c"
		want_cell "$cell" || continue
		[[ " $fls " == *" $fl "* ]] || fls+=" $fl"
	done
	for fl in $fls; do
		kernel__prepare "$fl"
	done
}

# --------------------------------------------------------------- report --

write_results() {
	local i
	{
		printf '# date=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		printf '# host=%s\n' "$(uname -r)"
		printf '# mode=%s\n' "${guest_cmd:+stand-in}${guest_cmd:-real}"
		# Only a run of every cell describes the kernels; make docs checks.
		printf '# scope=%s\n' "$(run_scope)"
		printf '# accel=%s\n' "$(accel_name)"
		printf '# jobs=%s\n# cpus=%s\n# host_cpus=%s\n' "$VM_JOBS" "${VM_CPUS:--}" "$(nproc)"
		printf '# total_s=%s\n' "$(($(date +%s) - RUN_T0))"
		printf 'cell\tkernel\tappend\texpected\tselected\tpassed\tfailed\tskipped\tboot_s\twall_s\tstatus\treason\tlsm\tfailed_tests\n'
		for i in "${!R_CELL[@]}"; do
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
				"${R_CELL[i]}" "${R_KERNEL[i]}" "${R_APPEND[i]:--}" "${R_EXPECT[i]}" \
				"${R_SELECTED[i]}" "${R_PASS[i]}" "${R_FAIL[i]}" "${R_SKIP[i]}" \
				"${R_BOOT[i]}" "${R_WALL[i]}" "${R_STATUS[i]}" "${R_REASON[i]:--}" \
				"${R_LSM[i]}" "${R_FNAMES[i]}"
		done
	} >"$RESULTS"
}

print_table() {
	local i k tp=0 tf=0 ts=0
	echo
	printf '%-11s %-40s %-10s %-10s %4s %4s %4s %5s %5s\n' \
		cell kernel expected selected pass fail skip boot wall
	for i in "${!R_CELL[@]}"; do
		k=${R_KERNEL[i]#linux-image-} k=${k/-unsigned/}
		printf '%-11s %-40s %-10s %-10s %4s %4s %4s %5s %5s\n' "${R_CELL[i]}" \
			"${k:0:40}" "${R_EXPECT[i]}" "${R_SELECTED[i]}" "${R_PASS[i]}" \
			"${R_FAIL[i]}" "${R_SKIP[i]}" "${R_BOOT[i]}" "${R_WALL[i]}"
		[ -z "${R_REASON[i]}" ] || printf '  %s: %s\n' "${R_CELL[i]}" "${R_REASON[i]}"
		[ "${R_FNAMES[i]}" = - ] || printf '  %s: failed: %s\n' "${R_CELL[i]}" "${R_FNAMES[i]}"
		# Why, from the cell's log: CI keeps only what we print here.
		[ "${R_FNAMES[i]}" = - ] || grep -E '^#[0-9]+ [^:]+:FAIL' "$LOGDIR/${R_CELL[i]}.log" 2>/dev/null |
			head -n 10 | cut -c 1-400 | sed 's/^/    /'
		tp=$((tp + R_PASS[i])) tf=$((tf + R_FAIL[i])) ts=$((ts + R_SKIP[i]))
	done
	echo
	printf '%d passed, %d failed, %d skipped\n' "$tp" "$tf" "$ts"
	TOTAL_FAILED=$tf
}

# A skipped cell is not a pass: say so once more next to the totals.
warn_incomplete() {
	local i n=0
	for i in "${!R_CELL[@]}"; do
		[ "${R_STATUS[i]}" != skipped ] || n=$((n + 1))
	done
	[ "$n" = 0 ] || say "WARNING: $n cell(s) did not run; the matrix proves nothing for them"
}

# "full", or what left cells out of this run.
run_scope() {
	local -a left=()
	[ -z "$only_cells" ] || left+=("--cells $only_cells")
	[ "$run_host" = 1 ] || left+=(--no-host)
	[ -n "$guest_cmd" ] && left+=(--guest-cmd)
	if [ "${#left[@]}" = 0 ]; then echo full; else echo "partial (${left[*]})"; fi
}

main() {
	local reason
	parse_args "$@"
	RUN_T0=$(date +%s)
	mkdir -p "$LOGDIR"
	# Two runs in one tree would overwrite each other's logs and results.
	exec 9>"$LOGDIR/.lock"
	if ! flock -n 9; then
		say "another run-matrix.sh is running in this tree; not starting"
		exit 1
	fi
	rm -f "$LOGDIR/host-after.log" "$LOGDIR/host-after.log.rc"
	ensure_deps
	if [ "$kernels_only" = 1 ]; then
		prepare_kernels
		exit 0
	fi
	reason=$(vm_missing_reason)
	if [ -n "$reason" ]; then
		say "VM matrix skipped: $reason"
		[ "$in_ci" = 0 ] || say "CI=true: counting the VM cells as failed"
	fi
	prepare_kernels
	run_cells
	write_results
	warn_incomplete
	say "total $(($(date +%s) - RUN_T0))s"
	# The totals line comes last so callers can read it with tail -n1.
	print_table
	[ "$TOTAL_FAILED" = 0 ]
}

main "$@"
