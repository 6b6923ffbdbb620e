// SPDX-License-Identifier: GPL-2.0
/* Exports: Prometheus text file (parsed back, promtool when installed) and
 * Perfetto JSON trace (parsed back with json-c; structure and nesting). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "report.h"
#include "report_trace.h"
#include "export_prom.h"
#include "export_perfetto.h"
#include "rttrace/hist.h"

#define S0 1000000000000ULL            /* session start (CLOCK_MONOTONIC ns) */
#define W0 (S0 + 1000000)              /* latency window: 250 us */
#define W1 (W0 + 250000)
#define R0 (S0 + 5000000)              /* response window: 2 ms */
#define R1 (R0 + 2000000)

/* comm with a quote, a backslash, a newline and an invalid UTF-8 byte */
static const char odd_comm[16] = { 'a', '"', 'b', '\\', 'c', '\n', (char)0xff, 0 };
static const char odd_comm_utf8[] = "a\"b\\c\n\xef\xbf\xbd";

struct fixture {
	char dir[64];
	char prom[128], perf[128];
	struct rt_slot tasks[3];
	uint32_t slot_idx[3];
	struct rt_capture cap;
	struct rt_report r;
	struct rt_event ev_lat[16], ev_resp[4];
};

static void add_sample(struct rt_slot *s, int m, uint64_t v)
{
	struct rt_metric_stats *ms = &s->m[m];

	if (!ms->count || v < ms->min_ns)
		ms->min_ns = v;
	if (v > ms->max_ns)
		ms->max_ns = v;
	ms->count++;
	ms->sum_ns += v;
	if (ms->slo_ns != RT_SLO_UNSET && v > ms->slo_ns)
		ms->violations++;
	s->hist[m][rt_hist_bucket(v)]++;
}

