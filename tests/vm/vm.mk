# VM lab (tests/vm): `make vmtest` boots Debian's PREEMPT_RT kernel under
# QEMU (TCG) and runs the guest tests there.  See tests/vm/README.md.
# Debian packages the VM stage needs on top of DEB_BUILD/DEB_TEST (the
# kernel packages themselves are fetched with apt-get download into
# build/vm-cache and unpacked with dpkg -x, never installed).
DEB_VM := qemu-system-x86 busybox-static xz-utils cpio gzip binutils

VM_TESTS ?= smoke irq_demo rttrace_rt live

.PHONY: vmtest vmtest-%
vmtest: all
	tests/vm/run_vm.sh x86_64 $(VM_TESTS)

# One guest test alone, e.g. `make vmtest-irq_demo`.
vmtest-%: all
	tests/vm/run_vm.sh x86_64 $*
