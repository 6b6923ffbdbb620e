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

/* Charge [t0, t1) to whatever the victim was doing or waiting on. */
static void charge_interval(struct rt_analysis *a, struct cpu_state *cs, enum vstate vs,
			    int vcpu, uint64_t ns, struct rt_part *block)
{
	struct cpu_state *c;

	if (!ns)
		return;
	if (vs == V_BLOCKED) {
		if (block)
			block->ns += ns;
		else
			charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
		return;
	}
	if (vcpu < 0 || vcpu >= NCPU) {
		charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
		return;
	}
	c = &cs[vcpu];
	if (c->hardirq)
		charge(a, RT_PART_IRQ, c->irq, rt_irq_name(c->irq), -1, 0, vcpu, ns, false);
	else if (c->softirq)
		charge(a, RT_PART_SOFTIRQ, c->vec, rt_softirq_name(c->vec), -1, 0, vcpu, ns, false);
	else if (vs == V_RUNNING)
		charge(a, RT_PART_RUN, a->victim_tid, NULL, a->victim_prio, 0, vcpu, ns, false);
	else if (!c->cur.known)
		charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
	else if (c->cur.pid == 0)
		charge(a, RT_PART_IDLE, 0, NULL, -1, 0, vcpu, ns, false);
	else if (c->cur.pid == a->victim_tid)
		/* queued on a CPU it also appears to run on: a migration race */
		charge(a, RT_PART_UNATTRIBUTED, 0, NULL, -1, 0, vcpu, ns, false);
	else
		charge(a, RT_PART_TASK, c->cur.pid, c->cur.comm, c->cur.prio, c->cur.policy,
		       vcpu, ns, false);
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

static void describe(const struct rt_analysis *a, const struct rt_part *p, char *buf, int len)
{
	char pl[48], d[32];

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
	else if (!strcmp(p->kind, RT_PART_BLOCKED))
		snprintf(buf, len, "blocked (state %u) for %s until woken by %s[%u] (%s, %s priority)",
			 p->state, rt_fmt_duration(p->ns, d, sizeof(d)), p->comm, p->tid,
			 rt_prio_label(p->policy, p->prio, pl, sizeof(pl)),
			 rt_prio_relation(p->prio, a->victim_prio));
	else
		snprintf(buf, len, "unattributed (no event explains it)");
}

static const char *metric_name(unsigned int m)
{
	return m < RT_NR_METRICS ? rt_metric_names[m] : "?";
}

void rt_analyze(const struct rt_trace *t, uint32_t victim_tid, int victim_prio,
		struct rt_analysis *a)
{
	static struct cpu_state cs[NCPU];
	uint64_t s = t->w.start_ns, e_ns = t->w.end_ns, prev = s, b0 = 0;
	enum vstate vs = V_RUNNABLE;
	int vcpu = t->w.ctx.target_cpu, i;
	struct rt_part *block = NULL;
	char d[32], what[256], pl[48];

	memset(a, 0, sizeof(*a));
	memset(cs, 0, sizeof(cs));
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
		charge_interval(a, cs, vs, vcpu, e->ts - prev, block);
		prev = e->ts;
		switch (e->type) {
		case RT_EV_SWITCH:
			suspend_softirq(&cs[c], e);
			set_who(&cs[c].cur, e->pid2, e->comm2, e->prio2, e->policy2);
			if (e->pid == victim_tid) {
				if (!e->arg && (e->state & RT_VOLUNTARY_MASK) && e->ts < e_ns) {
					vs = V_BLOCKED;
					b0 = e->ts;
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
	/* drop empty parts (a block of 0 ns at the very end cannot happen, but
	 * keep the list clean) */
	for (i = 0; i < a->nparts; i++)
		if (!a->parts[i].ns) {
			memmove(&a->parts[i], &a->parts[i + 1], (a->nparts - i - 1) * sizeof(a->parts[0]));
			a->nparts--;
			i--;
		}
	qsort(a->parts, a->nparts, sizeof(a->parts[0]), cmp_part);

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
