#!/usr/bin/env python3
"""rttrace overhead benchmark (issue 7).  Python 3 stdlib only; run as root.

    bench/bench.py [--quick] [--out FILE] [--rounds N] [--loops N] ...

Sections, each interleaved (configurations rotate inside every round):
  cost    per-event cost of each BPF program (bpf_stats run_time_ns/run_cnt
          deltas over one `perf bench sched pipe -T -l LOOPS`), and the
          pipe throughput of the same run divided by the no-tracer run of
          the same round;
  scale   rttrace tracking the pipe tasks plus N sleeping threads
          (N = 1, 64, 1024): per-event cost and kernel map memory;
  churn   rttrace tracking the pipe tasks while an untracked process
          creates and reaps >10k short-lived threads;
  cyclic  cyclictest max/p99 with and without rttrace tracking it;
  placement  the floor and rttrace untracked with the pipe pinned to one
          CPU and free (an untracked switch's one per-task read).

Exit status: 0 when every step ran (targets are informational and never
fail the suite), 1 when the suite itself broke (a tracer did not start,
programs did not fire, output could not be parsed, ...).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
RTTRACE = os.path.join(BUILD, "rttrace")
EMPTY = os.path.join(BUILD, "bench", "empty_loader")
PARTS = os.path.join(BUILD, "bench", "parts_loader")
CHURN = os.path.join(BUILD, "bench", "churn")
SLEEPERS = os.path.join(BUILD, "workloads", "many_sleepers")
RUNQLAT = shutil.which("runqlat") or "/usr/sbin/runqlat"
PERF = shutil.which("perf") or "/usr/bin/perf"
CYCLICTEST = shutil.which("cyclictest") or "/usr/bin/cyclictest"
BPFTOOL = shutil.which("bpftool") or "/usr/sbin/bpftool"

# Targets from issue 7.
T_UNTRACKED = 1.3    # x empty-program floor
T_TRACKED = 0.5      # x runqlat
T_CAPTURE = 0.75     # x runqlat
T_TPUT = 0.97        # x no tracer
T_MEM_FIXED = 1 << 20
T_MEM_TASK = 16 << 10
T_FLAT = 0.10


class SuiteError(Exception):
    """The suite itself broke (not a performance miss)."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, timeout=120, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise SuiteError("%s failed (%d): %s" % (" ".join(cmd), r.returncode,
                                                 r.stderr.strip()[-500:]))
    return r


# ---- BPF object ownership and statistics ------------------------------------

def owned_ids(pid):
    """prog and map ids held open by process pid (from /proc/PID/fdinfo)."""
    progs, maps = set(), set()
    try:
        fds = os.listdir("/proc/%d/fdinfo" % pid)
    except OSError:
        return progs, maps
    for fd in fds:
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                txt = f.read()
        except OSError:
            continue
        m = re.search(r"^prog_id:\s*(\d+)", txt, re.M)
        if m:
            progs.add(int(m.group(1)))
        m = re.search(r"^map_id:\s*(\d+)", txt, re.M)
        if m:
            maps.add(int(m.group(1)))
    return progs, maps


def bpftool_json(what):
    r = run([BPFTOOL, what, "show", "-j"], timeout=30)
    return json.loads(r.stdout or "[]")


def prog_stats(ids):
    out = {}
    for p in bpftool_json("prog"):
        if p["id"] in ids:
            out[p["id"]] = p
    return out


def map_info(ids):
    return [m for m in bpftool_json("map") if m["id"] in ids]


def event_of(name):
    """Event key of a program name: tp_switch, raw_switch, empty_switch and
    runqlat's sched_switch all give "switch"; names are cut at 15 chars."""
    n = name.lower()
    for pre in ("handle__", "handle_", "empty_", "tp_", "raw_", "sched_"):
        if n.startswith(pre):
            n = n[len(pre):]
            break
    if n.startswith("wakeup_n"):
        return "wakeup_new"
    # rttrace's sched_switch copies with capture, and the gate that
    # tail-calls them (the copy's own counters stay at 0: a tail call is
    # accounted to the program that made it)
    for suf in ("_cap", "_hold", "_gate"):
        if n.endswith(suf):
            n = n[:-len(suf)]
    return n


def is_switch(name):
    return event_of(name) == "switch" or name.startswith("pt_sw_")


def sched_foreign_progs(own=()):
    """BPF programs on sched tracepoints that nobody in this suite loaded."""
    out = []
    for p in bpftool_json("prog"):
        if p["id"] in own:
            continue
        if p.get("type") in ("tracepoint", "tracing", "raw_tracepoint") and \
                re.search(r"sched_(switch|wakeup)", p.get("name", "")):
            out.append("%s:%s" % (p["type"], p.get("name")))
    return out


# ---- processes -------------------------------------------------------------

class Proc:
    def __init__(self, cmd, name, stdin=subprocess.DEVNULL, stdout_file=None):
        self.name = name
        self.cmd = cmd
        self.errf = tempfile.TemporaryFile(mode="w+")
        self.outf = stdout_file or tempfile.TemporaryFile(mode="w+")
        self.p = subprocess.Popen(cmd, stdin=stdin, stdout=self.outf,
                                  stderr=self.errf, text=True,
                                  start_new_session=True)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGINT, timeout=20):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.p.wait()
            raise SuiteError("%s did not stop on %s" % (self.name, sig.name))
        return self.p.returncode

    def out(self):
        self.outf.seek(0)
        return self.outf.read()

    def err(self):
        self.errf.seek(0)
        return self.errf.read()


