// SPDX-License-Identifier: GPL-2.0
/*
 * Why was a task late?  Replays a captured window event by event and
 * charges every nanosecond of it to one cause: the task running, another
 * task on the CPU it waited for, a hard IRQ or softirq there, that CPU
 * idling, or the task being blocked (and who woke it).  The parts add up
 * to the window exactly.  Then looks for a priority inversion: a block
 * ended by a lower-priority waker that a medium-priority task had kept off
 * the CPU.
 */
#define _GNU_SOURCE /* SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"
#include "duration.h"
#include "names.h"
#include "procfs.h"
#include "sleep_names.h"
#include "where.h"

#define NCPU RT_MAX_CPUS
/* IRQ numbers named from /proc/interrupts; larger ones show as "?". */
#define IRQ_NAMES 1024
#define IRQ_NAME_LEN 32
/* Medium-priority tasks followed per block when looking for an inversion. */
#define MAX_MID 16

struct who {
	bool known;
	uint32_t pid;
	char comm[RT_COMM_LEN];
	int prio, policy;
};

struct cpu_state {
	struct who cur;
	int hardirq; /* nesting depth */
	uint32_t irq;
	bool softirq;
	uint32_t vec;
	/* On PREEMPT_RT softirqs run in a thread (ktimers, ksoftirqd, or the
	 * task that raised them) and can be preempted between entry and
	 * exit: while that thread is off the CPU, its softirq is not what
	 * the CPU is doing. */
	bool softirq_known_owner, softirq_suspended;
	uint32_t softirq_owner;
};

enum vstate { V_RUNNABLE, V_RUNNING, V_BLOCKED };

const char *rt_softirq_name(unsigned int vec)
{
	static const char *names[] = { "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK",
				       "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU" };

	return vec < sizeof(names) / sizeof(names[0]) ? names[vec] : "?";
}

/* Names from /proc/interrupts, read once. */
const char *rt_irq_name(unsigned int irq)
{
	static char names[IRQ_NAMES][IRQ_NAME_LEN];
	static bool loaded;
	char line[1024];
	FILE *f;

	if (!loaded) {
		loaded = true;
		f = fopen("/proc/interrupts", "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *end, *last;
			unsigned long n = strtoul(line, &end, 10);

			if (end == line || *end != ':' || n >= IRQ_NAMES)
				continue;
			line[strcspn(line, "\n")] = 0;
			last = strrchr(line, ' ');
			if (last && last[1])
				snprintf(names[n], sizeof(names[n]), "%s", last + 1);
		}
		if (f)
			fclose(f);
	}
	if (irq < IRQ_NAMES && !names[irq][0]) {
		/* arm64 IPIs are listed as IPIn, not by number: ask sysfs */
		char path[64];

		snprintf(path, sizeof(path), "/sys/kernel/irq/%u/actions", irq);
		f = fopen(path, "r");
		if (f) {
			if (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\n")] = 0;
				snprintf(names[irq], sizeof(names[irq]), "%.*s", IRQ_NAME_LEN - 1, line);
			}
			fclose(f);
		}
		if (!names[irq][0])
			snprintf(names[irq], sizeof(names[irq]), "?");
	}
	return irq < IRQ_NAMES ? names[irq] : "?";
}

const char *rt_prio_label(int policy, int prio, char *buf, int len)
{
	const char *p = policy == SCHED_FIFO ? "FIFO" : policy == SCHED_RR ? "RR" :
			policy == SCHED_DEADLINE ? "DEADLINE" : policy == SCHED_BATCH ? "BATCH" :
			policy == SCHED_IDLE ? "IDLE" : "OTHER";
	bool rt_policy = policy == SCHED_FIFO || policy == SCHED_RR;

	if (prio < 0)
		snprintf(buf, len, "%s", p);
	else if (prio < RT_MAX_RT_PRIO && rt_policy)
		snprintf(buf, len, "%s %d", p, rt_priority_of(prio));
	else if (prio < RT_MAX_RT_PRIO) /* priority inheritance from an RT task */
		snprintf(buf, len, "%s boosted to FIFO %d", p, rt_priority_of(prio));
	else if (prio == RT_DEFAULT_PRIO)
		snprintf(buf, len, "%s", p);
	else
		snprintf(buf, len, "%s nice %d", p, prio - RT_DEFAULT_PRIO);
	return buf;
}

