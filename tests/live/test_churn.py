"""Thread churn: a thread pool whose workers come and go is tracked whole.
Slots of exited threads are recycled, so every worker is tracked however
many there are; exited threads beyond --keep-exited merge per name with
exact totals; the policy a task had during the session is reported with
its changes.  Ground truth: the workload's own count of the timer sleeps
that blocked (RUSAGE_THREAD), per worker and in total."""
import re
import shutil
import unittest

from rtlib import rttrace

WL = "build/workloads/"


def pool(*extra, seconds=5, threads=40):
    return [WL + "thread_pool", "-d", f"{seconds}s", "--threads", str(threads), *extra]


def summary(out):
    for line in out.splitlines():
        if line.startswith('{"program":"thread_pool"'):
            import json
            return json.loads(line)
    raise AssertionError("no thread_pool summary in its output")


def workers(r):
    return [t for t in r.report["tasks"] if t["comm"] == "thread_pool"]


class ThreadPool(unittest.TestCase):
    def test_every_worker_tracked_with_its_own_samples(self):
        # 40 workers of 50-300 ms for 6 s: ~1400 threads through 300 slots
        # (room for 1 s of exits waiting to be recycled on a busy
        # machine), each slot used about five times.  Kept one by one,
        # each exited worker's relief count must be its own blocking timer
        # sleeps minus one: a sample of the slot's previous thread would
        # make it larger.
        r = rttrace("--max-tasks", "300", "--keep-exited", "100000",
                    "--", *pool("--per-thread", seconds=6), timeout=60)
        self.assertEqual(r.rc, 0, r.err)
        s = summary(r.out)
        self.assertGreater(s["workers"], 3 * 300, "the slots were not recycled often")
        self.assertEqual(r.report["session"]["tasks_dropped"], 0)
        expect = {int(t): int(n) for t, n in
                  re.findall(r"^worker tid=(\d+) sleeps=(\d+)$", r.out, re.M)}
        self.assertEqual(len(expect), s["workers"])
        seen = {t["pid"]: t for t in workers(r) if t["pid"] in expect}
        self.assertEqual(len(seen), len(expect), "a worker is missing from the report")
        exact = 0
        for tid, sleeps in expect.items():
            t = seen[tid]
            self.assertTrue(t["exited"])
            got, want = t["metrics"]["relief"]["count"], max(sleeps - 1, 0)
            # never more: a recycled slot carries nothing of its last owner
            self.assertLessEqual(got, want, f"TID {tid}")
            exact += got == want
        # a sleep the workload counts can escape rttrace only at the
        # session's edges
        self.assertGreaterEqual(exact, 0.99 * len(expect))

    def test_exited_threads_merge_per_name_with_exact_totals(self):
        # the case scaled to the test: 100 workers alive, ~570
        # births a second; the first 256 exited are kept, the rest merge
        r = rttrace("--slo-relief", "5ms", "--", *pool(seconds=6, threads=100), timeout=60)
        self.assertEqual(r.rc, 0, r.err)
        s = summary(r.out)
        self.assertEqual(r.report["session"]["tasks_dropped"], 0)
        ws = workers(r)
        groups = [t for t in ws if t["merged_threads"] > 0]
        self.assertEqual(len(groups), 1, [t["comm"] for t in groups])
        g = groups[0]
        self.assertEqual(g["pid"], 0)
        kept = [t for t in ws if t["merged_threads"] == 0]
        self.assertEqual(len(kept), 256)
        # the main thread exits last, into the group
        self.assertEqual(g["merged_threads"] + len(kept), s["workers"] + 1)
        self.assertEqual(r.report["session"]["exited_threads_merged"], g["merged_threads"])
        relief = sum(t["metrics"]["relief"]["count"] for t in ws)
        self.assertAlmostEqual(relief, s["relief_expected"], delta=0.02 * s["relief_expected"])
        gm = g["metrics"]["relief"]
        # the merged histogram is the sum of its threads'
        self.assertEqual(sum(b[2] for b in gm["histogram"]), gm["count"])
        self.assertLessEqual(gm["violations"], gm["count"])
        self.assertGreater(gm["count"], 0)
        # the text report names the group
        self.assertRegex(r.out, r"thread_pool: \d+ exited threads, merged")


@unittest.skipUnless(shutil.which("cyclictest"), "cyclictest (rt-tests) not installed")
class PolicyAsObserved(unittest.TestCase):
    def test_thread_that_becomes_fifo_after_start(self):
        # cyclictest's measuring thread is born SCHED_OTHER and makes
        # itself FIFO 80 before its first sleep
        r = rttrace("--", "cyclictest", "-q", "-t1", "-p80", "-i1000", "-l1000", timeout=60)
        self.assertEqual(r.rc, 0, r.err)
        fifo = [t for t in r.report["tasks"] if t["policy"] == "SCHED_FIFO"]
        self.assertEqual(len(fifo), 1, [(t["comm"], t["policy"]) for t in r.report["tasks"]])
        t = fifo[0]
        self.assertEqual(t["rt_priority"], 80)
        self.assertEqual((t["start_policy"], t["start_rt_priority"]), ("SCHED_OTHER", 0))
        self.assertGreaterEqual(t["policy_changes"], 1)
        self.assertGreaterEqual(t["policy_changed_ns"], r.report["session"]["start_ns"])
        self.assertRegex(r.out, r"SCHED_FIFO 80 \(since \+[0-9.]+ s; SCHED_OTHER at pick-up, 1 change\)")
        # a task whose policy never changed says nothing more
        other = [t for t in r.report["tasks"] if t is not fifo[0]]
        self.assertTrue(all(o["policy_changes"] == 0 for o in other))


if __name__ == "__main__":
    unittest.main()
