# Benchmark binaries (bench/*.c -> $(OUTPUT)/bench/*); included from the top-level Makefile.
# Assumes OUTPUT, CFLAGS, CLANG, BPFTOOL and BPF_CFLAGS are set by the includer;
# mapfill and nullprog need libbpf.

BENCH_DIR := $(OUTPUT)/bench
BENCH_BINS := $(addprefix $(BENCH_DIR)/,open_close syscalls mkfiles runas spawn exit0 mapfill nullprog)
# The includer's CFLAGS win; the default is the project's warning set.
BENCH_CFLAGS := $(if $(CFLAGS),$(CFLAGS),-O2 -std=gnu11 -Wall -Wextra -Werror)
BENCH_LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
BENCH_LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null)

.PHONY: bench-bins bench bench-smoke
bench-bins: $(BENCH_BINS)

$(BENCH_DIR):
	mkdir -p $@

$(BENCH_DIR)/open_close $(BENCH_DIR)/syscalls $(BENCH_DIR)/mkfiles $(BENCH_DIR)/runas $(BENCH_DIR)/spawn: $(BENCH_DIR)/%: bench/%.c bench/bench.h | $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

# Static: its exec maps no shared library, so spawn times the kernel's work.
$(BENCH_DIR)/exit0: bench/exit0.c | $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -static -o $@ $< $(LDFLAGS)

$(BENCH_DIR)/mapfill: bench/mapfill.c bench/bench.h bpf/inodeguard.h | $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) $(BENCH_LIBBPF_CFLAGS) -o $@ $< $(LDFLAGS) $(BENCH_LIBBPF_LIBS)

# The empty programs need no kernel types, so no vmlinux.h either.
$(BENCH_DIR)/null.bpf.o: bench/null.bpf.c | $(BENCH_DIR)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/null.skel.h: $(BENCH_DIR)/null.bpf.o
	$(BPFTOOL) gen skeleton $< name null_bpf > $@

$(BENCH_DIR)/nullprog: bench/nullprog.c $(BENCH_DIR)/null.skel.h | $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) $(BENCH_LIBBPF_CFLAGS) -I$(BENCH_DIR) -o $@ $< $(LDFLAGS) $(BENCH_LIBBPF_LIBS)

# Guests first (lsm, fmodret, tracepoint in 6.12 under instruction
# counting; skipped without the kernels `make test-vm` fetches), then the
# host. In that order so the guests' emulation does not load the host's run.
# Results stay under build/bench; `make docs` writes docs/performance.md and
# docs/perf-open.png from them.
# BENCH_OLD=PATH: an earlier release's binary, whose load of the same
# million-file config is measured beside this one's, rep by rep.
bench: bench-bins $(OUTPUT)/inodeguard
	bench/vm.sh
	bench/run.sh $(if $(BENCH_OLD),--old-tool $(BENCH_OLD))

# CI: tiny sizes, checks only that everything runs and writes the TSV.
bench-smoke: bench-bins $(OUTPUT)/inodeguard
	bench/run.sh --smoke
