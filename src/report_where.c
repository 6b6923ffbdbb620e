// SPDX-License-Identifier: GPL-2.0
/* Where, in the reports: a window's block, waker, holder, page faults and
 * steal, and a task's findings, with their stacks, as the report holds
 * them (analysis.c, findings.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "analysis.h"
#include "comm.h"
#include "duration.h"
#include "findings.h"
#include "report.h"
#include "report_where.h"
#include "sleep_names.h"

#define TEXT_FRAMES 8 /* frames per stack in the text report (JSON has all) */

/* ---- text ------------------------------------------------------------------ */

static void text_frame(FILE *f, const struct rt_frame *fr)
{
	const char *obj = fr->obj ? strrchr(fr->obj, '/') : NULL;

	obj = obj ? obj + 1 : fr->obj;
	if (fr->sym)
		fprintf(f, "%s+0x%" PRIx64, fr->sym, fr->off);
	else
		fprintf(f, "0x%" PRIx64, fr->addr);
	if (obj && strcmp(obj, "[kernel]"))
		fprintf(f, " (%s)", obj);
}

static void text_stack(FILE *f, const char *indent, const char *what,
		       const struct rt_frame *fr, int n)
{
	int i;

	if (!n)
		return;
	fprintf(f, "%s%s: ", indent, what);
	for (i = 0; i < n && i < TEXT_FRAMES; i++) {
		if (i)
			fprintf(f, " < ");
		text_frame(f, &fr[i]);
	}
	if (n > TEXT_FRAMES)
		fprintf(f, " < ...");
	fprintf(f, "\n");
}

static void text_stacks(FILE *f, const char *indent, const struct rt_where_info *wi)
{
	if (!wi) {
		fprintf(f, "%s(no stacks: not captured)\n", indent);
		return;
	}
	if (wi->user_meaningful)
		text_stack(f, indent, "user", wi->uframes, wi->nu);
	text_stack(f, indent, "kernel", wi->kframes, wi->nk);
}

