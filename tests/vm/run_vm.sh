#!/bin/bash
# rttrace VM lab: boot one of Debian's PREEMPT_RT kernels (6.1 from bookworm,
# 6.12 from bookworm-backports) under QEMU (TCG) and run guest tests
# (tests/vm/guest/NAME.sh) in a chroot made of the host's /usr, /etc and the
# project directory (9p, read-only).  See tests/vm/README.md.
#
#   tests/vm/run_vm.sh [x86_64] TEST...      e.g.  tests/vm/run_vm.sh x86_64 smoke irq_demo
#   VM_KERNEL=6.12 tests/vm/run_vm.sh x86_64 TEST...   the 6.12 guest
#   tests/vm/run_vm.sh aarch64 TEST...       the arm64 guest (run_vm_arm64.sh, tests in guest-arm64/)
#
# Environment: VM_KERNEL (6.1, the default, or 6.12), VM_CACHE (downloads,
# unpacked packages and the private apt lists (kernel.sh), reused; default
# build/vm-cache), VM_OUT (results; default build/vm-out for 6.1,
# build/vm-out-6.12 for 6.12), VM_TIMEOUT (seconds
# for one VM, default 600: the ~4 min of the default tests took 441 s on a loaded host; a hung guest gets one more VM), VM_MEM (default 2G), VM_SMP (default 2),
# VM_VERBOSE=1 (print the guest test logs on success too; they are in
# VM_OUT/run/NAME.log, written live, so `tail -f` them during a run).
# Exit status: 0 when every test returned 0; 1 otherwise (a failed test, a
# missing marker, a timeout); 2 for bad usage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${VM_CACHE:-$ROOT/build/vm-cache}
KERNEL=${VM_KERNEL:-6.1}
case $KERNEL in 6.1) OUT=${VM_OUT:-$ROOT/build/vm-out} ;; *) OUT=${VM_OUT:-$ROOT/build/vm-out-$KERNEL} ;; esac
TIMEOUT=${VM_TIMEOUT:-600}
MEM=${VM_MEM:-2G}
SMP=${VM_SMP:-2}

log() { echo "vm: $*" >&2; }
die() { echo "vm: error: $*" >&2; exit 1; }

