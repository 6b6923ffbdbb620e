/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_INTERVAL_H
#define RTTRACE_INTERVAL_H

#include <stdint.h>
#include <stdio.h>
#include "rttrace/rttrace.h"

/* One interval of one task, kept for the report's time series. */
struct rt_interval_point {
	uint64_t end_ns;
	uint64_t count[RT_IRQ];
	uint64_t p99_ns[RT_IRQ]; /* 0 without samples */
	uint64_t max_ns[RT_IRQ];
};

/* At most this many points per task: when full, pairs merge into one
 * (counts add, the larger p99 and max stay), so a long session keeps its
 * shape in bounded memory: 4096 x 56 bytes per task. */
#define RT_INTERVAL_POINTS 4096

/* Continuous mode (-i): what each task looked like at the last summary. */
struct rt_interval_prev {
	struct rt_metric_stats m[RT_NR_METRICS];
	__u32 hist[RT_NR_METRICS][RT_HIST_BUCKETS];
	int seen;
	struct rt_interval_point *points; /* the time series, oldest first */
	uint32_t npoints, cap;
};

struct rt_interval {
	struct rt_interval_prev *prev; /* per slot */
	uint32_t nslots;
	uint64_t last_ns;
	unsigned int n; /* summaries printed */
};

int rt_interval_init(struct rt_interval *iv, uint32_t nslots, uint64_t start_ns);
/* Print one summary of slots[0..n) for (last tick, now]: text to `text`
 * (may be NULL) and one JSON object per line to `jsonl` (may be NULL).
 * Resets each slot's interval maximum. */
void rt_interval_tick(struct rt_interval *iv, struct rt_slot *slots, uint32_t n,
		      uint64_t session_start_ns, uint64_t now_ns, FILE *text, FILE *jsonl);
void rt_interval_free(struct rt_interval *iv);
/* Take slot i's time series out (malloc'd; *n points), with a last point
 * for (last tick, now], and leave the slot's state empty for a new task
 * (s: the task's statistics, as at its end). */
struct rt_interval_point *rt_interval_take(struct rt_interval *iv, uint32_t i,
					   const struct rt_slot *s, uint64_t now_ns,
					   uint32_t *n);
/* Slot i's time series (NULL, 0 when none). */
const struct rt_interval_point *rt_interval_points(const struct rt_interval *iv, uint32_t i,
						   uint32_t *n);

#endif
