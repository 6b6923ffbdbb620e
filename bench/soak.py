#!/usr/bin/env python3
"""rttrace soak: hours-style use in minutes.  Python 3 stdlib only; root.

    bench/soak.py [--seconds S] [--quick] [--out FILE]

Side by side, for S seconds (default 600; --quick: 60):
  run      rttrace run -i 1s --prom-file P --json J --html H
               -- thread_pool -d S --threads 100
           (capture on, the default): 100 worker threads alive, each living
           50-300 ms, ~570 thread births a second; the workload counts its
           own blocking timer sleeps
  session  rttrace start; control_loop (10 ms period) added with rttrace
           add; rttrace stop --json at the end
Every second it samples the run's rttrace process (VmRSS, RssAnon) and,
every 5 s, the memory of the BPF maps it holds (bpftool's bytes_memlock)
and the Prometheus file (it must parse and move on).

Checks (exit 1 when one fails; the numbers are the point, so they are
printed either way):
  - rttrace run and the session commands exit 0;
  - no task dropped: every worker the pool started is in the report (kept
    one by one or merged per name), and tasks_dropped is 0;
  - no sample lost: the relief samples of the pool add up to its own count
    of blocking timer sleeps (minus one per worker) within 2 %;
  - the session's loop has a latency sample for each of its periods after
    it was added, within 2 %;
  - memory: rttrace's RSS (the median of the 5 samples from 15 s, and of
    the 5 up to S-5 s) grows by less than 8 MiB, and the BPF maps' memory
    does not change.
With --out FILE the Markdown section (between the soak markers) is
replaced or appended, other sections kept.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402

ROOT = os.path.dirname(HERE)
RTTRACE = os.path.join(ROOT, "build", "rttrace")
WL = os.path.join(ROOT, "build", "workloads")
MIB = 1024 * 1024
WARM_S = 15          # RSS growth is measured from here ...
END_MARGIN_S = 5     # ... to this long before the end
RSS_GROWTH_MAX = 8 * MIB
POOL_THREADS = 100


def log(msg):
    print("soak: " + msg, file=sys.stderr, flush=True)


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^%s:\s+(\d+) kB" % key, f.read(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def maps_bytes(pid):
    _, maps = B.owned_ids(pid)
    if not maps:
        return None
    return sum(m.get("bytes_memlock", 0) for m in B.bpftool_json("map") if m["id"] in maps)


def prom_value(path, name):
    try:
        with open(path) as f:
            m = re.search(r"^%s (\S+)$" % re.escape(name), f.read(), re.M)
        return float(m.group(1)) if m else None
    except OSError:
        return None


def summary(out, program):
    for line in out.splitlines():
        if line.startswith('{"program":"%s"' % program):
            return json.loads(line)
    raise RuntimeError("%s printed no summary" % program)


def rt(*args, timeout=60):
    return subprocess.run([RTTRACE, *args], capture_output=True, text=True, timeout=timeout)


def soak(a, tmp):
    res = {"seconds": a.seconds, "samples": []}
    J, P, H = (os.path.join(tmp, n) for n in ("run.json", "run.prom", "run.html"))
    SJ = os.path.join(tmp, "session.json")
    if os.path.exists("/sys/fs/bpf/rttrace"):
        raise RuntimeError("a persistent rttrace session is running: stop it first (rttrace stop)")
    r = rt("start")
    if r.returncode:
        raise RuntimeError("rttrace start: " + r.stderr.strip())
    loop = None
    try:
        loop = subprocess.Popen([os.path.join(WL, "control_loop"), "-d", "%ds" % (a.seconds + 3),
                                 "--period", "10ms", "--busy", "100us"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t_loop = time.monotonic()
        loop.stdout.readline()
        r = rt("add", str(loop.pid))
        t_add = time.monotonic()
        if r.returncode:
            raise RuntimeError("rttrace add: " + r.stderr.strip())
        out = open(os.path.join(tmp, "run.out"), "w+")
        err = open(os.path.join(tmp, "run.err"), "w+")
        run = subprocess.Popen([RTTRACE, "run", "-i", "1s", "--prom-file", P, "--json", J,
                                "--html", H, "--", os.path.join(WL, "thread_pool"),
                                "-d", "%ds" % a.seconds, "--threads", str(POOL_THREADS)],
                               stdout=out, stderr=err)
        t0 = time.monotonic()
        last_prom = None
        while run.poll() is None:
            t = time.monotonic() - t0
            s = {"t": round(t, 1), "rss": status_kib(run.pid, "VmRSS"),
                 "anon": status_kib(run.pid, "RssAnon"), "file": status_kib(run.pid, "RssFile")}
            if len(res["samples"]) % 5 == 0:
                s["maps"] = maps_bytes(run.pid)
                s["prom_s"] = prom_value(P, "rttrace_session_duration_seconds")
                if s["prom_s"] is not None and last_prom is not None and s["prom_s"] < last_prom:
                    raise RuntimeError("the Prometheus file went back in time")
                last_prom = s["prom_s"] if s["prom_s"] is not None else last_prom
            if s["rss"] is not None:
                res["samples"].append(s)
            time.sleep(max(0.0, len(res["samples"]) - (time.monotonic() - t0)) or 0.05)
        run.wait()
        out.seek(0)
        err.seek(0)
        res["run_rc"], res["run_err"] = run.returncode, err.read()[-2000:]
        res["pool"] = summary(out.read(), "thread_pool")
        with open(J) as f:
            res["report"] = json.load(f)
        res["html_bytes"] = os.path.getsize(H) if os.path.exists(H) else 0
        res["prom_end_s"] = prom_value(P, "rttrace_session_duration_seconds")
        lo, _ = loop.communicate(timeout=a.seconds + 30)
        res["loop"] = summary(lo, "control_loop")
        res["loop_before_add"] = (t_add - t_loop) * 1e9 / res["loop"]["period_ns"]
    finally:
        if loop and loop.poll() is None:
            loop.kill()
        r = rt("stop", "--json", SJ)
        res["stop_rc"], res["stop_err"] = r.returncode, r.stderr[-1000:]
    with open(SJ) as f:
        res["session"] = json.load(f)
    return res


def checks(res):
    rep, pool = res["report"], res["pool"]
    ws = [t for t in rep["tasks"] if t["comm"] == "thread_pool"]
    threads = sum(t["merged_threads"] or 1 for t in ws)
    relief = sum(t["metrics"]["relief"]["count"] for t in ws)
    want = pool["relief_expected"]
    loop_t = [t for t in res["session"]["tasks"] if t["comm"] == "control_loop"]
    loop_lat = loop_t[0]["metrics"]["latency"]["count"] if loop_t else 0
    loop_want = res["loop"]["iterations"] - 1 - res["loop_before_add"]
    ss = res["samples"]
    warm = [s for s in ss if s["t"] >= WARM_S]
    endw = [s for s in ss if s["t"] <= res["seconds"] - END_MARGIN_S]
    # the median of 5 samples (5 s) at each end: memory taken and given
    # back within a second (a report built every interval) is no growth
    rss0 = B.med([s["rss"] for s in warm[:5]]) * 1024 if warm else None
    rss1 = B.med([s["rss"] for s in endw[-5:]]) * 1024 if endw else None
    maps = [s["maps"] for s in ss if s.get("maps")]
    res["figures"] = {
        "workers": pool["workers"], "threads_reported": threads,
        "kept": sum(1 for t in ws if not t["merged_threads"]),
        "merged": rep["session"]["exited_threads_merged"],
        "relief": relief, "relief_expected": want,
        "relief_off_pct": 100.0 * (relief - want) / want if want else 0.0,
        "loop_latency": loop_lat, "loop_expected": loop_want,
        "rss_warm": rss0, "rss_end": rss1,
        "rss_growth": rss1 - rss0 if rss0 is not None and rss1 is not None else None,
        "rss_max": max(s["rss"] for s in ss) * 1024 if ss else None,
        "anon_warm": B.med([s["anon"] for s in warm[:5]]) * 1024 if warm else None,
        "anon_end": B.med([s["anon"] for s in endw[-5:]]) * 1024 if endw else None,
        "file_warm": B.med([s["file"] for s in warm[:5]]) * 1024 if warm else None,
        "file_end": B.med([s["file"] for s in endw[-5:]]) * 1024 if endw else None,
        "maps_first": maps[0] if maps else None, "maps_last": maps[-1] if maps else None,
        "cpu_pct": 100.0 * rep["session"]["rttrace_cpu_ns"] /
                   max(1, rep["session"]["end_ns"] - rep["session"]["start_ns"]),
        "wakeups_per_s": rep["session"]["rttrace_wakeups"] * 1e9 /
                         max(1, rep["session"]["end_ns"] - rep["session"]["start_ns"]),
        "windows_not_captured": rep["session"]["windows_not_captured"],
        "stacks_lost": rep["session"]["stacks_lost"],
        "tasks_dropped": rep["session"]["tasks_dropped"],
        "html_bytes": res["html_bytes"],
    }
    f = res["figures"]
    fails = []
    if res["run_rc"] != 0:
        fails.append("rttrace run exited %s: %s" % (res["run_rc"], res["run_err"].strip()))
    if res["stop_rc"] != 0:
        fails.append("rttrace stop exited %s: %s" % (res["stop_rc"], res["stop_err"].strip()))
    if f["tasks_dropped"] or threads != pool["workers"] + 1:
        fails.append("tasks lost: %d workers (+ main) started, %d in the report, %d dropped"
                     % (pool["workers"], threads, f["tasks_dropped"]))
    if abs(relief - want) > 0.02 * want:
        fails.append("relief samples %d, the pool's own count %d (%+.2f %%)"
                     % (relief, want, f["relief_off_pct"]))
    if abs(loop_lat - loop_want) > 0.02 * loop_want + 2:
        fails.append("session: control_loop latency samples %d, expected %.0f"
                     % (loop_lat, loop_want))
    if f["rss_growth"] is None or f["rss_growth"] >= RSS_GROWTH_MAX:
        fails.append("rttrace RSS grew %s from %d s to %d s (limit 8 MiB)"
                     % (mib(f["rss_growth"]), WARM_S, res["seconds"] - END_MARGIN_S))
    if f["maps_first"] != f["maps_last"]:
        fails.append("BPF map memory changed: %s -> %s" % (f["maps_first"], f["maps_last"]))
    return fails


def mib(b):
    return "-" if b is None else "%.1f MiB" % (b / MIB)


def report(res, fails):
    f = res["figures"]
    S = res["seconds"]
    L = [B.SOAK_BEGIN, "## Soak (`make soak`)", ""]
    w = L.append
    w("%d s of `rttrace run -i 1s --prom-file --json --html -- thread_pool --threads %d` "
      "(capture on) beside a persistent session tracing a 10 ms `control_loop` "
      "(bench/soak.py).  %s." % (S, POOL_THREADS, "All checks passed" if not fails else
                                 "FAILED: " + "; ".join(fails)))
    w("")
    w("| what | figure |")
    w("|---|---|")
    w("| worker threads started by the pool | %d (%d kept one by one, %d merged) |"
      % (f["workers"], f["kept"], f["merged"]))
    w("| tasks dropped | %d |" % f["tasks_dropped"])
    w("| pool relief samples vs its own count | %d vs %d (%+.2f %%) |"
      % (f["relief"], f["relief_expected"], f["relief_off_pct"]))
    w("| session loop latency samples vs periods | %d vs %.0f |"
      % (f["loop_latency"], f["loop_expected"]))
    w("| rttrace RSS at %d s / at %d s / growth (medians of 5 s) | %s / %s / %s |"
      % (WARM_S, S - END_MARGIN_S, mib(f["rss_warm"]), mib(f["rss_end"]), mib(f["rss_growth"])))
    w("| of which anonymous (heap) / file-backed (mapped BPF maps, libraries) | "
      "%s / %s at %d s, %s / %s at %d s |"
      % (mib(f["anon_warm"]), mib(f["file_warm"]), WARM_S, mib(f["anon_end"]),
         mib(f["file_end"]), S - END_MARGIN_S))
    w("| rttrace RSS max | %s |" % mib(f["rss_max"]))
    w("| BPF maps held by the run (first / last sample) | %s / %s |"
      % (mib(f["maps_first"]), mib(f["maps_last"])))
    w("| rttrace CPU, wakeups | %.1f %% of a CPU, %.1f /s |" % (f["cpu_pct"], f["wakeups_per_s"]))
    w("| windows not captured, stacks lost | %d, %d |"
      % (f["windows_not_captured"], f["stacks_lost"]))
    w("| HTML report | %d bytes |" % f["html_bytes"])
    w("")
    step = max(1, len(res["samples"]) // 12)
    w("RSS over time (s: MiB): " + ", ".join(
        "%d: %.1f" % (s["t"], s["rss"] / 1024) for s in res["samples"][::step]) + ".")
    w("")
    w("Reproduce: `make soak` (%s; `SOAK_SECONDS=N` to change) writes this section; "
      "`make soak-quick` (60 s, part of `make test`) writes build/bench/SOAK-quick.md."
      % "600 s")
    w(B.SOAK_END)
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--quick", action="store_true", help="60 s (CI)")
    ap.add_argument("--out", help="Markdown file: replace or append the soak section")
    a = ap.parse_args()
    if a.quick:
        a.seconds = 60
    if a.seconds < WARM_S + END_MARGIN_S + 10:
        ap.error("--seconds must be at least %d" % (WARM_S + END_MARGIN_S + 10))
    if os.geteuid() != 0:
        print("soak: needs root (it loads BPF programs)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="rttrace-soak-") as tmp:
        log("%d s: rttrace run on a churning thread pool beside a persistent session" % a.seconds)
        try:
            res = soak(a, tmp)
        except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as e:
            print("soak: the suite broke: %s" % e, file=sys.stderr)
            return 1
    fails = checks(res)
    txt = report(res, fails)
    if a.out:
        B.put_section(a.out, txt, B.SOAK_BEGIN, B.SOAK_END)
        log("wrote %s" % a.out)
    print(txt)
    for f in fails:
        print("soak: FAILED: " + f, file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
