/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_TRACER_H
#define RTTRACE_TRACER_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "cli.h"
#include "procfs.h"
#include "rttrace/rttrace.h"

/* pidfd_open() flag for a thread's pidfd (6.9+); older uapi headers lack it. */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* Which kernel mechanisms this session uses (probed, never assumed). */
struct rt_features {
	bool tp_btf;            /* tp_btf programs + task-local storage   */
	bool prev_state_arg;    /* sched_switch carries prev_state (5.18+) */
	bool timer_detect;      /* bpf_task_pt_regs(): relief available    */
	bool kernel_btf;        /* the running kernel has BTF               */
	const char *btf_path;   /* the BTF used for CO-RE                  */
};

struct rttrace_bpf__bss;
struct rttrace_bpf__data;

struct rt_tracer {
	struct rttrace_bpf *skel;    /* NULL when attached to a pinned session */
	struct rttrace_bpf__bss *bss; /* mmapped global data */
	struct rttrace_bpf__data *data;
	int fd_slots, fd_task_state, fd_want, fd_irq, fd_track_tgid, fd_slo;
	int fd_free;         /* free_slots queue, -1 without one (a pinned session) */
	struct rt_features feat;
	uint32_t max_slots;
	struct rt_slot *slots; /* mmapped `slots` array */
	size_t slots_len;
	const struct rt_opts *opts;
	bool capture;        /* worst-case event capture on */
	bool holders;        /* capture gated by holder marks (else the interest word) */
	bool switch_gate;    /* sched_switch entered through a gate program (tp_switch_gate...) */
	int ncpus;           /* possible CPUs: one event ring each */
	uint32_t ring_size;  /* events per CPU ring */
	const struct rt_event *events; /* mmapped rings */
	size_t events_len;
	const struct rt_where *wheres; /* mmapped where rings (RT_WHERE_RING per CPU) */
	size_t wheres_len;
	int irq_mode;        /* enum rt_irq_mode in use */
	int fd_adopt;        /* adopt_tasks iterator link, -1 without one */
	bool defer_fork;     /* threads born under -t get state from user space (PREEMPT_RT) */
};


/* Probe the kernel, load and attach.  On failure prints one line and returns
 * the exit code to use (RT_EXIT_RUNTIME); 0 on success. */
int rt_tracer_open(struct rt_tracer *t, const struct rt_opts *o, uint32_t max_slots);

/* Track new threads of tgid from birth. */
int rt_tracer_track_tgid(struct rt_tracer *t, uint32_t tgid);

/* Give slot idx back for a new task: its task is dead (RT_SLOT_DEAD) and
 * everything of it was copied out.  Zeroes it first.  0 or -errno. */
int rt_tracer_recycle(struct rt_tracer *t, uint32_t idx);
/* Start tracking one existing thread.  0, or -ENOSPC when the table is full. */
int rt_tracer_add_task(struct rt_tracer *t, const struct rt_proc_task *pt);

/* Attach state to the threads waiting for it in `want` (tp_btf backend):
 * those rt_tracer_add_task() could not give it (no thread pidfd before
 * 6.9) and those born under -t on PREEMPT_RT.  One walk over all threads,
 * only when some wait: call after adding tasks and from the main loop;
 * -1 (after printing why) when the walk failed. */
int rt_tracer_adopt(struct rt_tracer *t);

/* Count only windows that start at or after start_ns (CLOCK_MONOTONIC). */
void rt_tracer_start_session(struct rt_tracer *t, uint64_t start_ns);

/* ... and end at or before end_ns: called before detaching, which takes a
 * while and would otherwise lose some events but not others. */
void rt_tracer_end_session(struct rt_tracer *t, uint64_t end_ns);

/* Number of slots handed out (may exceed max_slots: the excess was dropped). */
uint32_t rt_tracer_nslots(const struct rt_tracer *t);

const struct rt_counters *rt_tracer_counters(const struct rt_tracer *t);

/* Runs of rttrace's programs the kernel skipped because one fired inside
 * another on the same CPU (bpf_prog_info.recursion_misses, 5.12+; 0 where
 * the kernel does not count them). */
uint64_t rt_tracer_skipped_runs(const struct rt_tracer *t);

/* Stop the programs; statistics stay readable until rt_tracer_close(). */
void rt_tracer_detach(struct rt_tracer *t);
void rt_tracer_close(struct rt_tracer *t);

uint64_t rt_now_ns(void);

#endif
