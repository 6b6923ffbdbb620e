// SPDX-License-Identifier: GPL-2.0
/* The report model's windows: chosen and analysed once, when a report is
 * built (see report.h); every renderer reads them from there. */
#include <stdlib.h>
#include "analysis.h"
#include "report.h"

static size_t win_index(int i, int m, int kind)
{
	return ((size_t)i * RT_NR_METRICS + (size_t)m) * RT_WIN_KINDS + (size_t)kind;
}

const struct rt_trace *rt_report_trace(const struct rt_report *r, int i, int m, int kind)
{
	const struct rt_exited_task *e = r->exited ? r->exited[i] : NULL;

	if (e)
		return e->traces[m][kind].valid ? &e->traces[m][kind] : NULL;
	return r->capture && r->slot_idx ? rt_capture_get(r->capture, r->slot_idx[i], m, kind) : NULL;
}

const struct rt_finding_seen *rt_report_seen(const struct rt_report *r, int i)
{
	const struct rt_exited_task *e = r->exited ? r->exited[i] : NULL;

	if (e)
		return e->seen;
	return r->capture && r->slot_idx ? rt_capture_seen(r->capture, r->slot_idx[i]) : NULL;
}

const struct rt_interval_point *rt_report_points(const struct rt_report *r, int i, uint32_t *n)
{
	const struct rt_exited_task *e = r->exited ? r->exited[i] : NULL;

	*n = 0;
	if (e) {
		*n = e->npoints;
		return e->points;
	}
	return r->slot_idx ? rt_interval_points(r->intervals, r->slot_idx[i], n) : NULL;
}

uint64_t rt_report_threads(const struct rt_report *r, int i)
{
	return r->exited && r->exited[i] ? r->exited[i]->threads : 0;
}

/* The window captured for task i's metric m (worst or last violation) that
 * the report keeps, or NULL. */
static const struct rt_trace *kept_trace(const struct rt_report *r, int i, int m, int kind)
{
	const struct rt_metric_stats *ms = &r->tasks[i].m[m];
	const struct rt_trace *t;

	if (!r->capture)
		return NULL;
	t = rt_report_trace(r, i, m, kind);
	if (!t)
		return NULL;
	/* The worst window must be the one the statistics hold. */
	if (kind == RT_WIN_WORST && (t->w.start_ns != ms->max_start_ns ||
				     t->w.end_ns != ms->max_end_ns))
		return NULL;
	/* A violation only counts against a bound, and only if one was
	 * counted (the renderers say "no violation" otherwise). */
	if (kind == RT_WIN_VIOLATION && (ms->slo_ns == RT_SLO_UNSET || !ms->violations))
		return NULL;
	return t;
}

int rt_report_add_windows(struct rt_report *r)
{
	int i, m, k, err = 0;

	rt_report_free_windows(r);
	if (!r->capture || r->ntasks <= 0)
		return 0;
	r->windows = calloc(win_index(r->ntasks, 0, 0), sizeof(*r->windows));
	if (!r->windows)
		return -1;
	r->nwin_tasks = r->ntasks;
	for (i = 0; i < r->ntasks; i++)
		for (m = 0; m < RT_NR_METRICS; m++)
			for (k = 0; k < RT_WIN_KINDS; k++) {
				const struct rt_trace *t = kept_trace(r, i, m, k);
				struct rt_report_window *w;

				if (!t)
					continue;
				w = malloc(sizeof(*w));
				if (!w) {
					err = -1;
					continue;
				}
				w->trace = t;
				/* a group's windows are its threads' */
				rt_analyze(t, t->tid ? t->tid : r->tasks[i].tid,
					   t->tid ? t->prio : r->tasks[i].prio, &w->a);
				r->windows[win_index(i, m, k)] = w;
			}
	if (rt_report_add_findings(r))
		err = -1;
	r->wheres_lost = r->capture->wheres_lost;
	return err;
}

const struct rt_report_window *rt_report_window(const struct rt_report *r, int i, int m,
						int kind)
{
	if (!r->windows || i < 0 || i >= r->nwin_tasks || m < 0 || m >= RT_NR_METRICS ||
	    kind < 0 || kind >= RT_WIN_KINDS)
		return NULL;
	return r->windows[win_index(i, m, kind)];
}

void rt_report_free_windows(struct rt_report *r)
{
	size_t j;

	for (j = 0; r->windows && j < win_index(r->nwin_tasks, 0, 0); j++)
		free(r->windows[j]);
	free(r->windows);
	r->windows = NULL;
	r->nwin_tasks = 0;
	free(r->findings);
	r->findings = NULL;
}

void rt_report_free(struct rt_report *r)
{
	rt_report_free_windows(r);
	free(r->tasks);
	free(r->slot_idx);
	free(r->exited);
	r->tasks = NULL;
	r->slot_idx = NULL;
	r->exited = NULL;
	r->ntasks = 0;
}
