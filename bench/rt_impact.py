#!/usr/bin/env python3
"""rttrace RT-impact suite: cyclictest under rttrace.  Python 3 stdlib only; root.

    bench/rt_impact.py [--quick] [--rounds N] [--seconds S] [--out FILE]

What it measures: the cost rttrace imposes on the real-time task it
observes, seen from that task.  cyclictest (rt-tests) runs one measuring
thread at SCHED_FIFO 80 pinned to one CPU (--cpu, default 1: "the traced
CPU") while a disturbance keeps that CPU busy at SCHED_OTHER:
`perf bench sched pipe -T` pinned to it, two threads ping-ponging through a
pipe, so every cyclictest wakeup preempts a running task and the CPU
switches tasks without pause (rttrace's untracked-switch path runs all the
time).  The same disturbance starts and stops with every arm.

Arms, all in every round:
  plain    cyclictest alone
  plain2   cyclictest alone again: plain2/plain is the run-to-run noise
  capture  rttrace run -d T --slo-latency 100us -j FILE -- cyclictest ...
  notrace  the same with --no-trace
rttrace starts cyclictest itself, so its threads are followed from birth.

Why interleaved rounds: this is a shared, noisy VM; latency tails drift
over minutes.  Running the arms back to back inside each round (their order
rotating from round to round) and comparing each arm with the plain arm of
the same round cancels the drift; the medians over rounds are reported.
An unrecorded short plain run warms up first.
Why a second no-rttrace arm: two identical arms differ by chance alone; the
range of plain2/plain (made symmetric: a ratio r and 1/r are equally likely
between identical arms) is the noise band an rttrace arm's ratio must stay
inside.

Per arm it records: cyclictest's histogram (p50/p99/p99.9/max, µs); the
/proc/interrupts deltas per type (IWI IRQ work, RES rescheduling, CAL
function call, LOC local timer, TLB shootdown) and CPU over the measured
span (from SETTLE s after cyclictest started to TAIL s before its end, the
same span in every arm, so rttrace's start-up is outside it); the
disturbance's context switches per second (a check that it ran the same
everywhere); with rttrace, its CPU time (on-CPU ns of its threads from
/proc/PID/task/*/schedstat; utime+stime ticks if absent) and
wakeups (voluntary + involuntary context switches of all its threads) per
second over the same span, its allowed CPUs and the CPUs its threads were
last seen on, and from its JSON report the latency samples it took of
cyclictest (none: the suite fails) and system.housekeeping_cpus if present.

Targets (issue): no interrupt added on the traced CPU (IWI, RES and CAL of
an rttrace arm minus plain, per second, within what plain2 minus plain
shows), and the p99 ratio within the noise band.  Exit status: 0 when every
step ran (numbers never fail the suite), 1 when the suite broke (rttrace did
not start or failed, took no sample, output unparsable).

With --out FILE the Markdown section (between the marker lines
<!-- rt-impact:begin --> and <!-- rt-impact:end -->) replaces the one
already in FILE, or is appended to FILE; raw numbers go to JSON beside it
(build/bench/rt_impact.json when FILE is in the source tree).
"""
import argparse
import datetime
import json
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402  (shared helpers: log, run, Proc, SuiteError, ...)

SuiteError, log, run, Proc = B.SuiteError, B.log, B.run, B.Proc
sleep_until, by_arm = B.sleep_until, B.by_arm
med, spread, table, pf = B.med, B.spread, B.table, B.pf
ROOT, BUILD, RTTRACE, PERF, CYCLICTEST = B.ROOT, B.BUILD, B.RTTRACE, B.PERF, B.CYCLICTEST
TASKSET = shutil.which("taskset") or "/usr/bin/taskset"

BEGIN, END = B.RT_IMPACT_BEGIN, B.RT_IMPACT_END
ARMS = ("plain", "capture", "plain2", "notrace")   # rotated each round
RT_ARMS = ("capture", "notrace")
LABEL = {"plain": "plain (cyclictest alone)", "plain2": "plain2 (alone again: noise)",
         "capture": "capture (rttrace, capture on)", "notrace": "notrace (rttrace --no-trace)"}
IRQ_TYPES = ("IWI", "RES", "CAL", "LOC", "TLB")
TARGET_IRQS = ("IWI", "RES", "CAL")
SLO = "100us"
HIST_US = 10000        # cyclictest -h: 10 ms of 1-µs buckets, overflows count as max
SETTLE = 1.0           # s after cyclictest's exec before the measured span
TAIL = 0.5             # s before cyclictest's planned end the span stops
PIPE_LOOPS = 2000000000  # the disturbance runs until it is killed


