// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "housekeeping.h"

/* Affinity pressures are sums of 1/n: equal sums may differ in the last bits. */
#define PRESSURE_EPSILON 1e-9

/* Fields of /proc/<tid>/stat (proc(5), counted from 1). */
#define STAT_STATE 3     /* the first after comm's closing ')' */
#define STAT_UTIME 14    /* clock ticks */
#define STAT_STIME 15
#define STAT_PROCESSOR 39 /* the CPU it last ran on */

const char *rt_hk_reason_name(enum rt_hk_reason r)
{
	switch (r) {
	case RT_HK_USER: return "user";
	case RT_HK_FREE: return "free";
	case RT_HK_LEAST_USED: return "least_used";
	default: return "none";
	}
}

static int cpulist_fail(cpu_set_t *set, const char **why, const char *reason)
{
	CPU_ZERO(set);
	if (why)
		*why = reason;
	return -1;
}

/* One CPU number at *p, or -1.  Digits only: strtoul alone would take a
 * sign or leading spaces.  Too large (overflow included) is -2. */
static long parse_cpu(const char **p)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	v = strtoul(*p, &end, 10);
	*p = end;
	return v < CPU_SETSIZE ? (long)v : -2;
}

int rt_cpulist_parse(const char *s, cpu_set_t *set, const char **why)
{
	const char *p = s;
	long lo, hi;

	CPU_ZERO(set);
	if (!s || !*s)
		return cpulist_fail(set, why, "empty CPU list");
	for (;;) {
		lo = hi = parse_cpu(&p);
		if (lo >= 0 && *p == '-') {
			p++;
			hi = parse_cpu(&p);
		}
		if (lo == -2 || hi == -2)
			return cpulist_fail(set, why, "CPU number too large");
		if (lo < 0 || hi < 0)
			return cpulist_fail(set, why, "expected a CPU number");
		if (hi < lo)
			return cpulist_fail(set, why, "CPU range goes backwards");
		for (; lo <= hi; lo++)
			CPU_SET(lo, set);
		if (!*p)
			return 0;
		if (*p++ != ',')
			return cpulist_fail(set, why, "expected ',' or '-' after a CPU");
	}
}

char *rt_cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t off = 0;
	int cpu, last, n;

	if (!len)
		return buf;
	buf[0] = 0;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, set))
			continue;
		for (last = cpu; last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set); last++)
			;
		if (last > cpu)
			n = snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", cpu, last);
		else
			n = snprintf(buf + off, len - off, "%s%d", off ? "," : "", cpu);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
		cpu = last;
	}
	return buf;
}

/* dst = a minus b (cpu_set has no and-not) */
static void cpuset_minus(cpu_set_t *dst, const cpu_set_t *a, const cpu_set_t *b)
{
	cpu_set_t common;

	CPU_AND(&common, a, b);
	CPU_XOR(dst, a, &common);
}

static bool cpusets_meet(const cpu_set_t *a, const cpu_set_t *b)
{
	cpu_set_t common;

	CPU_AND(&common, a, b);
	return CPU_COUNT(&common) > 0;
}

static int first_cpu(const cpu_set_t *set)
{
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			return cpu;
	return -1;
}

/* Every CPU some tracked task may run on. */
static void tasks_union(const struct rt_hk_input *in, cpu_set_t *used)
{
	int i;

	CPU_ZERO(used);
	for (i = 0; i < in->ntasks; i++)
		CPU_OR(used, used, &in->task_masks[i]);
}

/* The usage that decides: the RT tasks', when they used any CPU. */
static const uint64_t *deciding_usage(const struct rt_hk_input *in)
{
	int cpu;

	for (cpu = 0; in->usage_rt_ns && cpu < CPU_SETSIZE; cpu++)
		if (in->usage_rt_ns[cpu])
			return in->usage_rt_ns;
	return in->usage_ns;
}

