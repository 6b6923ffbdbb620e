"""rttrace must not disturb what it measures: no interrupt on a traced CPU
because of it, and its own process asleep most of the time.

The workload is the one that showed the problem: a FIFO 50 and a
SCHED_OTHER control loop pinned to CPU 1, each waking every 7-10 ms, with
a response bound the SCHED_OTHER loop breaks whenever the FIFO one runs
first: a hundred committed windows a second.  Publishing each commit with
a ring-buffer wakeup raised one IRQ-work self-interrupt on CPU 1 per
window."""
import os
import shutil
import subprocess
import time
import unittest

from rtlib import rttrace, wait_run, workload

TRACED_CPU = 1
SECONDS = 4


# The row of IRQ work in /proc/interrupts: IWI on x86, an IPIn row that
# says "IRQ work interrupts" on arm64.
IRQ_WORK = ("IWI", "IRQ work interrupts")


def interrupts(row):
    """Per-CPU counts of the /proc/interrupts row (name, description)."""
    name, text = row
    with open("/proc/interrupts") as f:
        ncpu = len(f.readline().split())
        for line in f:
            fields = line.split()
            if fields and (fields[0] == name + ":" or line.rstrip().endswith(text)):
                return [int(x) for x in fields[1:1 + ncpu]]
    raise unittest.SkipTest(f"no {name} row in /proc/interrupts on this architecture")


def switches(pid):
    """Voluntary + involuntary context switches of pid: each is one wakeup."""
    n = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                n += int(line.split()[1])
    return n


def traced_span(args):
    """Run `rttrace run ARGS` for SECONDS; count IRQ work on the traced CPU
    and rttrace's own wakeups from 1 s in (loaded, attached, past its
    start-up drains) to 0.5 s before the end.  (Run, IWI added, wakeups/s)"""
    interrupts(IRQ_WORK)  # skips here, before rttrace runs, if there is no such row
    p = rttrace(*args, "-d", str(SECONDS), popen=True)
    time.sleep(1.0)
    iwi0, sw0, t0 = interrupts(IRQ_WORK), switches(p.pid), time.monotonic()
    time.sleep(SECONDS - 1.5)
    iwi1, sw1, t1 = interrupts(IRQ_WORK), switches(p.pid), time.monotonic()
    return wait_run(p), iwi1[TRACED_CPU] - iwi0[TRACED_CPU], (sw1 - sw0) / (t1 - t0)


