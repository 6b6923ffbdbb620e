/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_PROCFS_H
#define RTTRACE_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "rttrace/rttrace.h"

/*
 * The kernel's priority scale (prio, as sched_switch and /proc report it;
 * include/linux/sched/prio.h): 0..99 for real-time tasks, where RT
 * priority p is prio 99 - p, then 100..139 for nice -20..19.
 */
#define RT_MAX_RT_PRIO 100  /* MAX_RT_PRIO: a prio below it is real-time */
#define RT_DEFAULT_PRIO 120 /* DEFAULT_PRIO: nice 0 */

/* prio <-> RT priority (sched_param.sched_priority) of a real-time task. */
static inline int rt_prio_of(int rt_priority) { return RT_MAX_RT_PRIO - 1 - rt_priority; }
static inline int rt_priority_of(int prio) { return RT_MAX_RT_PRIO - 1 - prio; }

/* What /proc says about one thread. */
struct rt_proc_task {
	uint32_t tid, tgid;
	char comm[RT_COMM_LEN];
	int policy, rt_priority, prio;
};

/* Fill *t for TID tid; -1 if the thread does not exist. */
int rt_proc_task(uint32_t tid, struct rt_proc_task *t);

/* The TIDs of every thread of process pid (malloc'd); -1 if no such process. */
int rt_proc_threads(uint32_t pid, uint32_t **tids, int *n);

/* Does thread tid of process tgid still exist (and is it not a zombie)? */
bool rt_proc_alive(uint32_t tgid, uint32_t tid);

const char *rt_policy_name(int policy);

/* The comm of an IRQ thread: "irq/<N>-<name>" (request_threaded_irq). */
#define RT_IRQ_COMM_PREFIX "irq/"

static inline bool rt_comm_is_irq_thread(const char *comm)
{
	return !strncmp(comm, RT_IRQ_COMM_PREFIX, sizeof(RT_IRQ_COMM_PREFIX) - 1);
}

/* TIDs of the IRQ threads of interrupt SPEC (a number, or an action name as
 * in /proc/interrupts); 0 with *n == 0 when there are none. */
int rt_proc_irq_threads(const char *spec, uint32_t **tids, int *n);

#endif