static struct rt_event ev(uint64_t ts, int type, int cpu, int arg, uint32_t pid, const char *comm,
			  int prio, uint32_t pid2, const char *comm2, int prio2, uint32_t state)
{
	struct rt_event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = type;
	e.cpu = cpu;
	e.arg = arg;
	e.pid = pid;
	e.pid2 = pid2;
	e.prio = prio;
	e.prio2 = prio2;
	e.policy = prio < 100 ? 1 : 0;
	e.policy2 = prio2 < 100 ? 1 : 0;
	e.state = state;
	if (comm)
		strncpy(e.comm, comm, sizeof(e.comm) - 1);
	if (comm2)
		strncpy(e.comm2, comm2, sizeof(e.comm2) - 1);
	return e;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct rt_slot *a = &fx->tasks[0], *b = &fx->tasks[1];
	struct rt_trace *t;
	int m, n = 0;

	strcpy(fx->dir, "/tmp/rttrace_exports_XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->prom, sizeof(fx->prom), "%s/rttrace.prom", fx->dir);
	snprintf(fx->perf, sizeof(fx->perf), "%s/trace.json", fx->dir);

	for (m = 0; m < RT_NR_METRICS; m++) {
		a->m[m].slo_ns = b->m[m].slo_ns = RT_SLO_UNSET;
		a->m[m].min_ns = b->m[m].min_ns = ~0ULL;
	}
	a->tid = a->tgid = 1234;
	a->flags = RT_SLOT_VALID;
	a->policy = 1;
	a->rt_priority = 50;
	a->prio = 49;
	strcpy(a->comm, "control_loop");
	a->m[RT_LATENCY].slo_ns = 100000;
	add_sample(a, RT_LATENCY, 800);
	add_sample(a, RT_LATENCY, 1500);
	add_sample(a, RT_LATENCY, 1500);
	add_sample(a, RT_LATENCY, 3000);
	add_sample(a, RT_LATENCY, 12000);
	add_sample(a, RT_LATENCY, 250000); /* the worst, and the one violation */
	a->m[RT_LATENCY].max_start_ns = W0;
	a->m[RT_LATENCY].max_end_ns = W1;
	add_sample(a, RT_RESPONSE, 1000000);
	add_sample(a, RT_RESPONSE, 2000000);
	a->m[RT_RESPONSE].max_start_ns = R0;
	a->m[RT_RESPONSE].max_end_ns = R1;

	b->tid = 1240;
	b->tgid = 1234;
	b->flags = RT_SLOT_VALID | RT_SLOT_EXITED;
	b->prio = 120;
	memcpy(b->comm, odd_comm, sizeof(odd_comm));
	add_sample(b, RT_LATENCY, 1000);             /* bucket [992, 1023]: counts at le=2us */
	add_sample(b, RT_LATENCY, 2000000000000ULL); /* beyond the histogram: +Inf only */
	add_sample(b, RT_IRQ, 7000);
	add_sample(b, RT_IRQ_DELAY, 9000);

	/* Capture: slot 0 has a latency window (also its last violation)
	 * and a response window. */
	fx->cap.nslots = 2;
	fx->cap.traces = calloc(2, sizeof(*fx->cap.traces));
	fx->ev_lat[n++] = ev(W0 - 5000, RT_EV_SWITCH, 1, 0, 0, "swapper/1", 120, 600, "kworker", 120, 0); /* before: dropped */
	fx->ev_lat[n++] = ev(W0, RT_EV_WAKEUP, 0, 1, 1234, "control_loop", 49, 99, "waker", 120, 0);
	fx->ev_lat[n++] = ev(W0 + 10000, RT_EV_IRQ_ENTRY, 1, 0, 24, NULL, 0, 0, NULL, 0, 0);
	fx->ev_lat[n++] = ev(W0 + 20000, RT_EV_IRQ_EXIT, 1, 0, 24, NULL, 0, 0, NULL, 0, 1);
	fx->ev_lat[n++] = ev(W0 + 30000, RT_EV_SOFTIRQ_EXIT, 1, 3, 0, NULL, 0, 0, NULL, 0, 0); /* began before */
	fx->ev_lat[n++] = ev(W0 + 50000, RT_EV_SWITCH, 1, 0, 600, "kworker", 120, 500, "hog", 39, 1);
	fx->ev_lat[n++] = ev(W0 + 60000, RT_EV_MIGRATE, 1, 0, 777, "mover", 120, 0, NULL, 0, 0);
	fx->ev_lat[n++] = ev(W0 + 100000, RT_EV_SWITCH, 0, 0, 0, "swapper/0", 120, 777, "mover", 120, 0);
	fx->ev_lat[n++] = ev(W0 + 200000, RT_EV_SOFTIRQ_ENTRY, 1, 1, 0, NULL, 0, 0, NULL, 0, 0); /* open at end */
	fx->ev_lat[n++] = ev(W0 + 210000, RT_EV_IRQ_ENTRY, 1, 0, 30, NULL, 0, 0, NULL, 0, 0);
	fx->ev_lat[n++] = ev(W0 + 220000, RT_EV_IRQ_EXIT, 1, 0, 30, NULL, 0, 0, NULL, 0, 1);
	fx->ev_lat[n++] = ev(W0 + 230000, RT_EV_SOFTIRQ_EXIT, 1, 1, 0, NULL, 0, 0, NULL, 0, 0);
	fx->ev_lat[n++] = ev(W1, RT_EV_SWITCH, 1, 1, 500, "hog", 39, 1234, "control_loop", 49, 0);
	fx->ev_lat[n++] = ev(W1 + 9000, RT_EV_SWITCH, 0, 1, 777, "mover", 120, 0, "swapper/0", 120, 0); /* after: dropped */
	t = &fx->cap.traces[0][RT_LATENCY][RT_WIN_WORST];
	t->valid = true;
	t->w.start_ns = W0;
	t->w.end_ns = W1;
	t->w.slot = 0;
	t->w.metric = RT_LATENCY;
	t->w.end_cpu = 1;
	t->w.ctx.target_cpu = 1;
	t->ev = fx->ev_lat;
	t->nev = n;
	fx->cap.traces[0][RT_LATENCY][RT_WIN_VIOLATION] = *t;
	fx->cap.traces[0][RT_LATENCY][RT_WIN_VIOLATION].w.kind = RT_WIN_VIOLATION;

	n = 0;
	fx->ev_resp[n++] = ev(R0, RT_EV_WAKEUP, 0, 0, 1234, "control_loop", 49, 99, "waker", 120, 0);
	fx->ev_resp[n++] = ev(R0 + 1000, RT_EV_SWITCH, 0, 1, 0, "swapper/0", 120, 1234, "control_loop", 49, 0);
	fx->ev_resp[n++] = ev(R1, RT_EV_SWITCH, 0, 0, 1234, "control_loop", 49, 0, "swapper/0", 120, 1);
	t = &fx->cap.traces[0][RT_RESPONSE][RT_WIN_WORST];
	t->valid = true;
	t->w.start_ns = R0;
	t->w.end_ns = R1;
	t->w.metric = RT_RESPONSE;
	t->ev = fx->ev_resp;
	t->nev = n;
	/* A worst window that does not match the statistics is not exported. */
	t = &fx->cap.traces[1][RT_LATENCY][RT_WIN_WORST];
	t->valid = true;
	t->w.start_ns = S0;
	t->w.end_ns = S0 + 5;

	fx->slot_idx[0] = 0;
	fx->slot_idx[1] = 1;
	fx->r.start_ns = S0;
	fx->r.end_ns = S0 + 10000000000ULL;
	fx->r.tasks = fx->tasks;
	fx->r.slot_idx = fx->slot_idx;
	fx->r.ntasks = 2;
	fx->r.capture = &fx->cap;
	/* built as run.c builds it: the windows analysed once */
	assert_int_equal(rt_report_add_windows(&fx->r), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	rt_report_free_windows(&fx->r);
	free(fx->cap.traces);
	free(fx);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* ---- Prometheus ------------------------------------------------------- */

#define MAXL 8
struct sample {
	char name[96];
	int nl;
	char key[MAXL][16];
	char val[MAXL][128]; /* unescaped */
	double v;
};

/* Parse one sample line of the text format; label values unescaped. */
static void parse_sample(const char *line, struct sample *s)
{
	const char *p = line;
	char *end;
	int n = 0;

	memset(s, 0, sizeof(*s));
	while (*p && *p != '{' && *p != ' ')
		s->name[n++] = *p++;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			int k = 0, o = 0;

			assert_true(s->nl < MAXL);
			while (*p != '=')
				s->key[s->nl][k++] = *p++;
			assert_int_equal(p[1], '"');
			p += 2;
			while (*p != '"') {
				assert_true(*p && *p != '\n');
				if (*p == '\\') {
					p++;
					assert_true(*p == '\\' || *p == '"' || *p == 'n');
					s->val[s->nl][o++] = *p == 'n' ? '\n' : *p;
				} else {
					s->val[s->nl][o++] = *p;
				}
				p++;
			}
			p++;
			s->nl++;
			if (*p == ',')
				p++;
			else
				assert_int_equal(*p, '}');
		}
		p++;
	}
	assert_int_equal(*p, ' ');
	s->v = strcmp(p + 1, "+Inf") ? strtod(p + 1, &end) : INFINITY;
	assert_true(end > p + 1 && *end == 0);
}

static const char *label(const struct sample *s, const char *k)
{
	int i;

	for (i = 0; i < s->nl; i++)
		if (!strcmp(s->key[i], k))
			return s->val[i];
	return NULL;
}

/* All samples of a file, with the family each belongs to. */
struct parsed {
	struct sample *s;
	int n;
	char fam[64][96];
	int nfam;
};

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static void parse_prom(const char *text, struct parsed *p)
{
	char *copy = strdup(text), *line, *save = NULL;
	char cur[96] = "", type[32] = "";

	p->s = calloc(4096, sizeof(*p->s));
	p->n = p->nfam = 0;
	assert_true(text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[96], word[32];
		int i;

		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			/* each family once */
			for (i = 0; i < p->nfam; i++)
				assert_string_not_equal(p->fam[i], name);
			assert_true(p->nfam < 64);
			strcpy(p->fam[p->nfam++], name);
			strcpy(cur, name);
			type[0] = 0;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s %31s", name, word), 2);
			assert_string_equal(name, cur);
			assert_string_equal(type, "");
			strcpy(type, word);
			continue;
		}
		assert_true(line[0] != '#');
		assert_true(p->n < 4096);
		parse_sample(line, &p->s[p->n]);
		/* a sample belongs to the family whose header came last */
		assert_string_not_equal(type, "");
		if (!strcmp(type, "histogram")) {
			char base[96];

			snprintf(base, sizeof(base), "%s", p->s[p->n].name);
			assert_true(has_suffix(base, "_bucket") || has_suffix(base, "_sum") ||
				    has_suffix(base, "_count"));
			*strrchr(base, '_') = 0;
			assert_string_equal(base, cur);
		} else {
			assert_string_equal(p->s[p->n].name, cur);
		}
		p->n++;
	}
	free(copy);
}

