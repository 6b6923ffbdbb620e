// SPDX-License-Identifier: GPL-2.0
/* Exited tasks: kept one by one up to a limit, then merged per thread
 * name (see exited.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exited.h"

void rt_exited_init(struct rt_exited *x, uint32_t keep)
{
	memset(x, 0, sizeof(*x));
	x->keep = keep;
}

static uint64_t min_nonzero(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

void rt_slot_merge(struct rt_slot *a, const struct rt_slot *b)
{
	unsigned int k;
	int m, i;

	for (m = 0; m < RT_NR_METRICS; m++) {
		struct rt_metric_stats *x = &a->m[m];
		const struct rt_metric_stats *y = &b->m[m];

		if (!y->count)
			continue;
		if (!x->count || y->max_ns > x->max_ns) {
			x->max_ns = y->max_ns;
			x->max_start_ns = y->max_start_ns;
			x->max_end_ns = y->max_end_ns;
			if (m == RT_IRQ_DELAY)
				memcpy(a->delay_parts, b->delay_parts, sizeof(a->delay_parts));
		}
		x->min_ns = y->min_ns < x->min_ns ? y->min_ns : x->min_ns;
		x->count += y->count;
		x->sum_ns += y->sum_ns;
		x->violations += y->violations;
		for (k = 0; k < RT_HIST_BUCKETS; k++) {
			uint64_t v = (uint64_t)a->hist[m][k] + b->hist[m][k];

			a->hist[m][k] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		}
	}
	for (k = 0; k < RT_DP_NR; k++)
		a->delay_part_sum[k] += b->delay_part_sum[k];
	for (i = 0; i < RT_FI_NR; i++) {
		a->find.count[i] += b->find.count[i];
		a->find.first_ns[i] = min_nonzero(a->find.first_ns[i], b->find.first_ns[i]);
	}
	a->added_ns = min_nonzero(a->added_ns, b->added_ns);
	if (b->exit_ns > a->exit_ns)
		a->exit_ns = b->exit_ns;
	a->policy_changes += b->policy_changes;
	if (b->policy_change_ns > a->policy_change_ns)
		a->policy_change_ns = b->policy_change_ns;
	/* the latest thread's policy: a pool's threads share one */
	a->policy = b->policy;
	a->rt_priority = b->rt_priority;
	a->prio = b->prio;
	a->flags |= b->flags & (RT_SLOT_EXITED | RT_SLOT_FORKED);
}

static void seen_free(struct rt_finding_seen *f)
{
	rt_where_free(&f->first);
	rt_where_free(&f->waker);
	memset(f, 0, sizeof(*f));
}

/* Merge task e (consumed) into group g: the statistics add, the worst
 * window stays with the larger maximum, the most recent violation window
 * stays, and each finding keeps its first occurrence. */
static void merge_into(struct rt_exited_task *g, struct rt_exited_task *e)
{
	int m, k;

	for (m = 0; m < RT_NR_METRICS; m++) {
		struct rt_trace *gw = &g->traces[m][RT_WIN_WORST], *ew = &e->traces[m][RT_WIN_WORST];
		struct rt_trace *gv = &g->traces[m][RT_WIN_VIOLATION],
				*ev = &e->traces[m][RT_WIN_VIOLATION];

		if (e->s.m[m].count && (!g->s.m[m].count || e->s.m[m].max_ns > g->s.m[m].max_ns)) {
			rt_trace_free(gw);
			*gw = *ew;
			memset(ew, 0, sizeof(*ew));
		}
		if (ev->valid && (!gv->valid || ev->w.end_ns >= gv->w.end_ns)) {
			rt_trace_free(gv);
			*gv = *ev;
			memset(ev, 0, sizeof(*ev));
		}
		rt_trace_free(ew);
		rt_trace_free(ev);
	}
	for (k = 0; k < RT_FK_NR; k++) {
		struct rt_finding_seen *a = &g->seen[k], *b = &e->seen[k];
		uint64_t count = a->count + b->count;

		if (b->have_first && (!a->have_first || b->first_ns < a->first_ns)) {
			seen_free(a);
			*a = *b;
			memset(b, 0, sizeof(*b));
		} else if (!a->have_first) {
			a->first_ns = min_nonzero(a->first_ns, b->first_ns);
		}
		a->count = count;
		seen_free(b);
	}
	rt_slot_merge(&g->s, &e->s);
	g->threads++;
	free(e->points);
	e->points = NULL;
}

/* The group of thread name comm (made on first use), or NULL when out of
 * memory. */
