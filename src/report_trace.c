// SPDX-License-Identifier: GPL-2.0
/* Worst-case windows in the reports: breakdown, verdict and event trace,
 * as the report holds them (analysed when it was built: report.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "analysis.h"
#include "comm.h"
#include "duration.h"
#include "names.h"
#include "report.h"
#include "report_trace.h"
#include "report_where.h"
#include "sleep_names.h"

#define TEXT_TRACE_MAX 60 /* event lines per window in the text report */

static const char *kind_names[RT_WIN_KINDS] = { "worst", "last_violation" };

static const char *ev_name(int type)
{
	switch (type) {
	case RT_EV_SWITCH: return "sched_switch";
	case RT_EV_WAKEUP: return "sched_wakeup";
	case RT_EV_MIGRATE: return "sched_migrate_task";
	case RT_EV_IRQ_ENTRY: return "irq_handler_entry";
	case RT_EV_IRQ_EXIT: return "irq_handler_exit";
	case RT_EV_SOFTIRQ_ENTRY: return "softirq_entry";
	case RT_EV_SOFTIRQ_EXIT: return "softirq_exit";
	default: return "unknown";
	}
}

/* out: RT_COMM_UTF8_LEN bytes */
static void comm_of(const char *c, char *out)
{
	rt_comm_utf8(c, RT_COMM_LEN, out, RT_COMM_UTF8_LEN);
}

/* One event in the seed's line style: relative time, type, pids,
 * priorities (kernel prio: RT p shows as 99-p, CFS nice 0 as 120), CPU. */
static void print_event(FILE *f, const struct rt_event *e, uint64_t t0)
{
	char a[RT_COMM_UTF8_LEN], b[RT_COMM_UTF8_LEN];

	fprintf(f, "    [%10.2f us] Event: %s, ", (e->ts - t0) / 1e3, ev_name(e->type));
	switch (e->type) {
	case RT_EV_SWITCH:
		comm_of(e->comm, a);
		comm_of(e->comm2, b);
		fprintf(f, "preemption: %u, voluntary: %u, prev_pid: %u %s (priority: %d), "
			"next_pid: %u %s (priority: %d), on_cpu: %u%s\n", e->arg,
			e->arg ? 0 : e->state & RT_VOLUNTARY_MASK, e->pid, a, e->prio, e->pid2, b, e->prio2, e->cpu,
			(e->pad & RT_EVF_TIMER_SLEEP) ? " (timer sleep)" : "");
		break;
	case RT_EV_WAKEUP:
		comm_of(e->comm, a);
		comm_of(e->comm2, b);
		fprintf(f, "pid: %u %s (priority: %d), waker: %u %s (priority: %d), waker_cpu: %u, "
			"wake_cpu: %u\n", e->pid, a, e->prio, e->pid2, b, e->prio2, e->cpu, e->arg);
		break;
	case RT_EV_MIGRATE:
		comm_of(e->comm, a);
		fprintf(f, "pid: %u %s, from_cpu: %u, to_cpu: %u\n", e->pid, a, e->cpu, e->arg);
		break;
	case RT_EV_IRQ_ENTRY:
	case RT_EV_IRQ_EXIT:
		fprintf(f, "irq: %u (%s), on_cpu: %u\n", e->pid, rt_irq_name(e->pid), e->cpu);
		break;
	default:
		fprintf(f, "vec: %u (%s), on_cpu: %u\n", e->arg, rt_softirq_name(e->arg), e->cpu);
	}
}