/* "futex FUTEX_WAIT_PRIVATE on 0x7f.. (not priority-inheriting)" */
static const char *syscall_text(const struct rt_where_info *wi, char *buf, size_t len)
{
	char nb[32], op[64];
	const char *name;

	if (!wi || !(name = rt_syscall_name(wi->w.syscall, wi->w.compat, nb, sizeof(nb)))) {
		snprintf(buf, len, "%s", wi ? "no system call" : "system call not captured");
		return buf;
	}
	if (rt_syscall_is_futex(wi->w.syscall, wi->w.compat))
		snprintf(buf, len, "futex %s on 0x%" PRIx64 " (%s)",
			 rt_futex_op_name(wi->w.arg[1], op, sizeof(op)), (uint64_t)wi->w.arg[0],
			 rt_futex_op_pi(wi->w.arg[1]) ? "priority-inheriting" :
							 "not priority-inheriting");
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

static void text_task(FILE *f, const char *what, const struct rt_window_task *t,
		      const char *extra)
{
	char c[RT_COMM_UTF8_LEN], pl[48];

	rt_comm_utf8(t->comm, RT_COMM_LEN, c, sizeof(c));
	fprintf(f, "    %s: %s[%u] (%s)%s\n", what, c, t->tid,
		rt_prio_label(t->policy, t->prio, pl, sizeof(pl)), extra);
	text_stacks(f, "      ", t->where);
}

void rt_report_text_where(FILE *f, const struct rt_analysis *a)
{
	const struct rt_window_where *w = &a->where;
	char buf[256], d[32], extra[64];

	if (w->blocked) {
		fprintf(f, "    blocked %s in %s, %s\n", rt_fmt_duration(w->block_ns, d, sizeof(d)),
			syscall_text(w->block, buf, sizeof(buf)),
			rt_sleep_state_name(w->block_state));
		text_stacks(f, "      ", w->block);
	}
	/* a window opened by a timer's wakeup names the task it interrupted:
	 * shown only with the waker's own stacks (the trace has the rest) */
	if (w->waker.known && w->waker.tid && (w->blocked || w->waker.where))
		text_task(f, "woken by", &w->waker, "");
	if (w->holder.known) {
		snprintf(extra, sizeof(extra), ", held its CPU %s",
			 rt_fmt_duration(w->holder_ns, d, sizeof(d)));
		text_task(f, "CPU held longest by", &w->holder, extra);
	}
	if (w->faults_known && (w->minflt || w->majflt))
		fprintf(f, "    page faults: %u minor, %u major\n", w->minflt, w->majflt);
	if (w->steal_known && w->steal_ns)
		fprintf(f, "    stolen by the hypervisor: %s\n",
			rt_fmt_duration(w->steal_ns, d, sizeof(d)));
}

void rt_report_text_findings(FILE *f, const struct rt_report *r, int i)
{
	const struct rt_report_findings *rf = r->findings ? &r->findings[i] : NULL;
	int k;

	if (!rf || !rf->n)
		return;
	fprintf(f, "  findings:\n");
	for (k = 0; k < rf->n; k++) {
		const struct rt_report_finding *x = &rf->f[k];

		fprintf(f, "    %s: %s\n", rt_finding_names[x->kind], x->text);
		if (x->where)
			text_stacks(f, "      ", x->where);
	}
}

/* ---- JSON ------------------------------------------------------------------ */

static json_object *frames_json(const struct rt_frame *fr, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "addr", json_object_new_uint64(fr[i].addr));
		json_object_object_add(o, "sym", fr[i].sym ? json_object_new_string(fr[i].sym) : NULL);
		json_object_object_add(o, "off", json_object_new_uint64(fr[i].sym ? fr[i].off :
									 fr[i].obj_off));
		json_object_object_add(o, "obj", fr[i].obj ? json_object_new_string(fr[i].obj) : NULL);
		json_object_object_add(o, "build_id", fr[i].build_id[0] ?
				       json_object_new_string(fr[i].build_id) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

json_object *rt_stack_json(const struct rt_where_info *wi)
{
	json_object *o;

	if (!wi)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "user", wi->user_meaningful ? frames_json(wi->uframes, wi->nu) :
								 json_object_new_array());
	json_object_object_add(o, "kernel", frames_json(wi->kframes, wi->nk));
	return o;
}

static json_object *task_json(const struct rt_window_task *t)
{
	json_object *o;
	char c[RT_COMM_UTF8_LEN];

	if (!t->known)
		return NULL;
	o = json_object_new_object();
	rt_comm_utf8(t->comm, RT_COMM_LEN, c, sizeof(c));
	json_object_object_add(o, "tid", json_object_new_int64(t->tid));
	json_object_object_add(o, "comm", json_object_new_string(c));
	json_object_object_add(o, "stack", rt_stack_json(t->where));
	return o;
}

static json_object *blocked_json(const struct rt_window_where *w)
{
	const struct rt_where_info *b = w->block;
	json_object *o, *fx = NULL;
	char nb[32], op[64];
	const char *name;

	if (!w->blocked)
		return NULL;
	o = json_object_new_object();
	name = b ? rt_syscall_name(b->w.syscall, b->w.compat, nb, sizeof(nb)) : NULL;
	json_object_object_add(o, "syscall", name ? json_object_new_string(name) : NULL);
	json_object_object_add(o, "state", json_object_new_string(rt_sleep_state_name(w->block_state)));
	json_object_object_add(o, "ns", json_object_new_int64((int64_t)w->block_ns));
	if (b && rt_syscall_is_futex(b->w.syscall, b->w.compat)) {
		fx = json_object_new_object();
		json_object_object_add(fx, "addr", json_object_new_uint64(b->w.arg[0]));
		json_object_object_add(fx, "op", json_object_new_string(
					       rt_futex_op_name(b->w.arg[1], op, sizeof(op))));
		json_object_object_add(fx, "pi", json_object_new_boolean(rt_futex_op_pi(b->w.arg[1])));
	}
	json_object_object_add(o, "futex", fx);
	json_object_object_add(o, "stack", rt_stack_json(b));
	return o;
}

void rt_report_json_where(json_object *win, const struct rt_analysis *a)
{
	const struct rt_window_where *w = &a->where;
	json_object *fo = NULL;

	json_object_object_add(win, "blocked", blocked_json(w));
	json_object_object_add(win, "waker", task_json(&w->waker));
	json_object_object_add(win, "holder", task_json(&w->holder));
	if (w->faults_known) {
		fo = json_object_new_object();
		json_object_object_add(fo, "minor", json_object_new_int64(w->minflt));
		json_object_object_add(fo, "major", json_object_new_int64(w->majflt));
	}
	json_object_object_add(win, "faults", fo);
	json_object_object_add(win, "steal_ns", w->steal_known ?
				    json_object_new_int64((int64_t)w->steal_ns) : NULL);
}

json_object *rt_report_json_findings(const struct rt_report *r, int i)
{
	const struct rt_report_findings *rf = r->findings ? &r->findings[i] : NULL;
	json_object *arr;
	int k;

	if (!r->capture)
		return NULL;
	arr = json_object_new_array();
	for (k = 0; rf && k < rf->n; k++) {
		const struct rt_report_finding *x = &rf->f[k];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(rt_finding_names[x->kind]));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)x->count));
		json_object_object_add(o, "first_ns", json_object_new_int64((int64_t)x->first_ns));
		json_object_object_add(o, "text", json_object_new_string(x->text));
		json_object_object_add(o, "stack", rt_stack_json(x->where));
		json_object_array_add(arr, o);
	}
	return arr;
}
