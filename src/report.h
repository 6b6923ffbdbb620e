/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_H
#define RTTRACE_REPORT_H

/*
 * The report model.  Data flows one way:
 *
 *   collect      the statistics (slots), the captured windows (capture.c)
 *   build        a struct rt_report: a consistent copy of the statistics,
 *                then rt_report_add_windows(), once: every captured window
 *                the report keeps, with its breakdown and verdict
 *                (analysis.c)
 *   render       text and seed (report_text.c, report_trace.c), JSON
 *                (report_json.c), Prometheus (export_prom.c), Perfetto
 *                (export_perfetto.c): they read the report and analyse
 *                nothing
 *
 * `rttrace run` builds one in build_report() (run.c), the persistent
 * session in session_report() (session.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "analysis.h"
#include "capture.h"
#include "interval.h"
#include "exited.h"
#include "cli.h"
#include "rttrace/rttrace.h"
#include "tracer.h"

/* A CPU list as the kernel writes it, long enough for the worst one
 * (every other CPU of CPU_SETSIZE 1024: "0,2,...,1022"); a shorter buffer
 * would cut the list and say something false. */
#define RT_CPULIST_LEN 3072

/* A captured window the report keeps, analysed. */
struct rt_report_window {
	const struct rt_trace *trace; /* its events (held by the capture) */
	struct rt_analysis a;         /* breakdown, inversion, verdict */
};

/* A finding of a task over the session (findings.c). */
struct rt_report_finding {
	int kind;                           /* enum rt_finding_kind */
	uint64_t count;
	uint64_t first_ns;                  /* CLOCK_MONOTONIC */
	char text[480];                     /* what it did, and what to do about it */
	const struct rt_where_info *where;  /* the first one's, NULL: none */
	const struct rt_where_info *waker;  /* who woke the first one, NULL: none */
};

struct rt_report_findings {
	struct rt_report_finding f[RT_FK_NR];
	int n;
};

/* Everything a report needs, copied out of the kernel after the session. */
struct rt_report {
	const struct rt_opts *opts;
	const struct rt_features *feat;
	uint64_t start_ns, end_ns;
	uint64_t lost_events;      /* samples or tasks the kernel side dropped */
	uint64_t skipped_runs;     /* probe runs the kernel skipped (recursion) */
	struct rt_counters counters;
	struct rt_slot *tasks;     /* valid slots, in pick-up order */
	uint32_t *slot_idx;        /* slot index of each task (for its traces) */
	/* Per task, NULL or the exited task it is (taken out of its slot,
	 * with its own windows, findings and series); NULL: none is. */
	const struct rt_exited_task **exited;
	uint64_t exited_merged;    /* exited threads merged per name (--keep-exited) */
	int ntasks;
	const struct rt_capture *capture; /* worst-case traces, NULL if off */
	/* The windows of the capture the report keeps, analysed by
	 * rt_report_add_windows() for the first nwin_tasks tasks; read them
	 * with rt_report_window().  NULL: none (no capture, or not asked). */
	struct rt_report_window **windows; /* [task][metric][kind], NULL: none */
	int nwin_tasks;
	/* Continuous mode (-i): each task's interval series (by slot
	 * index, rt_interval_points); NULL without -i. */
	const struct rt_interval *intervals;
	/* Per task (ntasks), built with the windows; NULL without capture. */
	struct rt_report_findings *findings;
	uint64_t wheres_lost;      /* where records overwritten before a drain */
	int irq_mode;              /* enum rt_irq_mode */
	bool capture_holders;      /* capture gated by holder marks (else interest word) */
	bool switch_gate;          /* sched_switch entered through tp_switch_gate */
	bool defer_fork;           /* threads born under -t get state from user space */
	/* rttrace's own footprint over the session (it must not disturb
	 * what it measures); valid when own_measured */
	bool own_measured;
	uint64_t own_wakeups;      /* times its process woke (voluntary switches) */
	uint64_t own_cpu_ns;       /* its CPU time, user + system */
	uint64_t drain_min_ns;     /* shortest capture drain period used */
	uint64_t windows_lost;     /* worst/violation windows not captured */
	/* where rttrace itself ran ("" when not measured: a persistent
	 * session has no rttrace process) and why there */
	char housekeeping_cpus[RT_CPULIST_LEN];
	const char *housekeeping_reason;
	/* CPUs gone offline or come online during the session (hotplug.h);
	 * NULL: not watched (a persistent session) */
	const struct rt_hotplug *hotplug;
};

/* What a report is built for (flags of the builders). */
#define RT_REPORT_WINDOWS 0x1 /* analyse the captured windows: text, JSON and
			       * Perfetto show them; Prometheus and the seed
			       * format do not */

/* The metrics reported for a task: the IRQ ones only for IRQ threads. */
static inline int rt_report_nmetrics(const struct rt_slot *s)
{
	return (s->flags & RT_SLOT_IRQ) ? RT_NR_METRICS : RT_IRQ;
}

/*
 * Analyse the windows the report keeps, once, after the statistics are in
 * r (tasks, slot_idx, capture): for every task, metric and kind, the
 * captured window, if the worst one is the one the statistics hold, and a
 * last violation only where an SLO is set.  Replaces any earlier analysis.
 * 0, or -1 when out of memory (the windows not analysed are left out, as
 * if not captured).
 */
int rt_report_add_windows(struct rt_report *r);

/* The findings of the tasks (r->findings), from the capture and the
 * statistics; rt_report_add_windows() calls it.  0, or -1 when out of
 * memory. */
int rt_report_add_findings(struct rt_report *r);

/* Task i's metric m window of the kind (RT_WIN_WORST, RT_WIN_VIOLATION),
 * analysed; NULL when the report has none. */
const struct rt_report_window *rt_report_window(const struct rt_report *r, int i, int m,
						int kind);

/* Task i's captured window (metric m, kind), its findings as the drains
 * saw them, its -i series, and how many exited threads it stands for
 * (0: it is one task): from the capture and the intervals by slot, or
 * from the exited task it is. */
const struct rt_trace *rt_report_trace(const struct rt_report *r, int i, int m, int kind);
const struct rt_finding_seen *rt_report_seen(const struct rt_report *r, int i);
const struct rt_interval_point *rt_report_points(const struct rt_report *r, int i, uint32_t *n);
uint64_t rt_report_threads(const struct rt_report *r, int i);
/* Free the analysed windows (rt_report_add_windows). */
void rt_report_free_windows(struct rt_report *r);
/* Free what a builder allocated: tasks, slot_idx, exited and the windows. */
void rt_report_free(struct rt_report *r);

void rt_report_text(FILE *f, const struct rt_report *r);
void rt_report_seed(FILE *f, const struct rt_report *r);
/* Returns 0, or -1 after printing why (written atomically; "-": stdout). */
int rt_report_json(const char *path, const struct rt_report *r);
/* The JSON report as a json-c tree (the caller puts it): what --json
 * writes, and what the HTML page is made from. */
struct json_object;
struct json_object *rt_report_json_tree(const struct rt_report *r);

#endif
