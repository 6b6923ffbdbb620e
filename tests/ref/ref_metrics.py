#!/usr/bin/python3
"""Reference computation of rttrace's per-task metrics from a bpftrace recording
(tests/ref/record.sh / record.bt).  See tests/ref/README.md for the definitions.

usage: ref_metrics.py REC.txt [--start-ns S] [--end-ns E]
                      [--slo latency=5ms] [--slo response=2ms,relief=12ms]
                      [--tid N]... [--tgid N]... [--descendants]
                      [--samples FILE.jsonl] [-o OUT.json] [--allow-lost]
"""
import argparse
import json
import re
import sys

UNKNOWN, SLEEPING, RUNNABLE, RUNNING = "UNKNOWN", "SLEEPING", "RUNNABLE", "RUNNING"
METRICS = ("latency", "response", "relief")
# tracepoint (TASK_REPORT) encoding of prev_state
VOLUNTARY_MASK = 0x1 | 0x2 | 0x40 | 0x80 | 0x10 | 0x20   # S D P I X Z
PREEMPTED = 0x100                                        # TASK_REPORT_MAX
DEAD_MASK = 0x10 | 0x20                                  # X Z
UNITS = {"ns": 1, "us": 1000, "ms": 1000_000, "s": 1000_000_000}
LOST_RE = re.compile(r"Lost (\d+) events")


def is_voluntary(prev_state):
    return prev_state != 0 and prev_state != PREEMPTED and (prev_state & VOLUNTARY_MASK) != 0


def parse_ns(text):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s)?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {text!r}")
    return int(round(float(m.group(1)) * UNITS[m.group(2) or "ns"]))


def parse_slo(items):
    bounds = {}
    for item in items:
        for part in item.split(","):
            if not part:
                continue
            k, _, v = part.partition("=")
            k = k.strip()
            if k not in METRICS:
                raise SystemExit(f"--slo: unknown metric {k!r} (want one of {METRICS})")
            bounds[k] = parse_ns(v)
    return bounds


def read_recording(path):
    """Returns (events sorted by timestamp, meta)."""
    events = []
    meta = {"lost_events": 0, "ready_ns": None, "end_ns": None, "bad_lines": 0}
    with open(path, errors="replace") as f:
        for seq, line in enumerate(f):
            parts = line.split()
            if not parts:
                continue
            tag = parts[0]
            try:
                if tag in ("W", "N", "S", "X", "E", "R"):
                    rec = [int(x) for x in parts[1:]]
                    events.append((rec[0], seq, tag, rec))
                elif tag == "READY":
                    meta["ready_ns"] = int(parts[1])
                    if len(parts) >= 4:
                        meta["recorder_pid"] = int(parts[2])
                        meta["filtered"] = bool(int(parts[3]))
                elif tag == "END":
                    meta["end_ns"] = int(parts[1])
                elif LOST_RE.search(line):
                    meta["lost_events"] += int(LOST_RE.search(line).group(1))
                elif tag == "Attaching":
                    pass
                else:
                    meta["bad_lines"] += 1
            except (ValueError, IndexError):
                m = LOST_RE.search(line)
                if m:
                    meta["lost_events"] += int(m.group(1))
                else:
                    meta["bad_lines"] += 1
    # per-CPU perf buffers are not time ordered across CPUs; ties keep file order
    events.sort(key=lambda e: (e[0], e[1]))
    meta["events"] = len(events)
    if not meta.get("filtered", True):
        # Integrity check (unfiltered recordings only): on each CPU, a switch's prev must be the
        # previous switch's next.  Breaks explained by the recorder's self-exclusion are skipped.
        # On this host sched_switch events whose prev belongs to the sandbox's PID 1 threads never
        # reach BPF, which shows up here.
        self_pid = meta.get("recorder_pid", -1)
        last = {}
        breaks = 0
        for ts, _seq, tag, r in events:
            if tag != "S":
                continue
            cpu, prev, nxt = r[1], r[2], r[5]
            lnext = last.get(cpu)
            if lnext is not None and lnext != prev and lnext != self_pid and prev != self_pid:
                breaks += 1
            last[cpu] = nxt
        meta["switch_chain_breaks"] = breaks
    if events:
        meta["first_ns"], meta["last_ns"] = events[0][0], events[-1][0]
    return events, meta


class Task:
    __slots__ = ("state", "lat", "resp", "relief", "last_timer", "in_sleep_syscall")

    def __init__(self):
        self.state = UNKNOWN
        self.lat = self.resp = self.relief = None   # window start timestamps, None = closed
        self.last_timer = False                     # last voluntary switch-out was a timer sleep
        self.in_sleep_syscall = False               # between sys_enter and sys_exit of (clock_)nanosleep


