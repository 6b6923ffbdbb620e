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

#define TASK_STORAGE true /* tp_btf programs */
#define TID_HASH false    /* raw_tp programs */

/* ---- switch-out classification ------------------------------------------- */

static __always_inline bool voluntary(bool preempt, __u32 prev_state)
{
	return !preempt && (prev_state & RT_VOLUNTARY_MASK);
}

/* Is the current task (prev, at sched_switch) inside a timer sleep?
 * Classifying at switch-out means a nanosleep that returns without
 * blocking can never mark a later, unrelated block as a timer sleep. */
static __always_inline bool in_timer_sleep(struct task_struct *prev, bool task_storage)
{
	struct task_struct *cur;
	struct pt_regs *regs;
	long nr;
	bool compat;

	if (!task_storage && !kernel_btf) { /* (tp_btf needs kernel BTF) */
		/* No BTF pointers: task_pt_regs() by hand, at the top of the
		 * task's kernel stack (x86_64 and arm64 put them there). */
		cur = (struct task_struct *)bpf_get_current_task();
		regs = (struct pt_regs *)((long)BPF_CORE_READ(cur, stack) + thread_size -
					  bpf_core_type_size(struct pt_regs));
		goto read;
	}
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return false;
	/* prev is current here; tp_btf hands us a trusted pointer, so its
	 * registers are read directly (no probe-read helper calls). */
	cur = task_storage ? prev : bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
read:
	if (!regs)
		return false;
#if defined(__TARGET_ARCH_x86)
	if (task_storage) {
		nr = regs->orig_ax;
		compat = cur->thread_info.status & 0x0002; /* TS_COMPAT */
	} else {
		nr = BPF_CORE_READ(regs, orig_ax);
		compat = BPF_CORE_READ(cur, thread_info.status) & 0x0002;
	}
	if (compat)
		/* ia32: nanosleep, clock_nanosleep, clock_nanosleep_time64 */
		return nr == 162 || nr == 267 || nr == 407;
	nr &= ~0x40000000L; /* x32 */
	return nr == 35 || nr == 230;
#elif defined(__TARGET_ARCH_arm64)
	if (task_storage) {
		nr = regs->syscallno;
		compat = regs->pstate & 0x10; /* PSR_MODE32_BIT */
	} else {
		nr = BPF_CORE_READ(regs, syscallno);
		compat = BPF_CORE_READ(regs, pstate) & 0x10;
	}
	if (compat)
		/* aarch32: nanosleep, clock_nanosleep, clock_nanosleep_time64 */
		return nr == 162 || nr == 265 || nr == 407;
	return nr == 101 || nr == 115;
#else
	return false;
#endif
}

/* ---- wakeups: windows open --------------------------------------------------- */

/* sched_wakeup(_new) of a sleeping tracked task opens latency and
 * response, and relief if the sleep was a timer sleep and none is open. */
static __always_inline void on_wakeup(struct task_struct *p, bool after_waking,
				      bool task_storage)
{
	struct rt_task_state *st = lookup_or_pick_up(p, task_storage);
	__u64 now, seq = 0, tmark = 0;
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
		have_ev = ev_wakeup(p, here, target, now, after_waking, &seq, task_storage);
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

/* prev leaves the CPU: a voluntary sleep closes response (and relief, if
 * this sleep is itself a timer sleep); a preemption closes nothing. */
static __always_inline void switch_out(struct rt_task_state *st, bool preempt,
				       __u32 prev_state, __u64 now, bool task_storage,
				       struct task_struct *prev, __u16 cpu,
				       __u64 seq, bool timer, bool cap)
{
	struct rt_slot *s;

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
	if (!task_storage && (prev_state & TASK_DEAD_)) {
		__u32 tid = BPF_CORE_READ(prev, pid);

		bpf_map_delete_elem(&task_state_hash, &tid);
	}
}

/* next gets the CPU: closes latency (only after a wakeup: wake_ns). */
static __always_inline void switch_in(struct rt_task_state *st, __u64 now,
				      __u16 cpu, __u64 seq, bool cap)
{
	struct rt_slot *s;

	arrive(st, cpu, seq, cap);
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
		if (s)
			record(s, st, RT_LATENCY, st->wake_ns, now, cpu, seq);
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
	__u32 cpu = 0, prev_state = 0;
	__u64 now, seq = 0;
	bool timer;

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
	/* a tracked task going to sleep: is it a timer sleep (relief)? */
	timer = sp && voluntary(preempt, prev_state) && in_timer_sleep(prev, task_storage);
	if (cap)
		seq = ev_switch(cpu, now, preempt, prev, next, prev_state, timer, task_storage);
	if (sp)
		switch_out(sp, preempt, prev_state, now, task_storage, prev, cpu, seq, timer, cap);
	if (sn) {
		if (task_storage && !sn->tid)
			sn = ttab_move(next, sn);
		switch_in(sn, now, cpu, seq, cap);
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
		fill_task(p, &e->pid, &e->prio, &e->policy, e->comm, task_storage);
		e->pid2 = 0;
		ev_publish(e, seq);
	}
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
	__u32 tid, key;

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
			if (!bpf_map_delete_elem(&want, &tid)) {
				__sync_fetch_and_add(&want_count, -1);
				__sync_fetch_and_add(&counters.adopt_missed, 1);
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
	s->policy = BPF_CORE_READ(p, policy);
	s->rt_priority = BPF_CORE_READ(p, rt_priority);
	s->prio = BPF_CORE_READ(p, prio);
	__sync_fetch_and_or(&s->flags, RT_SLOT_EXITED);
}

#endif /* __RTTRACE_HANDLERS_BPF_H */
