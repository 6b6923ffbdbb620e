// SPDX-License-Identifier: GPL-2.0
/* Human report, and the seed module's report lines (--format seed). */
#define _GNU_SOURCE /* SCHED_* of <sched.h> */
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include "comm.h"
#include "duration.h"
#include "names.h"
#include "procfs.h"
#include "report.h"
#include "report_hotplug.h"
#include "report_where.h"
#include "report_trace.h"
#include "stats.h"
#include "sysinfo.h"

static const char *cell(uint64_t ns, bool have, char *buf, int len)
{
	if (!have)
		return "-";
	return rt_fmt_duration(ns, buf, len);
}

static void print_metric(FILE *f, const struct rt_slot *s, int m)
{
	const struct rt_metric_stats *ms = &s->m[m];
	const __u32 *h = s->hist[m];
	bool have = ms->count > 0;
	char b[8][32];

	fprintf(f, "  %-9s %8" PRIu64 " %10s %10s %10s %10s %10s %10s %10s",
		m == RT_IRQ_DELAY ? "irq delay" : rt_metric_names[m], (uint64_t)ms->count,
		cell(ms->min_ns, have, b[0], 32), cell(rt_mean(ms), have, b[1], 32),
		cell(rt_percentile(ms, h, 0.50), have, b[2], 32),
		cell(rt_percentile(ms, h, 0.99), have, b[3], 32),
		cell(rt_percentile(ms, h, 0.999), have, b[4], 32),
		cell(ms->max_ns, have, b[5], 32),
		cell(ms->slo_ns, ms->slo_ns != RT_SLO_UNSET, b[6], 32));
	if (ms->slo_ns != RT_SLO_UNSET)
		fprintf(f, " %10" PRIu64 "%s", (uint64_t)ms->violations,
			ms->violations ? "  VIOLATED" : "");
	else
		fprintf(f, " %10s", "-");
	fprintf(f, "\n");
}

/* "SCHED_FIFO 80", with what it was at pick-up when it changed since. */
static void print_policy(FILE *f, const struct rt_slot *s)
{
	fprintf(f, "  %s", rt_policy_name(s->policy));
	if (s->policy == SCHED_FIFO || s->policy == SCHED_RR)
		fprintf(f, " %d", s->rt_priority);
	if (!s->policy_changes)
		return;
	fprintf(f, " (since +%.3f s; %s", s->policy_change_ns > s->added_ns ?
		(s->policy_change_ns - s->added_ns) / 1e9 : 0.0, rt_policy_name(s->start_policy));
	if (s->start_policy == SCHED_FIFO || s->start_policy == SCHED_RR)
		fprintf(f, " %d", s->start_rt_priority);
	fprintf(f, " at pick-up, %u change%s)", s->policy_changes, s->policy_changes > 1 ? "s" : "");
}

static void print_task(FILE *f, const struct rt_report *r, int i)
{
	const struct rt_slot *s = &r->tasks[i];
	uint64_t threads = rt_report_threads(r, i);
	char comm[RT_COMM_UTF8_LEN];
	int m;

	rt_comm_utf8(s->comm, sizeof(s->comm), comm, sizeof(comm));
	if (threads) {
		fprintf(f, "%s: %" PRIu64 " exited threads, merged", comm, threads);
		if (s->tgid)
			fprintf(f, " (process %u)", s->tgid);
		print_policy(f, s);
		fprintf(f, "\n");
		goto table;
	}
	fprintf(f, "TID %u %s (process %u)", s->tid, comm, s->tgid);
	print_policy(f, s);
	fprintf(f, "%s\n", (s->flags & RT_SLOT_EXITED) ? "  [exited]" : "");
table:
	fprintf(f, "  %-9s %8s %10s %10s %10s %10s %10s %10s %10s %10s\n", "metric",
		"count", "min", "mean", "p50", "p99", "p99.9", "max", "SLO", "violations");
	for (m = 0; m < rt_report_nmetrics(s); m++)
		print_metric(f, s, m);
	if (s->flags & RT_SLOT_IRQ) {
		const struct rt_metric_stats *d = &s->m[RT_IRQ_DELAY];
		char a[32], b[32], c[32];

		fprintf(f, "  irq: threaded handler time per interrupt%s; irq delay: hard IRQ -> handler done\n",
			r->irq_mode == RT_IRQM_SCHED ?
			" (APPROXIMATE, sched mode: IRQ thread wakeup -> sleep)" : "");
		if (d->count)
			fprintf(f, "  worst irq delay %s = hard handler %s + thread wakeup %s + threaded handler %s\n",
				rt_fmt_duration(d->max_ns, a, sizeof(a)),
				rt_fmt_duration(s->delay_parts[RT_DP_HARD], b, sizeof(b)),
				rt_fmt_duration(s->delay_parts[RT_DP_WAKE], c, sizeof(c)),
				rt_fmt_duration(s->delay_parts[RT_DP_THREAD], a, sizeof(a)));
	}
	rt_report_text_findings(f, r, i);
	for (m = 0; m < RT_IRQ; m++)
		rt_report_text_windows(f, r, i, m);
}