/* Is CPU a a better place for rttrace than CPU b (b < a: full ties go to b)? */
static bool better_cpu(const struct rt_hk_input *in, const double *pressure, int a, int b)
{
	const uint64_t *usage = deciding_usage(in);
	uint64_t ua = usage ? usage[a] : 0;
	uint64_t ub = usage ? usage[b] : 0;
	double dp = pressure[a] - pressure[b];

	if (ua != ub)
		return ua < ub;
	/* Without (different) usage, a CPU that tasks share with many others,
	 * or are not allowed on, is less likely to be where they run. */
	if (dp < -PRESSURE_EPSILON || dp > PRESSURE_EPSILON)
		return dp < 0;
	if (!CPU_ISSET(a, &in->avoid) != !CPU_ISSET(b, &in->avoid))
		return !CPU_ISSET(a, &in->avoid);
	return false;
}

enum rt_hk_reason rt_hk_choose(const struct rt_hk_input *in, cpu_set_t *out)
{
	double pressure[CPU_SETSIZE] = { 0 };
	cpu_set_t used, free_cpus, quiet;
	int i, cpu, n, best = -1;

	*out = in->allowed;
	if (CPU_COUNT(&in->allowed) < 2)
		return RT_HK_NONE;
	tasks_union(in, &used);
	cpuset_minus(&free_cpus, &in->allowed, &used);
	if (CPU_COUNT(&free_cpus)) {
		cpuset_minus(&quiet, &free_cpus, &in->avoid);
		*out = CPU_COUNT(&quiet) ? quiet : free_cpus;
		return RT_HK_FREE;
	}
	for (i = 0; i < in->ntasks; i++) {
		n = CPU_COUNT(&in->task_masks[i]);
		for (cpu = 0; n && cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &in->task_masks[i]))
				pressure[cpu] += 1.0 / n;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &in->allowed) &&
		    (best < 0 || better_cpu(in, pressure, cpu, best)))
			best = cpu;
	CPU_ZERO(out);
	CPU_SET(best, out);
	return RT_HK_LEAST_USED;
}

bool rt_hk_should_move(const cpu_set_t *current, enum rt_hk_reason cur_reason,
		       const cpu_set_t *proposed, enum rt_hk_reason new_reason,
		       const struct rt_hk_input *in, uint64_t period_ns)
{
	cpu_set_t used, outside;
	uint64_t cur_ns, new_ns;

	if (cur_reason == RT_HK_USER || new_reason == RT_HK_NONE ||
	    !CPU_COUNT(proposed) || CPU_EQUAL(current, proposed))
		return false;
	tasks_union(in, &used);
	if (cpusets_meet(current, &used) && !cpusets_meet(proposed, &used))
		return true;
	cpuset_minus(&outside, current, &in->allowed);
	if (CPU_COUNT(&outside))
		return true;
	if (cur_reason == RT_HK_LEAST_USED && new_reason == RT_HK_LEAST_USED &&
	    CPU_COUNT(current) == 1 && CPU_COUNT(proposed) == 1 && deciding_usage(in)) {
		/* Usage is noisy: only a clear and sizeable gain is worth a move. */
		cur_ns = deciding_usage(in)[first_cpu(current)];
		new_ns = deciding_usage(in)[first_cpu(proposed)];
		return new_ns * 2 < cur_ns && cur_ns - new_ns > period_ns / 100;
	}
	return true;
}

/* Missing, empty or odd files (some kernels print "(null)" for an unset
 * nohz_full) mean the kernel has nothing to say: an empty set. */
static void read_cpulist_file(const char *path, cpu_set_t *set)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	CPU_ZERO(set);
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \n")] = 0;
		if (*line)
			rt_cpulist_parse(line, set, NULL);
	}
	fclose(f);
}

int rt_hk_read_system(cpu_set_t *allowed, cpu_set_t *avoid)
{
	cpu_set_t online, extra;

	if (sched_getaffinity(0, sizeof(*allowed), allowed))
		return -errno;
	read_cpulist_file("/sys/devices/system/cpu/online", &online);
	/* no (sensible) online list: trust our affinity alone */
	if (cpusets_meet(allowed, &online))
		CPU_AND(allowed, allowed, &online);
	read_cpulist_file("/sys/devices/system/cpu/isolated", avoid);
	read_cpulist_file("/sys/devices/system/cpu/nohz_full", &extra);
	CPU_OR(avoid, avoid, &extra);
	return 0;
}

