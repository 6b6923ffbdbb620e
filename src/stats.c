// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include "stats.h"

#include "rttrace/hist.h"

void rt_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi)
{
	uint32_t k, sub;

	if (b < RT_HIST_SUB) {
		*lo = *hi = b;
		return;
	}
	k = (b - RT_HIST_SUB) / RT_HIST_SUB + RT_HIST_SUB_BITS;
	sub = (b - RT_HIST_SUB) % RT_HIST_SUB;
	*lo = (1ULL << k) + ((uint64_t)sub << (k - RT_HIST_SUB_BITS));
	*hi = *lo + (1ULL << (k - RT_HIST_SUB_BITS)) - 1;
	if (b == RT_HIST_BUCKETS - 1)
		*hi = UINT64_MAX;
}

uint64_t rt_percentile(const struct rt_metric_stats *ms, const __u32 *hist,
		       double q)
{
	uint64_t rank, seen = 0, lo, hi, v;
	uint32_t b;

	if (!ms->count)
		return 0;
	rank = (uint64_t)ceil(q * (double)ms->count);
	if (rank < 1)
		rank = 1;
	if (rank >= ms->count)
		return ms->max_ns;
	for (b = 0; b < RT_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank)
			break;
	}
	if (b == RT_HIST_BUCKETS)
		return ms->max_ns;
	rt_bucket_range(b, &lo, &hi);
	v = lo + (hi - lo) / 2;
	if (v < ms->min_ns)
		v = ms->min_ns;
	if (v > ms->max_ns)
		v = ms->max_ns;
	return v;
}

uint64_t rt_mean(const struct rt_metric_stats *ms)
{
	if (!ms->count)
		return 0;
	return (ms->sum_ns + ms->count / 2) / ms->count;
}
