/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_PROCFS_H
#define RTTRACE_PROCFS_H

#include <stdbool.h>
#include <stdint.h>

/* What /proc says about one thread. */
struct rt_proc_task {
	uint32_t tid, tgid;
	char comm[16];
	int policy, rt_priority, prio;
};

/* Fill *t for TID tid; -1 if the thread does not exist. */
int rt_proc_task(uint32_t tid, struct rt_proc_task *t);

/* The TIDs of every thread of process pid (malloc'd); -1 if no such process. */
int rt_proc_threads(uint32_t pid, uint32_t **tids, int *n);

/* Does thread tid of process tgid still exist (and is it not a zombie)? */
bool rt_proc_alive(uint32_t tgid, uint32_t tid);

const char *rt_policy_name(int policy);

/* TIDs of the IRQ threads of interrupt SPEC (a number, or an action name as
 * in /proc/interrupts); 0 with *n == 0 when there are none. */
int rt_proc_irq_threads(const char *spec, uint32_t **tids, int *n);

#endif
