/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programs' bodies: what each tracepoint does to a tracked task's
 * windows (the state machine described at the top of rttrace.bpf.c).
 *
 * Every body takes `task_storage`, a compile-time constant: TASK_STORAGE
 * in the tp_btf programs (task-local storage and `ttab`; trusted task
 * pointers, read with plain loads), TID_HASH in their raw_tp twins (the
 * TID hash; probe reads).  clang drops the other backend's code from each
 * program.
 */
#ifndef __RTTRACE_HANDLERS_BPF_H
#define __RTTRACE_HANDLERS_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "core_fixes.bpf.h"
#include "maps.bpf.h"
#include "task_state.bpf.h"
#include "capture.bpf.h"
#include "samples.bpf.h"
#include "irq.bpf.h"
#include "where.bpf.h"

#define TASK_STORAGE true /* tp_btf programs */
#define TID_HASH false    /* raw_tp programs */

/* ---- switch-out classification ------------------------------------------- */

static __always_inline bool voluntary(bool preempt, __u32 prev_state)
{
	return !preempt && (prev_state & RT_VOLUNTARY_MASK);
}

/* ---- wakeups: windows open --------------------------------------------------- */

/* sched_wakeup(_new) of a sleeping tracked task opens latency and
 * response, and relief if the sleep was a timer sleep and none is open. */
static __always_inline void on_wakeup(void *ctx, struct task_struct *p, bool after_waking,
				      bool task_storage)
{
	struct rt_task_state *st = lookup_or_pick_up(p, task_storage);
	__u64 now, seq = 0, tmark = 0;
	__u32 where = 0;
	__u16 target, here;
	bool timer, have_ev;

	/* A wakeup of a task that is not asleep (already runnable, running,
	 * or not yet classified) opens nothing: the seed's spurious-wakeup
	 * bug. */
	if (!st || st->run_state != RT_ST_SLEEPING)
		return;
	now = bpf_ktime_get_ns();
	timer = st->sleep_kind == RT_SLEEP_TIMER && !st->relief_ns;
	if (st->flags & RT_STF_CAPTURE) {
		/* Every locked instruction (ring reservation, event publication,
		 * interest counters) comes before the first store to the task's
		 * state: its cache line is usually still owned by the CPU the
		 * task slept on, and a locked instruction would wait for that
		 * transfer, where a plain store leaves it to the store buffer. */
		target = get_task_cpu(p); /* the tracepoint runs after select_task_rq */
		here = bpf_get_smp_processor_id();
		interest_move(st->icpu, target,
			      !task_storage ? MARK_NONE :
			      target == here ? MARK_CURRENT : MARK_RQ_OF_P, p);
		if (target != here)
			tmark = ring_mark(target);
		/* Who ends a block inside a window (its relief window stayed
		 * open across it, switch_where took the block's stacks): the
		 * waker's stacks, in its context (not a queued remote wakeup,
		 * run by the target CPU), after the wakee was queued (a remote
		 * target was already told to reschedule).  Not for the wakeups
		 * that open windows: an event-driven task has one per event,
		 * and a walk costs more than the rest of the wakeup. */
		if (after_waking && st->relief_ns) {
			__u32 tid = task_storage ? p->pid : BPF_CORE_READ(p, pid);
			struct rt_waker *wk = &wakers[tid & (RT_WAKERS - 1)];

			struct rt_sys none = { .nr = -1 };

			if (wk->wakee == tid && wk->cpu == here)
				where = where_take(ctx, here, RT_WHERE_WAKER, st->slot, &none, 0,
						   0, wk->policy, now);
		}
		have_ev = ev_wakeup(p, here, target, now, after_waking, &seq, task_storage, where);
		st->icpu = target;
		ctx_open(&st->inner, here, target, tmark, have_ev, seq);
		if (timer) {
			__builtin_memcpy(&st->outer, &st->inner, sizeof(st->outer));
		} else if (st->relief_ns) {
			if (target != here)
				ctx_arrive(&st->outer, target, tmark);
			if (have_ev)
				ctx_arrive(&st->outer, here, seq);
		}
	}
	st->run_state = RT_ST_RUNNABLE;
	st->wake_ns = now;
	st->resp_ns = now;
	if (timer)
		st->relief_ns = now;
}

