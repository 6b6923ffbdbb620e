// SPDX-License-Identifier: GPL-2.0
/*
 * Continuous mode: a compact summary every interval, from the live
 * (mmapped) statistics.  Interval figures are differences against the
 * previous summary; the interval maximum is kept by the BPF side and reset
 * here with an atomic exchange (a sample racing the reset may count toward
 * the next interval instead).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "comm.h"
#include "duration.h"
#include "interval.h"
#include "names.h"
#include "stats.h"

int rt_interval_init(struct rt_interval *iv, uint32_t nslots, uint64_t start_ns)
{
	memset(iv, 0, sizeof(*iv));
	iv->prev = calloc(nslots ? nslots : 1, sizeof(*iv->prev));
	iv->nslots = nslots;
	iv->last_ns = start_ns;
	return iv->prev ? 0 : -1;
}

void rt_interval_free(struct rt_interval *iv)
{
	for (uint32_t i = 0; iv->prev && i < iv->nslots; i++)
		free(iv->prev[i].points);
	free(iv->prev);
	iv->prev = NULL;
}

const struct rt_interval_point *rt_interval_points(const struct rt_interval *iv, uint32_t i,
						   uint32_t *n)
{
	*n = 0;
	if (!iv || !iv->prev || i >= iv->nslots)
		return NULL;
	*n = iv->prev[i].npoints;
	return iv->prev[i].points;
}

/* The next point of p's series (NULL when out of memory: the series is
 * context, the summaries and the report stay exact). */
static struct rt_interval_point *next_point(struct rt_interval_prev *p)
{
	uint32_t i;

	/* grown as needed: most tasks of a churning pool live a few
	 * intervals, and the series of an exited one is kept */
	if (p->npoints == p->cap && p->cap < RT_INTERVAL_POINTS) {
		uint32_t cap = p->cap ? 2 * p->cap : 8;
		struct rt_interval_point *more = realloc(p->points, cap * sizeof(*more));

		if (!more)
			return NULL;
		p->points = more;
		p->cap = cap;
	}
	if (p->npoints == RT_INTERVAL_POINTS) {
		/* pairs merge: counts add, the larger max and p99 stay (a
		 * merged p99 is an upper bound) */
		for (i = 0; i < RT_INTERVAL_POINTS / 2; i++) {
			struct rt_interval_point a = p->points[2 * i], b = p->points[2 * i + 1];

			for (int m = 0; m < RT_IRQ; m++) {
				b.count[m] += a.count[m];
				b.p99_ns[m] = a.p99_ns[m] > b.p99_ns[m] ? a.p99_ns[m] : b.p99_ns[m];
				b.max_ns[m] = a.max_ns[m] > b.max_ns[m] ? a.max_ns[m] : b.max_ns[m];
			}
			p->points[i] = b;
		}
		p->npoints = RT_INTERVAL_POINTS / 2;
	}
	memset(&p->points[p->npoints], 0, sizeof(p->points[0]));
	return &p->points[p->npoints++];
}

static json_object *jns(uint64_t v, bool have)
{
	return have ? json_object_new_int64((int64_t)v) : NULL;
}

/* Metric m of slot s since the last summary p: the figures in *d and the
 * histogram in dh, the interval maximum (reset in the slot) returned;
 * p moves on to now. */
static uint64_t interval_delta(struct rt_interval_prev *p, struct rt_slot *s, int m,
			       struct rt_metric_stats *d, __u32 *dh)
{
	struct rt_metric_stats now = s->m[m];
	uint64_t imax = __atomic_exchange_n(&s->m[m].imax_ns, 0, __ATOMIC_SEQ_CST);
	unsigned int k;

	memset(d, 0, sizeof(*d));
	d->count = now.count - p->m[m].count;
	d->violations = now.violations - p->m[m].violations;
	for (k = 0; k < RT_HIST_BUCKETS; k++)
		dh[k] = s->hist[m][k] - p->hist[m][k];
	memcpy(p->hist[m], s->hist[m], sizeof(p->hist[m]));
	if (imax > now.max_ns)
		imax = now.max_ns;
	d->max_ns = imax;
	p->m[m] = now;
	return imax;
}

struct rt_interval_point *rt_interval_take(struct rt_interval *iv, uint32_t i,
					   const struct rt_slot *s, uint64_t now_ns,
					   uint32_t *n)
{
	struct rt_interval_prev *p;
	struct rt_interval_point *pts, *pt;
	static __u32 dh[RT_HIST_BUCKETS];
	struct rt_slot copy;
	int m;

	*n = 0;
	if (!iv || !iv->prev || i >= iv->nslots)
		return NULL;
	p = &iv->prev[i];
	/* the last, partial interval: the series adds up to the totals */
	copy = *s;
	if ((pt = next_point(p))) {
		pt->end_ns = now_ns;
		for (m = 0; m < RT_IRQ; m++) {
			struct rt_metric_stats d;
			uint64_t imax = interval_delta(p, &copy, m, &d, dh);

			pt->count[m] = d.count;
			pt->p99_ns[m] = d.count ? rt_percentile(&d, dh, 0.99) : 0;
			pt->max_ns[m] = d.count ? imax : 0;
		}
	}
	pts = p->points;
	*n = p->npoints;
	/* trimmed to its length: exited tasks are many */
	if (pts && *n && (pt = realloc(pts, *n * sizeof(*pts))))
		pts = pt;
	memset(p, 0, sizeof(*p));
	return pts;
}

