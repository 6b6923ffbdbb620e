/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Worst-case capture: the events that explain a window.
 *
 * A CPU records events (switches, wakeups, migrations, hard and soft IRQs)
 * only while a tracked task has a window open on it, waits or runs there,
 * or blocked there mid-window: its interest word, hot_page.cpu_ring[].interest,
 * counts those tasks (interest_move, interest_follow).  Events go to that
 * CPU's ring in `events` (ev_reserve/ev_publish, lock-free).  A window
 * remembers, per CPU it touched, where its events start in that CPU's
 * ring (struct rt_win_ctx: ctx_open, ctx_arrive); when a sample is a new
 * maximum or violates its SLO, commit() queues the window's descriptor in
 * `commits`, and user space copies the events out of the rings.
 *
 * Holder marks.  Reading the interest word on every untracked switch costs
 * a BPF map page per event (the cost model at the top of rttrace.bpf.c),
 * so instead the task holding an interesting CPU carries an element in
 * `holders`, and an untracked switch where neither task has any BPF
 * storage exits after two pointer tests (tp_switch_gate).  Invariant:
 * interest(c) > 0 implies rq(c)->curr is tracked or a holder.  It is set
 * up when a CPU's interest rises from 0 (its current task is marked,
 * interest_add) and kept by every switch on an interesting CPU (next is
 * marked, on_switch); marks are dropped lazily, at the holder's next
 * switch on an uninteresting CPU, by clearing the element's value, not by
 * deleting it: creating and deleting elements makes the kernel's BPF
 * allocator refill and free its per-CPU caches from an IRQ-work interrupt
 * on that CPU, the traced one.  The price: every task that ever ran on a
 * watched CPU while it was watched (each switch there marks next), idle
 * tasks included, keeps a BPF storage pointer, so its switches anywhere
 * take the long way (the tail call, the state lookups and the holders
 * lookup) to find it holds nothing.  Cost: one element (~100 bytes with
 * the kernel's storage header) per such task; freed with the task.  Not on PREEMPT_RT, where
 * creating storage under the scheduler's raw locks is not allowed, nor
 * without bpf_task_from_pid or FAIR_GROUP_SCHED: there the interest word
 * is read on every switch (tp_switch_cap behind tp_switch_gate_cap).
 */
#ifndef __RTTRACE_CAPTURE_BPF_H
#define __RTTRACE_CAPTURE_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "maps.bpf.h"

/* ---- per-CPU event rings ------------------------------------------------ */

/* Reserve the next entry of cpu's ring.  Lock-free (fetch-add), so a
 * hardirq program nesting inside a switch program on the same CPU, or a
 * wakeup written to a remote CPU's ring, never corrupts it.  The entry's
 * seq is ~0 until ev_publish(), so user space never reads a torn event. */
static __always_inline struct rt_event *ev_reserve(__u32 cpu, __u64 *seqp)
{
	struct rt_event *e;
	__u64 seq;
	__u32 idx;

	barrier_var(cpu);
	if (cpu >= RT_MAX_CPUS)
		return 0;
	barrier_var(cpu);
	cpu &= RT_MAX_CPUS - 1; /* keeps the verifier's bound after the casts */
	seq = __sync_fetch_and_add(&hot_page.cpu_ring[cpu].head, 1);
	idx = cpu * ring_size + (__u32)(seq & (ring_size - 1));
	e = bpf_map_lookup_elem(&events, &idx);
	if (!e)
		return 0;
	__sync_lock_test_and_set(&e->seq, ~0ULL);
	*seqp = seq;
	return e;
}

static __always_inline void ev_publish(struct rt_event *e, __u64 seq)
{
	__sync_lock_test_and_set(&e->seq, seq);
}

/* ---- holder marks (task storage backend only) ---------------------------- */

static __always_inline bool is_holder(struct task_struct *t, __u32 cpu)
{
	__u8 *held;

	if (bpf_core_field_exists(t->bpf_storage) && !t->bpf_storage)
		return false;
	barrier_var(cpu);
	if (!t->pid) /* this CPU's idle task: see hold() */
		return cpu < RT_MAX_CPUS && hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held;
	held = bpf_task_storage_get(&holders, t, 0, 0);
	return held && *held;
}

/* Mark t, the task on cpu now.  Idle tasks never migrate or exit, so
 * whether this CPU's carries its mark is kept beside the CPU's interest
 * word (a line capture touches anyway): a switch to idle on a watched
 * CPU then needs no storage lookup. */
static __always_inline void hold(struct task_struct *t, __u32 cpu)
{
	bool idle = t->pid == 0;
	__u8 *held;

	barrier_var(cpu);
	if (cpu >= RT_MAX_CPUS)
		return;
	if (idle && hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held)
		return;
	held = bpf_task_storage_get(&holders, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!held) {
		__sync_fetch_and_add(&counters.holds_failed, 1);
		return;
	}
	/* an idle task's element only opens the gate: idle_held is its mark */
	if (idle)
		hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held = 1;
	else if (!*held) /* no store (a dirty line) when already marked */
		*held = 1;
}

/* Clear the mark, keeping the element (see the top of this file). */
static __always_inline void unhold(struct task_struct *t, __u32 cpu)
{
	__u8 *held;

	barrier_var(cpu);
	if (!t->pid) {
		if (cpu < RT_MAX_CPUS)
			hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held = 0;
		return;
	}
	held = bpf_task_storage_get(&holders, t, 0, 0);
	if (held)
		*held = 0;
}

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

/*
 * Mark the task running on the CPU p was just queued on (sched_wakeup,
 * run under that CPU's rq lock: the task is stable).  An idle target
 * takes the wakeup itself (the wake list): there it is the current task.
 * A busy one is reached through p's runqueue, which gives an untrusted
 * pointer (and per-CPU kernel symbols like `runqueues` do not resolve
 * without KALLSYMS_ALL), so by PID, a running task's being valid.  On
 * kernels without FAIR_GROUP_SCHED (no se.cfs_rq) or bpf_task_from_pid
 * (6.2) the load fails and user space loads the interest-word variant.
 */
static __always_inline void hold_curr_of_rq_of(struct task_struct *p, __u32 cpu)
{
	struct task_struct *c, *tc = 0;
	struct cfs_rq *cfs_rq = p->se.cfs_rq;
	struct rq *rq = cfs_rq ? cfs_rq->rq : 0;
	s32 pid = -1;

	c = rq ? rq->curr : 0;
	if (c)
		pid = c->pid;
	if (!pid) {
		/* an idle CPU woken without the wake list (it shares a cache
		 * with this one): its idle task is the holder */
		barrier_var(cpu);
		if (cpu < RT_MAX_CPUS)
			hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held = 1;
		return;
	}
	if (pid > 0)
		tc = bpf_task_from_pid(pid);
	if (!tc) {
		__sync_fetch_and_add(&counters.holds_failed, 1);
		return;
	}
	hold(tc, 0); /* not idle: the CPU does not matter */
	bpf_task_release(tc);
}

/* ---- interest words ------------------------------------------------------ */

enum rt_mark { MARK_NONE, MARK_CURRENT, MARK_RQ_OF_P };

/* mark: how to reach the task on cpu now, to mark it when cpu's interest
 * rises from 0 (on_switch marks next itself).  MARK_NONE, a compile-time
 * constant, in the raw_tp programs: they have no task storage. */
static __always_inline void interest_add(__u32 cpu, int d, int mark,
					 struct task_struct *p)
{
	__u32 old;

	barrier_var(cpu);
	if (cpu >= RT_MAX_CPUS)
		return;
	old = __sync_fetch_and_add(&hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].interest, d);
	if (mark == MARK_NONE || !use_holders || d <= 0 || old)
		return;
	if (mark == MARK_CURRENT)
		hold(bpf_get_current_task_btf(), cpu);
	else if (p) /* lets clang drop this where p is a NULL constant */
		hold_curr_of_rq_of(p, cpu);
}

