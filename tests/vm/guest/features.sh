#!/bin/sh
# What rttrace selects on this kernel, as it says so itself: one
# "FEATURE key=value" line per item for the kernel matrix (tests/vm/matrix.sh,
# tests/vm/README.md).  Runs in the x86_64 guest and, unchanged, on a host
# (`VM_OUT=DIR sh tests/vm/guest/features.sh` as root in the project).
#   1. --irq with the default IRQ mode: the mode chosen, the ones refused
#      before it (-v), the backend (-v and JSON)
#   2. -t PID of lock_wait --pi (two threads running before rttrace starts),
#      under strace: pidfd_open(TID, PIDFD_THREAD) of the non-leader thread
#      (thread pidfd, 6.9+; else the adopt_tasks iterator gives it state),
#      and the JSON: birth_state_from_user_space (defer_fork), capture_gate
#      (holders), steal_clock, stacks in the worst relief window (where)
# Fails only if rttrace fails or writes no report; the values are facts.
O=${VM_OUT:-/tmp}
BB=${VM_BUSYBOX:-busybox}
RT=build/rttrace
fails=0
check() {	# check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then echo "CHECK ok: $d"; else echo "CHECK FAIL: $d"; fails=$((fails + 1)); fi
}
feature() { echo "FEATURE $1=$2"; }
jq_() {	# jq_ FILE PYTHON-EXPR (r = the report)
	python3 -c "import json, sys; r = json.load(open(sys.argv[1])); v = $2; print(v if isinstance(v, str) else json.dumps(v))" "$1" 2>/dev/null
}

feature kernel "$(uname -r)"
feature machine "$(uname -m)"
feature realtime "$(cat /sys/kernel/realtime 2>/dev/null || echo 0)"

# ---- 1. IRQ mode (auto) --------------------------------------------------------
KO=build/irq_demo_module-$(uname -r)/irq_demo.ko
P=/sys/module/irq_demo/parameters
if [ -f "$KO" ] && { [ -d $P ] || $BB insmod "$KO" spin_us=2000; }; then
	IRQ=rttrace_demo
else
	# a host: any IRQ thread there is (no module of ours loads)
	IRQ=$(ps -eo comm | sed -n 's#^irq/\([0-9]*\)-.*#\1#p' | head -n 1)
fi
J=$O/features-irq.json
if [ -n "$IRQ" ]; then
	$RT run -v --irq "$IRQ" -d 2 -j $J >$O/features-irq.txt 2>$O/features-irq.err &
	pid=$!
	n=0
	while ! grep -q "tracing started" $O/features-irq.err && kill -0 $pid 2>/dev/null && [ $n -lt 600 ]; do
		sleep 0.1; n=$((n + 1))
	done
	[ -d $P ] && echo 5 >$P/trigger
	wait $pid
	rc=$?
	cat $O/features-irq.err
	check "rttrace --irq $IRQ exit 0" test $rc = 0
	feature irq_mode "$(jq_ $J 'r["system"]["irq_mode"]')"
	feature irq_modes_refused "$(sed -n 's/^rttrace: IRQ mode \([a-z]*\) not available here: \(.*\)/\1 (\2)/p' \
		$O/features-irq.err | paste -sd ';' -)"
	[ -d $P ] && feature irq_count "$(jq_ $J '[t for t in r["tasks"] if t["comm"].startswith("irq/")][0]["metrics"]["irq"]["count"]')"
	$BB rmmod irq_demo 2>/dev/null
else
	feature irq_mode "n/a (no IRQ thread on this kernel)"
fi

# ---- 2. -t PID: thread pidfd, birth state, holders, steal clock, stacks --------
J=$O/features-where.json
build/workloads/lock_wait --pi -d 8s >/tmp/features-lw.out 2>&1 &
lw=$!
n=0
while ! grep -q '^tid loop=' /tmp/features-lw.out && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
holder=$(sed -n 's/^tid loop=[0-9]* holder=\([0-9]*\).*/\1/p' /tmp/features-lw.out)
check "lock_wait started (pid $lw, holder thread ${holder:-?})" test -n "$holder"
ST=
command -v strace >/dev/null && ST="strace -f -qq --seccomp-bpf -e trace=pidfd_open -o $O/features.strace"
$ST $RT run -v -t $lw -d 2 -j $J >$O/features-where.txt 2>$O/features-where.err
rc=$?
kill $lw 2>/dev/null; wait $lw 2>/dev/null
cat $O/features-where.err
check "rttrace -t $lw exit 0" test $rc = 0
check "JSON written" test -s $J
if [ -n "$ST" ]; then
	cat $O/features.strace
	# rttrace's pidfd_open of the holder (not the group leader): a thread pidfd or not
	l=$(grep "pidfd_open($holder, " $O/features.strace | head -n 1)
	case $l in
	*"= -1"*) feature thread_pidfd "no ($(echo "$l" | sed 's/.*= -1 [A-Z0-9]* (\(.*\))$/\1/'))" ;;
	*"= "[0-9]*) feature thread_pidfd "yes" ;;
	*) feature thread_pidfd "not called (${l:-no pidfd_open of $holder})" ;;
	esac
else
	feature thread_pidfd "unknown (no strace)"
fi
feature backend "$(jq_ $J 'r["system"]["backend"]')"
feature verbose "$(grep '^rttrace: backend' $O/features-where.err | head -n 1 | sed 's/^rttrace: //')"
feature birth_state_from_user_space "$(jq_ $J 'r["system"]["birth_state_from_user_space"]')"
feature capture_gate "$(jq_ $J 'r["system"]["capture_gate"]')"
feature steal_clock "$(jq_ $J 'r["system"]["steal_clock"]')"
python3 - $J $lw <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = [t for t in r["tasks"] if t["pid"] == int(sys.argv[2])]
w = (t[0]["metrics"]["relief"].get("worst") or {}) if t else {}
b = w.get("blocked") or {}
st = b.get("stack") or {}
print("FEATURE stacks=" + ("kernel %d, user %d frames (worst relief window, blocked in %s)"
      % (len(st.get("kernel") or []), len(st.get("user") or []), b.get("syscall")) if st else "none"))
PY
feature stacks_lost "$(jq_ $J 'r["session"]["stacks_lost"]')"
echo "features: $fails failed checks"
test $fails = 0
