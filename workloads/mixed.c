// SPDX-License-Identifier: GPL-2.0
/*
 * mixed - "never seen before" workload for differential testing.
 *
 * --threads N worker threads (default 2) plus the main thread acting as a
 * "waker". Every worker iteration draws (from a per-worker PRNG seeded by
 * --seed, so the schedule is a deterministic function of the seed):
 *   period 1-20 ms, busy 0.1-5 ms, an action, an amount 1-20 ms (0.5-15 ms
 * for pipe waits). It then busies, and blocks with the action:
 *   abs      clock_nanosleep(TIMER_ABSTIME) to release + period
 *   nanosleep nanosleep(amount)
 *   poll     poll(NULL, 0, amount in ms)
 *   usleep   usleep(amount)
 *   pipe     ask main to write to the worker's pipe after amount; read() it
 */
#include "common.h"
#include <poll.h>

static const char usage_text[] =
"Usage: mixed [options]\n"
"Seeded pseudo-random mix of busy/sleep/block patterns on worker threads;\n"
"the main thread writes the pipes that workers block on.\n"
"  -d, --duration D        run time (default 5s)\n"
"  -n, --iterations N      each worker stops after N iterations (no time limit unless -d)\n"
"      --seed S            PRNG seed (default 1)\n"
"      --threads N         number of workers, 1..8 (default 2)\n"
"      --policy fifo|rr|other  policy of all threads incl. main (default other)\n"
"      --prio N            RT priority 1..99 (default 50 with fifo/rr)\n"
"      --cpu N             pin all threads to CPU N\n"
"      --log FILE          write a per-iteration CSV log (ground truth) at exit\n"
"      --busy-wall         busy loops count wall time (default: only time actually spinning)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T worker0=T worker1=T ...' at start, one JSON summary line at exit.\n";

enum { OPT_SEED = 1000, OPT_THREADS, OPT_LOG };

/* with -h/-d/-n, --policy/--prio/--cpu, --busy-wall of common.h */
static const struct option longopts[] = {
	{ "seed", required_argument, 0, OPT_SEED },
	{ "threads", required_argument, 0, OPT_THREADS },
	{ "log", required_argument, 0, OPT_LOG },
	{ 0, 0, 0, 0 },
};

enum { A_ABS, A_NANOSLEEP, A_POLL, A_USLEEP, A_PIPE, NACT };
static const char *const act_names[NACT] = { "abs", "nanosleep", "poll", "usleep", "pipe" };

#define MAX_WORKERS 8

struct rec {
	long long iter;
	int64_t start, busy_end, wake, intended;
	int64_t period, busy;
	int action;
};

struct worker {
	pthread_t th;
	int idx;
	pid_t tid;
	uint64_t rng;
	int pipefd[2];
	/* results */
	long long iterations, acts[NACT];
	int64_t busy_ns, block_ns;
	struct tstat abs_wake, pipe_wake;
	struct rec *log;
	size_t nlog, caplog;
};

static struct worker g_w[MAX_WORKERS];
static int g_nw = 2;
static struct sched_cfg g_cfg = SCHED_CFG_DEFAULT;
static struct limits g_lim = LIMITS_DEFAULT;
static int64_t g_end, g_t0;
static int g_logging;
static struct event g_ready = EVENT_INIT, g_go = EVENT_INIT;
static atomic_int g_done;

/* waker requests: deadline per worker (0 = none), protected by g_m */
static pthread_mutex_t g_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static int64_t g_req[MAX_WORKERS];

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int64_t rnd_range_us(uint64_t *s, int64_t lo_us, int64_t hi_us)
{
	return (lo_us + (int64_t)(splitmix64(s) % (uint64_t)(hi_us - lo_us + 1))) * NSEC_PER_USEC;
}

