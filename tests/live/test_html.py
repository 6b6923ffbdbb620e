"""The HTML report, loaded in a real headless browser (Debian's chromium),
`rttrace html` from a saved report, and `rttrace diff` as a CI gate."""
import copy
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from html.parser import HTMLParser

from rtlib import MS, ROOT, RTTRACE, rttrace, workload

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = os.path.join(ROOT, "build", "test-artifacts")


class Dom(HTMLParser):
    """The elements of a page: (tag, attrs, text inside) in document order."""

    def __init__(self):
        super().__init__()
        self.elems, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": [p["tag"] for p in self.stack]}
        e["classes"] = set((e["attrs"].get("class") or "").split())
        self.elems.append(e)
        if tag not in ("line", "rect", "meta", "br", "input", "img", "path"):
            self.stack.append(e)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1]["tag"] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for e in self.stack:
            e["text"] += data

    def find(self, tag, cls=None):
        return [e for e in self.elems if e["tag"] == tag and (cls is None or cls in e["classes"])]


def browser(path, screenshot=None):
    """Load path in headless chromium: (the DOM after scripts ran, console
    errors and uncaught exceptions seen on stderr)."""
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--enable-logging=stderr", "--v=0",
            "--user-data-dir=" + tempfile.mkdtemp(prefix="rttrace-chromium-")]
    url = "file://" + os.path.abspath(path)
    cp = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    errors = [l for l in cp.stderr.splitlines()
              if ("CONSOLE" in l and ("Uncaught" in l or ":ERROR:" in l or "error" in l.lower()))
              or "Uncaught" in l]
    if screenshot:
        subprocess.run(base + ["--screenshot=" + screenshot, "--window-size=1200,2400", url],
                       capture_output=True, text=True, timeout=120)
    return cp.returncode, cp.stdout, errors


