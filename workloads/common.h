/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - shared helpers for the rttrace workload programs.
 *
 * Header-only (everything is static) so every workload builds with
 *   cc -O2 -Wall -Wextra -pthread -fno-omit-frame-pointer -o OUT workloads/X.c
 * (-fno-omit-frame-pointer: rttrace walks user stacks by frame pointers).
 * Portable C11 + pthreads + glibc; no architecture-specific code.
 *
 * Time base: CLOCK_MONOTONIC nanoseconds (same clock as bpf_ktime_get_ns()).
 */
#ifndef RTTRACE_WORKLOADS_COMMON_H
#define RTTRACE_WORKLOADS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../src/duration.h"	/* the duration parser shared with rttrace */

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_MSEC 1000000LL
#define NSEC_PER_SEC  1000000000LL
#define TIME_INF      INT64_MAX

static const char *g_prog = "workload";

/* Set by SIGINT/SIGTERM (or by the program itself to stop all threads). */
static atomic_int g_stop;

static inline int stopping(void)
{
	return atomic_load_explicit(&g_stop, memory_order_relaxed);
}

static inline void request_stop(void)
{
	atomic_store(&g_stop, 1);
}

/* ------------------------------------------------------------------ */
/* errors                                                              */

static inline void set_prog_name(const char *argv0)
{
	const char *s = strrchr(argv0, '/');
	g_prog = s ? s + 1 : argv0;
}

/* Bad command line: one line on stderr, exit 2. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: error: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	exit(2);
}

/* Runtime failure: one line on stderr, exit 1. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void fatal(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: error: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * Handle getopt_long's error returns. Use an optstring starting with ':'
 * and set opterr = 0 so that we print exactly one line.
 */
__attribute__((noreturn))
static inline void getopt_fail(int c, char **argv)
{
	const char *arg = (optind > 0 && argv[optind - 1]) ? argv[optind - 1] : "?";
	if (c == ':')
		usage_error("option '%s' requires an argument", arg);
	/* optopt is the bad short option; for "--long=arg" given to an
	 * option without argument it is that option's id: print the arg */
	if (optopt && optopt != '?' && strncmp(arg, "--", 2))
		usage_error("unknown option '-%c'", optopt);
	usage_error("unknown option '%s'", arg);
}

static inline void no_extra_args(int argc, char **argv)
{
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

/* ------------------------------------------------------------------ */
/* argument parsing                                                    */

/*
 * Duration: <number>[unit], bare number = ms. Decimals allowed ("0.5ms",
 * "1.5s"). Must be >= 0. The parser is rttrace's own (src/duration.h,
 * header-only): units ns, us (or µs), ms, s, m, h.
 */
static inline int parse_duration_ns(const char *s, int64_t *out)
{
	const char *why;
	uint64_t ns;

	if (rt_parse_duration_unit(s, RT_NSEC_PER_MSEC, &ns, &why) || ns > 4000000000000000000ULL)
		return -1;
	*out = (int64_t)ns;
	return 0;
}

static inline int64_t opt_duration(const char *arg, const char *optname)
{
	int64_t v;
	if (parse_duration_ns(arg, &v))
		usage_error("invalid duration '%s' for %s (use e.g. 500us, 10ms, 1.5s; bare number = ms)",
			    arg, optname);
	return v;
}

static inline int64_t opt_duration_pos(const char *arg, const char *optname)
{
	int64_t v = opt_duration(arg, optname);
	if (v <= 0)
		usage_error("%s must be > 0 (got '%s')", optname, arg);
	return v;
}

static inline long long opt_int(const char *arg, const char *optname, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	/* base 10: "010" is ten, not octal eight; no leading blanks */
	v = strtoll(arg, &end, 10);
	if (end == arg || *end || errno || isspace((unsigned char)*arg))
		usage_error("invalid integer '%s' for %s", arg, optname);
	if (v < min || v > max)
		usage_error("%s must be in [%lld, %lld] (got %lld)", optname, min, max, v);
	return v;
}

/* ------------------------------------------------------------------ */
/* time                                                                */

static inline int64_t ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static inline struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts.tv_nsec = (long)(ns % NSEC_PER_SEC);
	return ts;
}

/* CLOCK_MONOTONIC via vDSO (no syscall). */
static inline int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_to_ns(&ts);
}

/*
 * Absolute sleep until CLOCK_MONOTONIC time abs_ns.
 * Returns 0 when the deadline was reached, -1 if a stop was requested.
 */
