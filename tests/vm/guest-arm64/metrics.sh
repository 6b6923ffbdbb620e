#!/bin/sh
# Check 2: metrics against a known workload: control_loop (FIFO 50, 10 ms
# period, 2 ms busy, 3 s).  Under TCG the guest is slow, so the counts are
# checked loosely (> 200 of ~300 periods); the injected busy time bounds the
# response and relief from below.  stdout/stderr go to tmpfs (copied to the
# share after): a write to the 9p share blocks, and such a block is a
# voluntary sleep of control_loop, i.e. an extra response window that need
# not hold the busy time (1.95 ms seen at startup: the "tid" line).
. /tests/lib.sh
J=$O/metrics.json
$RT run -v -d 3 --format seed -j $J -- \
	$WL/control_loop --period 10ms --busy 2ms --policy fifo --prio 50 --duration 3s \
	>/tmp/metrics.txt 2>/tmp/metrics.err
rc=$?
cp /tmp/metrics.txt /tmp/metrics.err $O/
cat $O/metrics.txt $O/metrics.err
check "rttrace run exit 0" $rc
seed=$(grep -c '^jerry_rt_module: PID=.*Name=control_loop' $O/metrics.txt)
check "--format seed: one jerry_rt_module line for control_loop" $(t "$seed" = 1) "$seed"
check "JSON written" $(t -s $J)
[ -s $J ] || finish
jflat $J | grep -v '\.worst\.\|\.last_violation\.' >$O/metrics.flat
check "system.preempt_model = PREEMPT_RT" $(t "$(jget $J system.preempt_model)" = '"PREEMPT_RT"') "$(jget $J system.preempt_model)"
check "system.machine = aarch64" $(t "$(jget $J system.machine)" = '"aarch64"') "$(jget $J system.machine)"
i=$(jtask $J control_loop)
check "control_loop is in the report" $(t -n "$i")
[ -n "$i" ] || finish
for m in latency response relief; do
	c=$(num "$(jget $J tasks.$i.metrics.$m.count)")
	echo "$m: count $c min $(jget $J tasks.$i.metrics.$m.min_ns) p50 $(jget $J tasks.$i.metrics.$m.p50_ns) max $(jget $J tasks.$i.metrics.$m.max_ns)"
	check "$m count > 200" $(t "$c" -gt 200) "$c"
done
# relief: timer wakeup -> next timer sleep = exactly the iterations
lmin=$(num "$(jget $J tasks.$i.metrics.relief.min_ns)")
check "relief min >= 2 ms (the injected busy time)" $(t "$lmin" -ge 2000000) "$lmin"
# response: any wakeup from a sleep -> the next voluntary sleep.  Tracking
# starts at control_loop's first switch-out (its first clock_nanosleep; the
# wakeup from rttrace's go pipe before exec opens nothing), so every window
# holds one whole iteration, busy time included -- as long as control_loop
# does not block elsewhere (its output is on tmpfs for that reason).
# rttrace's -d 3 and the loop's 3 s end about together, so the exit window
# (last wakeup -> exit) may or may not be in: response = relief (+1).
rc_=$(num "$(jget $J tasks.$i.metrics.response.count)")
lc_=$(num "$(jget $J tasks.$i.metrics.relief.count)")
check "response count - relief count in 0..1 (the exit window)" $(t $((rc_ - lc_)) -ge 0 -a $((rc_ - lc_)) -le 1) "$rc_ vs $lc_"
rmin=$(num "$(jget $J tasks.$i.metrics.response.min_ns)")
check "response min >= 2 ms (the injected busy time)" $(t "$rmin" -ge 2000000) "$rmin"
# the seed line carries the same minimum as the JSON
smin=$(sed -n 's/^minResponseTimeVoluntarySleepAllTypes=\([0-9]*\),.*/\1/p' $O/metrics.txt | head -1)
check "--format seed response min = JSON response min" $(t "$smin" = "$rmin") "seed $smin json $rmin"
finish
