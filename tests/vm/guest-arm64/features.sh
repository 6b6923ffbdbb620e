#!/bin/sh
# What rttrace selects on this kernel, as it says so itself: one
# "FEATURE key=value" line per item for the kernel matrix (tests/vm/matrix.sh,
# tests/vm/README.md); the arm64 twin of tests/vm/guest/features.sh.
#   1. --irq rttrace_demo with the default IRQ mode: the mode chosen, the
#      ones refused before it (-v)
#   2. -t PID of lock_wait --pi (two threads running before rttrace starts):
#      backend, birth_state_from_user_space (defer_fork), capture_gate
#      (holders), steal_clock, stacks in the worst relief window (where);
#      thread pidfd from pidfd_probe (no strace here: the same
#      pidfd_open(TID, PIDFD_THREAD) rttrace makes, asked of the kernel)
# Fails only if rttrace fails or writes no report; the values are facts.
. /tests/lib.sh
feature() { echo "FEATURE $1=$2"; }
# jval FILE PATH: jget without the quotes of a string
jval() { jget "$1" "$2" | sed 's/^"\(.*\)"$/\1/'; }
feature kernel "$(uname -r)"
feature machine "$(uname -m)"
feature realtime "$(cat /sys/kernel/realtime 2>/dev/null || echo 0)"

# ---- 1. IRQ mode (auto) --------------------------------------------------------
P=/sys/module/irq_demo/parameters
insmod /opt/rttrace/irq_demo.ko spin_us=2000
check "insmod irq_demo.ko" $?
J=$O/features-irq.json
$RT run -v --irq rttrace_demo -d 2 -j $J >$O/features-irq.txt 2>$O/features-irq.err &
pid=$!
n=0
while ! grep -q "tracing started" $O/features-irq.err && kill -0 $pid 2>/dev/null && [ $n -lt 600 ]; do
	sleep 0.1; n=$((n + 1))
done
echo 5 >$P/trigger
wait $pid
rc=$?
cat $O/features-irq.err
check "rttrace --irq rttrace_demo exit 0" $rc
feature irq_mode "$(jval $J system.irq_mode)"
feature irq_modes_refused "$(sed -n 's/^rttrace: IRQ mode \([a-z]*\) not available here: \(.*\)/\1 (\2)/p' \
	$O/features-irq.err | tr '\n' ';' | sed 's/;$//')"
i=$(jflat $J | awk -F= '$1 ~ /^tasks\.[0-9]+\.comm$/ && $2 ~ /^"irq\// { split($1, a, "."); print a[2]; exit }')
feature irq_count "$(jget $J tasks.$i.metrics.irq.count)"
rmmod irq_demo

# ---- 2. -t PID: birth state, holders, steal clock, stacks; thread pidfd ---------
J=$O/features-where.json
$WL/lock_wait --pi -d 8s >/tmp/features-lw.out 2>&1 &
lw=$!
n=0
while ! grep -q '^tid loop=' /tmp/features-lw.out && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
holder=$(sed -n 's/^tid loop=[0-9]* holder=\([0-9]*\).*/\1/p' /tmp/features-lw.out)
check "lock_wait started (pid $lw, holder thread ${holder:-?})" $(t -n "$holder")
$RT run -v -t $lw -d 2 -j $J >/tmp/features-where.txt 2>/tmp/features-where.err
rc=$?
kill $lw 2>/dev/null; wait $lw 2>/dev/null
cp /tmp/features-where.txt /tmp/features-where.err $O/
cat $O/features-where.err
check "rttrace -t $lw exit 0" $rc
check "JSON written" $(t -s $J)
feature thread_pidfd "$(/opt/rttrace/pidfd_probe | sed 's/^thread_pidfd=//')"
feature backend "$(jval $J system.backend)"
feature verbose "$(grep '^rttrace: backend' $O/features-where.err | head -n 1 | sed 's/^rttrace: //')"
feature birth_state_from_user_space "$(jval $J system.birth_state_from_user_space)"
feature capture_gate "$(jval $J system.capture_gate)"
feature steal_clock "$(jval $J system.steal_clock)"
i=$(jflat $J | awk -F= -v p="$lw" '$1 ~ /^tasks\.[0-9]+\.pid$/ && $2 == p { split($1, a, "."); print a[2]; exit }')
b=tasks.$i.metrics.relief.worst.blocked
nk=$(jflat $J | awk -F= -v p="$b.stack.kernel." 'index($1, p) == 1 && $1 ~ /\.sym$/' | wc -l)
nu=$(jflat $J | awk -F= -v p="$b.stack.user." 'index($1, p) == 1 && $1 ~ /\.sym$/' | wc -l)
if [ -n "$i" ] && [ $((nk + nu)) -gt 0 ]; then
	feature stacks "kernel $nk, user $nu frames (worst relief window, blocked in $(jval $J $b.syscall))"
else
	feature stacks none
fi
feature stacks_lost "$(jget $J session.stacks_lost)"
finish
