#!/bin/bash
# rttrace VM lab, arm64: boot Debian's PREEMPT_RT arm64 kernel (6.1 from
# bookworm or, with VM_KERNEL=6.12, 6.12 from bookworm-backports) under
# qemu-system-aarch64 (-M virt -cpu cortex-a72, TCG) and run the static
# aarch64 binary's tests (tests/vm/guest-arm64/NAME.sh) there.  The guest is
# an initramfs only: arm64 busybox, build/rttrace-static-aarch64, the static
# workloads of build/static-arm64/workloads, irq_demo.ko built for the arm64
# kernel, and the 9p modules for the results share.  See tests/vm/README.md.
#
#   tests/vm/run_vm.sh aarch64 TEST...        (or this script directly)
#   tests/vm/run_vm_arm64.sh static metrics irq btf
#
# Needs `make pi4` first.  Environment: VM_KERNEL (6.1, the default, or
# 6.12), VM_CACHE (default build/vm-cache), VM_OUT (default
# build/vm-out-arm64, build/vm-out-arm64-6.12 for 6.12), VM_TIMEOUT (whole VM, default 900 s),
# VM_MEM (default 1G), VM_SMP (default 2), VM_VERBOSE=1 (print the guest
# logs on success too; CHECK lines are always printed).
# Exit status: 0 when every test returned 0; 1 otherwise; 2 for bad usage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
G=$HERE/guest-arm64
CACHE=${VM_CACHE:-$ROOT/build/vm-cache}
KERNEL=${VM_KERNEL:-6.1}
case $KERNEL in 6.1) OUT=${VM_OUT:-$ROOT/build/vm-out-arm64} ;; *) OUT=${VM_OUT:-$ROOT/build/vm-out-arm64-$KERNEL} ;; esac
rm -f "$OUT/summary"  # a stale one must not stand for this run
TIMEOUT=${VM_TIMEOUT:-900}
MEM=${VM_MEM:-1G}
SMP=${VM_SMP:-2}
RTBIN=$ROOT/build/rttrace-static-aarch64
WLDIR=$ROOT/build/static-arm64/workloads

log() { echo "vm-arm64: $*" >&2; }
die() { echo "vm-arm64: error: $*" >&2; exit 1; }