const char *rt_prio_relation(int prio, int victim_prio)
{
	/* Kernel prio: lower value = higher priority. */
	return prio < victim_prio ? "higher" : prio == victim_prio ? "equal" : "lower";
}

static void set_who(struct who *w, uint32_t pid, const char *comm, int prio, int policy)
{
	w->known = true;
	w->pid = pid;
	memcpy(w->comm, comm, RT_COMM_LEN);
	w->comm[RT_COMM_LEN - 1] = 0;
	w->prio = prio;
	w->policy = policy;
}

/* Add ns to the part (kind, tid[, state]), creating it if needed. */
static struct rt_part *charge(struct rt_analysis *a, const char *kind, uint32_t tid,
			      const char *comm, int prio, int policy, int cpu, uint64_t ns,
			      bool separate)
{
	struct rt_part *p;
	int i;

	if (!ns && !separate)
		return NULL;
	for (i = 0; !separate && i < a->nparts; i++) {
		p = &a->parts[i];
		if (!strcmp(p->kind, kind) && p->tid == tid) {
			p->ns += ns;
			return p;
		}
	}
	if (a->nparts == RT_MAX_PARTS) {
		/* Keep the sum exact: fold the rest into "unattributed". */
		for (i = 0; i < a->nparts; i++)
			if (!strcmp(a->parts[i].kind, RT_PART_UNATTRIBUTED)) {
				a->parts[i].ns += ns;
				return &a->parts[i];
			}
		a->parts[a->nparts - 1].ns += ns;
		return &a->parts[a->nparts - 1];
	}
	p = &a->parts[a->nparts++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->tid = tid;
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->prio = prio;
	p->policy = policy;
	p->cpu = cpu;
	p->ns = ns;
	return p;
}

/* Charge [t0, t1) to whatever the victim was doing or waiting on; the
 * part charged on a CPU (NULL: none, or the victim was blocked). */
static struct rt_part *charge_interval(struct rt_analysis *a, struct cpu_state *cs,
				       enum vstate vs, int vcpu, uint64_t ns,
				       struct rt_part *block)
{
	struct cpu_state *c;

	if (!ns)
		return NULL;
	if (vs == V_BLOCKED) {
		if (block)
			block->ns += ns;
		else
			charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
		return NULL;
	}
	if (vcpu < 0 || vcpu >= NCPU) {
		charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
		return NULL;
	}
	c = &cs[vcpu];
	if (c->hardirq)
		return charge(a, RT_PART_IRQ, c->irq, rt_irq_name(c->irq), -1, 0, vcpu, ns, false);
	if (c->softirq)
		return charge(a, RT_PART_SOFTIRQ, c->vec, rt_softirq_name(c->vec), -1, 0, vcpu, ns,
			      false);
	if (vs == V_RUNNING)
		return charge(a, RT_PART_RUN, a->victim_tid, NULL, a->victim_prio, 0, vcpu, ns,
			      false);
	if (!c->cur.known)
		return charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
	if (c->cur.pid == 0)
		return charge(a, RT_PART_IDLE, 0, NULL, -1, 0, vcpu, ns, false);
	if (c->cur.pid == a->victim_tid)
		/* queued on a CPU it also appears to run on: a migration race */
		return charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
	return charge(a, RT_PART_TASK, c->cur.pid, c->cur.comm, c->cur.prio, c->cur.policy,
		      vcpu, ns, false);
}

/*
 * Steal.  Events on a CPU carry its steal clock (RT_EVF_STEAL): what grew
 * between two readings was taken by the hypervisor in between, hidden in
 * whatever the window's time there was charged to (idle, a softirq, a
 * task, the task itself).  It is taken out of those parts, the largest
 * first (a long stretch is where a preempted vCPU shows), into a part of
 * its own.  The scheduler advances the clock when it reads the time, so a
 * reading can lag: the amount is exact by the next switch, its place
 * within the stretch between two readings is not.
 */
#define STEAL_PARTS 8
struct steal_track {
	bool have;
	uint32_t last; /* the last reading, RT_STEAL_SHIFT units */
	int n;
	struct { struct rt_part *p; uint64_t ns; } since[STEAL_PARTS];
};

static void steal_note(struct steal_track *st, struct rt_part *p, uint64_t ns)
{
	int k;

	if (!p || !ns)
		return;
	for (k = 0; k < st->n; k++)
		if (st->since[k].p == p) {
			st->since[k].ns += ns;
			return;
		}
	if (st->n < STEAL_PARTS) {
		st->since[st->n].p = p;
		st->since[st->n++].ns = ns;
	}
}

static void steal_carve(struct rt_analysis *a, struct steal_track *st, int cpu, uint64_t d)
{
	while (d && st->n) {
		int k, best = 0;
		uint64_t take;

		for (k = 1; k < st->n; k++)
			if (st->since[k].ns > st->since[best].ns)
				best = k;
		take = st->since[best].ns < d ? st->since[best].ns : d;
		take = take < st->since[best].p->ns ? take : st->since[best].p->ns;
		if (take) {
			st->since[best].p->ns -= take;
			charge(a, RT_PART_STEAL, cpu, NULL, -1, 0, cpu, take, false);
			a->where.steal_ns += take;
			d -= take;
		}
		st->since[best] = st->since[--st->n];
	}
}

/* A steal reading on e's CPU. */
static void steal_reading(struct rt_analysis *a, struct steal_track *st, const struct rt_event *e,
			  bool carve)
{
	struct steal_track *s = &st[e->cpu];

	if (!(e->pad & RT_EVF_STEAL))
		return;
	if (carve) {
		a->where.steal_known = true;
		if (s->have)
			steal_carve(a, s, e->cpu,
				    (uint64_t)(uint32_t)(e->steal - s->last) << RT_STEAL_SHIFT);
	}
	s->have = true;
	s->last = e->steal;
	s->n = 0;
}

/* A switch away from the thread a softirq runs in suspends the softirq,
 * and the thread's return resumes it (see cpu_state).  Elsewhere a switch
 * cannot happen inside a softirq, so this changes nothing there. */
static void suspend_softirq(struct cpu_state *c, const struct rt_event *e)
{
	if (!c->softirq_known_owner)
		return;
	if (c->softirq && e->pid == c->softirq_owner) {
		c->softirq = false;
		c->softirq_suspended = true;
	} else if (c->softirq_suspended && e->pid2 == c->softirq_owner) {
		c->softirq = true;
		c->softirq_suspended = false;
	}
}

/* What each CPU was doing when the window opened: the first switch's prev,
 * an IRQ whose exit comes before any entry. */
static void initial_state(const struct rt_trace *t, struct cpu_state *cs)
{
	bool seen_sw[NCPU] = { 0 }, seen_irq[NCPU] = { 0 }, seen_sirq[NCPU] = { 0 };
	int i;

	for (i = 0; i < t->nev; i++) {
		const struct rt_event *e = &t->ev[i];
		int c = e->cpu;

		if (c >= NCPU)
			continue;
		switch (e->type) {
		case RT_EV_SWITCH:
			if (!seen_sw[c])
				set_who(&cs[c].cur, e->pid, e->comm, e->prio, e->policy);
			seen_sw[c] = true;
			break;
		case RT_EV_IRQ_ENTRY:
			seen_irq[c] = true;
			break;
		case RT_EV_IRQ_EXIT:
			if (!seen_irq[c]) {
				cs[c].hardirq = 1;
				cs[c].irq = e->pid;
			}
			seen_irq[c] = true;
			break;
		case RT_EV_SOFTIRQ_ENTRY:
			seen_sirq[c] = true;
			break;
		case RT_EV_SOFTIRQ_EXIT:
			if (!seen_sirq[c]) {
				/* its thread: whoever ran when the window
				 * opened (set below) */
				cs[c].softirq = true;
				cs[c].vec = e->arg;
			}
			seen_sirq[c] = true;
			break;
		}
	}
	for (i = 0; i < NCPU; i++)
		if (cs[i].softirq) {
			cs[i].softirq_known_owner = cs[i].cur.known;
			cs[i].softirq_owner = cs[i].cur.pid;
		}
}

/* A block ended by a lower-priority waker L: while L was preempted (runnable
 * but off its CPU) during the block, did a task M with a priority between
 * the victim's and L's run there?  Only CPUs the capture watched are seen
 * (the victim's own CPU, which covers the classic single-CPU case). */
static void find_inversion(const struct rt_trace *t, struct rt_analysis *a, uint64_t b0,
			   uint64_t b1, const struct rt_event *wake)
{
	struct { uint32_t pid; uint64_t ns; const struct rt_event *ev; } mid[MAX_MID];
	uint32_t low = wake->pid2;
	int low_prio = wake->prio2, nmid = 0, lcpu = -1, i, k;
	const struct rt_event *cur = NULL;
	uint64_t mark = 0;
	bool waiting = false;

	if (low == 0 || low == a->victim_tid || low_prio <= a->victim_prio)
		return;
	/* Events before the block only set up L's state: L is often preempted
	 * (by the victim itself) before the victim blocks on it, or before the
	 * window even opens (the events just before it, t->pre, come first). */
	for (i = 0; i <= t->npre + t->nev; i++) {
		const struct rt_event *e = i < t->npre ? &t->pre[i] :
					   i < t->npre + t->nev ? &t->ev[i - t->npre] : NULL;
		uint64_t now = e ? e->ts : b1;

		if (e && e->type != RT_EV_SWITCH)
			continue;
		if (now > b1)
			now = b1;
		if (now > b0 && waiting && (!e || e->cpu == lcpu || now == b1) && cur &&
		    cur->prio2 > a->victim_prio && cur->prio2 < low_prio) {
			uint64_t from = mark > b0 ? mark : b0;

			for (k = 0; k < nmid && mid[k].pid != cur->pid2; k++)
				;
			if (k == nmid && nmid < MAX_MID) {
				mid[nmid].pid = cur->pid2;
				mid[nmid].ns = 0;
				mid[nmid++].ev = cur;
			}
			if (k < nmid && now > from)
				mid[k].ns += now - from;
		}
		if (!e || e->ts >= b1)
			break;
		if (e->cpu == lcpu) {
			cur = e;
			mark = e->ts;
		}
		if (e->pid == low) {
			waiting = e->arg || !(e->state & RT_VOLUNTARY_MASK);
			lcpu = e->cpu;
			cur = e;
			mark = e->ts;
		}
		if (e->pid2 == low)
			waiting = false;
	}
	for (k = 0; k < nmid; k++) {
		if (mid[k].ns > a->inv.mid_ns) {
			a->inv.found = true;
			a->inv.mid_tid = mid[k].pid;
			memcpy(a->inv.mid_comm, mid[k].ev->comm2, RT_COMM_LEN);
			a->inv.mid_prio = mid[k].ev->prio2;
			a->inv.mid_policy = mid[k].ev->policy2;
			a->inv.mid_ns = mid[k].ns;
			a->inv.low_tid = low;
			memcpy(a->inv.low_comm, wake->comm2, RT_COMM_LEN);
			a->inv.low_prio = low_prio;
			a->inv.low_policy = wake->policy2;
		}
	}
}

static int cmp_part(const void *x, const void *y)
{
	const struct rt_part *a = x, *b = y;

	return a->ns < b->ns ? 1 : a->ns > b->ns ? -1 : 0;
}

/* "blocked (interruptible) in futex FUTEX_WAIT_PRIVATE (not
 * priority-inheriting) in loop_take_lock for 1.13 ms until woken by
 * holder[12] (FIFO 10, lower priority) in holder_release_lock": where it
 * was, for the block the window's where describes (the longest). */
static void describe_block(const struct rt_analysis *a, const struct rt_part *p, char *buf,
			   int len)
{
	const struct rt_window_where *w = &a->where;
	bool this_one = w->blocked && p->ns == w->block_ns && p->tid == w->waker.tid;
	const struct rt_where_info *b = this_one ? w->block : NULL;
	const struct rt_frame *site = rt_where_user_site(b);
	const struct rt_frame *wsite = this_one ? rt_where_user_site(w->waker.where) : NULL;
	char d[32], pl[48], call[128] = "", nb[32], op[64];
	const char *name = b ? rt_syscall_name(b->w.syscall, b->w.compat, nb, sizeof(nb)) : NULL;

	if (name && rt_syscall_is_futex(b->w.syscall, b->w.compat))
		snprintf(call, sizeof(call), " in futex %s (%s)",
			 rt_futex_op_name(b->w.arg[1], op, sizeof(op)),
			 rt_futex_op_pi(b->w.arg[1]) ? "priority-inheriting" :
						       "not priority-inheriting");
	else if (name)
		snprintf(call, sizeof(call), " in %s", name);
	snprintf(buf, len, "blocked (%s)%s%s%s for %s until woken by %s[%u] (%s, %s priority)%s%s",
		 rt_sleep_state_name(p->state), call, site ? " in " : "", site ? site->sym : "",
		 rt_fmt_duration(p->ns, d, sizeof(d)), p->comm, p->tid,
		 rt_prio_label(p->policy, p->prio, pl, sizeof(pl)),
		 rt_prio_relation(p->prio, a->victim_prio), wsite ? " in " : "",
		 wsite ? wsite->sym : "");
}

static void describe(const struct rt_analysis *a, const struct rt_part *p, char *buf, int len)
{
	char pl[48];

	if (!strcmp(p->kind, RT_PART_TASK))
		snprintf(buf, len, "%s[%u] (%s, %s priority) on CPU %d", p->comm, p->tid,
			 rt_prio_label(p->policy, p->prio, pl, sizeof(pl)),
			 rt_prio_relation(p->prio, a->victim_prio), p->cpu);
	else if (!strcmp(p->kind, RT_PART_IRQ))
		snprintf(buf, len, "hard IRQ %u (%s) on CPU %d", p->tid, p->comm, p->cpu);
	else if (!strcmp(p->kind, RT_PART_SOFTIRQ))
		snprintf(buf, len, "softirq %s on CPU %d", p->comm, p->cpu);
	else if (!strcmp(p->kind, RT_PART_IDLE))
		snprintf(buf, len, "CPU %d idle while the task waited (idle exit, IPI, or time stolen by a hypervisor)", p->cpu);
	else if (!strcmp(p->kind, RT_PART_RUN))
		snprintf(buf, len, "the task running");
	else if (!strcmp(p->kind, RT_PART_STEAL))
		snprintf(buf, len, "stolen by the hypervisor on CPU %d", p->cpu);
	else if (!strcmp(p->kind, RT_PART_BLOCKED))
		describe_block(a, p, buf, len);
	else
		snprintf(buf, len, "unattributed (no event explains it)");
}

static const char *metric_name(unsigned int m)
{
	return m < RT_NR_METRICS ? rt_metric_names[m] : "?";
}

static void set_window_task(struct rt_window_task *w, const struct rt_trace *t,
			    const struct rt_event *e, bool second)
{
	w->known = true;
	w->tid = second ? e->pid2 : e->pid;
	memcpy(w->comm, second ? e->comm2 : e->comm, RT_COMM_LEN);
	w->comm[RT_COMM_LEN - 1] = 0;
	w->prio = second ? e->prio2 : e->prio;
	w->policy = second ? e->policy2 : e->policy;
	w->where = rt_trace_where(t, e);
}

/* The victim's page faults over the window: its counters at the opening
 * wakeup and at the closing switch-out.  A latency window ends before the
 * task runs: none. */
static void window_faults(const struct rt_trace *t, struct rt_analysis *a)
{
	const struct rt_event *first = t->nev ? &t->ev[0] : NULL;
	const struct rt_event *last = t->nev ? &t->ev[t->nev - 1] : NULL;

	if (t->w.metric == RT_LATENCY) {
		a->where.faults_known = true;
		return;
	}
	if (t->w.metric != RT_RESPONSE && t->w.metric != RT_RELIEF)
		return;
	if (!first || first->type != RT_EV_WAKEUP || first->pid != a->victim_tid ||
	    !(first->pad & RT_EVF_FAULTS) || first->ts != t->w.start_ns)
		return;
	if (last->type != RT_EV_SWITCH || last->pid != a->victim_tid ||
	    !(last->pad & RT_EVF_FAULTS) || last->ts != t->w.end_ns)
		return;
	a->where.faults_known = true;
	a->where.minflt = (uint16_t)(last->minflt - first->minflt);
	a->where.majflt = (uint16_t)(last->majflt - first->majflt);
}

/* Who held the victim's CPU longest (the largest task part), and where it
 * was when it gave the CPU up after its longest stretch. */
static void window_holder(const struct rt_trace *t, struct rt_analysis *a)
{
	uint64_t last_switch[NCPU] = { 0 }, best = 0;
	const struct rt_part *p = NULL;
	int i;

	for (i = 0; i < a->nparts; i++)
		if (!strcmp(a->parts[i].kind, RT_PART_TASK) &&
		    (!p || a->parts[i].ns > p->ns))
			p = &a->parts[i];
	if (!p)
		return;
	a->where.holder.known = true;
	a->where.holder.tid = p->tid;
	memcpy(a->where.holder.comm, p->comm, RT_COMM_LEN);
	a->where.holder.prio = p->prio;
	a->where.holder.policy = p->policy;
	a->where.holder_ns = p->ns;
	for (i = 0; i < t->nev; i++) {
		const struct rt_event *e = &t->ev[i];
		const struct rt_where_info *w;

		if (e->type != RT_EV_SWITCH)
			continue;
		if (e->pid == p->tid && (w = rt_trace_where(t, e)) &&
		    (!a->where.holder.where || e->ts - last_switch[e->cpu] > best)) {
			best = e->ts - last_switch[e->cpu];
			a->where.holder.where = w;
		}
		last_switch[e->cpu] = e->ts;
	}
}

void rt_analyze(const struct rt_trace *t, uint32_t victim_tid, int victim_prio,
		struct rt_analysis *a)
{
	static struct cpu_state cs[NCPU];
	static struct steal_track steal[NCPU];
	uint64_t s = t->w.start_ns, e_ns = t->w.end_ns, prev = s, b0 = 0;
	enum vstate vs = V_RUNNABLE;
	int vcpu = t->w.ctx.target_cpu, i;
	int blk_ev = -1, best_blk_ev = -1, best_wake_ev = -1;
	struct rt_part *block = NULL, *charged;
	char d[32], what[400], pl[48];

	memset(a, 0, sizeof(*a));
	memset(cs, 0, sizeof(cs));
	memset(steal, 0, sizeof(steal));
	for (i = 0; i < t->npre; i++)
		steal_reading(a, steal, &t->pre[i], false);
	a->victim_tid = victim_tid;
	a->victim_prio = victim_prio;
	a->value_ns = e_ns - s;
	for (i = 0; i < t->nev; i++)
		if (t->ev[i].type == RT_EV_WAKEUP && t->ev[i].pid == victim_tid) {
			a->victim_prio = victim_prio = t->ev[i].prio;
			break;
		}
	initial_state(t, cs);
	for (i = 0; i < t->nev; i++) {
		const struct rt_event *e = &t->ev[i];
		int c = e->cpu;

		if (e->ts < s || e->ts > e_ns)
			continue;
		charged = charge_interval(a, cs, vs, vcpu, e->ts - prev, block);
		if (charged)
			steal_note(&steal[vcpu], charged, e->ts - prev);
		prev = e->ts;
		steal_reading(a, steal, e, true);
		switch (e->type) {
		case RT_EV_SWITCH:
			suspend_softirq(&cs[c], e);
			set_who(&cs[c].cur, e->pid2, e->comm2, e->prio2, e->policy2);
			if (e->pid == victim_tid) {
				if (!e->arg && (e->state & RT_VOLUNTARY_MASK) && e->ts < e_ns) {
					vs = V_BLOCKED;
					b0 = e->ts;
					blk_ev = i;
					block = charge(a, RT_PART_BLOCKED, 0, NULL, -1, 0, c, 0, true);
					if (block)
						block->state = e->state;
				} else {
					vs = V_RUNNABLE;
				}
				vcpu = c;
			}
			if (e->pid2 == victim_tid) {
				vs = V_RUNNING;
				vcpu = c;
			}
			break;
		case RT_EV_WAKEUP:
			if (e->pid == victim_tid) {
				if (vs == V_BLOCKED && blk_ev >= 0 &&
				    (best_blk_ev < 0 ||
				     e->ts - b0 > a->where.block_ns)) {
					best_blk_ev = blk_ev;
					best_wake_ev = i;
					a->where.block_ns = e->ts - b0;
				}
				blk_ev = -1;
				if (vs == V_BLOCKED && block) {
					block->tid = e->pid2;
					memcpy(block->comm, e->comm2, RT_COMM_LEN);
					block->prio = e->prio2;
					block->policy = e->policy2;
					/* no inversion claims from a gappy trace */
					if (!t->truncated)
						find_inversion(t, a, b0, e->ts, e);
				}
				block = NULL;
				vs = V_RUNNABLE;
				vcpu = e->arg;
			}
			break;
		case RT_EV_MIGRATE:
			if (e->pid == victim_tid) {
				vcpu = e->arg;
				a->migrations++;
			}
			break;
		case RT_EV_IRQ_ENTRY:
			cs[c].hardirq++;
			cs[c].irq = e->pid;
			break;
		case RT_EV_IRQ_EXIT:
			if (cs[c].hardirq)
				cs[c].hardirq--;
			break;
		case RT_EV_SOFTIRQ_ENTRY:
			cs[c].softirq = true;
			cs[c].vec = e->arg;
			cs[c].softirq_known_owner = cs[c].cur.known;
			cs[c].softirq_owner = cs[c].cur.pid;
			cs[c].softirq_suspended = false;
			break;
		case RT_EV_SOFTIRQ_EXIT:
			cs[c].softirq = false;
			cs[c].softirq_suspended = false;
			break;
		}
	}
	charge_interval(a, cs, vs, vcpu, e_ns - prev, block);
	if (best_blk_ev >= 0) {
		a->where.blocked = true;
		a->where.block_state = t->ev[best_blk_ev].state;
		a->where.block = rt_trace_where(t, &t->ev[best_blk_ev]);
		set_window_task(&a->where.waker, t, &t->ev[best_wake_ev], true);
	} else if (t->nev && t->ev[0].type == RT_EV_WAKEUP && t->ev[0].pid == victim_tid &&
		   t->ev[0].ts == s) {
		set_window_task(&a->where.waker, t, &t->ev[0], true);
	}
	window_faults(t, a);
	/* drop empty parts (a block of 0 ns at the very end cannot happen, but
	 * keep the list clean) */
	for (i = 0; i < a->nparts; i++)
		if (!a->parts[i].ns) {
			memmove(&a->parts[i], &a->parts[i + 1], (a->nparts - i - 1) * sizeof(a->parts[0]));
			a->nparts--;
			i--;
		}
	qsort(a->parts, a->nparts, sizeof(a->parts[0]), cmp_part);
	window_holder(t, a);

	if (!a->nparts) {
		snprintf(a->verdict, sizeof(a->verdict), "%s %s: no events captured",
			 metric_name(t->w.metric), rt_fmt_duration(a->value_ns, d, sizeof(d)));
		return;
	}
	describe(a, &a->parts[0], what, sizeof(what));
	i = snprintf(a->verdict, sizeof(a->verdict), "%s %s: %.0f %% %s",
		     metric_name(t->w.metric), rt_fmt_duration(a->value_ns, d, sizeof(d)),
		     a->value_ns ? 100.0 * a->parts[0].ns / a->value_ns : 0.0, what);
	if (t->truncated && i < (int)sizeof(a->verdict))
		i += snprintf(a->verdict + i, sizeof(a->verdict) - i,
			      " [trace truncated: %llu events lost, breakdown approximate]",
			      (unsigned long long)t->missing);
	if (a->inv.found && i < (int)sizeof(a->verdict)) {
		char pl2[48], d2[32];

		snprintf(a->verdict + i, sizeof(a->verdict) - i,
			 "; possible priority inversion: it waited for %s[%u] (%s, lower priority), "
			 "which %s[%u] (%s, medium priority) kept off the CPU for %s",
			 a->inv.low_comm, a->inv.low_tid,
			 rt_prio_label(a->inv.low_policy, a->inv.low_prio, pl, sizeof(pl)),
			 a->inv.mid_comm, a->inv.mid_tid,
			 rt_prio_label(a->inv.mid_policy, a->inv.mid_prio, pl2, sizeof(pl2)),
			 rt_fmt_duration(a->inv.mid_ns, d2, sizeof(d2)));
	}
}
