#!/bin/sh
# Smallest guest test: the chroot works and the kernel is PREEMPT_RT.
uname -a
grep -q PREEMPT_RT /proc/sys/kernel/osrelease /sys/kernel/realtime 2>/dev/null; cat /sys/kernel/realtime 2>/dev/null
ls -la /sys/kernel/btf/vmlinux
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "cmdline: $(cat /proc/cmdline)"
python3 -c 'print("python ok")'
bpftool version | head -1
echo hello > "$VM_OUT/smoke.txt"
test "$(cat /sys/kernel/realtime 2>/dev/null)" = 1