static __always_inline bool cpu_interesting(__u32 cpu)
{
	barrier_var(cpu);
	return cpu < RT_MAX_CPUS && hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].interest;
}

static __always_inline bool window_open(struct rt_task_state *st)
{
	return st->wake_ns || st->resp_ns || st->relief_ns;
}

/* Keep the task's interest on the CPU it waits or runs on, while any of
 * its windows is open, so exactly those CPUs record events. */
static __always_inline void interest_move(__u16 from, __u16 to, int mark,
					  struct task_struct *p)
{
	if (from == to)
		return;
	if (from != RT_NO_CPU)
		interest_add(from, -1, MARK_NONE, 0);
	if (to != RT_NO_CPU)
		interest_add(to, 1, mark, p);
}

static __always_inline void interest_follow(struct rt_task_state *st, __u16 cpu, int mark,
					    bool cap)
{
	if (!cap)
		return;
	if (!window_open(st))
		cpu = RT_NO_CPU;
	interest_move(st->icpu, cpu, mark, 0);
	st->icpu = cpu;
}

/* ---- windows: which CPUs' rings, from where ------------------------------ */

static __always_inline void ctx_arrive(struct rt_win_ctx *w, __u16 cpu, __u64 seq)
{
	__u32 i, n = w->ncpus;

#pragma unroll
	for (i = 0; i < RT_WIN_CPUS; i++)
		if (i < n && w->cpu[i] == cpu)
			return;
	if (n >= RT_WIN_CPUS) {
		w->overflow = 1;
		return;
	}
	/* Mask in the register that indexes: clang drops a plain mask after
	 * the test above, and the 6.1 verifier does not carry the bound over
	 * to its copy. */
	asm volatile("%[n] &= %[m]" : [n] "+r"(n) : [m] "i"(RT_WIN_CPUS - 1));
	w->cpu[n] = cpu;
	w->seq0[n] = (__u32)seq;
	w->ncpus = n + 1;
}