static inline int sleep_until(int64_t abs_ns)
{
	struct timespec ts = ns_to_ts(abs_ns);
	for (;;) {
		if (stopping())
			return -1;
		int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (r == 0)
			return stopping() ? -1 : 0;
		if (r != EINTR)
			fatal("clock_nanosleep: %s", strerror(r));
	}
}

/*
 * Relative sleep of rel_ns (one clock_nanosleep call, restarted with the
 * remaining time on EINTR). Returns 0, or -1 if a stop was requested.
 */
static inline int sleep_rel(int64_t rel_ns)
{
	struct timespec ts = ns_to_ts(rel_ns), rem;
	for (;;) {
		if (stopping())
			return -1;
		int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem);
		if (r == 0)
			return stopping() ? -1 : 0;
		if (r != EINTR)
			fatal("clock_nanosleep: %s", strerror(r));
		ts = rem;
	}
}

/*
 * Busy loop polling CLOCK_MONOTONIC.
 *
 * Default ("work" mode): counts only time we were actually spinning. A gap
 * larger than BUSY_GAP_NS between two consecutive clock reads is assumed to
 * be a preemption (or a long interrupt / vCPU steal) and is NOT counted, so
 * busy_for(2ms) represents ~2 ms of CPU work and takes longer in wall-clock
 * time if the thread gets preempted.
 * "wall" mode (--busy-wall): spins until ns of wall-clock time passed,
 * preempted or not.
 *
 * Returns counted busy ns; *wall_out (optional) gets the wall-clock time
 * spent. Returns early if a stop is requested.
 */
#define BUSY_GAP_NS (20 * NSEC_PER_USEC)
static int g_busy_wall;

static inline int64_t busy_for(int64_t ns, int64_t *wall_out)
{
	int64_t start = now_ns(), last = start, counted = 0;

	if (ns <= 0) {
		if (wall_out)
			*wall_out = 0;
		return 0;
	}
	if (g_busy_wall) {
		do {
			last = now_ns();
		} while (last - start < ns && !stopping());
		counted = last - start;
	} else {
		while (counted < ns && !stopping()) {
			int64_t t = now_ns();
			int64_t d = t - last;
			if (d < BUSY_GAP_NS)
				counted += d;
			last = t;
		}
	}
	if (wall_out)
		*wall_out = last - start;
	return counted;
}

/* ------------------------------------------------------------------ */
/* statistics                                                          */

struct tstat {
	long long n;
	int64_t sum, max, min;
};

static inline void stat_add(struct tstat *s, int64_t v)
{
	if (s->n == 0 || v > s->max)
		s->max = v;
	if (s->n == 0 || v < s->min)
		s->min = v;
	s->sum += v;
	s->n++;
}

static inline void stat_merge(struct tstat *d, const struct tstat *s)
{
	if (!s->n)
		return;
	if (d->n == 0 || s->max > d->max)
		d->max = s->max;
	if (d->n == 0 || s->min < d->min)
		d->min = s->min;
	d->sum += s->sum;
	d->n += s->n;
}

static inline long long stat_avg(const struct tstat *s)
{
	return s->n ? (long long)(s->sum / s->n) : 0;
}

static inline long long stat_max(const struct tstat *s)
{
	return s->n ? (long long)s->max : 0;
}

/* ------------------------------------------------------------------ */
/* threads, scheduling                                                 */

static inline pid_t get_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

struct sched_cfg {
	int policy;	/* SCHED_OTHER / SCHED_FIFO / SCHED_RR */
	int prio;	/* 0 for SCHED_OTHER, 1..99 for RT */
	int prio_set;
	int cpu;	/* -1 = no pinning */
};

#define SCHED_CFG_DEFAULT { SCHED_OTHER, 0, 0, -1 }

static inline const char *policy_name(int p)
{
	switch (p) {
	case SCHED_FIFO: return "fifo";
	case SCHED_RR: return "rr";
	default: return "other";
	}
}

static inline int opt_policy(const char *arg, const char *optname)
{
	if (!strcasecmp(arg, "fifo") || !strcasecmp(arg, "SCHED_FIFO"))
		return SCHED_FIFO;
	if (!strcasecmp(arg, "rr") || !strcasecmp(arg, "SCHED_RR"))
		return SCHED_RR;
	if (!strcasecmp(arg, "other") || !strcasecmp(arg, "normal") ||
	    !strcasecmp(arg, "SCHED_OTHER"))
		return SCHED_OTHER;
	usage_error("invalid policy '%s' for %s (use fifo, rr or other)", arg, optname);
}

