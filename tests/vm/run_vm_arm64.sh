#!/bin/bash
# rttrace VM lab, arm64: boot Debian's 6.1 PREEMPT_RT arm64 kernel under
# qemu-system-aarch64 (-M virt -cpu cortex-a72, TCG) and run the static
# aarch64 binary's tests (tests/vm/guest-arm64/NAME.sh) there.  The guest is
# an initramfs only: arm64 busybox, build/rttrace-static-aarch64, the static
# workloads of build/static-arm64/workloads, irq_demo.ko built for the arm64
# kernel, and the 9p modules for the results share.  See tests/vm/README.md.
#
#   tests/vm/run_vm.sh aarch64 TEST...        (or this script directly)
#   tests/vm/run_vm_arm64.sh static metrics irq btf
#
# Needs `make pi4` first.  Environment: VM_CACHE (default build/vm-cache),
# VM_OUT (default build/vm-out-arm64), VM_TIMEOUT (whole VM, default 900 s),
# VM_MEM (default 1G), VM_SMP (default 2), VM_VERBOSE=1 (print the guest
# logs on success too; CHECK lines are always printed).
# Exit status: 0 when every test returned 0; 1 otherwise; 2 for bad usage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
G=$HERE/guest-arm64
CACHE=${VM_CACHE:-$ROOT/build/vm-cache}
OUT=${VM_OUT:-$ROOT/build/vm-out-arm64}
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
for c in qemu-system-aarch64 aarch64-linux-gnu-gcc cpio gzip apt-get dpkg timeout file make; do
	command -v $c >/dev/null || die "$c not found (qemu-system-arm; make deps-arm64)"
done
[ -x "$RTBIN" ] && [ -x "$WLDIR/control_loop" ] || die "$RTBIN or $WLDIR missing: run make pi4"

T0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $T0" | awk '{printf "%.1f", $1 - $2}'; }

# ---- 1. packages: arm64 kernel + headers, busybox-static:arm64, and the
# amd64 linux-kbuild (the kbuild host tools must run on this machine) -------
mkdir -p "$CACHE"
IMGPKG=$(apt-cache depends linux-image-rt-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
IMGPKG=${IMGPKG%:arm64}
[ -n "$IMGPKG" ] || die "cannot resolve linux-image-rt-arm64:arm64 (dpkg --add-architecture arm64; apt-get update)"
KVER=${IMGPKG#linux-image-}				# e.g. 6.1.0-56-rt-arm64
ABI=${KVER%-rt-arm64}					# e.g. 6.1.0-56
KBUILD=$(apt-cache depends "linux-headers-$KVER:arm64" | awk '/Depends: linux-kbuild-/ {print $2; exit}')
KBUILD=${KBUILD%:arm64}
# name in apt-get syntax | file glob in the cache
PKGS="$IMGPKG:arm64|${IMGPKG}_*_arm64.deb
linux-headers-$KVER:arm64|linux-headers-${KVER}_*_arm64.deb
linux-headers-$ABI-common-rt|linux-headers-$ABI-common-rt_*_all.deb
$KBUILD:amd64|${KBUILD}_*_amd64.deb
busybox-static:arm64|busybox-static_*_arm64.deb"
KROOT=$CACHE/$KVER
if [ ! -f "$KROOT/.unpacked" ]; then
	get=""
	for p in $PKGS; do
		ls "$CACHE"/${p#*|} >/dev/null 2>&1 || get="$get ${p%|*}"
	done
	if [ -n "$get" ]; then
		log "fetching$get"
		(cd "$CACHE" && apt-get download -q $get >"$CACHE/download-arm64.log" 2>&1) ||
			{ cat "$CACHE/download-arm64.log" >&2; die "apt-get download failed (apt-get update?)"; }
	fi
	rm -rf "$KROOT" && mkdir -p "$KROOT"
	for p in $PKGS; do
		dpkg -x "$(ls "$CACHE"/${p#*|} | tail -1)" "$KROOT"
	done
	H=$KROOT/usr/src/linux-headers-$KVER
	sed -i "s#^include /usr/src/#include $KROOT/usr/src/#" "$H/Makefile"
	# scripts/tools -> ../../lib/linux-kbuild-6.1: the amd64 kbuild just unpacked
	file -L "$H/scripts/basic/fixdep" | grep -q x86-64 || die "kbuild tools in $H/scripts are not x86-64"
	busybox depmod -b "$KROOT" "$KVER"
	touch "$KROOT/.unpacked"
fi
HDR=$KROOT/usr/src/linux-headers-$KVER
MODDIR=$KROOT/lib/modules/$KVER
IMAGE=$KROOT/boot/vmlinuz-$KVER				# arm64: an uncompressed Image

# ---- 2. irq_demo.ko for the arm64 kernel (cross) ----------------------------
MODB=$ROOT/build/irq_demo_module-$KVER
mkdir -p "$MODB"
cp -u "$ROOT/irq_demo_module/irq_demo.c" "$ROOT/irq_demo_module/Kbuild" "$MODB/"
if [ ! -f "$MODB/irq_demo.ko" ] || [ "$MODB/irq_demo.c" -nt "$MODB/irq_demo.ko" ]; then
	log "building irq_demo.ko for $KVER"
	make -s -C "$HDR" M="$MODB" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules >"$MODB/build.log" 2>&1 ||
		{ cat "$MODB/build.log" >&2; die "irq_demo.ko build failed"; }
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
cp "$MODB/irq_demo.ko" "$IR/opt/rttrace/"
. "$HERE/initramfs.sh"
initramfs_pack "$IR" "$MODDIR" "$KVER" "$INITRD" kernel/drivers/virtio/virtio_mmio.ko \
	kernel/net/9p/9pnet_virtio.ko kernel/fs/9p/9p.ko
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
