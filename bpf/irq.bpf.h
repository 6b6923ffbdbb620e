/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threaded-IRQ timing: the irq and irq_delay metrics of tracked IRQ
 * threads (`irq_threads`, by TID; struct rt_irq_state).
 *
 *  irq_hard      irq_handler_entry/exit of an action whose thread is
 *                tracked: the oldest hard IRQ not yet served (and when its
 *                hard handler returned IRQ_WAKE_THREAD).
 *  irq_thread_fn the threaded handler's entry and exit (irq_mode: fentry/
 *                fexit, kprobe/kretprobe, or the kernel_patch/ tracepoints
 *                around handler_fn in irq_thread()).
 *  sched mode    (RT_IRQM_SCHED, everywhere else) an approximation: the
 *                thread's switch-in after a wakeup to its next voluntary
 *                switch-out is one handler run (switch_in, switch_out).
 */
#ifndef __RTTRACE_IRQ_BPF_H
#define __RTTRACE_IRQ_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "rttrace/rttrace.h"
#include "maps.bpf.h"
#include "samples.bpf.h"

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

#endif /* __RTTRACE_IRQ_BPF_H */
