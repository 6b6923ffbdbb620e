"""Each metric against a workload whose timing is known."""
import json
import unittest

from rtlib import MS, US, rttrace, workload, wait_run, wait_attached


def summary(run):
    """The workload's own JSON summary (last line of its stdout)."""
    for line in reversed(run.out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no workload summary in output: {run.out!r}")


class ControlLoop(unittest.TestCase):
    """10 ms period, 2 ms busy, FIFO 50: response ~= relief ~= 2 ms + latency."""

    @classmethod
    def setUpClass(cls):
        r = rttrace("--", "build/workloads/control_loop", "--period", "10ms", "--busy", "2ms",
                    "--busy-wall", "--policy", "fifo", "--prio", "50", "--duration", "3s",
                    timeout=30)
        cls.r = r
        cls.main = r.report["tasks"][0]

    def test_exit_ok_and_one_task(self):
        self.assertEqual(self.r.rc, 0, self.r.err)
        self.assertEqual(len(self.r.report["tasks"]), 1)
        self.assertEqual(self.main["comm"], "control_loop")
        self.assertEqual(self.main["policy"], "SCHED_FIFO")
        self.assertEqual(self.main["rt_priority"], 50)
        self.assertTrue(self.main["exited"])

    def test_counts(self):
        m = self.main["metrics"]
        # 3 s / 10 ms = 300 iterations; the first and last may fall outside.
        # Relief is one per iteration; latency and response may see a few
        # more (any extra sleep, e.g. a page fault served over 9p in the VM
        # lab, is a wakeup and a voluntary sleep of its own).
        self.assertGreaterEqual(m["relief"]["count"], 290)
        self.assertLessEqual(m["relief"]["count"], 305)
        for name in ("latency", "response"):
            self.assertGreaterEqual(m[name]["count"], 290, name)
            self.assertLessEqual(m[name]["count"], 330, name)

    def test_response_and_relief_are_the_busy_time(self):
        m = self.main["metrics"]
        # The loop spins 2 ms of wall time after each wakeup, so no relief
        # sample can be shorter (a response can, if the task sleeps
        # mid-iteration); the median is 2 ms plus a wakeup latency.
        self.assertGreaterEqual(m["relief"]["min_ns"], 2 * MS)
        for name in ("response", "relief"):
            self.assertGreaterEqual(m[name]["p50_ns"], 2 * MS - 70 * US, name)  # p50: 3.1 %
            self.assertLess(m[name]["p50_ns"], 3 * MS, name)
            self.assertGreaterEqual(m[name]["max_ns"], m[name]["p99_ns"])

    def test_latency_is_small_and_ordered(self):
        lat = self.main["metrics"]["latency"]
        self.assertLess(lat["p50_ns"], 1 * MS)
        self.assertLessEqual(lat["min_ns"], lat["p50_ns"])
        self.assertLessEqual(lat["p50_ns"], lat["p90_ns"])
        self.assertLessEqual(lat["p90_ns"], lat["p99_ns"])
        self.assertLessEqual(lat["p99_ns"], lat["p999_ns"])
        self.assertLessEqual(lat["p999_ns"], lat["max_ns"])
        self.assertEqual(lat["max_end_ns"] - lat["max_start_ns"], lat["max_ns"])

    def test_session_bounds(self):
        s = self.r.report["session"]
        self.assertGreater(s["end_ns"], s["start_ns"])
        self.assertEqual(s["lost_events"], 0)
        for name in ("latency", "response", "relief"):
            m = self.main["metrics"][name]
            self.assertGreaterEqual(m["max_start_ns"], s["start_ns"])
            self.assertLessEqual(m["max_end_ns"], s["end_ns"])


class BlockingLoop(unittest.TestCase):
    """20 ms period: 1 ms busy, then sem_wait for a post that lands 8 ms into
    every period, then 4 ms busy, then the timer sleep.  Response splits at
    the block (two samples per iteration, ~1 ms and ~4 ms); relief spans the
    whole iteration including the block (~12 ms)."""

    @classmethod
    def setUpClass(cls):
        cls.r = rttrace("--slo-response", "2500us", "--", "build/workloads/control_loop",
                        "--period", "20ms", "--busy", "1ms", "--busy-wall", "--block", "15ms",
                        "--post-period", "20ms", "--post-offset", "8ms", "--busy-after", "4ms",
                        "--policy", "fifo", "--prio", "50", "--duration", "3s", timeout=30)
        cls.m = cls.r.report["tasks"][0]["metrics"]  # the main thread comes first

    def test_response_twice_per_iteration(self):
        self.assertEqual(self.r.rc, 0, self.r.err)
        resp, relief = self.m["response"], self.m["relief"]
        # 150 periods; an emulated guest overruns some (a wakeup delayed past
        # the post merges two iterations: seen 97 in a loaded TCG guest)
        self.assertGreaterEqual(relief["count"], 75)
        # Two voluntary sleeps per iteration (the block, the timer sleep).
        self.assertGreaterEqual(resp["count"], 2 * relief["count"] - 10)

    def test_relief_includes_the_block(self):
        resp, relief = self.m["response"], self.m["relief"]
        # lower mode: 1 ms of wall-clock busy time (a percentile is a
        # histogram bucket: 3.1 % error either way)
        self.assertGreaterEqual(resp["p50_ns"], 0.96 * MS)
        self.assertGreaterEqual(resp["p99_ns"], 3800 * US)  # upper mode: 4 ms busy (p99 is within 3.1 %)
        # The post lands 8 ms after the period start, then 4 ms busy: 12 ms
        # from the period start.  Relief starts at the (possibly late)
        # wakeup, so a wakeup delayed by the hypervisor shortens it (and one
        # delayed past the post skips the block): the median holds, and no
        # iteration can be shorter than its 5 ms of work.
        self.assertGreaterEqual(relief["min_ns"], 5 * MS)
        self.assertGreaterEqual(relief["p50_ns"], 11 * MS)
        # below the 20 ms period: overrunning iterations (stolen time)
        # stretch some, not the median
        self.assertLess(relief["p50_ns"], 18 * MS)

    def test_slo_splits_bimodal_response(self):
        resp = self.m["response"]
        # Bound 2.5 ms sits between the ~1 ms and the ~4 ms samples: about
        # half violate.  The exact count is checked against a recording in
        # test_differential.
        self.assertEqual(resp["slo_ns"], 2500 * US)
        # The ~4 ms half always violates; most ~1 ms samples pass, but
        # stolen time (a loaded emulated guest) can push some over.
        self.assertGreater(resp["violations"], 0.4 * resp["count"])
        self.assertLess(resp["violations"], 0.8 * resp["count"])
        # The counter and the histogram are kept apart: they must agree on
        # which side of the bound the median is (3.1 % bucket error).
        if resp["p50_ns"] < 2500 * US / 1.031:
            self.assertLessEqual(resp["violations"], 0.5 * resp["count"] + 1)
        elif resp["p50_ns"] > 2500 * US * 1.031:
            self.assertGreaterEqual(resp["violations"], 0.5 * resp["count"] - 1)
        self.assertEqual(self.m["latency"]["slo_ns"], None)
        self.assertEqual(self.m["latency"]["violations"], 0)


class EventDriven(unittest.TestCase):
    """A task that never sleeps in nanosleep has no relief samples."""

    def test_no_relief_without_timer_sleep(self):
        # the notifier posts on a timer, but the traced process here is the
        # blocking loop driven only by the semaphore: use -p on a task that
        # only blocks on a pipe: `cat` reading from a slowly-fed pipe.
        import subprocess, time
        feeder = subprocess.Popen(["sh", "-c", "for i in $(seq 30); do echo x; sleep 0.05; done"],
                                  stdout=subprocess.PIPE)
        cat = subprocess.Popen(["cat"], stdin=feeder.stdout, stdout=subprocess.DEVNULL)
        r = rttrace("-p", str(cat.pid), "-d", "30")  # ends when cat exits
        feeder.wait()
        cat.wait()
        self.assertEqual(r.rc, 0, r.err)
        m = r.task(cat.pid)["metrics"]
        self.assertGreaterEqual(m["latency"]["count"], 20)
        self.assertGreaterEqual(m["response"]["count"], 20)
        self.assertEqual(m["relief"]["count"], 0)
        self.assertIsNone(m["relief"]["max_ns"])
        self.assertTrue(r.task(cat.pid)["exited"])


if __name__ == "__main__":
    unittest.main()
