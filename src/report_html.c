// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report: one self-contained page (inline CSS and SVG, a few lines
 * of script, nothing fetched) made from the JSON report, so `run --html`
 * and `rttrace html REPORT.json` give the same page.  It renders what the
 * report holds -- statistics, histograms, captured windows with their
 * breakdowns, where and findings -- and lays the windows' events out as
 * per-CPU timelines; it analyses nothing.  Every figure has a text
 * alternative (an SVG <title>/<desc> and a caption).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "atomic_file.h"
#include "duration.h"
#include "report_file.h"
#include "report_html.h"
#include "report_hotplug.h"

#define TL_W 960            /* timeline and histogram width (SVG units) */
#define TL_LEFT 110         /* lane labels */
#define LANE_H 22
#define MAX_MARKS 1500      /* event markers per window: keeps the page small */

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int64_t geti(json_object *o, const char *key, int64_t dflt)
{
	json_object *v = get(o, key);

	return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) ?
		       json_object_get_int64(v) : dflt;
}

static const char *gets(json_object *o, const char *key, const char *dflt)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : dflt;
}

/* HTML-escaped text */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

static const char *dur(int64_t ns, char *buf, int len)
{
	if (ns < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	return rt_fmt_duration((uint64_t)ns, buf, len);
}

static const char CSS[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1100px}"
"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}"
"h3{font-size:1em;margin:1.2em 0 .3em}table{border-collapse:collapse;margin:.5em 0}"
"td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}"
"td:first-child,th:first-child{text-align:left}tr.violated td{background:#fde2e2}"
".verdict{font-weight:600}.exited{color:#777}.loss{color:#b00;font-weight:600}"
"figure{margin:.8em 0}figcaption{font-size:.9em;color:#444}"
"svg text{font:11px system-ui,sans-serif}pre{font-size:12px;white-space:pre-wrap;margin:.2em 0}"
"details{margin:.3em 0}summary{cursor:pointer}.kv td{text-align:left}"
".run{fill:#2e7d32}.wait{fill:#ef6c00}.blocked{fill:#1565c0}.task{fill:#9e9e9e}"
".idle{fill:#e0e0e0}.irq{fill:#c62828}.softirq{fill:#ad1457}.steal{fill:#6a1b9a}"
".unattributed{fill:#bdbdbd}.other{fill:#78909c}.mark{stroke:#000;stroke-width:1}"
"@media print{details{display:block}summary{display:none}button{display:none}"
"body{margin:0;max-width:none}}";

/* First in the page: any uncaught error or console.error is kept on the
 * root element (data-errors), where a test reads it from the DOM. */
static const char JS_ERRORS[] =
"(function(){var r=document.documentElement;function k(m){"
"r.setAttribute('data-errors',(r.getAttribute('data-errors')||'')+m+';');}"
"window.addEventListener('error',function(e){k(e.message);});"
"var ce=console.error;console.error=function(){k([].join.call(arguments,' '));"
"ce.apply(console,arguments);};})();";

/* Expand every <details> (and print them open); mark the page ready. */
static const char JS[] =
"document.getElementById('expand').addEventListener('click',function(){"
"document.querySelectorAll('details').forEach(function(d){d.open=true;});});"
"window.addEventListener('beforeprint',function(){"
"document.querySelectorAll('details').forEach(function(d){d.open=true;});});"
"document.documentElement.setAttribute('data-ready','1');";

/* ---- header, tables ------------------------------------------------------------ */

static void header(FILE *f, json_object *r)
{
	json_object *sys = get(r, "system"), *ses = get(r, "session");
	static const char *const losses[] = { "lost_events", "tasks_dropped", "skipped_probe_runs",
		"capture_marks_failed", "threads_gone_before_pickup", "windows_not_captured",
		"stacks_lost" };
	char d[32];
	size_t i;

	fprintf(f, "<h1>rttrace report</h1>\n<table class=\"kv\">\n");
	fprintf(f, "<tr><th>kernel</th><td>");
	esc(f, gets(sys, "kernel", "?"));
	fprintf(f, " ");
	esc(f, gets(sys, "machine", ""));
	fprintf(f, " (");
	esc(f, gets(sys, "preempt_model", "?"));
	fprintf(f, ")</td></tr>\n<tr><th>CPUs</th><td>%" PRId64 "</td></tr>\n", geti(sys, "cpus", 0));
	fprintf(f, "<tr><th>session</th><td>%s</td></tr>\n",
		dur(geti(ses, "end_ns", 0) - geti(ses, "start_ns", 0), d, sizeof(d)));
	fprintf(f, "<tr><th>backend</th><td>");
	esc(f, gets(sys, "backend", "?"));
	fprintf(f, ", capture %s, IRQ mode ", get(sys, "capture") &&
		json_object_get_boolean(get(sys, "capture")) ? "on" : "off");
	esc(f, gets(sys, "irq_mode", "none"));
	fprintf(f, "</td></tr>\n<tr><th>steal clock</th><td>");
	esc(f, gets(sys, "steal_clock", "none"));
	fprintf(f, "</td></tr>\n<tr><th>rttrace</th><td>");
	esc(f, gets(r, "rttrace_version", "?"));
	fprintf(f, ", on CPUs ");
	esc(f, gets(sys, "housekeeping_cpus", "?"));
	fprintf(f, "</td></tr>\n");
	rt_report_html_hotplug(f, r);
	fprintf(f, "<tr><th>losses</th><td>");
	{
		bool any = false;

		for (i = 0; i < sizeof(losses) / sizeof(losses[0]); i++)
			if (geti(ses, losses[i], 0) > 0) {
				fprintf(f, "%s<span class=\"loss\">%s %" PRId64 "</span>", any ? ", " : "",
					losses[i], geti(ses, losses[i], 0));
				any = true;
			}
		if (!any)
			fprintf(f, "none");
	}
	fprintf(f, "</td></tr>\n</table>\n");
}

static const char *const METRICS[] = { "latency", "response", "relief", "irq", "irq_delay" };
#define NMETRICS 5

static void stats_table(FILE *f, json_object *t)
{
	json_object *ms = get(t, "metrics");
	static const char *const cols[] = { "min_ns", "mean_ns", "p50_ns", "p99_ns", "p999_ns",
					    "max_ns" };
	char d[32];
	int m;
	size_t c;

	fprintf(f, "<table class=\"stats\"><tr><th>metric</th><th>count</th><th>min</th><th>mean</th>"
		   "<th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>SLO</th><th>violations</th></tr>\n");
	for (m = 0; m < NMETRICS; m++) {
		json_object *x = get(ms, METRICS[m]);

		if (!x)
			continue;
		fprintf(f, "<tr%s><td>%s</td><td>%" PRId64 "</td>",
			geti(x, "violations", 0) > 0 ? " class=\"violated\"" : "", METRICS[m],
			geti(x, "count", 0));
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			fprintf(f, "<td>%s</td>", dur(geti(x, cols[c], -1), d, sizeof(d)));
		fprintf(f, "<td>%s</td><td>%" PRId64 "</td></tr>\n", dur(geti(x, "slo_ns", -1), d, sizeof(d)),
			geti(x, "violations", 0));
	}
	fprintf(f, "</table>\n");
}

/* ---- histogram ----------------------------------------------------------------- */

static double hx(double ns, double lo, double hi)
{
	return TL_LEFT + (TL_W - TL_LEFT - 10) * (log10(ns) - log10(lo)) / (log10(hi) - log10(lo));
}

static void histogram(FILE *f, json_object *t, const char *metric, json_object *x)
{
	json_object *h = get(x, "histogram");
	size_t n = h ? rt_json_alen(h) : 0, i;
	int64_t slo = geti(x, "slo_ns", -1), maxc = 1;
	double lo, hi, H = 140, base = 150;
	static const char *const marks[] = { "p50_ns", "p99_ns", "p999_ns", "max_ns" };
	static const char *const mlab[] = { "p50", "p99", "p99.9", "max" };
	char d[32], sa[32], sb[32], sc[32];

	if (!n)
		return;
	lo = (double)json_object_get_int64(rt_json_aget(rt_json_aget(h, 0), 0));
	hi = (double)json_object_get_int64(rt_json_aget(rt_json_aget(h, n - 1), 1));
	if (slo > 0 && slo > hi)
		hi = (double)slo * 1.2;
	lo = lo < 1 ? 1 : lo * 0.8;
	hi = hi <= lo ? lo * 10 : hi * 1.05;
	for (i = 0; i < n; i++) {
		int64_t c = json_object_get_int64(rt_json_aget(rt_json_aget(h, i), 2));

		if (c > maxc)
			maxc = c;
	}
	fprintf(f, "<figure class=\"histogram\" data-metric=\"%s\"><svg role=\"img\" width=\"%d\" height=\"185\" "
		   "viewBox=\"0 0 %d 185\"><title>%s histogram of ", metric, TL_W, TL_W, metric);
	esc(f, gets(t, "comm", "?"));
	fprintf(f, "</title><desc>%" PRId64 " samples from %s to %s; p99 %s%s%s</desc>\n",
		geti(x, "count", 0), dur(geti(x, "min_ns", -1), sa, sizeof(sa)),
		dur(geti(x, "max_ns", -1), sb, sizeof(sb)), dur(geti(x, "p99_ns", -1), sc, sizeof(sc)),
		slo > 0 ? ", bound " : "", slo > 0 ? dur(slo, d, sizeof(d)) : "");
	fprintf(f, "<line x1=\"%d\" y1=\"%g\" x2=\"%d\" y2=\"%g\" stroke=\"#888\"/>\n", TL_LEFT, base,
		TL_W - 10, base);
	for (i = 0; i < n; i++) {
		json_object *b = rt_json_aget(h, i);
		double blo = (double)json_object_get_int64(rt_json_aget(b, 0));
		double bhi = (double)json_object_get_int64(rt_json_aget(b, 1));
		int64_t c = json_object_get_int64(rt_json_aget(b, 2));
		double x0 = hx(blo < 1 ? 1 : blo, lo, hi), x1 = hx(bhi < 1 ? 1 : bhi, lo, hi);
		double ht = H * log10(1.0 + (double)c) / log10(1.0 + (double)maxc);
		bool over = slo > 0 && blo > slo;

		fprintf(f, "<rect class=\"bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			   "fill=\"%s\"><title>%s - %s: %" PRId64 "</title></rect>\n",
			over ? " over" : "", x0, base - ht, x1 - x0 < 1 ? 1 : x1 - x0, ht,
			over ? "#c62828" : "#1976d2", dur((int64_t)blo, sa, sizeof(sa)),
			dur((int64_t)bhi, sb, sizeof(sb)), c);
	}
	for (i = 0; i < 4; i++) {
		int64_t v = geti(x, marks[i], -1);
		double xx;

		if (v <= 0)
			continue;
		xx = hx((double)v, lo, hi);
		fprintf(f, "<line class=\"mark-%s\" x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#000\" "
			   "stroke-dasharray=\"2,2\"/><text x=\"%.1f\" y=\"%g\">%s</text>\n", mlab[i], xx,
			base - H, xx, base, xx + 2, base - H + 10 + 11 * (double)i, mlab[i]);
	}
	if (slo > 0)
		fprintf(f, "<line class=\"slo\" x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#c62828\" "
			   "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%g\" fill=\"#c62828\">SLO</text>\n",
			hx((double)slo, lo, hi), base - H, hx((double)slo, lo, hi), base,
			hx((double)slo, lo, hi) + 2, base + 12);
	fprintf(f, "<text x=\"%d\" y=\"175\">%s</text><text x=\"%d\" y=\"175\" text-anchor=\"end\">%s</text>"
		   "<text x=\"4\" y=\"%g\">%s</text></svg>\n", TL_LEFT, dur((int64_t)lo, sa, sizeof(sa)),
		TL_W - 10, dur((int64_t)hi, sb, sizeof(sb)), base - H / 2, metric);
	fprintf(f, "<figcaption>%s: %" PRId64 " samples on a log time axis (bars: log count); "
		   "p99 %s, max %s%s%s.</figcaption></figure>\n", metric, geti(x, "count", 0),
		dur(geti(x, "p99_ns", -1), sa, sizeof(sa)), dur(geti(x, "max_ns", -1), sb, sizeof(sb)),
		slo > 0 ? "; red: over the bound of " : "", slo > 0 ? dur(slo, d, sizeof(d)) : "");
}

/* ---- continuous mode: each interval's p99 and max --------------------------------- */

static void series(FILE *f, json_object *t, const char *metric, json_object *x)
{
	json_object *iv = get(t, "intervals");
	size_t n = iv ? rt_json_alen(iv) : 0, i;
	int64_t slo = geti(x, "slo_ns", -1), t0, t1, top = 1;
	double W = TL_W - TL_LEFT - 10, H = 120, base = 140;
	static const char *const stat[] = { "p99_ns", "max_ns" };
	static const char *const color[] = { "#1976d2", "#c62828" };
	char a[32], b[32];
	int k;

	if (n < 2)
		return;
	t0 = geti(rt_json_aget(iv, 0), "end_ns", 0);
	t1 = geti(rt_json_aget(iv, n - 1), "end_ns", 0);
	for (i = 0; i < n; i++) {
		json_object *m = get(rt_json_aget(iv, i), metric);

		if (geti(m, "max_ns", 0) > top)
			top = geti(m, "max_ns", 0);
	}
	if (slo > top)
		top = slo;
	top = top + top / 10;
	fprintf(f, "<figure class=\"series\" data-metric=\"%s\"><svg role=\"img\" width=\"%d\" "
		   "height=\"165\" viewBox=\"0 0 %d 165\"><title>%s per interval</title><desc>p99 "
		   "(blue) and max (red) of each of %zu intervals%s%s</desc>\n", metric, TL_W, TL_W,
		metric, n, slo > 0 ? ", bound " : "", slo > 0 ? dur(slo, a, sizeof(a)) : "");
	for (k = 0; k < 2; k++) {
		fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" points=\"",
			stat[k], color[k]);
		for (i = 0; i < n; i++) {
			json_object *p = rt_json_aget(iv, i), *m = get(p, metric);
			int64_t v = geti(m, stat[k], -1);

			if (v < 0)
				continue;
			fprintf(f, "%.1f,%.1f ", TL_LEFT + W * (double)(geti(p, "end_ns", t0) - t0) /
						      (double)(t1 > t0 ? t1 - t0 : 1),
				base - H * (double)v / (double)top);
		}
		fprintf(f, "\"/>\n");
	}
	if (slo > 0)
		fprintf(f, "<line class=\"slo\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			   "stroke=\"#c62828\" stroke-dasharray=\"4,3\"/>\n", TL_LEFT,
			base - H * (double)slo / (double)top, TL_LEFT + W, base - H * (double)slo / (double)top);
	fprintf(f, "<text x=\"4\" y=\"%g\">%s</text><text x=\"4\" y=\"%g\">0</text>"
		   "<text x=\"%d\" y=\"160\">first interval</text><text x=\"%d\" y=\"160\" "
		   "text-anchor=\"end\">+%s</text></svg>\n<figcaption>%s: p99 (blue) and max (red) of "
		   "each interval%s.</figcaption></figure>\n", base - H, dur(top, a, sizeof(a)), base,
		TL_LEFT, TL_W - 10, dur(t1 - t0, b, sizeof(b)), metric,
		slo > 0 ? ", the bound dashed" : "");
}

