#!/bin/sh
# Where, on the PREEMPT_RT guest: a FIFO 60 loop blocked on a PI mutex a
# FIFO 10 holder takes first (lock_wait --pi).  The report must name the
# futex as priority-inheriting and show the rt_mutex path in the kernel
# stack, and the waker's stack in its own code.  Output in $VM_OUT.
O=${VM_OUT:-/tmp}
set -x
build/rttrace run -d 3s -j "$O/where_rt.json" -- build/workloads/lock_wait --pi -d 4s \
	2>&1 | tee "$O/where_rt.txt"
set +x
python3 - "$O/where_rt.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = True
def check(desc, cond):
    global ok
    print(("CHECK ok: " if cond else "CHECK FAIL: ") + desc)
    ok = ok and cond
def syms(st, side):
    return [f["sym"] or "" for f in (st or {}).get(side, [])]
check("schema 2", r["schema_version"] == 2)
check("PREEMPT_RT", r["system"]["preempt_model"] == "PREEMPT_RT")
loop, holder = r["tasks"][0], r["tasks"][1]
w = loop["metrics"]["relief"]["worst"]
print("verdict:", w["verdict"])
b = w.get("blocked")
print("blocked:", json.dumps(b)[:2000])
check("the worst relief window has a block", b is not None)
if b:
    check("in futex", b["syscall"] == "futex")
    check("a PI lock operation", (b["futex"] or {}).get("pi") is True)
    ks = syms(b["stack"], "kernel")
    check("kernel stack shows the rt_mutex path", any("rt_mutex" in s for s in ks))
    check("kernel stack shows futex_lock_pi", any("futex_lock_pi" in s for s in ks))
    # the verdict names the block when the block is the largest part (in
    # the TCG guest the loop's own run sometimes is)
    top = max(w["breakdown"], key=lambda p: p["ns"])
    if top["kind"] == "blocked":
        check("verdict says priority-inheriting", "(priority-inheriting)" in w["verdict"])
    else:
        print("verdict names the", top["kind"], "part: not checked")
wk = w.get("waker") or {}
check("the holder woke it", wk.get("tid") == holder["pid"])
check("from holder_release_lock", "holder_release_lock" in syms(wk.get("stack"), "user"))
check("no non-PI futex finding for the loop",
      not [f for f in loop["findings"] if f["kind"] == "non_pi_futex"])
sys.exit(0 if ok else 1)
PY
