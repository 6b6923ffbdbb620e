/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI between the BPF programs (bpf/) and user space (src/): every
 * structure both sides read.  Everything here is sized on purpose; sizes
 * are stated so the documented memory costs can be checked against it.
 */
#ifndef __RTTRACE_H
#define __RTTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RT_COMM_LEN 16

/* A switch-out in one of these task states (and not a preemption) is a
 * voluntary sleep: TASK_INTERRUPTIBLE 0x1, TASK_UNINTERRUPTIBLE 0x2,
 * TASK_PARKED 0x40, TASK_DEAD 0x80, TASK_NOLOAD 0x400 (kernel state bits,
 * stable since 4.14: bpf/core_fixes.bpf.h).  The seed module's mask. */
#define RT_VOLUNTARY_MASK 0x04C3

/* Metrics, in report order.  IRQ is reserved for the threaded-IRQ metric. */
enum rt_metric {
	RT_LATENCY = 0,  /* wakeup of a sleeping task -> switch-in           */
	RT_RESPONSE = 1, /* same wakeup -> next voluntary switch-out         */
	RT_RELIEF = 2,   /* wakeup out of a timer sleep -> next timer sleep  */
	RT_IRQ = 3,      /* threaded IRQ handler entry -> exit (IRQ threads) */
	RT_IRQ_DELAY = 4, /* hard IRQ entry -> threaded handler exit          */
	RT_NR_METRICS = 5,
};

/* How the threaded handler is observed (system.irq_mode). */
enum rt_irq_mode {
	RT_IRQM_NONE = 0,
	RT_IRQM_FENTRY,     /* fentry/fexit on irq_thread_fn, irq_forced_thread_fn */
	RT_IRQM_KPROBE,     /* kprobe/kretprobe on the same                        */
	RT_IRQM_TRACEPOINT, /* irq_threaded_handler_entry/exit (kernel_patch/)     */
	RT_IRQM_SCHED,      /* approximation: IRQ thread wakeup -> its next sleep  */
};

/* Parts of an IRQ handling delay (hard IRQ -> end of the threaded handler). */
enum rt_delay_part {
	RT_DP_HARD = 0, /* hard handler: irq_handler_entry -> exit          */
	RT_DP_WAKE,     /* hard handler exit -> threaded handler start      */
	RT_DP_THREAD,   /* threaded handler                                 */
	RT_DP_NR,
};

/* Per IRQ thread (TID-keyed hash, few entries). */
struct rt_irq_state {
	__u32 slot;
	__u32 pad;
	__u64 hard_entry_ns; /* first hard IRQ not yet taken by a handler run */
	__u64 hard_exit_ns;
	__u64 handler_ns;    /* threaded handler entry (or switch-in, sched mode) */
	__u64 run_entry_ns;  /* the hard IRQ the running handler serves */
	__u64 run_exit_ns;
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
	__u64 imax_ns;      /* max since user space last reset it (-i) */
};

/* Slot flags */
#define RT_SLOT_VALID 0x1  /* slot filled in, safe to report            */
#define RT_SLOT_EXITED 0x2 /* sched_process_exit seen for this TID      */
#define RT_SLOT_FORKED 0x4 /* picked up at creation (-t / -- COMMAND)   */
#define RT_SLOT_IRQ 0x8    /* an IRQ thread (irq/N-name)                */
#define RT_SLOT_REMOVED 0x10 /* rttrace del: no longer tracked           */
/* The task's last switch is done (or it died before it got state): no
 * event touches the slot again, and `rttrace run` recycles it once its
 * windows are drained (zeroed, then pushed onto `free_slots`). */
#define RT_SLOT_DEAD 0x20

/* Findings, counted by the BPF side (with capture): [i] is enum
 * rt_find_index.  The first one of a kind that a sleep is (RT_FIND_*)
 * also takes a where record, its stacks; later ones only count.  mmap_lock
 * waits are told by user space from every uninterruptible sleep's kernel
 * stack (RT_FIND_UNINTERRUPTIBLE records). */
enum rt_find_index {
	RT_FI_NON_PI_FUTEX,  /* RT task: futex wait without priority inheritance */
	RT_FI_RELATIVE_SLEEP,
	RT_FI_IO,            /* RT task: I/O wait */
	RT_FI_FAULTS,        /* RT task: page faults while running in a window */
	RT_FI_MIGRATIONS,    /* migrations while a window was open */
	RT_FI_NR,
};
struct rt_slot_findings {
	__u64 count[RT_FI_NR];
	__u64 first_ns[RT_FI_NR];
};

/*
 * One tracked task's statistics: one element of the mmapable `slots`
 * array, allocated once per tracked task.  A slot is reused only after
 * its task is dead (RT_SLOT_DEAD) and user space has drained and copied
 * it out, so a reused TID gets statistics of its own.  sizeof = 12,736
 * bytes.
 */