static bool family(const struct parsed *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfam; i++)
		if (!strcmp(p->fam[i], name))
			return true;
	return false;
}

/* Check one histogram; returns the number of samples (count). */
static double check_histogram(const struct parsed *p, const char *metric, const char *pid,
			      const struct rt_metric_stats *ms, double le_out[], double cum_out[], int *nb)
{
	char b[96], su[96], co[96];
	double last_le = -1, last = -1, count = -1, sum = -1;
	int i;

	snprintf(b, sizeof(b), "rttrace_%s_seconds_bucket", metric);
	snprintf(su, sizeof(su), "rttrace_%s_seconds_sum", metric);
	snprintf(co, sizeof(co), "rttrace_%s_seconds_count", metric);
	*nb = 0;
	for (i = 0; i < p->n; i++) {
		const struct sample *s = &p->s[i];
		const char *sp = label(s, "pid");

		if (!sp || strcmp(sp, pid))
			continue;
		if (!strcmp(s->name, b)) {
			const char *le = label(s, "le");
			double l = strcmp(le, "+Inf") ? strtod(le, NULL) : INFINITY;

			assert_true(l > last_le);  /* le ascending */
			assert_true(s->v >= last); /* cumulative */
			last_le = l;
			last = s->v;
			le_out[*nb] = l;
			cum_out[(*nb)++] = s->v;
		} else if (!strcmp(s->name, su)) {
			sum = s->v;
		} else if (!strcmp(s->name, co)) {
			count = s->v;
		}
	}
	assert_true(isinf(last_le));
	assert_true(last == count);             /* +Inf == _count */
	assert_true(count == (double)ms->count);
	assert_true(fabs(sum - ms->sum_ns / 1e9) < 1e-9 * (1 + sum));
	assert_int_equal(*nb, rt_prom_nle + 1);
	return count;
}

