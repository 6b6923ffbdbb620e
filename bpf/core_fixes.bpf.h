/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-version differences, resolved with CO-RE rather than version
 * checks, and the kernel constants BTF cannot carry.  Each entry names the
 * kernel commit behind it (subject, and the release it first appeared in).
 *
 * Other version-dependent choices are made where they are used, or by user
 * space, which probes the running kernel and loads what it supports:
 *  - task_struct.bpf_storage and task-local storage maps: 4cf1bc1f1045
 *    ("bpf: Implement task local storage", 5.11); on older kernels the
 *    raw_tp programs and a TID hash are used (see task_state.bpf.h).
 *  - sched_switch's prev_state argument: fa2c3254d7cf ("sched/tracing:
 *    Don't re-read p->state when emitting sched_switch event"), moved to
 *    the last argument by 9c2136be0878 ("sched/tracing: Append prev_state
 *    to tp args instead"), both 5.18.  Before it, get_task_state() below
 *    (has_prev_state_arg, see on_switch).
 *  - bpf_task_pt_regs(): dd6e10fbd9fb ("bpf: Add bpf_task_pt_regs()
 *    helper", 5.15); without it no relief samples (read_syscall, where.bpf.h).
 *  - bpf_task_from_pid(): 3f0e6f2b41d3 ("bpf: Add bpf_task_from_pid()
 *    kfunc", 6.2); without it capture reads the interest word on every
 *    switch instead of holder marks (see capture.bpf.h).
 *  - task storage allocated from the BPF memory allocator instead of the
 *    slab: 08a7ce384e33 ("bpf: Use bpf_mem_cache_alloc/free in
 *    bpf_local_storage_elem"); before it, creating task storage in a
 *    tracepoint may take PREEMPT_RT's sleeping slab locks
 *    (defer_fork_storage, see start_tracking).
 */
#ifndef __RTTRACE_CORE_FIXES_BPF_H
#define __RTTRACE_CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"

/*
 * task_struct.state was renamed __state (and became unsigned int) by
 * 2f064a59a11f ("sched: Change task_struct::state", 5.14).  Read only on
 * kernels whose sched_switch has no prev_state argument (before 5.18).
 */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __u32 get_task_state(void *task)
{
	struct task_struct___x *t = task;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (__u32)BPF_CORE_READ((struct task_struct___o *)task, state);
}

/*
 * The CPU a task is on (or was placed on): thread_info.cpu with
 * THREAD_INFO_IN_TASK since bcf9033e5449 ("sched: move CPU field back
 * into thread_info if THREAD_INFO_IN_TASK=y", 5.16); task_struct.cpu
 * before (c65eacbe290b, "sched/core: Allow putting thread_info into
 * task_struct", 4.9).
 */
struct task_struct___cpu_legacy {
	unsigned int cpu;
} __attribute__((preserve_access_index));

static __always_inline __u32 get_task_cpu(void *task)
{
	struct task_struct *t = task;

	if (bpf_core_field_exists(t->thread_info.cpu))
		return BPF_CORE_READ(t, thread_info.cpu);
	return BPF_CORE_READ((struct task_struct___cpu_legacy *)task, cpu);
}

/*
 * Task state bits (#defines, so not in BTF or vmlinux.h).  Their values
 * since 8ef9925b02c2 ("sched/debug: Add explicit TASK_PARKED printing",
 * 4.14), which moved TASK_PARKED to 0x40 and TASK_DEAD to 0x80 (before:
 * 0x200 and 0x40); unchanged since.
 */
#define TASK_INTERRUPTIBLE_ 0x0001
#define TASK_UNINTERRUPTIBLE_ 0x0002
#define TASK_PARKED_ 0x0040
#define TASK_DEAD_ 0x0080
#define TASK_NOLOAD_ 0x0400
#define PF_EXITING_ 0x0004 /* task_struct.flags, the same since 2.6 */
/* RT_VOLUNTARY_MASK (include/rttrace/rttrace.h, shared with user space)
 * is these bits.  TASK_RTLOCK_WAIT (0x1000, a PREEMPT_RT sleeping-spinlock
 * wait: cd781d0ce8cb, "sched/wakeup: Introduce the TASK_RTLOCK_WAIT state
 * bit", 5.15) and stopped/traced are not in it. */
_Static_assert(RT_VOLUNTARY_MASK == (TASK_INTERRUPTIBLE_ | TASK_UNINTERRUPTIBLE_ |
				     TASK_PARKED_ | TASK_DEAD_ | TASK_NOLOAD_),
	       "RT_VOLUNTARY_MASK must be the kernel's voluntary sleep states");

/*
 * The CPU's steal clock as the scheduler last read it:
 * rq.prev_steal_time_rq, which update_rq_clock_task() advances by the
 * paravirt steal clock (KVM steal time on x86, PV stolen time on arm64)
 * when steal accounting is on (CONFIG_PARAVIRT_TIME_ACCOUNTING); added by
 * 095c0aa83e52 ("sched: adjust scheduler cpu power for stolen time", 3.1).
 * A local flavour: some configurations' BTF has no such field (then no
 * steal is read).  The runqueue is reached through the task's CFS runqueue
 * (FAIR_GROUP_SCHED), as per-CPU symbols need KALLSYMS_ALL.
 */
struct rq___steal {
	u64 prev_steal_time_rq;
} __attribute__((preserve_access_index));

static __always_inline bool cpu_steal(struct task_struct *t, __u64 *steal, bool trusted)
{
	struct rq___steal *rq = 0;
	struct cfs_rq *cfs;

	if (!bpf_core_field_exists(rq->prev_steal_time_rq) ||
	    !bpf_core_field_exists(t->se.cfs_rq))
		return false;
	if (trusted) {
		/* BTF pointers: plain loads for the walk, one probe read for
		 * the field the local flavour names */
		cfs = t->se.cfs_rq;
		rq = cfs ? (void *)cfs->rq : 0;
	} else {
		rq = (void *)BPF_CORE_READ(t, se.cfs_rq, rq);
	}
	if (!rq)
		return false;
	return !bpf_core_read(steal, sizeof(*steal), &rq->prev_steal_time_rq);
}

#endif /* __RTTRACE_CORE_FIXES_BPF_H */