@unittest.skipUnless(CHROMIUM, "chromium is not installed (make deps installs it)")
class HtmlInBrowser(unittest.TestCase):
    """A FIFO 90 hog (4 ms every 10 ms) on the CPU of a FIFO 50 loop: latency
    windows of ~4 ms whose waiting span the timeline must show at its
    length."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rttrace-html-")
        cls.html = os.path.join(cls.tmp, "report.html")
        cls.json = os.path.join(cls.tmp, "report.json")
        hog, cls.ht = workload("cpu_hog", "--cpu", "1", "--policy", "fifo", "--prio", "90",
                               "--busy", "4ms", "--period", "10ms", "--busy-wall",
                               "--duration", "6s")
        try:
            cls.result = rttrace("--slo-latency", "1ms", "--html", cls.html, "-j", cls.json, "--",
                              "build/workloads/control_loop", "--cpu", "1", "--policy", "fifo",
                              "--prio", "50", "--period", "3ms", "--busy", "100us",
                              "--duration", "3s", json_out=False, timeout=40)
        finally:
            hog.kill()
            hog.wait()
        with open(cls.json) as f:
            cls.report = json.load(f)
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.rc, cls.dom_text, cls.errors = browser(
            cls.html, screenshot=os.path.join(ARTIFACTS, "html-report.png"))
        cls.dom = Dom()
        cls.dom.feed(cls.dom_text)

    def test_loads_without_errors(self):
        self.assertEqual(self.result.rc, 0, self.result.err)
        self.assertEqual(self.rc, 0)
        self.assertEqual(self.errors, [])
        self.assertIn("</html>", self.dom_text)
        # the page's own record of uncaught errors and console.error calls
        root = self.dom.find("html")[0]["attrs"]
        self.assertEqual(root.get("data-ready"), "1")  # its script ran to the end
        self.assertIsNone(root.get("data-errors"))
        # self-contained: nothing fetched
        for e in self.dom.elems:
            for a in ("src", "href"):
                v = e["attrs"].get(a) or ""
                self.assertFalse(v.startswith(("http:", "https:", "//")), (e["tag"], v))
        self.assertLess(os.path.getsize(self.html), 1_000_000)
        self.assertTrue(os.path.getsize(os.path.join(ARTIFACTS, "html-report.png")) > 0)

    def test_names_tasks_and_verdicts(self):
        text = " ".join(e["text"] for e in self.dom.find("h2"))
        for t in self.report["tasks"]:
            self.assertIn(t["comm"], text)
        verdicts = [e["text"] for e in self.dom.find("p", "verdict")]
        n = 0
        for t in self.report["tasks"]:
            for m in ("latency", "response", "relief"):
                for kind in ("worst", "last_violation"):
                    w = t["metrics"][m].get(kind)
                    if w and w["verdict"] != "not captured":
                        self.assertIn(w["verdict"], verdicts)
                        n += 1
        self.assertGreaterEqual(n, 3)
        # a histogram per metric with samples, a timeline per captured window
        hists = self.dom.find("figure", "histogram")
        want = sum(1 for t in self.report["tasks"] for m in t["metrics"].values()
                   if m["count"] > 0)
        self.assertEqual(len(hists), want)
        self.assertEqual(len(self.dom.find("svg", "timeline")), n)
        self.assertTrue(self.dom.find("line", "slo"))  # the bound on the latency histogram

    def test_waiting_span_is_the_latency(self):
        """The worst latency window: the task waits from its wakeup to its
        switch-in, so its waiting span is the whole measured latency."""
        victim = self.report["tasks"][0]
        lat = victim["metrics"]["latency"]["worst"]
        self.assertGreater(lat["value_ns"], 1 * MS)
        # the window's section, then its timeline and the task lane's spans
        i = next(k for k, e in enumerate(self.dom.elems)
                 if e["tag"] == "section" and e["attrs"].get("data-metric") == "latency"
                 and e["attrs"].get("data-kind") == "worst"
                 and e["attrs"].get("data-value-ns") == str(lat["value_ns"]))
        svg_i = next(k for k in range(i, len(self.dom.elems))
                     if self.dom.elems[k]["tag"] == "svg" and "timeline" in self.dom.elems[k]["classes"])
        svg = self.dom.elems[svg_i]
        x0, x1 = float(svg["attrs"]["data-x0"]), float(svg["attrs"]["data-x1"])
        end = next((k for k in range(svg_i + 1, len(self.dom.elems))
                    if self.dom.elems[k]["tag"] == "svg"), len(self.dom.elems))
        waits = [e for e in self.dom.elems[svg_i:end] if e["tag"] == "rect" and "wait" in e["classes"]
                 and e["attrs"].get("y") == "30"]
        width = sum(float(e["attrs"]["width"]) for e in waits)
        span_ns = width / (x1 - x0) * (lat["end_ns"] - lat["start_ns"])
        self.assertLessEqual(abs(span_ns - lat["value_ns"]), 0.02 * lat["value_ns"],
                             (width, x1 - x0, lat["value_ns"]))

    def test_html_command_gives_the_same_page(self):
        out = os.path.join(self.tmp, "again.html")
        cp = subprocess.run([RTTRACE, "html", self.json, "-o", out], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        with open(out) as a, open(self.html) as b:
            self.assertEqual(a.read(), b.read())


@unittest.skipUnless(CHROMIUM, "chromium is not installed (make deps installs it)")
class HtmlIntervals(unittest.TestCase):
    """With -i the page plots each interval's p99 and max per metric, from
    the report's intervals[] (one point per interval)."""

    def test_series_per_metric(self):
        tmp = tempfile.mkdtemp(prefix="rttrace-html-")
        html, js = os.path.join(tmp, "r.html"), os.path.join(tmp, "r.json")
        r = rttrace("-i", "250ms", "--slo-relief", "5ms", "--html", html, "-j", js, "--",
                    "build/workloads/control_loop", "--policy", "fifo", "--prio", "50",
                    "--period", "10ms", "--busy", "1ms", "-d", "2s", json_out=False, timeout=30)
        self.assertEqual(r.rc, 0, r.err)
        with open(js) as f:
            t = json.load(f)["tasks"][0]
        iv = t["intervals"]
        self.assertGreaterEqual(len(iv), 6)  # ~8 intervals of 250 ms in 2 s
        self.assertEqual(sum(p["relief"]["count"] for p in iv), t["metrics"]["relief"]["count"])
        self.assertEqual(max(p["relief"]["max_ns"] or 0 for p in iv), t["metrics"]["relief"]["max_ns"])
        rc, dom_text, errors = browser(html)
        self.assertEqual((rc, errors), (0, []))
        dom = Dom()
        dom.feed(dom_text)
        series = [e for e in dom.find("figure", "series")]
        self.assertEqual(sorted(e["attrs"]["data-metric"] for e in series),
                         sorted(m for m, x in t["metrics"].items() if x["count"] > 0))
        lines = dom.find("polyline", "max_ns")
        self.assertEqual(len(lines), len(series))
        # one vertex per interval with samples
        self.assertEqual(len(lines[0]["attrs"]["points"].split()),
                         sum(1 for p in iv if p["latency"]["count"] > 0))


