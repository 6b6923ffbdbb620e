# rttrace build.  `make` builds build/rttrace and the workloads; `make test`
# runs every test; `make demo` runs the bundled control loop under rttrace;
# `make install` installs rttrace and its man pages; `make static` / `make
# pi4` build static binaries; `make deps` installs the Debian packages needed
# to build and test.  `make V=1` shows the commands.
#
# Modelled on libbpf-bootstrap's Makefile: the rules are written once, as
# templates ($(call ...) + $(eval ...)), and instantiated per build:
#   native   $(OUT)/               rttrace, objects, BPF skeleton, workloads
#   static   $(OUT)/static-<arch>/ the same for `make static` / `make pi4`,
#                                  linked to $(OUT)/rttrace-static-<uname -m>
#   bench    $(OUT)/bench/         BPF objects + skeletons of bench/*.bpf.c
# Header dependencies are generated (-MMD -MP, the .d files next to the
# objects).
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
OUT := build
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= gcc
AR ?= ar
INSTALL ?= install
PYTHON ?= /usr/bin/python3
# The one place the version is written (src/version.h has no copy; the
# Buildroot package states it again, as Buildroot wants: `make check-version`).
VERSION := $(strip $(shell cat VERSION))

CFLAGS ?= -O2 -g -Wall -Wextra -Wno-unused-parameter
DEPFLAGS = -MMD -MP
ALL_CFLAGS = $(CFLAGS) -Iinclude -Isrc -DRTTRACE_VERSION=\"$(VERSION)\"
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Iinclude -Ibpf
LIBS := -lbpf -ldw -lelf -lz -ljson-c -lm
# A static libdw also wants the compressions elfutils reads (Libs.private of
# libdw.pc, and libelf's zstd).
STATIC_LIBS := -lbpf -ldw -lelf -lz -llzma -lbz2 -lzstd -ljson-c -lm
# The workloads build with workloads/README.md's one command, nothing more.
WL_CFLAGS := -O2 -Wall -Wextra -pthread -fno-omit-frame-pointer