/* sched_waking runs in the waker's context: remember who it is, without
 * touching the wakee's state (see struct rt_waker). */
static __always_inline void on_waking(struct task_struct *p, bool task_storage)
{
	struct rt_waker *r;
	__u32 tid;

	if (task_storage) {
		/* no BPF storage at all: not tracked (a direct load, no helper) */
		if (bpf_core_field_exists(p->bpf_storage) && !p->bpf_storage)
			return;
		tid = p->pid;
	} else {
		tid = BPF_CORE_READ(p, pid);
		if (!tid_maybe_tracked(tid) || !bpf_map_lookup_elem(&task_state_hash, &tid))
			return;
	}
	r = &wakers[tid & (RT_WAKERS - 1)];
	r->wakee = tid;
	if (task_storage)
		fill_task(bpf_get_current_task_btf(), &r->pid, &r->prio, &r->policy,
			  r->comm, true);
	else
		fill_task((struct task_struct *)bpf_get_current_task(), &r->pid, &r->prio,
			  &r->policy, r->comm, false);
	r->cpu = bpf_get_smp_processor_id();
}

/* ---- switches: windows close ----------------------------------------------- */

/* A task's page faults so far, low 16 bits (differences of two are
 * exact below 65536 faults). */
static __always_inline __u16 task_faults(struct task_struct *t, bool task_storage)
{
	if (task_storage)
		return t->min_flt + t->maj_flt;
	return BPF_CORE_READ(t, min_flt) + BPF_CORE_READ(t, maj_flt);
}

/* Finding: an RT task took page faults while it ran inside a window
 * (since its switch-in, st->flt_in). */
static __always_inline void count_faults(struct rt_task_state *st, struct task_struct *t,
					 __u64 now, bool task_storage)
{
	int policy = task_storage ? t->policy : BPF_CORE_READ(t, policy);
	struct rt_slot *s;
	__u16 d;

	if (!rt_policy(policy) || now < session_start_ns || now > session_end_ns)
		return;
	d = task_faults(t, task_storage) - st->flt_in;
	if (!d || !(s = slot_of(st)))
		return;
	if (!s->find.count[RT_FI_FAULTS])
		s->find.first_ns[RT_FI_FAULTS] = now;
	s->find.count[RT_FI_FAULTS] += d;
}

/* Count one finding of kind i; true when it is the task's first (its
 * stacks are then taken).  Inside the session only. */
static __always_inline bool count_finding(struct rt_slot *s, int i, __u64 now)
{
	if (!s || i < 0 || i >= RT_FI_NR || now < session_start_ns || now > session_end_ns)
		return false;
	if (s->find.count[i]++)
		return false;
	s->find.first_ns[i] = now;
	return true;
}

/* The findings a sleep is, counted; the ones to take stacks for: the
 * first of each kind, and every other uninterruptible sleep (user space
 * tells mmap_lock waits by their kernel stack). */
static __always_inline __u8 sleep_counted(struct rt_task_state *sp, __u8 f, __u64 now)
{
	struct rt_slot *s = slot_of(sp);
	__u8 take = f & RT_FIND_UNINTERRUPTIBLE;

	if ((f & RT_FIND_NON_PI_FUTEX) && count_finding(s, RT_FI_NON_PI_FUTEX, now))
		take |= RT_FIND_NON_PI_FUTEX;
	if ((f & RT_FIND_RELATIVE_SLEEP) && count_finding(s, RT_FI_RELATIVE_SLEEP, now))
		take |= RT_FIND_RELATIVE_SLEEP;
	if ((f & RT_FIND_IO) && count_finding(s, RT_FI_IO, now))
		take |= RT_FIND_IO;
	return take;
}

/*
 * With capture, at a switch: prev's where record, if a window needs one
 * (see struct rt_where): a tracked task's voluntary sleep that is a
 * finding or leaves its relief window open, or the end of a hold of a
 * watched CPU of RT_HOLD_STACK_NS or more (unless a waiting tracked task
 * gets the CPU).  Notes the switch's time on the
 * CPU, which is how long the next one's prev held it.
 */
