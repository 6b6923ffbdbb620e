// SPDX-License-Identifier: GPL-2.0
/*
 * Captured worst-case windows as a Chrome/Perfetto JSON trace (layout in
 * export_perfetto.h).  Slices on one track are emitted properly nested and
 * the file is sorted by (ts, longest first), which both viewers require.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "analysis.h"
#include "atomic_file.h"
#include "comm.h"
#include "duration.h"
#include "export_perfetto.h"
#include "names.h"
#include "report_where.h"
#include "version.h"

#define TID_STRIDE 1000       /* > 2 * RT_MAX_CPUS + 2 */
#define MAX_IRQ_NEST 16

/* A timed event waiting to be sorted into the output. */
struct tev {
	int64_t ts;   /* ns since session start */
	uint64_t dur; /* ns; 0 for instants */
	size_t seq;
	json_object *o;
};

struct out {
	const struct rt_report *r;
	json_object *meta;     /* metadata events, written first */
	struct tev *ev;
	size_t n, cap;
	bool oom;
};

/* Open IRQ or softirq on a CPU's irq track. */
struct open_irq {
	bool soft;
	uint32_t id;
	uint64_t ts;
};

struct cpu_track {
	bool task_used, irq_used;
	bool switched;     /* a switch was seen in the window */
	uint64_t since;    /* when the current task got the CPU */
	struct open_irq stack[MAX_IRQ_NEST];
	int depth;
};

static int64_t rel(const struct out *o, uint64_t ns)
{
	return (int64_t)(ns - o->r->start_ns);
}

/* Microseconds with exactly 3 decimals, so ns survive the round trip. */
static json_object *jus(int64_t ns)
{
	char buf[32];
	uint64_t a = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;

	snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "", a / 1000, a % 1000);
	return json_object_new_double_s((double)ns / 1e3, buf);
}

static json_object *jcomm(const char *c)
{
	char out[RT_COMM_UTF8_LEN];

	rt_comm_utf8(c, RT_COMM_LEN, out, sizeof(out));
	return json_object_new_string(out);
}

static json_object *base(const char *ph, const char *name, const char *cat, int pid, long tid)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	if (cat)
		json_object_object_add(o, "cat", json_object_new_string(cat));
	json_object_object_add(o, "ph", json_object_new_string(ph));
	json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(o, "tid", json_object_new_int64(tid));
	return o;
}

static void add_meta(struct out *o, const char *what, int pid, long tid, const char *key,
		     json_object *val)
{
	json_object *m = base("M", what, NULL, pid, tid), *args = json_object_new_object();

	json_object_object_add(m, "ts", json_object_new_int(0));
	json_object_object_add(args, key, val);
	json_object_object_add(m, "args", args);
	json_object_array_add(o->meta, m);
}

static void push(struct out *o, json_object *e, int64_t ts, uint64_t dur)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 256;
		struct tev *n = realloc(o->ev, cap * sizeof(*n));

		if (!n) {
			o->oom = true;
			json_object_put(e);
			return;
		}
		o->ev = n;
		o->cap = cap;
	}
	json_object_object_add(e, "ts", jus(ts));
	if (dur != UINT64_MAX)
		json_object_object_add(e, "dur", jus((int64_t)dur));
	o->ev[o->n] = (struct tev){ ts, dur == UINT64_MAX ? 0 : dur, o->n, e };
	o->n++;
}

static void slice(struct out *o, json_object *e, uint64_t t0, uint64_t t1)
{
	push(o, e, rel(o, t0), t1 > t0 ? t1 - t0 : 0);
}

static void instant(struct out *o, json_object *e, uint64_t t)
{
	json_object_object_add(e, "s", json_object_new_string("t"));
	push(o, e, rel(o, t), UINT64_MAX);
}

static int cmp_tev(const void *x, const void *y)
{
	const struct tev *a = x, *b = y;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->dur != b->dur) /* the enclosing slice first */
		return a->dur > b->dur ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static long task_tid(int pid, int cpu) { return (long)pid * TID_STRIDE + 1 + 2 * cpu; }
