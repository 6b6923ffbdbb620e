"""Exports fleets already read: Prometheus textfile, Perfetto trace."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from rtlib import ROOT, rttrace, wait_run


class Exports(unittest.TestCase):
    def test_prometheus_file_rewritten_and_valid(self):
        self.assertIsNotNone(shutil.which("promtool"), "promtool missing: make deps installs prometheus")
        d = tempfile.mkdtemp()
        prom = os.path.join(d, "rttrace.prom")
        p = rttrace("-i", "500ms", "-d", "3", "--prom-file", prom, "--slo-latency", "1ms", "--",
                    "build/workloads/control_loop", "--period", "10ms", "--busy", "1ms",
                    "--policy", "fifo", "--prio", "40", "--duration", "5s", popen=True)
        counts = []
        for _ in range(4):
            time.sleep(0.6)
            if os.path.exists(prom):
                with open(prom) as f:
                    m = re.search(r'rttrace_latency_seconds_count\{[^}]*\} (\d+)', f.read())
                counts.append(int(m.group(1)) if m else -1)
        r = wait_run(p)
        self.assertEqual(r.rc, 0, r.err)
        # rewritten every interval: the count grows between reads
        self.assertGreaterEqual(len(counts), 3)
        self.assertEqual(counts, sorted(counts))
        self.assertGreater(counts[-1], counts[0])
        cp = subprocess.run(["promtool", "check", "metrics"], stdin=open(prom),
                            capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        with open(prom) as f:
            text = f.read()
        final = r.report["tasks"][0]["metrics"]["latency"]
        m = re.search(r'rttrace_latency_seconds_count\{[^}]*\} (\d+)', text)
        self.assertEqual(int(m.group(1)), final["count"])
        m = re.search(r'rttrace_slo_violations_total\{[^}]*metric="latency"\} (\d+)', text)
        self.assertEqual(int(m.group(1)), final["violations"])
        self.assertFalse(os.path.exists(prom + ".tmp"))
        shutil.rmtree(d)

    def test_perfetto_trace_of_captured_windows(self):
        d = tempfile.mkdtemp()
        path = os.path.join(d, "trace.json")
        r = rttrace("--perfetto", path, "--slo-response", "1500us", "--",
                    "build/workloads/control_loop", "--period", "10ms", "--busy", "1ms",
                    "--duration", "2s")
        self.assertEqual(r.rc, 0, r.err)
        cp = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests/tools/check_perfetto.py"),
                             path, "--min-windows", "3"], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        shutil.rmtree(d)

    def test_perfetto_needs_capture(self):
        r = rttrace("--no-trace", "--perfetto", "/tmp/x.json", "-p", "1", json_out=False)
        self.assertEqual(r.rc, 2)
        self.assertIn("needs the capture", r.err)


if __name__ == "__main__":
    unittest.main()