static struct rt_exited_task *group_of(struct rt_exited *x, const struct rt_slot *s)
{
	struct rt_exited_task *g;
	uint32_t i;

	if (!x->groups && !(x->groups = calloc(RT_EXITED_GROUPS, sizeof(*x->groups))))
		return NULL;
	for (i = 0; i < x->ngroups; i++)
		if (!strncmp(x->groups[i].s.comm, s->comm, sizeof(s->comm)))
			return &x->groups[i];
	if (x->ngroups == RT_EXITED_GROUPS)
		return &x->groups[RT_EXITED_GROUPS - 1];
	g = &x->groups[x->ngroups++];
	if (x->ngroups == RT_EXITED_GROUPS)
		snprintf(g->s.comm, sizeof(g->s.comm), "%s", RT_EXITED_OTHER);
	else
		memcpy(g->s.comm, s->comm, sizeof(g->s.comm));
	g->s.tgid = s->tgid;
	g->s.start_policy = s->start_policy;
	g->s.start_rt_priority = s->start_rt_priority;
	g->s.flags = RT_SLOT_VALID | RT_SLOT_EXITED | (s->flags & RT_SLOT_IRQ);
	for (int m = 0; m < RT_NR_METRICS; m++) {
		g->s.m[m].min_ns = ~0ULL;
		g->s.m[m].slo_ns = s->m[m].slo_ns;
	}
	return g;
}

int rt_exited_take(struct rt_exited *x, const struct rt_slot *s, struct rt_capture *c,
		   struct rt_interval *iv, uint32_t idx, uint64_t now_ns)
{
	struct rt_exited_task e, *g;
	int m, k;

	memset(&e, 0, sizeof(e));
	e.s = *s;
	e.s.flags |= RT_SLOT_EXITED;
	if (!e.s.exit_ns)
		e.s.exit_ns = now_ns;
	if (c)
		rt_capture_take(c, idx, e.traces, e.seen);
	if (iv)
		e.points = rt_interval_take(iv, idx, s, now_ns, &e.npoints);
	/* the windows belong to this task: the analysis needs its TID */
	for (m = 0; m < RT_NR_METRICS; m++)
		for (k = 0; k < RT_WIN_KINDS; k++) {
			e.traces[m][k].tid = s->tid;
			e.traces[m][k].prio = s->prio;
		}
	if (x->nkept < x->keep) {
		if (!x->kept && !(x->kept = calloc(x->keep, sizeof(*x->kept))))
			goto merge;
		x->kept[x->nkept++] = e;
		return 0;
	}
merge:
	g = group_of(x, s);
	if (!g) {
		struct rt_exited_task none;

		memset(&none, 0, sizeof(none));
		merge_into(&none, &e); /* frees what e holds */
		return -1;
	}
	if (g->s.tgid != s->tgid)
		g->s.tgid = 0; /* threads of several processes */
	merge_into(g, &e);
	x->merged++;
	return 0;
}

static void task_free(struct rt_exited_task *e)
{
	int m, k;

	for (m = 0; m < RT_NR_METRICS; m++)
		for (k = 0; k < RT_WIN_KINDS; k++)
			rt_trace_free(&e->traces[m][k]);
	for (k = 0; k < RT_FK_NR; k++)
		seen_free(&e->seen[k]);
	free(e->points);
	e->points = NULL;
}

static void name_task(struct rt_exited_task *e, struct rt_symbols *syms)
{
	int m, k, j;

	for (m = 0; m < RT_NR_METRICS; m++)
		for (k = 0; k < RT_WIN_KINDS; k++)
			for (j = 0; j < e->traces[m][k].nwhere; j++)
				rt_where_name_kernel(syms, &e->traces[m][k].where[j]);
	for (k = 0; k < RT_FK_NR; k++) {
		if (e->seen[k].have_first)
			rt_where_name_kernel(syms, &e->seen[k].first);
		if (e->seen[k].have_waker)
			rt_where_name_kernel(syms, &e->seen[k].waker);
	}
}

void rt_exited_name_kernel(struct rt_exited *x, struct rt_symbols *syms)
{
	uint32_t i;

	for (i = 0; i < x->nkept; i++)
		name_task(&x->kept[i], syms);
	for (i = 0; i < x->ngroups; i++)
		name_task(&x->groups[i], syms);
}

void rt_exited_free(struct rt_exited *x)
{
	uint32_t i;

	for (i = 0; i < x->nkept; i++)
		task_free(&x->kept[i]);
	for (i = 0; i < x->ngroups; i++)
		task_free(&x->groups[i]);
	free(x->kept);
	free(x->groups);
	memset(x, 0, sizeof(*x));
}
