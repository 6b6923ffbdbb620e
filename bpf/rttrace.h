/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Structures shared by the BPF programs (bpf/rttrace.bpf.c) and the loader
 * (src/).  Everything here is sized on purpose; sizes are stated so the
 * README's memory table can be checked against the code.
 */
#ifndef __RTTRACE_H
#define __RTTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RT_COMM_LEN 16

/* Metrics, in report order.  IRQ is reserved for the threaded-IRQ metric. */
enum rt_metric {
	RT_LATENCY = 0,  /* wakeup of a sleeping task -> switch-in           */
	RT_RESPONSE = 1, /* same wakeup -> next voluntary switch-out         */
	RT_RELIEF = 2,   /* wakeup out of a timer sleep -> next timer sleep  */
	RT_IRQ = 3,      /* threaded IRQ handler entry -> exit (later)       */
	RT_NR_METRICS = 4,
};

/*
 * Log-linear histogram: values below 2^RT_HIST_SUB_BITS ns get one bucket
 * each; above that every power of two is split into 2^RT_HIST_SUB_BITS
 * equal buckets.  A value reported as its bucket's midpoint is then within
 * 1/32 (3.1 %) of the truth.  The last octave starts at 2^RT_HIST_MAX_LOG
 * ns (~1100 s); larger values are clamped into the last bucket (max_ns
 * keeps the exact value).
 */
#define RT_HIST_SUB_BITS 4
#define RT_HIST_SUB (1u << RT_HIST_SUB_BITS)
#define RT_HIST_MAX_LOG 40
#define RT_HIST_BUCKETS (RT_HIST_SUB + (RT_HIST_MAX_LOG - RT_HIST_SUB_BITS + 1) * RT_HIST_SUB) /* 608 */

#define RT_SLO_UNSET (~0ULL)

struct rt_metric_stats {
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns; /* ~0 while count == 0 */
	__u64 max_ns;
	__u64 slo_ns; /* RT_SLO_UNSET: no bound; a sample > slo_ns violates */
	__u64 violations;
	__u64 max_start_ns; /* window of the worst sample (start, end) */
	__u64 max_end_ns;
};

/* Slot flags */
#define RT_SLOT_VALID 0x1  /* slot filled in, safe to report            */
#define RT_SLOT_EXITED 0x2 /* sched_process_exit seen for this TID      */
#define RT_SLOT_FORKED 0x4 /* picked up at creation (-t / -- COMMAND)   */

/*
 * One tracked task's statistics: one element of the mmapable `slots`
 * array, allocated once per tracked TID and never reused within a session
 * (so PID reuse cannot merge two tasks).  sizeof = 10,040 bytes.
 */
struct rt_slot {
	__u32 tid;
	__u32 tgid;
	__u32 flags;
	__s32 policy;
	__s32 rt_priority;
	__s32 prio; /* kernel prio at pick-up (RT p shows as 99-p) */
	char comm[RT_COMM_LEN];
	__u64 added_ns;
	__u64 exit_ns;
	struct rt_metric_stats m[RT_NR_METRICS];
	__u32 hist[RT_NR_METRICS][RT_HIST_BUCKETS];
};

/*
 * Per-task hot state, kept in task-local storage (or, on kernels without
 * it, a TID-keyed hash).  32 bytes.
 */
enum rt_run_state {
	RT_ST_UNKNOWN = 0, /* picked up mid-flight: wait for a switch-out */
	RT_ST_SLEEPING,    /* voluntarily switched out                    */
	RT_ST_RUNNABLE,    /* woken or preempted, waiting for a CPU        */
	RT_ST_RUNNING,     /* on a CPU                                     */
};

enum rt_sleep_kind {
	RT_SLEEP_OTHER = 0,
	RT_SLEEP_TIMER = 1, /* switched out inside nanosleep/clock_nanosleep */
};

struct rt_task_state {
	__u32 slot;
	__u8 run_state;
	__u8 sleep_kind;
	__u16 pad;
	__u64 wake_ns;   /* latency window start, 0 = closed  */
	__u64 resp_ns;   /* response window start, 0 = closed */
	__u64 relief_ns; /* relief window start, 0 = closed   */
};

/* Per-id SLO overrides (key: TID or TGID), consulted when a slot is made. */
struct rt_slo_key {
	__u32 id;
};
struct rt_slo_val {
	__u64 slo_ns[RT_NR_METRICS];
};

/* Counters in .bss that report loss (never drop silently). */
struct rt_counters {
	__u64 slots_full;       /* tasks not tracked: slot array full          */
	__u64 storage_failed;   /* tasks not tracked: task storage alloc failed */
	__u64 picked_up;        /* tasks picked up by the BPF side             */
};

#endif /* __RTTRACE_H */
