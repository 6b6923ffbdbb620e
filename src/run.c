// SPDX-License-Identifier: GPL-2.0
/* `rttrace run`: resolve targets, trace until told to stop, report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "procfs.h"
#include "report.h"
#include "report_html.h"
#include "run.h"
#include "tracer.h"
#include "capture.h"
#include "interval.h"
#include "export_perfetto.h"
#include "export_prom.h"
#include "housekeeping.h"
#include "hotplug.h"
#include "test_hook.h"

static volatile sig_atomic_t stop_signal, dump_signal;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_signal = 1;
	else
		stop_signal = sig;
}

/* Headroom for threads created after start (-t, -- COMMAND): live ones,
 * and dead ones until the next drain recycles their slots (thread pools
 * come and go; see recycle_dead).  12,736 bytes of BPF map each. */
#define RT_THREAD_HEADROOM 512

/* Exit statuses of the command's child before it runs the command, as a
 * shell's: 126 it was not started (rttrace failed first), 127 it could not
 * be executed. */
#define CHILD_NOT_STARTED 126
#define CHILD_EXEC_FAILED 127

struct run_ctx {
	struct rt_opts o;
	struct rt_tracer tr;
	struct rt_capture cap;
	pid_t child;
	int child_status;
	bool child_reaped;
	int go_pipe[2];
	bool tracks_groups;
	bool adopt_failed;   /* a thread born under -t could not get state: tracing ended */
	struct rt_interval iv;
	FILE *jsonl;
	struct rusage own_start, own_end; /* rttrace's own use: session start, end */
	bool own_started, own_ended;
	struct rt_housekeeper hk; /* where rttrace itself runs */
	struct rt_hotplug hp;     /* CPUs going offline and online meanwhile */
	struct rt_exited exited;  /* tasks taken out of their slots */
	uint32_t *dead;           /* slots found dead before a drain (max_slots) */
	uint32_t ndead;
	uint8_t *pending_mark;    /* per slot: a window of it waits in this drain */
	uint32_t recycled;        /* slots recycled since the last recycle_dead */
	uint64_t last_recycle_ns;
};

static int report(struct run_ctx *c, uint64_t start_ns, uint64_t end_ns, bool final);
static void build_report(struct run_ctx *c, uint64_t start_ns, uint64_t end_ns,
			 unsigned int flags, struct rt_report *r);
static int write_prom(struct run_ctx *c, const struct rt_report *r);

static int resolve_targets(struct run_ctx *c, int *ntasks)
{
	struct rt_proc_task pt;
	int i;

	*ntasks = 0;
	for (i = 0; i < c->o.nirq_specs; i++) {
		int before = c->o.ntids;

		rt_proc_irq_threads(c->o.irq_specs[i], &c->o.tids, &c->o.ntids);
		if (c->o.ntids == before) {
			fprintf(stderr, "rttrace: no IRQ thread for interrupt '%s' (see /proc/interrupts; "
				"only threaded handlers have one: request_threaded_irq, threadirqs, PREEMPT_RT)\n",
				c->o.irq_specs[i]);
			return RT_EXIT_USAGE;
		}
	}
	for (i = 0; i < c->o.ntids; i++) {
		if (rt_proc_task(c->o.tids[i], &pt)) {
			fprintf(stderr, "rttrace: no such thread: TID %u (it does not exist or has exited)\n",
				c->o.tids[i]);
			return RT_EXIT_USAGE;
		}
		if (rt_comm_is_irq_thread(pt.comm))
			c->o.irq_tracking = true;
		(*ntasks)++;
	}
	for (i = 0; i < c->o.ntgids; i++) {
		uint32_t *tids = NULL;
		int n = 0;

		if (rt_proc_task(c->o.tgids[i], &pt) || rt_proc_threads(c->o.tgids[i], &tids, &n)) {
			fprintf(stderr, "rttrace: no such process: PID %u (it does not exist or has exited)\n",
				c->o.tgids[i]);
			return RT_EXIT_USAGE;
		}
		free(tids);
		if (pt.tgid != c->o.tgids[i]) {
			fprintf(stderr, "rttrace: %u is a thread of process %u: use -p %u for that thread or -t %u for the process\n",
				c->o.tgids[i], pt.tgid, c->o.tgids[i], pt.tgid);
			return RT_EXIT_USAGE;
		}
		*ntasks += n;
	}
	return 0;
}