struct rt_slot {
	__u32 tid;
	__u32 tgid;
	__u32 flags;
	__s32 policy;
	__s32 rt_priority;
	__s32 prio; /* kernel prio at pick-up (RT p shows as 99-p) */
	char comm[RT_COMM_LEN];
	__u64 added_ns;   /* samples count only if their window starts after it */
	__u64 exit_ns;
	__u64 removed_ns; /* rttrace del: ... and ends before it (0: not removed) */
	struct rt_metric_stats m[RT_NR_METRICS];
	__u64 delay_parts[RT_DP_NR];     /* parts of the worst irq_delay sample */
	__u64 delay_part_sum[RT_DP_NR];  /* sums over all irq_delay samples     */
	struct rt_slot_findings find;
	/* The policy as observed: policy/rt_priority/prio above are the
	 * latest seen (at a wakeup's switch-in, the exit, or by user space),
	 * these what the task had when it was picked up, and how often and
	 * when last it was seen to change.  Here, not by the policy: a
	 * latency sample reads the policy and added_ns, which share the
	 * slot's first cache line only if nothing is put between them. */
	__s32 start_policy;
	__s32 start_rt_priority;
	__u32 policy_changes;
	__u32 pad;
	__u64 policy_change_ns;
	__u32 hist[RT_NR_METRICS][RT_HIST_BUCKETS];
};
_Static_assert(__builtin_offsetof(struct rt_slot, removed_ns) < 64,
	       "a sample's slot fields and the policy share one cache line");

/*
 * Per-task hot state, kept in task-local storage (or, on kernels without
 * it, a TID-keyed hash).  96 bytes.
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

/*
 * Worst-case capture.  Events on CPUs where a tracked task has an open
 * window go to that CPU's ring (one ring per CPU, RT_RING_DEFAULT entries
 * by default).  When a sample is a new maximum or violates its SLO, the BPF
 * side sends a window descriptor (struct rt_window) through a BPF ring
 * buffer, and user space copies the window's events out of the rings.
 */
#define RT_MAX_CPUS 256
#define RT_WIN_CPUS 4      /* CPUs remembered per window */
#define RT_RING_DEFAULT 2048
/* The ring of window descriptors (struct rt_window + an 8-byte header). */
#define RT_COMMIT_RING_BYTES (256 * 1024)

enum rt_ev_type {
	RT_EV_SWITCH = 1,  /* pid=prev pid2=next arg=preempt state=raw prev_state */
	RT_EV_WAKEUP,      /* pid=wakee pid2=waker arg=target cpu cpu=waker's; on the ring of the CPU the probe ran on */
	RT_EV_MIGRATE,     /* pid=task arg=destination cpu (cpu = source); on the destination ring */
	RT_EV_IRQ_ENTRY,   /* pid=irq number */
	RT_EV_IRQ_EXIT,    /* pid=irq number, state=handler return */
	RT_EV_SOFTIRQ_ENTRY, /* arg=vector */
	RT_EV_SOFTIRQ_EXIT,  /* arg=vector */
};

#define RT_EVF_TIMER_SLEEP 0x1 /* switch: a tracked task entering a timer sleep */
#define RT_EVF_STEAL 0x2  /* steal holds this CPU's steal clock */
#define RT_EVF_FAULTS 0x4 /* minflt/majflt hold the task's fault counters
			   * (wakeup: the wakee's; switch: prev's, tracked) */

/* One captured event: 88 bytes. */
struct rt_event {
	__u64 ts;
	__u64 seq;  /* ring sequence, written last: ~0 while being written */
	__u8 type;
	__u8 cpu;   /* CPU the event happened on */
	__u16 arg;
	__u32 pid;
	__u32 pid2;
	__s16 prio; /* kernel prio (effective, so PI boosts show) */
	__s16 prio2;
	__u8 policy;
	__u8 policy2;
	__u16 pad;  /* RT_EVF_* */
	__u32 state;
	/* Where the task was (struct rt_where): 1 + the low 32 bits of the
	 * record's sequence in the where ring of `cpu`; 0: none.  A switch:
	 * prev's; a wakeup: the waker's. */
	__u32 where;
	/* The CPU's steal clock as the scheduler last read it (rq's
	 * prev_steal_time_rq), in units of 1024 ns, low 32 bits: a
	 * difference of two is exact for up to 73 minutes. */
	__u32 steal;
	__u16 minflt; /* low 16 bits of the task's fault counters */
	__u16 majflt;
	char comm[RT_COMM_LEN];
	char comm2[RT_COMM_LEN];
};
#define RT_STEAL_SHIFT 10

