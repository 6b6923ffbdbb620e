"""Helpers shared by the live tests: run rttrace and the workloads."""
import json
import os
import re
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RTTRACE = os.path.join(ROOT, "build", "rttrace")
WL = os.path.join(ROOT, "build", "workloads")

MS = 1_000_000
US = 1_000


def workload(name, *args, **kw):
    """Start a workload; return (Popen, dict of role -> tid) once it printed its tids."""
    p = subprocess.Popen([os.path.join(WL, name), *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, **kw)
    tids = {}
    line = p.stdout.readline()
    for k, v in re.findall(r"(\w+)=(\d+)", line):
        tids[k] = int(v)
    if not tids:
        p.kill()
        raise RuntimeError(f"{name}: no tid line, got {line!r}: {p.stderr.read()}")
    return p, tids


def read_more_tids(p, tids, want_key, timeout=5.0):
    """Read further 'tid k=v' lines until want_key appears."""
    end = time.time() + timeout
    while want_key not in tids and time.time() < end:
        line = p.stdout.readline()
        if not line:
            break
        for k, v in re.findall(r"(\w+)=(\d+)", line):
            tids[k] = int(v)
    return tids


class Run:
    """Result of one rttrace run."""

    def __init__(self, rc, out, err, report):
        self.rc, self.out, self.err, self.report = rc, out, err, report

    def task(self, tid):
        for t in self.report["tasks"]:
            if t["pid"] == tid:
                return t
        raise KeyError(f"TID {tid} not in report: {[t['pid'] for t in self.report['tasks']]}")

    def metric(self, tid, m):
        return self.task(tid)["metrics"][m]


def rttrace(*args, timeout=60, json_out=True, env=None, popen=False):
    """Run `rttrace run ARGS` (with --json to a temp file unless json_out is False)."""
    jpath = None
    cmd = [RTTRACE, "run"]
    if json_out:
        fd, jpath = tempfile.mkstemp(suffix=".json", prefix="rttrace-test-")
        os.close(fd)
        os.unlink(jpath)
        cmd += ["--json", jpath]
    cmd += list(args)
    e = dict(os.environ)
    if env:
        e.update(env)
    if popen:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        p.jpath = jpath
        return p
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    return finish(cp.returncode, cp.stdout, cp.stderr, jpath)


def finish(rc, out, err, jpath):
    report = None
    if jpath and os.path.exists(jpath):
        with open(jpath, encoding="utf-8") as f:
            report = json.load(f)  # independent parser: Python's json
        os.unlink(jpath)
    return Run(rc, out, err, report)


def wait_run(p, timeout=60):
    out, err = p.communicate(timeout=timeout)
    return finish(p.returncode, out, err, p.jpath)


def wait_attached(seconds=1.0):
    """rttrace attaches in well under a second."""
    time.sleep(seconds)


def bpf_prog_ids():
    """IDs of the BPF programs loaded now."""
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True).stdout
    try:
        return {p["id"] for p in json.loads(out)}
    except ValueError:
        return set()
