/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_CAPTURE_H
#define RTTRACE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "rttrace.h"
#include "tracer.h"

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
};

#define RT_PRE_NS (50ULL * 1000 * 1000)
#define RT_PRE_MAX 256

struct rt_capture {
	struct rt_tracer *tr;
	struct ring_buffer *rb;
	uint32_t nslots;
	struct rt_trace (*traces)[RT_NR_METRICS][RT_WIN_KINDS]; /* per slot */
	uint64_t windows_copied;
	FILE *sample_log; /* RTTRACE_SAMPLE_LOG: every committed window */
};

/* Start consuming window descriptors (no-op when capture is off). */
int rt_capture_open(struct rt_capture *c, struct rt_tracer *tr);
/* Wait up to timeout_ms for descriptors and copy their windows out. */
void rt_capture_poll(struct rt_capture *c, int timeout_ms);
/* The window kept for (slot, metric, kind), or NULL. */
const struct rt_trace *rt_capture_get(const struct rt_capture *c, uint32_t slot,
				      int metric, int kind);
void rt_capture_close(struct rt_capture *c);
/* Put a window's copied events in time order; on equal stamps the opening
 * wakeup of tid stays first and the closing switch (w->end_cpu, end_seq)
 * last.  Exposed for the unit tests. */
void rt_trace_order(struct rt_trace *t, const struct rt_window *w, uint32_t tid);

#endif