def wait_line(proc, pattern, timeout=30):
    t0 = time.time()
    while time.time() - t0 < timeout:
        m = re.search(pattern, proc.out(), re.M)
        if m:
            return m
        if not proc.alive():
            raise SuiteError("%s exited early: %s" % (proc.name, proc.err()[-400:]))
        time.sleep(0.05)
    raise SuiteError("%s: no '%s' within %d s" % (proc.name, pattern, timeout))


def wait_tracer(proc, timeout=20):
    """Wait until proc holds BPF programs and its sched_switch program fires.
    Returns (prog ids, map ids)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if not proc.alive():
            raise SuiteError("%s exited at start (rc %s): %s" %
                             (proc.name, proc.p.returncode, proc.err()[-400:]))
        progs, maps = owned_ids(proc.pid)
        if progs:
            st = prog_stats(progs)
            if any(is_switch(p.get("name", "")) and p.get("run_cnt", 0) > 0
                   for p in st.values()):
                time.sleep(0.2)
                progs, maps = owned_ids(proc.pid)
                return progs, maps
        time.sleep(0.1)
    raise SuiteError("%s: no firing sched_switch program after %d s" % (proc.name, timeout))


class Held:
    """`perf bench sched pipe -T` started behind a gate: it exists (so its
    PID can be given to a tracer) but does nothing until release()."""

    def __init__(self, loops, wrapper=()):
        cmd = list(wrapper) + [PERF, "bench", "sched", "pipe", "-T", "-l", str(loops)]
        self.proc = Proc(["sh", "-c", 'read _ && exec "$@"', "sh"] + cmd,
                         "perf bench", stdin=subprocess.PIPE)

    def release(self):
        self.proc.p.stdin.write("\n")
        self.proc.p.stdin.close()

    def result(self, timeout=300):
        try:
            rc = self.proc.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.stop(signal.SIGKILL)
            raise SuiteError("perf bench sched pipe did not finish in %d s" % timeout)
        out = self.proc.out()
        m = re.search(r"(\d+)\s+ops/sec", out)
        if rc != 0 or not m:
            raise SuiteError("perf bench sched pipe failed (rc %d): %s %s" %
                             (rc, out[-300:], self.proc.err()[-300:]))
        return int(m.group(1))


# ---- one measured run ------------------------------------------------------

class Config:
    def __init__(self, key, label, kind, args=(), tracked=False):
        self.key, self.label, self.kind = key, label, kind
        self.args = list(args)
        self.tracked = tracked


def tracer_cmd(cfg, ctx, held_pid, extra_t=()):
    if cfg.kind == "empty":
        return [EMPTY]
    if cfg.kind == "parts":
        return [PARTS] + cfg.args
    if cfg.kind == "runqlat":
        return [RUNQLAT]
    if cfg.kind == "rttrace":
        cmd = [RTTRACE, "run", "-p", str(ctx.idle_pid), "-j", ctx.tmp("rt.json")] + cfg.args
        tg = ([str(held_pid)] if cfg.tracked else []) + [str(x) for x in extra_t]
        if tg:
            cmd += ["-t", ",".join(tg)]
        return cmd
    return None


def measure(cfg, ctx, loops, extra_t=(), side=None, max_tasks=None, cpus=None):
    """One pipe run under configuration cfg.  side: a callable started after
    the tracer is ready and stopped after the pipe run (returns a dict).
    cpus: run the pipe under `taskset -c CPUS`."""
    wrapper = ("taskset", "-c", cpus) if cpus else ()
    if cfg.kind == "perf_sched":
        wrapper = (PERF, "sched", "record", "-q", "-o", ctx.tmp("perf.data"), "--")
    held = Held(loops, wrapper)
    tracer = None
    res = {"config": cfg.key}
    try:
        cmd = tracer_cmd(cfg, ctx, held.proc.pid, extra_t)
        if cmd and max_tasks:
            cmd += ["--max-tasks", str(max_tasks)]
        progs, maps = set(), set()
        if cmd:
            tracer = Proc(cmd, cfg.label)
            progs, maps = wait_tracer(tracer)
        side_state = side.start() if side else None
        s0 = prog_stats(progs)
        stat0 = proc_stat_processes()
        held.release()
        res["ops"] = held.result()
        s1 = prog_stats(progs)
        res["forks"] = proc_stat_processes() - stat0
        if side:
            res.update(side.stop(side_state))
        res["progs"] = {}
        for pid_, p1 in s1.items():
            p0 = s0.get(pid_)
            if not p0:
                continue
            dn = p1.get("run_cnt", 0) - p0.get("run_cnt", 0)
            dt = p1.get("run_time_ns", 0) - p0.get("run_time_ns", 0)
            if dn > 0:
                res["progs"][event_of(p1["name"])] = {
                    "name": p1["name"], "ns": dt / dn, "cnt": dn, "tot": dt,
                    "insns": p1.get("bytes_xlated", 0) // 8,
                    "jited": p1.get("bytes_jited", 0)}
        if cmd and not any(is_switch(p["name"]) for p in res["progs"].values()):
            raise SuiteError("%s: its sched_switch program did not run during the pipe run"
                             % cfg.label)
        if maps:
            mi = map_info(maps)
            res["mem"] = sum(m.get("bytes_memlock", 0) for m in mi)
            res["maps"] = {m.get("name", "?"): (m.get("bytes_memlock", 0),
                                                m.get("max_entries", 0),
                                                m.get("value_size", 0)) for m in mi}
            res["prog_mem"] = sum(p.get("bytes_memlock", 0) for p in s1.values())
        if tracer:
            rc = tracer.stop()
            if cfg.kind == "rttrace":
                res.update(check_rt_report(cfg, ctx, rc, tracer, held.proc.pid))
            elif rc not in (0, -signal.SIGINT, 130):
                raise SuiteError("%s exited %s: %s" % (cfg.label, rc, tracer.err()[-300:]))
        if cfg.kind == "perf_sched":
            try:
                res["perf_data"] = os.path.getsize(ctx.tmp("perf.data"))
                os.unlink(ctx.tmp("perf.data"))
            except OSError:
                raise SuiteError("perf sched record wrote no perf.data")
    finally:
        if tracer and tracer.alive():
            tracer.stop(signal.SIGKILL)
        if held.proc.alive():
            held.proc.stop(signal.SIGKILL)
    return res


def check_rt_report(cfg, ctx, rc, tracer, held_pid):
    if rc != 0:
        raise SuiteError("rttrace exited %s: %s" % (rc, tracer.err()[-400:]))
    try:
        with open(ctx.tmp("rt.json")) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise SuiteError("rttrace wrote no JSON report: %s" % e)
    sess = rep.get("session", {})
    out = {"lost": sess.get("lost_events", 0), "dropped": sess.get("tasks_dropped", 0),
           "tracked_tasks": len(rep.get("tasks", []))}
    if cfg.tracked:
        n = sum(t["metrics"]["latency"]["count"] for t in rep["tasks"]
                if t.get("tgid") == held_pid)
        if n == 0:
            raise SuiteError("rttrace (%s) recorded no latency sample of the tracked "
                             "pipe tasks" % cfg.key)
        out["samples"] = n
    return out


def proc_stat_processes():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("processes "):
                return int(line.split()[1])
    return 0


# ---- helpers ---------------------------------------------------------------

class Ctx:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rttrace-bench-")
        self.idle = None
        self.idle_pid = None

    def tmp(self, name):
        return os.path.join(self.dir, name)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs, fmt="%.0f"):
    if not xs:
        return "-"
    if len(xs) == 1:
        return fmt % xs[0]
    return (fmt + " [" + fmt + "–" + fmt + "]") % (med(xs), min(xs), max(xs))


def pf(ok):
    return "PASS" if ok else "MISS"


def pf_noisy(xs, bound, higher_is_better=True):
    """PASS/MISS on the median, but 'inconclusive' when the spread over
    rounds straddles the bound (this VM's noise cannot decide)."""
    m = med(xs)
    ok = m >= bound if higher_is_better else m <= bound
    if len(xs) > 1 and min(xs) < bound < max(xs):
        return "%s (inconclusive: spread %.3g–%.3g straddles the bound)" % (pf(ok), min(xs), max(xs))
    return pf(ok)


def versions():
    def cmd_out(cmd):
        try:
            return run(cmd, timeout=10, check=False).stdout.strip().splitlines()[0]
        except Exception:
            return "?"

    def deb(pkg):
        r = run(["dpkg-query", "-W", "-f", "${Version}", pkg], check=False)
        return r.stdout.strip() or "?"

    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    preempt = "?"
    try:
        with open("/sys/kernel/debug/sched/preempt") as f:
            preempt = f.read().strip()
    except OSError:
        pass
    return [
        ("machine", "%s, %d CPUs, %s" % (platform.machine(), os.cpu_count(), cpu)),
        ("kernel", "%s %s" % (platform.release(), platform.version()) +
         (" (preempt: %s)" % preempt if preempt != "?" else "")),
        ("rttrace", cmd_out([RTTRACE, "--version"])),
        ("bpftool / libbpf", cmd_out([BPFTOOL, "version"]) + " / libbpf-dev " + deb("libbpf-dev")),
        ("clang", cmd_out(["clang", "--version"])),
        ("perf (linux-perf)", deb("linux-perf")),
        ("libbpf-tools (runqlat)", deb("libbpf-tools")),
        ("rt-tests (cyclictest)", deb("rt-tests")),
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
    ]


# ---- sections --------------------------------------------------------------

def section_cost(ctx, a, configs):
    runs = {c.key: [] for c in configs}
    for r in range(a.rounds):
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        for cfg in order:
            log("  cost round %d/%d: %s" % (r + 1, a.rounds, cfg.label))
            res = measure(cfg, ctx, a.loops)
            res["round"] = r
            runs[cfg.key].append(res)
    return runs


class Churn:
    def start(self):
        return Proc([CHURN, "--batch", "32"], "churn")

    def stop(self, p):
        p.stop(signal.SIGINT)
        m = re.search(r"created=(\d+)", p.out())
        if not m:
            raise SuiteError("churn printed no count: %s" % p.err()[-300:])
        return {"churned": int(m.group(1))}


def start_sleepers(n):
    p = Proc([SLEEPERS, "--threads", str(n), "-d", "3600s"], "many_sleepers %d" % n)
    wait_line(p, r"^threads=%d" % n, timeout=60)
    return p


def section_scale(ctx, a, b_cfg):
    sizes = a.scale_sizes
    sleepers = {n: start_sleepers(n) for n in sizes}
    runs = {n: [] for n in sizes}
    try:
        for r in range(a.scale_rounds):
            order = sizes[r % len(sizes):] + sizes[:r % len(sizes)]
            for n in order:
                log("  scale round %d/%d: %d sleepers tracked" % (r + 1, a.scale_rounds, n))
                res = measure(b_cfg, ctx, a.loops, extra_t=[sleepers[n].pid])
                res["round"] = r
                runs[n].append(res)
    finally:
        for p in sleepers.values():
            p.stop(signal.SIGTERM)
    return runs


PLACEMENTS = (("one CPU", "0"), ("all CPUs", "0-%d" % (max(os.cpu_count() or 1, 2) - 1)))


def section_placement(ctx, a, configs):
    """The floor and rttrace untracked with the pipe's two threads pinned to
    one CPU and free: does where the tasks run change the cost of an
    untracked switch's only per-task read (the task_struct line holding
    bpf_storage)?"""
    runs = {}
    for r in range(a.rounds):
        for cfg in configs:
            for name, cpus in (PLACEMENTS if r % 2 == 0 else PLACEMENTS[::-1]):
                log("  placement round %d/%d: %s, %s" % (r + 1, a.rounds, cfg.label, name))
                res = measure(cfg, ctx, a.loops, cpus=cpus)
                runs.setdefault("%s|%s" % (cfg.key, name), []).append(res)
    return runs


def section_churn(ctx, a, b_cfg):
    runs = {"quiet": [], "churn": []}
    churn = Churn()
    for r in range(a.scale_rounds):
        for k in (("quiet", "churn") if r % 2 == 0 else ("churn", "quiet")):
            log("  churn round %d/%d: %s" % (r + 1, a.scale_rounds, k))
            res = measure(b_cfg, ctx, a.loops, side=churn if k == "churn" else None)
            runs[k].append(res)
    return runs


def parse_hist(path, stdout=""):
    """cyclictest --histfile: lines "000012 000034" (µs, count), then
    "# Max Latencies: 00123" and "# Histogram Overflows: 00000"."""
    counts, total, mx, over = {}, 0, None, 0
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"^(\d+)\s+(\d+)", line)
                if m:
                    us, c = int(m.group(1)), int(m.group(2))
                    if c:
                        counts[us] = c
                        total += c
                    continue
                m = re.match(r"^# Max Latenc\w*:\s+(\d+)", line)
                if m:
                    mx = int(m.group(1))
                m = re.match(r"^# Histogram Overflows:\s+(\d+)", line)
                if m:
                    over = int(m.group(1))
    except OSError as e:
        raise SuiteError("cyclictest wrote no histogram: %s %s" % (e, stdout[-300:]))
    total += over
    if not total or mx is None:
        raise SuiteError("cyclictest histogram unreadable: %s" % stdout[-300:])

    def pct(q):
        acc = 0
        for us in sorted(counts):
            acc += counts[us]
            if acc >= q * total:
                return us
        return mx      # in the overflows (> HIST_US): the max is the best bound

    return {"n": total, "p50": pct(0.50), "p99": pct(0.99), "p999": pct(0.999),
            "max": mx, "overflows": over}