int rt_hk_task_mask(uint32_t tid, cpu_set_t *mask)
{
	return sched_getaffinity((pid_t)tid, sizeof(*mask), mask) ? -errno : 0;
}

/* ---- per-CPU usage sampler ---- */

struct rt_hk_seen {
	uint32_t tid;
	uint64_t runtime_ns;
};

/* The last sample, sorted by TID. */
struct rt_hk_usage {
	struct rt_hk_seen *seen;
	int n;
};

struct rt_hk_usage *rt_hk_usage_new(void)
{
	return calloc(1, sizeof(struct rt_hk_usage));
}

void rt_hk_usage_free(struct rt_hk_usage *u)
{
	if (u)
		free(u->seen);
	free(u);
}

static int seen_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct rt_hk_seen *)a)->tid;
	uint32_t y = ((const struct rt_hk_seen *)b)->tid;

	return x < y ? -1 : x > y;
}

/* A thread's total CPU time, and (if *cpu < 0) the CPU it last ran on, which
 * stays -1 when the stat line is too short to say.  -1 if the thread is gone. */
static int task_runtime(uint32_t tid, uint64_t *runtime_ns, int *cpu)
{
	char path[64], line[1024], *p, *tok, *save;
	unsigned long long sum = 0, utime = 0, stime = 0;
	bool have_sum = false;
	FILE *f;
	int field;

	/* schedstat has nanoseconds; stat only clock ticks */
	snprintf(path, sizeof(path), "/proc/%u/schedstat", tid);
	f = fopen(path, "r");
	if (f) {
		have_sum = fscanf(f, "%llu", &sum) == 1;
		fclose(f);
	}
	*runtime_ns = sum;
	if (have_sum && *cpu >= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	if (!p)
		return -1;
	/* comm may hold spaces and ')': fields are counted from the last ')',
	 * which is followed by field 3 (state). */
	for (field = STAT_STATE, tok = strtok_r(p + 1, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save), field++) {
		if (field == STAT_UTIME)
			utime = strtoull(tok, NULL, 10);
		else if (field == STAT_STIME)
			stime = strtoull(tok, NULL, 10);
		else if (field == STAT_PROCESSOR && *cpu < 0)
			*cpu = atoi(tok);
	}
	if (!have_sum)
		*runtime_ns = (utime + stime) * 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);
	return 0;
}

void rt_hk_usage_sample(struct rt_hk_usage *u, const uint32_t *tids,
			const cpu_set_t *masks, int n, uint64_t *usage_ns)
{
	struct rt_hk_seen *next, *prev, key;
	int i, cpu, nnext = 0;
	uint64_t now;

	memset(usage_ns, 0, CPU_SETSIZE * sizeof(*usage_ns));
	next = malloc((size_t)(n ? n : 1) * sizeof(*next));
	if (!next)
		return;	/* keep the last sample: the next call can still compare */
	for (i = 0; i < n; i++) {
		cpu = masks && CPU_COUNT(&masks[i]) == 1 ? first_cpu(&masks[i]) : -1;
		if (task_runtime(tids[i], &now, &cpu))
			continue;
		key.tid = tids[i];
		prev = u->n ? bsearch(&key, u->seen, (size_t)u->n, sizeof(key), seen_cmp) : NULL;
		if (prev && now > prev->runtime_ns && cpu >= 0 && cpu < CPU_SETSIZE)
			usage_ns[cpu] += now - prev->runtime_ns;
		next[nnext].tid = tids[i];
		next[nnext++].runtime_ns = now;
	}
	qsort(next, (size_t)nnext, sizeof(*next), seen_cmp);
	free(u->seen);
	u->seen = next;
	u->n = nnext;
}

int rt_hk_apply(const cpu_set_t *set)
{
	/* an empty set is refused by the kernel (EINVAL) */
	return sched_setaffinity(0, sizeof(*set), set) ? -errno : 0;
}

/* ---- placement over a session ---- */

