#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validate the structure of an rttrace --perfetto file (Chrome/Perfetto JSON
trace-event format).  Python 3 standard library only.

    check_perfetto.py FILE [--min-windows N] [--quiet]

Checks: a {"traceEvents": [...], "displayTimeUnit": "ns"} object; every event
has ph (M, X or i), name, ts, pid and tid (numbers); X events have dur >= 0;
instants have scope "t"; timed events are sorted by ts; every window (the "X"
slice of category "window", one per pid) has args verdict/start_ns/end_ns and
every timed event of its pid lies inside it; slices on one track (pid, tid)
nest properly; every track with events is named (thread_name) and every pid
has a process_name.  Exit 0 when valid, 1 with one line per problem otherwise.
Usable as a module: check(obj) returns the list of problems.
"""
import json
import sys

EPS = 1e-6  # us; ts are printed with 3 decimals


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check(obj, min_windows=0):
    errs = []
    if not isinstance(obj, dict):
        return ["top level is not an object"]
    evs = obj.get("traceEvents")
    if not isinstance(evs, list):
        return ["traceEvents is missing or not an array"]
    if obj.get("displayTimeUnit") != "ns":
        errs.append("displayTimeUnit is not \"ns\"")
    windows = {}   # pid -> (start_us, end_us)
    pnames, tnames = set(), set()
    used_tracks = set()
    slices = {}    # (pid, tid) -> [(ts, end)]
    prev = None
    timed = []
    for i, e in enumerate(evs):
        where = "event %d" % i
        if not isinstance(e, dict):
            errs.append("%s: not an object" % where)
            continue
        for k in ("ph", "name", "ts", "pid", "tid"):
            if k not in e:
                errs.append("%s: no %s" % (where, k))
        if any(k not in e for k in ("ph", "name", "ts", "pid", "tid")):
            continue
        ph, ts, pid, tid = e["ph"], e["ts"], e["pid"], e["tid"]
        if not (_num(ts) and isinstance(pid, int) and isinstance(tid, int)):
            errs.append("%s: ts/pid/tid not numbers" % where)
            continue
        if ph == "M":
            args = e.get("args")
            if not isinstance(args, dict):
                errs.append("%s: metadata without args" % where)
            elif e["name"] == "process_name":
                pnames.add(pid)
            elif e["name"] == "thread_name":
                tnames.add((pid, tid))
            continue
        if ph not in ("X", "i"):
            errs.append("%s: unexpected ph %r" % (where, ph))
            continue
        if prev is not None and ts < prev:
            errs.append("%s: ts %.3f before the previous event's %.3f" % (where, ts, prev))
        prev = ts
        dur = 0.0
        if ph == "X":
            dur = e.get("dur")
            if not _num(dur) or dur < 0:
                errs.append("%s: X event with bad dur %r" % (where, dur))
                continue
            slices.setdefault((pid, tid), []).append((ts, ts + dur))
        elif e.get("s") != "t":
            errs.append("%s: instant without thread scope" % where)
        used_tracks.add((pid, tid))
        if e.get("cat") == "window" and ph == "X":
            args = e.get("args") or {}
            if pid in windows:
                errs.append("%s: second window in pid %d" % (where, pid))
            for k in ("verdict", "start_ns", "end_ns", "value_ns", "metric", "kind"):
                if k not in args:
                    errs.append("%s: window without args.%s" % (where, k))
            windows[pid] = (ts, ts + dur)
        timed.append((where, pid, ts, dur))
    for where, pid, ts, dur in timed:
        if pid not in windows:
            errs.append("%s: pid %d has no window slice" % (where, pid))
            continue
        w0, w1 = windows[pid]
        if ts < w0 - EPS or ts + dur > w1 + EPS:
            errs.append("%s: [%.3f, %.3f] outside its window [%.3f, %.3f]"
                        % (where, ts, ts + dur, w0, w1))
    for (pid, tid), lst in slices.items():
        lst.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        stack = []
        for s0, s1 in lst:
            while stack and stack[-1] <= s0 + EPS:
                stack.pop()
            if stack and s1 > stack[-1] + EPS:
                errs.append("track pid %d tid %d: slice [%.3f, %.3f] overlaps its parent ending %.3f"
                            % (pid, tid, s0, s1, stack[-1]))
                continue
            stack.append(s1)
    for pid, tid in sorted(used_tracks):
        if (pid, tid) not in tnames:
            errs.append("track pid %d tid %d has no thread_name" % (pid, tid))
    for pid in sorted(windows):
        if pid not in pnames:
            errs.append("pid %d has no process_name" % pid)
    if len(windows) < min_windows:
        errs.append("%d windows, expected at least %d" % (len(windows), min_windows))
    return errs


def main(argv):
    args = argv[1:]
    quiet = "--quiet" in args
    args = [a for a in args if a != "--quiet"]
    min_windows = 0
    if "--min-windows" in args:
        k = args.index("--min-windows")
        min_windows = int(args[k + 1])
        del args[k:k + 2]
    if len(args) != 1:
        print("usage: check_perfetto.py FILE [--min-windows N] [--quiet]", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            obj = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (args[0], e))
        return 1
    errs = check(obj, min_windows)
    for e in errs[:50]:
        print("%s: %s" % (args[0], e))
    if len(errs) > 50:
        print("%s: ... %d more problems" % (args[0], len(errs) - 50))
    if not errs and not quiet:
        evs = obj["traceEvents"]
        print("%s: ok, %d events, %d windows" % (args[0], len(evs),
              sum(1 for e in evs if e.get("cat") == "window")))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
