"""Worst-case capture: the breakdown names the real cause of a late task."""
import unittest

from rtlib import MS, US, rttrace, workload

VOLUNTARY = 0x4C3


def check_window(tc, task, metric, w, kind="worst"):
    """Structural checks every captured window must pass."""
    tid = task["pid"]
    m = task["metrics"][metric]
    ctx = f"TID {tid} {metric} {kind}"
    tc.assertEqual(w["end_ns"] - w["start_ns"], w["value_ns"], ctx)
    if kind == "worst":
        tc.assertEqual(w["value_ns"], m["max_ns"], ctx)
        tc.assertEqual(w["start_ns"], m["max_start_ns"], ctx)
    else:
        tc.assertGreater(w["value_ns"], m["slo_ns"], ctx)
    # The parts add up to the value (the analysis partitions the window).
    total = sum(p["ns"] for p in w["breakdown"])
    tc.assertLessEqual(abs(total - w["value_ns"]), 0.01 * w["value_ns"], ctx)
    tr = w["trace"]
    ts = [e["t_ns"] for e in tr]
    tc.assertEqual(ts, sorted(ts), ctx + ": trace not in time order")
    for t in ts:
        tc.assertTrue(w["start_ns"] <= t <= w["end_ns"], ctx + ": event outside the window")
    if w["truncated"]:
        tc.assertGreater(w["missing_events"], 0, ctx)
        return
    tc.assertEqual(w["missing_events"], 0, ctx)
    first, last = tr[0], tr[-1]
    # First event opens the window: the task's own wakeup, at start_ns.
    tc.assertEqual((first["type"], first["pid"], first["t_ns"]),
                   ("sched_wakeup", tid, w["start_ns"]), ctx)
    # Last event closes it: the switch-in (latency) or the voluntary
    # switch-out (response, relief), at end_ns.
    tc.assertEqual((last["type"], last["t_ns"]), ("sched_switch", w["end_ns"]), ctx)
    if metric == "latency":
        tc.assertEqual(last["next_pid"], tid, ctx)
    else:
        tc.assertEqual(last["prev_pid"], tid, ctx)
        tc.assertFalse(last["preempt"], ctx)
        tc.assertTrue(last["prev_state"] & VOLUNTARY, ctx)
    if metric == "relief":
        # what ended a relief window: the task's timer-sleep entry
        tc.assertTrue(last["timer_sleep"], ctx)


def check_all_windows(tc, report):
    n = 0
    for t in report["tasks"]:
        for name in ("latency", "response", "relief"):
            m = t["metrics"][name]
            for kind in ("worst", "last_violation"):
                w = m.get(kind)
                if w and w["verdict"] != "not captured":
                    check_window(tc, t, name, w, kind)
                    n += 1
    return n


def top(w, kind=None):
    parts = [p for p in w["breakdown"] if kind is None or p["kind"] == kind]
    return max(parts, key=lambda p: p["ns"]) if parts else None


class HigherPriorityHog(unittest.TestCase):
    """A FIFO 90 hog spinning 4 ms every 10 ms on the victim's CPU: the
    victim (FIFO 50, 3 ms period, 100 us of work) waits for it."""

    def test_latency_names_the_hog(self):
        hog, ht = workload("cpu_hog", "--cpu", "1", "--policy", "fifo", "--prio", "90",
                           "--busy", "4ms", "--period", "10ms", "--busy-wall", "--duration", "6s")
        try:
            r = rttrace("--slo-latency", "1ms", "--", "build/workloads/control_loop", "--cpu", "1",
                        "--policy", "fifo", "--prio", "50", "--period", "3ms", "--busy", "100us",
                        "--duration", "3s", timeout=30)
        finally:
            hog.kill()
            hog.wait()
        self.assertEqual(r.rc, 0, r.err)
        self.assertTrue(r.report["system"]["capture"])
        victim = r.report["tasks"][0]
        lat = victim["metrics"]["latency"]
        w = lat["worst"]
        self.assertGreater(w["value_ns"], 1 * MS)  # the hog spins 4 ms at a time
        # the last violation is captured too
        v = lat["last_violation"]
        self.assertIsNotNone(v)
        # Each window blames the hog, or the CPU idling while the victim
        # waited: under TCG (the PREEMPT_RT guest) waking a halted vCPU
        # can take milliseconds, and that window is then rightly the worst
        # (seen once in ~12 guest runs); or an interrupt: on this shared
        # host a softirq (RCU) on CPU 1 once took 3.5 ms of a 4.6 ms window,
        # the vCPU likely descheduled inside it.  No other task may be
        # blamed, and at least one of the two must name the hog.
        # A window from before the loop made itself FIFO 50 (right after
        # rttrace started it, still SCHED_OTHER beside rttrace: under TCG
        # rttrace's start-up can make that the worst) is no test of this.
        rt = [x for x in (w, v) if x["trace"] and x["trace"][0].get("prio", 120) < 100]
        named = [x for x in rt if top(x)["kind"] == "task"]
        for x in rt:
            self.assertIn((top(x)["kind"], top(x)["tid"]),
                          [("task", ht["main"]), ("idle", None), ("softirq", None), ("irq", None)],
                          x["verdict"])
        self.assertTrue(named, (w["verdict"], v["verdict"]))
        w = named[0]
        p = top(w)
        self.assertEqual(p["relation"], "higher")
        self.assertGreater(p["ns"], 0.5 * w["value_ns"])
        self.assertIn(f"cpu_hog[{ht['main']}] (FIFO 90, higher priority) on CPU 1", w["verdict"])
        self.assertRegex(w["verdict"], r"^latency [\d.]+ ms: \d+ % cpu_hog")
        # worst latency, its last violation, worst response, worst relief
        self.assertGreaterEqual(check_all_windows(self, r.report), 4)
        self.assertIn("worst latency", r.out)
        self.assertIn("Event: sched_switch", r.out)