# ---- commands --------------------------------------------------------------

def cyclictest_cmd(a, hist):
    return [CYCLICTEST, "-m", "-p", "80", "-t", "1", "-a", str(a.cpu), "-i", "1000",
            "-l", str(a.seconds * 1000), "-q", "-h", str(HIST_US), "--histfile=" + hist]


def arm_cmd(arm, a, hist, js):
    cyc = cyclictest_cmd(a, hist)
    if arm not in RT_ARMS:
        return cyc
    # -d well past cyclictest's end: rttrace stops when its tracked tasks exit
    cmd = [RTTRACE, "run", "-d", "%ds" % (a.seconds + 30), "--slo-latency", SLO, "-j", js]
    if arm == "notrace":
        cmd.append("--no-trace")
    return cmd + ["--"] + cyc


def disturb_cmd(a):
    return [TASKSET, "-c", str(a.cpu), PERF, "bench", "sched", "pipe", "-T",
            "-l", str(PIPE_LOOPS)]


def shown(cmd):
    """A command line for the report: temp paths replaced by FILE."""
    out = []
    for x in cmd:
        x = re.sub(r"^--histfile=.*", "--histfile=FILE", x)
        if x.startswith(tempfile.gettempdir() + "/"):
            x = "FILE"
        if x.startswith(ROOT + "/"):
            x = os.path.relpath(x, ROOT)
        elif x in (CYCLICTEST, PERF, TASKSET):
            x = os.path.basename(x)
        out.append(x)
    return " ".join(out)


# ---- /proc readers -----------------------------------------------------------

def read_interrupts():
    """{label: [count per CPU]} for the per-CPU rows of /proc/interrupts."""
    with open("/proc/interrupts") as f:
        lines = f.read().splitlines()
    ncpu = len(lines[0].split())
    out = {}
    for line in lines[1:]:
        label, _, rest = line.partition(":")
        vals = rest.split()[:ncpu]
        if len(vals) == ncpu and all(v.isdigit() for v in vals):
            out[label.strip()] = [int(v) for v in vals]
    return out


