# inodeguard: `make`, `make demo`, `make test`, `make bench`, `make fuzz`, `make docs`, `make install`, `make deb`.
# SAN=1: the daemon and the unit tests with ASan and UBSan, in a tree of
# their own so the normal build is untouched.
SAN ?=
ifeq ($(SAN),1)
OUTPUT ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
OUTPUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
# systemd reads units from PREFIX/lib/systemd/system for /usr and /usr/local;
# Debian 12's packages still install them under /lib (make deb).
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/s390x/s390/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H ?=
VERSION := 0.1.0

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DIG_VERSION='"$(VERSION)"'
INCLUDES := -I$(OUTPUT) -Ibpf -Isrc
LDLIBS := -lbpf -lelf -lz -lcap
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(SRCS))
BPF_OBJ := $(OUTPUT)/inodeguard.bpf.o
SKEL := $(OUTPUT)/inodeguard.skel.h
# The same source built without bpf_rdonly_cast, for kernels before 6.2;
# the loader takes its ELF bytes into the one skeleton (see loader.c).
BPF_OBJ_PROBE := $(OUTPUT)/inodeguard_probe.bpf.o
SKEL_PROBE := $(OUTPUT)/inodeguard_probe.skel.h
# And for kernels without bpf_loop (before 5.17): also no typed current
# task, no atomic OR and no bpf_d_path in LSM programs (see key.bpf.h).
BPF_OBJ_LEGACY := $(OUTPUT)/inodeguard_legacy.bpf.o
SKEL_LEGACY := $(OUTPUT)/inodeguard_legacy.skel.h
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/%,$(wildcard tests/helpers/*.c))

.PHONY: test-vm-5.10 all deps tests-helpers demo test test-unit test-host test-stress test-vm bench bench-smoke docs install deb clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/inodeguard

include Kconfig-check/kconfig.mk
-include bench/bench.mk
include tests/fuzz/fuzz.mk

# Installs the toolchain on first use; a no-op once everything is there.
deps:
	$(Q)command -v $(CLANG) >/dev/null && command -v $(BPFTOOL) >/dev/null && \
	  test -f /usr/include/bpf/libbpf.h -a -f /usr/include/sys/capability.h \
	       -a -f /usr/include/gelf.h -a -f /usr/include/zlib.h || \
	  bash scripts/install-deps.sh build

# Every rule waits for the output directory, so the toolchain check runs
# before any compiler does: with -j, a C file built beside the check would
# otherwise meet headers not installed yet.
$(OUTPUT) $(OUTPUT)/tests: | deps
	$(Q)mkdir -p $@

# vmlinux.h is regenerated when the running kernel's BTF is newer (a new
# boot), and replaced only when its content changed, so objects are not
# rebuilt for nothing. VMLINUX_H=path uses a header of your own instead.
ifeq ($(VMLINUX_H),)
$(OUTPUT)/vmlinux.h: $(wildcard $(VMLINUX_BTF)) | $(OUTPUT) deps
	$(call msg,GEN,$@)
	$(Q)if [ ! -r $(VMLINUX_BTF) ]; then \
	  echo "inodeguard: $(VMLINUX_BTF) missing: this kernel has no BTF; build with VMLINUX_H=path/to/vmlinux.h" >&2; exit 1; fi
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; touch $@; else mv $@.tmp $@; fi
else
$(OUTPUT)/vmlinux.h: $(VMLINUX_H) | $(OUTPUT)
	$(Q)cp $< $@
endif

$(BPF_OBJ): bpf/inodeguard.bpf.c $(wildcard bpf/*.bpf.h) bpf/inodeguard.h $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(OUTPUT) -Ibpf -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(BPF_OBJ_PROBE): bpf/inodeguard.bpf.c $(wildcard bpf/*.bpf.h) bpf/inodeguard.h $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DIG_PROBE_READS -I$(OUTPUT) -Ibpf -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(BPF_OBJ_LEGACY): bpf/inodeguard.bpf.c $(wildcard bpf/*.bpf.h) bpf/inodeguard.h $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DIG_PROBE_READS -DIG_LEGACY -I$(OUTPUT) -Ibpf -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name inodeguard_bpf > $@

$(SKEL_PROBE): $(BPF_OBJ_PROBE)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name inodeguard_probe_bpf > $@

$(SKEL_LEGACY): $(BPF_OBJ_LEGACY)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name inodeguard_legacy_bpf > $@

# The loader opens the probe and legacy builds' bytes under the default
# build's skeleton: the build stops here if the objects' maps, globals or
# programs differ.
LAYOUT_CHECK := $(OUTPUT)/bpf-layout-check
$(LAYOUT_CHECK): scripts/bpf-layout-check.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

$(OUTPUT)/bpf-layout.ok: $(LAYOUT_CHECK) $(BPF_OBJ) $(BPF_OBJ_PROBE) $(BPF_OBJ_LEGACY)
	$(call msg,CHECK,$(notdir $(BPF_OBJ)) ~ $(notdir $(BPF_OBJ_PROBE)))
	$(Q)$(LAYOUT_CHECK) $(BPF_OBJ) $(BPF_OBJ_PROBE)
	$(call msg,CHECK,$(notdir $(BPF_OBJ)) ~ $(notdir $(BPF_OBJ_LEGACY)))
	$(Q)$(LAYOUT_CHECK) $(BPF_OBJ) $(BPF_OBJ_LEGACY)
	$(Q)touch $@

$(OUTPUT)/loader.o: $(OUTPUT)/bpf-layout.ok

$(OUTPUT)/%.o: src/%.c $(wildcard src/*.h) bpf/inodeguard.h $(SKEL) $(SKEL_PROBE) $(SKEL_LEGACY) $(OUTPUT)/kconfig_requirements.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/inodeguard: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Test helpers: small C programs the integration suites drive.
$(OUTPUT)/tests/%: tests/helpers/%.c $(wildcard tests/helpers/*.h) bpf/inodeguard.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(if $(filter ig-read32,$*),-m32) $< -o $@ $(if $(filter ig-vector ig-storm,$*),-luring)$(if $(filter ig-otherbpf ig-bpfopen ig-namebits,$*),-lbpf)$(if $(filter ig-namebits,$*), -Ibpf)

UNIT_SRCS := tests/unit/unit_main.c $(wildcard tests/unit/test_*.c)
UNIT_LIB := src/fhandle.c src/pool.c src/quote.c src/config.c src/allow.c src/kconfig.c src/json.c src/log.c src/resolve.c src/tree.c src/keys.c src/index.c
$(OUTPUT)/unit_tests: $(UNIT_SRCS) $(UNIT_LIB) $(wildcard src/*.h) $(OUTPUT)/kconfig_requirements.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(INCLUDES) -Itests/unit \
	  -DUNIT_FIXTURE_DIR='"$(CURDIR)/tests/unit/fixtures"' \
	  -DUNIT_REQUIREMENTS_TSV='"$(CURDIR)/Kconfig-check/requirements.tsv"' \
	  $(filter %.c,$^) $(LDLIBS) -o $@

tests-helpers: $(TEST_HELPERS)

demo: all
	$(Q)bash scripts/demo.sh --no-build

test-unit: $(OUTPUT)/unit_tests
	$(Q)$(if $(SAN),bash tests/san.sh unit,$(OUTPUT)/unit_tests)

# With SAN=1, the suites run under tests/san.sh, which fails them on any
# sanitizer report. The helpers are never sanitized (one is 32-bit).
test-host: all $(TEST_HELPERS)
	$(Q)$(if $(SAN),bash tests/san.sh host,IG=$(CURDIR)/$(OUTPUT)/inodeguard IG_TESTBIN=$(CURDIR)/$(OUTPUT)/tests bash tests/integration.sh --backend tracepoint)
	$(Q)bash tests/allow.sh --backend tracepoint
	$(Q)bash tests/failclosed.sh --backend tracepoint

# The storm for a minute, the million-open flood and the races, on the
# backend this machine selects (CI runs a 10-second storm in the matrix).
STRESS_SECONDS ?= 60
STRESS_BACKEND ?= auto
test-stress: all $(TEST_HELPERS)
	$(Q)IG_STRESS_SECONDS=$(STRESS_SECONDS) bash tests/stress.sh --backend $(STRESS_BACKEND)

test-vm: all $(TEST_HELPERS)
	$(Q)bash tests/vm/run-matrix.sh

# Debian 5.10's two cells alone.
test-vm-5.10: all $(TEST_HELPERS)
	$(Q)bash tests/vm/run-matrix.sh --no-host --cells 5.10-lsm,5.10-nobpf

# Everything, with one closing count over all suites.
test: all $(OUTPUT)/unit_tests $(TEST_HELPERS)
	$(Q)bash tests/run-all.sh

# The generated docs, from the results the last runs saved under $(OUTPUT):
# tests and benchmarks never write docs/ themselves, so they leave the tree
# clean. Each generator names what it wrote; a missing results file is named
# in one line and the docs made from it stay as they are.
DOCS_VM_RESULTS := $(OUTPUT)/vm-results.tsv
DOCS_BENCH_RESULTS := $(OUTPUT)/bench/results.tsv
docs:
	$(Q)rc=0; \
	if bash tests/vm/gen-kernel-support.sh $(DOCS_VM_RESULTS) docs/kernel-support.md; then \
	  python3 tests/vm/gen-threat-model.py $(DOCS_VM_RESULTS) docs/threat-model.md || rc=1; \
	else rc=1; fi; \
	if [ -f $(DOCS_BENCH_RESULTS) ]; then \
	  python3 bench/report.py --md docs/performance.md --png docs/perf-open.png \
	    $(DOCS_BENCH_RESULTS) $(wildcard $(OUTPUT)/bench/vm/*.tsv) || rc=1; \
	else echo "docs: no $(DOCS_BENCH_RESULTS) (run make bench, then make docs)" >&2; rc=1; fi; \
	exit $$rc

# The unit names the binary where PREFIX puts it. The example policy is
# installed only where there is none, so a reinstall keeps the admin's.
install: all
	install -D -m 0755 $(OUTPUT)/inodeguard $(DESTDIR)$(PREFIX)/sbin/inodeguard
	install -D -m 0644 docs/inodeguard.8 $(DESTDIR)$(PREFIX)/share/man/man8/inodeguard.8
	install -D -m 0644 Kconfig-check/requirements.tsv $(DESTDIR)$(PREFIX)/share/inodeguard/requirements.tsv
	install -D -m 0755 Kconfig-check/kconfig-check.sh $(DESTDIR)$(PREFIX)/share/inodeguard/kconfig-check.sh
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/inodeguard|$(PREFIX)/sbin/inodeguard|g; s|/etc/inodeguard|$(SYSCONFDIR)/inodeguard|g' \
	  packaging/inodeguard.service > $(DESTDIR)$(UNITDIR)/inodeguard.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/inodeguard.service
	install -D -m 0644 packaging/inodeguard.bash-completion \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/inodeguard
	test -e $(DESTDIR)$(SYSCONFDIR)/inodeguard/protected.conf || \
	  install -D -m 0644 packaging/protected.conf $(DESTDIR)$(SYSCONFDIR)/inodeguard/protected.conf

# The Debian package, built by dpkg-buildpackage from a copy of the tree in
# $(OUTPUT)/deb (it writes its results next to the source directory):
# $(OUTPUT)/deb/inodeguard_$(VERSION)_amd64.deb.
DEB_DIR := $(OUTPUT)/deb
deb:
	$(Q)command -v dh >/dev/null && command -v lintian >/dev/null || bash scripts/install-deps.sh deb
	$(Q)v=$$(dpkg-parsechangelog -l debian/changelog -SVersion); [ "$$v" = "$(VERSION)" ] || \
	  { echo "deb: debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/inodeguard-$(VERSION)
	$(Q)tar -c --exclude=./build --exclude=./build-san --exclude=./.git --exclude='./$(OUTPUT)' . | \
	  tar -x -C $(DEB_DIR)/inodeguard-$(VERSION)
	$(call msg,DEB,$(DEB_DIR)/inodeguard_$(VERSION)_$(shell dpkg --print-architecture).deb)
	$(Q)cd $(DEB_DIR)/inodeguard-$(VERSION) && dpkg-buildpackage -b -us -uc -jauto $(if $(V),,>../build.log 2>&1) || \
	  { tail -n 30 ../build.log >&2; exit 1; }

clean:
	rm -rf $(OUTPUT)
