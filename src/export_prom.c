// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of the statistics, for node_exporter's
 * textfile collector: histograms in seconds, violations as counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "atomic_file.h"
#include "comm.h"
#include "export_prom.h"
#include "stats.h"

/* 1-2-5 steps from 1 us to 10 s. */
const uint64_t rt_prom_le_ns[] = {
	1000ULL, 2000ULL, 5000ULL,
	10000ULL, 20000ULL, 50000ULL,
	100000ULL, 200000ULL, 500000ULL,
	1000000ULL, 2000000ULL, 5000000ULL,
	10000000ULL, 20000000ULL, 50000000ULL,
	100000000ULL, 200000000ULL, 500000000ULL,
	1000000000ULL, 2000000000ULL, 5000000000ULL,
	10000000000ULL,
};
const int rt_prom_nle = sizeof(rt_prom_le_ns) / sizeof(rt_prom_le_ns[0]);

/* Our own copy: the exporter does not depend on the CLI's tables. */
static const char *const metric_name[RT_NR_METRICS] = { "latency", "response", "relief", "irq",
							 "irq_delay" };

/* Labels of one task, escaped once. */
struct task_labels {
	char comm[2 * RT_COMM_UTF8_LEN + 1]; /* every byte may be escaped */
	uint32_t pid, tgid;
	bool skip; /* a newer task has the same labels (TID reuse) */
};

/* Label value escaping of the text format: backslash, double quote and
 * line feed; the value must be UTF-8 (rt_comm_utf8 makes sure of it). */
