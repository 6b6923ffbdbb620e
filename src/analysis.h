/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_ANALYSIS_H
#define RTTRACE_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include "capture.h"

/* Kinds of time in a breakdown. */
#define RT_PART_RUN "run"                 /* the task itself on a CPU      */
#define RT_PART_TASK "task"               /* another task ran while it waited */
#define RT_PART_IRQ "irq"                 /* hard IRQ handler              */
#define RT_PART_SOFTIRQ "softirq"         /* softirq                       */
#define RT_PART_IDLE "idle"               /* its CPU idled while it waited */
#define RT_PART_BLOCKED "blocked"         /* voluntarily asleep            */
#define RT_PART_STEAL "steal"             /* taken by the hypervisor (a steal clock) */
#define RT_PART_UNATTRIBUTED "unattributed"

struct rt_part {
	const char *kind;
	uint32_t tid;       /* task: who ran; blocked: who woke it; irq: irq number; softirq: vector */
	char comm[RT_COMM_LEN];
	int prio;           /* kernel prio, -1 if not a task */
	int policy;
	int cpu;
	uint32_t state;     /* blocked: the raw sleep state */
	uint64_t ns;
};

struct rt_inversion {
	bool found;
	uint32_t low_tid, mid_tid;
	char low_comm[RT_COMM_LEN], mid_comm[RT_COMM_LEN];
	int low_prio, low_policy, mid_prio, mid_policy;
	uint64_t mid_ns; /* how long the medium task kept the low one off the CPU */
};

#define RT_MAX_PARTS 48

/* A task the window names, and where it was (NULL: not captured). */
struct rt_window_task {
	bool known;
	uint32_t tid;
	char comm[RT_COMM_LEN];
	int prio, policy;
	const struct rt_where_info *where;
};

/* Where the window's time went, beyond who: the block, the waker, the
 * holder of its CPU, its page faults and the time stolen from it.  The
 * where records point into the trace. */
struct rt_window_where {
	bool blocked;                       /* it blocked inside the window (the longest block) */
	uint32_t block_state;
	uint64_t block_ns;
	const struct rt_where_info *block;  /* NULL: no record captured */
	struct rt_window_task waker;        /* who ended that block, or opened the window */
	struct rt_window_task holder;       /* who held its CPU longest while it waited */
	uint64_t holder_ns;
	bool faults_known;
	uint32_t minflt, majflt;
	bool steal_known;                   /* a steal clock was read on its CPUs */
	uint64_t steal_ns;
};

struct rt_analysis {
	uint32_t victim_tid;
	int victim_prio;
	uint64_t value_ns;
	struct rt_part parts[RT_MAX_PARTS];
	int nparts;
	struct rt_inversion inv;
	int migrations;
	struct rt_window_where where;
	char verdict[512];
};

/* Split the window of trace t (a window of task victim_tid) into parts that
 * add up to its value, and write a one-line verdict.  A report analyses its
 * windows once, when it is built (rt_report_add_windows); renderers read that. */
void rt_analyze(const struct rt_trace *t, uint32_t victim_tid, int victim_prio,
		struct rt_analysis *a);

/* "FIFO 90", "OTHER", "OTHER nice -5", "FIFO 10 boosted to 90" */
const char *rt_prio_label(int policy, int prio, char *buf, int len);
/* "higher", "equal" or "lower" priority than the victim */
const char *rt_prio_relation(int prio, int victim_prio);
const char *rt_softirq_name(unsigned int vec);
const char *rt_irq_name(unsigned int irq);

#endif