/* ---- windows: breakdown and per-CPU timeline ------------------------------------- */

static const char *part_class(const char *kind)
{
	static const char *const known[] = { "run", "task", "irq", "softirq", "idle", "blocked",
					     "steal", "unattributed" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(kind, known[i]))
			return known[i];
	return "other";
}

static void breakdown_bar(FILE *f, json_object *w)
{
	json_object *bd = get(w, "breakdown");
	size_t n = bd ? rt_json_alen(bd) : 0, i;
	double total = (double)geti(w, "value_ns", 1), x = TL_LEFT;
	char d[32];

	if (total <= 0)
		total = 1;
	fprintf(f, "<svg class=\"breakdown\" role=\"img\" width=\"%d\" height=\"26\" viewBox=\"0 0 %d 26\">"
		   "<title>breakdown</title><text x=\"4\" y=\"16\">breakdown</text>\n", TL_W, TL_W);
	for (i = 0; i < n; i++) {
		json_object *p = rt_json_aget(bd, i);
		double wd = (TL_W - TL_LEFT - 10) * (double)geti(p, "ns", 0) / total;

		fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"4\" width=\"%.1f\" height=\"16\"><title>%s",
			part_class(gets(p, "kind", "?")), x, wd, gets(p, "kind", "?"));
		if (gets(p, "comm", NULL)) {
			fprintf(f, " ");
			esc(f, gets(p, "comm", ""));
		}
		fprintf(f, ": %s (%.1f %%)</title></rect>\n", dur(geti(p, "ns", 0), d, sizeof(d)),
			100.0 * (double)geti(p, "ns", 0) / total);
		x += wd;
	}
	fprintf(f, "</svg>\n<table class=\"parts\"><tr><th>part</th><th>who</th><th>CPU</th>"
		   "<th>time</th><th>share</th></tr>\n");
	for (i = 0; i < n; i++) {
		json_object *p = rt_json_aget(bd, i);

		fprintf(f, "<tr><td>%s</td><td>", gets(p, "kind", "?"));
		esc(f, gets(p, "comm", ""));
		if (get(p, "tid") && geti(p, "tid", 0))
			fprintf(f, "[%" PRId64 "]", geti(p, "tid", 0));
		fprintf(f, "</td><td>%" PRId64 "</td><td>%s</td><td>%.1f %%</td></tr>\n", geti(p, "cpu", -1),
			dur(geti(p, "ns", 0), d, sizeof(d)), 100.0 * (double)geti(p, "ns", 0) / total);
	}
	fprintf(f, "</table>\n");
}