void rt_interval_tick(struct rt_interval *iv, struct rt_slot *slots, uint32_t n,
		      uint64_t session_start_ns, uint64_t now_ns, FILE *text, FILE *jsonl)
{
	json_object *root = NULL, *tasks = NULL;
	char b[6][32], comm[RT_COMM_UTF8_LEN];
	uint32_t i;
	int m;

	iv->n++;
	if (text) {
		fprintf(text, "--- rttrace +%.1f s (interval %s) ---\n",
			(now_ns - session_start_ns) / 1e9,
			rt_fmt_duration(now_ns - iv->last_ns, b[0], sizeof(b[0])));
		fprintf(text, "%-8s %-16s %-9s %8s %10s %10s %10s %9s %9s\n", "TID", "comm", "metric",
			"n", "p99", "max", "max(all)", "viol", "viol(all)");
	}
	if (jsonl) {
		root = json_object_new_object();
		json_object_object_add(root, "interval", json_object_new_int(iv->n));
		json_object_object_add(root, "start_ns", json_object_new_int64((int64_t)iv->last_ns));
		json_object_object_add(root, "end_ns", json_object_new_int64((int64_t)now_ns));
		tasks = json_object_new_array();
	}
	for (i = 0; i < n && i < iv->nslots; i++) {
		struct rt_slot *s = &slots[i];
		struct rt_interval_prev *p = &iv->prev[i];
		json_object *jt = NULL, *jm = NULL;
		struct rt_interval_point *pt;
		bool first = true;

		if (!(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & RT_SLOT_VALID))
			continue;
		pt = next_point(p);
		if (pt)
			pt->end_ns = now_ns;
		rt_comm_utf8(s->comm, sizeof(s->comm), comm, sizeof(comm));
		if (jsonl) {
			jt = json_object_new_object();
			jm = json_object_new_object();
			json_object_object_add(jt, "pid", json_object_new_int64(s->tid));
			json_object_object_add(jt, "tgid", json_object_new_int64(s->tgid));
			json_object_object_add(jt, "comm", json_object_new_string(comm));
			json_object_object_add(jt, "exited",
					       json_object_new_boolean(!!(s->flags & RT_SLOT_EXITED)));
		}
		for (m = 0; m < RT_IRQ; m++) {
			struct rt_metric_stats before = p->m[m], now, d;
			static __u32 dh[RT_HIST_BUCKETS];
			uint64_t imax = interval_delta(p, s, m, &d, dh);
			bool new_worst;

			now = p->m[m];
			new_worst = now.max_ns > before.max_ns && now.count;
			if (pt) {
				pt->count[m] = d.count;
				pt->p99_ns[m] = d.count ? rt_percentile(&d, dh, 0.99) : 0;
				pt->max_ns[m] = d.count ? imax : 0;
			}
			if (text) {
				fprintf(text, "%-8s %-16s %-9s %8" PRIu64 " %10s %10s %10s %9" PRIu64 " %9" PRIu64 "%s\n",
					first ? (snprintf(b[5], 32, "%u", s->tid), b[5]) : "",
					first ? comm : "", rt_metric_names[m], (uint64_t)d.count,
					d.count ? rt_fmt_duration(rt_percentile(&d, dh, 0.99), b[1], 32) : "-",
					d.count ? rt_fmt_duration(imax, b[2], 32) : "-",
					now.count ? rt_fmt_duration(now.max_ns, b[3], 32) : "-",
					(uint64_t)d.violations,
					(uint64_t)now.violations, new_worst ? "  * new worst" : "");
				first = false;
			}
			if (jsonl) {
				json_object *o = json_object_new_object(), *ji = json_object_new_object(),
					    *jo = json_object_new_object();

				json_object_object_add(ji, "count", json_object_new_int64((int64_t)d.count));
				json_object_object_add(ji, "p99_ns", jns(rt_percentile(&d, dh, 0.99), d.count));
				json_object_object_add(ji, "max_ns", jns(imax, d.count));
				json_object_object_add(ji, "violations",
						       json_object_new_int64((int64_t)d.violations));
				json_object_object_add(jo, "count", json_object_new_int64((int64_t)now.count));
				json_object_object_add(jo, "p99_ns", jns(rt_percentile(&now, s->hist[m], 0.99), now.count));
				json_object_object_add(jo, "max_ns", jns(now.max_ns, now.count));
				json_object_object_add(jo, "violations", json_object_new_int64((int64_t)now.violations));
				json_object_object_add(o, "interval", ji);
				json_object_object_add(o, "total", jo);
				json_object_object_add(o, "new_worst", json_object_new_boolean(new_worst));
				json_object_object_add(jm, rt_metric_names[m], o);
			}
		}
		if (jsonl) {
			json_object_object_add(jt, "metrics", jm);
			json_object_array_add(tasks, jt);
		}
	}
	if (text) {
		fprintf(text, "\n");
		fflush(text);
	}
	if (jsonl) {
		json_object_object_add(root, "tasks", tasks);
		fprintf(jsonl, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
		fflush(jsonl);
		json_object_put(root);
	}
	iv->last_ns = now_ns;
}
