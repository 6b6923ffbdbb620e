/* SPDX-License-Identifier: GPL-2.0 */
/* The report every exporter test renders: two tasks (one an IRQ thread
 * with an odd comm), their statistics, and captured windows with a known
 * breakdown.  setup()/teardown() for cmocka; slurp() reads a file. */
#ifndef RTTRACE_TEST_REPORT_FIXTURE_H
#define RTTRACE_TEST_REPORT_FIXTURE_H

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



#endif