static __always_inline __u32 switch_where(void *ctx, __u32 cpu, __u64 now,
					  struct rt_task_state *sp, struct rt_task_state *sn,
					  bool vol, bool timer, struct task_struct *prev,
					  __u32 prev_state, const struct rt_sys *sys, bool task_storage)
{
	struct rt_cpu_ring *r;
	__u8 f, kind;
	int policy;
	__u64 last;
	__u32 pid;

	barrier_var(cpu);
	if (cpu >= RT_MAX_CPUS)
		return 0;
	r = &hot_page.cpu_ring[cpu & (RT_MAX_CPUS - 1)];
	last = r->switch_ns;
	r->switch_ns = now;
	if (vol && sp) {
		f = sleep_findings(prev, sys, prev_state, task_storage);
		if (f)
			f = sleep_counted(sp, f, now);
		if (!f && !(sp->relief_ns && !timer))
			return 0;
		kind = RT_WHERE_BLOCK;
	} else {
		/* Not when the CPU goes to a tracked task that waits for it:
		 * this switch ends its latency window, which the walk would
		 * lengthen. */
		if (sn && sn->wake_ns)
			return 0;
		/* Nor for a tracked holder: an application's own threads
		 * preempt each other all the time, and each walk costs them;
		 * the holders worth a stack are the others (a hog, a kworker). */
		if (sp)
			return 0;
		pid = task_storage ? prev->pid : BPF_CORE_READ(prev, pid);
		if (!pid || !last || now - last < RT_HOLD_STACK_NS || !r->interest)
			return 0;
		kind = RT_WHERE_HOLD;
		f = 0;
		prev_state = 0; /* a preemption: no sleep (sys says no call: nr -1) */
	}
	/* read only for a record: most captured switches take none */
	policy = task_storage ? prev->policy : BPF_CORE_READ(prev, policy);
	/* one call site: each inlined copy is verified again, per program */
	return where_take(ctx, cpu, kind, sp ? sp->slot : RT_NO_SLOT, sys, prev_state, f, policy,
			  now);
}

/* prev leaves the CPU: a voluntary sleep closes response (and relief, if
 * this sleep is itself a timer sleep); a preemption closes nothing. */
static __always_inline void switch_out(struct rt_task_state *st, bool preempt,
				       __u32 prev_state, __u64 now, bool task_storage,
				       struct task_struct *prev, __u16 cpu,
				       __u64 seq, bool timer, bool cap)
{
	struct rt_slot *s;

	if (cap && st->run_state == RT_ST_RUNNING && (st->resp_ns || st->relief_ns))
		count_faults(st, prev, now, task_storage);
	if (!voluntary(preempt, prev_state)) {
		/* Preempted (or rtlock wait / stopped): windows stay open. */
		st->run_state = RT_ST_RUNNABLE;
		return;
	}
	st->run_state = RT_ST_SLEEPING;
	st->sleep_kind = timer ? RT_SLEEP_TIMER : RT_SLEEP_OTHER;
	s = slot_of(st);
	if ((st->flags & RT_SLOT_IRQ) && irq_mode == RT_IRQM_SCHED && st->resp_ns) {
		/* approximation: the thread's whole activation is the handler */
		__u32 tid = BPF_CORE_READ(prev, pid);
		struct rt_irq_state *is = bpf_map_lookup_elem(&irq_threads, &tid);

		if (is && is->handler_ns)
			irq_done(is, is->handler_ns, now);
	}
	if (s) {
		if (st->resp_ns)
			record(s, st, RT_RESPONSE, st->resp_ns, now, cpu, seq);
		if (timer && st->relief_ns)
			record(s, st, RT_RELIEF, st->relief_ns, now, cpu, seq);
	}
	st->resp_ns = 0;
	if (timer || (prev_state & TASK_DEAD_))
		st->relief_ns = 0;
	st->wake_ns = 0;
	/* A relief window open across this block keeps the CPU interesting
	 * (an inversion shows there); otherwise the interest goes. */
	interest_follow(st, cpu, MARK_NONE, cap);
	if (!(prev_state & TASK_DEAD_))
		return;
	if (!task_storage) {
		__u32 tid = BPF_CORE_READ(prev, pid);

		bpf_map_delete_elem(&task_state_hash, &tid);
	}
	/* Its last event: the windows it closed are committed (ordered
	 * before this by the locked or), so user space may recycle the slot
	 * once it has drained them. */
	if (s)
		__sync_fetch_and_or(&s->flags, RT_SLOT_DEAD);
}