case "${1:-}" in aarch64 | arm64) shift ;; esac
[ $# -gt 0 ] || { echo "usage: $0 TEST... (tests: $(cd "$G" && ls *.sh | grep -v '^lib\.sh$' | sed 's/\.sh$//' | tr '\n' ' '))" >&2; exit 2; }
for t in "$@"; do
	[ "$t" != lib ] && [ -f "$G/$t.sh" ] || { echo "vm-arm64: no such guest test: $t" >&2; exit 2; }
done
for c in qemu-system-aarch64 aarch64-linux-gnu-gcc busybox xz zstd cpio gzip apt-get dpkg timeout file make; do
	command -v $c >/dev/null || die "$c not found (qemu-system-arm; make deps-arm64)"
done
[ -x "$RTBIN" ] && [ -x "$WLDIR/control_loop" ] || die "$RTBIN or $WLDIR missing: run make pi4"

T0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $T0" | awk '{printf "%.1f", $1 - $2}'; }

# ---- 1. packages: arm64 kernel + headers, busybox-static:arm64, and the
# amd64 linux-kbuild (the kbuild host tools must run on this machine) -------
. "$HERE/kernel.sh"
vm_kernel "$KERNEL" arm64			# KVER (e.g. 6.12.95+deb12-rt-arm64), KROOT, HDR, MODDIR
IMAGE=$KROOT/boot/vmlinuz-$KVER				# arm64: an uncompressed Image

# ---- 2. irq_demo.ko for the arm64 kernel (cross) ----------------------------
MODB=$ROOT/build/irq_demo_module-$KVER
mkdir -p "$MODB"
cp -u "$ROOT/irq_demo_module/irq_demo.c" "$ROOT/irq_demo_module/Kbuild" "$MODB/"
if [ ! -f "$MODB/irq_demo.ko" ] || [ "$MODB/irq_demo.c" -nt "$MODB/irq_demo.ko" ]; then
	log "building irq_demo.ko for $KVER"
	# no module BTF: 6.12's headers carry a vmlinux, and pahole would be one more host package
	make -s -C "$HDR" M="$MODB" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CONFIG_DEBUG_INFO_BTF_MODULES= \
		modules >"$MODB/build.log" 2>&1 ||
		{ cat "$MODB/build.log" >&2; die "irq_demo.ko build failed"; }
fi

# pidfd_probe for the features test (static; not part of rttrace)
PROBE=$ROOT/build/vm-pidfd_probe-aarch64
if [ ! -x "$PROBE" ] || [ "$G/pidfd_probe.c" -nt "$PROBE" ]; then
	aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -pthread -o "$PROBE" "$G/pidfd_probe.c" ||
		die "pidfd_probe build failed"
fi

# ---- 3. host-side checks of the binary ----------------------------------------
M='@@RTTRACE-VM@@'
fail=0
f=$(file -b "$RTBIN")
if echo "$f" | grep -q 'ARM aarch64' && echo "$f" | grep -q 'statically linked'; then
	echo "CHECK ok: file: $(basename "$RTBIN") is a statically linked aarch64 executable ($(stat -c %s "$RTBIN") bytes)"
else
	echo "CHECK FAIL: file: $(basename "$RTBIN"): $f"
	fail=1
fi

# ---- 4. initramfs (rebuilt every run: it carries the binaries under test) ----
mkdir -p "$OUT"
INITRD=$OUT/initrd.cpio.gz
IR=$(mktemp -d)
trap 'rm -rf "$IR"' EXIT
mkdir -p "$IR"/{bin,sbin,dev,proc,sys,tmp,tests,opt/rttrace/bin,opt/rttrace/workloads,lib/modules/$KVER}
cp "$KROOT/bin/busybox" "$IR/bin/busybox"
cp "$G/init" "$IR/init" && chmod 755 "$IR/init"
cp "$G"/*.sh "$IR/tests/"
cp "$RTBIN" "$IR/opt/rttrace/bin/"
cp "$WLDIR"/* "$IR/opt/rttrace/workloads/"
cp "$MODB/irq_demo.ko" "$PROBE" "$IR/opt/rttrace/"
mv "$IR/opt/rttrace/$(basename "$PROBE")" "$IR/opt/rttrace/pidfd_probe"
. "$HERE/initramfs.sh"
initramfs_pack "$IR" "$MODDIR" "$KVER" "$INITRD" virtio_mmio 9pnet_virtio 9p
log "prepared in $(elapsed) s (kernel $KVER, initramfs $(($(stat -c %s "$INITRD") / 1024)) KiB)"

# ---- 5. boot ------------------------------------------------------------------
RUN=$OUT/run
rm -rf "$RUN" && mkdir -p "$RUN"
SERIAL=$OUT/serial.log
TESTS=$(IFS=,; echo "$*")
log "booting $KVER (qemu-system-aarch64 virt cortex-a72, TCG, $SMP CPUs, $MEM), tests: $TESTS, timeout ${TIMEOUT}s"
set +e
timeout --foreground -k 5 "$TIMEOUT" qemu-system-aarch64 \
	-M virt -cpu cortex-a72 -accel tcg,thread=multi -smp "$SMP" -m "$MEM" \
	-nodefaults -display none -serial stdio -no-reboot \
	-kernel "$IMAGE" -initrd "$INITRD" \
	-append "console=ttyAMA0 panic=-1 quiet loglevel=4 RTTRACE_TESTS=$TESTS" \
	-fsdev local,id=vmout,path="$RUN",security_model=none \
	-device virtio-9p-device,fsdev=vmout,mount_tag=vmout \
	</dev/null 2>&1 | sed -u 's/\r$//' | tee "$SERIAL" | sed -u 's/^/  | /' >&2
qrc=${PIPESTATUS[0]}
set -e
log "VM finished in $(elapsed) s (qemu exit $qrc)"

# ---- 6. verdict ---------------------------------------------------------------
[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && { log "TIMEOUT after ${TIMEOUT}s"; fail=1; }
grep -q "^$M INITFAIL" "$SERIAL" && { log "guest init failed: $(grep "^$M INITFAIL" "$SERIAL")"; fail=1; }
grep -q "^$M DONE" "$SERIAL" || { log "no DONE marker"; fail=1; }
for t in "$@"; do
	grep -h '^CHECK ' "$RUN/$t.log" 2>/dev/null | sed "s/^/[$t] /"
done
. "$HERE/results.sh"
vm_results "$@"
exit $fail
