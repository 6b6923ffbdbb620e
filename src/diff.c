// SPDX-License-Identifier: GPL-2.0
/*
 * rttrace diff BASE.json NEW.json: per task and metric, how count, p50,
 * p99, max and violations changed between two saved reports; with
 * --fail-on-regression PCT, exit 3 when a p99 or a max grew by more than
 * PCT percent (a CI gate).  Tasks are matched by thread name (TIDs differ
 * between runs): the k-th task named X in BASE with the k-th named X in
 * NEW, in report order; --match tid matches TIDs instead.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cli.h"
#include "diff.h"
#include "duration.h"
#include "report_file.h"

struct diff_opts {
	const char *base, *new;
	const char *json_path;  /* --json FILE ("-": stdout) */
	bool match_tid;         /* --match tid */
	bool gate;              /* --fail-on-regression given */
	double pct;
};

enum { OPT_JSON = 'j', OPT_MATCH = 1000, OPT_FAIL };

static const struct argp_option diff_options[] = {
	{ "json", OPT_JSON, "FILE", 0, "Also write the comparison as JSON to FILE (- for stdout)", 0 },
	{ "match", OPT_MATCH, "name|tid", 0,
	  "Match tasks by thread name and order (default) or by TID", 0 },
	{ "fail-on-regression", OPT_FAIL, "PCT", 0,
	  "Exit 3 when any p99 or max grew by more than PCT percent", 0 },
	{ 0 }
};

static void bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "rttrace diff: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try rttrace diff --help)\n");
	exit(RT_EXIT_USAGE);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct diff_opts *o = state->input;
	char *end;

	switch (key) {
	case OPT_JSON:
		o->json_path = arg;
		break;
	case OPT_MATCH:
		if (strcmp(arg, "name") && strcmp(arg, "tid"))
			bad("--match takes name or tid, not '%s'", arg);
		o->match_tid = !strcmp(arg, "tid");
		break;
	case OPT_FAIL:
		errno = 0;
		o->pct = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(o->pct) || o->pct < 0)
			bad("--fail-on-regression takes a percentage >= 0, not '%s'", arg);
		o->gate = true;
		break;
	case ARGP_KEY_ARG:
		if (!o->base)
			o->base = arg;
		else if (!o->new)
			o->new = arg;
		else
			bad("one base and one new report, not also '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!o->new)
			bad("%s", "give two reports: BASE.json NEW.json");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp diff_argp = {
	diff_options, parse_opt, "BASE.json NEW.json",
	"Compare two JSON reports of rttrace: per task and metric, count, p50, p99, max and "
	"violations with their change.\v"
	"Exit status: 0, 2 for bad input, 3 with --fail-on-regression when a p99 or a max grew "
	"by more than PCT percent.\n\n"
	"Example:\n  rttrace diff --fail-on-regression 10 base.json new.json",
	NULL, NULL, NULL,
};

/* ---- comparing ---------------------------------------------------------------- */

static const char *const metrics[] = { "latency", "response", "relief", "irq", "irq_delay" };
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))
static const char *const stats[] = { "count", "p50_ns", "p99_ns", "max_ns", "violations" };
#define NSTATS (sizeof(stats) / sizeof(stats[0]))

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *comm_of(json_object *t)
{
	json_object *c = get(t, "comm");

	return c && json_object_is_type(c, json_type_string) ? json_object_get_string(c) : "?";
}

/* How many tasks before i in tasks have t's name (its rank among them). */
static int rank_of(json_object *tasks, size_t i)
{
	const char *name = comm_of(rt_json_aget(tasks, i));
	int k = 0;

	for (size_t j = 0; j < i; j++)
		if (!strcmp(comm_of(rt_json_aget(tasks, j)), name))
			k++;
	return k;
}

static json_object *match(json_object *tasks, json_object *bt, int rank, bool by_tid)
{
	size_t n = rt_json_alen(tasks), i;

	for (i = 0; i < n; i++) {
		json_object *t = rt_json_aget(tasks, i);

		if (by_tid ? json_object_get_int64(get(t, "pid")) == json_object_get_int64(get(bt, "pid")) :
			     !strcmp(comm_of(t), comm_of(bt)) && rank_of(tasks, i) == rank)
			return t;
	}
	return NULL;
}

