################################################################################
#
# rttrace
#
################################################################################

# Buildroot wants the version written here; it must match the top-level
# VERSION file (`make check-version`, part of `make test`, fails otherwise).
RTTRACE_VERSION = 0.1.0
# Point RTTRACE_SITE at your checkout, or use a tarball of a release.
RTTRACE_SITE = $(BR2_EXTERNAL_RTTRACE_PATH)/../..
RTTRACE_SITE_METHOD = local
RTTRACE_LICENSE = GPL-2.0
RTTRACE_DEPENDENCIES = host-clang host-llvm host-bpftool libbpf elfutils zlib zstd xz bzip2 json-c

# The BPF object is built by the host clang for the target architecture
# (vmlinux/<arch>/vmlinux.h); the loader by the Buildroot cross compiler,
# as one static binary (`make static`).  AUTO_DEPS=0: the Makefile must not
# try to install Debian packages here.
RTTRACE_ARCH = $(if $(BR2_aarch64),arm64,$(if $(BR2_x86_64),x86,$(BR2_ARCH)))
RTTRACE_MAKE_OPTS = \
	ARCH=$(RTTRACE_ARCH) \
	CROSS_COMPILE="$(TARGET_CROSS)" \
	CLANG=$(HOST_DIR)/bin/clang \
	BPFTOOL=$(HOST_DIR)/sbin/bpftool \
	AUTO_DEPS=0

define RTTRACE_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(RTTRACE_MAKE_OPTS) static
endef

# The project's own `make install`: /usr/sbin/rttrace (STATIC=1: the static
# binary built above) and the man pages in /usr/share/man/man8 (which
# Buildroot's target-finalize removes from the image, as every package's).
define RTTRACE_INSTALL_TARGET_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(RTTRACE_MAKE_OPTS) STATIC=1 \
		DESTDIR=$(TARGET_DIR) PREFIX=/usr install
endef

$(eval $(generic-package))
