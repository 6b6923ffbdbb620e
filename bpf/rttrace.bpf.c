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
#include "rttrace.h"
#include "hist.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Filled in by user space before load. */
const volatile bool has_prev_state_arg = true; /* sched_switch has prev_state (5.18+) */
const volatile __u32 max_slots = 1;
const volatile __u64 default_slo[RT_NR_METRICS] = {
	RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET,
};

/* Shared with user space through the mmapped .bss. */
__u32 next_slot;          /* slot allocator (fetch-add, never reused) */
__u32 want_count;         /* entries in `want`: zero makes pick-up free */
__u32 track_tgid_count;   /* entries in `track_tgid`: zero makes forks free */
struct rt_counters counters;

/* Kernel task_struct state bits (stable since 4.14). */
#define TASK_INTERRUPTIBLE_ 0x0001
#define TASK_UNINTERRUPTIBLE_ 0x0002
#define TASK_PARKED_ 0x0040
#define TASK_DEAD_ 0x0080
#define TASK_NOLOAD_ 0x0400
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

/* TIDs to pick up on their next event (user space made their slot but
 * could not create their storage).  Value: slot index. */
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

/* Per-TID or per-TGID SLO overrides, read once when a slot is made. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct rt_slo_val);
} slo_by_id SEC(".maps");

/* ---- state lookup ------------------------------------------------------ */

static __always_inline struct rt_task_state *
state_of(struct task_struct *t, bool ts)
{
	__u32 tid;

	if (ts)
		return bpf_task_storage_get(&task_state, t, 0, 0);
	tid = BPF_CORE_READ(t, pid);
	if (!tid)
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
				      __u64 now)
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
	__sync_fetch_and_or(&s->flags, flags | RT_SLOT_VALID);
}