/*
 * Where a task was, with its stacks: taken only with capture, at
 *   RT_WHERE_BLOCK  a tracked task's voluntary switch-out that leaves a
 *                   window open (it blocked inside its relief window), or
 *                   that is a finding (RT_FIND_*);
 *   RT_WHERE_WAKER  the wakeup of a tracked task from a sleep that was not
 *                   a timer sleep, in the waker's context (sched_wakeup on
 *                   the waker's CPU, after the wakee was queued);
 *   RT_WHERE_HOLD   the switch-out of an untracked task that held a
 *                   watched CPU for RT_HOLD_STACK_NS or more (not when a
 *                   waiting tracked task gets the CPU).
 * One ring per CPU (RT_WHERE_RING records, 472 bytes each: 59 KiB per
 * CPU), written like the event rings; an event names its record.
 */
#define RT_STACK_DEPTH 24
#define RT_WHERE_RING 128
#define RT_HOLD_STACK_NS 20000ULL
#define RT_NO_SLOT 0xffffffffu

enum rt_where_kind { RT_WHERE_BLOCK = 1, RT_WHERE_WAKER, RT_WHERE_HOLD };

/* Findings a voluntary switch-out can be (rt_where.finding: in a record,
 * the kinds it is the first of, and UNINTERRUPTIBLE). */
#define RT_FIND_NON_PI_FUTEX 0x1   /* RT task: futex wait that does not inherit priority */
#define RT_FIND_RELATIVE_SLEEP 0x2 /* nanosleep, clock_nanosleep without TIMER_ABSTIME */
#define RT_FIND_IO 0x4             /* RT task: I/O wait (io_schedule) */
#define RT_FIND_UNINTERRUPTIBLE 0x8 /* RT task: other uninterruptible sleep
				     * (user space tells mmap_lock by the stack) */

struct rt_where {
	__u64 seq;     /* ring sequence, written last: ~0 while being written */
	__u64 ts;
	__u32 tid;
	__u32 tgid;
	__u32 slot;    /* the tracked task concerned (WAKER: the wakee), or RT_NO_SLOT */
	char comm[RT_COMM_LEN];
	__u8 kind;     /* enum rt_where_kind */
	__u8 finding;  /* RT_FIND_* */
	__u8 compat;   /* a 32-bit task: syscall numbers are the compat ones */
	__u8 policy;
	__s32 syscall; /* -1: not in a system call (or unknown) */
	__u32 state;   /* the sleep state (RT_WHERE_BLOCK) */
	__u64 arg[3];  /* the system call's first arguments */
	__s32 kbytes;  /* bpf_get_stack: bytes of kstack, or -errno */
	__s32 ubytes;
	__u64 kstack[RT_STACK_DEPTH];
	__u64 ustack[RT_STACK_DEPTH];
};

/* Per-CPU capture control, padded to a cache line (cross-CPU atomics). */
struct rt_cpu_ring {
	__u64 head;     /* next sequence number of this CPU's ring */
	__u32 interest; /* tracked tasks with an open window on this CPU */
	__u32 idle_held; /* this CPU's idle task carries a holder mark */
	__u64 where_head; /* next sequence number of this CPU's where ring */
	__u64 switch_ns;  /* this CPU's last captured switch */
	__u64 pad[4];
};

/*
 * Hash backend (kernels without task storage): byte TID % RT_TID_FILTER is
 * set before a TID gets a state element or a `want` entry, and never
 * cleared during a session (bytes are shared), so a zero byte proves the
 * TID untracked without a hash lookup (jhash plus a map page).  With N
 * tracked TIDs, a fraction of about N / 2048 of untracked events still
 * looks in the hash.  The filter shares a page with the CPUs' interest
 * words (CPUs 0-31), so an untracked switch with capture on touches one
 * page of BPF map memory instead of two.  Cost: 2 KiB (+2 KiB alignment).
 */
#define RT_TID_FILTER 2048
struct rt_hot_page {
	__u8 tid_filter[RT_TID_FILTER];
	struct rt_cpu_ring cpu_ring[RT_MAX_CPUS];
};

/* Where a window's events are: per CPU, the low 32 bits of the first
 * sequence number (user space completes them from the ring's head: a
 * window never spans 2^32 events of one CPU).  28 bytes, so that with the
 * task's window starts it fills one cache line (see rt_task_state).  Who
 * woke the task is in the window's wakeup event. */
struct rt_win_ctx {
	__u8 ncpus;
	__u8 overflow;  /* visited more than RT_WIN_CPUS CPUs */
	__u16 target_cpu;
	__u16 cpu[RT_WIN_CPUS];
	__u32 seq0[RT_WIN_CPUS];
};

enum rt_win_kind { RT_WIN_WORST = 0, RT_WIN_VIOLATION = 1, RT_WIN_KINDS = 2 };