class HtmlErrors(unittest.TestCase):
    def one_line(self, content, what):
        tmp = tempfile.mkdtemp(prefix="rttrace-html-")
        p = os.path.join(tmp, "r.json")
        with open(p, "w") as f:
            f.write(content)
        cp = subprocess.run([RTTRACE, "html", p, "-o", os.path.join(tmp, "r.html")],
                            capture_output=True, text=True)
        self.assertEqual(cp.returncode, 2, cp.stderr)
        self.assertEqual(len(cp.stderr.strip().splitlines()), 1, cp.stderr)
        self.assertIn(what, cp.stderr)
        self.assertFalse(os.path.exists(os.path.join(tmp, "r.html")))

    def test_truncated(self):
        self.one_line('{"schema_version": 2, "system": {', "cut short")

    def test_foreign(self):
        self.one_line('{"traceEvents": []}', "not an rttrace JSON report")

    def test_wrong_types_do_not_crash(self):
        """A hand-edited report whose arrays are not arrays (json-c asserts
        on those): the page is made of what can be read, and diff runs."""
        tmp = tempfile.mkdtemp(prefix="rttrace-html-")
        p = os.path.join(tmp, "odd.json")
        with open(p, "w") as f:
            json.dump({"schema_version": 2, "system": {"kernel": 5}, "session": {}, "tasks": [
                7, {"pid": 1, "comm": "x", "findings": {"x": 1}, "intervals": [[1], {"end_ns": "z"}],
                    "metrics": {"latency": {"count": 3, "histogram": {"a": 1},
                                            "worst": {"verdict": "v", "trace": 5,
                                                      "breakdown": [1, [2]]},
                                            "last_violation": {"trace": [{"type": "sched_switch"},
                                                                         3]}}}}]}, f)
        cp = subprocess.run([RTTRACE, "html", p, "-o", os.path.join(tmp, "odd.html")],
                            capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        cp = subprocess.run([RTTRACE, "diff", p, p], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr)

    def test_unknown_schema(self):
        self.one_line('{"schema_version": 99, "system": {}, "session": {}, "tasks": []}',
                      "schema version 99")


class Diff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rttrace-diff-")
        r = rttrace("-d", "1s", "--", "build/workloads/control_loop", "--policy", "fifo",
                    "--prio", "50", "--period", "5ms", "--busy", "200us", "-d", "2s", timeout=30)
        cls.base = os.path.join(cls.tmp, "base.json")
        with open(cls.base, "w") as f:
            json.dump(r.report, f)
        worse = copy.deepcopy(r.report)
        m = worse["tasks"][0]["metrics"]["relief"]
        m["max_ns"] *= 2
        cls.worse = os.path.join(cls.tmp, "worse.json")
        with open(cls.worse, "w") as f:
            json.dump(worse, f)

    def test_self_is_no_change(self):
        out = os.path.join(self.tmp, "d.json")
        cp = subprocess.run([RTTRACE, "diff", "--fail-on-regression", "0", "--json", out,
                             self.base, self.base], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        with open(out) as f:
            d = json.load(f)
        self.assertEqual(d["regressions"], [])
        self.assertEqual(len(d["tasks"]), 1)
        for m in d["tasks"][0]["metrics"].values():
            for s in ("p50_ns", "p99_ns", "max_ns"):
                self.assertIn(m[s]["change_pct"], (0, 0.0, None))

    def test_doubled_max_fails_the_gate(self):
        cp = subprocess.run([RTTRACE, "diff", "--fail-on-regression", "10", self.base, self.worse],
                            capture_output=True, text=True)
        self.assertEqual(cp.returncode, 3, cp.stderr)
        self.assertIn("regression: control_loop relief max", cp.stderr)
        self.assertIn("+100.0 %", cp.stderr)
        # without the gate: a report, exit 0
        cp = subprocess.run([RTTRACE, "diff", self.base, self.worse], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn("+100.0%", cp.stdout)

    def test_bad_input(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write("{")
        cp = subprocess.run([RTTRACE, "diff", self.base, bad], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 2)
        self.assertEqual(len(cp.stderr.strip().splitlines()), 1, cp.stderr)
        cp = subprocess.run([RTTRACE, "diff", self.base], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 2)


if __name__ == "__main__":
    unittest.main()