/* next gets the CPU: closes latency (only after a wakeup: wake_ns). */
static __always_inline void switch_in(struct rt_task_state *st, __u64 now,
				      __u16 cpu, __u64 seq, bool cap,
				      struct task_struct *next, bool task_storage)
{
	struct rt_slot *s;

	arrive(st, cpu, seq, cap);
	if (cap)
		st->flt_in = task_faults(next, task_storage);
	if ((st->flags & RT_SLOT_IRQ) && irq_mode == RT_IRQM_SCHED && st->wake_ns) {
		__u32 idx = st->slot;
		struct rt_slot *is_slot = bpf_map_lookup_elem(&slots, &idx);
		__u32 tid = is_slot ? is_slot->tid : 0;
		struct rt_irq_state *is = bpf_map_lookup_elem(&irq_threads, &tid);

		if (is)
			irq_begin(is, now);
	}
	if (st->wake_ns) {
		s = slot_of(st);
		if (s) {
			record(s, st, RT_LATENCY, st->wake_ns, now, cpu, seq);
			/* here: the slot's line is in hand already */
			note_policy(s, next, now, task_storage);
		}
		st->wake_ns = 0;
	}
	st->run_state = RT_ST_RUNNING;
	interest_follow(st, cpu, MARK_NONE, cap);
}

/*
 * sched_switch, in three copies per backend chosen at load: without
 * capture (cap false), with capture gated by the per-CPU interest word,
 * and with capture gated by holder marks (held, see capture.bpf.h).  A
 * load-time constant (.rodata) still costs a load from the map's memory,
 * and so a first touch of a BPF map page (the cost model at the top of
 * rttrace.bpf.c), while prev and next were just touched by the scheduler.
 * So an untracked switch reads nothing but the two task_structs (plus, in
 * the interest-word copy, that word): `cap` and `held` are compile-time
 * constants and prev_state is read only when needed.
 * Not BPF_PROG: the 4th argument exists only on 5.18+, and reading it
 * must stay behind has_prev_state_arg (see core_fixes.bpf.h).
 */
static __always_inline void on_switch(__u64 *ctx, bool task_storage, bool cap, bool held)
{
	bool preempt = (bool)ctx[0];
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];
	struct rt_task_state *sp, *sn;
	__u32 cpu = 0, prev_state = 0, where = 0;
	struct rt_sys sys = { .nr = -1 };
	__u64 now, seq = 0;
	bool timer, vol;

	/* The common case first, before anything is spilled: neither task
	 * carries any BPF storage, so neither is tracked nor a holder. */
	if (task_storage && (!cap || held) && bpf_core_field_exists(prev->bpf_storage) &&
	    !prev->bpf_storage && !next->bpf_storage)
		return;
	sp = lookup_or_pick_up(prev, task_storage);
	sn = lookup_or_pick_up(next, task_storage);
	/* The cheap exit for untracked tasks on CPUs nobody watches. */
	if (cap)
		cpu = bpf_get_smp_processor_id();
	if (!sp) {
		barrier_var(sn); /* keeps clang from OR-ing the two pointers */
		if (!sn) {
			if (!cap)
				return;
			if (held) {
				bool hp = is_holder(prev, cpu), hn = is_holder(next, cpu);

				if (!hp && !hn)
					return;
				if (!cpu_interesting(cpu)) {
					/* the CPU's watch ended: drop the marks */
					if (hp)
						unhold(prev, cpu);
					if (hn)
						unhold(next, cpu);
					return;
				}
			} else if (!cpu_interesting(cpu)) {
				return;
			}
		}
	}
	if (sp || cap)
		prev_state = has_prev_state_arg ? (__u32)ctx[3] : get_task_state(prev);
	now = bpf_ktime_get_ns();
	/* a tracked task going to sleep: in which system call?  A timer
	 * sleep (nanosleep, clock_nanosleep) ends relief windows. */
	vol = sp && voluntary(preempt, prev_state);
	if (vol)
		read_syscall(prev, task_storage, &sys);
	timer = vol && timer_sleep(&sys);
	if (cap) {
		where = switch_where(ctx, cpu, now, sp, sn, vol, timer, prev, prev_state, &sys,
				     task_storage);
		seq = ev_switch(cpu, now, preempt, prev, next, prev_state, timer, task_storage,
				where, sp);
	}
	if (sp)
		switch_out(sp, preempt, prev_state, now, task_storage, prev, cpu, seq, timer, cap);
	if (sn) {
		if (task_storage && !sn->tid)
			sn = ttab_move(next, sn);
		switch_in(sn, now, cpu, seq, cap, next, task_storage);
	}
	/* next holds a watched CPU now: mark it (keeps the invariant) */
	else if (held && cpu_interesting(cpu))
		hold(next, cpu);
}