struct lane {
	int cpu;
	int64_t since;   /* current segment start (ns) */
	int64_t pid;     /* who runs (-1: unknown) */
	const char *comm;
	int64_t irq_since;
	const char *irq_kind;
	int irq_depth;
};

static double tx(int64_t ns, int64_t t0, int64_t t1)
{
	return TL_LEFT + (TL_W - TL_LEFT - 10) * (double)(ns - t0) / (double)(t1 > t0 ? t1 - t0 : 1);
}

static void seg(FILE *f, const char *cls, int lane, int64_t a, int64_t b, int64_t t0, int64_t t1,
		const char *what, int64_t pid, bool thin)
{
	double x0 = tx(a, t0, t1), x1 = tx(b, t0, t1);
	char d[32];

	if (b <= a)
		return;
	fprintf(f, "<rect class=\"%s\" data-ns=\"%" PRId64 "\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\">"
		   "<title>", cls, b - a, x0, 30 + lane * LANE_H + (thin ? 12 : 0), x1 - x0,
		thin ? 6 : 12);
	esc(f, what);
	if (pid > 0)
		fprintf(f, "[%" PRId64 "]", pid);
	fprintf(f, " %s</title></rect>\n", dur(b - a, d, sizeof(d)));
}

static int lane_of(struct lane *l, int *nl, int cpu)
{
	for (int i = 0; i < *nl; i++)
		if (l[i].cpu == cpu)
			return i;
	if (*nl >= 64)
		return -1;
	memset(&l[*nl], 0, sizeof(l[0]));
	l[*nl].cpu = cpu;
	l[*nl].pid = -1;
	return (*nl)++;
}

