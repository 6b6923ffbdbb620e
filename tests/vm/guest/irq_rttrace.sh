#!/bin/sh
# The IRQ metric on the RT guest, in every mode: irq_demo.ko raises N
# threaded interrupts whose handler spins T us; rttrace --irq must count N
# handler runs of at least T each, in fentry, kprobe and sched mode.
BB=${VM_BUSYBOX:-busybox}
KO=build/irq_demo_module-$(uname -r)/irq_demo.ko
lsmod 2>/dev/null | grep -q irq_demo || $BB insmod "$KO" spin_us=2000 || exit 1
exec python3 tests/vm/guest/irq_rttrace.py
