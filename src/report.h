/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_REPORT_H
#define RTTRACE_REPORT_H

#include <stdio.h>
#include <stdint.h>
#include "cli.h"
#include "rttrace/rttrace.h"
#include "tracer.h"
#include "capture.h"

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
	int ntasks;
	const struct rt_capture *capture; /* worst-case traces, NULL if off */
	int irq_mode;              /* enum rt_irq_mode */
	bool capture_holders;      /* capture gated by holder marks (else interest word) */
	bool switch_gate;          /* sched_switch entered through tp_switch_gate */
	bool defer_fork;           /* threads born under -t get state from user space */
	/* rttrace's own footprint over the session (it must not disturb
	 * what it measures); valid when own_measured */
	bool own_measured;
	uint64_t own_wakeups;      /* times its process was switched in */
	uint64_t own_cpu_ns;       /* its CPU time, user + system */
	uint64_t drain_min_ns;     /* shortest capture drain period used */
	uint64_t windows_lost;     /* worst/violation windows not captured */
	/* where rttrace itself ran ("" when not measured: a persistent
	 * session has no rttrace process) and why there */
	char housekeeping_cpus[64];
	const char *housekeeping_reason;
};

/* The metrics reported for a task: the IRQ ones only for IRQ threads. */
static inline int rt_report_nmetrics(const struct rt_slot *s)
{
	return (s->flags & RT_SLOT_IRQ) ? RT_NR_METRICS : RT_IRQ;
}

/* The trace kept for task i's metric m (worst or last violation), or NULL
 * when none was captured or it does not match the statistics. */
const struct rt_trace *rt_report_trace(const struct rt_report *r, int i, int m, int kind);

/* System facts for the report header. */
struct rt_sysinfo {
	char kernel[128];
	char machine[65];
	char preempt_model[32];
	int cpus;
};
void rt_sysinfo_read(struct rt_sysinfo *si);

void rt_report_text(FILE *f, const struct rt_report *r);
void rt_report_seed(FILE *f, const struct rt_report *r);
/* Returns 0, or -1 after printing why. */
int rt_report_json(const char *path, const struct rt_report *r);

/* Copy comm into out as valid UTF-8 (invalid bytes become U+FFFD). */
void rt_comm_utf8(const char *comm, size_t len, char *out, size_t outlen);

#endif
