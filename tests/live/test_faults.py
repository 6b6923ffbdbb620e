"""Faults survived (issue 18): kill -9 at every phase, a full disk, a
process that forks and execs thousands of times.

kill -9 must leave no BPF program, link or map of that rttrace loaded, no
pin, and no partial output: an output file is absent or its complete
previous version, with no temporary file beside it.  The phases are hit
with the test hook RTTRACE_TEST_STOP_AT=PHASE (src/test_hook.h): rttrace
prints "rttrace: test hook: stopped at PHASE (pid N)" and stops itself
there; the test looks, then kills it.

The BPF objects checked are the killed process's own (read from its
/proc/PID/fdinfo while it is stopped), so others' rttrace runs on the
machine do not disturb the check.
"""
import ctypes
import glob
import json
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from rtlib import RTTRACE, WL

BPFFS = "/sys/fs/bpf"
PIN_DIR = BPFFS + "/rttrace"
PREVIOUS = "previous version, complete\n"
OUTPUTS = ("--json", "--html", "--perfetto", "--prom-file")


def bpf_ids_of(pid):
    """{'prog': ids, 'link': ids, 'map': ids} the process holds descriptors of."""
    ids = {"prog": set(), "link": set(), "map": set()}
    for fi in glob.glob(f"/proc/{pid}/fdinfo/*"):
        try:
            with open(fi) as f:
                text = f.read()
        except OSError:
            continue
        for kind in ids:
            m = re.search(rf"^{kind}_id:\s*(\d+)", text, re.M)
            if m:
                ids[kind].add(int(m.group(1)))
    return ids


# bpf(2) commands that list object IDs without opening the objects
_NR_BPF = {"x86_64": 321, "aarch64": 280, "armv7l": 386, "riscv64": 280}
_GET_NEXT_ID = {"prog": 11, "map": 12, "link": 31}
_libc = ctypes.CDLL(None, use_errno=True)


def _next_ids(kind):
    ids, start = set(), 0
    while True:
        attr = (ctypes.c_uint32 * 4)(start, 0, 0, 0)  # start_id, next_id, open_flags
        if _libc.syscall(_NR_BPF[platform.machine()], _GET_NEXT_ID[kind], attr,
                         ctypes.sizeof(attr)) != 0:
            return ids  # ENOENT: the last one
        start = attr[1]
        ids.add(start)


def live_bpf_ids():
    """The IDs of every BPF program, link and map loaded.  Listed, not
    opened: opening a prog_array by ID (bpftool map show) while its last
    user reference is being dropped leaks it in the kernel (seen on 6.18:
    prog_array_map_clear() takes a reference for a work item that may
    already be queued), and the test would find the leak it caused."""
    return {kind: _next_ids(kind) for kind in _GET_NEXT_ID}


def leftover(ids, timeout=10.0):
    """Those of ids still loaded once the kernel had time to free them
    (it does so after an RCU grace period, in a work queue)."""
    end = time.monotonic() + timeout
    while True:
        live = live_bpf_ids()
        left = {k: sorted(ids[k] & live[k]) for k in ids if ids[k] & live[k]}
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.2)


def pin_dirs(session=True):
    """rttrace's entries in bpffs: the session (unless session is False:
    another test's may come and go meanwhile) and any half-made one."""
    return sorted(n for n in os.listdir(BPFFS)
                  if n.startswith("rttrace") and (session or n != "rttrace"))


def session_ids():
    """The BPF objects the session's pins hold (its programs and maps are
    held by no process)."""
    ids = {"prog": set(), "link": set(), "map": set()}
    for name in os.listdir(PIN_DIR):
        kind = "link" if name.startswith("link_") else "map"
        out = subprocess.run(["bpftool", kind, "show", "pinned", os.path.join(PIN_DIR, name),
                              "-j"], capture_output=True, text=True).stdout
        try:
            o = json.loads(out)
        except ValueError:
            continue
        ids[kind].add(o["id"])
        if kind == "link":
            ids["prog"].add(o["prog_id"])
    return ids


def rt(*args, env=None):
    e = dict(os.environ)
    e.pop("RTTRACE_TEST_STOP_AT", None)
    if env:
        e.update(env)
    return subprocess.run([RTTRACE, *args], capture_output=True, text=True, timeout=120, env=e)


