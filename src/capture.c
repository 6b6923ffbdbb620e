// SPDX-License-Identifier: GPL-2.0
/*
 * User side of the worst-case capture: for every window descriptor the
 * BPF side commits (a new maximum or an SLO violation), copy that window's
 * events out of the per-CPU rings before they are overwritten.
 *
 * A ring entry is trusted only if its sequence number reads the same before
 * and after the copy; anything overwritten is counted as missing, so a
 * trace is either complete or marked truncated -- never mixed with events
 * of another window.
 */
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "capture.h"
#include "rttrace.skel.h"
#include "findings.h"
#include "where.h"

static int cmp_event(const void *a, const void *b)
{
	const struct rt_event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Copy entry seq of cpu's ring; false if it was overwritten meanwhile. */
static bool copy_entry(const struct rt_tracer *tr, uint32_t cpu, uint64_t seq,
		       struct rt_event *out)
{
	const struct rt_event *e = &tr->events[(size_t)cpu * tr->ring_size +
					       (seq & (tr->ring_size - 1))];

	if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != seq)
		return false;
	memcpy(out, e, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) == seq;
}

/* A window's events are gathered in these, then copied out at their size:
 * a thread pool commits hundreds of windows a drain, most of a few
 * events, and a buffer of the largest size for each cost a page fault a
 * window (and its context a second). */
static struct rt_event pre_scratch[RT_PRE_MAX];
static struct rt_event *ev_scratch;
static int ev_scratch_cap;

static void add_pre(struct rt_trace *t, const struct rt_event *e, uint64_t start_ns)
{
	if (e->ts + RT_PRE_NS < start_ns || t->npre >= RT_PRE_MAX)
		return;
	pre_scratch[t->npre++] = *e;
}

/* Sort events into time order, unless they are (the usual case for the
 * events of one CPU's ring). */
static void sort_events(struct rt_event *ev, int n)
{
	for (int i = 1; i < n; i++)
		if (cmp_event(&ev[i - 1], &ev[i]) > 0) {
			qsort(ev, n, sizeof(*ev), cmp_event);
			return;
		}
}

/* A copy of n events at their size (NULL: none, or out of memory). */
static struct rt_event *events_dup(const struct rt_event *ev, int n)
{
	struct rt_event *out = n ? malloc(n * sizeof(*out)) : NULL;

	if (out)
		memcpy(out, ev, n * sizeof(*out));
	return out;
}

/* The events of cpu's ring just before the window, newest first, while
 * they are recent enough and not overwritten. */
static void copy_pre(const struct rt_tracer *tr, uint32_t cpu, uint64_t seq0,
		     uint64_t oldest, uint64_t start_ns, struct rt_trace *t)
{
	uint64_t seq;
	int n = 0;

	for (seq = seq0; seq > oldest && n < RT_PRE_MAX; n++) {
		struct rt_event e;

		if (!copy_entry(tr, cpu, --seq, &e) || e.ts + RT_PRE_NS < start_ns)
			break;
		if (e.ts < start_ns)
			add_pre(t, &e, start_ns);
	}
}

static void move_event(struct rt_event *ev, int from, int to)
{
	struct rt_event e = ev[from];

	if (from < to)
		memmove(&ev[from], &ev[from + 1], (to - from) * sizeof(e));
	else
		memmove(&ev[to + 1], &ev[to], (from - to) * sizeof(e));
	ev[to] = e;
}

/* Another CPU's event can carry the very stamp of the events that open and
 * close the window (a coarse clock: a TCG guest's ties now and then), and
 * sorting by CPU would then put it outside them.  The opening wakeup stays
 * first and the closing switch last, as the window defines them. */
void rt_trace_order(struct rt_trace *t, const struct rt_window *w, uint32_t tid)
{
	int i;

	sort_events(t->ev, t->nev);
	for (i = t->nev; i-- > 0 && t->ev[i].ts == w->end_ns;)
		if (t->ev[i].cpu == w->end_cpu && t->ev[i].seq == w->end_seq) {
			move_event(t->ev, i, t->nev - 1);
			break;
		}
	for (i = 0; i < t->nev && t->ev[i].ts == w->start_ns; i++)
		if (t->ev[i].type == RT_EV_WAKEUP && t->ev[i].pid == tid) {
			move_event(t->ev, i, 0);
			break;
		}
}