/* The window's events as lanes: the victim's own (waiting, running,
 * blocked), then one per CPU: who ran, with IRQs and softirqs under it. */
static void timeline(FILE *f, json_object *t, json_object *w)
{
	json_object *tr = get(w, "trace");
	size_t n = tr ? rt_json_alen(tr) : 0, i;
	int64_t t0 = geti(w, "start_ns", 0), t1 = geti(w, "end_ns", 0), vpid = geti(t, "pid", 0);
	int64_t vsince = t0, marks = 0;
	const char *vstate = "wait";
	struct lane lanes[64];
	int nl = 0, k;
	char d[32];

	if (!n || t1 <= t0)
		return;
	/* lanes first, to size the figure */
	for (i = 0; i < n; i++)
		lane_of(lanes, &nl, (int)geti(rt_json_aget(tr, i), "cpu", 0));
	fprintf(f, "<svg class=\"timeline\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "data-start-ns=\"%" PRId64 "\" data-end-ns=\"%" PRId64 "\" data-x0=\"%d\" data-x1=\"%d\">"
		   "<title>timeline of the window, %s, per CPU</title>\n",
		TL_W, 50 + (nl + 1) * LANE_H, TL_W, 50 + (nl + 1) * LANE_H, t0, t1, TL_LEFT, TL_W - 10,
		dur(t1 - t0, d, sizeof(d)));
	fprintf(f, "<text x=\"4\" y=\"%d\">", 30 + 10);
	esc(f, gets(t, "comm", "task"));
	fprintf(f, "</text>\n");
	for (k = 0; k < nl; k++)
		fprintf(f, "<text x=\"4\" y=\"%d\">CPU %d</text>\n", 30 + (k + 1) * LANE_H + 10, lanes[k].cpu);
	for (k = 0; k < nl; k++)
		lanes[k].since = t0;
	for (i = 0; i < n; i++) {
		json_object *e = rt_json_aget(tr, i);
		const char *type = gets(e, "type", "");
		int64_t ts = geti(e, "t_ns", t0);
		int li = lane_of(lanes, &nl, (int)geti(e, "cpu", 0)) + 1;
		struct lane *L = &lanes[li - 1];

		if (ts < t0)
			ts = t0;
		if (ts > t1)
			ts = t1;
		if (!strcmp(type, "sched_switch")) {
			int64_t prev = geti(e, "prev_pid", -1), next = geti(e, "next_pid", -1);

			seg(f, prev == 0 ? "idle" : prev == vpid ? "run" : "task", li, L->since, ts, t0, t1,
			    prev == 0 ? "idle" : gets(e, "prev_comm", "?"), prev, false);
			L->since = ts;
			L->pid = next;
			if (prev == vpid) {
				seg(f, "run", 0, vsince, ts, t0, t1, "running", 0, false);
				vsince = ts;
				vstate = !get(e, "preempt") || json_object_get_boolean(get(e, "preempt")) ||
						 !(geti(e, "prev_state", 0) & 0x04C3) ? "wait" : "blocked";
			}
			if (next == vpid) {
				seg(f, vstate, 0, vsince, ts, t0, t1, vstate, 0, false);
				vsince = ts;
				vstate = "run";
			}
		} else if (!strcmp(type, "sched_wakeup") && geti(e, "pid", -1) == vpid) {
			if (strcmp(vstate, "run"))
				seg(f, vstate, 0, vsince, ts, t0, t1, vstate, 0, false);
			if (strcmp(vstate, "run"))
				vsince = ts;
			if (!strcmp(vstate, "blocked"))
				vstate = "wait";
		} else if (!strcmp(type, "irq_handler_entry") || !strcmp(type, "softirq_entry")) {
			if (!L->irq_depth++) {
				L->irq_since = ts;
				L->irq_kind = type[0] == 'i' ? "irq" : "softirq";
			}
		} else if (!strcmp(type, "irq_handler_exit") || !strcmp(type, "softirq_exit")) {
			if (L->irq_depth > 0 && !--L->irq_depth)
				seg(f, L->irq_kind, li, L->irq_since, ts, t0, t1, gets(e, "name", "irq"), 0, true);
			else if (!L->irq_depth)
				seg(f, type[0] == 'i' ? "irq" : "softirq", li, t0, ts, t0, t1,
				    gets(e, "name", "irq"), 0, true);
		}
		if (marks++ < MAX_MARKS) {
			fprintf(f, "<line class=\"mark\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"><title>+%s ",
				tx(ts, t0, t1), 30 + li * LANE_H - 3, tx(ts, t0, t1), 30 + li * LANE_H,
				dur(ts - t0, d, sizeof(d)));
			esc(f, type);
			if (!strcmp(type, "sched_switch")) {
				fprintf(f, " ");
				esc(f, gets(e, "prev_comm", "?"));
				fprintf(f, " -&gt; ");
				esc(f, gets(e, "next_comm", "?"));
			} else if (!strcmp(type, "sched_wakeup")) {
				fprintf(f, " ");
				esc(f, gets(e, "comm", "?"));
				fprintf(f, " by ");
				esc(f, gets(e, "waker_comm", "?"));
			}
			fprintf(f, "</title></line>\n");
		}
	}
	/* what runs at the end */
	seg(f, vstate, 0, vsince, t1, t0, t1, vstate, 0, false);
	for (k = 0; k < nl; k++) {
		struct lane *L = &lanes[k];

		if (L->pid >= 0)
			seg(f, L->pid == 0 ? "idle" : L->pid == vpid ? "run" : "task", k + 1, L->since, t1, t0,
			    t1, L->pid == 0 ? "idle" : "task", L->pid, false);
		if (L->irq_depth > 0)
			seg(f, L->irq_kind, k + 1, L->irq_since, t1, t0, t1, L->irq_kind, 0, true);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
		   "</svg>\n", TL_LEFT, 45 + (nl + 1) * LANE_H, TL_W - 10, 45 + (nl + 1) * LANE_H,
		dur(t1 - t0, d, sizeof(d)));
}