static __always_inline void arrive(struct rt_task_state *st, __u16 cpu, __u64 seq, bool cap)
{
	if (!cap)
		return;
	if (st->resp_ns || st->wake_ns)
		ctx_arrive(&st->inner, cpu, seq);
	if (st->relief_ns)
		ctx_arrive(&st->outer, cpu, seq);
}

/* ---- events ---------------------------------------------------------------- */

/* A task's identity into an event.  task_storage: the tp_btf programs,
 * where t is a trusted pointer read with plain loads. */
static __always_inline void fill_task(struct task_struct *t, __u32 *pid, __s16 *prio,
				      __u8 *policy, char *comm, bool task_storage)
{
	if (task_storage) {
		/* a trusted pointer: plain loads, no probe-read helper calls */
		*pid = t->pid;
		*prio = t->prio;
		*policy = t->policy;
		__builtin_memcpy(comm, t->comm, RT_COMM_LEN);
		return;
	}
	*pid = BPF_CORE_READ(t, pid);
	*prio = BPF_CORE_READ(t, prio);
	*policy = BPF_CORE_READ(t, policy);
	BPF_CORE_READ_STR_INTO((char (*)[RT_COMM_LEN])comm, t, comm);
}

/* The CPU's steal clock into an event (RT_EVF_STEAL when known). */
static __always_inline void ev_steal(struct rt_event *e, struct task_struct *t, bool trusted)
{
	__u64 steal;

	if (cpu_steal(t, &steal, trusted)) {
		e->steal = (__u32)(steal >> RT_STEAL_SHIFT);
		e->pad |= RT_EVF_STEAL;
	} else {
		e->steal = 0;
	}
}

/* A task's fault counters into an event (task_struct.min_flt, maj_flt). */
static __always_inline void ev_faults(struct rt_event *e, struct task_struct *t,
				      bool task_storage)
{
	e->minflt = task_storage ? t->min_flt : BPF_CORE_READ(t, min_flt);
	e->majflt = task_storage ? t->maj_flt : BPF_CORE_READ(t, maj_flt);
	e->pad |= RT_EVF_FAULTS;
}

/* where: prev's where record (0: none); tracked: prev is tracked (its
 * fault counters go in, for the window's faults). */
static __always_inline __u64 ev_switch(__u32 cpu, __u64 now, bool preempt,
				       struct task_struct *prev,
				       struct task_struct *next, __u32 prev_state,
				       bool timer, bool task_storage, __u32 where,
				       bool tracked)
{
	struct rt_event *e;
	__u64 seq = 0;

	e = ev_reserve(cpu, &seq);
	if (!e)
		return 0;
	e->ts = now;
	e->type = RT_EV_SWITCH;
	e->cpu = cpu;
	e->arg = preempt;
	e->pad = timer ? RT_EVF_TIMER_SLEEP : 0;
	e->state = prev_state;
	e->where = where;
	fill_task(prev, &e->pid, &e->prio, &e->policy, e->comm, task_storage);
	fill_task(next, &e->pid2, &e->prio2, &e->policy2, e->comm2, task_storage);
	ev_steal(e, prev, task_storage);
	if (tracked)
		ev_faults(e, prev, task_storage);
	ev_publish(e, seq);
	return seq;
}