static inline int opt_cpu(const char *arg, const char *optname)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	long long max = (n > 0 && n <= CPU_SETSIZE) ? n - 1 : CPU_SETSIZE - 1;
	return (int)opt_int(arg, optname, 0, max);
}

static inline int opt_prio(const char *arg, const char *optname)
{
	return (int)opt_int(arg, optname, 1, 99);
}

/*
 * Validate policy/prio combination; default_rt_prio is used when an RT
 * policy is selected without a priority. prefix is e.g. "--" or
 * "--notifier-" (for messages).
 */
static inline void sched_cfg_finalize(struct sched_cfg *c, const char *prefix, int default_rt_prio)
{
	if (c->policy == SCHED_OTHER) {
		if (c->prio_set)
			usage_error("%sprio requires %spolicy fifo or rr", prefix, prefix);
		c->prio = 0;
	} else if (!c->prio_set) {
		c->prio = default_rt_prio;
	}
}

static inline int sched_is_rt(const struct sched_cfg *c)
{
	return c->policy == SCHED_FIFO || c->policy == SCHED_RR;
}

/* Apply cfg to the calling thread. Fatal (exit 1) on failure. */
static inline void sched_apply(const char *who, const struct sched_cfg *c)
{
	struct sched_param sp;
	int r;

	if (c->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fatal("%s: cannot pin to cpu %d: %s", who, c->cpu, strerror(errno));
	}
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = c->prio;
	r = pthread_setschedparam(pthread_self(), c->policy, &sp);
	if (r)
		fatal("%s: cannot set policy %s prio %d: %s%s", who, policy_name(c->policy),
		      c->prio, strerror(r), r == EPERM ? " (need root / CAP_SYS_NICE)" : "");
}

/* mlockall when any RT policy is used; failure is ignored. */
static inline void maybe_mlockall(int any_rt)
{
	if (any_rt)
		(void)mlockall(MCL_CURRENT | MCL_FUTURE);
}

static inline void on_stop_signal(int sig)
{
	(void)sig;
	atomic_store(&g_stop, 1);
}

/* SIGINT/SIGTERM -> g_stop; no SA_RESTART so blocking calls return EINTR. */
static inline void setup_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Create a thread with SIGINT/SIGTERM blocked, so the signals are always
 * delivered to the main thread (which is the one that interrupts its sleeps
 * and propagates the stop). Workers poll g_stop every iteration.
 */