static void frames(FILE *f, const char *what, json_object *st)
{
	json_object *a = get(st, what);
	size_t n = a ? rt_json_alen(a) : 0, i;

	if (!n)
		return;
	fprintf(f, "<pre class=\"stack %s\">%s:\n", what, what);
	for (i = 0; i < n; i++) {
		json_object *fr = rt_json_aget(a, i);
		const char *obj = gets(fr, "obj", NULL), *base = obj ? strrchr(obj, '/') : NULL;

		fprintf(f, "  ");
		if (gets(fr, "sym", NULL)) {
			esc(f, gets(fr, "sym", ""));
			fprintf(f, "+0x%" PRIx64, (uint64_t)geti(fr, "off", 0));
		} else {
			fprintf(f, "0x%" PRIx64, (uint64_t)geti(fr, "addr", 0));
		}
		if (obj) {
			fprintf(f, " (");
			esc(f, base ? base + 1 : obj);
			fprintf(f, ")");
		}
		fprintf(f, "\n");
	}
	fprintf(f, "</pre>\n");
}

static void stack_details(FILE *f, const char *title, json_object *who, json_object *st)
{
	if (!who)
		return;
	fprintf(f, "<details class=\"where\"><summary>");
	esc(f, title);
	if (gets(who, "comm", NULL)) {
		fprintf(f, ": ");
		esc(f, gets(who, "comm", ""));
		fprintf(f, "[%" PRId64 "]", geti(who, "tid", 0));
	}
	fprintf(f, "%s</summary>\n", st ? "" : " (no stacks)");
	if (st) {
		frames(f, "user", st);
		frames(f, "kernel", st);
	}
	fprintf(f, "</details>\n");
}