/* The where records the window's events name, copied and named now,
 * while the rings still hold them and the processes still exist.  The
 * victim's own (its blocks) and its wakers' first, then the holders', up
 * to RT_TRACE_WHERE_MAX. */
static void copy_wheres(struct rt_capture *c, struct rt_trace *t)
{
	uint32_t victim = c->tr->slots[t->w.slot].tid;
	int pass, i;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < t->nev; i++) {
			const struct rt_event *e = &t->ev[i];
			bool own = e->pid == victim &&
				   (e->type == RT_EV_SWITCH || e->type == RT_EV_WAKEUP);
			struct rt_where w;

			if (!e->where || own != (pass == 0))
				continue;
			if (t->nwhere == RT_TRACE_WHERE_MAX)
				return;
			if (!t->where && !(t->where = calloc(RT_TRACE_WHERE_MAX, sizeof(*t->where))))
				return;
			if (!rt_where_copy(c->tr, e->cpu, e->where, &w)) {
				t->where_missing++;
				continue;
			}
			rt_where_resolve(c->syms, &w, e->cpu, &t->where[t->nwhere++]);
		}
}

const struct rt_where_info *rt_trace_where(const struct rt_trace *t, const struct rt_event *e)
{
	for (int i = 0; e->where && i < t->nwhere; i++)
		if (t->where[i].cpu == e->cpu && (uint32_t)t->where[i].w.seq + 1 == e->where)
			return &t->where[i];
	return NULL;
}

void rt_trace_free(struct rt_trace *t)
{
	free(t->ev);
	free(t->pre);
	for (int i = 0; i < t->nwhere; i++)
		rt_where_free(&t->where[i]);
	free(t->where);
	memset(t, 0, sizeof(*t));
}

/* Room for a window's events at first (doubled as needed), and for a
 * drain's descriptors. */
#define EVENTS_START 256
#define PENDING_START 256

/* pick[] entries: the drain's number in the high half, the index of the
 * chosen descriptor in the low half. */
#define PICK_INDEX_MASK 0xffffffffULL

static void copy_window(struct rt_capture *c, const struct rt_window *w, struct rt_trace *t)
{
	const struct rt_tracer *tr = c->tr;
	uint32_t ring = tr->ring_size;
	int i, cap;

	memset(t, 0, sizeof(*t));
	t->valid = true;
	t->w = *w;
	if (!ev_scratch && (ev_scratch = malloc(EVENTS_START * sizeof(*ev_scratch))))
		ev_scratch_cap = EVENTS_START;
	t->ev = ev_scratch;
	cap = ev_scratch_cap;
	t->truncated = w->ctx.overflow;
	if (!t->ev) {
		t->truncated = true;
		return;
	}
	for (i = 0; i < w->ctx.ncpus && i < RT_WIN_CPUS; i++) {
		uint32_t cpu = w->ctx.cpu[i];
		uint64_t seq0, head, last, oldest, seq;

		if (cpu >= (uint32_t)tr->ncpus)
			continue;
		head = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].head, __ATOMIC_ACQUIRE);
		/* the kernel keeps the low 32 bits: the window is behind head */
		seq0 = head - (uint32_t)((uint32_t)head - w->ctx.seq0[i]);
		last = cpu == w->end_cpu ? w->end_seq : head - 1;
		if (last >= head)
			last = head - 1;
		oldest = head > ring ? head - ring : 0;
		if (seq0 < oldest) {
			/* Overwritten before we got here.  Exact on the closing
			 * CPU; elsewhere it may include events after the end. */
			t->missing += (last + 1 < oldest ? last + 1 : oldest) - seq0;
			seq0 = oldest;
		}
		copy_pre(tr, cpu, seq0, oldest, w->start_ns, t);
		for (seq = seq0; seq <= last && seq < head; seq++) {
			struct rt_event e;

			if (!copy_entry(tr, cpu, seq, &e)) {
				t->missing++;
				continue;
			}
			if (e.ts < w->start_ns) {
				add_pre(t, &e, w->start_ns);
				continue;
			}
			if (e.ts > w->end_ns)
				continue;
			if (t->nev == cap) {
				struct rt_event *more = realloc(t->ev, 2 * cap * sizeof(*t->ev));

				if (!more) { /* out of memory: say the trace is short */
					t->missing += last - seq + 1;
					break;
				}
				t->ev = ev_scratch = more;
				cap = ev_scratch_cap = 2 * cap;
			}
			t->ev[t->nev++] = e;
		}
	}
	if (t->missing)
		t->truncated = true;
	rt_trace_order(t, w, tr->slots[w->slot].tid);
	t->ev = events_dup(ev_scratch, t->nev);
	if (t->nev && !t->ev) {
		t->missing += t->nev;
		t->nev = 0;
		t->truncated = true;
	}
	copy_wheres(c, t);
	/* context only: without it (out of memory) the window is still exact */
	sort_events(pre_scratch, t->npre);
	t->pre = events_dup(pre_scratch, t->npre);
	if (!t->pre)
		t->npre = 0;
}

