################################################################################
#
# rttrace
#
################################################################################

RTTRACE_VERSION = 0.1.0
# Point RTTRACE_SITE at your checkout, or use a tarball of a release.
RTTRACE_SITE = $(BR2_EXTERNAL_RTTRACE_PATH)/../..
RTTRACE_SITE_METHOD = local
RTTRACE_LICENSE = GPL-2.0
RTTRACE_DEPENDENCIES = host-clang host-llvm host-bpftool libbpf elfutils zlib zstd json-c

# The BPF object is built by the host clang for the target architecture
# (vmlinux/<arch>/vmlinux.h); the loader by the Buildroot cross compiler.
RTTRACE_ARCH = $(if $(BR2_aarch64),arm64,$(if $(BR2_x86_64),x86,$(BR2_ARCH)))

define RTTRACE_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) ARCH=$(RTTRACE_ARCH) \
		CROSS_COMPILE="$(TARGET_CROSS)" CLANG=$(HOST_DIR)/bin/clang \
		BPFTOOL=$(HOST_DIR)/sbin/bpftool static
endef

define RTTRACE_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/build/rttrace-static-* $(TARGET_DIR)/usr/bin/rttrace
endef

$(eval $(generic-package))
