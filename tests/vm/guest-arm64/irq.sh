#!/bin/sh
# Check 3: the IRQ demo.  arm64 6.1 has no ftrace direct calls: fentry/fexit
# load but do not attach (524), so rttrace's default IRQ mode must fall
# back to kprobes by itself.  6.12 has them: the default is fentry, and a
# second run with --irq-mode kprobe keeps the kprobe path covered there.
# irq_demo.ko raises N threaded IRQs whose handler spins T us.
. /tests/lib.sh
N=10 T_US=2000
P=/sys/module/irq_demo/parameters
insmod /opt/rttrace/irq_demo.ko spin_us=$T_US
check "insmod irq_demo.ko" $?
irq=$(cat $P/irq 2>/dev/null)
echo "irq_demo: irq $irq, thread: $(ps -o pid,comm,args | grep 'irq/.*rttrace' | grep -v grep)"
# irq_run NAME EXPECTED-MODE [RTTRACE-OPTION...]: trace the demo's IRQ thread
# while it raises N interrupts, and check what rttrace saw
irq_run() {
	name=$1 want=$2
	shift 2
	J=$O/$name.json
	$RT run -v --irq rttrace_demo --slo-irq 1ms -d 30 -j $J "$@" >$O/$name.txt 2>$O/$name.err &
	pid=$!
	n=0
	while ! grep -q "tracing started" $O/$name.err && kill -0 $pid 2>/dev/null && [ $n -lt 600 ]; do
		sleep 0.1; n=$((n + 1))
	done
	check "$name: rttrace -v said tracing started (IRQ thread tracked) within 60 s" $(t $n -lt 600 -a -n "$(grep "tracing started" $O/$name.err)")
	before=$(cat $P/thread_runs)
	echo $N >$P/trigger
	after=$(cat $P/thread_runs)
	check "$name: irq_demo ran its thread $N times" $(t $((after - before)) = $N) "$before -> $after"
	sleep 1
	kill -INT $pid
	wait $pid
	rc=$?
	cat $O/$name.txt $O/$name.err
	check "$name: rttrace exit 0" $rc
	check "$name: JSON written" $(t -s $J)
	[ -s $J ] || return
	check "$name: system.irq_mode = $want" $(t "$(jget $J system.irq_mode)" = "\"$want\"") "$(jget $J system.irq_mode)"
	i=$(jflat $J | awk -F= '$1 ~ /^tasks\.[0-9]+\.comm$/ && $2 ~ /^"irq\/.*rttrace/ { split($1, a, "."); print a[2]; exit }')
	check "$name: the IRQ thread irq/$irq-rttrace_demo is in the report" $(t -n "$i")
	[ -n "$i" ] || return
	c=$(num "$(jget $J tasks.$i.metrics.irq.count)")
	mn=$(num "$(jget $J tasks.$i.metrics.irq.min_ns)")
	mx=$(num "$(jget $J tasks.$i.metrics.irq.max_ns)")
	vi=$(num "$(jget $J tasks.$i.metrics.irq.violations)")
	ap=$(jget $J tasks.$i.metrics.irq.approximate)
	echo "$name irq: count $c min $mn max $mx violations $vi approximate $ap"
	check "$name: irq count = $N" $(t "$c" = $N) "$c"
	check "$name: irq min >= $T_US us" $(t "$mn" -ge $((T_US * 1000))) "$mn"
	check "$name: irq max < 20 x $T_US us (TCG)" $(t "$mx" -lt $((20 * T_US * 1000))) "$mx"
	check "$name: irq violations of 1 ms = $N" $(t "$vi" = $N) "$vi"
	check "$name: irq not approximate in $want mode" $(t "$ap" = false) "$ap"
	dc=$(num "$(jget $J tasks.$i.metrics.irq_delay.count)")
	dmax=$(num "$(jget $J tasks.$i.metrics.irq_delay.max_ns)")
	check "$name: irq_delay count = $N" $(t "$dc" = $N) "$dc"
	check "$name: worst irq_delay >= handler time" $(t "$dmax" -ge "$mn") "$dmax < $mn"
}
case $(uname -r) in
6.1.*) irq_run irq kprobe ;;			# auto: fentry refused (524), kprobe next
*) irq_run irq fentry; irq_run irq-kprobe kprobe --irq-mode kprobe ;;
esac
rmmod irq_demo
# information: arm64 IPIs are IRQs without a numbered /proc/interrupts row
# (rttrace names IRQs from there); /sys/kernel/irq/N/actions has their names
for d in /sys/kernel/irq/*; do
	n=${d##*/}
	grep -q "^ *$n:" /proc/interrupts || echo "irq $n: not in /proc/interrupts, actions '$(cat $d/actions)' chip '$(cat $d/chip_name)'"
done
finish