static bool have(json_object *v)
{
	return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
}

/* "37.89 us", "500", "-" */
static const char *fmt_stat(json_object *v, bool ns, char *buf, int len)
{
	if (!have(v))
		snprintf(buf, len, "-");
	else if (ns)
		rt_fmt_duration((uint64_t)json_object_get_int64(v), buf, len);
	else
		snprintf(buf, len, "%" PRId64, json_object_get_int64(v));
	return buf;
}

/* Change in percent of base; NAN when not defined (a missing or zero base). */
static double change_pct(json_object *b, json_object *n)
{
	double x, y;

	if (!have(b) || !have(n))
		return NAN;
	x = (double)json_object_get_int64(b);
	y = (double)json_object_get_int64(n);
	return x > 0 ? 100.0 * (y - x) / x : y > 0 ? INFINITY : 0.0;
}

struct verdict {
	int regressions;
	json_object *list; /* JSON: regressions[] */
};

static void regression(struct verdict *v, const struct diff_opts *o, json_object *bt,
		       const char *metric, const char *stat, json_object *b, json_object *n,
		       double pct)
{
	char x[32], y[32];
	json_object *r = json_object_new_object();

	v->regressions++;
	fprintf(stderr, "rttrace diff: regression: %s %s %.*s: %s -> %s (%+.1f %%, more than %g %%)\n",
		comm_of(bt), metric, (int)(strlen(stat) - 3), stat, fmt_stat(b, true, x, sizeof(x)),
		fmt_stat(n, true, y, sizeof(y)), pct, o->pct);
	json_object_object_add(r, "comm", json_object_new_string(comm_of(bt)));
	json_object_object_add(r, "metric", json_object_new_string(metric));
	json_object_object_add(r, "stat", json_object_new_string(stat));
	json_object_object_add(r, "base", json_object_get(b));
	json_object_object_add(r, "new", json_object_get(n));
	json_object_object_add(r, "change_pct", json_object_new_double(pct));
	json_object_array_add(v->list, r);
}

/* One task pair: a text table and its JSON; regressions counted in v. */
static json_object *diff_task(FILE *f, const struct diff_opts *o, json_object *bt,
			      json_object *nt, struct verdict *v)
{
	json_object *out = json_object_new_object(), *ms = json_object_new_object();
	json_object *bm = get(bt, "metrics"), *nm = get(nt, "metrics");
	size_t m, s;

	json_object_object_add(out, "comm", json_object_new_string(comm_of(bt)));
	json_object_object_add(out, "base_pid", json_object_get(get(bt, "pid")));
	json_object_object_add(out, "new_pid", json_object_get(get(nt, "pid")));
	fprintf(f, "\n%s (TID %" PRId64 " -> %" PRId64 ")\n", comm_of(bt),
		json_object_get_int64(get(bt, "pid")), json_object_get_int64(get(nt, "pid")));
	fprintf(f, "  %-10s %-18s %-28s %-28s %-28s %s\n", "metric", "count", "p50", "p99", "max",
		"violations");
	for (m = 0; m < NMETRICS; m++) {
		json_object *b = get(bm, metrics[m]), *n = get(nm, metrics[m]), *jo;

		if (!b || !n)
			continue;
		jo = json_object_new_object();
		fprintf(f, "  %-10s", metrics[m]);
		for (s = 0; s < NSTATS; s++) {
			json_object *bv = get(b, stats[s]), *nv = get(n, stats[s]), *js;
			bool ns = strstr(stats[s], "_ns") != NULL;
			double pct = change_pct(bv, nv);
			char x[32], y[32], cell[80], c[24] = "";

			if (!isnan(pct) && ns)
				snprintf(c, sizeof(c), isinf(pct) ? " (new)" : " %+.1f%%", pct);
			snprintf(cell, sizeof(cell), "%s -> %s%s", fmt_stat(bv, ns, x, sizeof(x)),
				 fmt_stat(nv, ns, y, sizeof(y)), c);
			fprintf(f, " %-*s", s == 0 ? 18 : s == NSTATS - 1 ? 0 : 28, cell);
			js = json_object_new_object();
			json_object_object_add(js, "base", json_object_get(bv));
			json_object_object_add(js, "new", json_object_get(nv));
			json_object_object_add(js, "change_pct", isnan(pct) || isinf(pct) ? NULL :
					       json_object_new_double(pct));
			json_object_object_add(jo, stats[s], js);
			if (o->gate && (!strcmp(stats[s], "p99_ns") || !strcmp(stats[s], "max_ns")) &&
			    !isnan(pct) && pct > o->pct)
				regression(v, o, bt, metrics[m], stats[s], bv, nv, pct);
		}
		fprintf(f, "\n");
		json_object_object_add(ms, metrics[m], jo);
	}
	json_object_object_add(out, "metrics", ms);
	return out;
}

