// SPDX-License-Identifier: GPL-2.0
/*
 * rttrace kernel side: per-task schedule-in latency, response time and
 * control-loop relief time, from the scheduler tracepoints.
 *
 * Design:
 *  - Only tracked tasks carry state (task-local storage, or a TID hash on
 *    kernels without it).  An untracked task costs one storage lookup per
 *    task in the event; no lock, no loop.
 *  - Per-task events are serialised by the scheduler (a task's wakeup and
 *    its switches run under that task's runqueue lock), so per-task state
 *    and statistics are updated with plain stores.
 *  - Statistics live in an mmapable array, one slot per tracked task, read
 *    by user space without stopping the programs.
 *  - Every program exists twice: tp_btf (task storage) and raw_tp (hash),
 *    user space loads the pair the running kernel supports.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "rttrace/hist.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Filled in by user space before load. */
const volatile bool has_prev_state_arg = true; /* sched_switch has prev_state (5.18+) */
const volatile __u32 max_slots = 1;
const volatile bool capture = false;      /* worst-case event capture on */
/* false when the running kernel has no BTF (--btf FILE supplies the types
 * for CO-RE): helpers that return BTF pointers are then unavailable */
const volatile bool kernel_btf = true;
const volatile __u32 thread_size = 16384; /* THREAD_SIZE without KASAN */
const volatile int irq_mode = RT_IRQM_NONE;
const volatile __u32 ring_size = 1;       /* events per CPU ring, power of 2 */
/* capture gates untracked switches by holder marks (see `holders`) */
const volatile bool use_holders = false;
/* Task storage is never created in a tracepoint: see start_tracking. */
const volatile bool defer_fork_storage = false;
const volatile bool no_ttab = false;      /* state stays in task storage (tests) */
const volatile __u64 default_slo[RT_NR_METRICS] = {
	RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET,
};

/* Shared with user space through the mmapped .bss. */
__u32 next_slot;          /* slot allocator (fetch-add, never reused) */
__u32 want_count;         /* entries in `want` (hash backend: zero makes pick-up free) */
__u32 track_tgid_count;   /* entries in `track_tgid`: zero makes forks free */
/* Samples count only if their window starts at or after this (user space
 * sets it once every target is added: the session's start). */
__u64 session_start_ns = ~0ULL;
/* ... and end at or before this (set when the session stops, before the
 * programs are detached one by one). */
__u64 session_end_ns = ~0ULL;
struct rt_counters counters;
/* The hash backend's TID filter and the CPUs' interest words, in one
 * page: an untracked event of raw_switch_cap reads both (see rt_gate).
 * Page-aligned (and so each ring line 64-byte aligned: unaligned, CPU 0's
 * ring shared a line with want_count, and each event CPU 0 captured cost
 * the other CPUs a miss). */
struct rt_gate gate __attribute__((aligned(4096)));
struct rt_waker wakers[RT_WAKERS] __attribute__((aligned(64)));

/* Kernel task_struct state bits (stable since 4.14). */
#define TASK_INTERRUPTIBLE_ 0x0001
#define TASK_UNINTERRUPTIBLE_ 0x0002
#define TASK_PARKED_ 0x0040
#define TASK_DEAD_ 0x0080
#define TASK_NOLOAD_ 0x0400
#define PF_EXITING_ 0x0004 /* task_struct.flags, the same since 2.6 */
/* A voluntary sleep: the seed's mask.  TASK_RTLOCK_WAIT (0x1000, a
 * PREEMPT_RT sleeping-spinlock wait) and stopped/traced are not in it. */
#define RT_VOLUNTARY_MASK                                                   \
	(TASK_INTERRUPTIBLE_ | TASK_UNINTERRUPTIBLE_ | TASK_PARKED_ |       \
	 TASK_DEAD_ | TASK_NOLOAD_)

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rt_task_state);
} task_state SEC(".maps");

