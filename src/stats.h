/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_STATS_H
#define RTTRACE_STATS_H

#include <stdint.h>
#include <linux/types.h>
#include "rttrace/rttrace.h"

/* Value range [lo, hi] covered by histogram bucket b. */
void rt_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi);

/*
 * The q-quantile (0 < q <= 1) of a metric: the midpoint of the bucket that
 * holds the ceil(q * count)-th sample, clamped to [min, max] (so p100 is
 * the exact max).  Relative error <= 1/32.  Returns 0 when count == 0.
 */
uint64_t rt_percentile(const struct rt_metric_stats *ms, const __u32 *hist,
		       double q);

/* Mean, rounded to the nearest ns; 0 when count == 0. */
uint64_t rt_mean(const struct rt_metric_stats *ms);

#endif