static long irq_tid(int pid, int cpu) { return (long)pid * TID_STRIDE + 2 + 2 * cpu; }

/* The task prev of switch e ran on e->cpu from t0 to e->ts. */
static void task_slice(struct out *o, int pid, uint32_t victim, uint32_t tid, const char *comm,
		       int prio, int policy, int cpu, uint64_t t0, uint64_t t1, const char *end)
{
	char name[96], c[RT_COMM_UTF8_LEN], pl[48];
	json_object *e, *args;

	if (t1 <= t0)
		return;
	rt_comm_utf8(comm, RT_COMM_LEN, c, sizeof(c));
	if (tid == 0)
		snprintf(name, sizeof(name), "idle");
	else
		snprintf(name, sizeof(name), "%s [%u]", c, tid);
	e = base("X", name, tid == 0 ? "idle" : tid == victim ? "task,victim" : "task", pid,
		 task_tid(pid, cpu));
	args = json_object_new_object();
	json_object_object_add(args, "tid", json_object_new_int64(tid));
	json_object_object_add(args, "comm", json_object_new_string(c));
	json_object_object_add(args, "prio", json_object_new_int(prio));
	json_object_object_add(args, "sched", json_object_new_string(
		rt_prio_label(policy, prio, pl, sizeof(pl))));
	json_object_object_add(args, "cpu", json_object_new_int(cpu));
	json_object_object_add(args, "victim", json_object_new_boolean(tid == victim && tid));
	json_object_object_add(args, "until", json_object_new_string(end));
	json_object_object_add(e, "args", args);
	slice(o, e, t0, t1);
}

static void irq_slice(struct out *o, int pid, int cpu, const struct open_irq *q, uint64_t t1)
{
	char name[64];
	json_object *e, *args = json_object_new_object();

	if (q->soft)
		snprintf(name, sizeof(name), "softirq %s", rt_softirq_name(q->id));
	else
		snprintf(name, sizeof(name), "irq %u (%s)", q->id, rt_irq_name(q->id));
	e = base("X", name, q->soft ? "softirq" : "irq", pid, irq_tid(pid, cpu));
	json_object_object_add(args, q->soft ? "vec" : "irq", json_object_new_int64(q->id));
	json_object_object_add(args, "cpu", json_object_new_int(cpu));
	json_object_object_add(e, "args", args);
	slice(o, e, q->ts, t1);
}

/* An IRQ exit: close what is open above its entry (keeps the track nested);
 * an exit without entry started before the window. */
static void irq_exit(struct out *o, int pid, struct cpu_track *ct, int cpu, bool soft,
		     uint32_t id, uint64_t ts, uint64_t wstart)
{
	int k;

	for (k = ct->depth - 1; k >= 0; k--)
		if (ct->stack[k].soft == soft && ct->stack[k].id == id)
			break;
	while (ct->depth > (k >= 0 ? k + 1 : 0)) {
		ct->depth--;
		irq_slice(o, pid, cpu, &ct->stack[ct->depth], ts);
	}
	if (k >= 0) {
		ct->depth--;
		irq_slice(o, pid, cpu, &ct->stack[ct->depth], ts);
	} else {
		struct open_irq q = { soft, id, wstart };

		irq_slice(o, pid, cpu, &q, ts);
	}
}

static void irq_entry(struct out *o, int pid, struct cpu_track *ct, int cpu, bool soft,
		      uint32_t id, uint64_t ts)
{
	if (ct->depth == MAX_IRQ_NEST) { /* cannot happen; stay nested anyway */
		ct->depth--;
		irq_slice(o, pid, cpu, &ct->stack[ct->depth], ts);
	}
	ct->stack[ct->depth++] = (struct open_irq){ soft, id, ts };
}

static const char *switch_reason(const struct rt_event *e, char *buf, int len)
{
	if (e->arg)
		return "preempted";
	if (e->state & RT_VOLUNTARY_MASK)
		snprintf(buf, len, "blocked (state %u)", e->state);
	else
		snprintf(buf, len, "switched out, still runnable (state %u)", e->state);
	return buf;
}

