/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_INTERVAL_H
#define RTTRACE_INTERVAL_H

#include <stdint.h>
#include <stdio.h>
#include "rttrace/rttrace.h"

/* Continuous mode (-i): what each task looked like at the last summary. */
struct rt_interval_prev {
	struct rt_metric_stats m[RT_NR_METRICS];
	__u32 hist[RT_NR_METRICS][RT_HIST_BUCKETS];
	int seen;
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

#endif