static double find(const struct parsed *p, const char *name, const char *pid, const char *metric,
		   const char *le)
{
	int i;

	for (i = 0; i < p->n; i++) {
		const struct sample *s = &p->s[i];

		if (strcmp(s->name, name) || (pid && strcmp(label(s, "pid"), pid)))
			continue;
		if (metric && strcmp(label(s, "metric"), metric))
			continue;
		if (le && strcmp(label(s, "le"), le))
			continue;
		return s->v;
	}
	return NAN;
}

static void test_prom_format(void **state)
{
	struct fixture *fx = *state;
	struct parsed p;
	double le[64], cum[64];
	char *text, tmp[160];
	int nb, i;

	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->prom);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed away */
	text = slurp(fx->prom);
	parse_prom(text, &p);

	check_histogram(&p, "latency", "1234", &fx->tasks[0].m[RT_LATENCY], le, cum, &nb);
	/* le=X counts the fine buckets whose upper bound is <= X */
	assert_true(le[0] == 1e-6 && cum[0] == 1);         /* 800 */
	assert_true(le[1] == 2e-6 && cum[1] == 3);         /* 1500 x2 */
	assert_true(le[2] == 5e-6 && cum[2] == 4);         /* 3000 */
	assert_true(le[4] == 2e-5 && cum[4] == 5);         /* 12000 */
	assert_true(le[7] == 2e-4 && cum[7] == 5);
	assert_true(le[8] == 5e-4 && cum[8] == 6);         /* 250000 */
	check_histogram(&p, "response", "1234", &fx->tasks[0].m[RT_RESPONSE], le, cum, &nb);
	check_histogram(&p, "relief", "1234", &fx->tasks[0].m[RT_RELIEF], le, cum, &nb);
	check_histogram(&p, "latency", "1240", &fx->tasks[1].m[RT_LATENCY], le, cum, &nb);
	/* 1000 ns lies in [992, 1023]: not provably <= 1 us, so counted at 2 us */
	assert_true(cum[0] == 0 && cum[1] == 1);
	/* 2000 s is past every finite boundary */
	assert_true(cum[nb - 2] == 1 && cum[nb - 1] == 2);
	check_histogram(&p, "irq", "1240", &fx->tasks[1].m[RT_IRQ], le, cum, &nb);
	/* the IRQ delay of an IRQ thread is a family of its own, named */
	check_histogram(&p, "irq_delay", "1240", &fx->tasks[1].m[RT_IRQ_DELAY], le, cum, &nb);
	assert_null(strstr(text, "(null)"));
	/* irq only for the task that has irq samples */
	assert_true(isnan(find(&p, "rttrace_irq_seconds_count", "1234", NULL, NULL)));

	assert_true(find(&p, "rttrace_latency_max_seconds", "1234", NULL, NULL) == 0.00025);
	assert_true(find(&p, "rttrace_response_max_seconds", "1234", NULL, NULL) == 0.002);
	assert_true(isnan(find(&p, "rttrace_relief_max_seconds", "1234", NULL, NULL))); /* no samples */
	assert_true(find(&p, "rttrace_slo_violations_total", "1234", "latency", NULL) == 1);
	assert_true(find(&p, "rttrace_slo_violations_total", "1234", "response", NULL) == 0);
	assert_true(find(&p, "rttrace_slo_seconds", "1234", "latency", NULL) == 0.0001);
	assert_true(isnan(find(&p, "rttrace_slo_seconds", "1234", "response", NULL)));
	assert_true(find(&p, "rttrace_task_exited", "1234", NULL, NULL) == 0);
	assert_true(find(&p, "rttrace_task_exited", "1240", NULL, NULL) == 1);
	assert_true(find(&p, "rttrace_session_duration_seconds", NULL, NULL, NULL) == 10);
	assert_true(family(&p, "rttrace_latency_seconds"));
	assert_true(family(&p, "rttrace_slo_violations_total"));
	assert_false(family(&p, "rttrace_relief_max_seconds"));

	/* Escaping: the odd comm round-trips, as valid UTF-8, on every line. */
	for (i = 0; i < p.n; i++) {
		const char *pid = label(&p.s[i], "pid");

		if (pid && !strcmp(pid, "1240")) {
			assert_string_equal(label(&p.s[i], "comm"), odd_comm_utf8);
			assert_string_equal(label(&p.s[i], "tgid"), "1234");
		}
	}
	assert_non_null(strstr(text, "comm=\"a\\\"b\\\\c\\n\xef\xbf\xbd\""));
	free(p.s);
	free(text);
}