def read_file(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def stat_fields(path):
    """Fields of a /proc stat file from field 3 (state) on: field n is [n - 3]."""
    txt = read_file(path)
    if txt is None:
        return None
    return txt[txt.rindex(")") + 2:].split()


def proc_sample(pid):
    """CPU time (s, all threads), context switches and CPUs of process pid,
    or None when it is gone."""
    st = stat_fields("/proc/%d/stat" % pid)
    status = read_file("/proc/%d/status" % pid)
    if st is None or status is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    s = {"t": time.monotonic(), "cpu_s": (int(st[11]) + int(st[12])) / tick,
         "vol": 0, "nonvol": 0, "threads": 0, "last_cpus": []}
    m = re.search(r"^Cpus_allowed_list:\s*(\S+)", status, re.M)
    s["cpus_allowed"] = m.group(1) if m else "?"
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    cpus, ns = set(), 0
    for tid in tids:
        ts = read_file("/proc/%d/task/%s/status" % (pid, tid))
        tst = stat_fields("/proc/%d/task/%s/stat" % (pid, tid))
        if ts is None or tst is None:
            continue
        s["threads"] += 1
        # on-CPU ns (schedstat) where present: ticks are 10 ms coarse
        ss = read_file("/proc/%d/task/%s/schedstat" % (pid, tid))
        if ss:
            ns += int(ss.split()[0])
        for k, key in (("vol", "voluntary_ctxt_switches"),
                       ("nonvol", "nonvoluntary_ctxt_switches")):
            m = re.search(r"^%s:\s*(\d+)" % key, ts, re.M)
            if m:
                s[k] += int(m.group(1))
        cpus.add(int(tst[36]))
    s["last_cpus"] = sorted(cpus)
    if ns:
        s["cpu_s"] = ns / 1e9
    return s


def children(pid):
    out = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        txt = read_file("/proc/%d/task/%s/children" % (pid, tid))
        if txt:
            out += [int(x) for x in txt.split()]
    return out


def wait_child(proc, comm, timeout=30):
    """PID of proc's child once it has exec'd comm."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not proc.alive():
            raise SuiteError("%s exited before starting %s (rc %s): %s" %
                             (proc.name, comm, proc.p.returncode, proc.err()[-400:]))
        for c in children(proc.pid):
            if (read_file("/proc/%d/comm" % c) or "").strip() == comm:
                return c
        time.sleep(0.01)
    raise SuiteError("%s: no %s child after %d s" % (proc.name, comm, timeout))




# ---- cyclictest histogram and rttrace report --------------------------------

def check_report(js, cyc_pid, arm):
    try:
        with open(js) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise SuiteError("rttrace (%s) wrote no JSON report: %s" % (arm, e))
    tasks = [t for t in rep.get("tasks", []) if t.get("tgid") == cyc_pid]
    lat = [t["metrics"]["latency"] for t in tasks if t["metrics"]["latency"]["count"]]
    if not lat:
        raise SuiteError("rttrace (%s) took no latency sample of cyclictest (pid %d)" %
                         (arm, cyc_pid))
    best = max(lat, key=lambda m: m["count"])   # the measuring thread
    sysr, sess = rep.get("system", {}), rep.get("session", {})
    return {"samples": best["count"], "samples_all": sum(m["count"] for m in lat),
            "rt_p99_us": (best["p99_ns"] or 0) / 1000,
            "rt_max_us": best["max_ns"] / 1000, "lost_events": sess.get("lost_events", 0),
            "housekeeping_cpus": sysr.get("housekeeping_cpus")}


# ---- one arm -----------------------------------------------------------------

def run_arm(arm, a, tmpdir, rnd):
    hist = os.path.join(tmpdir, "hist-%s" % arm)
    js = os.path.join(tmpdir, "rt-%s.json" % arm)
    for p in (hist, js):
        if os.path.exists(p):
            os.unlink(p)
    res = {"arm": arm, "round": rnd}
    dist = Proc(disturb_cmd(a), "disturbance (perf bench sched pipe)")
    main = None
    try:
        time.sleep(0.5)
        if not dist.alive():
            raise SuiteError("disturbance exited at start: %s" % dist.err()[-300:])
        main = Proc(arm_cmd(arm, a, hist, js), arm)
        if arm in RT_ARMS:
            cyc_pid = wait_child(main, "cyclictest")
        else:
            cyc_pid = main.pid      # Popen returns after the exec
        t_c = time.monotonic()
        sleep_until(t_c + SETTLE)
        i0, d0 = read_interrupts(), proc_sample(dist.pid)
        r0 = proc_sample(main.pid) if arm in RT_ARMS else None
        t0 = time.monotonic()
        sleep_until(t_c + a.seconds - TAIL)
        i1, d1 = read_interrupts(), proc_sample(dist.pid)
        r1 = proc_sample(main.pid) if arm in RT_ARMS else None
        t1 = time.monotonic()
        if not main.alive() or (arm in RT_ARMS and (r0 is None or r1 is None)):
            raise SuiteError("%s ended before the measured span did (rc %s): %s" %
                             (arm, main.p.returncode, main.err()[-300:]))
        if d0 is None or d1 is None:
            raise SuiteError("the disturbance died during %s: %s" % (arm, dist.err()[-300:]))
        span = t1 - t0
        res["span_s"] = span
        res["irq"] = {k: [x1 - x0 for x0, x1 in zip(i0[k], i1[k])]
                      for k in i1 if k in i0}
        res["disturb_cs_per_s"] = (d1["vol"] + d1["nonvol"] - d0["vol"] - d0["nonvol"]) / span
        try:
            rc = main.p.wait(timeout=a.seconds + 60)
        except subprocess.TimeoutExpired:
            raise SuiteError("%s did not finish" % arm)
        if rc != 0:
            raise SuiteError("%s exited %s: %s" % (arm, rc, main.err()[-400:]))
        res["cyclic"] = B.parse_hist(hist, main.out())
        if arm in RT_ARMS:
            res["rttrace"] = {
                "cpu_ms_per_s": 1000 * (r1["cpu_s"] - r0["cpu_s"]) / span,
                "startup_cpu_ms": 1000 * r0["cpu_s"],
                "wakeups_per_s": (r1["vol"] + r1["nonvol"] - r0["vol"] - r0["nonvol"]) / span,
                "vol_per_s": (r1["vol"] - r0["vol"]) / span,
                "nonvol_per_s": (r1["nonvol"] - r0["nonvol"]) / span,
                "threads": r1["threads"], "cpus_allowed": r1["cpus_allowed"],
                "last_cpus": sorted(set(r0["last_cpus"]) | set(r1["last_cpus"])),
            }
            res["rttrace"].update(check_report(js, cyc_pid, arm))
    finally:
        if main and main.alive():
            # rttrace detaches on SIGINT; then whatever is left of its group
            # (cyclictest) goes
            try:
                main.stop(signal.SIGINT if arm in RT_ARMS else signal.SIGKILL)
            finally:
                try:
                    os.killpg(main.pid, signal.SIGKILL)
                except OSError:
                    pass
        if dist.alive():
            dist.stop(signal.SIGKILL)
    return res


def run_suite(a):
    tmpdir = tempfile.mkdtemp(prefix="rttrace-rtimpact-")
    try:
        return B.interleaved_rounds(
            "rt-impact", ARMS, a.rounds, lambda arm, r: run_arm(arm, a, tmpdir, r),
            lambda: run_arm("plain", argparse.Namespace(**dict(vars(a), seconds=3)), tmpdir, -1),
            0.5)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


# ---- report --------------------------------------------------------------------



def paired(runs, arm, key):
    """Per round: arm's cyclictest key (or top-level key) / plain's."""
    get = (lambda x: x["cyclic"][key]) if key in ("p50", "p99", "p999", "max") \
        else (lambda x: x[key])
    base = {x["round"]: get(x) for x in by_arm(runs, "plain")}
    return [get(x) / base[x["round"]] for x in by_arm(runs, arm) if base.get(x["round"])]


def irq_rate(x, typ, cpu):
    return x["irq"].get(typ, [0] * (cpu + 1))[cpu] / x["span_s"]


def added(runs, arm, typ, cpu):
    """Per round: arm's interrupt rate minus plain's (per s)."""
    base = {x["round"]: irq_rate(x, typ, cpu) for x in by_arm(runs, "plain")}
    return [irq_rate(x, typ, cpu) - base[x["round"]] for x in by_arm(runs, arm)
            if x["round"] in base]


def fmt_added(xs):
    return spread(xs, "%+.1f") if xs else "-"


def report(raw):
    a = raw["args"]
    runs = raw["runs"]
    cpu = a["cpu"]
    ncpu = len(runs[0]["irq"]["LOC"]) if runs and "LOC" in runs[0]["irq"] else raw["cpus"]
    L = [BEGIN, "## RT impact (cyclictest under rttrace)", ""]
    w = L.append
    w("Written by `%s` (%s mode, %.0f s): %d interleaved round%s of %d s per arm, arm "
      "order rotating each round; figures are medians over rounds, `[min–max]` the "
      "spread over rounds. PASS/MISS is informational.%s\n" %
      ("make bench-rt-quick" if a["quick"] else "make bench-rt",
       "quick" if a["quick"] else "full", raw["elapsed"], a["rounds"],
       "" if a["rounds"] == 1 else "s", a["seconds"],
       " **Quick mode: one short round, a smoke test, not a result.**" if a["quick"] else ""))
    w(table(raw["versions"], ["", ""]))
    w("")
    w("Commands (the disturbance runs, pinned to CPU %d at SCHED_OTHER, from 0.5 s "
      "before each arm until its end; CPU %d is the traced CPU):\n" % (cpu, cpu))
    w("```sh")
    w("# disturbance, every arm\n" + raw["cmds"]["disturb"])
    w("# plain, plain2\n" + raw["cmds"]["plain"])
    w("# capture\n" + raw["cmds"]["capture"])
    w("# notrace\n" + raw["cmds"]["notrace"])
    w("```\n")
    w("Measured span per arm (interrupts, rttrace's CPU time and wakeups): from %.1f s "
      "after cyclictest's exec to %.1f s before its planned end (rttrace's start-up "
      "is outside it); median %.1f s.\n" %
      (SETTLE, TAIL, med([x["span_s"] for x in runs])))

    w("### cyclictest latency per arm (µs)\n")
    rows = []
    for arm in ARMS:
        xs = by_arm(runs, arm)
        if not xs:
            continue
        c = lambda k: [x["cyclic"][k] for x in xs]  # noqa: E731
        rows.append([LABEL[arm], spread(c("p50")), spread(c("p99")), spread(c("p999")),
                     spread(c("max")), "%.0f" % med(c("n")),
                     spread([x["disturb_cs_per_s"] for x in xs], "%.0f")])
    w(table(rows, ["arm", "p50", "p99", "p99.9", "max", "samples",
                   "disturbance switches/s"]))
    w("")

    w("### Paired ratio to plain (same round)\n")
    rows = []
    for arm in ("plain2", "capture", "notrace"):
        if by_arm(runs, arm):
            rows.append([LABEL[arm]] + [spread(paired(runs, arm, k), "%.2f×")
                                        for k in ("p50", "p99", "p999", "max",
                                                  "disturb_cs_per_s")])
    w(table(rows, ["arm / plain", "p50", "p99", "p99.9", "max", "disturbance switches/s"]))
    noise = paired(runs, "plain2", "p99")
    band = max([max(r, 1 / r) for r in noise if r > 0] or [float("nan")])
    w("\nNoise band of the p99 ratio: plain2/plain made symmetric, ≤ %.2f× "
      "(two identical arms: r and 1/r are equally likely). The disturbance's "
      "switch rate is where the cost of rttrace's programs on the traced CPU's "
      "untracked switches shows.\n" % band)

    w("### Interrupts added by rttrace (per second, arm − plain of the same round)\n")
    rows = []
    for typ in IRQ_TYPES:
        for c in range(ncpu):
            xs = by_arm(runs, "plain")
            if not xs or typ not in xs[0]["irq"]:
                continue
            rows.append([typ, "%d%s" % (c, " (traced)" if c == cpu else ""),
                         spread([irq_rate(x, typ, c) for x in xs], "%.1f"),
                         fmt_added(added(runs, "plain2", typ, c)),
                         fmt_added(added(runs, "capture", typ, c)),
                         fmt_added(added(runs, "notrace", typ, c))])
    w(table(rows, ["type", "CPU", "plain /s", "plain2 − plain (noise)", "capture − plain",
                   "notrace − plain"]))
    w("\nIWI: IRQ work, RES: rescheduling, CAL: function call, LOC: local timer, "
      "TLB: TLB shootdown IPIs, from /proc/interrupts.\n")

    w("### rttrace's own cost (over the measured span)\n")
    rows = []
    for arm in RT_ARMS:
        xs = [x["rttrace"] for x in by_arm(runs, arm)]
        if not xs:
            continue
        hk = sorted({str(x["housekeeping_cpus"]) for x in xs
                     if x.get("housekeeping_cpus") is not None})
        rows.append([LABEL[arm],
                     spread([x["cpu_ms_per_s"] for x in xs], "%.1f"),
                     spread([x["wakeups_per_s"] for x in xs], "%.1f"),
                     "%.1f / %.1f" % (med([x["vol_per_s"] for x in xs]),
                                      med([x["nonvol_per_s"] for x in xs])),
                     spread([x["startup_cpu_ms"] for x in xs], "%.0f"),
                     "%.0f" % med([x["threads"] for x in xs]),
                     ", ".join(sorted({x["cpus_allowed"] for x in xs})),
                     ",".join(str(c) for c in sorted({c for x in xs for c in x["last_cpus"]})),
                     ", ".join(hk) if hk else "(not in report)",
                     "%.0f" % med([x["samples"] for x in xs]),
                     "%d" % sum(x["lost_events"] for x in xs)])
    w(table(rows, ["arm", "CPU ms/s", "wakeups/s", "voluntary / involuntary /s",
                   "start-up CPU ms", "threads", "Cpus_allowed_list", "seen on CPUs",
                   "housekeeping_cpus", "samples of cyclictest", "lost events"]))
    w("\nCPU ms/s: on-CPU time of all rttrace threads (/proc/PID/task/*/schedstat) per "
      "second of the span (1000 = one full CPU); wakeups: voluntary + involuntary context switches of its threads; "
      "start-up CPU: its CPU time before the span (BPF load and attach); seen on CPUs: "
      "where its threads were at the two samples; samples of cyclictest: the latency "
      "count of the measuring thread in rttrace's JSON report.\n")

    w("### Targets\n")
    rows = []
    for arm in RT_ARMS:
        if not by_arm(runs, arm):
            continue
        parts, ok = [], True
        for typ in TARGET_IRQS:
            ad = added(runs, arm, typ, cpu)
            nz = added(runs, "plain2", typ, cpu)
            bound = max([abs(v) for v in nz] or [0.0])
            ok = ok and med(ad) <= bound
            parts.append("%s %+.2f (noise ±%.2f)" % (typ, med(ad), bound))
        rows.append(["0 added interrupts on traced CPU %d, %s" % (cpu, arm),
                     "IWI/RES/CAL added /s ≤ the largest ±(plain2 − plain)", "; ".join(parts), pf(ok)])
    for arm in RT_ARMS:
        rs = paired(runs, arm, "p99")
        if rs:
            v = med(rs)
            rows.append(["p99 ratio, %s / plain" % arm, "≤ %.2f× (noise band)" % band,
                         spread(rs, "%.2f×"), pf(v <= band) if band == band else "-"])
    w(table(rows, ["target", "bound", "measured", ""]))
    w("")
    w("Reproduce: `make bench-rt` (full: 6 rounds of 20 s per arm, ~10 min; writes "
      "this section of bench/RESULTS.md), `make bench-rt-quick` (one 5-s round), "
      "`python3 bench/rt_impact.py --help`.")
    w(END)
    return "\n".join(L) + "\n"


def put_section(path, section):
    """Replace the marked section of path (inclusive) or append it."""
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    pat = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
    if pat.search(old):
        new = pat.sub(lambda m: section, old, count=1)
    else:
        new = old + ("\n" if old and not old.endswith("\n\n") else "") + section
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        f.write(new)


def raw_path(out, quick):
    return B.suite_raw_path(out, quick, "rt_impact")


# ---- main ----------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1 round of 5 s per arm (smoke run)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 6; quick 1)")
    ap.add_argument("--seconds", type=int, help="cyclictest run per arm (default 20; quick 5)")
    ap.add_argument("--cpu", type=int, help="traced CPU: cyclictest -a and the disturbance "
                    "(default 1, 0 on a 1-CPU machine)")
    ap.add_argument("--out", help="Markdown file: replace or append the rt-impact section "
                    "(default: print only)")
    ap.add_argument("--from-raw", metavar="JSON",
                    help="only rebuild the section from a previous run's raw JSON")
    a = ap.parse_args()

    if a.from_raw:
        with open(a.from_raw) as f:
            raw = json.load(f)
        txt = report(raw)
        if a.out:
            put_section(a.out, txt)
        print(txt)
        return 0

    a.rounds = a.rounds or (1 if a.quick else 6)
    a.seconds = a.seconds or (5 if a.quick else 20)
    ncpu = os.cpu_count() or 1
    if a.cpu is None:
        a.cpu = 1 if ncpu > 1 else 0
    if a.seconds < 3 or a.rounds < 1 or not 0 <= a.cpu < ncpu:
        log("rt_impact: need --seconds >= 3, --rounds >= 1, --cpu in 0..%d" % (ncpu - 1))
        return 2
    if os.geteuid() != 0:
        log("rt_impact: must run as root (BPF, SCHED_FIFO)")
        return 1
    for exe in (RTTRACE, CYCLICTEST, PERF, TASKSET):
        if not os.access(exe, os.X_OK):
            log("rt_impact: missing %s (make all; make deps)" % exe)
            return 1
    if "--no-trace" not in run([RTTRACE, "run", "--help"], check=False).stdout:
        log("rt_impact: SUITE BROKEN: rttrace run has no --no-trace")
        return 1

    t0 = time.time()
    try:
        log("rt_impact: %d rounds x %d arms x %d s, traced CPU %d" %
            (a.rounds, len(ARMS), a.seconds, a.cpu))
        runs = run_suite(a)
        keep = ("machine", "kernel", "rttrace", "rt-tests (cyclictest)", "perf (linux-perf)",
                "date")
        vers = [v for v in B.versions() if v[0] in keep]
        vers.insert(2, ("uname -r", os.uname().release))
        raw = {"args": {"quick": a.quick, "rounds": a.rounds, "seconds": a.seconds,
                        "cpu": a.cpu},
               "cpus": ncpu, "versions": vers, "elapsed": time.time() - t0,
               "cmds": {"disturb": shown(disturb_cmd(a)),
                        "plain": shown(arm_cmd("plain", a, "/tmp/h", "/tmp/j")),
                        "capture": shown(arm_cmd("capture", a, "/tmp/h", "/tmp/j")),
                        "notrace": shown(arm_cmd("notrace", a, "/tmp/h", "/tmp/j"))},
               "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
               "runs": runs}
        txt = report(raw)
        rp = raw_path(a.out, a.quick)
        os.makedirs(os.path.dirname(rp), exist_ok=True)
        with open(rp, "w") as f:
            json.dump(raw, f, indent=1)
        if a.out:
            put_section(a.out, txt)
        print(txt)
        log("rt_impact: %s%s (%.0f s)" % ("wrote %s, " % a.out if a.out else "",
                                           "raw numbers in %s" % rp, time.time() - t0))
    except (SuiteError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
        log("rt_impact: SUITE BROKEN: %s: %s" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