static __always_inline struct rt_task_state *
attach_state(struct task_struct *t, __u32 tid, __u32 idx, __u8 run_state,
	     bool ts)
{
	struct rt_task_state init = { .slot = idx, .run_state = run_state };
	struct rt_task_state *st;

	if (ts) {
		st = bpf_task_storage_get(&task_state, t, &init,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		bpf_map_update_elem(&task_state_hash, &tid, &init, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&task_state_hash, &tid);
	}
	if (!st)
		__sync_fetch_and_add(&counters.storage_failed, 1);
	else
		__sync_fetch_and_add(&counters.picked_up, 1);
	return st;
}

/*
 * A task user space made a slot for but could not attach storage to
 * itself (no thread pidfd before 6.9): attach it on its first event.
 */
static __always_inline struct rt_task_state *
pick_up(struct task_struct *t, bool ts)
{
	__u32 tid = BPF_CORE_READ(t, pid);
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

	idx = __sync_fetch_and_add(&next_slot, 1);
	if (idx >= max_slots) {
		__sync_fetch_and_add(&counters.slots_full, 1);
		return;
	}
	s = bpf_map_lookup_elem(&slots, &idx);
	if (!s)
		return;
	fill_slot(s, t, tid, tgid, flags, bpf_ktime_get_ns());
	attach_state(t, tid, idx, run_state, ts);
}

static __always_inline struct rt_task_state *
lookup_or_pick_up(struct task_struct *t, bool ts)
{
	struct rt_task_state *st = state_of(t, ts);

	if (!st && want_count)
		st = pick_up(t, ts);
	return st;
}

/* ---- samples ----------------------------------------------------------- */

static __always_inline void record(struct rt_slot *s, int m, __u64 start,
				   __u64 end)
{
	struct rt_metric_stats *ms = &s->m[m];
	__u64 v = end - start;
	__u32 b;

	if ((__s64)v < 0)
		return;
	ms->count++;
	ms->sum_ns += v;
	if (v < ms->min_ns)
		ms->min_ns = v;
	if (v > ms->max_ns) {
		ms->max_ns = v;
		ms->max_start_ns = start;
		ms->max_end_ns = end;
	}
	if (v > ms->slo_ns)
		ms->violations++;
	b = rt_hist_bucket(v);
	if (b < RT_HIST_BUCKETS)
		s->hist[m][b]++;
}

/* Is the current task (prev, at sched_switch) inside a timer sleep?
 * Classifying at switch-out means a nanosleep that returns without
 * blocking can never mark a later, unrelated block as a timer sleep. */
static __always_inline bool in_timer_sleep(void)
{
	struct task_struct *cur;
	struct pt_regs *regs;
	long nr;

	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return false;
	cur = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	if (!regs)
		return false;
#if defined(__TARGET_ARCH_x86)
	nr = BPF_CORE_READ(regs, orig_ax);
	if (BPF_CORE_READ(cur, thread_info.status) & 0x0002 /* TS_COMPAT */)
		/* ia32: nanosleep, clock_nanosleep, clock_nanosleep_time64 */
		return nr == 162 || nr == 267 || nr == 407;
	nr &= ~0x40000000L; /* x32 */
	return nr == 35 || nr == 230;
#elif defined(__TARGET_ARCH_arm64)
	nr = BPF_CORE_READ(regs, syscallno);
	if (BPF_CORE_READ(regs, pstate) & 0x10 /* PSR_MODE32_BIT */)
		/* aarch32: nanosleep, clock_nanosleep, clock_nanosleep_time64 */
		return nr == 162 || nr == 265 || nr == 407;
	return nr == 101 || nr == 115;
#else
	return false;
#endif
}

/* ---- event handlers ---------------------------------------------------- */

static __always_inline void on_wakeup(struct task_struct *p, bool ts)
{
	struct rt_task_state *st = lookup_or_pick_up(p, ts);
	__u64 now;

	/* A wakeup of a task that is not asleep (already runnable, running,
	 * or not yet classified) opens nothing: the seed's spurious-wakeup
	 * bug. */
	if (!st || st->run_state != RT_ST_SLEEPING)
		return;
	now = bpf_ktime_get_ns();
	st->run_state = RT_ST_RUNNABLE;
	st->wake_ns = now;
	st->resp_ns = now;
	if (st->sleep_kind == RT_SLEEP_TIMER && !st->relief_ns)
		st->relief_ns = now;
}

static __always_inline void switch_out(struct rt_task_state *st, bool preempt,
				       __u32 prev_state, __u64 now, bool ts,
				       struct task_struct *prev)
{
	struct rt_slot *s;
	bool timer;

	if (preempt || !(prev_state & RT_VOLUNTARY_MASK)) {
		/* Preempted (or rtlock wait / stopped): windows stay open. */
		st->run_state = RT_ST_RUNNABLE;
		return;
	}
	timer = in_timer_sleep();
	st->run_state = RT_ST_SLEEPING;
	st->sleep_kind = timer ? RT_SLEEP_TIMER : RT_SLEEP_OTHER;
	s = slot_of(st);
	if (s) {
		if (st->resp_ns)
			record(s, RT_RESPONSE, st->resp_ns, now);
		if (timer && st->relief_ns)
			record(s, RT_RELIEF, st->relief_ns, now);
	}
	st->resp_ns = 0;
	if (timer)
		st->relief_ns = 0;
	st->wake_ns = 0;
	if (!ts && (prev_state & TASK_DEAD_)) {
		__u32 tid = BPF_CORE_READ(prev, pid);

		bpf_map_delete_elem(&task_state_hash, &tid);
	}
}

static __always_inline void switch_in(struct rt_task_state *st, __u64 now)
{
	struct rt_slot *s;

	if (st->wake_ns) {
		s = slot_of(st);
		if (s)
			record(s, RT_LATENCY, st->wake_ns, now);
		st->wake_ns = 0;
	}
	st->run_state = RT_ST_RUNNING;
}

static __always_inline void on_switch(bool preempt, struct task_struct *prev,
				      struct task_struct *next,
				      __u32 prev_state, bool ts)
{
	struct rt_task_state *st;
	__u64 now = 0;

	st = lookup_or_pick_up(prev, ts);
	if (st) {
		now = bpf_ktime_get_ns();
		switch_out(st, preempt, prev_state, now, ts, prev);
	}
	st = lookup_or_pick_up(next, ts);
	if (st) {
		if (!now)
			now = bpf_ktime_get_ns();
		switch_in(st, now);
	}
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

static __always_inline void on_exit(struct task_struct *p, bool ts)
{
	struct rt_task_state *st = state_of(p, ts);
	struct rt_slot *s;

	if (!st)
		return;
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

/* ---- tp_btf programs (task storage) ------------------------------------ */

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_wakeup, struct task_struct *p)
{
	on_wakeup(p, true);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, true);
	return 0;
}

/* Not BPF_PROG: the 4th argument exists only on 5.18+, and reading it
 * must stay behind the (load-time constant) has_prev_state_arg. */
SEC("tp_btf/sched_switch")
int tp_switch(__u64 *ctx)
{
	struct task_struct *prev = (void *)ctx[1];
	__u32 prev_state;

	if (has_prev_state_arg)
		prev_state = (__u32)ctx[3];
	else
		prev_state = get_task_state(prev);
	on_switch((bool)ctx[0], prev, (void *)ctx[2], prev_state, true);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child, true);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_exit, struct task_struct *p)
{
	on_exit(p, true);
	return 0;
}

/* ---- raw_tp programs (TID hash) ---------------------------------------- */

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_wakeup, struct task_struct *p)
{
	on_wakeup(p, false);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, false);
	return 0;
}

SEC("raw_tp/sched_switch")
int raw_switch(__u64 *ctx)
{
	struct task_struct *prev = (void *)ctx[1];
	__u32 prev_state;

	if (has_prev_state_arg)
		prev_state = (__u32)ctx[3];
	else
		prev_state = get_task_state(prev);
	on_switch((bool)ctx[0], prev, (void *)ctx[2], prev_state, false);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child, false);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *p)
{
	on_exit(p, false);
	return 0;
}