static json_object *load(const char *path)
{
	const char *why;
	json_object *r = rt_report_file_load(path, &why);

	if (!r) {
		fprintf(stderr, "rttrace diff: %s: %s\n", path, why);
		exit(RT_EXIT_USAGE);
	}
	return r;
}

static void only_in(FILE *f, const char *which, json_object *tasks, json_object *other,
		    bool by_tid, json_object *list)
{
	size_t n = rt_json_alen(tasks), i;

	for (i = 0; i < n; i++) {
		json_object *t = rt_json_aget(tasks, i);

		if (match(other, t, rank_of(tasks, i), by_tid))
			continue;
		fprintf(f, "\nonly in %s: %s (TID %" PRId64 ")\n", which, comm_of(t),
			json_object_get_int64(get(t, "pid")));
		json_object_array_add(list, json_object_new_string(comm_of(t)));
	}
}

int rt_cmd_diff(int argc, char **argv)
{
	struct diff_opts o = { 0 };
	struct verdict v = { 0 };
	json_object *base, *new, *bt, *nt, *out, *pairs, *ob, *on;
	FILE *f = stdout;
	size_t i, n;
	int rc;

	argp_parse(&diff_argp, argc, argv, 0, NULL, &o);
	base = load(o.base);
	new = load(o.new);
	bt = get(base, "tasks");
	nt = get(new, "tasks");
	out = json_object_new_object();
	pairs = json_object_new_array();
	ob = json_object_new_array();
	on = json_object_new_array();
	v.list = json_object_new_array();
	if (o.json_path && !strcmp(o.json_path, "-"))
		f = stderr; /* stdout is the JSON's */
	fprintf(f, "rttrace diff: %s -> %s (tasks matched by %s)\n", o.base, o.new,
		o.match_tid ? "TID" : "thread name");
	n = rt_json_alen(bt);
	for (i = 0; i < n; i++) {
		json_object *t = rt_json_aget(bt, i);
		json_object *m = match(nt, t, rank_of(bt, i), o.match_tid);

		if (m)
			json_object_array_add(pairs, diff_task(f, &o, t, m, &v));
	}
	only_in(f, "base", bt, nt, o.match_tid, ob);
	only_in(f, "new", nt, bt, o.match_tid, on);
	if (!rt_json_alen(pairs))
		fprintf(f, "\nno task in both reports%s\n", o.match_tid ? "" : " (try --match tid)");
	json_object_object_add(out, "base", json_object_new_string(o.base));
	json_object_object_add(out, "new", json_object_new_string(o.new));
	json_object_object_add(out, "match", json_object_new_string(o.match_tid ? "tid" : "name"));
	json_object_object_add(out, "tasks", pairs);
	json_object_object_add(out, "only_in_base", ob);
	json_object_object_add(out, "only_in_new", on);
	json_object_object_add(out, "fail_on_regression_pct", o.gate ? json_object_new_double(o.pct) : NULL);
	json_object_object_add(out, "regressions", v.list);
	rc = v.regressions ? RT_EXIT_VIOLATION : RT_EXIT_OK;
	if (o.json_path && rt_report_file_write(o.json_path, out))
		rc = RT_EXIT_RUNTIME;
	json_object_put(out);
	json_object_put(base);
	json_object_put(new);
	return rc;
}
