"""Where a late task was: its block (system call, futex, stacks), its waker,
the holder of its CPU, its page faults, hypervisor steal, and the findings
per task.  Every answer is known by construction of the workload."""
import unittest

from rtlib import MS, US, rttrace

WL = "build/workloads/"


def syms(stack, side):
    return [f["sym"] or "" for f in (stack or {}).get(side, [])]


def has(stack, side, prefix):
    return any(s.startswith(prefix) for s in syms(stack, side))


def finding(task, kind):
    for f in task["findings"]:
        if f["kind"] == kind:
            return f
    return None


class LockWait(unittest.TestCase):
    """lock_wait: a FIFO 60 loop blocks, every 10 ms period, in
    loop_step -> loop_take_lock on a mutex that a FIFO 10 holder took 1 ms
    before the release and gives back from holder_work ->
    holder_release_lock."""

    def run_lock_wait(self, *extra):
        r = rttrace("-d", "2s", "--", WL + "lock_wait", "-d", "3s", *extra, timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        loop, holder = r.report["tasks"][0], r.report["tasks"][1]
        self.assertEqual((loop["policy"], loop["rt_priority"]), ("SCHED_FIFO", 60))
        self.assertEqual((holder["policy"], holder["rt_priority"]), ("SCHED_FIFO", 10))
        return r, loop, holder

    def test_plain_mutex_names_the_futex_the_function_and_the_waker(self):
        r, loop, holder = self.run_lock_wait()
        self.assertEqual(r.report["schema_version"], 2)
        w = loop["metrics"]["relief"]["worst"]
        b = w["blocked"]
        self.assertIsNotNone(b, w["verdict"])
        # it waits ~1 ms for the holder's unlock
        self.assertGreater(b["ns"], 500 * US, w["verdict"])
        self.assertEqual(b["syscall"], "futex")
        self.assertEqual(b["state"], "interruptible")
        self.assertRegex(b["futex"]["op"], r"^FUTEX_WAIT(_BITSET)?_PRIVATE")
        self.assertFalse(b["futex"]["pi"])
        self.assertNotEqual(b["futex"]["addr"], 0)
        # its own code, above libc's wrapper (frame pointers)
        self.assertTrue(has(b["stack"], "user", "loop_take_lock"), syms(b["stack"], "user"))
        self.assertTrue(has(b["stack"], "user", "loop_step"), syms(b["stack"], "user"))
        # the kernel's futex wait path, and no frame of rttrace's own
        ks = syms(b["stack"], "kernel")
        self.assertTrue(any("futex_wait" in s for s in ks), ks)
        self.assertTrue(ks[0].startswith("__schedule") or ks[0].startswith("schedule"), ks)
        self.assertFalse(any(s.startswith("bpf_") for s in ks), ks)
        for f in b["stack"]["user"] + b["stack"]["kernel"]:
            self.assertEqual(set(f), {"addr", "sym", "off", "obj", "build_id"})
        self.assertTrue(any(f["build_id"] for f in b["stack"]["user"]))
        # the holder woke it, from holder_release_lock, in futex_wake
        self.assertEqual(w["waker"]["tid"], holder["pid"])
        self.assertTrue(has(w["waker"]["stack"], "user", "holder_release_lock"),
                        syms(w["waker"]["stack"], "user"))
        self.assertTrue(any("futex_wake" in s for s in syms(w["waker"]["stack"], "kernel")))
        self.assertIn("futex FUTEX_WAIT", w["verdict"])
        self.assertIn("(not priority-inheriting) in loop_take_lock", w["verdict"])
        self.assertIn("in holder_release_lock", w["verdict"])
        # the finding, counted over the session: once per period
        f = finding(loop, "non_pi_futex")
        self.assertIsNotNone(f, loop["findings"])
        self.assertGreaterEqual(f["count"], 150)  # 200 periods in 2 s, most contended
        self.assertTrue(has(f["stack"], "user", "loop_take_lock"))
        self.assertIn("PTHREAD_PRIO_INHERIT", f["text"])
        self.assertIn(f"woken by lock_wait[{holder['pid']}] in holder_release_lock", f["text"])
        self.assertIn("non_pi_futex:", r.out)

    def test_pi_mutex_says_priority_inheriting(self):
        r, loop, holder = self.run_lock_wait("--pi")
        w = loop["metrics"]["relief"]["worst"]
        b = w["blocked"]
        self.assertIsNotNone(b, w["verdict"])
        self.assertEqual(b["syscall"], "futex")
        self.assertRegex(b["futex"]["op"], r"^FUTEX_LOCK_PI2?_PRIVATE")
        self.assertTrue(b["futex"]["pi"])
        self.assertTrue(any("rt_mutex" in s for s in syms(b["stack"], "kernel")),
                        syms(b["stack"], "kernel"))
        self.assertIn("(priority-inheriting)", w["verdict"])
        self.assertNotIn("not priority-inheriting", w["verdict"])
        self.assertEqual(w["waker"]["tid"], holder["pid"])
        self.assertIsNone(finding(loop, "non_pi_futex"), loop["findings"])


class PageFaults(unittest.TestCase):
    """control_loop --touch-pages 16: exactly 16 fresh pages (minor faults)
    per iteration, inside its response and relief windows."""

    def test_faults_per_window_and_finding(self):
        r = rttrace("-d", "2s", "--slo-relief", "1us", "--slo-response", "1us", "--",
                    WL + "control_loop", "--touch-pages", "16", "--policy", "fifo", "--prio",
                    "50", "--period", "10ms", "--busy", "200us", "-d", "3s", timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        t = r.report["tasks"][0]
        for m in ("response", "relief"):
            v = t["metrics"][m]["last_violation"]
            self.assertIsNotNone(v)
            # the last iteration of the session: nothing but its 16 pages
            self.assertEqual(v["faults"], {"minor": 16, "major": 0}, (m, v["verdict"]))
        self.assertEqual(t["metrics"]["latency"]["worst"]["faults"], {"minor": 0, "major": 0})
        f = finding(t, "page_faults")
        self.assertIsNotNone(f, t["findings"])
        n = t["metrics"]["relief"]["count"]
        self.assertGreaterEqual(f["count"], 16 * (n - 2))
        self.assertIn("mlockall", f["text"])

    def test_no_faults_no_finding(self):
        r = rttrace("-d", "1s", "--", WL + "control_loop", "--policy", "fifo", "--prio", "50",
                    "--period", "10ms", "--busy", "200us", "-d", "2s", timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        t = r.report["tasks"][0]
        self.assertEqual(t["metrics"]["relief"]["worst"]["faults"], {"minor": 0, "major": 0})
        # the loop's own count (getrusage per iteration) says no fault, and
        # no fault is counted while it runs in its windows
        self.assertIn('"faults_per_iter_max":0', r.out)
        self.assertIsNone(finding(t, "page_faults"), t["findings"])


class RelativeSleep(unittest.TestCase):
    """control_loop --relative sleeps with clock_nanosleep(flags 0): a
    drifting period; the default (TIMER_ABSTIME) does not."""

    def test_relative_sleep_is_a_finding(self):
        r = rttrace("-d", "1s", "--", WL + "control_loop", "--relative", "--policy", "fifo",
                    "--prio", "50", "--period", "10ms", "--busy", "200us", "-d", "2s",
                    timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        t = r.report["tasks"][0]
        f = finding(t, "relative_sleep")
        self.assertIsNotNone(f, t["findings"])
        self.assertGreaterEqual(f["count"], 0.8 * t["metrics"]["relief"]["count"])
        self.assertTrue(any("nanosleep" in s for s in syms(f["stack"], "kernel")))
        self.assertIn("TIMER_ABSTIME", f["text"])

    def test_absolute_sleep_is_not(self):
        r = rttrace("-d", "1s", "--", WL + "control_loop", "--policy", "fifo", "--prio", "50",
                    "--period", "10ms", "--busy", "200us", "-d", "2s", timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIsNone(finding(r.report["tasks"][0], "relative_sleep"))


class Steal(unittest.TestCase):
    """Time the hypervisor took is its own part, never more than the
    kernel's own steal counter (/proc/stat) grew over the session."""

    @staticmethod
    def proc_steal():
        out = {}
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("cpu") and line[3].isdigit():
                    v = line.split()
                    out[int(v[0][3:])] = int(v[8])
        return out

    def test_steal_is_bounded_by_the_kernels_counter(self):
        before = self.proc_steal()
        r = rttrace("-d", "2s", "--", WL + "control_loop", "--policy", "fifo", "--prio", "50",
                    "--period", "1ms", "--busy", "300us", "-d", "3s", timeout=30)
        after = self.proc_steal()
        self.assertEqual(r.rc, 0, r.err)
        clock = r.report["system"]["steal_clock"]
        total = 0
        for t in r.report["tasks"]:
            for m in ("latency", "response", "relief"):
                w = t["metrics"][m]["worst"]
                if not w or w["verdict"] == "not captured":
                    continue
                if clock is None:
                    continue
                self.assertIsNotNone(w["steal_ns"], w["verdict"])
                parts = sum(p["ns"] for p in w["breakdown"] if p["kind"] == "steal")
                self.assertEqual(parts, w["steal_ns"])
                self.assertLessEqual(w["steal_ns"], w["value_ns"])
                total += w["steal_ns"]
        # USER_HZ (100) ticks; one tick of slack per CPU for the rounding
        grown = sum(after[c] - before.get(c, 0) for c in after) * 10 * MS
        self.assertLessEqual(total, grown + len(after) * 10 * MS)


if __name__ == "__main__":
    unittest.main()