static void window_events(struct out *o, int pid, const struct rt_trace *t, uint32_t victim)
{
	static struct cpu_track ct[RT_MAX_CPUS];
	uint64_t s = t->w.start_ns, end = t->w.end_ns;
	char buf[96], c1[RT_COMM_UTF8_LEN], c2[RT_COMM_UTF8_LEN], name[160];
	json_object *e, *args;
	int i, c;

	memset(ct, 0, sizeof(ct));
	for (i = 0; i < t->nev; i++) {
		const struct rt_event *ev = &t->ev[i];
		struct cpu_track *k;
		int to;

		if (ev->ts < s || ev->ts > end) /* cpu is 8 bits: < RT_MAX_CPUS */
			continue;
		c = ev->cpu;
		k = &ct[c];
		switch (ev->type) {
		case RT_EV_SWITCH:
			k->task_used = true;
			task_slice(o, pid, victim, ev->pid, ev->comm, ev->prio, ev->policy, c,
				   k->switched ? k->since : s, ev->ts, switch_reason(ev, buf, sizeof(buf)));
			k->switched = true;
			k->since = ev->ts;
			break;
		case RT_EV_WAKEUP:
		case RT_EV_MIGRATE:
			to = ev->arg < RT_MAX_CPUS ? ev->arg : c;
			ct[to].task_used = true;
			rt_comm_utf8(ev->comm, RT_COMM_LEN, c1, sizeof(c1));
			args = json_object_new_object();
			json_object_object_add(args, "pid", json_object_new_int64(ev->pid));
			json_object_object_add(args, "comm", json_object_new_string(c1));
			if (ev->type == RT_EV_WAKEUP) {
				rt_comm_utf8(ev->comm2, RT_COMM_LEN, c2, sizeof(c2));
				snprintf(name, sizeof(name), "wakeup %s [%u] by %s [%u]", c1, ev->pid, c2,
					 ev->pid2);
				json_object_object_add(args, "prio", json_object_new_int(ev->prio));
				json_object_object_add(args, "waker", json_object_new_string(c2));
				json_object_object_add(args, "waker_pid", json_object_new_int64(ev->pid2));
				json_object_object_add(args, "waker_prio", json_object_new_int(ev->prio2));
				json_object_object_add(args, "waker_cpu", json_object_new_int(c));
				json_object_object_add(args, "target_cpu", json_object_new_int(ev->arg));
			} else {
				snprintf(name, sizeof(name), "migrate %s [%u] CPU %d -> %u", c1, ev->pid, c,
					 ev->arg);
				json_object_object_add(args, "from_cpu", json_object_new_int(c));
				json_object_object_add(args, "to_cpu", json_object_new_int(ev->arg));
			}
			json_object_object_add(args, "victim", json_object_new_boolean(ev->pid == victim));
			e = base("i", name, ev->type == RT_EV_WAKEUP ? "wakeup" : "migrate", pid,
				 task_tid(pid, to));
			json_object_object_add(e, "args", args);
			instant(o, e, ev->ts);
			break;
		case RT_EV_IRQ_ENTRY:
		case RT_EV_SOFTIRQ_ENTRY:
			k->irq_used = true;
			irq_entry(o, pid, k, c, ev->type == RT_EV_SOFTIRQ_ENTRY,
				  ev->type == RT_EV_SOFTIRQ_ENTRY ? ev->arg : ev->pid, ev->ts);
			break;
		case RT_EV_IRQ_EXIT:
		case RT_EV_SOFTIRQ_EXIT:
			k->irq_used = true;
			irq_exit(o, pid, k, c, ev->type == RT_EV_SOFTIRQ_EXIT,
				 ev->type == RT_EV_SOFTIRQ_EXIT ? ev->arg : ev->pid, ev->ts, s);
			break;
		}
	}
	/* Whatever runs at the end of the window: the last switch's next. */
	for (i = t->nev - 1; i >= 0; i--) {
		const struct rt_event *ev = &t->ev[i];

		if (ev->type != RT_EV_SWITCH || ev->ts < s || ev->ts > end)
			continue;
		if (ct[ev->cpu].since != ev->ts || !ct[ev->cpu].switched)
			continue;
		task_slice(o, pid, victim, ev->pid2, ev->comm2, ev->prio2, ev->policy2, ev->cpu,
			   ev->ts, end, "window end");
		ct[ev->cpu].switched = false; /* once per CPU */
	}
	for (c = 0; c < RT_MAX_CPUS; c++) {
		while (ct[c].depth > 0) {
			ct[c].depth--;
			irq_slice(o, pid, c, &ct[c].stack[ct[c].depth], end);
		}
		if (ct[c].task_used) {
			snprintf(name, sizeof(name), "CPU %d", c);
			add_meta(o, "thread_name", pid, task_tid(pid, c), "name", json_object_new_string(name));
			add_meta(o, "thread_sort_index", pid, task_tid(pid, c), "sort_index",
				 json_object_new_int(1 + 2 * c));
		}
		if (ct[c].irq_used) {
			snprintf(name, sizeof(name), "CPU %d irq", c);
			add_meta(o, "thread_name", pid, irq_tid(pid, c), "name", json_object_new_string(name));
			add_meta(o, "thread_sort_index", pid, irq_tid(pid, c), "sort_index",
				 json_object_new_int(2 + 2 * c));
		}
	}
}

