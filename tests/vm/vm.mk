# VM lab (tests/vm): `make vmtest` boots Debian's PREEMPT_RT kernels under
# QEMU (TCG) and runs the guest tests there, for each kernel of VM_KERNELS
# (6.1 from bookworm, 6.12 from bookworm-backports) and each architecture
# of VM_ARCHES: x86_64 (the host's userland in a chroot, VM_TESTS) and
# arm64 (the static aarch64 binary of `make pi4` in an initramfs of its own,
# VM_TESTS_ARM64).  Four guests by default, one VM at a time; then the
# summaries and the kernel matrix (tests/vm/matrix.sh, from the features
# tests).  See tests/vm/README.md.
# Debian packages the VM stage needs on top of DEB_BUILD/DEB_TEST (the
# kernel packages themselves are fetched with apt-get download, through a
# sources list and apt lists of the lab's own in build/vm-cache/apt, and
# unpacked with dpkg -x, never installed; zstd unpacks 6.12's x86 kernel);
# the arm64 stage also needs the cross toolchain of `make deps-arm64`.  The
# vmtest targets install both first ($(DEPS_STEP), see Makefile).
DEB_VM := qemu-system-x86 qemu-system-arm busybox-static xz-utils zstd cpio gzip binutils file \
	debian-archive-keyring

# Guest tests (tests/vm/guest/NAME.sh, tests/vm/guest-arm64/NAME.sh).
VM_TESTS ?= smoke irq_demo irq_rttrace rttrace_rt where_rt live_core features hotplug
VM_TESTS_ARM64 ?= static metrics irq btf features
# Debian's 6.12.95-rt x86_64 oopses under TCG when CPU 1 goes offline while
# rttrace is attached (int3 in try_to_wake_up at a patched call site, from
# the tick's RCU wakeup): the hotplug test runs on 6.1 only until that is
# understood (tests/vm/README.md).
VM_TESTS_6.12 ?= $(filter-out hotplug,$(VM_TESTS))
# `make vmtest VM_ARCHES=x86_64 VM_KERNELS=6.12` for one guest only
VM_ARCHES ?= x86_64 aarch64
VM_KERNELS ?= 6.1 6.12

# $(call vm_out,KERNEL,ARCH): the guest's results directory (run_vm*.sh)
vm_out = build/vm-out$(if $(filter aarch64,$(2)),-arm64)$(if $(filter-out 6.1,$(1)),-$(1))
# $(call vm_run,ARCH,TESTS): one guest per kernel of VM_KERNELS; rc=1 if one failed
vm_run = $(foreach k,$(VM_KERNELS),VM_KERNEL=$(k) tests/vm/run_vm.sh $(1) $(2) || rc=1;)

.PHONY: vmtest vmtest-arm64 vmtest-% vmtest-arm64-% deps-vm
deps-vm:
	./tests/install_deps.sh $(DEB_VM)

# Every guest, even if one fails; fails if any failed.
vmtest: $(DEPS_STEP) all $(if $(filter aarch64,$(VM_ARCHES)),pi4)
	@rc=0; \
	$(foreach k,$(VM_KERNELS),$(foreach a,$(VM_ARCHES),\
	echo "==== VM lab: $(k)-rt $(a)"; \
	VM_KERNEL=$(k) tests/vm/run_vm.sh $(a) $(if $(filter aarch64,$(a)),$(VM_TESTS_ARM64),$(or $(VM_TESTS_$(k)),$(VM_TESTS))) || rc=1;)) \
	echo "==== VM lab summary"; \
	$(foreach k,$(VM_KERNELS),$(foreach a,$(VM_ARCHES),\
	cat $(call vm_out,$(k),$(a))/summary 2>/dev/null || \
	echo "$(notdir $(call vm_out,$(k),$(a))): no results (the $(k) $(a) run stopped before booting; see above)";)) \
	echo "==== kernel matrix (what rttrace selected; tests/vm/README.md)"; \
	tests/vm/matrix.sh $(foreach k,$(VM_KERNELS),$(foreach a,$(VM_ARCHES),\
	"$(k) $(a)=$(call vm_out,$(k),$(a))/run/features.log")) | tee build/vm-kernel-matrix.md; \
	exit $$rc

# The arm64 guests alone: static aarch64 rttrace + workloads, IRQ demo, --btf.
# `make vmtest-arm64-irq` runs one arm64 guest test (on each of VM_KERNELS).
vmtest-arm64: $(DEPS_STEP) pi4
	@rc=0; $(call vm_run,aarch64,$(VM_TESTS_ARM64)) exit $$rc

vmtest-arm64-%: $(DEPS_STEP) pi4
	@rc=0; $(call vm_run,aarch64,$*) exit $$rc

# One x86_64 guest test alone (on each of VM_KERNELS), e.g. `make
# vmtest-irq_demo VM_KERNELS=6.12`.
vmtest-%: $(DEPS_STEP) all
	@rc=0; $(call vm_run,x86_64,$*) exit $$rc
