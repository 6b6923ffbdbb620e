"""Every bad input gets one clear line, the documented exit code, and leaves
nothing loaded in the kernel."""
import os
import subprocess
import unittest

from rtlib import RTTRACE, bpf_prog_ids, rttrace, workload


def run(*args, env=None, user=None):
    """Run rttrace; .leaked lists BPF programs it loaded and left behind."""
    before = bpf_prog_ids()
    cmd = [RTTRACE, *args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
               "--inh-caps=-all", "--bounding-set=-all"] + cmd
    e = dict(os.environ)
    if env:
        e.update(env)
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=e)
    cp.leaked = bpf_prog_ids() - before
    return cp


class Errors(unittest.TestCase):
    def one_line(self, cp, rc, text):
        self.assertEqual(cp.returncode, rc, cp.stderr)
        lines = [l for l in cp.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, cp.stderr)
        self.assertIn(text, lines[0])
        self.assertTrue(lines[0].startswith("rttrace"), lines[0])
        self.assertEqual(cp.leaked, set(), "BPF programs left loaded")

    def test_no_such_tid(self):
        self.one_line(run("run", "-p", "12ab"), 2, "bad -p")
        self.one_line(run("run", "-p", "4000000"), 2, "no such thread: TID 4000000")

    def test_no_such_process(self):
        self.one_line(run("run", "-t", "4000000"), 2, "no such process: PID 4000000")

    def test_thread_given_to_t(self):
        p, tids = workload("control_loop", "--block", "5ms", "--duration", "2s")
        try:
            self.one_line(run("run", "-t", str(tids["notifier"])), 2, "is a thread of process")
        finally:
            p.kill()
            p.wait()

    def test_bad_durations(self):
        self.one_line(run("run", "-p", "1", "-d", "-3s"), 2, "cannot be negative")
        self.one_line(run("run", "-p", "1", "-d", "soon"), 2, "bad duration")
        self.one_line(run("run", "-p", "1", "--slo-latency", "500"), 2, "missing unit")
        self.one_line(run("run", "-p", "1", "--slo-latency", "-1ms"), 2, "cannot be negative")
        self.one_line(run("run", "-p", "1", "--slo-relief", "12=5furlongs"), 2, "unknown unit")

    def test_unknown_option_and_command(self):
        cp = run("run", "-p", "1", "--frobnicate")
        self.assertEqual(cp.returncode, 2)
        self.assertIn("unrecognized option", cp.stderr)
        self.one_line(run("explode"), 2, "unknown command 'explode'")

    def test_nothing_to_trace(self):
        self.one_line(run("run", "-d", "1"), 2, "nothing to trace")

    def test_output_paths_checked_before_tracing(self):
        """A report that cannot be written is refused before the session,
        not after it (the session here would last 30 s)."""
        import time
        for opt in ("--json", "--html", "--perfetto", "--prom-file"):
            t0 = time.monotonic()
            cp = run("run", opt, "/nonexistent-dir/r.out", "-d", "30", "--", "sleep", "30")
            self.one_line(cp, 2, "cannot write /nonexistent-dir/r.out (%s)" % opt)
            self.assertLess(time.monotonic() - t0, 5)
        cp = run("run", "--json", "/tmp", "-d", "30", "--", "sleep", "30")
        self.one_line(cp, 2, "it is a directory")

    def test_not_root(self):
        self.one_line(run("run", "-p", "1", "-d", "1", user="65534"), 1, "run as root")

    def test_no_btf(self):
        cp = run("run", "-p", "1", "-d", "1", env={"RTTRACE_SYSFS_BTF": "/nonexistent/vmlinux"})
        self.one_line(cp, 1, "CONFIG_DEBUG_INFO_BTF")

    def test_task_table_full_is_reported_not_silent(self):
        # 4 threads, room for 1: three are dropped, said so, exit 1, report kept
        # The workers outlive rttrace's start-up by far (a TCG guest under
        # load takes seconds to verify the programs); killed when done.
        p, tids = workload("spawner", "--delay", "0ms", "--threads", "3", "--duration", "30s")
        try:
            r = rttrace("-t", str(tids["main"]), "--max-tasks", "1", "-d", "1")
        finally:
            p.kill()
            p.wait()
        self.assertEqual(r.rc, 1)
        self.assertRegex(r.err, r"rttrace: \d+ tasks were not tracked: the task table is full")
        self.assertIsNotNone(r.report)
        self.assertGreater(r.report["session"]["tasks_dropped"], 0)
        self.assertEqual(len(r.report["tasks"]), 1)

    def test_help_and_version(self):
        cp = run("--version")
        self.assertEqual(cp.returncode, 0)
        self.assertRegex(cp.stdout, r"^rttrace \d+\.\d+\.\d+")
        cp = run("run", "--help")
        self.assertEqual(cp.returncode, 0)
        self.assertIn("EXAMPLES", cp.stdout)
        self.assertIn("--slo-latency", cp.stdout)

    def test_fail_on_violation_exit_code(self):
        p, tids = workload("control_loop", "--period", "10ms", "--busy", "2ms", "--duration", "3s")
        r = rttrace("-p", str(tids["main"]), "-d", "1", "--slo-response", "1ms", "--fail-on-violation")
        r2 = rttrace("-p", str(tids["main"]), "-d", "1", "--slo-response", "1s", "--fail-on-violation")
        p.wait()
        self.assertEqual(r.rc, 3, r.err)
        self.assertEqual(r2.rc, 0, r2.err)

    def test_seed_format(self):
        p, tids = workload("control_loop", "--period", "10ms", "--busy", "1ms", "--duration", "2s")
        r = rttrace("-p", str(tids["main"]), "-d", "1", "--format", "seed", "--slo-latency", "1s",
                    json_out=False)
        p.wait()
        self.assertEqual(r.rc, 0, r.err)
        lines = r.out.splitlines()
        self.assertRegex(lines[0], rf"^jerry_rt_module: PID={tids['main']}, Name=control_loop, "
                                   r"minLat=\d+, maxLat=\d+,$")
        self.assertRegex(lines[1], r"^minResponseTimeVoluntarySleepAllTypes=\d+, "
                                   r"maxResponseTimeVoluntarySleepAllTypes=\d+, $")
        self.assertRegex(lines[2], r"^minResponseTimeVoluntarySleepReliefBased=\d+, "
                                   r"maxResponseTimeVoluntarySleepReliefBased=\d+$")
        self.assertEqual(lines[3], "  LatencyBound=1000000000, Violations=0")


if __name__ == "__main__":
    unittest.main()
