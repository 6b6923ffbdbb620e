/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel-version differences, resolved with CO-RE rather than version checks. */
#ifndef __RTTRACE_CORE_FIXES_BPF_H
#define __RTTRACE_CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>

/* task_struct.state was renamed __state (and became unsigned int) in 5.14. */
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

/* The CPU a task is on (or was placed on): thread_info.cpu with
 * THREAD_INFO_IN_TASK since 5.16, task_struct.cpu before. */
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

#endif /* __RTTRACE_CORE_FIXES_BPF_H */
