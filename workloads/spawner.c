// SPDX-License-Identifier: GPL-2.0
/*
 * spawner - main thread sleeps --delay, then creates --threads worker threads
 * that each run a periodic loop (--period/--busy, absolute deadlines) until
 * the end. Tests that a tracer picks up threads created after it started.
 */
#include "common.h"

static const char usage_text[] =
"Usage: spawner [options]\n"
"Main sleeps --delay, then spawns periodic worker threads.\n"
"  -d, --duration D        total run time incl. the delay (default 5s)\n"
"  -n, --iterations N      each worker stops after N iterations (no time limit unless -d)\n"
"      --delay D           delay before creating the workers (default 1s)\n"
"      --threads N         number of workers, 1..256 (default 1)\n"
"      --period P          worker period (default 10ms)\n"
"      --busy B            worker busy time per period (default 2ms)\n"
"      --policy fifo|rr|other  worker policy (default other; main stays SCHED_OTHER)\n"
"      --prio N            worker RT priority 1..99 (default 50 with fifo/rr)\n"
"      --cpu N             pin workers to CPU N\n"
"      --busy-wall         busy loops count wall time (default: only time actually spinning)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T' at start, 'tid worker=T' per worker when it starts,\n"
"one JSON summary line at exit.\n";

enum { OPT_DELAY = 1000, OPT_THREADS, OPT_PERIOD, OPT_BUSY };

/* with -h/-d/-n, --policy/--prio/--cpu, --busy-wall of common.h */
static const struct option longopts[] = {
	{ "delay", required_argument, 0, OPT_DELAY },
	{ "threads", required_argument, 0, OPT_THREADS },
	{ "period", required_argument, 0, OPT_PERIOD },
	{ "busy", required_argument, 0, OPT_BUSY },
	{ 0, 0, 0, 0 },
};

struct worker {
	pthread_t th;
	int index;
	pid_t tid;
	long long iterations;
	int64_t busy_ns;
	struct tstat wake;
};

static struct sched_cfg g_cfg = SCHED_CFG_DEFAULT;
static struct limits g_lim = LIMITS_DEFAULT;
static int64_t g_period = 10 * NSEC_PER_MSEC, g_busy = 2 * NSEC_PER_MSEC, g_end;
static atomic_int g_done;
static pthread_mutex_t g_out_lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	sched_apply("worker", &g_cfg);
	w->tid = get_tid();
	pthread_mutex_lock(&g_out_lock);
	printf("tid worker=%d\n", (int)w->tid);
	fflush(stdout);
	pthread_mutex_unlock(&g_out_lock);

	int64_t next = now_ns();
	while (!stopping() && !limits_iter_done(&g_lim, w->iterations)) {
		if (next > g_end)
			break;
		if (w->iterations > 0) {
			if (sleep_until(next))
				break;
			stat_add(&w->wake, now_ns() - next);
		}
		w->busy_ns += busy_for(g_busy, NULL);
		w->iterations++;
		next += g_period;
	}
	atomic_fetch_add(&g_done, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	int64_t delay = NSEC_PER_SEC;
	int nthreads = 1, c;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
				 .shared = WL_ITERATIONS | WL_SCHED | WL_BUSY_WALL,
				 .lim = &g_lim, .sched = &g_cfg };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_DELAY: delay = opt_duration(optarg, "--delay"); break;
		case OPT_THREADS: nthreads = (int)opt_int(optarg, "--threads", 1, 256); break;
		case OPT_PERIOD: g_period = opt_duration_pos(optarg, "--period"); break;
		case OPT_BUSY: g_busy = opt_duration(optarg, "--busy"); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);

	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	if (!w)
		fatal("out of memory");

	setup_signals();
	maybe_mlockall(sched_is_rt(&g_cfg));
	printf("tid main=%d\n", (int)get_tid());
	fflush(stdout);

	int64_t start = now_ns();
	g_end = limits_end(&g_lim, start);
	int created = 0, rc = 0;
	int64_t spawn_delay = -1;

	if (sleep_until(start + delay) == 0) {
		spawn_delay = now_ns() - start;
		for (int i = 0; i < nthreads; i++) {
			w[i].index = i;
			int r = create_thread(&w[i].th, NULL, worker_fn, &w[i]);
			if (r) {
				fprintf(stderr, "%s: error: pthread_create: %s\n", g_prog, strerror(r));
				rc = 1;
				request_stop();
				break;
			}
			created++;
		}
	}

	/* wait for the end / a signal / all workers finished (iterations) */
	while (!stopping() && atomic_load(&g_done) < created) {
		int64_t t = now_ns() + 20 * NSEC_PER_MSEC;
		if (g_end != TIME_INF && g_end < t)
			t = g_end;
		if (sleep_until(t))
			break;
		if (g_end != TIME_INF && now_ns() >= g_end)
			break;
	}
	request_stop();
	for (int i = 0; i < created; i++)
		pthread_join(w[i].th, NULL);
	int64_t elapsed = now_ns() - start;

	long long iters = 0;
	int64_t busy = 0;
	struct tstat wake = { 0 };
	for (int i = 0; i < created; i++) {
		iters += w[i].iterations;
		busy += w[i].busy_ns;
		stat_merge(&wake, &w[i].wake);
	}
	printf("{\"program\":\"spawner\",\"threads\":%d,\"spawn_delay_ns\":%lld,\"iterations\":%lld,"
	       "\"period_ns\":%lld,\"busy_ns\":%lld,\"max_wake_delay_ns\":%lld,\"avg_wake_delay_ns\":%lld,"
	       "\"worker_tids\":[",
	       created, (long long)spawn_delay, iters, (long long)g_period, (long long)busy,
	       stat_max(&wake), stat_avg(&wake));
	for (int i = 0; i < created; i++)
		printf("%s%d", i ? "," : "", (int)w[i].tid);
	printf("],\"policy\":\"%s\",\"prio\":%d,\"elapsed_ns\":%lld}\n",
	       policy_name(g_cfg.policy), g_cfg.prio, (long long)elapsed);
	fflush(stdout);
	free(w);
	return rc;
}