SRCS := $(wildcard src/*.c)
WORKLOAD_NAMES := $(patsubst workloads/%.c,%,$(wildcard workloads/*.c))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

.DELETE_ON_ERROR:
.PHONY: all deps deps-auto deps-if-missing deps-arm64 test unit-test live-test check-docs \
	check-version demo clean workloads static pi4 static-workloads install uninstall install-test

all: $(OUT)/rttrace workloads

# ---- dependencies -------------------------------------------------------------
# `make deps` installs everything (build, tests, VM lab, arm64 cross build).
# The targets a user is told about install what they need first: their
# build rules wait for one idempotent step, $(DEPS_STEP) (quick when all is
# there).  AUTO_DEPS=0 turns that off (Buildroot, distribution builds).
DEB_BUILD := clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libzstd-dev liblzma-dev \
	libbz2-dev libjson-c-dev pkg-config make gcc file
DEB_TEST := libcmocka-dev bpftrace python3 rt-tests linux-perf libbpf-tools util-linux procps prometheus \
	strace man-db groff-base chromium
DEB_ARM64_CROSS := gcc-aarch64-linux-gnu libc6-dev-arm64-cross
DEB_ARM64_LIBS := libbpf-dev:arm64 libelf-dev:arm64 libdw-dev:arm64 zlib1g-dev:arm64 libjson-c-dev:arm64 \
	libzstd-dev:arm64 liblzma-dev:arm64 libbz2-dev:arm64
AUTO_DEPS ?= 1
DEPS_GOALS := demo test pi4 static static-workloads vmtest vmtest-% bench bench-% soak soak-quick \
	install install-test unit-test live-test check-docs
goals = $(filter $(1),$(MAKECMDGOALS))
ifeq ($(AUTO_DEPS),1)
ifneq ($(call goals,test),)
DEPS_STEP := deps
else ifneq ($(call goals,$(DEPS_GOALS)),)
DEPS_STEP := deps-auto
endif
endif
NEED_TEST = $(call goals,unit-test live-test check-docs bench bench-% soak soak-quick)
NEED_VM = $(call goals,vmtest vmtest-%)
NEED_ARM64 = $(or $(call goals,pi4 vmtest-arm64 vmtest-arm64-%),\
	$(and $(filter arm64,$(ARCH)),$(call goals,static static-workloads install)),\
	$(and $(filter aarch64,$(VM_ARCHES)),$(call goals,vmtest)))
HAVE_BUILD = for c in $(CLANG) $(LLVM_STRIP) $(BPFTOOL) $(CC) file; do \
	  command -v $$c >/dev/null || exit 1; done; \
	for h in bpf/libbpf.h json-c/json.h libelf.h elfutils/libdwfl.h zlib.h zstd.h lzma.h bzlib.h; do \
	  test -f /usr/include/$$h || exit 1; done
# $(call have_pkgs,PKGS): every Debian package of PKGS is installed
have_pkgs = test "$$(dpkg-query -W -f='$${Status}\n' $(1) 2>/dev/null | grep -c 'install ok installed')" = $(words $(1))
HAVE_ARM64 = command -v aarch64-linux-gnu-gcc >/dev/null && \
	for l in bpf dw elf z zstd lzma bz2 json-c; do test -f /usr/lib/aarch64-linux-gnu/lib$$l.a || exit 1; done

deps:
	./tests/install_deps.sh $(DEB_BUILD) $(DEB_TEST) $(DEB_VM)
	$(MAKE) deps-arm64

deps-auto:
	$(Q)( $(HAVE_BUILD) ) || ./tests/install_deps.sh $(DEB_BUILD)
	$(if $(NEED_TEST),$(Q)$(call have_pkgs,$(DEB_TEST)) || ./tests/install_deps.sh $(DEB_TEST))
	$(if $(NEED_VM),$(Q)$(call have_pkgs,$(DEB_VM)) || ./tests/install_deps.sh $(DEB_VM))
	$(if $(NEED_ARM64),$(Q)( $(HAVE_ARM64) ) || $(MAKE) deps-arm64)

# (the old name of deps-auto for the build and test packages)
deps-if-missing:
	$(Q)( $(HAVE_BUILD) ) || ./tests/install_deps.sh $(DEB_BUILD) $(DEB_TEST)

deps-arm64:
	./tests/install_deps.sh $(DEB_ARM64_CROSS)
	dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64 && apt-get update -qq; }
	./tests/install_deps.sh $(DEB_ARM64_LIBS)

# ---- the rule set ---------------------------------------------------------------
# $(call bpf_rules,DIR,SRCDIR,NAMES,ARCH): for each NAME, SRCDIR/NAME.bpf.c
# -> DIR/NAME.bpf.o (clang -target bpf against vmlinux/ARCH/vmlinux.h)
# -> DIR/NAME.skel.h (bpftool gen skeleton; the object is NAME_bpf).
define bpf_rules
$(foreach n,$(3),$(1)/$(n).bpf.o): $(1)/%.bpf.o: $(2)/%.bpf.c vmlinux/$(4)/vmlinux.h | $(1) $(DEPS_STEP)
	$$(call msg,BPF,$$@)
	$$(Q)$$(CLANG) $$(BPF_CFLAGS) -D__TARGET_ARCH_$(4) -Ivmlinux/$(4) $$(DEPFLAGS) -c $$< -o $$@
	$$(Q)$$(LLVM_STRIP) -g $$@

$(foreach n,$(3),$(1)/$(n).skel.h): $(1)/%.skel.h: $(1)/%.bpf.o
	$$(call msg,GEN-SKEL,$$@)
	$$(Q)$$(BPFTOOL) gen skeleton $$< name $$*_bpf > $$@

BUILD_DIRS += $(1)
DEPFILES += $(foreach n,$(3),$(1)/$(n).bpf.d)
endef

# $(call rttrace_rules,NAME,DIR,ARCH,CC,BIN,LDFLAGS,LIBS): rttrace for ARCH
# built with CC in DIR (BPF object and skeleton, DIR/obj/*.o from src/*.c,
# DIR/workloads/*), linked to BIN with LDFLAGS (e.g. -static) and LIBS.
# $(NAME_OBJS) lists the objects.
define rttrace_rules
$(call bpf_rules,$(2),bpf,rttrace,$(3))

$(1)_OBJS := $(patsubst src/%.c,$(2)/obj/%.o,$(SRCS))
$(1)_WORKLOADS := $(patsubst %,$(2)/workloads/%,$(WORKLOAD_NAMES))

$$($(1)_OBJS): $(2)/obj/%.o: src/%.c VERSION | $(2)/obj $(2)/rttrace.skel.h $(DEPS_STEP)
	$$(call msg,CC,$$<)
	$$(Q)$(4) $$(ALL_CFLAGS) -I$(2) $$(DEPFLAGS) -c $$< -o $$@

$(5): $$($(1)_OBJS)
	$$(call msg,LINK,$$@)
	$$(Q)$(4) $$(CFLAGS) $$(LDFLAGS) $(6) -o $$@ $$^ $(7)
	$(if $(filter -static,$(6)),$$(Q)file $$@ | grep -q "statically linked" || { echo "$$@ is not static" >&2; exit 1; })

$$($(1)_WORKLOADS): $(2)/workloads/%: workloads/%.c | $(2)/workloads $(DEPS_STEP)
	$$(call msg,CC,$$@)
	$$(Q)$(4) $(6) $$(WL_CFLAGS) $$(DEPFLAGS) -MF $$@.d -o $$@ $$<

BUILD_DIRS += $(2)/obj $(2)/workloads
DEPFILES += $$($(1)_OBJS:.o=.d) $$($(1)_WORKLOADS:=.d)
endef

# ---- native build -------------------------------------------------------------
$(eval $(call rttrace_rules,NATIVE,$(OUT),$(ARCH),$(CC),$(OUT)/rttrace,,$(LIBS)))

workloads: $(NATIVE_WORKLOADS)

# ---- static binaries (x86_64 here, aarch64 for the Raspberry Pi 4) ----------
# `make static` builds build/rttrace-static-<arch> for ARCH (default: this
# machine); `make ARCH=arm64 static` (or `make pi4`) cross-builds with
# aarch64-linux-gnu-gcc and Debian's :arm64 -dev packages (`make deps-arm64`,
# run by these targets when the cross toolchain is missing).
STATIC_UNAME := $(if $(filter arm64,$(ARCH)),aarch64,$(if $(filter x86,$(ARCH)),x86_64,$(ARCH)))
CROSS_COMPILE ?= $(if $(filter $(STATIC_UNAME),$(shell uname -m)),,$(STATIC_UNAME)-linux-gnu-)
SOUT := $(OUT)/static-$(ARCH)
SCC := $(CROSS_COMPILE)gcc
STATIC_BIN := $(OUT)/rttrace-static-$(STATIC_UNAME)

$(eval $(call rttrace_rules,STATIC,$(SOUT),$(ARCH),$(SCC),$(STATIC_BIN),-static,$(STATIC_LIBS)))

static: $(DEPS_STEP) $(STATIC_BIN)

static-workloads: $(DEPS_STEP) $(STATIC_WORKLOADS)

pi4: $(DEPS_STEP)
	$(Q)$(MAKE) ARCH=arm64 static static-workloads

# ---- install ------------------------------------------------------------------
# rttrace goes to sbin: it is a system administration tool that needs root
# (CAP_BPF + CAP_PERFMON), and its man pages are in section 8, the section
# of sbin (as bpftool's: /usr/sbin, bpftool(8)).  STATIC=1 installs the
# static binary of `make static` instead (Buildroot does).
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
MAN_PAGES ?= $(wildcard doc/*.8)
INSTALL_BIN := $(if $(filter 1,$(STATIC)),$(STATIC_BIN),$(OUT)/rttrace)

install: $(DEPS_STEP) $(INSTALL_BIN)
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR)/rttrace)
	$(Q)$(INSTALL) -D -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/rttrace
	$(if $(MAN_PAGES),$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man8/ $(notdir $(MAN_PAGES))))
	$(if $(MAN_PAGES),$(Q)$(INSTALL) -D -m 0644 -t $(DESTDIR)$(MANDIR)/man8 $(MAN_PAGES))

uninstall:
	$(call msg,RM,$(DESTDIR)$(SBINDIR)/rttrace $(notdir $(MAN_PAGES)))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/rttrace $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN_PAGES)))

# Install into a scratch DESTDIR: the binary runs and prints this version,
# rttrace.8 and every doc/*.8 are in man8; then uninstall leaves no file.
install-test: $(DEPS_STEP) $(OUT)/rttrace
	$(call msg,TEST,install)
	$(Q)set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	$(MAKE) install DESTDIR="$$d" PREFIX=/usr; \
	v=$$("$$d/usr/sbin/rttrace" --version); \
	if [ "$$v" != "rttrace $(VERSION)" ]; then \
	  echo "install-test: $$d/usr/sbin/rttrace --version printed '$$v', not 'rttrace $(VERSION)'" >&2; exit 1; fi; \
	for m in $(sort rttrace.8 $(notdir $(MAN_PAGES))); do \
	  [ -f "$$d/usr/share/man/man8/$$m" ] || { echo "install-test: no man page $$m installed" >&2; exit 1; }; done; \
	$(MAKE) uninstall DESTDIR="$$d" PREFIX=/usr; \
	left=$$(find "$$d" -type f); \
	[ -z "$$left" ] || { echo "install-test: uninstall left $$left" >&2; exit 1; }; \
	echo "install-test: OK (rttrace $(VERSION) in sbin; man8: $(sort rttrace.8 $(notdir $(MAN_PAGES))))"

# ---- tests ------------------------------------------------------------------
# Unit tests link against an archive of every object but main.o: the linker
# takes only the members a test needs, so objects that need a live kernel or
# the skeleton (tracer.o, run.o, session.o, ...) stay out unless used, and a
# new src/*.c needs no list to be kept.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))
UNIT_LIB := $(OUT)/librttrace.a

$(UNIT_LIB): $(filter-out $(OUT)/obj/main.o,$(NATIVE_OBJS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(UNIT_TESTS): $(OUT)/tests/%: tests/unit/%.c $(UNIT_LIB) | $(OUT)/tests $(DEPS_STEP)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(OUT) $(DEPFLAGS) -MF $@.d -o $@ $< $(UNIT_LIB) -lcmocka $(LIBS)

BUILD_DIRS += $(OUT)/tests
DEPFILES += $(UNIT_TESTS:=.d)

unit-test: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

live-test: all
	$(PYTHON) tests/live/run_tests.py

# The man pages against the binary (tests/tools/check_docs.sh).
check-docs: $(OUT)/rttrace
	tests/tools/check_docs.sh $(OUT)/rttrace

# VERSION and the Buildroot package's RTTRACE_VERSION must agree.
BR_MK := packaging/buildroot/rttrace/rttrace.mk
check-version:
	$(Q)br=$$(sed -n 's/^RTTRACE_VERSION *= *//p' $(BR_MK)); \
	if [ -z "$(VERSION)" ] || [ "$$br" != "$(VERSION)" ]; then \
	  echo "check-version: VERSION is '$(VERSION)' but $(BR_MK) has RTTRACE_VERSION = '$$br'" >&2; exit 1; fi; \
	echo "check-version: $(VERSION)"

# Everything: unit tests, the install, the docs, live tests on this kernel,
# a quick run of the benchmark suites (fails only if a suite breaks, never on
# numbers), and the PREEMPT_RT VM lab (tests/vm).
# `deps` first: a fresh machine has none of the test packages (it is quick
# when everything is installed).
test: deps check-version unit-test install-test check-docs live-test bench-quick bench-rt-quick bench-where-quick \
	soak-quick vmtest

demo: $(DEPS_STEP) all
	./tests/demo.sh

clean:
	rm -rf $(OUT)

# Fragments owned by their directories (VM lab, benchmarks).
-include tests/vm/vm.mk
-include bench/bench.mk

# Output directories of every build above, and the generated dependencies.
$(sort $(BUILD_DIRS)):
	$(Q)mkdir -p $@

-include $(DEPFILES)
