#!/usr/bin/env python3
"""rttrace where-record cost: stacks on vs off, interleaved A/B.  Python 3 stdlib only; root.

    bench/where_cost.py [--quick] [--rounds N] [--seconds S] [--out FILE]

What it measures (issue 16): what capture's "where records" (kernel and
user stacks by bpf_get_stack, plus syscall arguments, taken at some
scheduler events: a tracked task's voluntary sleep that leaves its relief
window open or is a finding, the waker of such a block, the switch-out of
a task that held a watched CPU >= 20 us) add to rttrace's per-event BPF
cost, to rttrace's own CPU time, and to the latency of the traced loop.

Workload: build/workloads/lock_wait with its defaults: a SCHED_FIFO 60
loop on CPU 1 blocks every 10 ms on a plain (non-PI) mutex that a
SCHED_FIFO 10 holder took 1 ms before the loop's release; every block is a
non-PI futex wait (a finding, so a where record for the loop and one for
its waker).  rttrace starts it, so its threads are followed from birth.

Arms, all in every round, their order rotating from round to round:
  stacks    rttrace run -d S -j FILE -- lock_wait -d S+1 (capture on, the default)
  nostacks  the same with RTTRACE_NO_STACKS=1 (capture without where records)
  notrace   the same with --no-trace (no capture at all)
  plain     lock_wait -d S alone (rttrace stops the others at S)
kernel.bpf_stats_enabled=1 during the suite (restored at the end).

Per arm it records: for the rttrace arms, ns/event of each of rttrace's
BPF programs (Δrun_time_ns / Δrun_cnt between a read shortly after the
sched_switch program first fires and one END_MARGIN s before rttrace's
planned end; the programs are found through /proc/PID/fdinfo of that
rttrace process).  The switch program is the gate (tp_switch_gate), whose
counters include the body it tail-calls.  From rttrace's JSON report:
session.rttrace_cpu_ns and rttrace_wakeups (over the session),
stacks_lost, lost_events, the count of the loop's non_pi_futex findings,
and whether its worst relief block has stacks (yes with them, no
without, or the suite is broken).  From lock_wait's JSON summary line: avg/max wake delay,
avg/max response, avg lock wait, iterations.

Exit status: 0 when every step ran (numbers never fail the suite), 1 when
the suite broke (rttrace did not start or failed, a program did not fire,
output unparsable, the stacks/nostacks check failed).

With --out FILE the Markdown section (between the marker lines
<!-- where-cost:begin --> and <!-- where-cost:end -->) replaces the one
already in FILE, or is appended to FILE; raw numbers go to JSON beside it
(build/bench/where_cost.json when FILE is in the source tree).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402  (shared helpers: Proc, prog_stats, owned ids, ...)

SuiteError, log, run, Proc = B.SuiteError, B.log, B.run, B.Proc
sleep_until, by_arm = B.sleep_until, B.by_arm
med, spread, table = B.med, B.spread, B.table
ROOT, BUILD, RTTRACE, BPFTOOL = B.ROOT, B.BUILD, B.RTTRACE, B.BPFTOOL
LOCK_WAIT = os.path.join(BUILD, "workloads", "lock_wait")
ENV = shutil.which("env") or "/usr/bin/env"

BEGIN, END = B.WHERE_COST_BEGIN, B.WHERE_COST_END
ARMS = ("stacks", "nostacks", "notrace", "plain")   # rotated each round
RT_ARMS = ("stacks", "nostacks", "notrace")
LABEL = {"stacks": "stacks (capture, where records)",
         "nostacks": "nostacks (capture, RTTRACE_NO_STACKS=1)",
         "notrace": "notrace (rttrace --no-trace)",
         "plain": "plain (lock_wait alone)"}
END_MARGIN = 0.7       # s before rttrace's planned end the second counter read is taken
STATS = "/proc/sys/kernel/bpf_stats_enabled"


# ---- commands --------------------------------------------------------------

def arm_cmd(arm, a, js):
    if arm == "plain":
        return [LOCK_WAIT, "-d", "%ds" % a.seconds]
    cmd = [RTTRACE, "run", "-d", "%ds" % a.seconds, "-j", js]
    if arm == "notrace":
        cmd.append("--no-trace")
    cmd += ["--", LOCK_WAIT, "-d", "%ds" % (a.seconds + 1)]
    if arm == "nostacks":
        cmd = [ENV, "RTTRACE_NO_STACKS=1"] + cmd
    return cmd


def shown(cmd):
    out = []
    for x in cmd:
        if x.startswith(tempfile.gettempdir() + "/"):
            x = "FILE"
        elif x.startswith(ROOT + "/"):
            x = os.path.relpath(x, ROOT)
        elif x == ENV:
            continue
        out.append(x)
    return " ".join(out)




# ---- parsing ---------------------------------------------------------------

def lock_wait_summary(out, arm):
    for line in out.splitlines():
        if line.startswith('{"program":"lock_wait"'):
            try:
                s = json.loads(line)
            except ValueError:
                break
            if not s.get("iterations"):
                raise SuiteError("lock_wait (%s) ran no iteration: %s" % (arm, line))
            return {k: s.get(k) for k in (
                "iterations", "contended", "avg_wake_delay_ns", "max_wake_delay_ns",
                "avg_response_ns", "max_response_ns", "avg_lock_wait_ns",
                "max_lock_wait_ns", "holder_missed", "elapsed_ns")}
    raise SuiteError("lock_wait (%s) printed no JSON summary: %s" % (arm, out[-300:]))


def rt_report(js, arm):
    try:
        with open(js) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise SuiteError("rttrace (%s) wrote no JSON report: %s" % (arm, e))
    sess = rep.get("session", {})
    tasks = rep.get("tasks") or []
    if not tasks:
        raise SuiteError("rttrace (%s) reported no task" % arm)
    loop = next((t for t in tasks if t.get("pid") == t.get("tgid")), tasks[0])

    def nonpi(t):
        return sum(f.get("count", 0) for f in (t.get("findings") or [])
                   if f.get("kind") == "non_pi_futex")

    def block_stack(t):
        """The loop's worst relief window names its block's stacks."""
        w = (((t.get("metrics") or {}).get("relief") or {}).get("worst") or {})
        b = w.get("blocked") or {}
        return bool(b.get("stack"))

    secs = (sess.get("end_ns", 0) - sess.get("start_ns", 0)) / 1e9
    if secs <= 0 or sess.get("rttrace_cpu_ns") is None:
        raise SuiteError("rttrace (%s): no session length or rttrace_cpu_ns in its report" % arm)
    return {"session_s": secs,
            "cpu_ns": sess["rttrace_cpu_ns"], "wakeups": sess.get("rttrace_wakeups", 0),
            "cpu_pct": 100 * sess["rttrace_cpu_ns"] / 1e9 / secs,
            "wakeups_per_s": sess.get("rttrace_wakeups", 0) / secs,
            "stacks_lost": sess.get("stacks_lost", 0), "lost_events": sess.get("lost_events", 0),
            "windows_not_captured": sess.get("windows_not_captured", 0),
            "nonpi_loop": nonpi(loop), "nonpi_all": sum(nonpi(t) for t in tasks),
            "block_stack": block_stack(loop)}


def prog_deltas(s0, s1):
    """{name: {ns, cnt, tot}} of the programs that ran between the two reads."""
    out = {}
    for pid_, p1 in s1.items():
        p0 = s0.get(pid_)
        if not p0:
            continue
        dn = (p1.get("run_cnt") or 0) - (p0.get("run_cnt") or 0)
        dt = (p1.get("run_time_ns") or 0) - (p0.get("run_time_ns") or 0)
        if dn > 0:
            out[p1["name"]] = {"ns": dt / dn, "cnt": dn, "tot": dt,
                               "insns": p1.get("bytes_xlated", 0) // 8}
    return out


def pick(progs, event):
    """The program of an event with the most runs: for sched_switch that is
    the gate (the copies it tail-calls keep their own counters at 0)."""
    c = [(v["cnt"], n) for n, v in progs.items() if B.event_of(n) == event]
    return max(c)[1] if c else None


# ---- one arm -----------------------------------------------------------------

def run_arm(arm, a, tmpdir, rnd):
    js = os.path.join(tmpdir, "rt-%s.json" % arm)
    if os.path.exists(js):
        os.unlink(js)
    res = {"arm": arm, "round": rnd}
    proc = Proc(arm_cmd(arm, a, js), arm)
    try:
        if arm in RT_ARMS:
            progs, _ = B.wait_tracer(proc, timeout=30)
            t_r = time.monotonic()
            s0 = B.prog_stats(progs)
            t0 = time.monotonic()
            sleep_until(t_r + a.seconds - END_MARGIN)
            s1 = B.prog_stats(progs)
            t1 = time.monotonic()
            if not proc.alive() or set(s1) != set(s0) or not s0:
                raise SuiteError("rttrace (%s) ended before the second counter read "
                                 "(rc %s): %s" % (arm, proc.p.returncode, proc.err()[-300:]))
            res["span_s"] = t1 - t0
            res["progs"] = prog_deltas(s0, s1)
            sw, wk = pick(res["progs"], "switch"), pick(res["progs"], "wakeup")
            if not sw or not wk:
                raise SuiteError("rttrace (%s): its sched_switch or sched_wakeup program did "
                                 "not run (%s)" % (arm, ", ".join(sorted(res["progs"]))))
            res["switch"], res["wakeup"] = sw, wk
        try:
            rc = proc.p.wait(timeout=a.seconds + 60)
        except subprocess.TimeoutExpired:
            raise SuiteError("%s did not finish" % arm)
        if rc != 0:
            raise SuiteError("%s exited %s: %s" % (arm, rc, proc.err()[-400:]))
        res["lock_wait"] = lock_wait_summary(proc.out(), arm)
        if arm in RT_ARMS:
            res["rttrace"] = rt_report(js, arm)
            n = res["rttrace"]["nonpi_loop"]
            st = res["rttrace"]["block_stack"]
            if arm == "stacks" and (n == 0 or not st):
                raise SuiteError("stacks arm: the loop's worst relief block has no stack, or "
                                 "it has no non_pi_futex finding (no where record taken?)")
            if arm == "nostacks" and st:
                raise SuiteError("nostacks arm: the loop's worst relief block has stacks "
                                 "(RTTRACE_NO_STACKS=1 ignored?)")
    finally:
        if proc.alive():
            try:
                proc.stop(signal.SIGINT if arm in RT_ARMS else signal.SIGKILL)
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
    return res


def run_suite(a):
    tmpdir = tempfile.mkdtemp(prefix="rttrace-wherecost-")
    try:
        return B.interleaved_rounds(
            "where-cost", ARMS, a.rounds, lambda arm, r: run_arm(arm, a, tmpdir, r),
            lambda: run_arm("stacks", argparse.Namespace(**dict(vars(a), seconds=2)), tmpdir, -1),
            0.3)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


# ---- report --------------------------------------------------------------------



def metric(x, key):
    """One number of a run, or None where the arm has none."""
    if key in ("switch", "wakeup"):
        return x["progs"][x[key]]["ns"] if "progs" in x else None
    if key == "bpf_ms_s":
        return (sum(p["tot"] for p in x["progs"].values()) / 1e6 / x["span_s"]
                if "progs" in x else None)
    if key in ("cpu_pct", "wakeups_per_s"):
        return x["rttrace"][key] if "rttrace" in x else None
    return x["lock_wait"][key] / 1000      # ns -> µs


def vals(runs, arm, key):
    return [v for v in (metric(x, key) for x in by_arm(runs, arm)) if v is not None]


def paired(runs, arm, base, key, diff=False):
    """Per round: arm's value / base's (or arm − base with diff)."""
    b = {x["round"]: metric(x, key) for x in by_arm(runs, base)}
    out = []
    for x in by_arm(runs, arm):
        v, w = metric(x, key), b.get(x["round"])
        if v is None or w is None or (not diff and not w):
            continue
        out.append(v - w if diff else v / w)
    return out


COLS = (("switch", "switch ns/event", "%.0f"), ("wakeup", "wakeup ns/event", "%.0f"),
        ("bpf_ms_s", "BPF ms/s (all programs)", "%.2f"),
        ("avg_wake_delay_ns", "avg wake delay µs", "%.1f"),
        ("max_wake_delay_ns", "max wake delay µs", "%.0f"),
        ("avg_response_ns", "avg response µs", "%.0f"),
        ("avg_lock_wait_ns", "avg lock wait µs", "%.0f"),
        ("cpu_pct", "rttrace CPU %", "%.2f"), ("wakeups_per_s", "rttrace wakeups/s", "%.1f"))
RATIO_KEYS = ("switch", "wakeup", "bpf_ms_s", "avg_wake_delay_ns", "max_wake_delay_ns",
              "avg_response_ns", "cpu_pct")
PAIRS = (("stacks", "nostacks"), ("nostacks", "notrace"), ("notrace", "plain"),
         ("stacks", "plain"))


def pct(r):
    return "%+.0f %%" % (100 * (r - 1))


def sentences(runs):
    """What the numbers say, generated from them."""
    S = []
    for key, what in (("switch", "per sched_switch event (the gate and its tail-called body)"),
                      ("wakeup", "per sched_wakeup event")):
        d, r = paired(runs, "stacks", "nostacks", key, True), paired(runs, "stacks", "nostacks", key)
        if d:
            rng = ", range %.0f to %.0f ns" % (min(d), max(d)) if len(d) > 1 else ""
            S.append("Stacks add %.0f ns %s (median of the per-round differences%s; "
                     "ratio %.2f×, %s)." % (med(d), what, rng, med(r), pct(med(r))))
    sw = [x["progs"][x["switch"]]["cnt"] / x["span_s"] for x in by_arm(runs, "stacks")]
    wk = [x["progs"][x["wakeup"]]["cnt"] / x["span_s"] for x in by_arm(runs, "stacks")]
    nf = [x["rttrace"]["nonpi_loop"] / x["rttrace"]["session_s"] for x in by_arm(runs, "stacks")]
    if sw and nf:
        S.append("With stacks the switch program ran %.0f times/s and the wakeup program "
                 "%.0f times/s, while the loop blocked on the mutex %.0f times/s (a where "
                 "record for the block and one for its waker each): the per-event figures "
                 "average the events that take a record with all the others." %
                 (med(sw), med(wk), med(nf)))
    r = paired(runs, "stacks", "nostacks", "bpf_ms_s")
    if r:
        S.append("All of rttrace's programs together: %.3f ms of BPF time per second with "
                 "stacks, %.3f without (ratio %.2f× [%.2f–%.2f])." %
                 (med(vals(runs, "stacks", "bpf_ms_s")), med(vals(runs, "nostacks", "bpf_ms_s")),
                  med(r), min(r), max(r)))
    d = paired(runs, "stacks", "nostacks", "bpf_ms_s", True)
    it = [x["lock_wait"]["iterations"] / (x["lock_wait"]["elapsed_ns"] / 1e9)
          for x in by_arm(runs, "stacks") if x["lock_wait"].get("elapsed_ns")]
    if d and it:
        S.append("Per loop iteration (%.0f/s) that is %.1f µs more BPF time with stacks "
                 "(the median difference of BPF ms/s divided by the iteration rate)." %
                 (med(it), 1000 * med(d) / med(it)))
    r = paired(runs, "stacks", "nostacks", "cpu_pct")
    if r:
        S.append("rttrace's own CPU: %.2f %% of a CPU with stacks, %.2f %% without "
                 "(ratio %.2f× [%.2f–%.2f]); its wakeups %.1f/s vs %.1f/s." %
                 (med(vals(runs, "stacks", "cpu_pct")), med(vals(runs, "nostacks", "cpu_pct")),
                  med(r), min(r), max(r), med(vals(runs, "stacks", "wakeups_per_s")),
                  med(vals(runs, "nostacks", "wakeups_per_s"))))
    for key, what in (("avg_wake_delay_ns", "average wake delay"),
                      ("avg_response_ns", "average response")):
        r = paired(runs, "stacks", "nostacks", key)
        if not r:
            continue
        if len(r) > 1 and min(r) <= 1 <= max(r):
            tail = "the per-round ratios straddle 1.00, so this run resolves no difference"
        elif len(r) > 1:
            tail = "every round's ratio is %s 1.00" % ("above" if min(r) > 1 else "below")
        else:
            tail = "one round only"
        S.append("The loop's %s: %.1f µs with stacks, %.1f µs without; ratio %.2f× "
                 "[%.2f–%.2f] (%s)." %
                 (what, med(vals(runs, "stacks", key)), med(vals(runs, "nostacks", key)),
                  med(r), min(r), max(r), tail))
    r = paired(runs, "notrace", "plain", "avg_wake_delay_ns")
    if r:
        S.append("For scale: notrace / plain (rttrace with capture off vs none) gives %.2f× "
                 "[%.2f–%.2f] on the average wake delay." % (med(r), min(r), max(r)))
    return S


def report(raw):
    a, runs = raw["args"], raw["runs"]
    L = [BEGIN, "## Where records (stacks): what they add (issue 16)", ""]
    w = L.append
    w("Written by `%s` (%s mode, %.0f s).%s\n" %
      ("make bench-where-quick" if a["quick"] else "make bench-where",
       "quick" if a["quick"] else "full", raw["elapsed"],
       " **Quick mode: one short round, a smoke test, not a result.**" if a["quick"] else ""))
    w("Method: `build/workloads/lock_wait` with its defaults (a SCHED_FIFO 60 loop on "
      "CPU 1 blocks every 10 ms on a plain, non-PI mutex a SCHED_FIFO 10 holder took 1 ms "
      "before the loop's release, so every iteration is a non-PI futex wait: a finding, "
      "with a where record for the loop's block and one for its waker) runs in four arms: "
      "`stacks` (rttrace, capture on, the default), `nostacks` (the same with "
      "`RTTRACE_NO_STACKS=1`: capture without where records), `notrace` (`--no-trace`) "
      "and `plain` (lock_wait alone); rttrace starts lock_wait and stops it after %d s. "
      "%d interleaved round%s of all four arms, the arm order rotating each round, after "
      "an unrecorded warm-up; `kernel.bpf_stats_enabled=1` throughout. Per-event cost is "
      "Δrun_time_ns / Δrun_cnt of that rttrace process's programs (found through "
      "/proc/PID/fdinfo) between a read once its sched_switch program fires and one "
      "%.1f s before its end; the switch program is the gate `tp_switch_gate`, whose "
      "counters include the body it tail-calls. rttrace CPU %% and wakeups/s are "
      "`session.rttrace_cpu_ns` and `rttrace_wakeups` (voluntary) of its JSON report over "
      "the session; wake delay, response and lock wait are lock_wait's own summary. "
      "Figures are medians over rounds, `[min–max]` the spread over rounds; ratios are "
      "taken per round (same round), then the median.\n" %
      (a["seconds"], a["rounds"], "" if a["rounds"] == 1 else "s", END_MARGIN))
    w(table(raw["versions"], ["", ""]))
    w("\n```sh")
    for arm in ARMS:
        w("# %s\n%s" % (arm, raw["cmds"][arm]))
    w("```\n")

    w("### Per arm (medians [min–max] over rounds)\n")
    rows = []
    for arm in ARMS:
        xs = by_arm(runs, arm)
        if not xs:
            continue
        row = [LABEL[arm]]
        for key, _, fmt in COLS:
            v = vals(runs, arm, key)
            row.append(spread(v, fmt) if v else "-")
        rt = [x["rttrace"] for x in xs if "rttrace" in x]
        row.append(spread([r["nonpi_loop"] for r in rt]) if rt else "-")
        row.append("%d / %d" % (sum(r["stacks_lost"] for r in rt),
                                sum(r["lost_events"] for r in rt)) if rt else "-")
        rows.append(row)
    w(table(rows, ["arm"] + [c[1] for c in COLS] +
            ["loop's non_pi_futex findings", "stacks lost / events lost (sum)"]))
    w("\nWake delay: the loop's release (timer) to running, from lock_wait's summary; "
      "response: release to job end. The BPF side counts non_pi_futex findings with or "
      "without stacks (it takes the first one's); the suite checks that the loop's worst "
      "relief block has stacks with them and none without.\n")

    w("### Paired ratios (same round; median [min–max])\n")
    names = dict((k, t) for k, t, _ in COLS)
    rows = []
    for arm, base in PAIRS:
        if not by_arm(runs, arm) or not by_arm(runs, base):
            continue
        row = ["%s / %s" % (arm, base)]
        for key in RATIO_KEYS:
            r = paired(runs, arm, base, key)
            row.append(spread(r, "%.2f×") if r else "-")
        rows.append(row)
    w(table(rows, ["ratio"] + [names[k] for k in RATIO_KEYS]))
    w("\nstacks / nostacks is the question; nostacks / notrace is what capture without "
      "stacks adds, notrace / plain what rttrace with capture off adds (for scale).\n")

    w("### What the numbers say\n")
    for s in sentences(runs):
        w("- " + s)
    w("")
    w("Reproduce: `make bench-where` (full: %s; writes this section of "
      "bench/RESULTS.md), `make bench-where-quick` (one 3-s round), "
      "`python3 bench/where_cost.py --help`." %
      ("%d rounds × 4 arms × %d s" % (DEF_ROUNDS, DEF_SECONDS)))
    w(END)
    return "\n".join(L) + "\n"


def raw_path(out, quick):
    return B.suite_raw_path(out, quick, "where_cost")


# ---- main ----------------------------------------------------------------------

DEF_ROUNDS, DEF_SECONDS = 5, 5


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 round of 3 s per arm (smoke run)")
    ap.add_argument("--rounds", type=int,
                    help="interleaved rounds (default %d; quick 1)" % DEF_ROUNDS)
    ap.add_argument("--seconds", type=int,
                    help="rttrace -d per arm (default %d; quick 3)" % DEF_SECONDS)
    ap.add_argument("--out", help="Markdown file: replace or append the where-cost section "
                    "(default: print only)")
    ap.add_argument("--from-raw", metavar="JSON",
                    help="only rebuild the section from a previous run's raw JSON")
    a = ap.parse_args()

    if a.from_raw:
        with open(a.from_raw) as f:
            raw = json.load(f)
        txt = report(raw)
        if a.out:
            B.put_section(a.out, txt, BEGIN, END)
        print(txt)
        return 0

    a.rounds = a.rounds or (1 if a.quick else DEF_ROUNDS)
    a.seconds = a.seconds or (3 if a.quick else DEF_SECONDS)
    if a.seconds < 2 or a.rounds < 1:
        log("where_cost: need --seconds >= 2, --rounds >= 1")
        return 2
    if os.geteuid() != 0:
        log("where_cost: must run as root (BPF, SCHED_FIFO, bpf_stats)")
        return 1
    for exe in (RTTRACE, LOCK_WAIT, BPFTOOL):
        if not os.access(exe, os.X_OK):
            log("where_cost: missing %s (make all; make deps)" % exe)
            return 1
    if "--no-trace" not in run([RTTRACE, "run", "--help"], check=False).stdout:
        log("where_cost: SUITE BROKEN: rttrace run has no --no-trace")
        return 1

    with open(STATS) as f:
        old_stats = f.read().strip()
    t0 = time.time()
    rc = 0
    try:
        with open(STATS, "w") as f:
            f.write("1")
        log("where_cost: %d rounds x %d arms x %d s" % (a.rounds, len(ARMS), a.seconds))
        foreign = B.sched_foreign_progs()
        runs = run_suite(a)
        keep = ("machine", "kernel", "rttrace", "bpftool / libbpf", "date")
        vers = [v for v in B.versions() if v[0] in keep]
        if foreign:
            vers.append(("other BPF programs on sched tracepoints", ", ".join(foreign)))
        raw = {"args": {"quick": a.quick, "rounds": a.rounds, "seconds": a.seconds},
               "versions": vers, "elapsed": time.time() - t0,
               "cmds": {arm: shown(arm_cmd(arm, a, "/tmp/j")) for arm in ARMS},
               "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
               "runs": runs}
        txt = report(raw)
        rp = raw_path(a.out, a.quick)
        os.makedirs(os.path.dirname(rp), exist_ok=True)
        with open(rp, "w") as f:
            json.dump(raw, f, indent=1)
        if a.out:
            B.put_section(a.out, txt, BEGIN, END)
        print(txt)
        log("where_cost: %sraw numbers in %s (%.0f s)" %
            ("wrote %s, " % a.out if a.out else "", rp, time.time() - t0))
    except (SuiteError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
        log("where_cost: SUITE BROKEN: %s: %s" % (type(e).__name__, e))
        rc = 1
    finally:
        with open(STATS, "w") as f:
            f.write(old_stats)
    return rc


if __name__ == "__main__":
    sys.exit(main())