static void window(struct out *o, int pid, int i, int m, int kind, bool also_violation,
		   const struct rt_report_window *rw)
{
	const struct rt_trace *t = rw->trace;
	const struct rt_analysis *a = &rw->a;
	const struct rt_slot *s = &o->r->tasks[i];
	const char *kname = kind == RT_WIN_WORST ? (also_violation ? "worst (and last violating)" :
						    "worst") : "last violating";
	char comm[RT_COMM_UTF8_LEN], d[32], name[256];
	json_object *e, *args, *bd, *p;
	long wtid = (long)pid * TID_STRIDE;
	int j;

	rt_comm_utf8(s->comm, RT_COMM_LEN, comm, sizeof(comm));
	rt_fmt_duration(t->w.end_ns - t->w.start_ns, d, sizeof(d));
	snprintf(name, sizeof(name), "TID %u %s: %s %s %s", s->tid, comm, kname, rt_metric_names[m], d);
	add_meta(o, "process_name", pid, wtid, "name", json_object_new_string(name));
	add_meta(o, "process_sort_index", pid, wtid, "sort_index", json_object_new_int(pid));
	add_meta(o, "thread_name", pid, wtid, "name", json_object_new_string("window"));
	add_meta(o, "thread_sort_index", pid, wtid, "sort_index", json_object_new_int(0));

	snprintf(name, sizeof(name), "%s %s %s", kname, rt_metric_names[m], d);
	e = base("X", name, "window", pid, wtid);
	args = json_object_new_object();
	json_object_object_add(args, "tid", json_object_new_int64(s->tid));
	json_object_object_add(args, "tgid", json_object_new_int64(s->tgid));
	json_object_object_add(args, "comm", json_object_new_string(comm));
	json_object_object_add(args, "metric", json_object_new_string(rt_metric_names[m]));
	json_object_object_add(args, "kind", json_object_new_string(kind == RT_WIN_WORST ? "worst" :
								   "last_violation"));
	json_object_object_add(args, "value_ns", json_object_new_int64((int64_t)(t->w.end_ns - t->w.start_ns)));
	json_object_object_add(args, "start_ns", json_object_new_int64((int64_t)t->w.start_ns));
	json_object_object_add(args, "end_ns", json_object_new_int64((int64_t)t->w.end_ns));
	if (s->m[m].slo_ns != RT_SLO_UNSET)
		json_object_object_add(args, "slo_ns", json_object_new_int64((int64_t)s->m[m].slo_ns));
	json_object_object_add(args, "verdict", json_object_new_string(a->verdict));
	json_object_object_add(args, "truncated", json_object_new_boolean(t->truncated));
	json_object_object_add(args, "missing_events", json_object_new_int64((int64_t)t->missing));
	bd = json_object_new_array();
	for (j = 0; j < a->nparts; j++) {
		p = json_object_new_object();
		json_object_object_add(p, "kind", json_object_new_string(a->parts[j].kind));
		json_object_object_add(p, "tid", json_object_new_int64(a->parts[j].tid));
		if (a->parts[j].comm[0])
			json_object_object_add(p, "comm", jcomm(a->parts[j].comm));
		json_object_object_add(p, "cpu", json_object_new_int(a->parts[j].cpu));
		json_object_object_add(p, "ns", json_object_new_int64((int64_t)a->parts[j].ns));
		json_object_array_add(bd, p);
	}
	json_object_object_add(args, "breakdown", bd);
	/* where: the block, waker, holder (with stacks), faults, steal */
	rt_report_json_where(args, a);
	json_object_object_add(e, "args", args);
	slice(o, e, t->w.start_ns, t->w.end_ns);

	if (a->where.blocked && a->where.block) {
		/* the block the window's where describes, at its switch-out */
		e = base("i", "blocked", "where", pid, wtid);
		args = json_object_new_object();
		rt_report_json_where(args, a);
		json_object_object_add(e, "args", args);
		instant(o, e, a->where.block->w.ts);
	}

	e = base("i", "verdict", "verdict", pid, wtid);
	args = json_object_new_object();
	json_object_object_add(args, "verdict", json_object_new_string(a->verdict));
	json_object_object_add(e, "args", args);
	instant(o, e, t->w.end_ns);

	window_events(o, pid, t, s->tid);
}

