# rttrace build.  `make` builds build/rttrace; `make test` runs every test;
# `make demo` runs the bundled control loop under rttrace; `make deps`
# installs the Debian packages needed to build and test.
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
OUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
PYTHON ?= /usr/bin/python3
VERSION := 0.1.0

BPF_ARCH_DEF := $(if $(filter x86,$(ARCH)),-D__TARGET_ARCH_x86,-D__TARGET_ARCH_$(ARCH))
CFLAGS ?= -O2 -g -Wall -Wextra -Wno-unused-parameter
ALL_CFLAGS := $(CFLAGS) -I$(OUT) -Iinclude -Isrc -DRTTRACE_VERSION=\"$(VERSION)\"
LIBS := -lbpf -lelf -lz -ljson-c -lm

SRCS := src/main.c src/cli.c src/duration.c src/stats.c src/procfs.c \
	src/tracer.c src/run.c src/report_text.c src/report_json.c src/sysinfo.c \
	src/capture.c src/analysis.c src/report_trace.c src/interval.c \
	src/export_prom.c src/export_perfetto.c src/session.c src/housekeeping.c
OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
WORKLOADS := $(patsubst workloads/%.c,$(OUT)/workloads/%,$(wildcard workloads/*.c))

DEB_BUILD := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev libjson-c-dev \
	pkg-config make gcc file
DEB_TEST := libcmocka-dev bpftrace python3 rt-tests linux-perf libbpf-tools util-linux procps prometheus \
	strace

.PHONY: all deps test unit-test live-test demo clean workloads

all: $(OUT)/rttrace workloads

$(OUT)/rttrace.bpf.o: bpf/rttrace.bpf.c $(wildcard include/rttrace/*.h) bpf/core_fixes.bpf.h vmlinux/$(ARCH)/vmlinux.h | $(OUT)
	$(CLANG) -g -O2 -target bpf -mcpu=v3 $(BPF_ARCH_DEF) -Ivmlinux/$(ARCH) -Iinclude -Ibpf -c $< -o $@
	llvm-strip -g $@

$(OUT)/rttrace.skel.h: $(OUT)/rttrace.bpf.o
	$(BPFTOOL) gen skeleton $< name rttrace_bpf > $@

$(OUT)/obj/%.o: src/%.c $(OUT)/rttrace.skel.h $(wildcard src/*.h) $(wildcard include/rttrace/*.h) | $(OUT)/obj
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/rttrace: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

workloads: $(WORKLOADS)

$(OUT)/workloads/%: workloads/%.c $(wildcard workloads/*.h) | $(OUT)/workloads
	$(CC) -O2 -Wall -Wextra -pthread -o $@ $< -lm

$(OUT) $(OUT)/obj $(OUT)/workloads $(OUT)/tests:
	mkdir -p $@

# ---- static binaries (x86_64 here, aarch64 for the Raspberry Pi 4) ----------
# `make static` builds build/rttrace-static-<arch> for ARCH (default: this
# machine); `make ARCH=arm64 static` (or `make pi4`) cross-builds with
# aarch64-linux-gnu-gcc and Debian's :arm64 -dev packages (`make deps-arm64`).
STATIC_UNAME := $(if $(filter arm64,$(ARCH)),aarch64,$(if $(filter x86,$(ARCH)),x86_64,$(ARCH)))
CROSS_COMPILE ?= $(if $(filter $(STATIC_UNAME),$(shell uname -m)),,$(STATIC_UNAME)-linux-gnu-)
SOUT := $(OUT)/static-$(ARCH)
SCC := $(CROSS_COMPILE)gcc
STATIC_BIN := $(OUT)/rttrace-static-$(STATIC_UNAME)
SOBJS := $(patsubst src/%.c,$(SOUT)/obj/%.o,$(SRCS))
STATIC_LIBS := -lbpf -lelf -lz -lzstd -ljson-c -lm
SWORKLOADS := $(patsubst workloads/%.c,$(SOUT)/workloads/%,$(wildcard workloads/*.c))

.PHONY: static pi4 static-workloads deps-arm64

static: $(STATIC_BIN)

pi4:
	$(MAKE) ARCH=arm64 static static-workloads

$(SOUT)/rttrace.bpf.o: bpf/rttrace.bpf.c $(wildcard include/rttrace/*.h) bpf/core_fixes.bpf.h vmlinux/$(ARCH)/vmlinux.h
	mkdir -p $(SOUT)/obj $(SOUT)/workloads
	$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude -Ibpf -c $< -o $@
	llvm-strip -g $@

$(SOUT)/rttrace.skel.h: $(SOUT)/rttrace.bpf.o
	$(BPFTOOL) gen skeleton $< name rttrace_bpf > $@

$(SOUT)/obj/%.o: src/%.c $(SOUT)/rttrace.skel.h $(wildcard src/*.h) $(wildcard include/rttrace/*.h)
	$(SCC) $(CFLAGS) -I$(SOUT) -Iinclude -Isrc -DRTTRACE_VERSION=\"$(VERSION)\" -c $< -o $@

$(STATIC_BIN): $(SOBJS)
	$(SCC) -static $(CFLAGS) -o $@ $^ $(STATIC_LIBS)
	@file $@ | grep -q "statically linked" || { echo "$@ is not static"; exit 1; }

static-workloads: $(SWORKLOADS)

$(SOUT)/workloads/%: workloads/%.c $(wildcard workloads/*.h)
	mkdir -p $(SOUT)/workloads
	$(SCC) -static -O2 -Wall -Wextra -pthread -o $@ $< -lm

deps-arm64:
	./tests/install_deps.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64 && apt-get update -qq; }
	./tests/install_deps.sh libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libjson-c-dev:arm64 libzstd-dev:arm64

# ---- tests ------------------------------------------------------------------
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))
UNIT_LIB_SRCS := src/cli.c src/duration.c src/stats.c src/report_json.c src/procfs.c src/sysinfo.c \
	src/report_trace.c src/analysis.c src/capture.c src/export_prom.c src/export_perfetto.c \
	src/housekeeping.c

$(OUT)/tests/%: tests/unit/%.c $(UNIT_LIB_SRCS) $(OUT)/rttrace.skel.h | $(OUT)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(UNIT_LIB_SRCS) -lcmocka $(LIBS)

unit-test: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

live-test: all
	$(PYTHON) tests/live/run_tests.py

# Everything: unit tests, live tests on this kernel, a quick run of the
# benchmark suites (fails only if a suite breaks, never on numbers), and the
# PREEMPT_RT VM lab (tests/vm).
# `deps` first: a fresh machine has none of the test packages (it is quick
# when everything is installed).
test: deps unit-test live-test bench-quick bench-rt-quick vmtest

demo: deps-if-missing all
	./tests/demo.sh

deps:
	./tests/install_deps.sh $(DEB_BUILD) $(DEB_TEST) $(DEB_VM)
	$(MAKE) deps-arm64

deps-if-missing:
	@command -v $(BPFTOOL) >/dev/null && command -v $(CLANG) >/dev/null && \
	  test -f /usr/include/bpf/libbpf.h && test -f /usr/include/json-c/json.h || \
	  ./tests/install_deps.sh $(DEB_BUILD) $(DEB_TEST)

clean:
	rm -rf $(OUT)

# Guest tests of the PREEMPT_RT lab (tests/vm/guest/NAME.sh).
VM_TESTS ?= smoke irq_demo irq_rttrace rttrace_rt live_core

# Fragments owned by their directories (VM lab, benchmarks).
-include tests/vm/vm.mk
-include bench/bench.mk