/* The masks of the tasks that still exist, compacted in place with their
 * TIDs; returns how many. */
static int live_masks(uint32_t *tids, cpu_set_t *masks, int n)
{
	int i, live = 0;

	for (i = 0; i < n; i++)
		if (!rt_hk_task_mask(tids[i], &masks[live]))
			tids[live++] = tids[i];
	return live;
}

/* Does tid run under a real-time policy? */
static bool rt_policy(uint32_t tid)
{
	int policy = sched_getscheduler((pid_t)tid);

	if (policy < 0)
		return false;
	policy &= ~SCHED_RESET_ON_FORK;
	return policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE;
}

/* Usage is read from /proc, two files a task: a thread pool of thousands
 * would make each look take long (and delay what the loop does besides),
 * so the tasks without an RT policy are sampled only when there is no RT
 * one, and then at most this many. */
#define RT_HK_SAMPLE_MAX 128

/* Sample the usage that will decide (see rt_hk_input.usage_rt_ns). */
static void sample_usage(struct rt_housekeeper *h, const uint32_t *live, const cpu_set_t *masks,
			 int n, struct rt_hk_input *in)
{
	uint32_t *rt_tids = malloc((size_t)(n ? n : 1) * sizeof(*rt_tids));
	cpu_set_t *rt_masks = malloc((size_t)(n ? n : 1) * sizeof(*rt_masks));
	int i, nrt = 0;

	for (i = 0; rt_tids && rt_masks && i < n; i++)
		if (rt_policy(live[i])) {
			rt_tids[nrt] = live[i];
			rt_masks[nrt++] = masks[i];
		}
	if (nrt) {
		rt_hk_usage_sample(h->usage_rt, rt_tids, rt_masks, nrt, h->usage_rt_ns);
		in->usage_rt_ns = h->usage_rt_ns;
	} else if (rt_tids && rt_masks) {
		rt_hk_usage_sample(h->usage, live, masks, n < RT_HK_SAMPLE_MAX ? n : RT_HK_SAMPLE_MAX,
				   h->usage_ns);
		in->usage_ns = h->usage_ns;
	}
	free(rt_tids);
	free(rt_masks);
}

/* Choose for the tasks tids (copied: live_masks compacts them).  Usage is
 * sampled only when the masks leave no CPU free of tracked tasks. */
static enum rt_hk_reason choose_for(struct rt_housekeeper *h, const uint32_t *tids, int n,
				    bool use_usage, cpu_set_t *out, struct rt_hk_input *in)
{
	uint32_t *live = malloc((size_t)(n ? n : 1) * sizeof(*live));
	cpu_set_t *masks = malloc((size_t)(n ? n : 1) * sizeof(*masks));
	enum rt_hk_reason r;

	memset(in, 0, sizeof(*in));
	in->allowed = h->allowed;
	in->avoid = h->avoid;
	if (!live || !masks) {
		free(live);
		free(masks);
		*out = h->current;
		return h->reason;
	}
	memcpy(live, tids, (size_t)n * sizeof(*live));
	in->ntasks = live_masks(live, masks, n);
	in->task_masks = masks;
	r = rt_hk_choose(in, out);
	if (r == RT_HK_LEAST_USED && use_usage && h->usage && h->usage_rt) {
		sample_usage(h, live, masks, in->ntasks, in);
		r = rt_hk_choose(in, out);
	}
	free(live);
	/* in->task_masks stays valid for rt_hk_should_move: freed by the caller */
	return r;
}

/* false when the kernel refused (a cpuset, say): rttrace stays where it
 * was, and ran_on says so */
static bool place(struct rt_housekeeper *h, const cpu_set_t *set, enum rt_hk_reason r)
{
	if (r != RT_HK_NONE && rt_hk_apply(set)) {
		CPU_OR(&h->ran_on, &h->ran_on, &h->current);
		return false;
	}
	h->current = *set;
	h->reason = r;
	CPU_OR(&h->ran_on, &h->ran_on, set);
	return true;
}

