/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One sample into a task's statistics: count, sum, min/max (with the
 * worst window's bounds), the interval max, the SLO check and the
 * histogram; a new maximum or a violation is committed for capture.
 *
 * Statistics live in `slots`, an mmapable array read by user space without
 * stopping the programs; a slot's updates are serialised by the scheduler
 * (see task_state.bpf.h) or, for the IRQ metrics, by the IRQ thread
 * itself, so they are plain stores.
 */
#ifndef __RTTRACE_SAMPLES_BPF_H
#define __RTTRACE_SAMPLES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include "rttrace/rttrace.h"
#include "rttrace/hist.h"
#include "maps.bpf.h"
#include "capture.bpf.h"

/* Record the window [start, end] of metric m.  st: the task's state, for
 * the window's context (NULL for the IRQ metrics, which commit nothing);
 * cpu and end_seq: where the closing event is in that CPU's ring. */
static __always_inline void record(struct rt_slot *s, struct rt_task_state *st,
				   int m, __u64 start, __u64 end, __u16 cpu,
				   __u64 end_seq)
{
	struct rt_metric_stats *ms = &s->m[m];
	__u64 v = end - start, bb;

	/* Exact boundaries: the whole window lies inside the session and
	 * inside the task's own add/del interval. */
	if ((__s64)v < 0 || start < session_start_ns || end > session_end_ns ||
	    start < s->added_ns || (s->removed_ns && end > s->removed_ns))
		return;
	ms->count++;
	ms->sum_ns += v;
	if (v < ms->min_ns)
		ms->min_ns = v;
	if (v > ms->imax_ns)
		ms->imax_ns = v;
	if (v > ms->max_ns) {
		ms->max_ns = v;
		ms->max_start_ns = start;
		ms->max_end_ns = end;
		if (capture && st)
			commit(st, m, RT_WIN_WORST, start, end, cpu, end_seq);
	}
	if (v > ms->slo_ns) {
		ms->violations++;
		if (capture && st)
			commit(st, m, RT_WIN_VIOLATION, start, end, cpu, end_seq);
	}
	bb = rt_hist_bucket(v);
	/* Clamp in one register: the 6.1 verifier loses a bound that clang
	 * checks on a copy of the index. */
	asm volatile("if %[b] < %[n] goto +1; %[b] = %[last];"
		     : [b] "+r"(bb)
		     : [n] "i"(RT_HIST_BUCKETS), [last] "i"(RT_HIST_BUCKETS - 1));
	s->hist[m][bb]++;
}

#endif /* __RTTRACE_SAMPLES_BPF_H */
