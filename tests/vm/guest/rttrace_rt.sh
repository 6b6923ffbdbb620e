#!/bin/sh
# rttrace on the PREEMPT_RT guest: trace the bundled control loop and check
# the report says PREEMPT_RT and has samples.  JSON and text go to $VM_OUT.
O=${VM_OUT:-/tmp}
set -x
build/rttrace run -v --slo-latency 2ms --slo-relief 5ms -j "$O/rttrace_rt.json" -- \
	build/workloads/control_loop --period 10ms --busy 2ms --policy fifo --prio 50 --duration 3s \
	2>&1 | tee "$O/rttrace_rt.txt"
set +x
python3 - "$O/rttrace_rt.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["system"]
print("system:", json.dumps(s))
ok = True
def check(desc, cond):
    global ok
    print(("CHECK ok: " if cond else "CHECK FAIL: ") + desc)
    ok = ok and cond
check("preempt_model is PREEMPT_RT", s.get("preempt_model") == "PREEMPT_RT")
check("kernel is the -rt guest kernel", "-rt-" in s.get("kernel", "") or "rt" in s.get("kernel", ""))
# task storage is not created in a tracepoint here (the slab's locks sleep)
check("threads born later get state from user space", s.get("birth_state_from_user_space") is True)
t = [t for t in r["tasks"] if t["comm"] == "control_loop"]
check("control_loop task in report", len(t) >= 1)
if t:
    m = t[0]["metrics"]
    for k in ("latency", "response", "relief"):
        print(k, json.dumps(m.get(k)))
    check("latency samples >= 200", m["latency"]["count"] >= 200)
    check("relief samples >= 200", m["relief"]["count"] >= 200)
    check("relief min >= 2 ms (the busy time)", m["relief"]["min_ns"] >= 2_000_000)
sys.exit(0 if ok else 1)
PY