static void test_prom_promtool(void **state)
{
	struct fixture *fx = *state;
	char cmd[256];
	int rc;

	if (system("command -v promtool >/dev/null 2>&1")) {
		print_message("promtool not found (Debian package 'prometheus'): skipping its check\n");
		skip();
	}
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", fx->prom);
	rc = system(cmd);
	if (rc) {
		char *text = slurp(fx->prom);

		fprintf(stderr, "promtool rejected:\n%s", text);
		free(text);
	}
	assert_int_equal(rc, 0);
	/* A report without tasks is valid too. */
	fx->r.ntasks = 0;
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	assert_int_equal(system(cmd), 0);
	fx->r.ntasks = 2;
}

/* A recycled TID (new slot, same pid/tgid/comm) must not duplicate series:
 * the newest task is exported. */
static void test_prom_tid_reuse(void **state)
{
	struct fixture *fx = *state;
	struct parsed p;
	double le[64], cum[64];
	char *text, cmd[256];
	int nb, i, n1234 = 0;

	fx->tasks[0].flags |= RT_SLOT_EXITED;
	fx->tasks[2] = fx->tasks[0];
	memset(fx->tasks[2].m, 0, sizeof(fx->tasks[2].m));
	memset(fx->tasks[2].hist, 0, sizeof(fx->tasks[2].hist));
	fx->tasks[2].flags = RT_SLOT_VALID;
	for (i = 0; i < RT_NR_METRICS; i++)
		fx->tasks[2].m[i].slo_ns = RT_SLO_UNSET;
	add_sample(&fx->tasks[2], RT_LATENCY, 4000);
	fx->slot_idx[2] = 2;
	fx->r.ntasks = 3;
	assert_int_equal(rt_report_add_windows(&fx->r), 0); /* a new report */
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	text = slurp(fx->prom);
	parse_prom(text, &p);
	check_histogram(&p, "latency", "1234", &fx->tasks[2].m[RT_LATENCY], le, cum, &nb);
	for (i = 0; i < p.n; i++)
		if (!strcmp(p.s[i].name, "rttrace_task_exited") && !strcmp(label(&p.s[i], "pid"), "1234")) {
			assert_true(p.s[i].v == 0); /* the new, running one */
			n1234++;
		}
	assert_int_equal(n1234, 1);
	assert_true(isnan(find(&p, "rttrace_slo_seconds", "1234", "latency", NULL)));
	free(p.s);
	free(text);
	if (!system("command -v promtool >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", fx->prom);
		assert_int_equal(system(cmd), 0);
	}
	/* The Perfetto export still has the old task's windows. */
	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	text = slurp(fx->perf);
	assert_non_null(strstr(text, "TID 1234 control_loop: worst response 2.00 ms"));
	free(text);
}