static void print_part(FILE *f, const struct rt_analysis *a, const struct rt_part *p)
{
	char d[32], pl[48], c[RT_COMM_UTF8_LEN];

	rt_fmt_duration(p->ns, d, sizeof(d));
	fprintf(f, "      %10s  %5.1f %%  ", d, a->value_ns ? 100.0 * p->ns / a->value_ns : 0);
	comm_of(p->comm, c);
	if (!strcmp(p->kind, RT_PART_TASK))
		fprintf(f, "%s[%u] ran (%s, %s priority) on CPU %d\n", c, p->tid,
			rt_prio_label(p->policy, p->prio, pl, sizeof(pl)),
			rt_prio_relation(p->prio, a->victim_prio), p->cpu);
	else if (!strcmp(p->kind, RT_PART_BLOCKED))
		fprintf(f, "blocked (%s), woken by %s[%u] (%s, %s priority)\n",
			rt_sleep_state_name(p->state), c,
			p->tid, rt_prio_label(p->policy, p->prio, pl, sizeof(pl)),
			rt_prio_relation(p->prio, a->victim_prio));
	else if (!strcmp(p->kind, RT_PART_IRQ))
		fprintf(f, "hard IRQ %u (%s) on CPU %d\n", p->tid, c, p->cpu);
	else if (!strcmp(p->kind, RT_PART_SOFTIRQ))
		fprintf(f, "softirq %s on CPU %d\n", c, p->cpu);
	else if (!strcmp(p->kind, RT_PART_RUN))
		fprintf(f, "running\n");
	else if (!strcmp(p->kind, RT_PART_IDLE))
		fprintf(f, "CPU %d idle while the task waited (idle exit, IPI, or hypervisor steal)\n", p->cpu);
	else if (!strcmp(p->kind, RT_PART_STEAL))
		fprintf(f, "stolen by the hypervisor on CPU %d\n", p->cpu);
	else
		fprintf(f, "unattributed\n");
}

void rt_report_text_windows(FILE *f, const struct rt_report *r, int i, int m)
{
	int k, j;

	for (k = 0; k < RT_WIN_KINDS; k++) {
		const struct rt_report_window *w = rt_report_window(r, i, m, k);
		const struct rt_analysis *a;
		const struct rt_trace *t;

		if (!w)
			continue;
		t = w->trace;
		a = &w->a;
		fprintf(f, "  %s %s at +%.3f s: %s\n", k ? "last violating" : "worst",
			rt_metric_names[m], (t->w.start_ns - r->start_ns) / 1e9, a->verdict);
		for (j = 0; j < a->nparts; j++)
			print_part(f, a, &a->parts[j]);
		rt_report_text_where(f, a);
		fprintf(f, "    trace: %d events%s", t->nev,
			t->truncated ? ", TRUNCATED" : ", complete");
		if (t->missing)
			fprintf(f, " (%" PRIu64 " events lost to ring overwrite; raise --trace-events)",
				t->missing);
		fprintf(f, "\n");
		for (j = 0; j < t->nev && j < TEXT_TRACE_MAX; j++)
			print_event(f, &t->ev[j], t->w.start_ns);
		if (t->nev > TEXT_TRACE_MAX)
			fprintf(f, "    ... %d more events (all of them are in the JSON report)\n",
				t->nev - TEXT_TRACE_MAX);
	}
}

static json_object *jcomm(const char *c)
{
	char out[RT_COMM_UTF8_LEN];

	comm_of(c, out);
	return json_object_new_string(out);
}