/* The TIDs of the targets as they are before tracing (malloc'd): rttrace
 * places itself away from them before it loads anything. */
static uint32_t *target_tids(const struct run_ctx *c, int *n)
{
	uint32_t *tids = malloc((size_t)(c->o.ntids + 1) * sizeof(*tids)), *more;
	int i, j;

	*n = 0;
	if (!tids)
		return NULL;
	for (i = 0; i < c->o.ntids; i++)
		tids[(*n)++] = c->o.tids[i];
	if (c->child > 0)
		tids[(*n)++] = (uint32_t)c->child;
	for (i = 0; i < c->o.ntgids; i++) {
		uint32_t *group = NULL;
		int ng = 0;

		if (rt_proc_threads(c->o.tgids[i], &group, &ng) || !ng)
			continue;
		more = realloc(tids, (size_t)(*n + ng) * sizeof(*tids));
		if (more) {
			tids = more;
			for (j = 0; j < ng; j++)
				tids[(*n)++] = group[j];
		}
		free(group);
	}
	return tids;
}

/* The tracked tasks still alive, from the slots (malloc'd). */
static uint32_t *live_tids(struct run_ctx *c, int *n)
{
	uint32_t i, ns = rt_tracer_nslots(&c->tr);
	uint32_t *tids = malloc((ns ? ns : 1) * sizeof(*tids));

	*n = 0;
	for (i = 0; tids && i < ns; i++) {
		uint32_t flags = __atomic_load_n(&c->tr.slots[i].flags, __ATOMIC_ACQUIRE);

		if ((flags & RT_SLOT_VALID) && !(flags & RT_SLOT_EXITED))
			tids[(*n)++] = c->tr.slots[i].tid;
	}
	return tids;
}

/* Fork the command held before exec, so it is tracked before it runs: its
 * threads are picked up from birth, and its windows start at its first
 * sleep (the release from this pipe opens none). */