/* Where cpu's ring stands: its events from here on may belong to a window
 * opened now.  RT_MARK_SLACK earlier ones are read too (and dropped by
 * timestamp): an event whose clock read came after ours may have reserved
 * its entry before we looked. */
#define RT_MARK_SLACK 4
static __always_inline __u64 ring_mark(__u32 cpu)
{
	__u64 h;

	barrier_var(cpu);
	if (cpu >= RT_MAX_CPUS)
		return 0;
	h = *(volatile __u64 *)&hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)].head;
	return h > RT_MARK_SLACK ? h - RT_MARK_SLACK : 0;
}

/* The window's first event: the wakeup, written to the ring of the CPU
 * this program runs on (the waker's, or the target's for a queued remote
 * wakeup), so every ring has one writer CPU; the window also covers the
 * target CPU's ring from the wakeup on (ctx_open). */
static __always_inline bool ev_wakeup(struct task_struct *p, __u32 here,
				      __u32 target, __u64 now, bool after_waking,
				      __u64 *seqp, bool task_storage, __u32 where)
{
	struct rt_waker *waking = 0;
	struct rt_event *e;
	__u32 tid;

	e = ev_reserve(here, seqp);
	if (!e)
		return false;
	e->ts = now;
	e->type = RT_EV_WAKEUP;
	e->arg = target;
	e->state = 0;
	e->pad = 0;
	e->steal = 0;
	e->where = where;
	fill_task(p, &e->pid, &e->prio, &e->policy, e->comm, task_storage);
	ev_faults(e, p, task_storage);
	if (after_waking) {
		tid = e->pid;
		waking = &wakers[tid & (RT_WAKERS - 1)];
		if (waking->wakee != tid)
			waking = 0; /* overwritten by another wakee: current it is */
	}
	if (waking) {
		/* the real waker, seen at sched_waking */
		e->cpu = waking->cpu;
		e->pid2 = waking->pid;
		e->prio2 = waking->prio;
		e->policy2 = waking->policy;
		__builtin_memcpy(e->comm2, waking->comm, RT_COMM_LEN);
	} else {
		e->cpu = here;
		if (task_storage)
			fill_task(bpf_get_current_task_btf(), &e->pid2, &e->prio2, &e->policy2,
				  e->comm2, true);
		else
			fill_task((struct task_struct *)bpf_get_current_task(), &e->pid2,
				  &e->prio2, &e->policy2, e->comm2, false);
	}
	ev_publish(e, *seqp);
	return true;
}

/* A window opens at the wakeup: it covers the target CPU's ring from now
 * on (where the task waits) and the wakeup event on this CPU's. */
static __always_inline void ctx_open(struct rt_win_ctx *w, __u16 here, __u16 target,
				     __u64 tmark, bool have_ev, __u64 seq)
{
	w->ncpus = 0;
	w->overflow = 0;
	w->target_cpu = target;
	if (target != here)
		ctx_arrive(w, target, tmark);
	if (have_ev)
		ctx_arrive(w, here, seq);
}

/* ---- commit: a window worth keeping, to user space -------------------------- */

static __always_inline void commit(struct rt_task_state *st, int m, int kind,
				   __u64 start, __u64 end, __u16 end_cpu,
				   __u64 end_seq)
{
	struct rt_window *r;

	/* A violation storm must not take the room a new worst case needs
	 * (rarer, and the window the report explains first): violations stop
	 * being committed while the ring is half full. */
	if (kind == RT_WIN_VIOLATION &&
	    bpf_ringbuf_query(&commits, BPF_RB_AVAIL_DATA) > RT_COMMIT_RING_BYTES / 2) {
		__sync_fetch_and_add(&counters.commits_lost, 1);
		return;
	}
	r = bpf_ringbuf_reserve(&commits, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&counters.commits_lost, 1);
		return;
	}
	r->start_ns = start;
	r->end_ns = end;
	r->end_seq = end_seq;
	r->slot = st->slot;
	r->metric = m;
	r->kind = kind;
	r->end_cpu = end_cpu;
	if (m == RT_RELIEF)
		__builtin_memcpy(&r->ctx, &st->outer, sizeof(r->ctx));
	else
		__builtin_memcpy(&r->ctx, &st->inner, sizeof(r->ctx));
	/* No wakeup: it would be an IRQ-work self-interrupt on this CPU,
	 * the traced task's, right after its window closed. */
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

#endif /* __RTTRACE_CAPTURE_BPF_H */