static void log_rec(struct worker *w, const struct rec *r)
{
	if (!g_logging)
		return;
	if (w->nlog == w->caplog) {
		size_t nc = w->caplog ? w->caplog * 2 : 1024;
		struct rec *p = realloc(w->log, nc * sizeof(*p));
		if (!p)
			return;
		w->log = p;
		w->caplog = nc;
	}
	w->log[w->nlog++] = *r;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	sched_apply("worker", &g_cfg);
	w->tid = get_tid();
	if (g_logging) {	/* preallocate: keep page faults out of the first iterations */
		w->caplog = 8192;
		w->log = calloc(w->caplog, sizeof(*w->log));
		if (!w->log)
			w->caplog = 0;
	}
	event_post(&g_ready);
	event_wait(&g_go, 1);

	int64_t release = g_t0;
	if (sleep_until(release))
		goto out;
	while (!stopping() && !limits_iter_done(&g_lim, w->iterations) && now_ns() < g_end) {
		struct rec r = { 0 };
		/* fixed number of draws per iteration: schedule depends only on the seed */
		r.period = rnd_range_us(&w->rng, 1000, 20000);
		r.busy = rnd_range_us(&w->rng, 100, 5000);
		r.action = (int)(splitmix64(&w->rng) % NACT);
		int64_t amt = rnd_range_us(&w->rng, 1000, 20000);
		int64_t pipe_delay = rnd_range_us(&w->rng, 500, 15000);
		r.iter = w->iterations;
		r.start = now_ns();

		w->busy_ns += busy_for(r.busy, NULL);
		r.busy_end = now_ns();

		switch (r.action) {
		case A_ABS:
			release += r.period;
			if (release < r.busy_end)
				release = r.busy_end;	/* overrun: do not try to catch up */
			r.intended = release;
			if (sleep_until(release))
				goto out;
			break;
		case A_NANOSLEEP: {
			struct timespec ts = ns_to_ts(amt);
			r.intended = r.busy_end + amt;
			while (nanosleep(&ts, &ts) && errno == EINTR && !stopping())
				;
			break;
		}
		case A_POLL: {
			int ms = (int)(amt / NSEC_PER_MSEC);
			r.intended = r.busy_end + ms * NSEC_PER_MSEC;
			poll(NULL, 0, ms);
			break;
		}
		case A_USLEEP:
			r.intended = r.busy_end + amt;
			usleep((useconds_t)(amt / NSEC_PER_USEC));
			break;
		case A_PIPE: {
			char b;
			r.intended = r.busy_end + pipe_delay;
			pthread_mutex_lock(&g_m);
			g_req[w->idx] = r.intended;
			pthread_cond_signal(&g_cv);
			pthread_mutex_unlock(&g_m);
			while (read(w->pipefd[0], &b, 1) < 0 && errno == EINTR)
				;
			break;
		}
		}
		r.wake = now_ns();
		w->block_ns += r.wake - r.busy_end;
		if (stopping())
			break;
		if (r.action == A_ABS)
			stat_add(&w->abs_wake, r.wake - r.intended);
		else
			release = r.wake;
		if (r.action == A_PIPE)
			stat_add(&w->pipe_wake, r.wake - r.intended);
		w->acts[r.action]++;
		w->iterations++;
		log_rec(w, &r);
	}
out:
	atomic_fetch_add(&g_done, 1);
	pthread_mutex_lock(&g_m);
	pthread_cond_signal(&g_cv);
	pthread_mutex_unlock(&g_m);
	return NULL;
}