static void window(FILE *f, json_object *t, const char *metric, const char *kind, json_object *w)
{
	json_object *b = get(w, "blocked"), *fl = get(w, "faults");
	char d[32];

	fprintf(f, "<section class=\"window\" data-metric=\"%s\" data-kind=\"%s\" data-value-ns=\"%" PRId64
		   "\">\n<h3>%s %s: %s</h3>\n<p class=\"verdict\">", metric, kind, geti(w, "value_ns", 0),
		!strcmp(kind, "worst") ? "worst" : "last violating", metric,
		dur(geti(w, "value_ns", 0), d, sizeof(d)));
	esc(f, gets(w, "verdict", ""));
	fprintf(f, "</p>\n");
	if (get(w, "truncated") && json_object_get_boolean(get(w, "truncated")))
		fprintf(f, "<p class=\"loss\">trace truncated: %" PRId64 " events lost</p>\n",
			geti(w, "missing_events", 0));
	breakdown_bar(f, w);
	fprintf(f, "<figure>");
	timeline(f, t, w);
	fprintf(f, "<figcaption>Lanes: the task (green running, orange waiting, blue blocked), then "
		   "each CPU (grey another task, light grey idle, red hard IRQ, pink softirq); ticks "
		   "are events (hover for the event line).</figcaption></figure>\n");
	if (b) {
		fprintf(f, "<p>blocked %s in %s", dur(geti(b, "ns", 0), d, sizeof(d)),
			gets(b, "syscall", "an unknown place"));
		if (get(b, "futex")) {
			fprintf(f, " (");
			esc(f, gets(get(b, "futex"), "op", "?"));
			fprintf(f, ", %s)", json_object_get_boolean(get(get(b, "futex"), "pi")) ?
					   "priority-inheriting" : "not priority-inheriting");
		}
		fprintf(f, ", %s</p>\n", gets(b, "state", "?"));
		stack_details(f, "where it blocked", t, get(b, "stack"));
	}
	stack_details(f, "woken by", get(w, "waker"), get(get(w, "waker"), "stack"));
	stack_details(f, "its CPU held longest by", get(w, "holder"), get(get(w, "holder"), "stack"));
	if (fl || get(w, "steal_ns"))
		fprintf(f, "<p>page faults: %" PRId64 " minor, %" PRId64 " major; stolen by the "
			   "hypervisor: %s</p>\n", geti(fl, "minor", 0), geti(fl, "major", 0),
			get(w, "steal_ns") ? dur(geti(w, "steal_ns", 0), d, sizeof(d)) : "unknown");
	fprintf(f, "</section>\n");
}