/*
 * The tp_btf backend's state, direct-mapped by TID.  bpf_task_storage_get
 * touches three objects (the task's storage, the map, the element): on
 * this VM, where every first touch of a page costs a TLB miss, ~100 ns of
 * a tracked wakeup.  An entry here is one line of one page.  A task's
 * state starts in task storage (created by user space, at fork, or by
 * adopt_tasks, as before) and moves here at its first switch-in if its
 * entry is free (ttab_move); a second TID on a taken entry keeps using
 * task storage.  The storage element stays, flagged RT_STF_IN_TABLE: it
 * keeps the task's BPF storage pointer non-NULL, which every program
 * tests first.  The state goes back to task storage at sched_process_exit
 * (on_exit), while the task still owns its TID, and the entry is freed;
 * rttrace del frees it too.  Fixed 128 KiB.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* page-aligned: an entry's line 0 is a line */
	__uint(max_entries, RT_TTAB);
	__type(key, __u32);
	__type(value, struct rt_ttab_ent);
} ttab SEC(".maps");

/*
 * Capture records every switch on a CPU where a tracked task waits or runs
 * with a window open ("interesting", gate.cpu_ring[].interest).  Reading that
 * word on every untracked switch costs a BPF map page per event (see
 * on_switch), so instead the task holding an interesting CPU carries an
 * element here, and an untracked switch where neither task has any BPF
 * storage exits after two pointer tests.  Invariant: interest(c) > 0
 * implies rq(c)->curr is tracked or a holder.  It is set up when a CPU's
 * interest rises from 0 (its current task is marked) and kept by every
 * switch on an interesting CPU (next is marked); marks are dropped lazily,
 * at the holder's next switch on an uninteresting CPU, by clearing the
 * element's value, not by deleting it: creating and deleting elements
 * makes the kernel's BPF allocator refill and free its per-CPU caches
 * from an IRQ-work interrupt on that CPU, the traced one.  The price: a
 * task that once held a watched CPU keeps a BPF storage pointer, so its
 * switches take the long way (the tail call and two lookups) to find it
 * holds nothing.  Cost: one element (~100 bytes with the kernel's storage
 * header) per task that ever held a watched CPU; freed with the task.
 * Not on PREEMPT_RT, where creating storage under the scheduler's raw
 * locks is not allowed: there the interest word is read on every switch.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} holders SEC(".maps");

/* Fallback for kernels without task storage; sized to max_slots. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rt_task_state);
} task_state_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rt_slot);
} slots SEC(".maps");

/* TIDs user space made a slot for but could not create the storage of
 * (no thread pidfd): adopt_tasks attaches it (task storage backend), or
 * the task's next event (hash backend).  Value: slot index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} want SEC(".maps");

/* Processes whose new threads are tracked from birth (-t, -- COMMAND). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} track_tgid SEC(".maps");

/* Tracked IRQ threads, by TID. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct rt_irq_state);
} irq_threads SEC(".maps");

/* Captured events: ring_size entries per CPU, CPU c at [c * ring_size]. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rt_event);
} events SEC(".maps");

/* Window descriptors for user space (new maxima, SLO violations).
 * Published without a wakeup (see commit()); user space drains it on its
 * own timer and shortens the timer when the ring fills faster.  72 bytes
 * a descriptor: ~3600 in flight. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RT_COMMIT_RING_BYTES);
} commits SEC(".maps");

/* Per-TID or per-TGID SLO overrides, read once when a slot is made. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct rt_slo_val);
} slo_by_id SEC(".maps");

/* ---- state lookup ------------------------------------------------------ */

/* Hash backend: false means the TID has no state and is not in `want`
 * (see rt_gate.tid_filter); true, that the hash must tell. */
static __always_inline bool tid_maybe_tracked(__u32 tid)
{
	return gate.tid_filter[tid & (RT_TID_FILTER - 1)];
}