def cyclic_once(ctx, a, traced):
    hist = ctx.tmp("cyclic.hist")
    cmd = [CYCLICTEST, "-m", "-q", "-p", "80", "-t", "1", "-i", "1000",
           "-l", str(a.cyclic_loops), "-h", "10000", "--histfile=" + hist]
    if traced:
        cmd = [RTTRACE, "run", "-j", ctx.tmp("cyc.json"), "--"] + cmd
    r = run(cmd, timeout=a.cyclic_loops / 1000 * 3 + 60)
    h = parse_hist(hist, r.stdout)
    out = {"max": h["max"], "p99": h["p99"], "n": h["n"]}
    if traced:
        with open(ctx.tmp("cyc.json")) as f:
            rep = json.load(f)
        lat = [t["metrics"]["latency"] for t in rep["tasks"] if t["metrics"]["latency"]["count"]]
        if not lat:
            raise SuiteError("rttrace saw no latency sample of cyclictest")
        best = max(lat, key=lambda m: m["count"])
        out["rt_max_us"] = best["max_ns"] / 1000
        out["rt_p99_us"] = (best["p99_ns"] or 0) / 1000
    return out


def section_cyclic(ctx, a):
    runs = {"plain": [], "rttrace": []}
    for r in range(a.cyclic_reps):
        for k in (("plain", "rttrace") if r % 2 == 0 else ("rttrace", "plain")):
            log("  cyclictest rep %d/%d: %s" % (r + 1, a.cyclic_reps, k))
            runs[k].append(cyclic_once(ctx, a, k == "rttrace"))
    return runs


