#!/bin/sh
# Check 1: the static aarch64 binary runs on an arm64 PREEMPT_RT kernel with
# no userland at all besides busybox (the initramfs has no /lib, no ld.so).
. /tests/lib.sh
echo "kernel: $(uname -a)"
v=$($RT --version 2>&1); rc=$?
echo "rttrace --version: $v"
check "rttrace-static-aarch64 --version runs (exit 0)" $rc "$v"
check "uname -m is aarch64" $(t "$(uname -m)" = aarch64)
# ELF e_machine (offset 18, little endian) 0xb7 = EM_AARCH64
em=$(od -An -tx1 -j18 -N2 $RT | tr -d ' \n')
check "ELF e_machine is EM_AARCH64 (b700)" $(t "$em" = b700) "$em"
check "no dynamic loader in the guest (/lib/ld-linux-aarch64.so.1 absent)" $(t ! -e /lib/ld-linux-aarch64.so.1)
rt=$(cat /sys/kernel/realtime 2>/dev/null)
check "/sys/kernel/realtime = 1" $(t "$rt" = 1) "$rt"
check "/sys/kernel/btf/vmlinux present" $(t -s /sys/kernel/btf/vmlinux)
finish