static json_object *event_json(const struct rt_event *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t_ns", json_object_new_int64((int64_t)e->ts));
	json_object_object_add(o, "type", json_object_new_string(ev_name(e->type)));
	json_object_object_add(o, "cpu", json_object_new_int(e->cpu));
	switch (e->type) {
	case RT_EV_SWITCH:
		json_object_object_add(o, "prev_pid", json_object_new_int64(e->pid));
		json_object_object_add(o, "prev_comm", jcomm(e->comm));
		json_object_object_add(o, "prev_prio", json_object_new_int(e->prio));
		json_object_object_add(o, "prev_policy", json_object_new_int(e->policy));
		json_object_object_add(o, "prev_state", json_object_new_int64(e->state));
		json_object_object_add(o, "preempt", json_object_new_boolean(e->arg));
		json_object_object_add(o, "next_pid", json_object_new_int64(e->pid2));
		json_object_object_add(o, "next_comm", jcomm(e->comm2));
		json_object_object_add(o, "next_prio", json_object_new_int(e->prio2));
		json_object_object_add(o, "next_policy", json_object_new_int(e->policy2));
		json_object_object_add(o, "timer_sleep",
				       json_object_new_boolean(e->pad & RT_EVF_TIMER_SLEEP));
		break;
	case RT_EV_WAKEUP:
		json_object_object_add(o, "pid", json_object_new_int64(e->pid));
		json_object_object_add(o, "comm", jcomm(e->comm));
		json_object_object_add(o, "prio", json_object_new_int(e->prio));
		json_object_object_add(o, "waker_pid", json_object_new_int64(e->pid2));
		json_object_object_add(o, "waker_comm", jcomm(e->comm2));
		json_object_object_add(o, "waker_prio", json_object_new_int(e->prio2));
		json_object_object_add(o, "waker_policy", json_object_new_int(e->policy2));
		json_object_object_add(o, "target_cpu", json_object_new_int(e->arg));
		break;
	case RT_EV_MIGRATE:
		json_object_object_add(o, "pid", json_object_new_int64(e->pid));
		json_object_object_add(o, "comm", jcomm(e->comm));
		json_object_object_add(o, "dest_cpu", json_object_new_int(e->arg));
		break;
	case RT_EV_IRQ_ENTRY:
	case RT_EV_IRQ_EXIT:
		json_object_object_add(o, "irq", json_object_new_int64(e->pid));
		json_object_object_add(o, "name", json_object_new_string(rt_irq_name(e->pid)));
		if (e->type == RT_EV_IRQ_EXIT)
			json_object_object_add(o, "ret", json_object_new_int64(e->state));
		break;
	default:
		json_object_object_add(o, "vec", json_object_new_int(e->arg));
		json_object_object_add(o, "name", json_object_new_string(rt_softirq_name(e->arg)));
	}
	return o;
}