/*
 * The gate: the untracked exit of sched_switch in a program of its own,
 * which tail-calls the copy in use (switch_body[0], raw_switch_body[0])
 * only when this is true.  A large program pays, on every run, for its
 * size and its frame (callee-saved registers, stack; its exit block sits
 * several KiB past the entry), even on its shortest path (figures in
 * bench/RESULTS.md).  User space falls back to attaching the copy itself
 * if this cannot be set up.
 *
 * Could this switch concern rttrace: prev or next tracked or a holder
 * (task storage) or maybe tracked (the hash backend's TID filter; the idle
 * task, TID 0, passes only if a tracked TID is a multiple of
 * RT_TID_FILTER), or, for the interest-word copies, a watched CPU?
 */
static __always_inline bool switch_may_matter(__u64 *ctx, bool task_storage, bool interest)
{
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];

	if (task_storage ? prev->bpf_storage || next->bpf_storage :
			   tid_maybe_tracked(BPF_CORE_READ(prev, pid)) ||
			   tid_maybe_tracked(BPF_CORE_READ(next, pid)))
		return true;
	return interest && cpu_interesting(bpf_get_smp_processor_id());
}

/* ---- capture-only events ----------------------------------------------------- */

/* Finding: a migration while a window was open. */
static __always_inline void count_migration(struct rt_task_state *st, __u64 now)
{
	struct rt_slot *s = slot_of(st);

	count_finding(s, RT_FI_MIGRATIONS, now);
}

/* A task with an open window moves: its window now covers dest's ring. */
static __always_inline void on_migrate(struct task_struct *p, __u32 dest, bool task_storage)
{
	struct rt_task_state *st;
	struct rt_event *e;
	__u64 seq = 0;

	if (!capture)
		return;
	st = state_of(p, task_storage);
	if (!st || !window_open(st))
		return;
	e = ev_reserve(dest, &seq);
	if (e) {
		e->ts = bpf_ktime_get_ns();
		e->type = RT_EV_MIGRATE;
		e->cpu = get_task_cpu(p);
		e->arg = dest;
		e->state = 0;
		e->pad = 0;
		e->where = 0;
		e->steal = 0;
		fill_task(p, &e->pid, &e->prio, &e->policy, e->comm, task_storage);
		e->pid2 = 0;
		ev_publish(e, seq);
	}
	count_migration(st, bpf_ktime_get_ns());
	arrive(st, dest, seq, true);
	/* A pull (RT pull, CFS balancing) runs on dest: its current task is
	 * the one to mark.  A push runs on the source and dest's current
	 * task is out of reach: a switch there before the task runs (it is
	 * usually next) is not recorded. */
	interest_follow(st, dest,
			task_storage && dest == bpf_get_smp_processor_id() ? MARK_CURRENT :
									     MARK_NONE,
			true);
}

/* Hard and soft IRQs on watched CPUs: what took time from the task. */
static __always_inline void on_irq(int type, __u32 irq, __u16 arg, __u32 ret)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct rt_event *e;
	__u64 seq;

	if (!cpu_interesting(cpu))
		return;
	e = ev_reserve(cpu, &seq);
	if (!e)
		return;
	e->ts = bpf_ktime_get_ns();
	e->type = type;
	e->cpu = cpu;
	e->arg = arg;
	e->pid = irq;
	e->pid2 = 0;
	e->state = ret;
	e->pad = 0;
	e->where = 0;
	ev_steal(e, (struct task_struct *)bpf_get_current_task(), false);
	ev_publish(e, seq);
}

/* ---- task lifecycle ---------------------------------------------------------- */