int rt_housekeeper_start(struct rt_housekeeper *h, const char *user_cpus,
			 const uint32_t *tids, int n, bool quiet)
{
	struct rt_hk_input in;
	cpu_set_t set, outside, used;
	char a[256], b[256];
	const char *why;
	enum rt_hk_reason r;
	int i;

	memset(h, 0, sizeof(*h));
	h->reason = RT_HK_NONE; /* until a placement took */
	if (rt_hk_read_system(&h->allowed, &h->avoid)) {
		fprintf(stderr, "rttrace: cannot read its own CPU affinity: %s\n", strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	h->current = h->allowed;
	h->usage = rt_hk_usage_new();
	h->usage_ns = calloc(CPU_SETSIZE, sizeof(*h->usage_ns));
	h->usage_rt = rt_hk_usage_new();
	h->usage_rt_ns = calloc(CPU_SETSIZE, sizeof(*h->usage_rt_ns));
	if (!user_cpus) {
		/* the first usage sample only sets the baseline later looks
		 * compare with: a one-shot placement (quiet) needs none */
		r = choose_for(h, tids, n, !quiet, &set, &in);
		free((void *)in.task_masks);
		CPU_ZERO(&h->ran_on);
		place(h, &set, r);
		return 0;
	}
	if (rt_cpulist_parse(user_cpus, &set, &why)) {
		fprintf(stderr, "rttrace: --housekeeping '%s': %s (a CPU list, e.g. 0 or 0-1,4)\n",
			user_cpus, why);
		return RT_EXIT_USAGE;
	}
	cpuset_minus(&outside, &set, &h->allowed);
	if (CPU_COUNT(&outside)) {
		fprintf(stderr, "rttrace: --housekeeping %s: CPU %s is offline or not allowed to "
			"rttrace (it may run on %s)\n", user_cpus,
			rt_cpulist_format(&outside, a, sizeof(a)),
			rt_cpulist_format(&h->allowed, b, sizeof(b)));
		return RT_EXIT_USAGE;
	}
	CPU_ZERO(&used);
	for (i = 0; i < n; i++) {
		cpu_set_t m;

		if (!rt_hk_task_mask(tids[i], &m))
			CPU_OR(&used, &used, &m);
	}
	CPU_AND(&used, &used, &set);
	if (CPU_COUNT(&used) && !quiet)
		fprintf(stderr, "rttrace: warning: --housekeeping %s: tracked tasks may run on CPU %s "
			"too; rttrace may disturb them there\n", user_cpus,
			rt_cpulist_format(&used, a, sizeof(a)));
	CPU_ZERO(&h->ran_on);
	if (!place(h, &set, RT_HK_USER)) {
		fprintf(stderr, "rttrace: --housekeeping %s: the kernel refused: %s\n", user_cpus,
			strerror(errno));
		return RT_EXIT_RUNTIME;
	}
	return 0;
}

void rt_housekeeper_update(struct rt_housekeeper *h, const uint32_t *tids, int n,
			   uint64_t period_ns)
{
	struct rt_hk_input in;
	enum rt_hk_reason r;
	cpu_set_t set;

	if (h->reason == RT_HK_USER || h->reason == RT_HK_NONE)
		return;
	r = choose_for(h, tids, n, true, &set, &in);
	/* Nothing tracked is left (the session is about to end): no reason
	 * to move, and where rttrace ran stays what it was. */
	if (in.ntasks && rt_hk_should_move(&h->current, h->reason, &set, r, &in, period_ns) &&
	    place(h, &set, r)) {
		h->moves++;
		if (h->verbose) {
			char b[256];

			fprintf(stderr, "rttrace: moved to CPU %s (%s, %d tracked tasks)\n",
				rt_cpulist_format(&set, b, sizeof(b)), rt_hk_reason_name(r),
				in.ntasks);
		}
	}
	free((void *)in.task_masks);
}

void rt_housekeeper_free(struct rt_housekeeper *h)
{
	rt_hk_usage_free(h->usage);
	free(h->usage_ns);
	rt_hk_usage_free(h->usage_rt);
	free(h->usage_rt_ns);
	h->usage = h->usage_rt = NULL;
	h->usage_ns = h->usage_rt_ns = NULL;
}