class BlockThenRelief(unittest.TestCase):
    """1 ms busy, block on a semaphore posted 8 ms into each 20 ms period by
    the notifier thread, 4 ms busy, timer sleep: relief includes the block
    and names the notifier as the waker; response never contains a block."""

    def test_relief_shows_the_block_and_its_waker(self):
        r = rttrace("--", "build/workloads/control_loop", "--period", "20ms", "--busy", "1ms",
                    "--busy-wall", "--block", "50ms", "--post-period", "20ms", "--post-offset",
                    "8ms", "--busy-after", "4ms", "--policy", "fifo", "--prio", "50",
                    "--notifier-policy", "fifo", "--notifier-prio", "40", "--duration", "3s",
                    timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        main, notifier = r.report["tasks"][0], r.report["tasks"][1]
        relief = main["metrics"]["relief"]["worst"]
        b = top(relief, "blocked")
        self.assertIsNotNone(b, relief["verdict"])
        self.assertEqual(b["tid"], notifier["pid"])
        self.assertEqual(b["comm"], "control_loop")
        self.assertGreater(b["ns"], 3 * MS)  # waits from ~1 ms to the post at 8 ms
        run = sum(p["ns"] for p in relief["breakdown"] if p["kind"] == "run")
        self.assertGreater(run, 4 * MS,  # 1 ms + 4 ms of its own work
                           (relief["verdict"], relief["breakdown"], relief["trace"]))
        resp = main["metrics"]["response"]["worst"]
        # a response window ends at the first voluntary sleep: never a block
        self.assertIsNone(top(resp, "blocked"), resp["verdict"])
        check_all_windows(self, r.report)


class PriorityInversion(unittest.TestCase):
    """H (FIFO 90) locks a mutex that L (FIFO 10) holds for 3 ms; M (FIFO 50)
    spins 5 ms, all on one CPU.  With a plain mutex M keeps L (and so H) off
    the CPU: the inversion is named.  With PTHREAD_PRIO_INHERIT L runs at
    H's priority, nothing is named and H's worst relief shrinks."""

    def run_pi(self, *extra):
        # L sleeps 8 ms between holds: the RT load (H 10 %, M 50 %, L at
        # most 3/11) stays well under the 95 % throttling limit, so no
        # throttling or fair-server gap lands in a window (with 4 ms one
        # did, and made --pi's p99 worse: seen in the 6.1-rt guest), and
        # the three threads lock into a phase where every third H period
        # is inverted (100 of 300 windows over 5 ms without --pi, 0 with).
        r = rttrace("--slo-relief", "5ms", "--", "build/workloads/pi_inversion", "--duration",
                    "3s", "--low-sleep", "8ms", *extra, timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        tasks = {t["rt_priority"]: t for t in r.report["tasks"] if t["policy"] == "SCHED_FIFO"}
        return r, tasks[90], tasks[50], tasks[10]

    def test_inversion_named_and_fixed_by_inheritance(self):
        r, h, m, l = self.run_pi()
        # The worst window, or if noise on this VM made another one worse,
        # the last violation of the 5 ms bound, is an inversion.
        ws = [h["metrics"]["relief"]["worst"], h["metrics"]["relief"]["last_violation"]]
        w = next((x for x in ws if x and x["inversion"]), ws[0])
        inv = w["inversion"]
        self.assertIsNotNone(inv, w["verdict"])
        self.assertEqual((inv["low_tid"], inv["medium_tid"]), (l["pid"], m["pid"]), w["verdict"])
        self.assertGreater(inv["medium_ns"], 1 * MS)
        self.assertIn("possible priority inversion", w["verdict"])
        check_all_windows(self, r.report)

        r2, h2, m2, l2 = self.run_pi("--pi")
        for w2 in (h2["metrics"]["relief"]["worst"], h2["metrics"]["relief"]["last_violation"]):
            if w2:
                self.assertIsNone(w2["inversion"], w2["verdict"])
                self.assertNotIn("possible priority inversion", w2["verdict"])
        # Inheritance bounds H's wait by L's 3 ms hold: the windows shrink.
        # (p99, not max: one hypervisor hiccup can make any single window long.)
        self.assertLess(h2["metrics"]["relief"]["p99_ns"], h["metrics"]["relief"]["p99_ns"])
        self.assertLess(h2["metrics"]["relief"]["violations"], h["metrics"]["relief"]["violations"])
        check_all_windows(self, r2.report)


class NoTrace(unittest.TestCase):
    def test_no_trace_turns_capture_off(self):
        r = rttrace("--no-trace", "--slo-latency", "1ns", "--", "build/workloads/control_loop",
                    "--duration", "1s")
        self.assertEqual(r.rc, 0, r.err)
        self.assertFalse(r.report["system"]["capture"])
        lat = r.report["tasks"][0]["metrics"]["latency"]
        self.assertGreater(lat["violations"], 0)
        self.assertIsNone(lat["worst"])
        self.assertIsNone(lat["last_violation"])
        self.assertNotIn("worst latency", r.out)


if __name__ == "__main__":
    unittest.main()
