# fuzz.mk: libFuzzer targets over the real parsers (tests/fuzz/fuzz_*.c);
# included from the top Makefile. Every src/ file but main.c is built
# again with the fuzzer's coverage and ASan+UBSan into $(FUZZ_OUT), so the
# targets call the code the daemon runs, not a copy of it.
FUZZ_OUT := $(OUTPUT)/fuzz
FUZZ_TARGETS := config cli resolve
FUZZ_BINS := $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_TARGETS))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DIG_VERSION='"$(VERSION)"' $(FUZZ_SAN)
FUZZ_OBJS := $(patsubst src/%.c,$(FUZZ_OUT)/%.o,$(filter-out src/main.c,$(SRCS))) $(FUZZ_OUT)/fuzz_common.o
# Executions per target for `make fuzz`; seconds per target for the smoke.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 60

.PHONY: fuzz fuzz-smoke fuzz-bins
fuzz-bins: $(FUZZ_BINS)

$(FUZZ_OUT):
	$(Q)mkdir -p $@

$(FUZZ_OUT)/%.o: src/%.c $(wildcard src/*.h) bpf/inodeguard.h $(SKEL) $(SKEL_PROBE) $(SKEL_LEGACY) $(OUTPUT)/kconfig_requirements.h | $(FUZZ_OUT)
	$(call msg,FUZZCC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(INCLUDES) -c $< -o $@

$(FUZZ_OUT)/loader.o: $(OUTPUT)/bpf-layout.ok

$(FUZZ_OUT)/fuzz_common.o: tests/fuzz/fuzz_common.c tests/fuzz/fuzz_common.h $(wildcard src/*.h) | $(FUZZ_OUT)
	$(call msg,FUZZCC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(INCLUDES) -c $< -o $@

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_OBJS)
	$(call msg,FUZZLD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(INCLUDES) $< $(FUZZ_OBJS) $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)bash tests/fuzz/run.sh --runs $(FUZZ_RUNS) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)bash tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)