static void findings(FILE *f, json_object *t)
{
	json_object *fs = get(t, "findings");
	size_t n = fs ? rt_json_alen(fs) : 0, i;

	if (!n)
		return;
	fprintf(f, "<h3>findings</h3>\n<ul class=\"findings\">\n");
	for (i = 0; i < n; i++) {
		json_object *x = rt_json_aget(fs, i);

		fprintf(f, "<li><b>");
		esc(f, gets(x, "kind", "?"));
		fprintf(f, "</b>: ");
		esc(f, gets(x, "text", ""));
		if (get(x, "stack"))
			stack_details(f, "the first one's stacks", x, get(x, "stack"));
		fprintf(f, "</li>\n");
	}
	fprintf(f, "</ul>\n");
}

static void task(FILE *f, json_object *t)
{
	json_object *ms = get(t, "metrics");
	bool exited = get(t, "exited") && json_object_get_boolean(get(t, "exited"));
	int m;

	int64_t merged = geti(t, "merged_threads", 0), changes = geti(t, "policy_changes", 0);

	fprintf(f, "<section class=\"task\" data-tid=\"%" PRId64 "\">\n<h2>", geti(t, "pid", 0));
	if (merged > 0) {
		esc(f, gets(t, "comm", "?"));
		fprintf(f, ": %" PRId64 " exited threads, merged ", merged);
	} else {
		fprintf(f, "TID %" PRId64 " ", geti(t, "pid", 0));
		esc(f, gets(t, "comm", "?"));
		fprintf(f, " (process %" PRId64 ") ", geti(t, "tgid", 0));
	}
	esc(f, gets(t, "policy", "?"));
	fprintf(f, " %" PRId64, geti(t, "rt_priority", 0));
	if (changes > 0) {
		fprintf(f, " <span class=\"exited\">(");
		esc(f, gets(t, "start_policy", "?"));
		fprintf(f, " %" PRId64 " at pick-up, %" PRId64 " change%s)</span>",
			geti(t, "start_rt_priority", 0), changes, changes > 1 ? "s" : "");
	}
	fprintf(f, "%s</h2>\n", exited && merged <= 0 ? " <span class=\"exited\">[exited]</span>" : "");
	stats_table(f, t);
	findings(f, t);
	for (m = 0; m < NMETRICS; m++) {
		json_object *x = get(ms, METRICS[m]);

		if (!x || geti(x, "count", 0) <= 0)
			continue;
		fprintf(f, "<h3>%s</h3>\n", METRICS[m]);
		histogram(f, t, METRICS[m], x);
		series(f, t, METRICS[m], x);
		if (get(x, "worst") && strcmp(gets(get(x, "worst"), "verdict", ""), "not captured"))
			window(f, t, METRICS[m], "worst", get(x, "worst"));
		if (get(x, "last_violation"))
			window(f, t, METRICS[m], "last_violation", get(x, "last_violation"));
	}
	fprintf(f, "</section>\n");
}

int rt_html_write(const char *path, json_object *r)
{
	json_object *tasks = get(r, "tasks");
	size_t n = tasks ? rt_json_alen(tasks) : 0, i, len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	int err = 0;

	if (!f)
		return -1;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width\"><title>rttrace report</title>"
		   "<script>%s</script><style>%s</style></head><body>\n"
		   "<button id=\"expand\" type=\"button\">expand all</button>\n", JS_ERRORS, CSS);
	header(f, r);
	if (!n)
		fprintf(f, "<p>No task was tracked.</p>\n");
	for (i = 0; i < n; i++)
		task(f, rt_json_aget(tasks, i));
	fprintf(f, "<script>%s</script>\n</body></html>\n", JS);
	if (fclose(f) || !buf)
		return -1;
	if (!strcmp(path, "-")) {
		err = fwrite(buf, 1, len, stdout) == len && !fflush(stdout) ? 0 : -1;
		free(buf);
		return err;
	}
	if (rt_write_atomic(path, buf, len)) {
		fprintf(stderr, "rttrace: cannot write %s: %s\n", path, strerror(errno));
		err = -1;
	}
	free(buf);
	return err;
}