/* A new thread of a process tracked from birth (-t, -- COMMAND). */
static __always_inline void on_fork(struct task_struct *child, bool task_storage)
{
	__u32 tgid, tid;

	if (!track_tgid_count)
		return;
	tgid = BPF_CORE_READ(child, tgid);
	if (!bpf_map_lookup_elem(&track_tgid, &tgid))
		return;
	tid = BPF_CORE_READ(child, pid);
	/* Born asleep, so sched_wakeup_new opens its first windows. */
	start_tracking(child, tid, tgid, RT_SLOT_FORKED, RT_ST_SLEEPING, task_storage);
}

/*
 * A non-leader thread that execs takes its leader's TID (de_thread), and
 * the leader, dying, takes the thread's.  Task storage follows the task,
 * `ttab` entries follow TIDs: give the thread its state back in storage
 * and free its entry.  (The leader gave its own back at its
 * sched_process_exit, which comes before the swap.)  tp_btf only: the
 * hash backend has no table.
 */
static __always_inline void on_exec(struct task_struct *p, __u32 old_pid)
{
	__u32 tid = p->pid, key, *idx, slot;
	struct rt_ttab_ent *e;

	if (tid == old_pid)
		return;
	key = old_pid & (RT_TTAB - 1);
	e = bpf_map_lookup_elem(&ttab, &key);
	if (e && e->st.tid == old_pid)
		ttab_unmove(p, &e->st);
	/* a birth still waiting for user space (PREEMPT_RT) follows the TID */
	if (want_count && (idx = bpf_map_lookup_elem(&want, &old_pid))) {
		slot = *idx;
		if (!bpf_map_delete_elem(&want, &old_pid) &&
		    bpf_map_update_elem(&want, &tid, &slot, BPF_NOEXIST))
			__sync_fetch_and_add(&want_count, -1);
	}
}

static __always_inline void on_exit(struct task_struct *p, bool task_storage)
{
	struct rt_task_state *st;
	struct rt_ttab_ent *e;
	struct rt_slot *s;
	__u32 tid, key, idx, *idxp;

	/* A task leaves the table here, while it still owns its TID: an
	 * autoreaped thread frees the TID (exit_notify) before its last
	 * switch, and a leader whose thread execs swaps TIDs with it
	 * (de_thread) then.  Its last events use task storage, which follows
	 * the task: ttab_move skips it (PF_EXITING is set before this
	 * tracepoint), and state_of ignores the table after exit_notify. */
	if (task_storage && p->bpf_storage && p->pid) {
		tid = p->pid;
		key = tid & (RT_TTAB - 1);
		e = bpf_map_lookup_elem(&ttab, &key);
		if (e && e->st.tid == tid)
			ttab_unmove(p, &e->st);
	}
	st = state_of(p, task_storage);

	if (!st) {
		/* Gone before user space adopted it (a deferred birth, or a
		 * thread without a pidfd): the entry must not outlive its TID,
		 * which a new thread could reuse. */
		if (task_storage && want_count) {
			tid = p->pid;
			idxp = bpf_map_lookup_elem(&want, &tid);
			idx = idxp ? *idxp : RT_NO_SLOT;
			if (!bpf_map_delete_elem(&want, &tid)) {
				__sync_fetch_and_add(&want_count, -1);
				__sync_fetch_and_add(&counters.adopt_missed, 1);
				/* never published: recycled unreported */
				s = bpf_map_lookup_elem(&slots, &idx);
				if (s)
					__sync_fetch_and_or(&s->flags, RT_SLOT_DEAD);
			}
		}
		return;
	}
	s = slot_of(st);

	if (!s)
		return;
	s->exit_ns = bpf_ktime_get_ns();
	/* exec and sched_setscheduler change these after pick-up. */
	BPF_CORE_READ_STR_INTO(&s->comm, p, comm);
	/* the policy it ran with is noted at its activations; a task that
	 * never woke takes the one it exits with (cyclictest's threads go
	 * back to SCHED_OTHER after their last one) */
	if (!s->m[RT_LATENCY].count)
		note_policy(s, p, s->exit_ns, task_storage);
	__sync_fetch_and_or(&s->flags, RT_SLOT_EXITED);
}

#endif /* __RTTRACE_HANDLERS_BPF_H */