class Stopped:
    """rttrace started with RTTRACE_TEST_STOP_AT=phase, stopped there."""

    def __init__(self, tc, args, phase, timeout=60.0):
        env = dict(os.environ, RTTRACE_TEST_STOP_AT=phase)
        self.p = subprocess.Popen([RTTRACE, *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)
        self.err = b""
        marker = f"rttrace: test hook: stopped at {phase} (pid {self.p.pid})".encode()
        end = time.monotonic() + timeout
        while marker not in self.err:
            left = end - time.monotonic()
            r, _, _ = select.select([self.p.stderr], [], [], max(left, 0))
            chunk = os.read(self.p.stderr.fileno(), 65536) if r else b""
            if not chunk:
                self.p.kill()
                out, err = self.p.communicate()
                tc.fail(f"rttrace never stopped at {phase}: rc {self.p.returncode}, "
                        f"stderr {(self.err + err).decode(errors='replace')!r}")
            self.err += chunk
        while self.state() != "T":  # raise(SIGSTOP) follows the marker
            time.sleep(0.01)
        self.ids = bpf_ids_of(self.p.pid)

    def state(self):
        with open(f"/proc/{self.p.pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        out, err = self.p.communicate(timeout=30)
        self.err += err
        return self.p.returncode

    def cont(self, timeout=120):
        self.p.send_signal(signal.SIGCONT)
        out, err = self.p.communicate(timeout=timeout)
        self.err += err
        return self.p.returncode, out.decode(errors="replace"), self.err.decode(errors="replace")


class KillRun(unittest.TestCase):
    """kill -9 of `rttrace run` while loading, tracing, draining, writing."""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="rttrace-faults-")

    def tearDown(self):
        shutil.rmtree(self.d, ignore_errors=True)

    def outputs(self, which=OUTPUTS, previous=True):
        """Output options for which, each file holding PREVIOUS (or absent)."""
        args, files = [], {}
        for opt in which:
            path = os.path.join(self.d, "out" + opt.replace("-", "_"))
            if previous:
                with open(path, "w") as f:
                    f.write(PREVIOUS)
            args += [opt, path]
            files[path] = PREVIOUS if previous else None
        return args, files

    def assert_outputs(self, files, when):
        """Each output absent or its previous version, and nothing else."""
        self.assertEqual(sorted(os.listdir(self.d)),
                         sorted(os.path.basename(p) for p in files if files[p] is not None),
                         f"{when}: a partial or temporary file")
        for path, text in files.items():
            if text is not None:
                with open(path) as f:
                    self.assertEqual(f.read(), text, f"{when}: {path} changed")

    def kill_at(self, phase, out_args, files, want):
        pins = pin_dirs(session=False)
        s = Stopped(self, ["run", "-d", "5", *out_args, "--", "sleep", "0.3"], phase)
        # what the phase holds: programs loaded, and attached from "attached" on
        for kind in want:
            self.assertTrue(s.ids[kind], f"stopped at {phase}: no {kind} held: {s.ids}")
        self.assert_outputs(files, f"stopped at {phase}")
        self.assertEqual(s.kill9(), -signal.SIGKILL)
        self.assertEqual(leftover(s.ids), {}, f"BPF objects left after kill -9 at {phase}")
        self.assertEqual(pin_dirs(session=False), pins, "pins left")
        self.assert_outputs(files, f"killed at {phase}")

    def test_kill_while_loading(self):
        args, files = self.outputs()
        self.kill_at("load", args, files, ("prog", "map"))

    def test_kill_while_tracing(self):
        args, files = self.outputs()
        self.kill_at("attached", args, files, ("prog", "link", "map"))

    def test_kill_while_draining(self):
        args, files = self.outputs()
        self.kill_at("drain", args, files, ("prog", "link", "map"))

    def test_kill_while_writing_each_output(self):
        """Half of the file written when killed: neither PATH nor a
        temporary file may show it; a file that did not exist stays absent."""
        for opt in OUTPUTS:
            for previous in (True, False):
                with self.subTest(output=opt, previous=previous):
                    for n in os.listdir(self.d):
                        os.unlink(os.path.join(self.d, n))
                    args, files = self.outputs((opt,), previous)
                    self.kill_at("write", args, files, ("map",))


class KillRunEndsCommand(unittest.TestCase):
    def test_command_ends_with_a_killed_rttrace(self):
        """rttrace sends the COMMAND it started SIGTERM when it stops; when
        it is killed it cannot, and the command's parent-death signal
        does it."""
        p = subprocess.Popen([RTTRACE, "run", "--no-trace", "--", "sleep", "60"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            child, end = None, time.time() + 10
            while child is None and time.time() < end:
                try:
                    with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                        kids = f.read().split()
                    with open("/proc/%s/comm" % kids[0]) as f:
                        child = int(kids[0]) if f.read().strip() == "sleep" else None
                except (OSError, IndexError):
                    pass
                time.sleep(0.05)
            self.assertIsNotNone(child, "the command did not start")
            p.kill()
            p.wait(timeout=10)
            end = time.time() + 5
            while os.path.exists("/proc/%d/stat" % child) and time.time() < end:
                with open("/proc/%d/stat" % child) as f:
                    if f.read().split(") ")[1].startswith("Z"):
                        break
                time.sleep(0.05)
            alive = os.path.exists("/proc/%d/stat" % child)
            if alive:
                with open("/proc/%d/stat" % child) as f:
                    alive = not f.read().split(") ")[1].startswith("Z")
            self.assertFalse(alive, "the command outlived the killed rttrace")
        finally:
            if p.poll() is None:
                p.kill()


class KillRunContinue(unittest.TestCase):
    def test_continued_after_each_stop_completes(self):
        """A stopped rttrace continued goes on as if nothing happened:
        every output written whole, nothing else in the directory."""
        d = tempfile.mkdtemp(prefix="rttrace-faults-")
        try:
            args = []
            for opt in OUTPUTS:
                args += [opt, os.path.join(d, "out" + opt.replace("-", "_"))]
            e = dict(os.environ, RTTRACE_TEST_STOP_AT="write")
            p = subprocess.Popen([RTTRACE, "run", "-d", "5", *args, "--", "sleep", "0.3"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, text=True)
            # continue it whenever it stops (once per output)
            while p.poll() is None:
                try:
                    with open(f"/proc/{p.pid}/stat") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "T":
                            p.send_signal(signal.SIGCONT)
                except OSError:
                    pass
                time.sleep(0.05)
            out, err = p.communicate()
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(err.count("test hook: stopped at write"), len(OUTPUTS), err)
            self.assertEqual(sorted(os.listdir(d)),
                             sorted("out" + o.replace("-", "_") for o in OUTPUTS))
            with open(os.path.join(d, "out__json")) as f:
                json.load(f)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class KillSession(unittest.TestCase):
    """kill -9 of `rttrace start` and `rttrace stop` leaves no half session
    that blocks the next one, and the next start or stop removes what the
    killed one left, and says so.  Like test_session.py, these need the one
    session of the machine to themselves."""

    def setUp(self):
        rt("stop")  # a session left by an earlier test

    def tearDown(self):
        rt("stop")

    def assert_clean(self, ids, when):
        self.assertEqual(leftover(ids), {}, f"BPF objects left: {when}")
        self.assertEqual(pin_dirs(), [], f"pins left: {when}")

    def start_after(self, s, when):
        """The next start works; it says what it removed, if anything."""
        cp = rt("start")
        self.assertEqual(cp.returncode, 0, f"{when}: {cp.stderr}")
        self.assertEqual(pin_dirs(), ["rttrace"], when)
        self.assertEqual(leftover(s.ids), {}, f"BPF objects of the killed rttrace left: {when}")
        cp2 = rt("stop")
        self.assertEqual(cp2.returncode, 0, cp2.stderr)
        self.assertEqual(pin_dirs(), [])
        return cp

    def test_kill_start_before_pinning(self):
        for phase in ("load", "attached"):
            with self.subTest(phase=phase):
                s = Stopped(self, ["start"], phase)
                self.assertTrue(s.ids["prog"])
                s.kill9()
                self.assert_clean(s.ids, f"start killed at {phase}")
                cp = self.start_after(s, phase)
                self.assertEqual(cp.stderr, "")

    def test_kill_start_while_pinning(self):
        s = Stopped(self, ["start"], "pin")
        self.assertTrue(s.ids["link"])
        # half made, but not where a session is looked for
        self.assertFalse(os.path.exists(PIN_DIR), "a half-made session at " + PIN_DIR)
        s.kill9()
        self.assertFalse(os.path.exists(PIN_DIR))
        for cmd in ("report", "add"):
            cp = rt(cmd, str(os.getpid())) if cmd == "add" else rt(cmd)
            self.assertEqual(cp.returncode, 2, cp.stderr)
            self.assertIn("no session is running", cp.stderr)
        cp = self.start_after(s, "start killed while pinning")
        lines = cp.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, cp.stderr)
        self.assertRegex(lines[0], rf"^rttrace: removed {PIN_DIR}-starting-{s.p.pid}: a session "
                                   rf"left half made by an rttrace start that was killed")

    def test_kill_start_while_pinning_then_stop(self):
        """stop removes it too (nothing else to stop: exit 0)."""
        s = Stopped(self, ["start"], "pin")
        s.kill9()
        cp = rt("stop")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn(f"removed {PIN_DIR}-starting-{s.p.pid}", cp.stderr)
        self.assert_clean(s.ids, "stop after a killed start")

    def test_kill_stop_while_unpinning(self):
        cp = rt("start")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        ids = session_ids()
        self.assertTrue(ids["prog"] and ids["link"] and ids["map"], ids)
        s = Stopped(self, ["stop"], "unpin")
        s.kill9()
        self.assertFalse(os.path.exists(PIN_DIR), "a half-removed session at " + PIN_DIR)
        cp = rt("start")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn(f"removed {PIN_DIR}-stopping-{s.p.pid}: a session left half removed by "
                      "an rttrace stop that was killed", cp.stderr)
        self.assertEqual(pin_dirs(), ["rttrace"])
        self.assertEqual(leftover(ids), {}, "the killed session's BPF objects left")
        cp = rt("stop")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(pin_dirs(), [])

    def test_stop_removes_a_damaged_session(self):
        """A session missing a map (an older rttrace killed while stopping
        it, a pin removed by hand) is removed by stop, not kept forever."""
        cp = rt("start")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        os.unlink(PIN_DIR + "/rodata")
        cp = rt("stop")
        self.assertEqual(cp.returncode, 1, cp.stderr)
        self.assertIn("removing the session without a report", cp.stderr)
        self.assertEqual(pin_dirs(), [])
        self.assertEqual(rt("start").returncode, 0)

    def test_kill_report_while_writing(self):
        d = tempfile.mkdtemp(prefix="rttrace-faults-")
        try:
            self.assertEqual(rt("start").returncode, 0)
            path = os.path.join(d, "r.json")
            with open(path, "w") as f:
                f.write(PREVIOUS)
            s = Stopped(self, ["report", "--json", path], "write")
            s.kill9()
            self.assertEqual(os.listdir(d), ["r.json"])
            with open(path) as f:
                self.assertEqual(f.read(), PREVIOUS)
            self.assertTrue(os.path.exists(PIN_DIR + "/slots"))  # the session is intact
        finally:
            shutil.rmtree(d, ignore_errors=True)


class FullDisk(unittest.TestCase):
    """Outputs on a 64 KiB tmpfs, each bigger than that: one line per
    failed output, the text report still printed, nothing partial left,
    exit status 1 (rttrace-run(8), EXIT STATUS)."""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="rttrace-full-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", self.d], check=True)

    def tearDown(self):
        subprocess.run(["umount", self.d])
        os.rmdir(self.d)

    def test_run_outputs_on_a_full_disk(self):
        paths = {opt: os.path.join(self.d, "r" + opt.replace("-", "_")) for opt in OUTPUTS}
        # two with a previous version: it stays as it was
        for opt in ("--json", "--prom-file"):
            with open(paths[opt], "w") as f:
                f.write(PREVIOUS)
        args = [a for opt in OUTPUTS for a in (opt, paths[opt])]
        # 30 threads that wake at the end: 31 tasks and their windows make
        # every output ten times 64 KiB or more (Prometheus: ~7 KiB a task,
        # Perfetto: ~14 KiB a window); a write fails half-way
        cp = rt("run", "-d", "20", "--trace-events", "256", *args, "--",
                os.path.join(WL, "many_sleepers"), "--threads", "30", "-d", "500ms")
        self.assertEqual(cp.returncode, 1, cp.stderr)
        self.assertIn("rttrace report:", cp.stdout)
        self.assertIn("many_sleepers", cp.stdout)
        lines = [l for l in cp.stderr.splitlines() if "cannot write" in l]
        self.assertEqual(sorted(lines),
                         sorted(f"rttrace: cannot write {p}: No space left on device"
                                for p in paths.values()), cp.stderr)
        self.assertEqual(sorted(os.listdir(self.d)),
                         sorted(os.path.basename(paths[o]) for o in ("--json", "--prom-file")))
        for opt in ("--json", "--prom-file"):
            with open(paths[opt]) as f:
                self.assertEqual(f.read(), PREVIOUS)

    def test_session_report_on_a_full_disk(self):
        rt("stop")
        self.assertEqual(rt("start").returncode, 0)
        try:
            self.assertEqual(rt("add", str(os.getpid())).returncode, 0)
            # a small report: the disk is full before it is written
            with open(os.path.join(self.d, "filler"), "wb") as f:
                try:
                    f.write(b"x" * (128 * 1024))
                except OSError:
                    pass
            j, h = os.path.join(self.d, "r.json"), os.path.join(self.d, "r.html")
            cp = rt("report", "--json", j, "--html", h)
            self.assertEqual(cp.returncode, 1, cp.stderr)
            self.assertIn(f"TID {os.getpid()} ", cp.stdout)
            self.assertEqual(sorted(cp.stderr.splitlines()),
                             sorted(f"rttrace: cannot write {p}: No space left on device"
                                    for p in (j, h)))
            self.assertEqual(os.listdir(self.d), ["filler"])
        finally:
            rt("stop")


# The storms: a command that forks and execs thousands of times, and one
# that creates thousands of short threads.  Today a forked child process is
# not tracked at all (-- COMMAND tracks the threads of its process), and
# threads beyond the --max-tasks headroom are dropped with "raise
# --max-tasks" and exit 1 (slots are not recycled yet).  What must hold now:
# no crash, the documented exit status, a complete report, nothing left
# loaded.  That every thread is tracked is StormEveryThreadTracked below,
# an expected failure until slot recycling lands.

# 300 execs of the tracked process itself, each forking and execing 10
# children: 3000 fork+exec, and the tracked task's comm changing under it.
EXEC_STORM = ('i=0; while [ $i -lt 10 ]; do /bin/true; i=$((i+1)); done; '
              'n=$1; [ "$n" -gt 0 ] && exec sh -c "$0" "$0" $((n-1)); exit 0')
# 3000 threads one after the other, about a thousand a second: a pool's
# churn at its worst (a tight loop of thread starts is no workload; its
# rate is bounded only by how fast the CPU makes threads)
THREAD_STORM = ("import threading, time\n"
                "for i in range(3000):\n"
                "    t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
                "    time.sleep(0.001)\n")


def storm(tc, cmd):
    """Run rttrace on cmd, held at "attached" long enough to note its BPF
    objects; returns (rc, stdout, stderr, report, ids)."""
    d = tempfile.mkdtemp(prefix="rttrace-storm-")
    try:
        j = os.path.join(d, "r.json")
        s = Stopped(tc, ["run", "-d", "120", "--json", j, "--", *cmd], "attached")
        rc, out, err = s.cont(timeout=180)
        report = None
        if os.path.exists(j):
            with open(j) as f:
                report = json.load(f)
        tc.assertEqual(sorted(os.listdir(d)), ["r.json"] if report else [])
        return rc, out, err, report, s.ids
    finally:
        shutil.rmtree(d, ignore_errors=True)


class Storm(unittest.TestCase):
    def check(self, rc, out, err, report, ids):
        self.assertIn(rc, (0, 1), f"crashed or undocumented status {rc}: {err}")
        self.assertIn("rttrace report:", out)
        self.assertIsNotNone(report, "no JSON report")
        self.assertGreaterEqual(len(report["tasks"]), 1)
        problems = [l for l in err.splitlines()
                    if l.startswith("rttrace:") and "test hook" not in l
                    and "warning:" not in l]
        if rc == 1:  # today: the headroom filled up; exactly that, said once
            self.assertEqual(len(problems), 1, err)
            self.assertRegex(problems[0], r"^rttrace: \d+ tasks were not tracked: the task "
                                          r"table is full \(\d+ entries\); raise --max-tasks$")
            self.assertGreater(report["session"]["tasks_dropped"], 0)
        else:
            self.assertEqual(problems, [], err)
        self.assertEqual(leftover(ids), {}, "BPF objects left")

    def test_fork_exec_storm(self):
        rc, out, err, report, ids = storm(self, ["sh", "-c", EXEC_STORM, EXEC_STORM, "300"])
        self.check(rc, out, err, report, ids)
        # the command's own process: tracked through its 300 execs
        self.assertTrue(report["tasks"][0]["exited"])

    def test_thread_storm(self):
        rc, out, err, report, ids = storm(self, ["python3", "-c", THREAD_STORM])
        self.check(rc, out, err, report, ids)


class StormEveryThreadTracked(unittest.TestCase):
    # Exited threads' slots are recycled: 3000 threads, one after the
    # other, fit in the default headroom.
    def test_every_thread_of_a_thread_storm_is_tracked(self):
        rc, out, err, report, ids = storm(self, ["python3", "-c", THREAD_STORM])
        self.assertEqual(rc, 0, err)
        self.assertEqual(report["session"]["tasks_dropped"], 0)
        self.assertEqual(report["session"]["lost_events"], 0)
        # every thread is in the report, one by one or merged per name
        self.assertGreaterEqual(sum(t["merged_threads"] or 1 for t in report["tasks"]), 3001)


if __name__ == "__main__":
    unittest.main()