/* Called for each descriptor in the ring: queue it; rt_capture_drain()
 * copies the windows once the ring is empty. */
static int on_window(void *ctx, void *data, size_t len)
{
	struct rt_capture *c = ctx;
	const struct rt_window *w = data;

	if (len < sizeof(*w) || w->slot >= c->nslots || w->metric >= RT_NR_METRICS ||
	    w->kind >= RT_WIN_KINDS)
		return 0;
	if (c->sample_log)
		/* debugging aid: with an SLO of 0 every sample is a violation,
		 * so this lists every sample the kernel side took */
		fprintf(c->sample_log, "%u %u %u %llu %llu\n", c->tr->slots[w->slot].tid, w->metric,
			w->kind, (unsigned long long)w->start_ns, (unsigned long long)w->end_ns);
	if (c->npending == c->pending_cap) {
		int cap = c->pending_cap ? 2 * c->pending_cap : PENDING_START;
		struct rt_window *more = realloc(c->pending, cap * sizeof(*more));

		if (!more) {
			c->windows_dropped++;
			return 0;
		}
		c->pending = more;
		c->pending_cap = cap;
	}
	c->pending[c->npending++] = *w;
	return 0;
}

static uint64_t window_len(const struct rt_window *w)
{
	return w->end_ns - w->start_ns;
}

/* Does w replace what is kept for its (slot, metric, kind)?  Worst: the
 * largest (a later commit of a smaller value can only be a race);
 * violation: the most recent. */
static bool replaces(const struct rt_window *w, const struct rt_window *kept)
{
	return w->kind != RT_WIN_WORST || window_len(w) >= window_len(kept);
}

/* Of the queued descriptors, copy only those the report keeps: in a burst
 * of violations only the last one of a task and metric matters, and its
 * events are the most recent, so the least likely to be overwritten.
 * pick[] holds, per (slot, metric, kind), the drain's number (high half)
 * and the chosen descriptor's index. */
static void copy_pending(struct rt_capture *c)
{
	uint64_t drain = ++c->drains << 32;
	uint32_t i, n = c->npending;

	for (i = 0; i < n; i++) {
		const struct rt_window *w = &c->pending[i];
		uint64_t *pick = &c->pick[w->slot][w->metric][w->kind];

		if ((*pick & ~PICK_INDEX_MASK) != drain ||
		    replaces(w, &c->pending[(uint32_t)(*pick & PICK_INDEX_MASK)]))
			*pick = drain | i;
	}
	for (i = 0; i < n; i++) {
		const struct rt_window *w = &c->pending[i];
		struct rt_trace *old = &c->traces[w->slot][w->metric][w->kind];
		struct rt_trace fresh;

		if (c->pick[w->slot][w->metric][w->kind] != (drain | i) ||
		    (old->valid && !replaces(w, &old->w)))
			continue;
		copy_window(c, w, &fresh);
		rt_trace_free(old);
		*old = fresh;
		c->windows_copied++;
	}
	c->npending = 0;
}

