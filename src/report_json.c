// SPDX-License-Identifier: GPL-2.0
/* JSON report (schema documented in README.md), written with json-c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "comm.h"
#include "names.h"
#include "procfs.h"
#include "report.h"
#include "report_trace.h"
#include "report_file.h"
#include "report_hotplug.h"
#include "report_where.h"
#include "stats.h"
#include "sysinfo.h"
#include "version.h"

static json_object *ns_or_null(uint64_t v, bool have)
{
	return have ? json_object_new_int64((int64_t)v) : NULL;
}

/* The non-empty buckets: [low_ns, high_ns, count] (log-linear, see
 * include/rttrace/rttrace.h), for plots. */
static json_object *histogram_json(const __u32 *h)
{
	json_object *a = json_object_new_array();
	uint64_t lo, hi;
	uint32_t b;

	for (b = 0; b < RT_HIST_BUCKETS; b++) {
		json_object *e;

		if (!h[b])
			continue;
		rt_bucket_range(b, &lo, &hi);
		e = json_object_new_array();
		json_object_array_add(e, json_object_new_int64((int64_t)lo));
		json_object_array_add(e, json_object_new_int64((int64_t)hi));
		json_object_array_add(e, json_object_new_int64(h[b]));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *metric_json(const struct rt_slot *s, int m)
{
	const struct rt_metric_stats *ms = &s->m[m];
	const __u32 *h = s->hist[m];
	bool have = ms->count > 0;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_int64((int64_t)ms->count));
	json_object_object_add(o, "min_ns", ns_or_null(ms->min_ns, have));
	json_object_object_add(o, "mean_ns", ns_or_null(rt_mean(ms), have));
	json_object_object_add(o, "p50_ns", ns_or_null(rt_percentile(ms, h, 0.50), have));
	json_object_object_add(o, "p90_ns", ns_or_null(rt_percentile(ms, h, 0.90), have));
	json_object_object_add(o, "p99_ns", ns_or_null(rt_percentile(ms, h, 0.99), have));
	json_object_object_add(o, "p999_ns", ns_or_null(rt_percentile(ms, h, 0.999), have));
	json_object_object_add(o, "max_ns", ns_or_null(ms->max_ns, have));
	json_object_object_add(o, "max_start_ns", ns_or_null(ms->max_start_ns, have));
	json_object_object_add(o, "max_end_ns", ns_or_null(ms->max_end_ns, have));
	json_object_object_add(o, "slo_ns", ns_or_null(ms->slo_ns, ms->slo_ns != RT_SLO_UNSET));
	json_object_object_add(o, "violations", json_object_new_int64((int64_t)ms->violations));
	json_object_object_add(o, "histogram", histogram_json(h));
	return o;
}

/* Continuous mode: per interval, its end and each metric's samples, p99
 * and max in it (null p99/max without samples). */
static json_object *intervals_json(const struct rt_report *r, int i)
{
	const struct rt_interval_point *pt;
	json_object *a = json_object_new_array();
	uint32_t n, k;
	int m;

	pt = rt_report_points(r, i, &n);
	for (k = 0; k < n; k++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "end_ns", json_object_new_int64((int64_t)pt[k].end_ns));
		for (m = 0; m < RT_IRQ; m++) {
			json_object *x = json_object_new_object();
			bool have = pt[k].count[m] > 0;

			json_object_object_add(x, "count", json_object_new_int64((int64_t)pt[k].count[m]));
			json_object_object_add(x, "p99_ns", ns_or_null(pt[k].p99_ns[m], have));
			json_object_object_add(x, "max_ns", ns_or_null(pt[k].max_ns[m], have));
			json_object_object_add(o, rt_metric_names[m], x);
		}
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *task_json(const struct rt_report *r, int i)
{
	const struct rt_slot *s = &r->tasks[i];
	json_object *o = json_object_new_object(), *ms = json_object_new_object();
	char comm[RT_COMM_UTF8_LEN];
	int m;

	rt_comm_utf8(s->comm, sizeof(s->comm), comm, sizeof(comm));
	json_object_object_add(o, "pid", json_object_new_int64(s->tid));
	json_object_object_add(o, "tgid", json_object_new_int64(s->tgid));
	json_object_object_add(o, "comm", json_object_new_string(comm));
	json_object_object_add(o, "policy", json_object_new_string(rt_policy_name(s->policy)));
	json_object_object_add(o, "rt_priority", json_object_new_int(s->rt_priority));
	/* the policy as observed: the above is the latest seen; these what
	 * it was at pick-up and how often it changed since */
	json_object_object_add(o, "start_policy", json_object_new_string(rt_policy_name(s->start_policy)));
	json_object_object_add(o, "start_rt_priority", json_object_new_int(s->start_rt_priority));
	json_object_object_add(o, "policy_changes", json_object_new_int64(s->policy_changes));
	json_object_object_add(o, "policy_changed_ns", !s->policy_changes ? NULL :
			       json_object_new_int64((int64_t)s->policy_change_ns));
	json_object_object_add(o, "exited", json_object_new_boolean(!!(s->flags & RT_SLOT_EXITED)));
	/* exited threads of this name merged into this entry (pid 0); 0: one task */
	json_object_object_add(o, "merged_threads",
			       json_object_new_int64((int64_t)rt_report_threads(r, i)));
	for (m = 0; m < rt_report_nmetrics(s); m++) {
		json_object *mo = metric_json(s, m);

		if (m < RT_IRQ)
			rt_report_json_windows(mo, r, i, m);
		if (m == RT_IRQ)
			json_object_object_add(mo, "approximate",
					       json_object_new_boolean(r->irq_mode == RT_IRQM_SCHED));
		if (m == RT_IRQ_DELAY) {
			json_object *wp = json_object_new_object(), *mp = json_object_new_object();
			static const char *pn[RT_DP_NR] = { "hard_ns", "wakeup_ns", "thread_ns" };
			int k;

			for (k = 0; k < RT_DP_NR; k++) {
				json_object_object_add(wp, pn[k], s->m[m].count ?
					json_object_new_int64((int64_t)s->delay_parts[k]) : NULL);
				json_object_object_add(mp, pn[k], s->m[m].count ?
					json_object_new_int64((int64_t)(s->delay_part_sum[k] / s->m[m].count)) : NULL);
			}
			json_object_object_add(mo, "worst_parts", wp);
			json_object_object_add(mo, "mean_parts", mp);
		}
		json_object_object_add(ms, rt_metric_names[m], mo);
	}
	json_object_object_add(o, "metrics", ms);
	/* what it did that an RT task should not (null: no capture) */
	json_object_object_add(o, "findings", rt_report_json_findings(r, i));
	if (r->intervals)
		json_object_object_add(o, "intervals", intervals_json(r, i));
	return o;
}

json_object *rt_report_json_tree(const struct rt_report *r)
{
	json_object *root = json_object_new_object(), *sys = json_object_new_object();
	json_object *sess = json_object_new_object(), *tasks = json_object_new_array();
	struct rt_sysinfo si;
	int i;

	rt_sysinfo_read(&si);
	json_object_object_add(root, "schema_version", json_object_new_int(RT_JSON_SCHEMA));
	json_object_object_add(root, "rttrace_version", json_object_new_string(RTTRACE_VERSION));
	json_object_object_add(sys, "kernel", json_object_new_string(si.kernel));
	json_object_object_add(sys, "machine", json_object_new_string(si.machine));
	json_object_object_add(sys, "preempt_model", json_object_new_string(si.preempt_model));
	json_object_object_add(sys, "cpus", json_object_new_int(si.cpus));
	/* which hypervisor steal clock the windows' steal_ns come from */
	json_object_object_add(sys, "steal_clock", si.steal_clock ?
			       json_object_new_string(si.steal_clock) : NULL);
	json_object_object_add(sys, "backend", json_object_new_string(r->feat->tp_btf ? "tp_btf" : "raw_tp"));
	json_object_object_add(sys, "relief_supported", json_object_new_boolean(r->feat->timer_detect));
	json_object_object_add(sys, "capture", json_object_new_boolean(r->capture != NULL));
	/* how capture finds the untracked switches it records (README: Design) */
	json_object_object_add(sys, "capture_gate", !r->capture ? NULL :
			       json_object_new_string(r->capture_holders ? "holders" : "interest"));
	/* untracked switches exit in a small program that tail-calls the rest */
	json_object_object_add(sys, "switch_gate", json_object_new_boolean(r->switch_gate));
	/* PREEMPT_RT: a thread born under -t gets its state from user space */
	json_object_object_add(sys, "birth_state_from_user_space", json_object_new_boolean(r->defer_fork));
	json_object_object_add(sys, "irq_mode", r->irq_mode ?
			       json_object_new_string(rt_irq_mode_name(r->irq_mode)) : NULL);
	/* where rttrace itself ran (a CPU list), and why there */
	json_object_object_add(sys, "housekeeping_cpus", !r->housekeeping_cpus[0] ? NULL :
			       json_object_new_string(r->housekeeping_cpus));
	json_object_object_add(sys, "housekeeping", !r->housekeeping_reason ? NULL :
			       json_object_new_string(r->housekeeping_reason));
	rt_report_json_hotplug(sys, r);
	json_object_object_add(root, "system", sys);
	json_object_object_add(sess, "start_ns", json_object_new_int64((int64_t)r->start_ns));
	json_object_object_add(sess, "end_ns", json_object_new_int64((int64_t)r->end_ns));
	json_object_object_add(sess, "lost_events", json_object_new_int64((int64_t)r->lost_events));
	json_object_object_add(sess, "tasks_dropped", json_object_new_int64(
		(int64_t)(r->counters.slots_full + r->counters.storage_failed)));
	json_object_object_add(sess, "skipped_probe_runs", json_object_new_int64((int64_t)r->skipped_runs));
	json_object_object_add(sess, "capture_marks_failed",
			       json_object_new_int64((int64_t)r->counters.holds_failed));
	json_object_object_add(sess, "states_moved_to_table",
			       json_object_new_int64((int64_t)r->counters.ttab_moved));
	json_object_object_add(sess, "threads_gone_before_pickup",
			       json_object_new_int64((int64_t)r->counters.adopt_missed));
	/* exited threads merged per name (beyond --keep-exited) */
	json_object_object_add(sess, "exited_threads_merged",
			       json_object_new_int64((int64_t)r->exited_merged));
	json_object_object_add(sess, "windows_not_captured",
			       json_object_new_int64((int64_t)r->windows_lost));
	/* stacks not taken (ring entry not reserved) or overwritten before a
	 * drain looked at them */
	json_object_object_add(sess, "stacks_lost", json_object_new_int64(
		(int64_t)(r->counters.where_failed + r->wheres_lost)));
	if (r->own_measured) {
		/* rttrace's own process: how often it woke, how much CPU it took */
		json_object_object_add(sess, "rttrace_wakeups",
				       json_object_new_int64((int64_t)r->own_wakeups));
		json_object_object_add(sess, "rttrace_cpu_ns",
				       json_object_new_int64((int64_t)r->own_cpu_ns));
		json_object_object_add(sess, "capture_drain_min_ns", !r->capture ? NULL :
				       json_object_new_int64((int64_t)r->drain_min_ns));
	}
	json_object_object_add(root, "session", sess);
	for (i = 0; i < r->ntasks; i++)
		json_object_array_add(tasks, task_json(r, i));
	json_object_object_add(root, "tasks", tasks);
	return root;
}

int rt_report_json(const char *path, const struct rt_report *r)
{
	json_object *root = rt_report_json_tree(r);
	int err = rt_report_file_write(path, root);

	json_object_put(root);
	return err;
}