ARCH=x86_64
case "${1:-}" in
x86_64 | amd64) shift ;;
arm64 | aarch64) shift; exec "$HERE/run_vm_arm64.sh" "$@" ;;	# own initramfs, static binaries
esac
rm -f "$OUT/summary"  # a stale one must not stand for this run
[ $# -gt 0 ] || { echo "usage: $0 [x86_64] TEST... (tests: $(cd "$HERE/guest" && ls *.sh | sed 's/\.sh$//' | tr '\n' ' '))" >&2; exit 2; }
for t in "$@"; do
	[ -f "$HERE/guest/$t.sh" ] || { echo "vm: no such guest test: $t" >&2; exit 2; }
done
for c in qemu-system-x86_64 busybox xz zstd cpio gzip apt-get dpkg timeout file; do
	command -v $c >/dev/null || die "$c not found (make deps installs the VM lab packages)"
done
readelf -l "$(readlink -f "$(command -v busybox)")" 2>/dev/null | grep -q 'INTERP' &&
	die "busybox is dynamically linked: install busybox-static"

T0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $T0" | awk '{printf "%.1f", $1 - $2}'; }

# ---- 1. kernel packages (apt-get download + dpkg -x; never installed) --------
. "$HERE/kernel.sh"
vm_kernel "$KERNEL" amd64			# KVER (e.g. 6.12.95+deb12-rt-amd64), KROOT, HDR, MODDIR

# ---- 2. ELF vmlinux out of vmlinuz (PVH boot; skips the decompressor) -------
VMLINUX=$KROOT/vmlinux
if [ ! -s "$VMLINUX" ] && ! vm_vmlinux "$KROOT/boot/vmlinuz-$KVER" "$VMLINUX"; then
	VMLINUX=$KROOT/boot/vmlinuz-$KVER
fi

# ---- 3. initramfs: static busybox, virtio/9p modules, /init ----------------
INITRD=$CACHE/initrd-$KVER.cpio.gz
if [ ! -s "$INITRD" ] || [ "$HERE/init" -nt "$INITRD" ] || [ "$0" -nt "$INITRD" ] ||
   [ "$HERE/initramfs.sh" -nt "$INITRD" ] || [ "$HERE/kernel.sh" -nt "$INITRD" ]; then
	log "building initramfs"
	IR=$(mktemp -d)
	mkdir -p "$IR"/{bin,dev,proc,sys,newroot,lib/modules/$KVER}
	cp "$(command -v busybox)" "$IR/bin/busybox"
	cp "$HERE/init" "$IR/init" && chmod 755 "$IR/init"
	. "$HERE/initramfs.sh"
	initramfs_pack "$IR" "$MODDIR" "$KVER" "$INITRD.tmp" virtio_pci 9pnet_virtio 9p
	mv "$INITRD.tmp" "$INITRD"
	rm -rf "$IR"
fi

# ---- 4. the demo module, built against the unpacked rt headers -------------
MODB=$ROOT/build/irq_demo_module-$KVER
if [ -f "$ROOT/irq_demo_module/irq_demo.c" ]; then
	mkdir -p "$MODB"
	cp -u "$ROOT/irq_demo_module/irq_demo.c" "$ROOT/irq_demo_module/Kbuild" "$MODB/"
	if [ ! -f "$MODB/irq_demo.ko" ] || [ "$MODB/irq_demo.c" -nt "$MODB/irq_demo.ko" ]; then
		log "building irq_demo.ko for $KVER"
		# no module BTF: 6.12's headers carry a vmlinux, and pahole would be one more host package
		make -s -C "$HDR" M="$MODB" CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$MODB/build.log" 2>&1 ||
			{ cat "$MODB/build.log" >&2; die "irq_demo.ko build failed"; }
	fi
fi
log "prepared in $(elapsed) s (kernel $KVER)"

# ---- 5. boot ---------------------------------------------------------------
mkdir -p "$OUT"
RUN=$OUT/run
rm -rf "$RUN" && mkdir -p "$RUN"
SERIAL=$OUT/serial.log
M='@@RTTRACE-VM@@'
MON=$OUT/monitor.sock
KALLSYMS=$CACHE/kallsyms-$KVER
HANG_S=${VM_HANG_S:-200}
# A guest that shows nothing for HANG_S seconds (no console line, no write to
# its results share) is dead to its own watchdog too (seen: both vCPUs
# spinning): ask QEMU's monitor what its CPUs run (hang_dump.py), keep that
# as $OUT/hang-dump.txt, and end it instead of waiting for the timeout.
hang_watch() {
	local newest
	while sleep 10; do
		[ -S "$MON" ] || continue
		newest=$(stat -c %Y "$SERIAL" "$RUN" "$RUN"/* 2>/dev/null | sort -n | tail -n 1 || true)
		[ $(($(date +%s) - ${newest:-0})) -lt "$HANG_S" ] && continue
		log "no output from the guest for ${HANG_S} s: what its CPUs run (then it is ended)"
		# kallsyms is cached after a first boot; during it, the guest's copy
		# (Debian's System.map is a stub)
		python3 "$HERE/hang_dump.py" "$MON" "$KALLSYMS:$RUN/kallsyms" "$SMP" 3 2>&1 |
			tee -a "$OUT/hang-dump.txt" | sed 's/^/  ! /' >&2
		python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'quit\\n')" "$MON" 2>/dev/null
		return
	done
}
# The tracepoints rttrace attaches to, for /init to hold on (see there).
HOLD_TPS=$(readelf -SW "$ROOT/build/rttrace.bpf.o" |
	sed -n 's/.*\] \(tp_btf\|raw_tp\)\/\([a-z_0-9]*\) .*/\2/p' | sort -u | tr '\n' ',')
[ -n "$HOLD_TPS" ] || die "no tracepoint sections in build/rttrace.bpf.o (run make first)"
boot() {	# boot TEST...: one VM for these tests; appends to $SERIAL, sets qrc
	local tests wpid ksyms
	tests=$(IFS=,; echo "$*")
	log "booting $KVER (TCG, $SMP CPUs, $MEM), tests: $tests, timeout ${TIMEOUT}s"
	rm -f "$MON"
	ksyms=0
	[ -s "$KALLSYMS" ] || ksyms=1
	hang_watch &
	wpid=$!
	set +e
	timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -smp "$SMP" -m "$MEM" -machine pc \
		-nodefaults -display none -serial stdio -no-reboot \
		-monitor "unix:$MON,server=on,wait=off" \
		-kernel "$VMLINUX" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 nokaslr RTTRACE_KALLSYMS=$ksyms RTTRACE_HOLD_TPS=$HOLD_TPS RTTRACE_TESTS=$tests RTTRACE_PROJ=$ROOT KVER=$KVER" \
		-virtfs local,path=/usr,mount_tag=usr,security_model=none,readonly=on,id=usr \
		-virtfs local,path=/etc,mount_tag=etc,security_model=none,readonly=on,id=etc \
		-virtfs local,path="$ROOT",mount_tag=proj,security_model=none,readonly=on,id=proj \
		-virtfs local,path="$RUN",mount_tag=vmout,security_model=none,id=vmout \
		</dev/null 2>&1 | sed -u 's/\r$//' | tee -a "$SERIAL" | sed -u 's/^/  | /' >&2
	qrc=${PIPESTATUS[0]}
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	[ "$ksyms" = 1 ] && [ -s "$RUN/kallsyms" ] && mv "$RUN/kallsyms" "$KALLSYMS" || true
	set -e
	log "VM finished in $(elapsed) s (qemu exit $qrc)"
}
: >"$SERIAL"
rm -f "$OUT/hang-dump.txt"
boot "$@"

# A guest that stops responding (no DONE marker; seen now and then on the
# 6.1-rt guest under TCG: see tests/vm/README.md) gets one more VM for the
# tests that have no result yet.  Never silent: the summary says so, the
# hung test's log is kept as NAME.hung.log, and a second hang fails.
retried=
if ! grep -q "^$M DONE" "$SERIAL" && ! grep -q "^$M INITFAIL" "$SERIAL"; then
	left=
	for t in "$@"; do
		grep -q "^$M RESULT $t " "$SERIAL" || left="$left $t"
	done
	retried=$(echo $left | awk '{print $1}')
	if [ -n "$retried" ]; then
		log "the guest stopped responding in $retried (qemu exit $qrc); one more VM for:$left"
		[ -f "$RUN/$retried.log" ] && mv "$RUN/$retried.log" "$RUN/$retried.hung.log"
		echo "$M RETRY" >>"$SERIAL"
		boot $left
	fi
fi

# ---- 6. verdict --------------------------------------------------------------
fail=0
[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && { log "TIMEOUT after ${TIMEOUT}s"; fail=1; }
grep -q "^$M INITFAIL" "$SERIAL" && { log "guest init failed: $(grep "^$M INITFAIL" "$SERIAL")"; fail=1; }
tail -n +"$(grep -n "^$M RETRY" "$SERIAL" | cut -d: -f1 | head -n 1 || echo 1)" "$SERIAL" |
	grep -q "^$M DONE" || { log "no DONE marker"; fail=1; }
. "$HERE/results.sh"
vm_results "$@"
[ -n "$retried" ] && echo "$(basename "$OUT"): RETRIED: the guest hung in $retried; the tests without a result ran again in a fresh VM (see $RUN/$retried.hung.log$(grep -q "^$M STALL-BEGIN" "$SERIAL" && echo ", the guest's stall report between the STALL markers of $SERIAL")$([ -s "$OUT/hang-dump.txt" ] && echo ", the vCPU dump $OUT/hang-dump.txt"))" >>"$OUT/summary"
exit $fail