/* Commit record: one window worth keeping. */
struct rt_window {
	__u64 start_ns;
	__u64 end_ns;
	__u64 end_seq;  /* sequence of the closing event on end_cpu */
	__u32 slot;
	__u8 metric;
	__u8 kind;
	__u16 end_cpu;
	struct rt_win_ctx ctx;
};

/* Who called try_to_wake_up() for a task: written at sched_waking (in the
 * waker, on its CPU) into a table slot chosen by the wakee's TID, read at
 * sched_wakeup, which may run later on the target CPU (a queued remote
 * wakeup, in its idle task).  Not in the task's state: reading that from
 * the waker's CPU costs one more cache-line transfer per wakeup.  One
 * record per cache line. */
struct rt_waker {
	__u32 wakee;   /* TID the record is for (a mismatch: overwritten) */
	__u32 pid;
	__s16 prio;
	__u8 policy;
	__u8 pad;
	__u16 cpu;
	__u16 pad2;
	char comm[RT_COMM_LEN];
	__u8 pad3[32];
};
#define RT_WAKERS 256 /* power of 2: 16 KiB */

struct rt_task_state {
	/* Line 0 holds everything a wakeup writes (with capture too): on a
	 * cross-CPU wakeup the state moves to the waker's CPU and back, one
	 * cache line each way (a second line is a second transfer). */
	__u32 tid;       /* owner of a `ttab` entry (0: free); 0 in task storage */
	__u8 run_state;
	__u8 sleep_kind;
	__u8 flags;      /* RT_SLOT_IRQ for IRQ threads, RT_STF_* */
	__u8 pad;
	struct rt_win_ctx inner; /* latency and response window */
	__u16 icpu;      /* CPU holding this task's interest, RT_NO_CPU if none */
	__u16 flt_in;    /* fault counters at switch-in (low 16 bits; capture) */
	__u64 wake_ns;   /* latency window start, 0 = closed  */
	__u64 resp_ns;   /* response window start, 0 = closed */
	__u64 relief_ns; /* relief window start, 0 = closed   */
	struct rt_win_ctx outer; /* relief window */
	__u32 slot;      /* read at switches only */
};
/* An entry of the direct-mapped state table (`ttab`): one per 128 bytes,
 * so that line 0 of the state is a cache line. */
struct rt_ttab_ent {
	struct rt_task_state st;
	__u8 pad[128 - sizeof(struct rt_task_state)];
};
#define RT_TTAB 1024            /* entries (128 KiB), indexed by TID */
#define RT_TTAB_CLAIMING 0xffffffffu /* an entry being filled: no TID matches */
_Static_assert(sizeof(struct rt_waker) == 64, "one waker record per cache line");
_Static_assert(__builtin_offsetof(struct rt_task_state, outer) == 64,
	       "what a wakeup writes is one cache line");
_Static_assert(sizeof(struct rt_task_state) == 96, "rt_task_state size (README)");
_Static_assert(sizeof(struct rt_event) == 88, "rt_event size (doc/design.md)");
_Static_assert(sizeof(struct rt_where) == 472, "rt_where size (see above)");
_Static_assert(sizeof(struct rt_cpu_ring) == 64, "one rt_cpu_ring per cache line");
_Static_assert(sizeof(struct rt_slot) == 12736, "rt_slot size (doc/design.md)");

#define RT_NO_CPU 0xffff
/* rt_task_state.flags: the session captures.  A copy of the load-time
 * constant, so that a tracked wakeup reads no BPF map page but the task's
 * own state (the first touch of a map page is a TLB miss where page-table
 * isolation has no PCID: bench/RESULTS.md, the parts rows; sched_switch
 * has the constant compiled into its copies instead). */
#define RT_STF_CAPTURE 0x40
/* rt_task_state.flags, in task storage: the state moved to `ttab`; this
 * element only marks the task (its BPF storage pointer) as tracked.  If
 * its entry no longer names it (released by del), it is not tracked. */
#define RT_STF_IN_TABLE 0x80

/* Per-id SLO overrides (map slo_by_id, key: a __u32 TID or TGID),
 * consulted when a slot is made. */
struct rt_slo_val {
	__u64 slo_ns[RT_NR_METRICS];
};

/* Counters in .bss that report loss (never drop silently). */
struct rt_counters {
	__u64 slots_full;       /* tasks not tracked: slot array full          */
	__u64 storage_failed;   /* tasks not tracked: task storage alloc failed */
	__u64 picked_up;        /* tasks picked up by the BPF side             */
	__u64 commits_lost;     /* windows not sent: commit ring full (violations: half full) */
	__u64 holds_failed;     /* a watched CPU's holder could not be marked  */
	__u64 adopt_missed;     /* threads gone before user space adopted them */
	__u64 ttab_moved;       /* states moved from task storage to `ttab`      */
	__u64 where_failed;     /* stacks not taken: where ring entry not reserved */
};

#endif /* __RTTRACE_H */
