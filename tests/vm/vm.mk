# VM lab (tests/vm): `make vmtest` boots Debian's PREEMPT_RT kernels under
# QEMU (TCG) and runs the guest tests there: x86_64 (the host's userland in a
# chroot, VM_TESTS) and arm64 (the static aarch64 binary of `make pi4` in an
# initramfs of its own, VM_TESTS_ARM64).  See tests/vm/README.md.
# Debian packages the VM stage needs on top of DEB_BUILD/DEB_TEST (the
# kernel packages themselves are fetched with apt-get download into
# build/vm-cache and unpacked with dpkg -x, never installed); the arm64
# stage also needs the cross toolchain of `make deps-arm64`.  The vmtest
# targets install both first ($(DEPS_STEP), see Makefile).
DEB_VM := qemu-system-x86 qemu-system-arm busybox-static xz-utils cpio gzip binutils file

# Guest tests (tests/vm/guest/NAME.sh, tests/vm/guest-arm64/NAME.sh).
VM_TESTS ?= smoke irq_demo irq_rttrace rttrace_rt where_rt live_core hotplug
VM_TESTS_ARM64 ?= static metrics irq btf
# `make vmtest VM_ARCHES=x86_64` for one architecture only
VM_ARCHES ?= x86_64 aarch64

.PHONY: vmtest vmtest-arm64 vmtest-% vmtest-arm64-% deps-vm
deps-vm:
	./tests/install_deps.sh $(DEB_VM)

# Every architecture, even if one fails; fails if any failed.
vmtest: $(DEPS_STEP) all $(if $(filter aarch64,$(VM_ARCHES)),pi4)
	@rc=0; \
	$(if $(filter x86_64,$(VM_ARCHES)),tests/vm/run_vm.sh x86_64 $(VM_TESTS) || rc=1;) \
	$(if $(filter aarch64,$(VM_ARCHES)),tests/vm/run_vm.sh aarch64 $(VM_TESTS_ARM64) || rc=1;) \
	echo "==== VM lab summary"; \
	$(if $(filter x86_64,$(VM_ARCHES)),cat build/vm-out/summary 2>/dev/null || echo "vm-out: no results (the x86_64 run stopped before booting; see above)";) \
	$(if $(filter aarch64,$(VM_ARCHES)),cat build/vm-out-arm64/summary 2>/dev/null || echo "vm-out-arm64: no results (the aarch64 run stopped before booting; see above)";) \
	exit $$rc

# The arm64 guest alone: static aarch64 rttrace + workloads, IRQ demo (kprobe
# mode), --btf.  `make vmtest-arm64-irq` runs one arm64 guest test.
vmtest-arm64: $(DEPS_STEP) pi4
	tests/vm/run_vm.sh aarch64 $(VM_TESTS_ARM64)

vmtest-arm64-%: $(DEPS_STEP) pi4
	tests/vm/run_vm.sh aarch64 $*

# One x86_64 guest test alone, e.g. `make vmtest-irq_demo`.
vmtest-%: $(DEPS_STEP) all
	tests/vm/run_vm.sh x86_64 $*
