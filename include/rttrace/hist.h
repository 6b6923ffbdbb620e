/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear histogram bucket index, shared by the BPF side (which fills
 * the histogram) and user space (which turns buckets back into values).
 * log2 is computed with shifts and compares: Debian's clang 14 crashes on
 * __builtin_clzll for the BPF target.
 */
#ifndef __RTTRACE_HIST_H
#define __RTTRACE_HIST_H

#include "rttrace/compiler.h"
#include "rttrace/rttrace.h"

static __always_inline __u32 rt_log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 rt_hist_bucket(__u64 v)
{
	__u32 k;

	if (v < RT_HIST_SUB)
		return (__u32)v;
	k = rt_log2_u64(v);
	if (k > RT_HIST_MAX_LOG)
		return RT_HIST_BUCKETS - 1;
	return RT_HIST_SUB + (k - RT_HIST_SUB_BITS) * RT_HIST_SUB +
	       (__u32)((v >> (k - RT_HIST_SUB_BITS)) & (RT_HIST_SUB - 1));
}

#endif /* __RTTRACE_HIST_H */
