"""Choosing what to trace: -p, -t (threads created later), -- COMMAND."""
import os
import subprocess
import time
import unittest

from rtlib import MS, rttrace, workload, read_more_tids, wait_run, wait_attached


# Medians of one task seen by tracers at once: within 10 % here; 25 % in
# the TCG guest, where the tracers' sessions (they attach seconds apart)
# cover stretches of different latency (a 192 us median once differed by
# 41 us between two of four tracers).
P50_TOL = 0.25


def rate(run, metric):
    """Samples per ns over the run's own session."""
    s = run.report["session"]
    return metric["count"] / max(1, s["end_ns"] - s["start_ns"])


def agree(tc, runs, tid, period_ns):
    """Tracers watching one periodic task at once see the same periods:
    their sample rates (each over its own session, since they attach one
    after the other) close to each other, and each at least a third of the
    task's nominal rate.  On this machine the rates agree within a few
    percent; in the TCG guest two to four tracers starting one after the
    other slow the task itself for a while (their programs' verification
    and their startup take the vCPUs), so sessions of different lengths see
    different shares of slow periods: 40 % there."""
    for m in ("latency", "response", "relief"):
        rs = [rate(r, r.metric(tid, m)) for r in runs]
        tc.assertLess(max(rs) - min(rs), 0.4 * max(rs), (m, rs))
        tc.assertGreater(min(rs), 0.35 / period_ns, (m, rs))


