"""Continuous mode (-i, --json-lines) and SIGUSR1 reports."""
import json
import os
import signal
import tempfile
import time
import unittest

from rtlib import rttrace, wait_run


class Continuous(unittest.TestCase):
    def test_interval_summaries_add_up(self):
        fd, path = tempfile.mkstemp(suffix=".jsonl")
        os.close(fd)
        try:
            r = rttrace("-i", "500ms", "-d", "3", "--json-lines", path, "--slo-response", "2100us",
                        "--", "build/workloads/control_loop", "--period", "10ms", "--busy", "2ms",
                        "--policy", "fifo", "--prio", "50", "--duration", "5s", timeout=30)
            with open(path) as f:
                lines = [json.loads(l) for l in f]
        finally:
            os.unlink(path)
        self.assertEqual(r.rc, 0, r.err)
        # 3 s / 500 ms = 6 summaries, the last one possibly partial
        self.assertIn(len(lines), (6, 7))
        self.assertEqual([l["interval"] for l in lines], list(range(1, len(lines) + 1)))
        final = r.report["tasks"][0]["metrics"]
        for m in ("latency", "response", "relief"):
            totals = [l["tasks"][0]["metrics"][m]["total"] for l in lines]
            ints = [l["tasks"][0]["metrics"][m]["interval"] for l in lines]
            counts = [t["count"] for t in totals]
            self.assertEqual(counts, sorted(counts), m + ": overall count not monotone")
            viols = [t["violations"] for t in totals]
            self.assertEqual(viols, sorted(viols), m)
            self.assertEqual(sum(i["count"] for i in ints), counts[-1], m)
            self.assertEqual(sum(i["violations"] for i in ints), viols[-1], m)
            # the last summary is taken when tracing stopped: it is the report
            self.assertEqual(counts[-1], final[m]["count"], m)
            self.assertEqual(viols[-1], final[m]["violations"], m)
            self.assertEqual(max(i["max_ns"] or 0 for i in ints), final[m]["max_ns"], m)
            for i in ints:
                if i["count"]:
                    self.assertLessEqual(i["p99_ns"], i["max_ns"] * 1.04)
            # ~50 samples per 500 ms
            self.assertGreater(ints[1]["count"], 35, m)
        # the text summaries went to stdout
        self.assertEqual(r.out.count("--- rttrace +"), len(lines))
        self.assertIn("* new worst", r.out)

    def test_sigusr1_reports_without_stopping(self):
        p = rttrace("-d", "4", "--", "build/workloads/control_loop", "--period", "10ms",
                    "--busy", "1ms", "--duration", "6s", popen=True)
        time.sleep(2)
        p.send_signal(signal.SIGUSR1)
        r = wait_run(p)
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.out.count("rttrace report:"), 2, r.out)
        self.assertIn("report on SIGUSR1 (tracing goes on)", r.out)
        interim = r.out.split("rttrace report:")[1]
        # the interim report had about half the samples of the final one
        import re
        n1 = int(re.search(r"latency\s+(\d+)", interim).group(1))
        n2 = r.report["tasks"][0]["metrics"]["latency"]["count"]
        self.assertGreater(n1, 100)
        self.assertGreater(n2, n1 + 100)


if __name__ == "__main__":
    unittest.main()