static int spawn_command(struct run_ctx *c)
{
	pid_t parent;
	char b;

	if (pipe2(c->go_pipe, O_CLOEXEC)) {
		fprintf(stderr, "rttrace: pipe: %s\n", strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	parent = getpid();
	c->child = fork();
	if (c->child < 0) {
		fprintf(stderr, "rttrace: fork: %s\n", strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	if (c->child == 0) {
		/* rttrace killed (SIGKILL gives it no chance to end the
		 * command, as it does on any other stop): end with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(CHILD_NOT_STARTED);
		close(c->go_pipe[1]);
		if (read(c->go_pipe[0], &b, 1) != 1)
			_exit(CHILD_NOT_STARTED);
		execvp(c->o.command[0], c->o.command);
		fprintf(stderr, "rttrace: cannot run '%s': %s\n", c->o.command[0], strerror(errno));
		_exit(CHILD_EXEC_FAILED);
	}
	close(c->go_pipe[0]);
	return 0;
}

static int add_targets(struct run_ctx *c)
{
	struct rt_proc_task pt;
	int i, j, err;

	for (i = 0; i < c->o.ntgids; i++) {
		uint32_t *tids = NULL;
		int n = 0;

		/* Register the group first, then list its threads: a thread born
		 * in between is picked up at fork (and skipped here). */
		if (rt_tracer_track_tgid(&c->tr, c->o.tgids[i])) {
			fprintf(stderr, "rttrace: too many processes to track (at most 64)\n");
			return RT_EXIT_USAGE;
		}
		rt_proc_threads(c->o.tgids[i], &tids, &n);
		for (j = 0; j < n; j++) {
			if (rt_proc_task(tids[j], &pt))
				continue; /* exited meanwhile */
			err = rt_tracer_add_task(&c->tr, &pt);
			if (err && err != -ENOSPC) {
				fprintf(stderr, "rttrace: cannot track TID %u: %s\n", tids[j], strerror(-err));
				free(tids);
				return RT_EXIT_RUNTIME;
			}
		}
		free(tids);
	}
	for (i = 0; i < c->o.ntids; i++) {
		if (rt_proc_task(c->o.tids[i], &pt)) {
			/* Gone between the check and now: keep an (exited) entry. */
			memset(&pt, 0, sizeof(pt));
			pt.tid = pt.tgid = c->o.tids[i];
			snprintf(pt.comm, sizeof(pt.comm), "<exited>");
		}
		err = rt_tracer_add_task(&c->tr, &pt);
		if (err && err != -ENOSPC) {
			fprintf(stderr, "rttrace: cannot track TID %u: %s\n", c->o.tids[i], strerror(-err));
			return RT_EXIT_RUNTIME;
		}
	}
	if (c->child > 0) {
		if (rt_tracer_track_tgid(&c->tr, (uint32_t)c->child)) {
			fprintf(stderr, "rttrace: cannot track the command\n");
			return RT_EXIT_RUNTIME;
		}
		rt_proc_task((uint32_t)c->child, &pt);
		rt_tracer_add_task(&c->tr, &pt);
	}
	return 0;
}

/* Mark tasks that are gone (including ones never seen by the BPF side);
 * true when nothing tracked is left alive. */
static bool all_exited(struct run_ctx *c)
{
	uint32_t i, n = rt_tracer_nslots(&c->tr);
	bool all = true;
	int k;

	for (i = 0; i < n; i++) {
		struct rt_slot *s = &c->tr.slots[i];
		uint32_t flags = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);

		if (!(flags & RT_SLOT_VALID) || (flags & RT_SLOT_EXITED))
			continue;
		if (rt_proc_alive(s->tgid, s->tid)) {
			all = false;
			continue;
		}
		s->exit_ns = rt_now_ns();
		__atomic_fetch_or(&s->flags, RT_SLOT_EXITED, __ATOMIC_SEQ_CST);
	}
	/* A tracked process that is still alive may create more threads. */
	for (k = 0; k < c->o.ntgids && all; k++)
		if (rt_proc_alive(c->o.tgids[k], c->o.tgids[k]))
			all = false;
	if (c->child > 0 && !c->child_reaped)
		all = false;
	return all;
}

static void reap_child(struct run_ctx *c, bool wait)
{
	if (c->child <= 0 || c->child_reaped)
		return;
	if (waitpid(c->child, &c->child_status, wait ? 0 : WNOHANG) == c->child)
		c->child_reaped = true;
}

/* The slots whose tasks are dead (their last switch done): found before
 * a drain, so that the drain takes every window they committed. */
static void find_dead(struct run_ctx *c)
{
	uint32_t i, n = rt_tracer_nslots(&c->tr);

	c->ndead = 0;
	for (i = 0; c->dead && i < n; i++)
		if (__atomic_load_n(&c->tr.slots[i].flags, __ATOMIC_ACQUIRE) & RT_SLOT_DEAD)
			c->dead[c->ndead++] = i;
}

/* After that drain: each dead task goes to the exited ones (kept, or
 * merged per name), and its slot back to the BPF side for a new thread;
 * nothing of the old task can reach the new one (its windows are taken
 * out with it, its series and findings reset). */
static void recycle_one(struct run_ctx *c, uint32_t i, uint64_t now)
{
	struct rt_slot s = c->tr.slots[i];

	if (s.flags & RT_SLOT_VALID)
		rt_exited_take(&c->exited, &s, c->tr.capture ? &c->cap : NULL,
			       c->o.interval_ns ? &c->iv : NULL, i, now);
	else if (c->o.interval_ns)
		free(rt_interval_take(&c->iv, i, &s, now, &(uint32_t){ 0 }));
	rt_tracer_recycle(&c->tr, i);
	c->recycled++;
}

static uint32_t recycle_dead(struct run_ctx *c)
{
	uint64_t now = rt_now_ns();
	uint32_t k, n;

	for (k = 0; k < c->ndead; k++)
		recycle_one(c, c->dead[k], now);
	c->ndead = 0;
	n = c->recycled;
	c->recycled = 0;
	return n;
}

/* The drain's hook (rt_capture.queued): the dead tasks with no window
 * waiting to be copied go at once, before the copies, which name stacks
 * and may take long (the first time a process's libraries are read, or
 * on a loaded machine) while new threads wait for slots.  The others go
 * after the drain (recycle_dead). */
static void recycle_early(struct rt_capture *cap, void *ctx)
{
	struct run_ctx *c = ctx;
	uint64_t now = rt_now_ns();
	uint32_t k, kept = 0;

	for (k = 0; k < cap->npending; k++)
		if (cap->pending[k].slot < c->tr.max_slots)
			c->pending_mark[cap->pending[k].slot] = 1;
	for (k = 0; k < c->ndead; k++)
		if (c->pending_mark[c->dead[k]])
			c->dead[kept++] = c->dead[k];
		else
			recycle_one(c, c->dead[k], now);
	c->ndead = kept;
	for (k = 0; k < cap->npending; k++)
		if (cap->pending[k].slot < c->tr.max_slots)
			c->pending_mark[cap->pending[k].slot] = 0;
}

/* How long until the next recycling: short enough that, at the rate
 * threads died since the last one, at most a quarter of the slots wait
 * dead (their threads' successors need them). */
static uint64_t recycle_period(struct run_ctx *c, uint32_t recycled, uint64_t now)
{
	uint64_t elapsed = now - c->last_recycle_ns, p;

	c->last_recycle_ns = now;
	if (!recycled)
		return UINT64_MAX;
	p = elapsed * (c->tr.max_slots / 4 + 1) / recycled;
	return p < RT_DRAIN_MIN_NS ? RT_DRAIN_MIN_NS : p;
}

/* comm as it is now (exec changes it after pick-up), and the policy and
 * priority of a task that never woke (the BPF side notes the others' at
 * each activation); exited tasks keep what the exit hook saw. */
static void refresh_live_tasks(struct run_ctx *c)
{
	uint32_t i, n = rt_tracer_nslots(&c->tr);
	struct rt_proc_task pt;

	for (i = 0; i < n; i++) {
		struct rt_slot *s = &c->tr.slots[i];

		if (!(s->flags & RT_SLOT_VALID) || (s->flags & RT_SLOT_EXITED))
			continue;
		if (!rt_proc_task(s->tid, &pt) && pt.tgid == s->tgid) {
			memcpy(s->comm, pt.comm, sizeof(s->comm));
			if (s->m[RT_LATENCY].count)
				continue;
			if (pt.policy != s->policy || pt.rt_priority != s->rt_priority) {
				s->policy_changes++;
				s->policy_change_ns = rt_now_ns();
			}
			s->policy = pt.policy;
			s->rt_priority = pt.rt_priority;
			s->prio = pt.prio;
		}
	}
}

/* Sleep until CLOCK_MONOTONIC reaches t_ns, or a signal arrives. */
static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { (time_t)(t_ns / 1000000000ULL), (long)(t_ns % 1000000000ULL) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * rttrace wakes on its own timer only, on its own CPU: the BPF side never
 * wakes it (that would interrupt the traced CPU).  With capture it wakes
 * to drain the windows (every RT_DRAIN_MAX_NS, sooner while the rings fill
 * fast); without, only to notice exits and the end.  Interval ticks and
 * the end of -d are wake times of their own, and a drain happens at each
 * wake, so they add none.
 */
#define RT_WAKE_NO_CAPTURE_NS (250ULL * 1000 * 1000)
/* Threads born under -t on PREEMPT_RT wait for user space to give them
 * state: a shorter wait loses less of their start. */
#define RT_WAKE_ADOPT_NS (10ULL * 1000 * 1000)
/* Exits are looked for at most this often (a /proc read per task). */
#define RT_EXIT_CHECK_NS RT_DRAIN_MAX_NS
/* Tracked tasks' affinity and CPU use are looked at this often, to keep
 * rttrace off their CPUs as they change (a /proc read or two per task). */
#define RT_PLACE_CHECK_NS (1000ULL * 1000 * 1000)

static void trace_loop(struct run_ctx *c, uint64_t start_ns)
{
	uint64_t next_tick = start_ns + c->o.interval_ns, next_exit_check = 0;
	uint64_t next_place_check = start_ns + RT_PLACE_CHECK_NS;
	uint64_t end = c->o.duration_ns ? start_ns + c->o.duration_ns : UINT64_MAX;
	uint64_t period = c->tr.capture ? c->cap.period_ns : RT_WAKE_NO_CAPTURE_NS, now, wake;
	uint64_t churn = UINT64_MAX;

	c->last_recycle_ns = start_ns;

	while (!stop_signal) {
		now = rt_now_ns();
		wake = now + period;
		if (c->tr.defer_fork && c->tracks_groups && wake > now + RT_WAKE_ADOPT_NS)
			wake = now + RT_WAKE_ADOPT_NS;
		if (churn < period)
			wake = now + churn;
		if (c->o.interval_ns && next_tick < wake)
			wake = next_tick;
		if (end < wake)
			wake = end;
		sleep_until(wake);
		find_dead(c);
		if (c->tr.capture)
			period = rt_capture_drain(&c->cap, rt_now_ns());
		churn = recycle_period(c, recycle_dead(c), rt_now_ns());
		if (rt_tracer_adopt(&c->tr)) {
			c->adopt_failed = true; /* said why; the report follows */
			break;
		}
		now = rt_now_ns();
		if (rt_hotplug_poll(&c->hp, now))
			rt_hotplug_rehome(&c->hp, &c->hk, c->tr.slots, rt_tracer_nslots(&c->tr));
		if (c->o.interval_ns && now >= next_tick) {
			refresh_live_tasks(c);
			rt_interval_tick(&c->iv, c->tr.slots, rt_tracer_nslots(&c->tr), start_ns,
					 now, c->jsonl == stdout ? stderr : stdout, c->jsonl);
			if (c->o.prom_path) {
				struct rt_report r;

				/* statistics only: Prometheus shows no window */
				build_report(c, start_ns, now, 0, &r);
				write_prom(c, &r);
				rt_report_free(&r);
			}
			while (next_tick <= now)
				next_tick += c->o.interval_ns;
		}
		if (dump_signal) {
			dump_signal = 0;
			report(c, start_ns, rt_now_ns(), false);
		}
		if (now >= end)
			break;
		if (now >= next_place_check) {
			int n;
			uint32_t *tids = live_tids(c, &n);

			if (tids)
				rt_housekeeper_update(&c->hk, tids, n,
						      now - next_place_check + RT_PLACE_CHECK_NS);
			free(tids);
			next_place_check = now + RT_PLACE_CHECK_NS;
		}
		if (now >= next_exit_check) {
			next_exit_check = now + RT_EXIT_CHECK_NS;
			/* Windows come and go with threads: give back the heap
			 * pages their events left free, so that rttrace's memory
			 * stays flat over hours (glibc keeps them otherwise). */
			malloc_trim(0);
			reap_child(c, false);
			if (all_exited(c))
				break;
		}
	}
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000;
}

/* What rttrace's own process cost during the session: each voluntary
 * switch of its one thread is a sleep, so a wakeup (an involuntary one is
 * a preemption: no wakeup of its own).  The final report counts up to the
 * end of tracing, not the detach and report that follow. */
static void own_footprint(struct run_ctx *c, struct rt_report *r)
{
	const struct rusage *a = &c->own_start;
	struct rusage now, *b = c->own_ended ? &c->own_end : &now;

	if (!c->own_started || (!c->own_ended && getrusage(RUSAGE_SELF, &now)))
		return;
	r->own_measured = true;
	r->own_wakeups = b->ru_nvcsw - a->ru_nvcsw;
	r->own_cpu_ns = tv_ns(&b->ru_utime) + tv_ns(&b->ru_stime) - tv_ns(&a->ru_utime) -
			tv_ns(&a->ru_stime);
}

/* Report order: tasks by pick-up time (the slots' order unless slots were
 * recycled), then the groups of merged exited threads by name. */
struct task_ref {
	uint64_t added_ns;
	uint32_t slot;              /* live, or UINT32_MAX */
	const struct rt_exited_task *e;
};

static int cmp_task_ref(const void *a, const void *b)
{
	const struct task_ref *x = a, *y = b;
	bool gx = x->e && x->e->threads, gy = y->e && y->e->threads;

	if (gx != gy)
		return gx - gy;
	if (gx)
		return strncmp(x->e->s.comm, y->e->s.comm, sizeof(x->e->s.comm));
	if (x->added_ns != y->added_ns)
		return x->added_ns < y->added_ns ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static void add_tasks(struct run_ctx *c, uint32_t n, struct rt_report *r)
{
	const struct rt_exited *x = &c->exited;
	size_t cap = x->nkept + x->ngroups, k = 0, j;
	struct task_ref *ref;
	uint32_t i;

	/* sized to the tasks, not the table: with -i and --prom-file a
	 * report is built every interval */
	for (i = 0; i < n; i++)
		cap += !!(c->tr.slots[i].flags & RT_SLOT_VALID);
	cap += 16; /* slots published meanwhile are left for the next report */
	ref = calloc(cap, sizeof(*ref));

	r->tasks = calloc(cap, sizeof(*r->tasks));
	r->slot_idx = calloc(cap, sizeof(*r->slot_idx));
	r->exited = calloc(cap, sizeof(*r->exited));
	if (!ref || !r->tasks || !r->slot_idx || !r->exited) {
		free(ref);
		return;
	}
	for (i = 0; i < n && k < cap - x->nkept - x->ngroups; i++)
		if (c->tr.slots[i].flags & RT_SLOT_VALID)
			ref[k++] = (struct task_ref){ c->tr.slots[i].added_ns, i, NULL };
	for (i = 0; i < x->nkept; i++)
		ref[k++] = (struct task_ref){ x->kept[i].s.added_ns, UINT32_MAX, &x->kept[i] };
	for (i = 0; i < x->ngroups; i++)
		ref[k++] = (struct task_ref){ x->groups[i].s.added_ns, UINT32_MAX, &x->groups[i] };
	qsort(ref, k, sizeof(*ref), cmp_task_ref);
	for (j = 0; j < k; j++) {
		r->slot_idx[j] = ref[j].slot;
		r->exited[j] = ref[j].e;
		r->tasks[j] = ref[j].e ? ref[j].e->s : c->tr.slots[ref[j].slot];
	}
	r->ntasks = (int)k;
	r->exited_merged = x->merged;
	free(ref);
}

/* Build the report (see report.h): a consistent copy of the statistics,
 * then, with RT_REPORT_WINDOWS, the captured windows analysed once for
 * every renderer.  Free with rt_report_free(). */
static void build_report(struct run_ctx *c, uint64_t start_ns, uint64_t end_ns,
			 unsigned int flags, struct rt_report *r)
{
	const struct rt_counters *cnt = rt_tracer_counters(&c->tr);
	uint32_t n = rt_tracer_nslots(&c->tr);

	memset(r, 0, sizeof(*r));
	r->opts = &c->o;
	r->feat = &c->tr.feat;
	r->start_ns = start_ns;
	r->end_ns = end_ns;
	r->counters = *cnt;
	r->capture = c->tr.capture ? &c->cap : NULL;
	r->intervals = c->o.interval_ns ? &c->iv : NULL;
	r->irq_mode = c->tr.irq_mode;
	r->capture_holders = c->tr.holders;
	r->switch_gate = c->tr.switch_gate;
	r->defer_fork = c->tr.defer_fork;
	add_tasks(c, n, r);
	r->lost_events = cnt->slots_full + cnt->storage_failed;
	r->skipped_runs = rt_tracer_skipped_runs(&c->tr);
	r->windows_lost = cnt->commits_lost + c->cap.windows_dropped;
	r->drain_min_ns = c->cap.min_period_ns;
	rt_cpulist_format(&c->hk.ran_on, r->housekeeping_cpus, sizeof(r->housekeeping_cpus));
	r->housekeeping_reason = rt_hk_reason_name(c->hk.reason);
	r->hotplug = &c->hp;
	own_footprint(c, r);
	if (flags & RT_REPORT_WINDOWS) {
		if (r->capture) {
			rt_capture_name_kernel(&c->cap);
			rt_exited_name_kernel(&c->exited, c->cap.syms);
		}
		rt_report_add_windows(r);
	}
}

/* The Prometheus file: every interval and at the end. */
static int write_prom(struct run_ctx *c, const struct rt_report *r)
{
	if (!c->o.prom_path || !rt_export_prom(c->o.prom_path, r))
		return 0;
	fprintf(stderr, "rttrace: cannot write %s: %s\n", c->o.prom_path, strerror(errno));
	return -1;
}

/* The HTML page: made from the JSON report's tree, as `rttrace html`
 * makes it from a saved one. */
static int write_html(const char *path, const struct rt_report *r)
{
	json_object *tree = rt_report_json_tree(r);
	int err = rt_html_write(path, tree);

	json_object_put(tree);
	return err;
}

/* What the report() renderers show besides the statistics. */
static unsigned int report_needs(const struct rt_opts *o)
{
	return o->format == RT_FMT_TEXT || o->json_path || o->perfetto_path || o->html_path ?
	       RT_REPORT_WINDOWS : 0;
}

/* The report: final, or on SIGUSR1 (interim: nothing is stopped or reset,
 * and the loss warnings wait for the final one). */
static int report(struct run_ctx *c, uint64_t start_ns, uint64_t end_ns, bool final)
{
	const struct rt_counters *cnt = rt_tracer_counters(&c->tr);
	struct rt_report r;
	uint32_t i;
	FILE *text_out = stdout;
	bool violated = false;
	int rc = RT_EXIT_OK, m;

	build_report(c, start_ns, end_ns, report_needs(&c->o), &r);
	if (!final)
		goto emit;
	if (cnt->slots_full) {
		fprintf(stderr, "rttrace: %llu tasks were not tracked: the task table is full "
			"(%u entries); raise --max-tasks\n",
			(unsigned long long)cnt->slots_full, c->tr.max_slots);
		rc = RT_EXIT_RUNTIME;
	}
	if (r.windows_lost)
		fprintf(stderr, "rttrace: warning: %llu worst-case or violation windows were not "
			"captured (they came faster than rttrace drains them; new worst cases are "
			"kept first); the statistics are exact\n",
			(unsigned long long)r.windows_lost);
	if (cnt->holds_failed)
		fprintf(stderr, "rttrace: warning: %llu times the task holding a watched CPU could "
			"not be marked (task storage refused, or that task not found by PID); a "
			"worst-case trace may miss switches on that CPU; RTTRACE_NO_HOLDERS=1 "
			"avoids the marks\n",
			(unsigned long long)cnt->holds_failed);
	if (cnt->adopt_missed)
		fprintf(stderr, "rttrace: warning: %llu threads exited before rttrace could attach "
			"state to them (%s); they are not in the report\n",
			(unsigned long long)cnt->adopt_missed,
			c->tr.defer_fork ? "PREEMPT_RT: a thread born under -t gets it from user "
			"space, within ~10 ms" : "no thread pidfd before 6.9");
	if (r.skipped_runs)
		fprintf(stderr, "rttrace: warning: the kernel skipped %llu runs of rttrace's probes "
			"(one fired inside another on the same CPU); a sample may be missing "
			"around each\n", (unsigned long long)r.skipped_runs);
	if (cnt->storage_failed) {
		fprintf(stderr, "rttrace: %llu tasks were not tracked: the kernel refused task storage (out of memory?)\n",
			(unsigned long long)cnt->storage_failed);
		rc = RT_EXIT_RUNTIME;
	}
emit:
	if (c->o.json_path && !strcmp(c->o.json_path, "-"))
		text_out = stderr;
	if (!final)
		fprintf(text_out, "rttrace: report on SIGUSR1 (tracing goes on)\n");
	if (c->o.format == RT_FMT_SEED)
		rt_report_seed(text_out, &r);
	else
		rt_report_text(text_out, &r);
	fflush(text_out);
	if (c->o.json_path && rt_report_json(c->o.json_path, &r))
		rc = RT_EXIT_RUNTIME;
	if (write_prom(c, &r))
		rc = RT_EXIT_RUNTIME;
	if (c->o.html_path && write_html(c->o.html_path, &r))
		rc = RT_EXIT_RUNTIME;
	if (c->o.perfetto_path && rt_export_perfetto(c->o.perfetto_path, &r)) {
		fprintf(stderr, "rttrace: cannot write %s: %s\n", c->o.perfetto_path, strerror(errno));
		rc = RT_EXIT_RUNTIME;
	}
	for (i = 0; i < (uint32_t)r.ntasks; i++)
		for (m = 0; m < RT_NR_METRICS; m++)
			if (r.tasks[i].m[m].violations)
				violated = true;
	rt_report_free(&r);
	if (rc == RT_EXIT_OK && violated && c->o.fail_on_violation)
		rc = RT_EXIT_VIOLATION;
	return rc;
}

int rt_cmd_run(int argc, char **argv)
{
	struct run_ctx c = { .child = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t start_ns, end_ns;
	int ntasks, rc, max_slots;

	rt_parse_run_args(argc, argv, &c.o);
	rc = resolve_targets(&c, &ntasks);
	if (rc)
		return rc;
	c.tracks_groups = c.o.ntgids || c.o.command;
	max_slots = c.o.max_tasks ? c.o.max_tasks :
		    ntasks + (c.o.command ? 1 : 0) + (c.tracks_groups ? RT_THREAD_HEADROOM : 0);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if (c.o.json_lines_path) {
		c.jsonl = strcmp(c.o.json_lines_path, "-") ? fopen(c.o.json_lines_path, "w") : stdout;
		if (!c.jsonl) {
			fprintf(stderr, "rttrace: cannot write %s: %s\n", c.o.json_lines_path, strerror(errno));
			return RT_EXIT_USAGE;
		}
	}
	if (c.o.command && (rc = spawn_command(&c)))
		return rc;
	{
		int n;
		uint32_t *tids = target_tids(&c, &n);

		rc = rt_housekeeper_start(&c.hk, c.o.housekeeping, tids, tids ? n : 0, false);
		c.hk.verbose = c.o.verbose;
		free(tids);
	}
	if (!rc)
		rc = rt_tracer_open(&c.tr, &c.o, (uint32_t)max_slots);
	if (!rc && rt_capture_open(&c.cap, &c.tr, rt_now_ns()))
		rc = RT_EXIT_RUNTIME;
	if (!rc && c.o.interval_ns && rt_interval_init(&c.iv, (uint32_t)max_slots, rt_now_ns()))
		rc = RT_EXIT_RUNTIME;
	rt_exited_init(&c.exited, c.o.keep_exited);
	if (!rc && (!(c.dead = calloc((size_t)max_slots, sizeof(*c.dead))) ||
		    !(c.pending_mark = calloc((size_t)max_slots, 1)))) {
		fprintf(stderr, "rttrace: out of memory\n");
		rc = RT_EXIT_RUNTIME;
	}
	c.cap.queued = recycle_early;
	c.cap.queued_ctx = &c;
	/* The session spans every sample: no window starts before a task is
	 * added, and none ends after the programs are detached. */
	start_ns = rt_now_ns();
	if (!rc)
		rc = add_targets(&c);
	if (!rc && rt_tracer_adopt(&c.tr))
		rc = RT_EXIT_RUNTIME;
	if (rc) {
		if (c.child > 0) {
			close(c.go_pipe[1]); /* the child exits without running */
			reap_child(&c, true);
		}
		rt_capture_close(&c.cap);
		if (c.tr.skel)
			rt_tracer_close(&c.tr);
		rt_housekeeper_free(&c.hk);
		return rc;
	}
	/* The session spans every sample: the kernel side counts only windows
	 * that start from now (every target is added), and none ends after
	 * the programs are detached. */
	start_ns = rt_now_ns();
	rt_tracer_start_session(&c.tr, start_ns);
	c.own_started = !getrusage(RUSAGE_SELF, &c.own_start);
	if (c.o.verbose)
		fprintf(stderr, "rttrace: tracing started (%u tasks)\n", rt_tracer_nslots(&c.tr));
	rt_test_stop_at("attached");
	if (c.child > 0) {
		if (write(c.go_pipe[1], "g", 1) != 1)
			fprintf(stderr, "rttrace: cannot start the command\n");
		close(c.go_pipe[1]);
	}
	rt_hotplug_start(&c.hp, &c.hk);
	trace_loop(&c, start_ns);
	end_ns = rt_now_ns();
	c.own_ended = !getrusage(RUSAGE_SELF, &c.own_end);
	rt_tracer_end_session(&c.tr, end_ns);
	rt_test_stop_at("drain");
	/* Before detaching, which takes a while: the rings go on recording
	 * meanwhile and could overwrite the last windows' events. */
	find_dead(&c);
	rt_capture_drain_last(&c.cap);
	recycle_dead(&c);
	rt_tracer_detach(&c.tr);
	rt_capture_drain_last(&c.cap); /* windows committed since the last drain */
	refresh_live_tasks(&c);
	if (c.child > 0 && !c.child_reaped) {
		/* We stopped first (-d or a signal): end the command we started. */
		kill(c.child, SIGTERM);
		reap_child(&c, true);
	}
	all_exited(&c); /* final exited flags */
	if (c.o.interval_ns)
		/* the last, partial interval */
		rt_interval_tick(&c.iv, c.tr.slots, rt_tracer_nslots(&c.tr), start_ns, end_ns,
				 c.jsonl == stdout ? stderr : stdout, c.jsonl);
	rc = report(&c, start_ns, end_ns, true);
	if (c.adopt_failed && rc == RT_EXIT_OK)
		rc = RT_EXIT_RUNTIME;
	rt_interval_free(&c.iv);
	if (c.jsonl && c.jsonl != stdout)
		fclose(c.jsonl);
	if (c.child > 0 && c.child_reaped && WIFEXITED(c.child_status) &&
	    WEXITSTATUS(c.child_status) == CHILD_EXEC_FAILED && rc == RT_EXIT_OK)
		rc = RT_EXIT_RUNTIME; /* the command could not be run */
	rt_exited_free(&c.exited);
	free(c.dead);
	free(c.pending_mark);
	rt_capture_close(&c.cap);
	rt_tracer_close(&c.tr);
	rt_housekeeper_free(&c.hk);
	return rc;
}