static void test_prom_errors(void **state)
{
	struct fixture *fx = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir/x.prom", fx->dir);
	errno = 0;
	assert_int_equal(rt_export_prom(path, &fx->r), -1);
	assert_int_equal(errno, ENOENT);
	/* The previous file stays whole when a rewrite fails. */
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
	assert_int_equal(chmod(fx->dir, 0500), 0);
	if (geteuid() != 0) /* root ignores the permission */
		assert_int_equal(rt_export_prom(fx->prom, &fx->r), -1);
	assert_int_equal(chmod(fx->dir, 0700), 0);
	assert_int_equal(access(fx->prom, R_OK), 0);
}

/* ---- Perfetto --------------------------------------------------------- */

struct slice { int pid; long tid; double ts, end; };

static double num(json_object *o, const char *k)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	assert_true(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int));
	return json_object_get_double(v);
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *arg(json_object *o, const char *k)
{
	json_object *a, *v;

	if (!json_object_object_get_ex(o, "args", &a) || !json_object_object_get_ex(a, k, &v))
		return NULL;
	return v;
}

static void test_perfetto(void **state)
{
	struct fixture *fx = *state;
	json_object *root, *evs, *v;
	double wstart[8] = { 0 }, wend[8] = { 0 }, prev_ts = -1e18;
	struct slice *sl;
	int n, i, j, nsl = 0, nwin = 0, hog = 0, irq = 0, softirq = 0, wake = 0, mig = 0, verdicts = 0;
	bool named1 = false, cpu1 = false;
	char *text, cmd[256];

	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	text = slurp(fx->perf);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "traceEvents", &evs));
	assert_true(json_object_is_type(evs, json_type_array));
	assert_string_equal(str(root, "displayTimeUnit"), "ns");
	n = json_object_array_length(evs);
	sl = calloc(n, sizeof(*sl));

	/* Pass 1: every event's fields; the windows' extents. */
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		const char *ph = str(e, "ph");
		int pid;

		assert_non_null(ph);
		assert_non_null(str(e, "name"));
		num(e, "ts");
		pid = (int)num(e, "pid");
		num(e, "tid");
		assert_true(pid >= 1 && pid < 8);
		assert_true(!strcmp(ph, "M") || !strcmp(ph, "X") || !strcmp(ph, "i"));
		if (!strcmp(ph, "M")) {
			assert_non_null(json_object_object_get_ex(e, "args", &v) ? v : NULL);
			if (!strcmp(str(e, "name"), "process_name") && pid == 1) {
				assert_string_equal(json_object_get_string(arg(e, "name")),
						    "TID 1234 control_loop: worst (and last violating) latency 250.00 us");
				named1 = true;
			}
			if (!strcmp(str(e, "name"), "thread_name") &&
			    !strcmp(json_object_get_string(arg(e, "name")), "CPU 1") && pid == 1)
				cpu1 = true;
			continue;
		}
		/* timed events sorted by ts */
		assert_true(num(e, "ts") >= prev_ts);
		prev_ts = num(e, "ts");
		if (!strcmp(str(e, "cat"), "window")) {
			nwin++;
			wstart[pid] = (json_object_get_int64(arg(e, "start_ns")) - (int64_t)S0) / 1e3;
			wend[pid] = (json_object_get_int64(arg(e, "end_ns")) - (int64_t)S0) / 1e3;
			assert_true(fabs(num(e, "ts") - wstart[pid]) < 1e-6);
			assert_true(fabs(num(e, "dur") - (wend[pid] - wstart[pid])) < 1e-6);
			assert_non_null(arg(e, "verdict"));
		}
	}
	assert_true(named1);
	assert_true(cpu1);
	/* latency worst (== last violation: once) and response worst; the
	 * mismatching window of task 1240 is left out */
	assert_int_equal(nwin, 2);

	/* Pass 2: X durations, ts within the window, contents. */
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		const char *ph = str(e, "ph"), *name = str(e, "name");
		int pid = (int)num(e, "pid");
		double ts = num(e, "ts"), dur = 0;

		if (!strcmp(ph, "M"))
			continue;
		if (!strcmp(ph, "X")) {
			dur = num(e, "dur");
			assert_true(dur >= 0);
			sl[nsl++] = (struct slice){ pid, (long)num(e, "tid"), ts, ts + dur };
		} else {
			assert_string_equal(str(e, "s"), "t");
		}
		assert_true(ts >= wstart[pid] - 1e-6);
		assert_true(ts + dur <= wend[pid] + 1e-6);
		if (!strcmp(name, "hog [500]")) {
			/* kworker -> hog at +50 us, hog preempted at the end */
			assert_true(fabs(ts - (wstart[pid] + 50)) < 1e-6 && fabs(dur - 200) < 1e-6);
			assert_string_equal(json_object_get_string(arg(e, "until")), "preempted");
			hog++;
		}
		if (!strcmp(name, "irq 24 (?)") || !strncmp(name, "irq 24 ", 7)) {
			assert_true(fabs(dur - 10) < 1e-6);
			irq++;
		}
		if (!strcmp(name, "softirq NET_RX")) { /* exit without entry: from the start */
			assert_true(fabs(ts - wstart[pid]) < 1e-6 && fabs(dur - 30) < 1e-6);
			softirq++;
		}
		if (!strcmp(name, "softirq TIMER")) { /* closed by its exit, around irq 30 */
			assert_true(fabs(dur - 30) < 1e-6);
			softirq++;
		}
		if (!strncmp(name, "wakeup control_loop [1234]", 26)) {
			assert_string_equal(json_object_get_string(arg(e, "waker")), "waker");
			wake++;
		}
		if (!strncmp(name, "migrate mover [777]", 19)) {
			/* on the destination CPU's track */
			assert_int_equal((long)num(e, "tid") % 1000, 1 + 2 * 0);
			mig++;
		}
		if (!strcmp(name, "verdict")) {
			assert_non_null(arg(e, "verdict"));
			verdicts++;
		}
	}
	assert_int_equal(hog, 1);
	assert_int_equal(irq, 1);
	assert_int_equal(softirq, 2);
	assert_int_equal(wake, 2);
	assert_int_equal(mig, 1);
	assert_int_equal(verdicts, 2);

	/* Slices on one track nest properly: never a partial overlap. */
	for (i = 0; i < nsl; i++)
		for (j = 0; j < nsl; j++) {
			const struct slice *a = &sl[i], *b = &sl[j];

			if (i == j || a->pid != b->pid || a->tid != b->tid)
				continue;
			assert_false(a->ts < b->ts && b->ts < a->end && a->end < b->end);
		}
	free(sl);
	json_object_put(root);
	free(text);

	/* The stdlib checker the live tests use agrees. */
	if (!access("tests/tools/check_perfetto.py", R_OK) &&
	    !system("command -v python3 >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "python3 tests/tools/check_perfetto.py '%s'", fx->perf);
		assert_int_equal(system(cmd), 0);
	} else {
		print_message("tests/tools/check_perfetto.py or python3 not found from %s: skipping it\n",
			      getcwd(cmd, sizeof(cmd)) ? cmd : "?");
	}
}