static inline int create_thread(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	sigset_t set, old;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = pthread_create(t, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Simple one-shot event (ready/go flags between threads). */
struct event {
	pthread_mutex_t m;
	pthread_cond_t c;
	int count;
};

#define EVENT_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 }

static inline void event_post(struct event *e)
{
	pthread_mutex_lock(&e->m);
	e->count++;
	pthread_cond_broadcast(&e->c);
	pthread_mutex_unlock(&e->m);
}

static inline void event_wait(struct event *e, int count)
{
	pthread_mutex_lock(&e->m);
	while (e->count < count)
		pthread_cond_wait(&e->c, &e->m);
	pthread_mutex_unlock(&e->m);
}

/* Run limits: stop at end_ns (TIME_INF = none) or after max_iter iterations (<0 = none). */
struct limits {
	int64_t duration_ns;
	int duration_set;
	long long iterations;	/* -1 = unlimited */
};

#define LIMITS_DEFAULT { 5 * NSEC_PER_SEC, 0, -1 }

/* --iterations without --duration means "no time limit". */
static inline int64_t limits_end(const struct limits *l, int64_t start_ns)
{
	if (l->iterations >= 0 && !l->duration_set)
		return TIME_INF;
	return start_ns + l->duration_ns;
}

static inline int limits_iter_done(const struct limits *l, long long it)
{
	return l->iterations >= 0 && it >= l->iterations;
}

/* ------------------------------------------------------------------ */
/* the shared command line                                             */

/*
 * Every workload takes -h/--help and -d/--duration D; the options below
 * are shared by the workloads that ask for them (flags in .shared).  A
 * workload lists only its own long options (ids from 1000 up) and handles
 * them in its loop; wl_getopt() handles the shared ones and the errors:
 *
 *	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
 *				 .shared = WL_ITERATIONS | WL_SCHED | WL_BUSY_WALL,
 *				 .lim = &lim, .sched = &cfg };
 *	while ((c = wl_getopt(&cl, argc, argv)) != -1)
 *		switch (c) { case OPT_PERIOD: ...; break; }
 *	wl_getopt_done(&cl, argc, argv);
 */
enum {
	WL_ITERATIONS = 1 << 0,	/* -n/--iterations N (lim->iterations) */
	WL_POLICY     = 1 << 1,	/* --policy, --prio (sched; 50 by default with fifo/rr) */
	WL_CPU        = 1 << 2,	/* --cpu N (sched->cpu, or *cpu when set) */
	WL_BUSY_WALL  = 1 << 3,	/* --busy-wall (g_busy_wall) */
	WL_SCHED      = WL_POLICY | WL_CPU,
};

enum { WL_OPT_POLICY = 900, WL_OPT_PRIO, WL_OPT_CPU, WL_OPT_BUSY_WALL };

#define WL_MAX_OPTS 48

struct wl_cmdline {
	const char *usage;		/* -h prints it to stdout, exit 0 */
	const struct option *own;	/* the workload's own long options */
	unsigned shared;		/* WL_* */
	struct limits *lim;		/* -d, -n */
	struct sched_cfg *sched;	/* --policy, --prio, --cpu */
	int *cpu;			/* --cpu without a sched_cfg (pi_inversion) */
	/* filled by wl_getopt() */
	struct option table[WL_MAX_OPTS];
	char optstring[8];
	int ready;
};

static inline void wl_cmdline_init(struct wl_cmdline *cl, char **argv)
{
	static const struct {
		struct option opt;
		unsigned need;		/* 0: every workload */
	} shared[] = {
		{ { "help", no_argument, 0, 'h' }, 0 },
		{ { "duration", required_argument, 0, 'd' }, 0 },
		{ { "iterations", required_argument, 0, 'n' }, WL_ITERATIONS },
		{ { "policy", required_argument, 0, WL_OPT_POLICY }, WL_POLICY },
		{ { "prio", required_argument, 0, WL_OPT_PRIO }, WL_POLICY },
		{ { "cpu", required_argument, 0, WL_OPT_CPU }, WL_CPU },
		{ { "busy-wall", no_argument, 0, WL_OPT_BUSY_WALL }, WL_BUSY_WALL },
	};
	size_t n = 0, i;

	set_prog_name(argv[0]);
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (!shared[i].need || (cl->shared & shared[i].need))
			cl->table[n++] = shared[i].opt;
	for (const struct option *o = cl->own; o && o->name; o++) {
		if (n + 1 >= WL_MAX_OPTS)
			fatal("too many options (raise WL_MAX_OPTS)");
		cl->table[n++] = *o;
	}
	memset(&cl->table[n], 0, sizeof(cl->table[n]));
	snprintf(cl->optstring, sizeof(cl->optstring), ":hd:%s",
		 (cl->shared & WL_ITERATIONS) ? "n:" : "");
	if (!cl->cpu && cl->sched)
		cl->cpu = &cl->sched->cpu;
	opterr = 0;	/* getopt_fail() prints the one error line */
	cl->ready = 1;
}

/*
 * getopt_long() over the shared and the workload's own options: handles
 * the shared ones, exits on -h and on errors (exit 2), returns the id of
 * the workload's own options, -1 at the end.
 */
static inline int wl_getopt(struct wl_cmdline *cl, int argc, char **argv)
{
	int c;

	if (!cl->ready)
		wl_cmdline_init(cl, argv);
	while ((c = getopt_long(argc, argv, cl->optstring, cl->table, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cl->usage, stdout);
			exit(0);
		case 'd':
			cl->lim->duration_ns = opt_duration_pos(optarg, "--duration");
			cl->lim->duration_set = 1;
			break;
		case 'n':
			cl->lim->iterations = opt_int(optarg, "--iterations", 1, LLONG_MAX);
			break;
		case WL_OPT_POLICY:
			cl->sched->policy = opt_policy(optarg, "--policy");
			break;
		case WL_OPT_PRIO:
			cl->sched->prio = opt_prio(optarg, "--prio");
			cl->sched->prio_set = 1;
			break;
		case WL_OPT_CPU:
			*cl->cpu = opt_cpu(optarg, "--cpu");
			break;
		case WL_OPT_BUSY_WALL:
			g_busy_wall = 1;
			break;
		case ':':
		case '?':
			getopt_fail(c, argv);
		default:
			return c;
		}
	}
	return -1;
}

/* After the loop: no stray arguments; --prio without an RT policy. */
static inline void wl_getopt_done(struct wl_cmdline *cl, int argc, char **argv)
{
	no_extra_args(argc, argv);
	if (cl->shared & WL_POLICY)
		sched_cfg_finalize(cl->sched, "--", 50);
}

#endif /* RTTRACE_WORKLOADS_COMMON_H */