int rt_capture_open(struct rt_capture *c, struct rt_tracer *tr, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->tr = tr;
	/* Short at first, doubling while the rings stay quiet: a session
	 * that starts in a burst of commits is drained before it overflows. */
	c->period_ns = RT_DRAIN_START_NS;
	if (!tr->capture)
		return 0;
	c->nslots = tr->max_slots;
	if (getenv("RTTRACE_SAMPLE_LOG") &&
	    !(c->sample_log = fopen(getenv("RTTRACE_SAMPLE_LOG"), "w")))
		fprintf(stderr, "rttrace: warning: cannot write RTTRACE_SAMPLE_LOG %s: %s\n",
			getenv("RTTRACE_SAMPLE_LOG"), strerror(errno));
	c->traces = calloc(c->nslots, sizeof(*c->traces));
	c->pick = calloc(c->nslots, sizeof(*c->pick));
	c->last_head = calloc(tr->ncpus, sizeof(*c->last_head));
	c->last_where_head = calloc(tr->ncpus, sizeof(*c->last_where_head));
	c->where_scanned = calloc(tr->ncpus, sizeof(*c->where_scanned));
	c->seen = calloc(c->nslots, sizeof(*c->seen));
	c->syms = rt_symbols_new();
	c->rb = ring_buffer__new(bpf_map__fd(tr->skel->maps.commits), on_window, c, NULL);
	if (!c->rb || !c->traces || !c->pick || !c->last_head || !c->last_where_head ||
	    !c->where_scanned || !c->seen || !c->syms) {
		fprintf(stderr, "rttrace: cannot open the capture ring buffer: %s\n", strerror(errno));
		return -1;
	}
	/* the rings' fill is counted from here (events may have come since
	 * the programs were attached) */
	for (int cpu = 0; cpu < tr->ncpus; cpu++) {
		c->last_head[cpu] = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].head,
						    __ATOMIC_RELAXED);
		c->last_where_head[cpu] = __atomic_load_n(
			&tr->skel->bss->hot_page.cpu_ring[cpu].where_head, __ATOMIC_RELAXED);
		c->where_scanned[cpu] = c->last_where_head[cpu];
	}
	c->last_drain_ns = now;
	return 0;
}

uint64_t rt_drain_period(uint64_t period_ns, uint64_t elapsed_ns, double fill)
{
	uint64_t next = period_ns * 2;

	if (fill > 0 && elapsed_ns / fill < next)
		next = (uint64_t)(elapsed_ns / fill);
	if (next > RT_DRAIN_MAX_NS)
		next = RT_DRAIN_MAX_NS;
	return next < RT_DRAIN_MIN_NS ? RT_DRAIN_MIN_NS : next;
}

/* The largest fraction of a quarter of any ring written since the last
 * drain: the descriptor ring, and each CPU's event and where rings (a
 * window's events and stacks must still be there when it is copied, and
 * every where record is looked at for findings). */
static double quarter_fill(struct rt_capture *c, int consumed)
{
	const struct rt_tracer *tr = c->tr;
	double fill = (double)consumed * (sizeof(struct rt_window) + BPF_RINGBUF_HDR_SZ) /
		      (RT_COMMIT_RING_BYTES / 4);
	int cpu;

	for (cpu = 0; cpu < tr->ncpus; cpu++) {
		uint64_t head = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].head,
						__ATOMIC_RELAXED);
		double f = (double)(head - c->last_head[cpu]) / (tr->ring_size / 4);

		c->last_head[cpu] = head;
		if (f > fill)
			fill = f;
		head = __atomic_load_n(&tr->skel->bss->hot_page.cpu_ring[cpu].where_head,
				       __ATOMIC_RELAXED);
		f = (double)(head - c->last_where_head[cpu]) / (RT_WHERE_RING / 4);
		c->last_where_head[cpu] = head;
		if (f > fill)
			fill = f;
	}
	return fill;
}

void rt_capture_drain_last(struct rt_capture *c)
{
	if (!c->rb)
		return;
	ring_buffer__consume(c->rb);
	rt_findings_scan(c);
	copy_pending(c);
}