int rt_export_perfetto(const char *path, const struct rt_report *r)
{
	struct out o = { .r = r };
	json_object *root, *evs, *other;
	const char *text;
	int i, m, k, pid = 0, err;
	size_t j;

	o.meta = json_object_new_array();
	for (i = 0; i < r->ntasks; i++)
		for (m = 0; m < RT_NR_METRICS; m++) {
			const struct rt_metric_stats *ms = &r->tasks[i].m[m];
			const struct rt_report_window *w[RT_WIN_KINDS];
			bool same;

			if (m == RT_IRQ && !ms->count)
				continue;
			for (k = 0; k < RT_WIN_KINDS; k++)
				w[k] = rt_report_window(r, i, m, k);
			if (ms->slo_ns == RT_SLO_UNSET || !ms->violations)
				w[RT_WIN_VIOLATION] = NULL;
			/* The last violation may be the worst window itself. */
			same = w[0] && w[1] && w[0]->trace->w.start_ns == w[1]->trace->w.start_ns &&
			       w[0]->trace->w.end_ns == w[1]->trace->w.end_ns;
			for (k = 0; k < RT_WIN_KINDS; k++)
				if (w[k] && !(k == RT_WIN_VIOLATION && same))
					window(&o, ++pid, i, m, k, same, w[k]);
		}

	root = json_object_new_object();
	evs = o.meta;
	if (o.n)
		qsort(o.ev, o.n, sizeof(*o.ev), cmp_tev);
	for (j = 0; j < o.n; j++)
		json_object_array_add(evs, o.ev[j].o);
	free(o.ev);
	json_object_object_add(root, "traceEvents", evs);
	json_object_object_add(root, "displayTimeUnit", json_object_new_string("ns"));
	other = json_object_new_object();
	json_object_object_add(other, "producer", json_object_new_string("rttrace " RTTRACE_VERSION));
	json_object_object_add(other, "clock", json_object_new_string("CLOCK_MONOTONIC"));
	json_object_object_add(other, "session_start_ns", json_object_new_int64((int64_t)r->start_ns));
	json_object_object_add(other, "session_end_ns", json_object_new_int64((int64_t)r->end_ns));
	json_object_object_add(other, "ts_origin", json_object_new_string("session start"));
	json_object_object_add(other, "windows", json_object_new_int(pid));
	json_object_object_add(root, "otherData", other);
	if (o.oom) {
		json_object_put(root);
		errno = ENOMEM;
		return -1;
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	err = rt_write_atomic(path, text, strlen(text));
	json_object_put(root);
	return err;
}