static void write_log(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: error: cannot write log '%s': %s\n", g_prog, path, strerror(errno));
		return;
	}
	fprintf(f, "tid,iter,action,period_ns,busy_ns,start_ns,busy_end_ns,intended_wake_ns,wake_ns\n");
	for (int i = 0; i < g_nw; i++) {
		struct worker *w = &g_w[i];
		for (size_t k = 0; k < w->nlog; k++) {
			struct rec *r = &w->log[k];
			fprintf(f, "%d,%lld,%s,%lld,%lld,%lld,%lld,%lld,%lld\n", (int)w->tid, r->iter,
				act_names[r->action], (long long)r->period, (long long)r->busy,
				(long long)r->start, (long long)r->busy_end, (long long)r->intended,
				(long long)r->wake);
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1;
	const char *log_path = NULL;
	int c;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
				 .shared = WL_ITERATIONS | WL_SCHED | WL_BUSY_WALL,
				 .lim = &g_lim, .sched = &g_cfg };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_SEED: seed = (unsigned long long)opt_int(optarg, "--seed", 0, LLONG_MAX); break;
		case OPT_THREADS: g_nw = (int)opt_int(optarg, "--threads", 1, MAX_WORKERS); break;
		case OPT_LOG: log_path = optarg; g_logging = 1; break;
		}
	}
	wl_getopt_done(&cl, argc, argv);

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g_cv, &ca);

	setup_signals();
	maybe_mlockall(sched_is_rt(&g_cfg));
	sched_apply("main", &g_cfg);

	for (int i = 0; i < g_nw; i++) {
		struct worker *w = &g_w[i];
		w->idx = i;
		w->rng = seed * 0x100000001B3ULL + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
		if (pipe(w->pipefd))
			fatal("pipe: %s", strerror(errno));
		int r = create_thread(&w->th, NULL, worker_fn, w);
		if (r)
			fatal("pthread_create: %s", strerror(r));
	}
	event_wait(&g_ready, g_nw);
	printf("tid main=%d", (int)get_tid());
	for (int i = 0; i < g_nw; i++)
		printf(" worker%d=%d", i, (int)g_w[i].tid);
	printf("\n");
	fflush(stdout);

	int64_t start = now_ns();
	g_end = limits_end(&g_lim, start);
	g_t0 = start + NSEC_PER_MSEC;
	event_post(&g_go);

	/* waker loop: write each worker's pipe at its requested deadline */
	long long writes = 0;
	pthread_mutex_lock(&g_m);
	while (!stopping() && atomic_load(&g_done) < g_nw) {
		int64_t t = now_ns();
		if (t >= g_end)
			break;
		int64_t wake = t + 20 * NSEC_PER_MSEC;	/* bounded: notice signals */
		if (g_end < wake)
			wake = g_end;
		int due = -1;
		for (int i = 0; i < g_nw; i++) {
			if (!g_req[i])
				continue;
			if (g_req[i] <= t) {
				due = i;
				break;
			}
			if (g_req[i] < wake)
				wake = g_req[i];
		}
		if (due >= 0) {
			g_req[due] = 0;
			pthread_mutex_unlock(&g_m);
			char b = 'x';
			if (write(g_w[due].pipefd[1], &b, 1) == 1)
				writes++;
			pthread_mutex_lock(&g_m);
			continue;
		}
		struct timespec ts = ns_to_ts(wake);
		pthread_cond_timedwait(&g_cv, &g_m, &ts);
	}
	pthread_mutex_unlock(&g_m);

	request_stop();
	for (int i = 0; i < g_nw; i++) {
		char b = 'q';
		if (write(g_w[i].pipefd[1], &b, 1) != 1)	/* unblock a pending read */
			fprintf(stderr, "%s: warning: pipe write failed\n", g_prog);
	}
	for (int i = 0; i < g_nw; i++)
		pthread_join(g_w[i].th, NULL);
	int64_t elapsed = now_ns() - start;

	long long iters = 0, acts[NACT] = { 0 };
	int64_t busy = 0;
	struct tstat absw = { 0 }, pipew = { 0 };
	for (int i = 0; i < g_nw; i++) {
		iters += g_w[i].iterations;
		busy += g_w[i].busy_ns;
		for (int a = 0; a < NACT; a++)
			acts[a] += g_w[i].acts[a];
		stat_merge(&absw, &g_w[i].abs_wake);
		stat_merge(&pipew, &g_w[i].pipe_wake);
	}
	printf("{\"program\":\"mixed\",\"seed\":%llu,\"threads\":%d,\"iterations\":%lld,\"busy_ns\":%lld,",
	       seed, g_nw, iters, (long long)busy);
	for (int a = 0; a < NACT; a++)
		printf("\"%s\":%lld,", act_names[a], acts[a]);
	printf("\"pipe_writes\":%lld,\"max_wake_delay_ns\":%lld,\"avg_wake_delay_ns\":%lld,"
	       "\"max_pipe_wake_ns\":%lld,\"avg_pipe_wake_ns\":%lld,\"per_thread\":[",
	       writes, stat_max(&absw), stat_avg(&absw), stat_max(&pipew), stat_avg(&pipew));
	for (int i = 0; i < g_nw; i++) {
		struct worker *w = &g_w[i];
		printf("%s{\"tid\":%d,\"iterations\":%lld,\"busy_ns\":%lld,\"block_ns\":%lld",
		       i ? "," : "", (int)w->tid, w->iterations, (long long)w->busy_ns,
		       (long long)w->block_ns);
		for (int a = 0; a < NACT; a++)
			printf(",\"%s\":%lld", act_names[a], w->acts[a]);
		printf("}");
	}
	printf("],\"policy\":\"%s\",\"prio\":%d,\"elapsed_ns\":%lld}\n",
	       policy_name(g_cfg.policy), g_cfg.prio, (long long)elapsed);
	fflush(stdout);

	if (log_path)
		write_log(log_path);
	for (int i = 0; i < g_nw; i++)
		free(g_w[i].log);
	return 0;
}
