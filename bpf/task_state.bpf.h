/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a tracked task's state is, and how a task becomes tracked.
 *
 * Only tracked tasks carry state (struct rt_task_state, the open windows
 * and the run state).  With task_storage (the tp_btf programs):
 *
 *  - A task's state starts in task-local storage (`task_state`), created
 *    by user space through a thread pidfd, here at fork (start_tracking),
 *    or by the adopt_tasks iterator (pick_up) for a thread user space
 *    could not reach.
 *  - At its first switch-in it moves to its entry in `ttab`, a table
 *    direct-mapped by TID (ttab_move), if that entry is free; a second TID
 *    on a taken entry keeps using task storage.  Why: a task storage
 *    lookup touches three objects (the task's storage, the map, the
 *    element), an entry here one line of one page, and each first touch
 *    of a page in an event may cost a TLB miss (the cost model at the top
 *    of rttrace.bpf.c; figures in bench/RESULTS.md).
 *  - The storage element stays, flagged RT_STF_IN_TABLE: it keeps the
 *    task's bpf_storage pointer non-NULL, which every program tests first
 *    (state_of).
 *  - The state goes back to task storage at sched_process_exit (on_exit),
 *    while the task still owns its TID, and the entry is freed; an exec
 *    that swaps TIDs (on_exec) and rttrace del free it too.
 *
 * Without it (raw_tp programs, kernels before 5.11): a TID-keyed hash
 * (`task_state_hash`, preallocated), behind the byte filter
 * hot_page.tid_filter that spares untracked events the hash lookup.
 *
 * Per-task events are serialised by the scheduler (a task's wakeup and
 * its switches run under that task's runqueue lock), so the state and the
 * task's statistics slot are updated with plain stores.
 */
#ifndef __RTTRACE_TASK_STATE_BPF_H
#define __RTTRACE_TASK_STATE_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "core_fixes.bpf.h"
#include "maps.bpf.h"

/* vmlinux.h has types, not macros: errno values (asm-generic/errno-base.h) */
#define EEXIST_ 17

/* ---- state lookup ------------------------------------------------------ */

/* Hash backend: false means the TID has no state and is not in `want`
 * (see rt_hot_page.tid_filter); true, that the hash must tell. */
static __always_inline bool tid_maybe_tracked(__u32 tid)
{
	return hot_page.tid_filter[tid & (RT_TID_FILTER - 1)];
}

static __always_inline struct rt_task_state *
state_of(struct task_struct *t, bool task_storage)
{
	struct rt_task_state *st;
	struct rt_ttab_ent *e;
	__u32 tid, key;

	if (task_storage) {
		/* Most tasks carry no BPF storage at all: a NULL pointer test
		 * here saves the helper call (and its per-CPU recursion lock)
		 * on nearly every untracked event. */
		if (bpf_core_field_exists(t->bpf_storage) && !t->bpf_storage)
			return 0;
		/* an idle task is never tracked (but may be a holder) */
		if (!t->pid)
			return 0;
		tid = t->pid;
		key = tid & (RT_TTAB - 1);
		e = bpf_map_lookup_elem(&ttab, &key);
		/* Once exit_notify ran (exit_state), this TID may be another
		 * task's (freed, or swapped by an exec): the dying task gave
		 * its entry back before, at sched_process_exit (on_exit).  Not
		 * PF_EXITING: between it and that tracepoint a task still
		 * blocks and wakes (exit_mm), and its state is in the table. */
		if (e && e->st.tid == tid && !t->exit_state)
			return &e->st;
		st = bpf_task_storage_get(&task_state, t, 0, 0);
		/* moved to the table, and released from it since (del) */
		if (st && (st->flags & RT_STF_IN_TABLE))
			return 0;
		return st;
	}
	tid = BPF_CORE_READ(t, pid);
	if (!tid || !tid_maybe_tracked(tid))
		return 0;
	return bpf_map_lookup_elem(&task_state_hash, &tid);
}

static __always_inline struct rt_slot *slot_of(struct rt_task_state *st)
{
	__u32 idx = st->slot;

	return bpf_map_lookup_elem(&slots, &idx);
}

/* ---- becoming tracked -------------------------------------------------- */

/* The policy task t has now, noted in its slot if it changed: at each
 * activation (a thread often makes itself RT after it starts, as
 * cyclictest's measuring threads do), so the slot says what the task
 * last ran with.
 * task_struct.policy is the policy alone (SCHED_RESET_ON_FORK is a bit
 * field of its own). */
static __always_inline void note_policy(struct rt_slot *s, struct task_struct *t, __u64 now,
					bool task_storage)
{
	int policy = task_storage ? t->policy : BPF_CORE_READ(t, policy);
	int rtp = task_storage ? t->rt_priority : BPF_CORE_READ(t, rt_priority);

	if (policy == s->policy && rtp == s->rt_priority)
		return;
	s->policy = policy;
	s->rt_priority = rtp;
	s->prio = task_storage ? t->prio : BPF_CORE_READ(t, prio);
	s->policy_changes++;
	s->policy_change_ns = now;
}

static __always_inline void fill_slot(struct rt_slot *s, struct task_struct *t,
				      __u32 tid, __u32 tgid, __u32 flags,
				      __u64 now, bool publish)
{
	struct rt_slo_val *o;
	int i;

	s->tid = tid;
	s->tgid = tgid;
	s->policy = BPF_CORE_READ(t, policy);
	s->rt_priority = BPF_CORE_READ(t, rt_priority);
	s->prio = BPF_CORE_READ(t, prio);
	s->start_policy = s->policy;
	s->start_rt_priority = s->rt_priority;
	BPF_CORE_READ_STR_INTO(&s->comm, t, comm);
	s->added_ns = now;
	s->exit_ns = 0;
	o = bpf_map_lookup_elem(&slo_by_id, &tid);
	if (!o)
		o = bpf_map_lookup_elem(&slo_by_id, &tgid);
#pragma unroll
	for (i = 0; i < RT_NR_METRICS; i++) {
		s->m[i].count = 0;
		s->m[i].sum_ns = 0;
		s->m[i].min_ns = ~0ULL;
		s->m[i].max_ns = 0;
		s->m[i].slo_ns = o ? o->slo_ns[i] : default_slo[i];
		s->m[i].violations = 0;
		s->m[i].max_start_ns = 0;
		s->m[i].max_end_ns = 0;
	}
	/* Publish last: user space reports only VALID slots. */
	__sync_fetch_and_or(&s->flags, publish ? flags | RT_SLOT_VALID : flags);
}

static __always_inline struct rt_task_state *
attach_state(struct task_struct *t, __u32 tid, __u32 idx, __u8 run_state,
	     bool task_storage)
{
	struct rt_task_state init = { .slot = idx, .run_state = run_state,
				      .icpu = RT_NO_CPU };
	struct rt_slot *s = bpf_map_lookup_elem(&slots, &idx);
	struct rt_task_state *st;

	if (s)
		init.flags = s->flags & RT_SLOT_IRQ;
	if (capture)
		init.flags |= RT_STF_CAPTURE;
	if (task_storage) {
		/* user space attached it first (a thread it found while a
		 * deferred birth waited): that slot stays, this one unpublished */
		st = bpf_task_storage_get(&task_state, t, 0, 0);
		if (st)
			return st;
		st = bpf_task_storage_get(&task_state, t, &init,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		/* before the element: the filter may not hide a tracked TID */
		hot_page.tid_filter[tid & (RT_TID_FILTER - 1)] = 1;
		bpf_map_update_elem(&task_state_hash, &tid, &init, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&task_state_hash, &tid);
	}
	if (!st) {
		__sync_fetch_and_add(&counters.storage_failed, 1);
	} else {
		__sync_fetch_and_add(&counters.picked_up, 1);
		/* a deferred birth's slot is published once it has state */
		if (s && !(s->flags & RT_SLOT_VALID))
			__sync_fetch_and_or(&s->flags, RT_SLOT_VALID);
	}
	return st;
}

/*
 * A task user space made a slot for but could not attach storage to
 * itself (no thread pidfd before 6.9): attach it now.  Task storage is
 * adopted by the adopt_tasks iterator, in process context, where
 * allocating is allowed even on PREEMPT_RT (whose slab locks sleep and
 * must not be taken under the scheduler's raw locks) and which keeps the
 * `want` table out of every scheduler event.  The hash backend's elements
 * are preallocated: it picks up on the task's next event.
 */
static __always_inline struct rt_task_state *
pick_up(struct task_struct *t, __u32 tid, bool task_storage)
{
	__u32 *idxp, idx;

	if (!tid)
		return 0;
	idxp = bpf_map_lookup_elem(&want, &tid);
	if (!idxp)
		return 0;
	idx = *idxp;
	/* Only the CPU whose delete succeeds attaches the state. */
	if (bpf_map_delete_elem(&want, &tid))
		return 0;
	__sync_fetch_and_add(&want_count, -1);
	return attach_state(t, tid, idx, RT_ST_UNKNOWN, task_storage);
}

/* A slot for a new task: a recycled one (zeroed by user space), else one
 * never used; false when every slot is taken. */
static __always_inline bool take_slot(__u32 *idx)
{
	if (!bpf_map_pop_elem(&free_slots, idx))
		return true;
	*idx = __sync_fetch_and_add(&next_slot, 1);
	if (*idx < max_slots)
		return true;
	__sync_fetch_and_add(&counters.slots_full, 1);
	return false;
}

/*
 * Start tracking task t: take a slot of its own (a recycled TID gets its
 * own statistics) and create its state.
 */
static __always_inline void
start_tracking(struct task_struct *t, __u32 tid, __u32 tgid, __u32 flags,
	       __u8 run_state, bool task_storage)
{
	struct rt_task_state *st;
	struct rt_slot *s;
	__u32 idx;
	long err;

	if (!take_slot(&idx))
		return;
	s = bpf_map_lookup_elem(&slots, &idx);
	if (!s)
		return;
	if (task_storage && defer_fork_storage) {
		/* Creating task storage allocates, and before the BPF memory
		 * allocator backed it (see core_fixes.bpf.h) with the slab
		 * allocator, whose locks sleep on PREEMPT_RT: not allowed in a
		 * tracepoint, which runs with preemption disabled (the kernel
		 * may schedule while atomic, or hang). So on PREEMPT_RT a
		 * thread born under -t goes to `want` (preallocated) and user
		 * space runs adopt_tasks (process context) within ~10 ms (its
		 * loop period); its activations before that are not seen. */
		fill_slot(s, t, tid, tgid, flags, bpf_ktime_get_ns(), false);
		err = bpf_map_update_elem(&want, &tid, &idx, BPF_NOEXIST);
		if (!err) {
			__sync_fetch_and_add(&want_count, 1);
			return;
		}
		if (err != -EEXIST_ /* user space listed it first */)
			__sync_fetch_and_add(&counters.storage_failed, 1);
		__sync_lock_test_and_set(&s->flags, RT_SLOT_DEAD);
		return;
	}
	fill_slot(s, t, tid, tgid, flags, bpf_ktime_get_ns(), true);
	/* No state, no events: the slot goes back, unreported (the loss
	 * is counted in storage_failed). */
	st = attach_state(t, tid, idx, run_state, task_storage);
	if (!st || st->slot != idx /* user space gave it one first */)
		__sync_lock_test_and_set(&s->flags, RT_SLOT_DEAD);
}

/* Untracked tasks must cost no map access: reading any BPF map memory (a
 * global included) costs more than reading a task_struct field the
 * scheduler just touched (bench/parts.bpf.c, pt_sw_bss vs pt_sw_nullchk;
 * figures in bench/RESULTS.md). */
static __always_inline struct rt_task_state *
lookup_or_pick_up(struct task_struct *t, bool task_storage)
{
	struct rt_task_state *st;
	__u32 tid;

	if (task_storage)
		return state_of(t, task_storage);
	/* A wanted TID passes the filter too: a miss needs no want_count. */
	tid = BPF_CORE_READ(t, pid);
	if (!tid || !tid_maybe_tracked(tid))
		return 0;
	st = bpf_map_lookup_elem(&task_state_hash, &tid);
	if (!st && want_count)
		st = pick_up(t, tid, task_storage);
	return st;
}

/* ---- the state table (ttab) --------------------------------------------- */

/* Copy a task's state between task storage and `ttab`: all but the
 * entry's owner TID (0 in task storage). */
static __always_inline void copy_state(struct rt_task_state *dst,
				       const struct rt_task_state *src)
{
	__builtin_memcpy((char *)dst + sizeof(dst->tid), (const char *)src + sizeof(src->tid),
			 sizeof(*dst) - sizeof(dst->tid));
}

/*
 * Move a task's state from task storage to its `ttab` entry, if free.  At
 * its switch-in, under its runqueue's lock: no other CPU writes the state
 * then (a wakeup writes only a sleeping task's; a migration needs this
 * lock; the task itself is not running yet).
 */
static __always_inline struct rt_task_state *
ttab_move(struct task_struct *p, struct rt_task_state *st)
{
	__u32 tid = p->pid, key = tid & (RT_TTAB - 1);
	struct rt_ttab_ent *e = bpf_map_lookup_elem(&ttab, &key);

	/* A taken entry first: a task that lost its entry to another TID
	 * retries at every switch-in, and reads no more than that line.  An
	 * exiting task gave its entry back at sched_process_exit. */
	if (!e || e->st.tid || no_ttab || (p->flags & PF_EXITING_) ||
	    __sync_val_compare_and_swap(&e->st.tid, 0, RT_TTAB_CLAIMING))
		return st;
	copy_state(&e->st, st);
	st->flags |= RT_STF_IN_TABLE;
	/* a locked exchange: the copy is visible before the TID is */
	__sync_lock_test_and_set(&e->st.tid, tid);
	__sync_fetch_and_add(&counters.ttab_moved, 1);
	return &e->st;
}

/* Free a `ttab` entry (a no-op on state in task storage, whose tid is 0). */
static __always_inline void ttab_release(struct rt_task_state *st)
{
	if (st->tid)
		__sync_lock_test_and_set(&st->tid, 0);
}

/* Move task p's state back from its `ttab` entry e to its task storage
 * and free the entry; the storage element, or NULL. */
static __always_inline struct rt_task_state *
ttab_unmove(struct task_struct *p, struct rt_task_state *e)
{
	struct rt_task_state *st = bpf_task_storage_get(&task_state, p, 0, 0);

	if (st)
		copy_state(st, e); /* (e's flags never carry RT_STF_IN_TABLE) */
	ttab_release(e);
	return st;
}

#endif /* __RTTRACE_TASK_STATE_BPF_H */