def compute(events, start_ns=None, end_ns=None, sample_cb=None):
    tasks = {}
    tgid_of = {}
    parent_of = {}
    diag = {}
    stats = {}

    def task(tid):
        t = tasks.get(tid)
        if t is None:
            t = tasks[tid] = Task()
        return t

    def d(tid, key):
        dd = diag.setdefault(tid, {})
        dd[key] = dd.get(key, 0) + 1

    def sample(tid, metric, s, e):
        if start_ns is not None and s < start_ns:
            return
        if end_ns is not None and e > end_ns:
            return
        st = stats.setdefault(tid, {}).setdefault(metric, [])
        st.append((s, e))
        if sample_cb:
            sample_cb(tid, metric, s, e)

    for ts, _seq, tag, r in events:
        if start_ns is not None and ts < start_ns:
            continue          # tracer not attached yet: ignore entirely
        if end_ns is not None and ts > end_ns:
            break
        if tag == "S":
            _, _cpu, prev, _pprio, pstate, nxt, _nprio, ptgid = r
            if prev != 0:
                tgid_of[prev] = ptgid
                t = task(prev)
                if is_voluntary(pstate):
                    timer = t.in_sleep_syscall
                    if t.resp is not None:
                        sample(prev, "response", t.resp, ts)
                        t.resp = None
                    if timer and t.relief is not None:
                        sample(prev, "relief", t.relief, ts)
                        t.relief = None
                    if t.lat is not None:
                        d(prev, "voluntary_switch_out_with_open_latency_window")
                    t.last_timer = timer
                    t.state = SLEEPING
                    if pstate & DEAD_MASK:
                        d(prev, "exit_switch_out")
                else:
                    t.state = RUNNABLE
            if nxt != 0:
                t = task(nxt)
                if t.state == SLEEPING:
                    d(nxt, "switch_in_without_wakeup")   # a missed wakeup would show here
                if t.lat is not None:
                    sample(nxt, "latency", t.lat, ts)
                    t.lat = None
                t.state = RUNNING
        elif tag == "W":
            _, _cpu, pid, _tcpu = r
            t = task(pid)
            if t.state == SLEEPING:
                t.lat = ts
                t.resp = ts
                if t.last_timer and t.relief is None:
                    t.relief = ts
                t.state = RUNNABLE
            else:
                d(pid, "wakeup_ignored_" + t.state.lower())
        elif tag == "N":
            _, _cpu, pid, _tcpu, ptid, ptgid = r
            t = tasks[pid] = Task()       # new task (or reused TID): fresh state
            t.state = RUNNABLE
            t.lat = ts
            t.resp = ts
            parent_of[pid] = ptid
            tgid_of.setdefault(ptid, ptgid)
        elif tag == "E":
            _, _cpu, tid, tgid, _kind, _clk, _flags = r
            tgid_of[tid] = tgid
            task(tid).in_sleep_syscall = True
        elif tag == "R":
            _, _cpu, tid, tgid, _kind, _ret = r
            tgid_of[tid] = tgid
            task(tid).in_sleep_syscall = False
        elif tag == "X":
            _, _cpu, pid, tgid = r
            tgid_of[pid] = tgid
    return tasks, stats, diag, tgid_of, parent_of


def summarize(samples, bound):
    if not samples:
        return {"count": 0, "min_ns": None, "max_ns": None, "max_start_ns": None,
                "max_end_ns": None, "violations": 0}
    mn = None
    best = None
    viol = 0
    for s, e in samples:        # samples are in end-time order; first maximum wins ties
        v = e - s
        if mn is None or v < mn:
            mn = v
        if best is None or v > best[0]:
            best = (v, s, e)
        if bound is not None and v > bound:
            viol += 1
    return {"count": len(samples), "min_ns": mn, "max_ns": best[0], "max_start_ns": best[1],
            "max_end_ns": best[2], "violations": viol}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recording")
    ap.add_argument("--start-ns", type=int)
    ap.add_argument("--end-ns", type=int)
    ap.add_argument("--slo", action="append", default=[],
                    help="metric=bound, e.g. latency=5ms, response=2000000 (ns); repeatable / comma list")
    ap.add_argument("--tid", type=int, action="append", default=[])
    ap.add_argument("--tgid", type=int, action="append", default=[])
    ap.add_argument("--descendants", action="store_true",
                    help="with --tid/--tgid: also report tasks created (sched_wakeup_new) by selected tasks")
    ap.add_argument("--samples", help="write every counted sample as JSON lines to this file")
    ap.add_argument("--allow-lost", action="store_true", help="do not fail when bpftrace lost events")
    ap.add_argument("-o", "--output")
    a = ap.parse_args(argv)
    bounds = parse_slo(a.slo)

    events, meta = read_recording(a.recording)
    sf = open(a.samples, "w") if a.samples else None
    cb = (lambda tid, m, s, e: sf.write(json.dumps({"tid": tid, "metric": m, "start_ns": s,
                                                    "end_ns": e, "dur_ns": e - s}) + "\n")) if sf else None
    tasks, stats, diag, tgid_of, parent_of = compute(events, a.start_ns, a.end_ns, cb)
    if sf:
        sf.close()

    def selected(tid):
        if not (a.tid or a.tgid):
            return True
        seen = set()
        while tid is not None and tid not in seen:
            seen.add(tid)
            if tid in a.tid or tgid_of.get(tid) in a.tgid:
                return True
            if not a.descendants:
                return False
            tid = parent_of.get(tid)
        return False

    if a.tid or a.tgid:
        tids = [t for t in tasks if selected(t)]
    else:
        tids = list(stats)
    out = {"tasks": {}}
    for tid in sorted(tids):
        out["tasks"][str(tid)] = {m: summarize(stats.get(tid, {}).get(m, []), bounds.get(m)) for m in METRICS}
    meta.update({"start_ns": a.start_ns, "end_ns_filter": a.end_ns, "slo_ns": bounds,
                 "tgid_of": {str(t): tgid_of.get(t) for t in sorted(tids)},
                 "diag": {str(t): diag[t] for t in sorted(tids) if t in diag}})
    out["meta"] = meta
    text = json.dumps(out, indent=1, sort_keys=False)
    if a.output:
        with open(a.output, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    if meta["lost_events"] and not a.allow_lost:
        print(f"ref_metrics: recording LOST {meta['lost_events']} events; results are not ground truth",
              file=sys.stderr)
        return 2
    if meta["end_ns"] is None:
        print("ref_metrics: warning: no END line (recorder not stopped with SIGINT?)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
