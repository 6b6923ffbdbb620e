/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_HOUSEKEEPING_H
#define RTTRACE_HOUSEKEEPING_H

/*
 * Where rttrace itself runs.  Its process must stay off the CPUs it
 * measures, or it becomes one of the disturbances it reports.
 */
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cpu_set_t only exists when every file including this one starts with
 * #define _GNU_SOURCE, before its first #include. */
#ifndef CPU_SETSIZE
#error "housekeeping.h needs _GNU_SOURCE defined before the first #include"
#endif

enum rt_hk_reason {
	RT_HK_USER,		/* --housekeeping CPULIST */
	RT_HK_FREE,		/* CPUs no tracked task may run on */
	RT_HK_LEAST_USED,	/* every CPU is open to some tracked task: the one they use least */
	RT_HK_NONE,		/* not placed: a single CPU, or the kernel refused */
};

/* "user", "free", "least_used", "none" */
const char *rt_hk_reason_name(enum rt_hk_reason r);

/* Parse a CPU list ("0", "0-2,5", "1,3"): 0, or -1 with *why set to a short
 * reason (and *set empty).  Empty lists, garbage, backward ranges and CPUs
 * >= CPU_SETSIZE are rejected; so is whitespace, trailing newline included. */
int rt_cpulist_parse(const char *s, cpu_set_t *set, const char **why);

/* Format as the kernel does ("0-2,5"); returns buf.  Empty set gives "".
 * A buf too small gets a cut (but terminated) list. */
char *rt_cpulist_format(const cpu_set_t *set, char *buf, size_t len);

struct rt_hk_input {
	/* where rttrace itself may run: its own affinity at start, online CPUs only */
	cpu_set_t allowed;
	/* isolated CPUs (isolcpus, nohz_full): kept out of a FREE set when
	 * other CPUs are free, and the last tie-break of LEAST_USED */
	cpu_set_t avoid;
	int ntasks;
	/* affinity of each live tracked task */
	const cpu_set_t *task_masks;
	/* per CPU index (CPU_SETSIZE entries): the tracked tasks' CPU time on it
	 * over the last period; NULL = unknown */
	const uint64_t *usage_ns;
	/* the same for the tracked tasks with a real-time policy (FIFO, RR,
	 * DEADLINE), or NULL: when any of them used a CPU, this decides, so
	 * that a busy SCHED_OTHER thread (a main thread setting up, printing
	 * its results) cannot send rttrace onto an RT thread's CPU */
	const uint64_t *usage_rt_ns;
};

/*
 * The pure decision (no syscalls).  Fill *out with the set to run on and
 * return why:
 *  - NONE: allowed has fewer than two CPUs; *out = allowed, apply nothing.
 *  - FREE: allowed minus the union of the task masks, minus avoid when that
 *    leaves something.
 *  - LEAST_USED: one CPU of allowed: the least usage_rt_ns when the RT
 *    tasks used any CPU, else the least usage_ns; on ties (or usage
 *    unknown) the least affinity pressure (sum over tasks of 1/|mask| for
 *    each CPU in the task's mask); then CPUs not in avoid; then the lowest.
 */
enum rt_hk_reason rt_hk_choose(const struct rt_hk_input *in, cpu_set_t *out);

/*
 * Hysteresis for re-evaluation: should rttrace move from `current` to
 * `proposed` (both as chosen by rt_hk_choose or the user)?
 *  - never when the sets are equal, proposed is empty or NONE, or current
 *    is the user's choice (RT_HK_USER is never second-guessed);
 *  - always when current meets the union of task masks and proposed does
 *    not, or current is not a subset of in->allowed;
 *  - LEAST_USED -> LEAST_USED between single CPUs with usage known: only
 *    when the proposed CPU's usage is below half the current one's and the
 *    difference is more than 1 % of period_ns (no bouncing between equally
 *    idle CPUs);
 *  - otherwise yes (the masks changed the kind of choice, or usage is
 *    unknown and the choice rests on the masks alone).
 */
bool rt_hk_should_move(const cpu_set_t *current, enum rt_hk_reason cur_reason,
		       const cpu_set_t *proposed, enum rt_hk_reason new_reason,
		       const struct rt_hk_input *in, uint64_t period_ns);

/*
 * rttrace's allowed set at start: sched_getaffinity(0) intersected with the
 * online CPUs; avoid from /sys/devices/system/cpu/{isolated,nohz_full}
 * (missing, empty or unreadable files = empty set).  Call it once, before
 * rt_hk_apply(), which narrows our own affinity.  0 or -errno.
 */
int rt_hk_read_system(cpu_set_t *allowed, cpu_set_t *avoid);

/* A task's affinity mask by TID; -errno (-ESRCH) if it is gone. */
int rt_hk_task_mask(uint32_t tid, cpu_set_t *mask);

/*
 * Per-CPU usage of the tracked tasks.  Each sample reads every TID's total
 * CPU time (/proc/<tid>/schedstat, else utime+stime of /proc/<tid>/stat) and
 * puts the increase since the previous sample on the CPU the task runs on:
 * the only CPU of its mask when pinned to one, else the "processor" field of
 * /proc/<tid>/stat (so time of a task that migrated lands where it is now).
 */
struct rt_hk_usage;
struct rt_hk_usage *rt_hk_usage_new(void);
void rt_hk_usage_free(struct rt_hk_usage *u);

/* Sample the n TIDs (distinct; masks[i] is tids[i]'s affinity, masks may be
 * NULL) and write into usage_ns[CPU_SETSIZE] the CPU time each CPU got from
 * them since the previous call.  A TID not seen before contributes 0 (so the
 * first call only records); TIDs not in this call are forgotten. */
void rt_hk_usage_sample(struct rt_hk_usage *u, const uint32_t *tids,
			const cpu_set_t *masks, int n, uint64_t *usage_ns);

/* Pin the calling thread (rttrace is single-threaded): 0 or -errno. */
int rt_hk_apply(const cpu_set_t *set);

/*
 * rttrace's placement over a session, built on the above: the first choice
 * before anything is loaded, then a look about once a second at the live
 * tracked tasks (their masks change: -t and COMMAND threads set their own
 * affinity after they start).
 */
struct rt_housekeeper {
	cpu_set_t allowed, avoid;
	cpu_set_t current;        /* where rttrace runs now */
	cpu_set_t ran_on;         /* every CPU it was placed on since the start */
	enum rt_hk_reason reason;
	int moves;                /* placements after the first */
	int verbose;              /* say each move on stderr */
	struct rt_hk_usage *usage;
	uint64_t *usage_ns;       /* CPU_SETSIZE entries */
	struct rt_hk_usage *usage_rt; /* the same, for the RT-policy tasks */
	uint64_t *usage_rt_ns;
};

/* First placement: on user_cpus (--housekeeping, NULL to choose), or away
 * from the n tasks tids.  0, or RT_EXIT_USAGE / RT_EXIT_RUNTIME after one
 * line on stderr (a list with no CPU rttrace may run on).  quiet: no
 * warning when the user's CPUs are open to tracked tasks. */
int rt_housekeeper_start(struct rt_housekeeper *h, const char *user_cpus,
			 const uint32_t *tids, int n, bool quiet);
/* Look again at the live tracked tasks; moves rttrace when rt_hk_should_move
 * says so.  period_ns: the time since the last call. */
void rt_housekeeper_update(struct rt_housekeeper *h, const uint32_t *tids, int n,
			   uint64_t period_ns);
void rt_housekeeper_free(struct rt_housekeeper *h);

#endif