class Targets(unittest.TestCase):
    def test_tgid_picks_up_thread_created_later(self):
        self.tgid_picks_up_thread_created_later("tp_btf")

    def test_tgid_picks_up_thread_created_later_raw_tp(self):
        """The hash backend: the thread born later must pass the TID filter
        (set by the BPF side at its birth), or it shows no samples."""
        self.tgid_picks_up_thread_created_later("raw_tp")

    def test_tgid_thread_born_later_gets_state_from_user_space(self):
        """PREEMPT_RT forbids allocating in a tracepoint (preemption is off,
        the slab's locks sleep), so there a thread born under -t is given its
        task storage by user space (the adopt_tasks iterator) instead of at
        sched_process_fork.  RTTRACE_DEFER_FORK=1 takes that path here: the
        worker shows no samples if user space never adopts it."""
        r = self.tgid_picks_up_thread_created_later("tp_btf", {"RTTRACE_DEFER_FORK": "1"})
        self.assertTrue(r.report["system"]["birth_state_from_user_space"])
        self.assertEqual(r.report["session"]["threads_gone_before_pickup"], 0)

    def tgid_picks_up_thread_created_later(self, backend, env=None):
        # The worker appears 1.5 s after start, well after rttrace attached.
        p, tids = workload("spawner", "--delay", "1500ms", "--period", "10ms", "--busy", "1ms",
                           "--policy", "fifo", "--prio", "30", "--duration", "4s")
        run = rttrace("-t", str(tids["main"]), "-d", "10", "--backend", backend, popen=True,
                      env=env)
        read_more_tids(p, tids, "worker", timeout=5)
        p.wait(timeout=10)
        r = wait_run(run)
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.report["system"]["backend"], backend)
        self.assertIn("worker", tids)
        w = r.task(tids["worker"])
        # ~2.5 s of 10 ms iterations after the worker was born
        self.assertGreaterEqual(w["metrics"]["response"]["count"], 150)
        self.assertGreaterEqual(w["metrics"]["relief"]["count"], 150)
        self.assertGreaterEqual(w["metrics"]["response"]["min_ns"], 1 * MS)
        self.assertEqual(w["tgid"], tids["main"])
        # rttrace ended by itself when the process exited, before -d 10
        self.assertTrue(all(t["exited"] for t in r.report["tasks"]))
        dur = r.report["session"]["end_ns"] - r.report["session"]["start_ns"]
        self.assertLess(dur, 8_000 * MS)
        return r

    def test_pid_list_tracks_only_those_threads(self):
        a, ta = workload("control_loop", "--period", "10ms", "--busy", "1ms", "--policy", "fifo",
                         "--prio", "30", "--duration", "3s")
        b, tb = workload("control_loop", "--period", "20ms", "--busy", "1ms", "--policy", "fifo",
                         "--prio", "30", "--duration", "3s")
        r = rttrace("-p", f"{ta['main']},{tb['main']}", "-d", "2")
        a.wait()
        b.wait()
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(sorted(t["pid"] for t in r.report["tasks"]), sorted([ta["main"], tb["main"]]))
        ca = r.metric(ta["main"], "relief")["count"]
        cb = r.metric(tb["main"], "relief")["count"]
        # periods 10 ms and 20 ms over the same ~2 s: twice the samples
        self.assertGreater(ca, 1.7 * cb)
        self.assertLess(ca, 2.3 * cb)

    def test_command_all_threads(self):
        r = rttrace("--", "build/workloads/spawner", "--delay", "200ms", "--threads", "3",
                    "--period", "10ms", "--busy", "1ms", "--policy", "fifo", "--prio", "30",
                    "--duration", "2s")
        self.assertEqual(r.rc, 0, r.err)
        # main + 3 workers, all exited, all of one process
        self.assertEqual(len(r.report["tasks"]), 4)
        self.assertEqual(len({t["tgid"] for t in r.report["tasks"]}), 1)
        workers = [t for t in r.report["tasks"] if t["pid"] != t["tgid"]]
        for w in workers:
            # ~180 periods each; under TCG the three FIFO workers and the
            # tracer on two vCPUs lose many, so only a floor: tracked
            self.assertGreaterEqual(w["metrics"]["relief"]["count"], 50)

    def test_threads_without_thread_pidfd_are_adopted(self):
        """Before 6.9 a non-leader thread has no pidfd, so user space cannot
        give it task storage; the adopt_tasks iterator does, in process
        context (RTTRACE_NO_PIDFD=1 takes that path here, for every thread).
        No pick-up happens in the scheduler hooks: without the iterator the
        worker would have no samples."""
        p, tids = workload("spawner", "--delay", "100ms", "--period", "10ms", "--busy", "1ms",
                           "--policy", "fifo", "--prio", "30", "--duration", "4s")
        read_more_tids(p, tids, "worker", timeout=5)
        self.assertIn("worker", tids)
        r = rttrace("-t", str(tids["main"]), "-d", "2", env={"RTTRACE_NO_PIDFD": "1"})
        p.wait(timeout=10)
        self.assertEqual(r.rc, 0, r.err)
        w = r.task(tids["worker"])
        # ~2 s of a 10 ms loop, each activation >= 1 ms of spinning
        self.assertGreaterEqual(w["metrics"]["relief"]["count"], 150)
        self.assertGreaterEqual(w["metrics"]["response"]["min_ns"], 1 * MS)

    def test_command_exit_status_passthrough_on_missing_binary(self):
        r = rttrace("--", "/nonexistent/binary")
        self.assertEqual(r.rc, 1)
        self.assertIn("cannot run '/nonexistent/binary'", r.err)
        self.assertIsNotNone(r.report)  # the report is still written

    def test_task_that_exits_during_tracing(self):
        p = subprocess.Popen(["sleep", "1"])
        r = rttrace("-p", str(p.pid), "-d", "20")
        p.wait()
        self.assertEqual(r.rc, 0, r.err)
        t = r.task(p.pid)
        self.assertTrue(t["exited"])
        dur = r.report["session"]["end_ns"] - r.report["session"]["start_ns"]
        self.assertLess(dur, 5_000 * MS)

    def test_btf_file_on_a_kernel_without_btf(self):
        """--btf FILE where /sys/kernel/btf/vmlinux is 'missing': raw_tp, the
        hand-made pt_regs lookup for relief, and the same numbers as a normal
        run watching the same task."""
        import shutil
        import tempfile
        # a file of this run's own: two test runs at once must not share it
        fd, btf = tempfile.mkstemp(prefix="rttrace-test-", suffix=".btf")
        os.close(fd)
        shutil.copy("/sys/kernel/btf/vmlinux", btf)
        p, tids = workload("control_loop", "--period", "5ms", "--busy", "1ms", "--policy", "fifo",
                           "--prio", "40", "--duration", "6s")
        a = rttrace("-p", str(tids["main"]), popen=True)
        b = rttrace("-p", str(tids["main"]), "--btf", btf, popen=True,
                    env={"RTTRACE_SYSFS_BTF": "/nonexistent/vmlinux"})
        p.wait()
        ra, rb = wait_run(a), wait_run(b)
        os.unlink(btf)
        self.assertEqual((ra.rc, rb.rc), (0, 0), ra.err + rb.err)
        self.assertEqual(rb.report["system"]["backend"], "raw_tp")
        agree(self, [ra, rb], tids["main"], 5 * MS)
        for m in ("latency", "response", "relief"):
            x, y = ra.metric(tids["main"], m), rb.metric(tids["main"], m)
            self.assertLess(abs(x["p50_ns"] - y["p50_ns"]), P50_TOL * x["p50_ns"] + 20_000, m)

    def test_backends_agree_on_the_same_run(self):
        """tp_btf (task storage) and raw_tp (hash) watch the same task at once."""
        p, tids = workload("control_loop", "--period", "5ms", "--busy", "1ms", "--policy", "fifo",
                           "--prio", "40", "--duration", "6s")
        a = rttrace("-p", str(tids["main"]), "--backend", "tp_btf", popen=True)
        b = rttrace("-p", str(tids["main"]), "--backend", "raw_tp", popen=True)
        p.wait()
        ra, rb = wait_run(a), wait_run(b)
        self.assertEqual((ra.rc, rb.rc), (0, 0), ra.err + rb.err)
        self.assertEqual(ra.report["system"]["backend"], "tp_btf")
        self.assertEqual(rb.report["system"]["backend"], "raw_tp")
        agree(self, [ra, rb], tids["main"], 5 * MS)
        for m in ("latency", "response", "relief"):
            x, y = ra.metric(tids["main"], m), rb.metric(tids["main"], m)
            # the same slow iterations dominate both: medians within 10 %
            self.assertLess(abs(x["p50_ns"] - y["p50_ns"]), P50_TOL * x["p50_ns"] + 20_000, m)


    def test_switch_gate_and_direct_program_agree(self):
        """sched_switch entered through a gate (a small program that
        tail-calls the full one when prev or next may be tracked) and the
        full program attached directly (the fallback) watch the same task,
        on both backends.  An empty or wrong tail-call slot would show no
        samples."""
        # 10 s: the four tracers load at once, each on the CPU rttrace
        # keeps for itself (the same one): in the TCG guest the last one
        # attaches seconds after the first
        p, tids = workload("control_loop", "--period", "5ms", "--busy", "1ms", "--policy", "fifo",
                           "--prio", "40", "--duration", "10s")
        direct = {"RTTRACE_NO_SWITCH_GATE": "1"}
        runs = [rttrace("-p", str(tids["main"]), popen=True),
                rttrace("-p", str(tids["main"]), popen=True, env=direct),
                rttrace("-p", str(tids["main"]), "--backend", "raw_tp", popen=True),
                rttrace("-p", str(tids["main"]), "--backend", "raw_tp", popen=True, env=direct)]
        p.wait()
        rs = [wait_run(r) for r in runs]
        self.assertEqual([r.rc for r in rs], [0] * 4, "".join(r.err for r in rs))
        self.assertEqual([r.report["system"]["switch_gate"] for r in rs],
                         [True, False, True, False])
        # Each tracer counts the 5 ms periods of its own session (they end
        # together, at the task's exit, but attach one after the other: in
        # the TCG guest seconds apart); never more than there are.
        agree(self, rs, tids["main"], 5 * MS)
        for r in rs:
            span = r.report["session"]["end_ns"] - r.report["session"]["start_ns"]
            for m in ("latency", "response", "relief"):
                n = r.metric(tids["main"], m)["count"]
                self.assertLess(n, 1.1 * span / (5 * MS) + 2, (m, r.report["system"]))
        for r in rs[1:]:
            for m in ("latency", "response", "relief"):
                x, y = rs[0].metric(tids["main"], m), r.metric(tids["main"], m)
                self.assertGreaterEqual(x["count"], 100, m)  # a median worth comparing
                self.assertLess(abs(x["p50_ns"] - y["p50_ns"]), P50_TOL * x["p50_ns"] + 20_000, m)

    def test_thread_that_execs_keeps_its_own_statistics(self):
        """A non-leader thread that execs takes its leader's TID (de_thread).
        Task storage follows the task, the state table follows TIDs: the
        exec hook must give the thread its state back, or the program it
        became is counted in another slot (checked: without the hook the
        thread's slot keeps only its ~200 samples from before the exec).
        The leader wakes every 10 ms for ~1 s; the thread every 5 ms for
        1 s, then execs control_loop, 400 periods of 5 ms."""
        script = ("import os, sys, threading, time\n"
                  "print('tid main=%d' % os.getpid(), flush=True)\n"
                  "time.sleep(1.0)\n"
                  "def worker():\n"
                  "    print('tid worker=%d' % threading.get_native_id(), flush=True)\n"
                  "    end = time.time() + 1.0\n"
                  "    while time.time() < end:\n"
                  "        time.sleep(0.005)\n"
                  "    os.execv(sys.argv[1], ['control_loop', '--period', '5ms', '--busy',\n"
                  "             '1ms', '--duration', '2s'])\n"
                  "threading.Thread(target=worker).start()\n"
                  "while True:\n"
                  "    time.sleep(0.01)\n")
        p = subprocess.Popen(["python3", "-c", script, os.path.abspath("build/workloads/control_loop")],
                             stdout=subprocess.PIPE, text=True)
        tids = read_more_tids(p, {}, "main")
        run = rttrace("-t", str(tids["main"]), "--no-trace", "-d", "10", popen=True)
        read_more_tids(p, tids, "worker")
        p.wait(timeout=15)
        r = wait_run(run)
        self.assertEqual(r.rc, 0, r.err)
        w, l = r.task(tids["worker"]), r.task(tids["main"])
        self.assertEqual(w["comm"], "control_loop")
        # ~200 before the exec, 400 after
        self.assertGreater(w["metrics"]["relief"]["count"], 500)
        self.assertLess(l["metrics"]["relief"]["count"], 150)

    def test_state_table_and_task_storage_both_hold_state(self):
        """A tracked task's state moves from task storage to its entry in the
        1024-entry table indexed by TID at its first switch-in, if the entry
        is free; 1100 live threads cannot all have one, so both places are
        used in one run.  Each thread is born (a first latency sample),
        blocks, and is woken at the end (a second): one with its state lost
        or misplaced shows fewer.  While all 1100 block, at least 76 hold
        their state in task storage.  RTTRACE_NO_TTAB=1 keeps every state in
        task storage: every thread has its samples there too, and nothing
        moved."""
        n = 1100
        for env, moved in ((None, True), ({"RTTRACE_NO_TTAB": "1"}, False)):
            r = rttrace("--max-tasks", "1200", "--keep-exited", "1200", "--no-trace", "--",
                        "build/workloads/many_sleepers",
                        "--threads", str(n), "--duration", "1s", env=env, timeout=60)
            self.assertEqual(r.rc, 0, r.err)
            sleepers = [t for t in r.report["tasks"] if t["pid"] != t["tgid"]]
            self.assertEqual(len(sleepers), n)
            # On PREEMPT_RT a thread born under -t gets its state from user
            # space after it blocked: its first wakeups are not seen.
            if not r.report["system"]["birth_state_from_user_space"]:
                counts = [(t["pid"], t["metrics"]["latency"]["count"],
                           t["metrics"]["response"]["count"]) for t in sleepers]
                # Lost or misplaced state shows as a thread without samples.
                self.assertEqual([c for c in counts if c[1] < 1 or c[2] < 1], [],
                                 ("threads without samples (tid, latency, response)", env))
                # One final latency sample is missing for 1-2 threads in
                # about one run of six, with the state in task storage too
                # (RTTRACE_NO_TTAB; not yet explained, always latency 1 and
                # response 2): allow 1 % of the threads that.
                short = [c for c in counts if c[1] < 2]
                self.assertLessEqual(len(short), n // 100, ("threads short of a latency sample",
                                                            short, env))
            m = r.report["session"]["states_moved_to_table"]
            if moved:
                # (more than 1024 in all: an exited thread's entry is taken
                # again at another's last switch-in)
                self.assertGreater(m, n // 2)
            else:
                self.assertEqual(m, 0)


if __name__ == "__main__":
    unittest.main()