static void escape_label(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in && o + 3 < outlen; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

static void task_labels(const struct rt_slot *s, struct task_labels *l)
{
	char utf8[RT_COMM_UTF8_LEN];

	rt_comm_utf8(s->comm, sizeof(s->comm), utf8, sizeof(utf8));
	escape_label(utf8, l->comm, sizeof(l->comm));
	l->pid = s->tid;
	l->tgid = s->tgid;
}

static bool exported(const struct rt_slot *s, int m)
{
	return m < RT_IRQ || s->m[m].count > 0;
}

/*
 * A recycled TID gets a new slot, so two tasks can have the same pid, tgid
 * and comm; two series with the same labels would make the whole file
 * invalid.  Only the newest task (last in pick-up order) is exported: to
 * Prometheus its counters then look like a counter reset, which rate() and
 * increase() handle.
 */
static void mark_duplicates(const struct rt_report *r, struct task_labels *tl)
{
	int i, j;

	for (i = 0; i < r->ntasks; i++)
		for (j = i + 1; j < r->ntasks && !tl[i].skip; j++)
			tl[i].skip = tl[i].pid == tl[j].pid && tl[i].tgid == tl[j].tgid &&
				     !strcmp(tl[i].comm, tl[j].comm);
}

/* HELP and TYPE, written before the family's first sample only. */
struct family {
	FILE *f;
	const char *name, *type, *help;
	bool started;
};

static void family_start(struct family *fam)
{
	if (fam->started)
		return;
	fam->started = true;
	fprintf(fam->f, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name, fam->type);
}

static void print_seconds(FILE *f, uint64_t ns)
{
	/* Exact: ns / 1e9 with nine decimals, no float rounding. */
	fprintf(f, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

static void print_le(FILE *f, uint64_t ns)
{
	/* %g prints 1e-06, 2e-05, 0.0001, 0.5, 10: what Prometheus clients print. */
	fprintf(f, "%g", (double)ns / 1e9);
}

/*
 * Cumulative counts at the le boundaries.  A fine bucket [lo, hi] counts
 * toward a boundary B only if hi <= B, so "le" is never overstated: every
 * sample counted under le=B is <= B.  A fine bucket straddling B (e.g.
 * [992, 1023] ns around 1 us) is counted at the next boundary up; such a
 * bucket is at most 1/16 of its value wide.  The last fine bucket (values
 * clamped at ~1100 s) goes to +Inf only.  The counts are capped at count,
 * so +Inf == _count even if the kernel's counters were read mid-update.
 */
static void histogram(FILE *f, const struct rt_slot *s, int m, const struct task_labels *l)
{
	const struct rt_metric_stats *ms = &s->m[m];
	const char *mn = metric_name[m];
	uint64_t cum = 0, lo, hi;
	uint32_t b = 0;
	int j;

	for (j = 0; j < rt_prom_nle; j++) {
		for (; b < RT_HIST_BUCKETS; b++) {
			rt_bucket_range(b, &lo, &hi);
			if (hi > rt_prom_le_ns[j])
				break;
			cum += s->hist[m][b];
		}
		fprintf(f, "rttrace_%s_seconds_bucket{pid=\"%u\",tgid=\"%u\",comm=\"%s\",le=\"", mn,
			l->pid, l->tgid, l->comm);
		print_le(f, rt_prom_le_ns[j]);
		fprintf(f, "\"} %" PRIu64 "\n", cum < ms->count ? cum : (uint64_t)ms->count);
	}
	fprintf(f, "rttrace_%s_seconds_bucket{pid=\"%u\",tgid=\"%u\",comm=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
		mn, l->pid, l->tgid, l->comm, (uint64_t)ms->count);
	fprintf(f, "rttrace_%s_seconds_sum{pid=\"%u\",tgid=\"%u\",comm=\"%s\"} ", mn, l->pid, l->tgid,
		l->comm);
	print_seconds(f, (uint64_t)ms->sum_ns);
	fprintf(f, "\nrttrace_%s_seconds_count{pid=\"%u\",tgid=\"%u\",comm=\"%s\"} %" PRIu64 "\n", mn,
		l->pid, l->tgid, l->comm, (uint64_t)ms->count);
}

static void write_all(FILE *f, const struct rt_report *r, const struct task_labels *tl)
{
	static const char *const help_hist[RT_NR_METRICS] = {
		"Schedule-in latency: wakeup of a sleeping task to its next switch-in.",
		"Response time: wakeup of a sleeping task to its next voluntary switch-out.",
		"Relief time: wakeup out of a timer sleep to the next timer sleep.",
		"Threaded IRQ handler time.",
		"IRQ handling delay: hard IRQ entry to the end of its threaded handler.",
	};
	static const char *const help_max[RT_NR_METRICS] = {
		"Largest latency sample (exact).",
		"Largest response time sample (exact).",
		"Largest relief time sample (exact).",
		"Largest threaded IRQ handler time (exact).",
		"Largest IRQ handling delay (exact).",
	};
	char name[64];
	struct family fam;
	int i, m;

	for (m = 0; m < RT_NR_METRICS; m++) {
		snprintf(name, sizeof(name), "rttrace_%s_seconds", metric_name[m]);
		fam = (struct family){ f, name, "histogram", help_hist[m], false };
		for (i = 0; i < r->ntasks; i++) {
			if (tl[i].skip || !exported(&r->tasks[i], m))
				continue;
			family_start(&fam);
			histogram(f, &r->tasks[i], m, &tl[i]);
		}
		snprintf(name, sizeof(name), "rttrace_%s_max_seconds", metric_name[m]);
		fam = (struct family){ f, name, "gauge", help_max[m], false };
		for (i = 0; i < r->ntasks; i++) {
			const struct rt_metric_stats *ms = &r->tasks[i].m[m];

			if (tl[i].skip || !exported(&r->tasks[i], m) || !ms->count)
				continue;
			family_start(&fam);
			fprintf(f, "%s{pid=\"%u\",tgid=\"%u\",comm=\"%s\"} ", name, tl[i].pid,
				tl[i].tgid, tl[i].comm);
			print_seconds(f, ms->max_ns);
			fputc('\n', f);
		}
	}

	fam = (struct family){ f, "rttrace_slo_seconds", "gauge",
			       "SLO bound of a task's metric (a sample above it is a violation).", false };
	for (i = 0; i < r->ntasks; i++)
		for (m = 0; m < RT_NR_METRICS; m++) {
			const struct rt_metric_stats *ms = &r->tasks[i].m[m];

			if (tl[i].skip || !exported(&r->tasks[i], m) || ms->slo_ns == RT_SLO_UNSET)
				continue;
			family_start(&fam);
			fprintf(f, "rttrace_slo_seconds{pid=\"%u\",tgid=\"%u\",comm=\"%s\",metric=\"%s\"} ",
				tl[i].pid, tl[i].tgid, tl[i].comm, metric_name[m]);
			print_seconds(f, ms->slo_ns);
			fputc('\n', f);
		}

	fam = (struct family){ f, "rttrace_slo_violations_total", "counter",
			       "Samples strictly greater than the SLO bound (0 while no bound is set).",
			       false };
	for (i = 0; i < r->ntasks; i++)
		for (m = 0; m < RT_NR_METRICS; m++) {
			if (tl[i].skip || !exported(&r->tasks[i], m))
				continue;
			family_start(&fam);
			fprintf(f, "rttrace_slo_violations_total{pid=\"%u\",tgid=\"%u\",comm=\"%s\",metric=\"%s\"} %"
				PRIu64 "\n", tl[i].pid, tl[i].tgid, tl[i].comm, metric_name[m],
				(uint64_t)r->tasks[i].m[m].violations);
		}

	fam = (struct family){ f, "rttrace_task_exited", "gauge",
			       "1 if the task exited during the session, else 0.", false };
	for (i = 0; i < r->ntasks; i++) {
		if (tl[i].skip)
			continue;
		family_start(&fam);
		fprintf(f, "rttrace_task_exited{pid=\"%u\",tgid=\"%u\",comm=\"%s\"} %d\n", tl[i].pid,
			tl[i].tgid, tl[i].comm, !!(r->tasks[i].flags & RT_SLOT_EXITED));
	}

	fam = (struct family){ f, "rttrace_task_merged_threads", "gauge",
			       "Exited threads of this name merged into this series (pid 0), "
			       "beyond --keep-exited.", false };
	for (i = 0; i < r->ntasks; i++) {
		if (tl[i].skip || !rt_report_threads(r, i))
			continue;
		family_start(&fam);
		fprintf(f, "rttrace_task_merged_threads{pid=\"%u\",tgid=\"%u\",comm=\"%s\"} %" PRIu64 "\n",
			tl[i].pid, tl[i].tgid, tl[i].comm, rt_report_threads(r, i));
	}

	fam = (struct family){ f, "rttrace_session_duration_seconds", "gauge",
			       "Time traced so far in this session.", false };
	family_start(&fam);
	fprintf(f, "rttrace_session_duration_seconds ");
	print_seconds(f, r->end_ns > r->start_ns ? r->end_ns - r->start_ns : 0);
	fputc('\n', f);
	fam = (struct family){ f, "rttrace_lost_events_total", "counter",
			       "Events or tasks the kernel side could not record.", false };
	family_start(&fam);
	fprintf(f, "rttrace_lost_events_total %" PRIu64 "\n", r->lost_events);
	fam = (struct family){ f, "rttrace_tasks_dropped_total", "counter",
			       "Tasks not tracked: task table full or task storage failed.", false };
	family_start(&fam);
	fprintf(f, "rttrace_tasks_dropped_total %" PRIu64 "\n",
		(uint64_t)(r->counters.slots_full + r->counters.storage_failed));
}

int rt_export_prom(const char *path, const struct rt_report *r)
{
	struct task_labels *tl;
	char *text = NULL;
	size_t len = 0;
	int i, err = -1;
	bool bad;
	FILE *f;

	tl = calloc(r->ntasks > 0 ? r->ntasks : 1, sizeof(*tl));
	if (!tl) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < r->ntasks; i++)
		task_labels(&r->tasks[i], &tl[i]);
	mark_duplicates(r, tl);
	f = open_memstream(&text, &len);
	if (!f)
		goto out;
	write_all(f, r, tl);
	bad = ferror(f);
	if (fclose(f) || bad || !text) {
		errno = ENOMEM;
		goto out;
	}
	/* No fsync: the rename is what makes the update atomic for a reader,
	 * and a device writing every interval should not flush its flash. */
	err = rt_write_atomic_nosync(path, text, len);
out:
	free(text);
	free(tl);
	return err;
}