# ---- report ----------------------------------------------------------------

def per_event(runs, ev):
    return [x["progs"][ev]["ns"] for x in runs if ev in x.get("progs", {})]


def ratio_per_round(runs_cfg, runs_none):
    base = {x["round"]: x["ops"] for x in runs_none}
    return [x["ops"] / base[x["round"]] for x in runs_cfg if x["round"] in base]


def table(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def report(a, ctx, configs, cost, scale, churn, cyclic, have_capture, foreign, elapsed,
           placement=None):
    L = []
    w = L.append
    w("# rttrace overhead benchmark results\n")
    w("Written by `%s` (%s mode, %.0f s). Targets are from issue 7; PASS/MISS is "
      "informational. Figures are medians over interleaved rounds, "
      "`[min–max]` the spread over rounds.\n" %
      ("make bench" if not a.quick else "make bench-quick",
       "quick" if a.quick else "full", elapsed))
    w("## Machine\n")
    w(table(versions(), ["", ""]))
    w("")
    w("Load: `perf bench sched pipe -T -l %d` (two threads ping-ponging through a pipe), "
      "%d interleaved rounds; `kernel.bpf_stats_enabled=1` for every run, "
      "including the no-tracer ones." % (a.loops, a.rounds))
    if foreign:
        w("\n**Warning:** BPF programs not started by this suite were attached to the "
          "scheduler tracepoints during the run (%s); they add to every "
          "configuration's end-to-end cost alike (per-program figures are per program "
          "and not affected directly)." % ", ".join(sorted(set(foreign))))
    w("")
    byk = {c.key: c for c in configs}
    floor = {ev: med(per_event(cost.get("empty", []), ev)) for ev in ("switch", "wakeup")}
    rq = {ev: med(per_event(cost.get("runqlat", []), ev)) for ev in ("switch", "wakeup", "wakeup_new")}

    w("## 1. Per-event cost of each BPF program (ns per run, bpf_stats)\n")
    rows = []
    for c in configs:
        xs = cost.get(c.key, [])
        if not xs or not xs[0].get("progs"):
            continue
        evs = sorted({e for x in xs for e in x["progs"]},
                     key=lambda e: ["switch", "wakeup", "wakeup_new", "fork", "exit"].index(e)
                     if e in ["switch", "wakeup", "wakeup_new", "fork", "exit"] else 9)
        for ev in evs:
            v = per_event(xs, ev)
            p = next(x["progs"][ev] for x in xs if ev in x["progs"])
            cnt = med([x["progs"][ev]["cnt"] for x in xs if ev in x["progs"]])
            fl = floor.get(ev if ev != "wakeup_new" else "wakeup")
            rqv = rq.get(ev)
            rows.append([c.label, p["name"], spread(v), "%.0f" % cnt, p["insns"], p["jited"],
                         "%.2f×" % (med(v) / fl) if fl == fl and fl else "-",
                         "%.2f×" % (med(v) / rqv) if rqv == rqv and rqv else "-"])
    w(table(rows, ["config", "program", "ns/event", "events/run", "xlated insns",
                   "JIT bytes", "vs floor", "vs runqlat"]))
    if "parts" in cost:
        w("\n(0b) runs all its programs on the same events; `pt_sw_ts_hit` gives every "
          "task an element of its own map, so `pt_sw_ts_miss` there is a miss on a task "
          "that *has* local storage (a list walk), not the NULL-storage fast path an "
          "untracked task takes in rttrace. `pt_sw_ktime` is one `bpf_ktime_get_ns()` "
          "(clocksource: %s). Programs run together share the TLB entries of pages "
          "an earlier one touched in the same event, so map loads look cheap there; "
          "(0c) prices one `.bss` load alone. A program alone also pays for what a "
          "wakeup program beside it would have warmed (the floor's pair shares it): "
          "(0d) is the empty switch program alone, so (0c) − (0d) is what the first "
          "touch of a BPF map page costs per event on this VM. (0e) loads, alone, "
          "the two `task_struct` fields an untracked rttrace switch reads: its excess "
          "over (0d) is what those reads cost." %
          open("/sys/devices/system/clocksource/clocksource0/"
               "current_clocksource").read().strip())
    if not have_capture:
        w("\n(c) *worst-case capture*: **pending** — `rttrace run --help` has no "
          "`--no-trace` yet, so (b) is the only tracked configuration.")
    w("")

    w("## 2. End-to-end: pipe throughput vs no tracer (same round)\n")
    rows = []
    none = cost.get("none", [])
    for c in configs:
        xs = cost.get(c.key, [])
        if not xs:
            continue
        ops = [x["ops"] for x in xs]
        rat = ratio_per_round(xs, none) if c.key != "none" else []
        extra = ""
        if c.kind == "perf_sched":
            extra = "perf.data %.1f MiB/run" % (med([x["perf_data"] for x in xs]) / 2**20)
        elif "mem" in xs[0]:
            extra = "maps %.0f KiB" % (med([x["mem"] for x in xs]) / 1024)
        bpf_op = [sum(p["tot"] for p in x.get("progs", {}).values()) / a.loops for x in xs]
        rows.append([c.label, spread(ops), spread(rat, "%.3f") if rat else "1",
                     spread(bpf_op) if any(bpf_op) else "-", extra])
    w(table(rows, ["config", "ops/s", "ratio to no tracer", "BPF ns per pipe op", "note"]))
    w("\nOne pipe op is one round trip (about two context switches and one to two "
      "wakeups per CPU side). The no-tracer op time bounds what any tracer can add for "
      "a 0.97× target: 3 %% of %.0f ns = %.0f ns of BPF time per op." %
      (1e9 / med([x["ops"] for x in none]), 0.03e9 / med([x["ops"] for x in none]))
      if none else "")
    w("")

    if placement:
        w("## 2b. Untracked switch and CPU placement\n")
        rows = []
        for c in configs:
            for name, _ in PLACEMENTS:
                xs = placement.get("%s|%s" % (c.key, name))
                if not xs:
                    continue
                fl = per_event(placement.get("empty|%s" % name, []), "switch")
                v = per_event(xs, "switch")
                rows.append([c.label, name, spread(v),
                             "%.2f×" % (med(v) / med(fl)) if fl else "-"])
        w(table(rows, ["config", "pipe threads on", "switch ns/event", "vs floor, same placement"]))
        w("\nAn untracked switch runs `tp_switch_gate` (12 instructions), which reads "
          "one line of each task (the `task_struct` line holding `bpf_storage`) and "
          "nothing else; the floor reads neither, and (0e) shows those two loads cost "
          "nothing measurable in a program alone. Before the gate, the untracked exit ran "
          "inside the 5 KiB program, and full runs of identical code landed near the "
          "floor or ~30 ns above it, pinned or not (1.26×, 1.59×, 1.31× in three runs); "
          "a large program pays for its size and frame on every run (see issue 7's "
          "closing notes). Whatever spread remains shows in the ranges above.\n")

    w("## 3. Scale\n")
    rows = []
    for n, xs in sorted(scale.items()):
        sw, wk = per_event(xs, "switch"), per_event(xs, "wakeup")
        mem = med([x["mem"] for x in xs])
        slots = xs[0]["maps"].get("slots", (0, 0, 0))
        rows.append([n, med([x.get("tracked_tasks", 0) for x in xs]), slots[1],
                     spread(sw), spread(wk), "%.0f KiB" % (mem / 1024),
                     "%.0f KiB" % (slots[0] / 1024), "%.0f KiB" % ((mem - slots[0]) / 1024),
                     "%.0f KiB" % (med([x["prog_mem"] for x in xs]) / 1024)])
    w("rttrace (b) tracking the pipe tasks plus N sleeping threads of "
      "`many_sleepers --threads N` (`-t` on both processes; slots = `--max-tasks` default).\n")
    w(table(rows, ["N sleepers", "tracked tasks", "slots", "tp_switch ns", "tp_wakeup ns",
                   "map memory", "of which slots", "other maps", "program memory"]))
    w("\nMap memory is the sum of `bytes_memlock` of the maps rttrace holds "
      "(`bpftool map show`); it includes the 128 KiB state table (`ttab`). Task-local "
      "storage elements (96 B of state + the kernel's ~100 B storage overhead per tracked "
      "task; a marker once the state moved to the table) are allocated on demand and are "
      "not in that sum.\n")
    rows = []
    for k, xs in churn.items():
        if not xs:
            continue
        rows.append([k, spread([x.get("churned", 0) for x in xs]),
                     spread([x["forks"] for x in xs]),
                     spread(per_event(xs, "switch")), spread(per_event(xs, "wakeup")),
                     spread(per_event(xs, "wakeup_new")), spread(per_event(xs, "fork")),
                     spread(per_event(xs, "exit")), spread([x["ops"] for x in xs]),
                     max(x.get("dropped", 0) for x in xs)])
    w("Untracked churn: rttrace (b) while `build/bench/churn` creates and joins "
      "short-lived threads (untracked) during the pipe run.\n")
    w(table(rows, ["", "threads churned/run", "forks/run (/proc/stat)", "switch ns",
                   "wakeup ns", "wakeup_new ns", "fork ns", "exit ns", "pipe ops/s",
                   "tasks_dropped"]))
    w("")

    w("## 4. cyclictest (`-m -p 80 -t 1 -i 1000 -l %d`, idle system)\n" % a.cyclic_loops)
    rows = []
    for k, xs in cyclic.items():
        if not xs:
            continue
        rows.append([k, len(xs), spread([x["max"] for x in xs]), spread([x["p99"] for x in xs]),
                     spread([x["rt_max_us"] for x in xs], "%.1f") if k == "rttrace" else "-",
                     spread([x["rt_p99_us"] for x in xs], "%.1f") if k == "rttrace" else "-"])
    w(table(rows, ["", "reps", "max us", "p99 us", "rttrace's own max latency us",
                   "rttrace's own p99 us"]))
    pl, rt = cyclic.get("plain", []), cyclic.get("rttrace", [])
    if pl and rt:
        overlap = not (min(x["max"] for x in rt) > max(x["max"] for x in pl))
        w("\n%s" % ("The max-latency ranges with and without rttrace overlap: on this VM the "
                    "difference, if any, is below the noise." if overlap else
                    "Every traced max is above every untraced max: worth a closer look "
                    "(this VM's hypervisor noise can still explain it; rerun)."))
    w("")

    # ---- targets
    w("## Targets (issue 7)\n")
    rows = []
    for ck, lab in (("rt_a", "tp_btf"), ("raw_a", "raw_tp")):
        for ev in ("switch", "wakeup"):
            v = med(per_event(cost.get(ck, []), ev))
            if v == v and floor[ev] == floor[ev]:
                rows.append(["untracked %s (%s, a)" % (ev, lab), "≤ %.1f× floor (%.0f ns)" %
                             (T_UNTRACKED, T_UNTRACKED * floor[ev]), "%.0f ns = %.2f×" %
                             (v, v / floor[ev]), pf(v <= T_UNTRACKED * floor[ev])])
    for ck, lab, t in (("rt_b", "tracked", T_TRACKED), ("raw_b", "tracked raw_tp", T_TRACKED),
                       ("rt_c", "capture on", T_CAPTURE)):
        for ev in ("switch", "wakeup"):
            v = med(per_event(cost.get(ck, []), ev))
            if ck == "rt_c" and not have_capture:
                if ev == "switch":
                    rows.append(["%s (c)" % lab, "≤ %.2f× runqlat" % t, "pending: no capture yet", "-"])
                continue
            if v == v and rq[ev] == rq[ev]:
                rows.append(["%s %s (%s)" % (lab, ev, ck), "≤ %.2f× runqlat (%.0f ns)" %
                             (t, t * rq[ev]), "%.0f ns = %.2f×" % (v, v / rq[ev]),
                             pf(v <= t * rq[ev])])
    for ck in ("rt_b", "rt_c", "raw_b", "runqlat", "perf_sched"):
        xs = cost.get(ck, [])
        if xs:
            rats = ratio_per_round(xs, none)
            rows.append(["pipe throughput, %s" % byk[ck].label, "≥ %.2f×" % T_TPUT,
                         "%.3f×" % med(rats), pf_noisy(rats, T_TPUT)
                         if ck.startswith(("rt", "raw")) else "(reference)"])
    if scale:
        ns = sorted(scale)
        memn = {n: med([x["mem"] for x in scale[n]]) for n in ns}
        trk = {n: med([x["maps"]["slots"][1] for x in scale[n]]) for n in ns}
        if len(ns) >= 2 and trk[ns[-1]] > trk[ns[0]]:
            per = (memn[ns[-1]] - memn[ns[0]]) / (trk[ns[-1]] - trk[ns[0]])
            fixed = memn[ns[0]] - per * trk[ns[0]]
            rows.append(["memory per task slot", "≤ 16 KiB", "%.1f KiB" % (per / 1024),
                         pf(per <= T_MEM_TASK)])
            rows.append(["fixed memory (intercept)", "≤ 1 MiB", "%.0f KiB" % (fixed / 1024),
                         pf(fixed <= T_MEM_FIXED)])
        for ck in ("rt_a", "rt_b", "rt_c"):
            xs = cost.get(ck, [])
            if xs and "slots" in xs[0].get("maps", {}):
                fx = med([x["mem"] - x["maps"]["slots"][0] for x in xs])
                rows.append(["fixed memory (maps minus slots), %s" % byk[ck].label, "≤ 1 MiB",
                             "%.0f KiB" % (fx / 1024), pf(fx <= T_MEM_FIXED)])
        for ev in ("switch", "wakeup"):
            x0, x1 = per_event(scale[ns[0]], ev), per_event(scale[ns[-1]], ev)
            v0, v1 = med(x0), med(x1)
            if v0 == v0 and v1 == v1:
                verdict = pf(abs(v1 / v0 - 1) <= T_FLAT)
                if len(x0) > 1 and max(x0) >= min(x1) and max(x1) >= min(x0) and \
                        verdict == "MISS":
                    verdict = "MISS (inconclusive: the two spreads overlap)"
                rows.append(["flat %s cost, %d → %d sleepers" % (ev, ns[0], ns[-1]),
                             "within ±10 %", "%.0f → %.0f ns (%+.0f %%)" %
                             (v0, v1, 100 * (v1 / v0 - 1)), verdict])
    w(table(rows, ["target", "bound", "measured", ""]))
    w("")
    w("## Reproduce\n")
    w("```sh\nmake deps      # once: clang, bpftool, libbpf-dev, linux-perf, libbpf-tools, rt-tests\n"
      "make bench     # full suite (~%s), root; writes bench/RESULTS.md\n"
      "make bench-quick   # < 60 s smoke run, writes build/bench/RESULTS-quick.md\n"
      "python3 bench/bench.py --help   # rounds, loop counts, sections\n```\n" %
      "10 min")
    w("Method: every configuration of a round runs the same `perf bench sched pipe -T -l N`, "
      "started behind a gate so the tracer can be given its PID before it runs. "
      "The tracer's programs and maps are found through `/proc/PID/fdinfo` of the tracer "
      "process (prog_id/map_id), so other BPF users on the machine are not counted. "
      "Per-event cost = Δrun_time_ns / Δrun_cnt of each program over the pipe run. "
      "rttrace also tracks an idle `sleep` task (`-p`) so it outlives the pipe and its "
      "counters can be read after the run; in (a) that idle task is the only tracked one, "
      "with rttrace's defaults (capture on; (b) is `--no-trace`, (c) capture on).")
    return "\n".join(L) + "\n"


# ---- shared by the interleaved A/B suites (rt_impact.py, where_cost.py) ------

def sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def interleaved_rounds(name, arms, rounds, run_one, warm_up, pause):
    """Every arm in every round, the order rotating from round to round,
    after one unrecorded warm-up run (warm_up()): the first run after a
    pause (caches, the page cache, the VM's vCPU placement) is not like the
    rest.  run_one(arm, round) -> a result; the results in run order."""
    runs = []
    log("  %s warm-up" % name)
    warm_up()
    for r in range(rounds):
        k = r % len(arms)
        for arm in arms[k:] + arms[:k]:
            log("  %s round %d/%d: %s" % (name, r + 1, rounds, arm))
            runs.append(run_one(arm, r))
            time.sleep(pause)
    return runs


def by_arm(runs, arm):
    return [x for x in runs if x["arm"] == arm]


def suite_raw_path(out, quick, name):
    """Where a suite keeps its raw numbers: beside --out when that is
    outside bench/, else build/bench/NAME[-quick].json."""
    if out:
        p = os.path.abspath(out)
        if not p.startswith(os.path.join(ROOT, "bench") + os.sep):
            return os.path.splitext(p)[0] + ".json"
    return os.path.join(BUILD, "bench", "%s%s.json" % (name, "-quick" if quick else ""))


# The markers of the sections other suites write into RESULTS.md:
# bench/rt_impact.py (make bench-rt), bench/where_cost.py (make bench-where)
# and bench/soak.py (make soak).
RT_IMPACT_BEGIN = "<!-- rt-impact:begin -->"
RT_IMPACT_END = "<!-- rt-impact:end -->"
WHERE_COST_BEGIN = "<!-- where-cost:begin -->"
WHERE_COST_END = "<!-- where-cost:end -->"
SOAK_BEGIN = "<!-- soak:begin -->"
SOAK_END = "<!-- soak:end -->"
KEPT_SECTIONS = ((RT_IMPACT_BEGIN, RT_IMPACT_END), (WHERE_COST_BEGIN, WHERE_COST_END),
                 (SOAK_BEGIN, SOAK_END))


def section_re(begin, end):
    return re.compile(re.escape(begin) + ".*?" + re.escape(end) + "\n?", re.S)


def keep_sections(path, txt):
    """txt plus the sections other suites wrote into the old path (rt-impact,
    where-cost: KEPT_SECTIONS), in the order they had there."""
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        return txt
    found = []
    for begin, end in KEPT_SECTIONS:
        m = section_re(begin, end).search(old)
        if m:
            found.append((m.start(), m.group(0)))
    for _, sec in sorted(found):
        txt += "\n" + (sec if sec.endswith("\n") else sec + "\n")
    return txt


keep_rt_impact = keep_sections     # the old name


def put_section(path, section, begin, end):
    """Replace the section of path between the lines begin and end
    (inclusive) by section, or append section to path."""
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    pat = section_re(begin, end)
    if pat.search(old):
        new = pat.sub(lambda m: section, old, count=1)
    else:
        new = old + ("\n" if old and not old.endswith("\n\n") else "") + section
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(new)


# ---- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one short round of each section (< 60 s)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--loops", type=int, help="perf bench sched pipe -l")
    ap.add_argument("--scale-rounds", type=int)
    ap.add_argument("--scale-sizes", default="1,64,1024")
    ap.add_argument("--cyclic-reps", type=int)
    ap.add_argument("--cyclic-loops", type=int)
    ap.add_argument("--from-raw", metavar="JSON",
                    help="only rewrite the report from a previous run's build/bench/last-raw.json")
    ap.add_argument("--skip", default="",
                    help="comma list of: scale,churn,cyclic,placement,raw,perf")
    a = ap.parse_args()
    q = a.quick
    a.rounds = a.rounds or (1 if q else 7)
    a.loops = a.loops or (20000 if q else 200000)
    a.scale_rounds = a.scale_rounds or (1 if q else 3)
    a.scale_sizes = [int(x) for x in a.scale_sizes.split(",")]
    a.cyclic_reps = a.cyclic_reps or (1 if q else 5)
    a.cyclic_loops = a.cyclic_loops or (1000 if q else 10000)
    skip = set(filter(None, a.skip.split(",")))

    if os.geteuid() != 0:
        log("bench: must run as root (bpf_stats, BPF programs)")
        return 1
    for exe in (RTTRACE, EMPTY, PARTS, CHURN, SLEEPERS, RUNQLAT, PERF, CYCLICTEST, BPFTOOL):
        if not os.access(exe, os.X_OK):
            log("bench: missing %s (make all bench-bins; make deps)" % exe)
            return 1

    help_txt = run([RTTRACE, "run", "--help"], check=False).stdout
    have_capture = "--no-trace" in help_txt
    nt = ["--no-trace"] if have_capture else []
    configs = [
        Config("none", "no tracer", "none"),
        Config("empty", "(0) empty tp_btf", "empty"),
        Config("parts", "(0b) building blocks", "parts"),
        # alone: run beside others it would share their TLB entries
        Config("parts_bss", "(0c) one .bss load, alone", "parts", ["pt_sw_bss"]),
        # the same empty program as (0), alone: with no wakeup program
        # beside it, nothing has warmed the TLB entries BPF dispatch needs
        Config("parts_alone", "(0d) empty switch program, alone", "parts", ["pt_sw_empty"]),
        # what an untracked rttrace switch reads: prev/next->bpf_storage
        Config("parts_lines", "(0e) two bpf_storage loads, alone", "parts", ["pt_sw_nullchk"]),
        Config("runqlat", "(1) runqlat", "runqlat"),
        # (a) as a user runs it: capture on (the default); nothing to record
        # while the one tracked task sleeps
        Config("rt_a", "(a) rttrace untracked", "rttrace", []),
        Config("rt_b", "(b) rttrace tracked" + (" --no-trace" if nt else ""), "rttrace", nt, True),
    ]
    if have_capture:
        configs.append(Config("rt_c", "(c) rttrace tracked + capture", "rttrace", [], True))
    if "raw" not in skip:
        configs += [Config("raw_a", "(a) rttrace raw_tp untracked", "rttrace",
                           ["--backend", "raw_tp"]),
                    Config("raw_b", "(b) rttrace raw_tp tracked", "rttrace",
                           nt + ["--backend", "raw_tp"], True)]
    if "perf" not in skip:
        configs.append(Config("perf_sched", "perf sched record", "perf_sched"))

    if a.from_raw:
        with open(a.from_raw) as f:
            raw = json.load(f)
        configs = [c for c in configs if c.key in raw["cost"]]
        txt = report(a, None, configs, raw["cost"],
                     {int(k): v for k, v in raw["scale"].items()}, raw["churn"], raw["cyclic"],
                     have_capture, raw.get("foreign", []), raw.get("elapsed", 0),
                     raw.get("placement", {}))
        txt = keep_sections(a.out, txt)
        with open(a.out, "w") as f:
            f.write(txt)
        print(txt)
        return 0

    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        old_stats = f.read().strip()
    ctx = Ctx()
    t0 = time.time()
    rc = 0
    foreign = []
    try:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("1")
        ctx.idle = Proc(["sleep", "100000"], "idle sleep")
        ctx.idle_pid = ctx.idle.pid
        foreign += sched_foreign_progs()
        log("bench: cost section (%d configs x %d rounds, %d loops)" %
            (len(configs), a.rounds, a.loops))
        cost = section_cost(ctx, a, configs)
        b_cfg = next(c for c in configs if c.key == "rt_b")
        scale = {} if "scale" in skip else (log("bench: scale section") or
                                            section_scale(ctx, a, b_cfg))
        churn = {} if "churn" in skip else (log("bench: churn section") or
                                            section_churn(ctx, a, b_cfg))
        placement = {} if "placement" in skip or (os.cpu_count() or 1) < 2 else (
            log("bench: placement section") or
            section_placement(ctx, a, [c for c in configs if c.key in ("empty", "rt_a")]))
        cyclic = {} if "cyclic" in skip else (log("bench: cyclictest section") or
                                              section_cyclic(ctx, a))
        foreign += sched_foreign_progs()
        txt = report(a, ctx, configs, cost, scale, churn, cyclic, have_capture, foreign,
                     time.time() - t0, placement)
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        txt = keep_sections(a.out, txt)
        with open(a.out, "w") as f:
            f.write(txt)
        with open(os.path.join(BUILD, "bench", "last-raw.json"), "w") as f:
            json.dump({"cost": cost, "scale": {str(k): v for k, v in scale.items()},
                       "churn": churn, "cyclic": cyclic, "foreign": foreign,
                       "placement": placement,
                       "elapsed": time.time() - t0}, f, indent=1, default=str)
        print(txt)
        log("bench: wrote %s (%.0f s)" % (a.out, time.time() - t0))
    except (SuiteError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
        log("bench: SUITE BROKEN: %s: %s" % (type(e).__name__, e))
        rc = 1
    finally:
        if ctx.idle and ctx.idle.alive():
            ctx.idle.stop(signal.SIGKILL)
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old_stats)
        shutil.rmtree(ctx.dir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