uint64_t rt_capture_drain(struct rt_capture *c, uint64_t now)
{
	uint64_t prev;
	int n;

	if (!c->rb)
		return c->period_ns;
	n = ring_buffer__consume(c->rb);
	rt_findings_scan(c);
	if (c->queued)
		c->queued(c, c->queued_ctx);
	copy_pending(c);
	prev = c->period_ns;
	c->period_ns = rt_drain_period(c->period_ns, now - c->last_drain_ns,
				       quarter_fill(c, n < 0 ? 0 : n));
	/* the minimum counts the periods the rings chose (or the top), not
	 * the start-up ramp's doubling from RT_DRAIN_START_NS */
	if ((c->period_ns == RT_DRAIN_MAX_NS || c->period_ns < 2 * prev) &&
	    (!c->min_period_ns || c->period_ns < c->min_period_ns))
		c->min_period_ns = c->period_ns;
	c->last_drain_ns = now;
	return c->period_ns;
}

void rt_capture_name_kernel(struct rt_capture *c)
{
	uint32_t i;
	int m, k, j;

	for (i = 0; c->traces && i < c->nslots; i++)
		for (m = 0; m < RT_NR_METRICS; m++)
			for (k = 0; k < RT_WIN_KINDS; k++)
				for (j = 0; j < c->traces[i][m][k].nwhere; j++)
					rt_where_name_kernel(c->syms, &c->traces[i][m][k].where[j]);
	for (i = 0; c->seen && i < c->nslots; i++)
		for (k = 0; k < RT_FK_NR; k++) {
			if (c->seen[i][k].have_first)
				rt_where_name_kernel(c->syms, &c->seen[i][k].first);
			if (c->seen[i][k].have_waker)
				rt_where_name_kernel(c->syms, &c->seen[i][k].waker);
		}
}

const struct rt_finding_seen *rt_capture_seen(const struct rt_capture *c, uint32_t slot)
{
	return c->seen && slot < c->nslots ? c->seen[slot] : NULL;
}

const struct rt_trace *rt_capture_get(const struct rt_capture *c, uint32_t slot,
				      int metric, int kind)
{
	if (!c->traces || slot >= c->nslots)
		return NULL;
	return c->traces[slot][metric][kind].valid ? &c->traces[slot][metric][kind] : NULL;
}

void rt_capture_take(struct rt_capture *c, uint32_t slot,
		     struct rt_trace traces[RT_NR_METRICS][RT_WIN_KINDS],
		     struct rt_finding_seen seen[RT_FK_NR])
{
	if (slot >= c->nslots)
		return;
	if (c->traces) {
		memcpy(traces, c->traces[slot], sizeof(c->traces[slot]));
		memset(c->traces[slot], 0, sizeof(c->traces[slot]));
	}
	if (c->seen) {
		memcpy(seen, c->seen[slot], sizeof(c->seen[slot]));
		memset(c->seen[slot], 0, sizeof(c->seen[slot]));
	}
}

void rt_capture_close(struct rt_capture *c)
{
	uint32_t i;
	int m, k;

	ring_buffer__free(c->rb);
	c->rb = NULL;
	if (c->sample_log)
		fclose(c->sample_log);
	c->sample_log = NULL;
	for (i = 0; c->traces && i < c->nslots; i++)
		for (m = 0; m < RT_NR_METRICS; m++)
			for (k = 0; k < RT_WIN_KINDS; k++)
				rt_trace_free(&c->traces[i][m][k]);
	free(c->traces);
	c->traces = NULL;
	for (i = 0; c->seen && i < c->nslots; i++)
		for (k = 0; k < RT_FK_NR; k++) {
			rt_where_free(&c->seen[i][k].first);
			rt_where_free(&c->seen[i][k].waker);
		}
	free(c->seen);
	c->seen = NULL;
	free(c->where_scanned);
	c->where_scanned = NULL;
	free(c->last_where_head);
	c->last_where_head = NULL;
	rt_symbols_free(c->syms);
	c->syms = NULL;
	free(c->pick);
	c->pick = NULL;
	free(c->pending);
	c->pending = NULL;
	free(c->last_head);
	c->last_head = NULL;
}
