/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_CAPTURE_H
#define RTTRACE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "rttrace/rttrace.h"
#include "symbols.h"
#include "tracer.h"
#include "where.h"

/* One captured window: its descriptor and its events, in time order. */
struct rt_trace {
	bool valid;
	struct rt_window w;
	struct rt_event *ev;
	int nev;
	/* Up to RT_PRE_MAX events of the watched CPUs in the RT_PRE_NS before
	 * the window, where the rings still hold them: context only (the
	 * state other tasks were in when the window opened), never part of
	 * the window's breakdown. */
	struct rt_event *pre;
	int npre;
	bool truncated;
	uint64_t missing; /* events that were overwritten before they were copied */
	/* The where records its events name (rt_event.where), copied and
	 * named when the window was: at most RT_TRACE_WHERE_MAX. */
	struct rt_where_info *where;
	int nwhere;
	uint64_t where_missing; /* named by an event, gone before the copy */
	/* Its task, once taken out of its slot (an exited task's, whose
	 * slot serves another one now); 0: the slot's. */
	uint32_t tid;
	int32_t prio;
};

#define RT_TRACE_WHERE_MAX 64

/* Kinds of findings (a task's `findings`, in this order). */
enum rt_finding_kind {
	RT_FK_NON_PI_FUTEX,
	RT_FK_PAGE_FAULTS,
	RT_FK_RELATIVE_SLEEP,
	RT_FK_MIGRATION,
	RT_FK_IO_BLOCK,
	RT_FK_MMAP_LOCK,
	RT_FK_NR,
};

/* Findings of one kind of one task as the drains saw them: the first
 * one's where record (the BPF side counts them: struct rt_slot_findings),
 * and for mmap_lock, which the kernel stack tells, the count. */
struct rt_finding_seen {
	uint64_t count;
	uint64_t first_ns;
	bool have_first;             /* first: the first one's where record */
	struct rt_where_info first;
	bool have_waker;             /* who woke the first one (a block) */
	struct rt_where_info waker;
};

#define RT_PRE_NS (50ULL * 1000 * 1000)
#define RT_PRE_MAX 256

/*
 * The BPF side publishes descriptors without a wakeup (a wakeup is an
 * interrupt on the traced CPU), so user space drains on its own timer:
 * every RT_DRAIN_MAX_NS, sooner while the rings fill faster (at most a
 * quarter of the descriptor ring or of a CPU's event ring per period).
 */
#define RT_DRAIN_MAX_NS (125ULL * 1000 * 1000)
#define RT_DRAIN_MIN_NS (2ULL * 1000 * 1000)
#define RT_DRAIN_START_NS (8ULL * 1000 * 1000)

struct rt_capture {
	struct rt_tracer *tr;
	struct ring_buffer *rb;
	uint32_t nslots;
	struct rt_trace (*traces)[RT_NR_METRICS][RT_WIN_KINDS]; /* per slot */
	uint64_t windows_copied;
	uint64_t windows_dropped; /* descriptors not queued: out of memory */
	FILE *sample_log; /* RTTRACE_SAMPLE_LOG: every committed window */
	/* one drain's descriptors, and which of them each window kind keeps */
	struct rt_window *pending;
	uint32_t npending, pending_cap;
	uint64_t (*pick)[RT_NR_METRICS][RT_WIN_KINDS];
	uint64_t drains;
	/* drain timing */
	uint64_t period_ns, min_period_ns, last_drain_ns;
	uint64_t *last_head; /* per CPU: its ring's head at the last drain */
	uint64_t *last_where_head; /* per CPU: its where ring's head at the last drain */
	/* stacks are named at the drain, while the processes exist */
	struct rt_symbols *syms;
	/* findings: every where record is looked at once, at a drain */
	uint64_t *where_scanned;   /* per CPU: the next where record to look at */
	struct rt_finding_seen (*seen)[RT_FK_NR]; /* per slot */
	uint64_t wheres_lost;      /* where records overwritten before a drain saw them */
	/* Called by each drain once every committed descriptor is queued
	 * (pending) and every where record looked at, before the windows are
	 * copied (which may take a while: stacks are named then).  rttrace
	 * run recycles there the slots of dead tasks that have no window
	 * pending. */
	void (*queued)(struct rt_capture *c, void *ctx);
	void *queued_ctx;
};

/* Start consuming window descriptors (no-op when capture is off); now is
 * CLOCK_MONOTONIC, as in every call below. */
int rt_capture_open(struct rt_capture *c, struct rt_tracer *tr, uint64_t now);
/* Take every committed descriptor and copy out the windows the report
 * keeps; returns how long to wait before the next drain. */
uint64_t rt_capture_drain(struct rt_capture *c, uint64_t now);
/* The same at the end of the session, outside the timer: the period and
 * its minimum stay what the session's drains made them. */
void rt_capture_drain_last(struct rt_capture *c);
/* The next drain period: at most twice the last one and RT_DRAIN_MAX_NS,
 * short enough that, at the rate of the last elapsed_ns, fill (the written
 * fraction of a quarter ring) stays at 1 or below; never under
 * RT_DRAIN_MIN_NS.  Exposed for the unit tests. */
uint64_t rt_drain_period(uint64_t period_ns, uint64_t elapsed_ns, double fill);
/* Name the kernel frames of every where record kept (they are kept as
 * addresses while kallsyms is being read): before a report is built. */
void rt_capture_name_kernel(struct rt_capture *c);
/* The where record event e of trace t names, or NULL. */
const struct rt_where_info *rt_trace_where(const struct rt_trace *t, const struct rt_event *e);
/* The findings with where records of slot, or NULL. */
const struct rt_finding_seen *rt_capture_seen(const struct rt_capture *c, uint32_t slot);
/* The window kept for (slot, metric, kind), or NULL. */
const struct rt_trace *rt_capture_get(const struct rt_capture *c, uint32_t slot,
				      int metric, int kind);
/* Move slot's windows and findings out into traces and seen (the caller
 * owns them from then on; free with rt_trace_free, rt_where_free) and
 * leave the slot empty for a new task. */
void rt_capture_take(struct rt_capture *c, uint32_t slot,
		     struct rt_trace traces[RT_NR_METRICS][RT_WIN_KINDS],
		     struct rt_finding_seen seen[RT_FK_NR]);
void rt_trace_free(struct rt_trace *t);
void rt_capture_close(struct rt_capture *c);
/* Put a window's copied events in time order; on equal stamps the opening
 * wakeup of tid stays first and the closing switch (w->end_cpu, end_seq)
 * last.  Exposed for the unit tests. */
void rt_trace_order(struct rt_trace *t, const struct rt_window *w, uint32_t tid);

#endif