static __always_inline struct rt_task_state *
state_of(struct task_struct *t, bool ts)
{
	struct rt_task_state *st;
	struct rt_ttab_ent *e;
	__u32 tid, key;

	if (ts) {
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
	     bool ts)
{
	struct rt_task_state init = { .slot = idx, .run_state = run_state,
				      .icpu = RT_NO_CPU };
	struct rt_slot *s = bpf_map_lookup_elem(&slots, &idx);
	struct rt_task_state *st;

	if (s)
		init.flags = s->flags & RT_SLOT_IRQ;
	if (capture)
		init.flags |= RT_STF_CAPTURE;
	if (ts) {
		/* user space attached it first (a thread it found while a
		 * deferred birth waited): that slot stays, this one unpublished */
		st = bpf_task_storage_get(&task_state, t, 0, 0);
		if (st)
			return st;
		st = bpf_task_storage_get(&task_state, t, &init,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		/* before the element: the filter may not hide a tracked TID */
		gate.tid_filter[tid & (RT_TID_FILTER - 1)] = 1;
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
pick_up(struct task_struct *t, __u32 tid, bool ts)
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
	return attach_state(t, tid, idx, RT_ST_UNKNOWN, ts);
}

/*
 * Start tracking task t: take a fresh slot (slots are never reused, so a
 * recycled TID gets its own statistics) and create its state.
 */
static __always_inline void
start_tracking(struct task_struct *t, __u32 tid, __u32 tgid, __u32 flags,
	       __u8 run_state, bool ts)
{
	struct rt_slot *s;
	__u32 idx;
	long err;

	idx = __sync_fetch_and_add(&next_slot, 1);
	if (idx >= max_slots) {
		__sync_fetch_and_add(&counters.slots_full, 1);
		return;
	}
	s = bpf_map_lookup_elem(&slots, &idx);
	if (!s)
		return;
	if (ts && defer_fork_storage) {
		/* Creating task storage allocates, and before 6.5 (bpf_mem_alloc)
		 * with the slab allocator, whose locks sleep on PREEMPT_RT: not
		 * allowed in a tracepoint, which runs with preemption disabled
		 * (the kernel may schedule while atomic, or hang). So on
		 * PREEMPT_RT a thread born under -t goes to `want` (preallocated)
		 * and user space runs adopt_tasks (process context) within
		 * ~10 ms; its activations before that are not seen. */
		fill_slot(s, t, tid, tgid, flags, bpf_ktime_get_ns(), false);
		err = bpf_map_update_elem(&want, &tid, &idx, BPF_NOEXIST);
		if (!err)
			__sync_fetch_and_add(&want_count, 1);
		else if (err != -17 /* EEXIST: user space listed it first */)
			__sync_fetch_and_add(&counters.storage_failed, 1);
		return;
	}
	fill_slot(s, t, tid, tgid, flags, bpf_ktime_get_ns(), true);
	attach_state(t, tid, idx, run_state, ts);
}

/* Untracked tasks must cost no map access: reading any BPF map memory
 * (a global included) costs 20-40 ns per event here, a task_struct field
 * nothing (bench/parts.bpf.c, pt_sw_bss vs pt_sw_nullchk). */
static __always_inline struct rt_task_state *
lookup_or_pick_up(struct task_struct *t, bool ts)
{
	struct rt_task_state *st;
	__u32 tid;

	if (ts)
		return state_of(t, ts);
	/* A wanted TID passes the filter too: a miss needs no want_count. */
	tid = BPF_CORE_READ(t, pid);
	if (!tid || !tid_maybe_tracked(tid))
		return 0;
	st = bpf_map_lookup_elem(&task_state_hash, &tid);
	if (!st && want_count)
		st = pick_up(t, tid, ts);
	return st;
}

/* ---- capture ----------------------------------------------------------- */

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
	seq = __sync_fetch_and_add(&gate.cpu_ring[cpu].head, 1);
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

/* Holder marks (see `holders`): task storage backend only. */
static __always_inline bool is_holder(struct task_struct *t, __u32 cpu)
{
	__u8 *held;

	if (bpf_core_field_exists(t->bpf_storage) && !t->bpf_storage)
		return false;
	barrier_var(cpu);
	if (!t->pid) /* this CPU's idle task: see hold() */
		return cpu < RT_MAX_CPUS && gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held;
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
	if (idle && gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held)
		return;
	held = bpf_task_storage_get(&holders, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!held) {
		__sync_fetch_and_add(&counters.holds_failed, 1);
		return;
	}
	*held = 1;
	if (idle)
		gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held = 1;
}

/* Clear the mark, keeping the element (see `holders`). */
static __always_inline void unhold(struct task_struct *t, __u32 cpu)
{
	__u8 *held;

	barrier_var(cpu);
	held = bpf_task_storage_get(&holders, t, 0, 0);
	if (held)
		*held = 0;
	if (t->pid == 0 && cpu < RT_MAX_CPUS)
		gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held = 0;
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
			gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].idle_held = 1;
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
	old = __sync_fetch_and_add(&gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].interest, d);
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
	return cpu < RT_MAX_CPUS && gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].interest;
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

static __always_inline void fill_task(struct task_struct *t, __u32 *pid, __s16 *prio,
				      __u8 *policy, char *comm, bool ts)
{
	if (ts) {
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

static __always_inline __u64 ev_switch(__u32 cpu, __u64 now, bool preempt,
				       struct task_struct *prev,
				       struct task_struct *next, __u32 prev_state,
				       bool timer, bool ts)
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
	fill_task(prev, &e->pid, &e->prio, &e->policy, e->comm, ts);
	fill_task(next, &e->pid2, &e->prio2, &e->policy2, e->comm2, ts);
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
	h = *(volatile __u64 *)&gate.cpu_ring[cpu & (RT_MAX_CPUS - 1)].head;
	return h > RT_MARK_SLACK ? h - RT_MARK_SLACK : 0;
}

/* The window's first event: the wakeup, written to the ring of the CPU
 * this program runs on (the waker's, or the target's for a queued remote
 * wakeup), so every ring has one writer CPU; the window also covers the
 * target CPU's ring from the wakeup on (ctx_open). */
static __always_inline bool ev_wakeup(struct task_struct *p, __u32 here,
				      __u32 target, __u64 now, bool after_waking,
				      __u64 *seqp, bool ts)
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
	fill_task(p, &e->pid, &e->prio, &e->policy, e->comm, ts);
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
		if (ts)
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

/* ---- samples ----------------------------------------------------------- */

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

/* Is the current task (prev, at sched_switch) inside a timer sleep?
 * Classifying at switch-out means a nanosleep that returns without
 * blocking can never mark a later, unrelated block as a timer sleep. */
static __always_inline bool in_timer_sleep(struct task_struct *prev, bool ts)
{
	struct task_struct *cur;
	struct pt_regs *regs;
	long nr;
	bool compat;

	if (!ts && !kernel_btf) { /* (tp_btf needs kernel BTF) */
		/* No BTF pointers: task_pt_regs() by hand, at the top of the
		 * task's kernel stack (x86_64 and arm64 put them there). */
		cur = (struct task_struct *)bpf_get_current_task();
		regs = (struct pt_regs *)((long)BPF_CORE_READ(cur, stack) + thread_size -
					  bpf_core_type_size(struct pt_regs));
		ts = false;
		goto read;
	}
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return false;
	/* prev is current here; tp_btf hands us a trusted pointer, so its
	 * registers are read directly (no probe-read helper calls). */
	cur = ts ? prev : bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
read:
	if (!regs)
		return false;
#if defined(__TARGET_ARCH_x86)
	if (ts) {
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
	if (ts) {
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

/* ---- threaded IRQs ----------------------------------------------------- */

/* One interrupt fully handled by IRQ thread is: irq = handler time; and,
 * when its hard IRQ was seen, irq_delay = hard entry -> handler end, with
 * its three parts. */
static __always_inline void irq_done(struct rt_irq_state *is, __u64 begin, __u64 now)
{
	__u32 idx = is->slot;
	struct rt_slot *s = bpf_map_lookup_elem(&slots, &idx);
	__u64 h0 = is->run_entry_ns, h1 = is->run_exit_ns, v;

	is->handler_ns = 0;
	is->run_entry_ns = 0;
	is->run_exit_ns = 0;
	if (!s)
		return;
	record(s, 0, RT_IRQ, begin, now, 0, 0);
	if (!h0 || h0 > begin)
		return;
	if (!h1 || h1 > begin)
		h1 = begin;
	v = now - h0;
	if (v > s->m[RT_IRQ_DELAY].max_ns) {
		s->delay_parts[RT_DP_HARD] = h1 - h0;
		s->delay_parts[RT_DP_WAKE] = begin - h1;
		s->delay_parts[RT_DP_THREAD] = now - begin;
	}
	s->delay_part_sum[RT_DP_HARD] += h1 - h0;
	s->delay_part_sum[RT_DP_WAKE] += begin - h1;
	s->delay_part_sum[RT_DP_THREAD] += now - begin;
	record(s, 0, RT_IRQ_DELAY, h0, now, 0, 0);
}

/* A handler run starts: it serves the oldest pending hard IRQ, and a hard
 * IRQ arriving while it runs waits for the next run. */
static __always_inline void irq_begin(struct rt_irq_state *is, __u64 now)
{
	is->handler_ns = now;
	is->run_entry_ns = is->hard_entry_ns;
	is->run_exit_ns = is->hard_exit_ns;
	is->hard_entry_ns = 0;
	is->hard_exit_ns = 0;
}

/* Hard IRQ of an action whose thread we track. */
static __always_inline void irq_hard(struct irqaction *action, bool entry, int ret)
{
	struct task_struct *thread;
	struct rt_irq_state *is;
	__u32 tid;

	if (irq_mode == RT_IRQM_NONE)
		return;
	thread = BPF_CORE_READ(action, thread);
	if (!thread)
		return;
	tid = BPF_CORE_READ(thread, pid);
	is = bpf_map_lookup_elem(&irq_threads, &tid);
	if (!is)
		return;
	if (entry) {
		if (!is->hard_entry_ns) {
			is->hard_entry_ns = bpf_ktime_get_ns();
			is->hard_exit_ns = 0;
		}
	} else if (is->hard_entry_ns && !is->hard_exit_ns && (ret & 2 /* IRQ_WAKE_THREAD */)) {
		is->hard_exit_ns = bpf_ktime_get_ns();
	}
}

/* Threaded handler entry/exit, in the IRQ thread itself. */
static __always_inline void irq_thread_fn(bool entry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct rt_irq_state *is = bpf_map_lookup_elem(&irq_threads, &tid);

	if (!is)
		return;
	if (entry)
		irq_begin(is, bpf_ktime_get_ns());
	else if (is->handler_ns)
		irq_done(is, is->handler_ns, bpf_ktime_get_ns());
}

/* ---- event handlers ---------------------------------------------------- */

static __always_inline void on_wakeup(struct task_struct *p, bool after_waking, bool ts)
{
	struct rt_task_state *st = lookup_or_pick_up(p, ts);
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
		 * transfer (measured: +300 ns per captured wakeup) instead of
		 * leaving it to the store buffer. */
		target = get_task_cpu(p); /* the tracepoint runs after select_task_rq */
		here = bpf_get_smp_processor_id();
		interest_move(st->icpu, target,
			      !ts ? MARK_NONE : target == here ? MARK_CURRENT : MARK_RQ_OF_P, p);
		if (target != here)
			tmark = ring_mark(target);
		have_ev = ev_wakeup(p, here, target, now, after_waking, &seq, ts);
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
static __always_inline void on_waking(struct task_struct *p, bool ts)
{
	struct rt_waker *r;
	__u32 tid;

	if (ts) {
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
	if (ts)
		fill_task(bpf_get_current_task_btf(), &r->pid, &r->prio, &r->policy,
			  r->comm, true);
	else
		fill_task((struct task_struct *)bpf_get_current_task(), &r->pid, &r->prio,
			  &r->policy, r->comm, false);
	r->cpu = bpf_get_smp_processor_id();
}

static __always_inline bool voluntary(bool preempt, __u32 prev_state)
{
	return !preempt && (prev_state & RT_VOLUNTARY_MASK);
}

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

static __always_inline void switch_out(struct rt_task_state *st, bool preempt,
				       __u32 prev_state, __u64 now, bool ts,
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
	if (!ts && (prev_state & TASK_DEAD_)) {
		__u32 tid = BPF_CORE_READ(prev, pid);

		bpf_map_delete_elem(&task_state_hash, &tid);
	}
}

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
 * Three copies, chosen at load: without capture, with capture gated by
 * the per-CPU interest word, and with capture gated by holder marks
 * (`held`, see `holders`).  A load-time constant (.rodata) still costs a
 * load from the map's memory, and the first touch of any BPF map page
 * costs 20-40 ns per event here (bench/parts.bpf.c: page-table isolation
 * without PCID flushes the TLB at every kernel entry, while prev and next
 * were just touched by the scheduler).  So an untracked switch reads
 * nothing but the two task_structs (plus, in the interest-word copy, that
 * word): `cap` and `held` are compile-time constants and prev_state is
 * read only when needed.
 * Not BPF_PROG: the 4th argument exists only on 5.18+, and reading it
 * must stay behind has_prev_state_arg.
 */
static __always_inline void on_switch(__u64 *ctx, bool ts, bool cap, bool held)
{
	bool preempt = (bool)ctx[0];
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];
	struct rt_task_state *sp, *sn;
	__u32 cpu = 0, prev_state = 0;
	__u64 now, seq = 0;
	bool timer;

	/* The common case first, before anything is spilled: neither task
	 * carries any BPF storage, so neither is tracked nor a holder. */
	if (ts && (!cap || held) && bpf_core_field_exists(prev->bpf_storage) &&
	    !prev->bpf_storage && !next->bpf_storage)
		return;
	sp = lookup_or_pick_up(prev, ts);
	sn = lookup_or_pick_up(next, ts);
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
	timer = sp && voluntary(preempt, prev_state) && in_timer_sleep(prev, ts);
	if (cap)
		seq = ev_switch(cpu, now, preempt, prev, next, prev_state, timer, ts);
	if (sp)
		switch_out(sp, preempt, prev_state, now, ts, prev, cpu, seq, timer, cap);
	if (sn) {
		if (ts && !sn->tid)
			sn = ttab_move(next, sn);
		switch_in(sn, now, cpu, seq, cap);
	}
	/* next holds a watched CPU now: mark it (keeps the invariant) */
	else if (held && cpu_interesting(cpu))
		hold(next, cpu);
}

static __always_inline void on_migrate(struct task_struct *p, __u32 dest, bool ts)
{
	struct rt_task_state *st;
	struct rt_event *e;
	__u64 seq = 0;

	if (!capture)
		return;
	st = state_of(p, ts);
	if (!st || !window_open(st))
		return;
	e = ev_reserve(dest, &seq);
	if (e) {
		e->ts = bpf_ktime_get_ns();
		e->type = RT_EV_MIGRATE;
		e->cpu = get_task_cpu(p);
		e->arg = dest;
		e->state = 0;
		fill_task(p, &e->pid, &e->prio, &e->policy, e->comm, ts);
		e->pid2 = 0;
		ev_publish(e, seq);
	}
	arrive(st, dest, seq, true);
	/* A pull (RT pull, CFS balancing) runs on dest: its current task is
	 * the one to mark.  A push runs on the source and dest's current
	 * task is out of reach: a switch there before the task runs (it is
	 * usually next) is not recorded. */
	interest_follow(st, dest,
			ts && dest == bpf_get_smp_processor_id() ? MARK_CURRENT : MARK_NONE,
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

static __always_inline void on_fork(struct task_struct *child, bool ts)
{
	__u32 tgid, tid;

	if (!track_tgid_count)
		return;
	tgid = BPF_CORE_READ(child, tgid);
	if (!bpf_map_lookup_elem(&track_tgid, &tgid))
		return;
	tid = BPF_CORE_READ(child, pid);
	/* Born asleep, so sched_wakeup_new opens its first windows. */
	start_tracking(child, tid, tgid, RT_SLOT_FORKED, RT_ST_SLEEPING, ts);
}

/*
 * A non-leader thread that execs takes its leader's TID (de_thread), and
 * the leader, dying, takes the thread's.  Task storage follows the task,
 * `ttab` entries follow TIDs: give the thread its state back in storage
 * and free its entry.  (The leader gave its own back at its
 * sched_process_exit, which comes before the swap.)
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

static __always_inline void on_exit(struct task_struct *p, bool ts)
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
	if (ts && p->bpf_storage && p->pid) {
		tid = p->pid;
		key = tid & (RT_TTAB - 1);
		e = bpf_map_lookup_elem(&ttab, &key);
		if (e && e->st.tid == tid)
			ttab_unmove(p, &e->st);
	}
	st = state_of(p, ts);

	if (!st) {
		/* Gone before user space adopted it (a deferred birth, or a
		 * thread without a pidfd): the entry must not outlive its TID,
		 * which a new thread could reuse. */
		if (ts && want_count) {
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

/* ---- programs ---------------------------------------------------------- */
/* Every program exists twice: tp_btf (task storage, direct reads) and
 * raw_tp (TID hash, probe reads); user space loads the pair the kernel
 * supports.  `ts` tells the shared handlers which one they run in. */
#define RT_TWIN(name, tp, call, ...)					\
	SEC("tp_btf/" tp)						\
	int BPF_PROG(tp_##name, __VA_ARGS__)				\
	{								\
		const bool ts = true;					\
		call;							\
		return 0;						\
	}								\
	SEC("raw_tp/" tp)						\
	int BPF_PROG(raw_##name, __VA_ARGS__)				\
	{								\
		const bool ts = false;					\
		call;							\
		return 0;						\
	}

RT_TWIN(wakeup, "sched_wakeup", on_wakeup(p, true, ts), struct task_struct *p)
RT_TWIN(wakeup_new, "sched_wakeup_new", on_wakeup(p, false, ts), struct task_struct *p)
RT_TWIN(waking, "sched_waking", on_waking(p, ts), struct task_struct *p)
RT_TWIN(fork, "sched_process_fork", on_fork(child, ts), struct task_struct *parent,
	struct task_struct *child)
RT_TWIN(exit, "sched_process_exit", on_exit(p, ts), struct task_struct *p)
SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_exec(p, old_pid);
	return 0;
}
RT_TWIN(migrate, "sched_migrate_task", on_migrate(p, dest_cpu, ts), struct task_struct *p,
	int dest_cpu)
RT_TWIN(irq_entry, "irq_handler_entry",
	(irq_hard(action, true, 0), capture ? on_irq(RT_EV_IRQ_ENTRY, irq, 0, 0) : (void)0),
	int irq, struct irqaction *action)
RT_TWIN(irq_exit, "irq_handler_exit",
	(irq_hard(action, false, ret), capture ? on_irq(RT_EV_IRQ_EXIT, irq, 0, ret) : (void)0),
	int irq, struct irqaction *action, int ret)
RT_TWIN(softirq_entry, "softirq_entry", on_irq(RT_EV_SOFTIRQ_ENTRY, 0, vec, 0), unsigned int vec)
RT_TWIN(softirq_exit, "softirq_exit", on_irq(RT_EV_SOFTIRQ_EXIT, 0, vec, 0), unsigned int vec)

/*
 * Run by user space (bpf_iter_create + read) after it put threads it could
 * not give task storage to in `want`: attaches their state here, in
 * process context, with no scheduler lock held.  Walks every thread once.
 */
SEC("iter/task")
int adopt_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;

	if (t && want_count)
		pick_up(t, t->pid, true);
	return 0;
}

/* sched_switch: one copy per backend and capture gate (see on_switch). */
#define RT_SWITCH(name, sec, ts, cap, held)				\
	SEC(sec)							\
	int name(__u64 *ctx)						\
	{								\
		on_switch(ctx, ts, cap, held);				\
		return 0;						\
	}

RT_SWITCH(tp_switch, "tp_btf/sched_switch", true, false, false)
RT_SWITCH(tp_switch_cap, "tp_btf/sched_switch", true, true, false)
RT_SWITCH(tp_switch_hold, "tp_btf/sched_switch", true, true, true)
RT_SWITCH(raw_switch, "raw_tp/sched_switch", false, false, false)
RT_SWITCH(raw_switch_cap, "raw_tp/sched_switch", false, true, false)

/*
 * The untracked exit of sched_switch in a program of its own, which
 * tail-calls the copy in use (switch_body[0], raw_switch_body[0]) only when
 * prev or next may be tracked or a holder, or (interest-word copies) the
 * CPU is watched.  A large program pays, on every run, for its size and
 * its frame (callee-saved registers, stack; the exit block sits 5 KiB past
 * the entry): measured ~10-20 ns per untracked switch.  User space falls
 * back to attaching the copy itself if this cannot be set up.  A program
 * array takes one program type: one per backend.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} switch_body SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} raw_switch_body SEC(".maps");

/* Could this switch concern rttrace: prev or next tracked or a holder
 * (task storage) or maybe tracked (the hash backend's TID filter; the idle
 * task, TID 0, passes only if a tracked TID is a multiple of
 * RT_TID_FILTER), or, for the interest-word copies, a watched CPU? */
static __always_inline bool switch_may_matter(__u64 *ctx, bool ts, bool interest)
{
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];

	if (ts ? prev->bpf_storage || next->bpf_storage :
		 tid_maybe_tracked(BPF_CORE_READ(prev, pid)) ||
		 tid_maybe_tracked(BPF_CORE_READ(next, pid)))
		return true;
	return interest && cpu_interesting(bpf_get_smp_processor_id());
}

/* The slot is set before the gate is attached, and the program array
 * keeps it while a file refers to it (rttrace's, or a session's pin: user
 * space checks the pin, see session_gate_lost): nothing to do here if the
 * tail call fails. */
#define RT_GATE(name, sec, ts, interest, body)				\
	SEC(sec)							\
	int name(__u64 *ctx)						\
	{								\
		if (switch_may_matter(ctx, ts, interest))		\
			bpf_tail_call(ctx, &body, 0);			\
		return 0;						\
	}

RT_GATE(tp_switch_gate, "tp_btf/sched_switch", true, false, switch_body)
RT_GATE(tp_switch_gate_cap, "tp_btf/sched_switch", true, true, switch_body)
RT_GATE(raw_switch_gate, "raw_tp/sched_switch", false, false, raw_switch_body)
RT_GATE(raw_switch_gate_cap, "raw_tp/sched_switch", false, true, raw_switch_body)

/* ---- threaded IRQ handler: one of these pairs is loaded ----------------- */
/* irq_thread() calls handler_fn = irq_thread_fn (request_threaded_irq) or
 * irq_forced_thread_fn (forced threading: PREEMPT_RT, threadirqs). */

SEC("fentry/irq_thread_fn")
int BPF_PROG(fentry_irq_thread_fn, struct irq_desc *desc, struct irqaction *action)
{
	irq_thread_fn(true);
	return 0;
}

SEC("fexit/irq_thread_fn")
int BPF_PROG(fexit_irq_thread_fn, struct irq_desc *desc, struct irqaction *action, int ret)
{
	irq_thread_fn(false);
	return 0;
}

SEC("fentry/irq_forced_thread_fn")
int BPF_PROG(fentry_irq_forced_thread_fn, struct irq_desc *desc, struct irqaction *action)
{
	irq_thread_fn(true);
	return 0;
}

SEC("fexit/irq_forced_thread_fn")
int BPF_PROG(fexit_irq_forced_thread_fn, struct irq_desc *desc, struct irqaction *action, int ret)
{
	irq_thread_fn(false);
	return 0;
}

SEC("kprobe/irq_thread_fn")
int kprobe_irq_thread_fn(void *ctx)
{
	irq_thread_fn(true);
	return 0;
}

SEC("kretprobe/irq_thread_fn")
int kretprobe_irq_thread_fn(void *ctx)
{
	irq_thread_fn(false);
	return 0;
}

SEC("kprobe/irq_forced_thread_fn")
int kprobe_irq_forced_thread_fn(void *ctx)
{
	irq_thread_fn(true);
	return 0;
}

SEC("kretprobe/irq_forced_thread_fn")
int kretprobe_irq_forced_thread_fn(void *ctx)
{
	irq_thread_fn(false);
	return 0;
}

/* kernel_patch/: tracepoints around handler_fn() in irq_thread() */
SEC("raw_tp/irq_threaded_handler_entry")
int raw_irq_threaded_entry(void *ctx)
{
	irq_thread_fn(true);
	return 0;
}

SEC("raw_tp/irq_threaded_handler_exit")
int raw_irq_threaded_exit(void *ctx)
{
	irq_thread_fn(false);
	return 0;
}