@unittest.skipIf(os.cpu_count() < 2, "needs a second CPU to trace")
class NoInterruptOnTracedCpu(unittest.TestCase):
    def test_capture_adds_no_irq_work_and_sleeps(self):
        common = ["--cpu", str(TRACED_CPU), "-d", f"{SECONDS + 4}s"]
        fifo, ft = workload("control_loop", "--period", "7ms", "--busy", "1ms",
                            "--policy", "fifo", "--prio", "50", *common)
        other, ot = workload("control_loop", "--period", "10ms", "--busy", "1.5ms", *common)
        try:
            r, added, rate = traced_span(["-p", f"{ft['main']},{ot['main']}",
                                          "--slo-latency", "500us", "--slo-response", "2ms"])
        finally:
            for w in (fifo, other):
                w.kill()
                w.wait()
        self.assertEqual(r.rc, 0, r.err)
        commits = sum(t["metrics"][m]["violations"] for t in r.report["tasks"]
                      for m in ("latency", "response"))
        # Without windows to commit the test proves nothing.
        self.assertGreater(commits, 100, "the workload made too few violations")
        # A quiet CPU here raises a few IRQ-work interrupts of its own in a
        # few seconds (printk, RCU, BPF's allocator refill); one per commit
        # is what the wakeups did.
        self.assertLessEqual(added, 10, f"{added} IRQ-work interrupts on CPU {TRACED_CPU} "
                             f"while rttrace committed ~{commits} windows")
        self.assertLessEqual(rate, 10, f"rttrace woke {rate:.1f} times a second")
        self.assertEqual(r.report["session"]["windows_not_captured"], 0)

    @unittest.skipIf(not shutil.which("perf"), "needs perf (linux-perf)")
    def test_holder_marks_add_no_irq_work(self):
        """A 1 kHz FIFO loop shares its CPU with an untracked ping-pong:
        each of its wakeups marks the task it interrupts as the CPU's
        holder, and the mark is dropped a moment later.  Creating and
        freeing task storage there made the kernel's BPF allocator refill
        and free its per-CPU cache from IRQ work on that CPU, about 25
        times a second."""
        loop, lt = workload("control_loop", "--period", "1ms", "--busy", "20us",
                            "--policy", "fifo", "--prio", "80", "--cpu", str(TRACED_CPU),
                            "-d", f"{SECONDS + 4}s")
        pipe = subprocess.Popen(["taskset", "-c", str(TRACED_CPU), "perf", "bench", "sched",
                                 "pipe", "-T", "-l", "2000000000"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            r, added, _ = traced_span(["-p", str(lt["main"])])
        finally:
            for w in (loop, pipe):
                w.kill()
                w.wait()
        self.assertEqual(r.rc, 0, r.err)
        if r.report["system"]["capture_gate"] != "holders":
            self.skipTest("this kernel gates the capture by the interest word: no marks")
        self.assertGreater(r.metric(lt["main"], "latency")["count"], 1000)
        self.assertLessEqual(added, 5, f"{added} IRQ-work interrupts on CPU {TRACED_CPU}")


def cpus_allowed(pid):
    """The CPUs process pid may run on (its main thread's mask)."""
    return os.sched_getaffinity(pid)


# The CPUs rttrace may use here (it inherits the tests' affinity).
ALL = os.sched_getaffinity(0)


def cpulist(cpus):
    """A CPU set as the kernel (and rttrace's JSON) writes it: 0-2,5."""
    out, cpus = [], sorted(cpus)
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(out)


@unittest.skipIf(not {0, 1} <= ALL, "needs CPUs 0 and 1")
class RttraceOnHousekeepingCpus(unittest.TestCase):
    def test_keeps_off_the_tracked_cpu_as_it_moves(self):
        """rttrace runs where no tracked task may run, and follows a task
        whose affinity changes during the session."""
        loop, lt = workload("control_loop", "--period", "10ms", "--busy", "100us",
                            "--cpu", "1", "-d", "8s")
        try:
            p = rttrace("-p", str(lt["main"]), "-d", "4", popen=True)
            time.sleep(1.0)
            before = cpus_allowed(p.pid)
            os.sched_setaffinity(lt["main"], {0})
            time.sleep(2.5)  # placement is looked at every second
            after = cpus_allowed(p.pid)
            r = wait_run(p)
        finally:
            loop.kill()
            loop.wait()
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(before, ALL - {1})
        self.assertEqual(after, ALL - {0})
        self.assertEqual(r.report["system"]["housekeeping_cpus"], cpulist(ALL))
        self.assertEqual(r.report["system"]["housekeeping"], "free")
        self.assertRegex(r.out, r"rttrace itself: [0-9.]+ wakeups/s, .* on CPU " + cpulist(ALL))

    @unittest.skipIf(not shutil.which("cyclictest"), "needs cyclictest (rt-tests)")
    def test_cyclictest_shape_leaves_its_cpu(self):
        """cyclictest's main thread may run anywhere and its measuring
        thread is pinned to CPU 1: no CPU is free of tracked tasks, so
        rttrace takes the one they use least, CPU 0 (the lowest of those
        that only the main thread may use)."""
        p = rttrace("-d", "4", "--", "cyclictest", "-m", "-p", "80", "-t", "1", "-a", "1",
                    "-i", "1000", "-l", "2500", "-q", popen=True)
        time.sleep(2.0)
        mask = cpus_allowed(p.pid)
        r = wait_run(p)
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(mask, {0})
        self.assertEqual(r.report["system"]["housekeeping_cpus"], "0")
        self.assertEqual(r.report["system"]["housekeeping"], "least_used")

    def test_user_cpus_and_bad_lists(self):
        loop, lt = workload("control_loop", "--period", "10ms", "--cpu", "1", "-d", "6s")
        try:
            p = rttrace("-p", str(lt["main"]), "-d", "2", "--housekeeping", "1", popen=True)
            time.sleep(1.0)
            mask = cpus_allowed(p.pid)
            r = wait_run(p)
            bad = rttrace("-p", str(lt["main"]), "-d", "1", "--housekeeping", "0-")
            off = rttrace("-p", str(lt["main"]), "-d", "1", "--housekeeping", "4095")
        finally:
            loop.kill()
            loop.wait()
        self.assertEqual(mask, {1})
        self.assertEqual((r.report["system"]["housekeeping_cpus"],
                          r.report["system"]["housekeeping"]), ("1", "user"))
        self.assertIn("tracked tasks may run on CPU 1", r.err)
        for b in (bad, off):
            self.assertEqual(b.rc, 2, b.err)
            self.assertEqual(len(b.err.strip().splitlines()), 1, b.err)
            self.assertIn("--housekeeping", b.err)


if __name__ == "__main__":
    unittest.main()