static void test_perfetto_no_capture(void **state)
{
	struct fixture *fx = *state;
	json_object *root, *evs;
	char *text;

	fx->r.capture = NULL; /* a report built without capture */
	assert_int_equal(rt_report_add_windows(&fx->r), 0);
	assert_null(rt_report_window(&fx->r, 0, RT_LATENCY, RT_WIN_WORST));
	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	fx->r.capture = &fx->cap;
	assert_int_equal(rt_report_add_windows(&fx->r), 0);
	text = slurp(fx->perf);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "traceEvents", &evs));
	assert_int_equal(json_object_array_length(evs), 0);
	json_object_put(root);
	free(text);
	errno = 0;
	assert_int_equal(rt_export_perfetto("/nonexistent-dir/x.json", &fx->r), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---- the report model ------------------------------------------------ */

/* The windows are analysed once, when the report is built; the renderers
 * (text, JSON, Perfetto) show that analysis and compute none of their own. */
static void test_renderers_read_the_model(void **state)
{
	struct fixture *fx = *state;
	static const struct rt_features feat = { .tp_btf = true };
	struct rt_report_window *w;
	char *text, path[160], *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_null(rt_report_window(&fx->r, 1, RT_LATENCY, RT_WIN_WORST)); /* mismatch: not kept */
	assert_null(rt_report_window(&fx->r, 0, RT_RELIEF, RT_WIN_WORST));  /* none captured */
	assert_null(rt_report_window(&fx->r, 2, RT_LATENCY, RT_WIN_WORST)); /* no such task */
	w = (struct rt_report_window *)rt_report_window(&fx->r, 0, RT_LATENCY, RT_WIN_WORST);
	assert_non_null(w);
	assert_ptr_equal(w->trace, &fx->cap.traces[0][RT_LATENCY][RT_WIN_WORST]);
	assert_int_equal(w->a.value_ns, W1 - W0);
	assert_non_null(strstr(w->a.verdict, "latency 250.00 us"));
	snprintf(w->a.verdict, sizeof(w->a.verdict), "verdict from the model");
	w->a.parts[0].ns = 123456;

	assert_int_equal(rt_export_perfetto(fx->perf, &fx->r), 0);
	text = slurp(fx->perf);
	assert_non_null(strstr(text, "\"verdict\":\"verdict from the model\""));
	assert_non_null(strstr(text, "\"ns\":123456"));
	free(text);

	snprintf(path, sizeof(path), "%s/report.json", fx->dir);
	fx->r.feat = &feat;
	assert_int_equal(rt_report_json(path, &fx->r), 0);
	text = slurp(path);
	assert_non_null(strstr(text, "\"verdict\":\"verdict from the model\""));
	free(text);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	rt_report_text_windows(f, &fx->r, 0, RT_LATENCY);
	fclose(f);
	assert_non_null(strstr(buf, "worst latency at +0.001 s: verdict from the model\n"));
	assert_non_null(strstr(buf, "123.46 us"));
	free(buf);

	/* a report built for Prometheus only (no RT_REPORT_WINDOWS) has none */
	rt_report_free_windows(&fx->r);
	assert_null(rt_report_window(&fx->r, 0, RT_LATENCY, RT_WIN_WORST));
	assert_int_equal(rt_export_prom(fx->prom, &fx->r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prom_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_promtool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_tid_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perfetto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perfetto_no_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renderers_read_the_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