void rt_report_text(FILE *f, const struct rt_report *r)
{
	struct rt_sysinfo si;
	char d[32];
	int i;

	rt_sysinfo_read(&si);
	fprintf(f, "rttrace report: %s session, kernel %s %s (%s), %d CPUs, backend %s%s%s\n",
		rt_fmt_duration(r->end_ns - r->start_ns, d, sizeof(d)), si.kernel,
		si.machine, si.preempt_model, si.cpus,
		r->feat->tp_btf ? "tp_btf" : "raw_tp",
		r->irq_mode ? ", IRQ mode " : "", r->irq_mode ? rt_irq_mode_name(r->irq_mode) : "");
	if (r->own_measured && r->end_ns > r->start_ns) {
		double secs = (r->end_ns - r->start_ns) / 1e9;

		fprintf(f, "rttrace itself: %.1f wakeups/s, %.2f %% of a CPU, on CPU %s\n",
			r->own_wakeups / secs, r->own_cpu_ns / secs / 1e7,
			r->housekeeping_cpus[0] ? r->housekeeping_cpus : "?");
	}
	rt_report_text_hotplug(f, r);
	if (!r->feat->timer_detect)
		fprintf(f, "note: this kernel lacks bpf_task_pt_regs(); relief time is not measured\n");
	if (r->lost_events)
		fprintf(f, "warning: %" PRIu64 " tasks were not tracked (see above)\n",
			r->lost_events);
	if (!r->ntasks)
		fprintf(f, "no tasks were tracked\n");
	for (i = 0; i < r->ntasks; i++) {
		fprintf(f, "\n");
		print_task(f, r, i);
	}
}

static long long seed_min(const struct rt_metric_stats *ms)
{
	return ms->count ? (long long)ms->min_ns : LLONG_MAX;
}

static void seed_bound(FILE *f, const char *name, const struct rt_metric_stats *ms)
{
	if (ms->slo_ns != RT_SLO_UNSET)
		fprintf(f, "  %sBound=%llu, Violations=%llu\n", name,
			(unsigned long long)ms->slo_ns, (unsigned long long)ms->violations);
}

void rt_report_seed(FILE *f, const struct rt_report *r)
{
	int i;

	for (i = 0; i < r->ntasks; i++) {
		const struct rt_slot *s = &r->tasks[i];
		char comm[RT_COMM_LEN];

		memcpy(comm, s->comm, RT_COMM_LEN - 1);
		comm[RT_COMM_LEN - 1] = 0;
		if (rt_comm_is_irq_thread(comm)) {
			fprintf(f, "IRQ %s (PID=%u):\n", comm, s->tid);
			fprintf(f, "  service_time_min/max (wake->first sleep): %lld / %llu ns\n",
				seed_min(&s->m[RT_RESPONSE]), (unsigned long long)s->m[RT_RESPONSE].max_ns);
			fprintf(f, "  latency_min/max (wake->first run): %lld / %llu ns\n",
				seed_min(&s->m[RT_LATENCY]), (unsigned long long)s->m[RT_LATENCY].max_ns);
			fprintf(f, "  per interrupt bottom half handling time (single iteration): %lld / %llu ns\n",
				seed_min(&s->m[RT_IRQ]), (unsigned long long)s->m[RT_IRQ].max_ns);
		} else {
			fprintf(f, "jerry_rt_module: PID=%u, Name=%s, minLat=%lld, maxLat=%llu,\n",
				s->tid, comm, seed_min(&s->m[RT_LATENCY]),
				(unsigned long long)s->m[RT_LATENCY].max_ns);
			fprintf(f, "minResponseTimeVoluntarySleepAllTypes=%lld, maxResponseTimeVoluntarySleepAllTypes=%llu, \n",
				seed_min(&s->m[RT_RESPONSE]), (unsigned long long)s->m[RT_RESPONSE].max_ns);
			fprintf(f, "minResponseTimeVoluntarySleepReliefBased=%lld, maxResponseTimeVoluntarySleepReliefBased=%llu\n",
				seed_min(&s->m[RT_RELIEF]), (unsigned long long)s->m[RT_RELIEF].max_ns);
		}
		seed_bound(f, "Latency", &s->m[RT_LATENCY]);
		seed_bound(f, "Response", &s->m[RT_RESPONSE]);
		if (!rt_comm_is_irq_thread(comm))
			seed_bound(f, "ResponseRelief", &s->m[RT_RELIEF]);
		else
			seed_bound(f, "IRQHandling", &s->m[RT_IRQ]);
	}
}
