#!/bin/sh
# Check 4: --btf FILE on a kernel that "has no BTF".  One control_loop is
# watched by two rttrace runs at once: a normal one (tp_btf) and one with
# RTTRACE_SYSFS_BTF=/nonexistent --btf /tmp/k.btf (raw_tp backend; relief
# through the hand-computed pt_regs at the top of the kernel stack).
# Both run -d 4 from their own start: under TCG the two BPF loads compete for
# the CPUs and start 0.5-3 s apart, so "until the task exits" would compare
# windows of different lengths; the loop outlives both and is stopped after.
. /tests/lib.sh
cp /sys/kernel/btf/vmlinux /tmp/k.btf
A=$O/btf-normal.json B=$O/btf-file.json
$WL/control_loop --period 10ms --busy 2ms --policy fifo --prio 50 --duration 20s >/tmp/btf-cl.out 2>&1 &
cl=$!
n=0
# (output on tmpfs: a blocking write to the 9p share would be an extra,
# short response window)
while ! grep -q '^tid main=' /tmp/btf-cl.out && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
tid=$(sed -n 's/^tid main=\([0-9]*\).*/\1/p' /tmp/btf-cl.out)
check "control_loop started (tid ${tid:-?})" $(t -n "$tid")
[ -n "$tid" ] || finish
$RT run -v -p $tid -d 4 -j $A >$O/btf-normal.txt 2>$O/btf-normal.err &
a=$!
RTTRACE_SYSFS_BTF=/nonexistent $RT run -v -p $tid -d 4 --btf /tmp/k.btf -j $B >$O/btf-file.txt 2>$O/btf-file.err &
b=$!
wait $a; ra=$?
wait $b; rb=$?
kill -INT $cl
wait $cl
cp /tmp/btf-cl.out $O/
cat $O/btf-cl.out $O/btf-normal.err $O/btf-file.err
check "normal run exit 0" $ra
check "--btf run exit 0" $rb
check "both JSON written" $(t -s $A -a -s $B)
[ -s $A ] && [ -s $B ] || finish
check "normal run: backend tp_btf" $(t "$(jget $A system.backend)" = '"tp_btf"') "$(jget $A system.backend)"
check "--btf run: backend raw_tp" $(t "$(jget $B system.backend)" = '"raw_tp"') "$(jget $B system.backend)"
check "--btf run: stderr says the kernel has none" $(t -n "$(grep 'kernel has none' $O/btf-file.err)")
ia=$(jtask $A control_loop) ib=$(jtask $B control_loop)
check "control_loop in both reports" $(t -n "$ia" -a -n "$ib")
[ -n "$ia" ] && [ -n "$ib" ] || finish
for m in latency response relief; do
	x=$(num "$(jget $A tasks.$ia.metrics.$m.count)")
	y=$(num "$(jget $B tasks.$ib.metrics.$m.count)")
	echo "$m: normal count $x p50 $(jget $A tasks.$ia.metrics.$m.p50_ns) | --btf count $y p50 $(jget $B tasks.$ib.metrics.$m.p50_ns)"
	d=$((x > y ? x - y : y - x))
	check "$m counts within 15 % ($x vs $y; ~400 periods)" $(t "$x" -gt 200 -a "$y" -gt 0 -a $((d * 100)) -le $((15 * x))) "$x vs $y"
done
# the same iterations dominate both: relief medians within 10 %
x=$(num "$(jget $A tasks.$ia.metrics.relief.p50_ns)")
y=$(num "$(jget $B tasks.$ib.metrics.relief.p50_ns)")
d=$((x > y ? x - y : y - x))
check "relief p50 within 10 % ($x vs $y)" $(t "$x" -gt 0 -a $((d * 10)) -le "$x") "$x vs $y"
# -p: tracking starts at the first switch-out, so every response window
# holds a whole iteration (the last one ends at exit)
for f in $A:$ia $B:$ib; do
	rmin=$(num "$(jget ${f%:*} tasks.${f#*:}.metrics.response.min_ns)")
	check "$(basename ${f%:*}): response min >= 2 ms (the injected busy time)" $(t "$rmin" -ge 2000000) "$rmin"
done
y=$(num "$(jget $B tasks.$ib.metrics.relief.count)")
check "--btf run: relief count > 0 (pt_regs path works on arm64)" $(t "$y" -gt 0) "$y"
finish
