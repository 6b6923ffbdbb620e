/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_EXITED_H
#define RTTRACE_EXITED_H
/*
 * Exited tasks, taken out of their slots so that the slots can serve new
 * threads (thread pools that come and go for hours).  The first `keep`
 * are kept one by one; after that each is merged into the group of its
 * thread name: statistics, histograms and findings add up exactly, the
 * worst window of each metric and the last violation window stay.  At
 * most RT_EXITED_GROUPS names get a group; the threads of any further
 * name share one last group, RT_EXITED_OTHER.  Memory is bounded by
 * keep + RT_EXITED_GROUPS entries (about 20 KiB each, plus their
 * windows' events).
 */
#include <stdint.h>
#include "capture.h"
#include "interval.h"
#include "rttrace/rttrace.h"

#define RT_EXITED_KEEP_DEFAULT 256
#define RT_EXITED_GROUPS 256
#define RT_EXITED_OTHER "(other names)"

struct rt_exited_task {
	struct rt_slot s;   /* its statistics; a group's: the sums (tid 0) */
	uint64_t threads;   /* 0: one task; a group: the threads merged into it */
	struct rt_trace traces[RT_NR_METRICS][RT_WIN_KINDS];
	struct rt_finding_seen seen[RT_FK_NR];
	struct rt_interval_point *points; /* its -i series (one task only) */
	uint32_t npoints;
};

struct rt_exited {
	struct rt_exited_task *kept;  /* one by one, in exit order */
	uint32_t nkept, keep;
	struct rt_exited_task *groups; /* RT_EXITED_GROUPS, by thread name */
	uint32_t ngroups;
	uint64_t merged;              /* threads merged into groups */
};

void rt_exited_init(struct rt_exited *x, uint32_t keep);
/*
 * Take the task of slot idx out (its statistics s, its windows and
 * findings from c, its -i series from iv; c and iv may be NULL): kept or
 * merged.  The caller has drained every window the task committed, and
 * recycles the slot after.  0, or -1 when out of memory (the task's
 * windows and series are then dropped, its statistics still merged).
 */
int rt_exited_take(struct rt_exited *x, const struct rt_slot *s, struct rt_capture *c,
		   struct rt_interval *iv, uint32_t idx, uint64_t now_ns);
/* Merge statistics b into a: counts, sums, violations and histograms add,
 * the larger maximum stays with its window (exposed for the unit tests). */
void rt_slot_merge(struct rt_slot *a, const struct rt_slot *b);
/* Name the kernel frames of every where record kept (see capture.h). */
void rt_exited_name_kernel(struct rt_exited *x, struct rt_symbols *syms);
void rt_exited_free(struct rt_exited *x);

#endif
