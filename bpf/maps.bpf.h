/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything user space reaches through the skeleton: the .rodata knobs
 * it sets before load (skel->rodata->NAME), the .bss/.data it shares with
 * the programs (skel->bss->NAME), and every map (skel->maps.NAME).  Their
 * names are the ABI with src/tracer.c, src/session.c and bench/: do not
 * rename them.
 *
 * One file, and in this order, on purpose: the headers that use them
 * (task_state, capture, samples, irq, handlers) share most of them, and
 * the order of definition is the layout of .rodata, .bss and .maps (so
 * the offsets the programs load from); the comments say which header
 * explains each.
 */
#ifndef __RTTRACE_MAPS_BPF_H
#define __RTTRACE_MAPS_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include "rttrace/rttrace.h"

/* ---- .rodata: filled in by user space before load ---------------------- */

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
const volatile bool take_stacks = true;   /* where records (RTTRACE_NO_STACKS: off) */
const volatile __u64 default_slo[RT_NR_METRICS] = {
	RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET, RT_SLO_UNSET,
};

/* ---- .bss and .data: shared with user space through the mmapped maps --- */

__u32 next_slot;          /* slots never used yet start here (fetch-add) */
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
 * page: an untracked event of raw_switch_cap reads both (see rt_hot_page).
 * Page-aligned (and so each ring line 64-byte aligned: unaligned, CPU 0's
 * ring shared a line with want_count, and each event CPU 0 captured cost
 * the other CPUs a miss). */
struct rt_hot_page hot_page __attribute__((aligned(4096)));
/* Who woke each tracked task, noted at sched_waking (see on_waking). */
struct rt_waker wakers[RT_WAKERS] __attribute__((aligned(64)));

/* ---- maps --------------------------------------------------------------- */

/* A tracked task's state (tp_btf backend), or, once it moved to `ttab`,
 * a marker element (see task_state.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rt_task_state);
} task_state SEC(".maps");

/* The tp_btf backend's state table, direct-mapped by TID (see
 * task_state.bpf.h).  Fixed 128 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* page-aligned: an entry's line 0 is a line */
	__uint(max_entries, RT_TTAB);
	__type(key, __u32);
	__type(value, struct rt_ttab_ent);
} ttab SEC(".maps");

/* Holder marks: the task on a CPU whose events capture records (see
 * capture.bpf.h).  Not created on PREEMPT_RT. */
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

/* Statistics, one slot per tracked task, read by user space without
 * stopping the programs; sized to max_slots. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rt_slot);
} slots SEC(".maps");

/* Slots user space recycled (their tasks dead and copied out), taken
 * before a new one: thread churn needs no more slots than live threads.
 * Sized to max_slots (4 bytes each). */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);
	__type(value, __u32);
} free_slots SEC(".maps");

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

/* Where tasks were (struct rt_where): RT_WHERE_RING records per CPU, CPU c
 * at [c * RT_WHERE_RING]; written like `events`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rt_where);
} wheres SEC(".maps");

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

/* The sched_switch copy in use, tail-called by the gate programs (see
 * switch_may_matter); user space fills slot 0 before it attaches the
 * gate.  A program array takes one program type: one per backend. */
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

#endif /* __RTTRACE_MAPS_BPF_H */