static json_object *window_json(const struct rt_report *r, int i, int m, int kind)
{
	const struct rt_report_window *w = rt_report_window(r, i, m, kind);
	const struct rt_trace *t = w ? w->trace : NULL;
	const struct rt_metric_stats *ms = &r->tasks[i].m[m];
	const struct rt_analysis *a;
	json_object *o, *bd, *tr, *p;
	int j;

	if (!r->capture || (kind == RT_WIN_VIOLATION && (ms->slo_ns == RT_SLO_UNSET || !ms->violations)))
		return NULL;
	if (!t && (kind == RT_WIN_VIOLATION || !ms->count))
		return NULL;
	o = json_object_new_object();
	if (!t) {
		/* The statistics hold a maximum whose window was not captured
		 * (capture ring buffer full): say so rather than omit it. */
		json_object_object_add(o, "value_ns", json_object_new_int64((int64_t)ms->max_ns));
		json_object_object_add(o, "start_ns", json_object_new_int64((int64_t)ms->max_start_ns));
		json_object_object_add(o, "end_ns", json_object_new_int64((int64_t)ms->max_end_ns));
		json_object_object_add(o, "cpu", NULL);
		json_object_object_add(o, "truncated", json_object_new_boolean(1));
		json_object_object_add(o, "missing_events", NULL);
		json_object_object_add(o, "verdict", json_object_new_string("not captured"));
		json_object_object_add(o, "breakdown", json_object_new_array());
		json_object_object_add(o, "inversion", NULL);
		json_object_object_add(o, "blocked", NULL);
		json_object_object_add(o, "waker", NULL);
		json_object_object_add(o, "holder", NULL);
		json_object_object_add(o, "faults", NULL);
		json_object_object_add(o, "steal_ns", NULL);
		json_object_object_add(o, "trace", json_object_new_array());
		return o;
	}
	a = &w->a;
	json_object_object_add(o, "value_ns", json_object_new_int64((int64_t)(t->w.end_ns - t->w.start_ns)));
	json_object_object_add(o, "start_ns", json_object_new_int64((int64_t)t->w.start_ns));
	json_object_object_add(o, "end_ns", json_object_new_int64((int64_t)t->w.end_ns));
	json_object_object_add(o, "cpu", json_object_new_int(t->w.end_cpu));
	json_object_object_add(o, "truncated", json_object_new_boolean(t->truncated));
	json_object_object_add(o, "missing_events", json_object_new_int64((int64_t)t->missing));
	json_object_object_add(o, "verdict", json_object_new_string(a->verdict));
	bd = json_object_new_array();
	for (j = 0; j < a->nparts; j++) {
		const struct rt_part *pt = &a->parts[j];

		p = json_object_new_object();
		json_object_object_add(p, "kind", json_object_new_string(pt->kind));
		json_object_object_add(p, "tid", (!strcmp(pt->kind, RT_PART_TASK) ||
						  !strcmp(pt->kind, RT_PART_BLOCKED) ||
						  !strcmp(pt->kind, RT_PART_RUN)) ?
						 json_object_new_int64(pt->tid) : NULL);
		json_object_object_add(p, "comm", pt->comm[0] ? jcomm(pt->comm) : NULL);
		json_object_object_add(p, "prio", pt->prio >= 0 ? json_object_new_int(pt->prio) : NULL);
		json_object_object_add(p, "relation", (!strcmp(pt->kind, RT_PART_TASK) ||
						       !strcmp(pt->kind, RT_PART_BLOCKED)) && pt->prio >= 0 ?
				       json_object_new_string(rt_prio_relation(pt->prio, a->victim_prio)) : NULL);
		if (!strcmp(pt->kind, RT_PART_IRQ))
			json_object_object_add(p, "irq", json_object_new_int64(pt->tid));
		if (!strcmp(pt->kind, RT_PART_SOFTIRQ))
			json_object_object_add(p, "vec", json_object_new_int64(pt->tid));
		if (!strcmp(pt->kind, RT_PART_BLOCKED)) {
			json_object_object_add(p, "state", json_object_new_int64(pt->state));
			json_object_object_add(p, "state_name",
					       json_object_new_string(rt_sleep_state_name(pt->state)));
		}
		json_object_object_add(p, "cpu", json_object_new_int(pt->cpu));
		json_object_object_add(p, "ns", json_object_new_int64((int64_t)pt->ns));
		json_object_array_add(bd, p);
	}
	json_object_object_add(o, "breakdown", bd);
	if (a->inv.found) {
		p = json_object_new_object();
		json_object_object_add(p, "low_tid", json_object_new_int64(a->inv.low_tid));
		json_object_object_add(p, "low_comm", jcomm(a->inv.low_comm));
		json_object_object_add(p, "low_prio", json_object_new_int(a->inv.low_prio));
		json_object_object_add(p, "medium_tid", json_object_new_int64(a->inv.mid_tid));
		json_object_object_add(p, "medium_comm", jcomm(a->inv.mid_comm));
		json_object_object_add(p, "medium_prio", json_object_new_int(a->inv.mid_prio));
		json_object_object_add(p, "medium_ns", json_object_new_int64((int64_t)a->inv.mid_ns));
		json_object_object_add(o, "inversion", p);
	} else {
		json_object_object_add(o, "inversion", NULL);
	}
	rt_report_json_where(o, a);
	tr = json_object_new_array();
	for (j = 0; j < t->nev; j++)
		json_object_array_add(tr, event_json(&t->ev[j]));
	json_object_object_add(o, "trace", tr);
	return o;
}

void rt_report_json_windows(json_object *metric, const struct rt_report *r, int i, int m)
{
	int k;

	for (k = 0; k < RT_WIN_KINDS; k++)
		json_object_object_add(metric, kind_names[k], window_json(r, i, m, k));
}
