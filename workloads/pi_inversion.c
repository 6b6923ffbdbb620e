// SPDX-License-Identifier: GPL-2.0
/*
 * pi_inversion - classic priority inversion, all threads SCHED_FIFO on one CPU.
 *
 *   H (prio 90): every --period: busy --high-busy, lock, unlock, abs sleep.
 *   M (prio 50): every --period, offset --medium-offset: busy --medium-busy.
 *   L (prio 10): lock, busy --low-hold, unlock, sleep --low-sleep, repeat.
 *
 * Without --pi, H can wait for the lock while M runs (unbounded inversion):
 * lock wait up to low-hold + medium-busy. With --pi (PTHREAD_PRIO_INHERIT)
 * L is boosted and H waits at most ~low-hold.
 */
#include "common.h"

static const char usage_text[] =
"Usage: pi_inversion [options]\n"
"Priority inversion: threads high/medium/low, SCHED_FIFO, pinned to one CPU. Needs root.\n"
"  -d, --duration D        run time (default 5s)\n"
"  -n, --iterations N      stop after N high-thread iterations (no time limit unless -d)\n"
"      --pi                use a PTHREAD_PRIO_INHERIT mutex (default: PTHREAD_PRIO_NONE)\n"
"      --cpu N             CPU for all three threads (default 1, or 0 on a 1-CPU system)\n"
"      --high-prio N       (default 90)\n"
"      --medium-prio N     (default 50)\n"
"      --low-prio N        (default 10)\n"
"      --period P          period of high and medium (default 10ms)\n"
"      --high-busy B       high: busy before taking the lock (default 1ms)\n"
"      --medium-busy B     medium: busy per period (default 5ms)\n"
"      --medium-offset O   medium wakes O after high's release (default 0.5ms)\n"
"      --low-hold B        low: busy while holding the lock (default 3ms)\n"
"      --low-sleep S       low: sleep after unlocking (default 1ms)\n"
"      --busy-wall         busy loops count wall time (default: only time actually spinning)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T high=T medium=T low=T' at start, one JSON summary line at exit.\n";

enum { OPT_PI = 1000, OPT_HPRIO, OPT_MPRIO, OPT_LPRIO, OPT_PERIOD, OPT_HBUSY,
       OPT_MBUSY, OPT_MOFF, OPT_LHOLD, OPT_LSLEEP };

/* with -h/-d/-n, --cpu, --busy-wall of common.h (no --policy/--prio) */
static const struct option longopts[] = {
	{ "pi", no_argument, 0, OPT_PI },
	{ "high-prio", required_argument, 0, OPT_HPRIO },
	{ "medium-prio", required_argument, 0, OPT_MPRIO },
	{ "low-prio", required_argument, 0, OPT_LPRIO },
	{ "period", required_argument, 0, OPT_PERIOD },
	{ "high-busy", required_argument, 0, OPT_HBUSY },
	{ "medium-busy", required_argument, 0, OPT_MBUSY },
	{ "medium-offset", required_argument, 0, OPT_MOFF },
	{ "low-hold", required_argument, 0, OPT_LHOLD },
	{ "low-sleep", required_argument, 0, OPT_LSLEEP },
	{ 0, 0, 0, 0 },
};

enum { HIGH, MEDIUM, LOW, NTH };
static const char *const names[NTH] = { "high", "medium", "low" };

static pthread_mutex_t g_lock;
static struct sched_cfg g_cfg[NTH];
static struct limits g_lim = LIMITS_DEFAULT;
static int64_t g_period = 10 * NSEC_PER_MSEC, g_hbusy = 1 * NSEC_PER_MSEC,
	       g_mbusy = 5 * NSEC_PER_MSEC, g_moff = NSEC_PER_MSEC / 2,
	       g_lhold = 3 * NSEC_PER_MSEC, g_lsleep = 1 * NSEC_PER_MSEC;
static int64_t g_t0, g_end;
static struct event g_ready = EVENT_INIT, g_go = EVENT_INIT;
static pid_t g_tid[NTH];

/* results */
static long long g_iters[NTH];
static int64_t g_busy[NTH];
static struct tstat g_lock_wait, g_hresp, g_hwake;
static long long g_long_waits;

static void thread_setup(int who)
{
	sched_apply(names[who], &g_cfg[who]);
	g_tid[who] = get_tid();
	event_post(&g_ready);
	event_wait(&g_go, 1);
}

static void *high_fn(void *arg)
{
	(void)arg;
	thread_setup(HIGH);
	int64_t next = g_t0;
	while (!stopping() && !limits_iter_done(&g_lim, g_iters[HIGH]) && next <= g_end) {
		if (sleep_until(next))
			break;
		int64_t rel = next;
		stat_add(&g_hwake, now_ns() - rel);
		g_busy[HIGH] += busy_for(g_hbusy, NULL);
		int64_t t = now_ns();
		pthread_mutex_lock(&g_lock);
		int64_t wait = now_ns() - t;
		pthread_mutex_unlock(&g_lock);
		stat_add(&g_lock_wait, wait);
		if (wait > g_lhold + NSEC_PER_MSEC / 2)
			g_long_waits++;
		stat_add(&g_hresp, now_ns() - rel);
		g_iters[HIGH]++;
		next += g_period;
	}
	request_stop();	/* iterations done: stop the others too */
	return NULL;
}

static void *medium_fn(void *arg)
{
	(void)arg;
	thread_setup(MEDIUM);
	int64_t next = g_t0 + g_moff;
	while (!stopping() && next <= g_end) {
		if (sleep_until(next))
			break;
		g_busy[MEDIUM] += busy_for(g_mbusy, NULL);
		g_iters[MEDIUM]++;
		next += g_period;
	}
	return NULL;
}

static void *low_fn(void *arg)
{
	(void)arg;
	thread_setup(LOW);
	if (sleep_until(g_t0))
		return NULL;
	while (!stopping() && now_ns() < g_end) {
		pthread_mutex_lock(&g_lock);
		g_busy[LOW] += busy_for(g_lhold, NULL);
		pthread_mutex_unlock(&g_lock);
		g_iters[LOW]++;
		if (sleep_rel(g_lsleep))
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int pi = 0, cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, c;
	int prio[NTH] = { 90, 50, 10 };
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
				 .shared = WL_ITERATIONS | WL_CPU | WL_BUSY_WALL,
				 .lim = &g_lim, .cpu = &cpu };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_PI: pi = 1; break;
		case OPT_HPRIO: prio[HIGH] = opt_prio(optarg, "--high-prio"); break;
		case OPT_MPRIO: prio[MEDIUM] = opt_prio(optarg, "--medium-prio"); break;
		case OPT_LPRIO: prio[LOW] = opt_prio(optarg, "--low-prio"); break;
		case OPT_PERIOD: g_period = opt_duration_pos(optarg, "--period"); break;
		case OPT_HBUSY: g_hbusy = opt_duration(optarg, "--high-busy"); break;
		case OPT_MBUSY: g_mbusy = opt_duration(optarg, "--medium-busy"); break;
		case OPT_MOFF: g_moff = opt_duration(optarg, "--medium-offset"); break;
		case OPT_LHOLD: g_lhold = opt_duration(optarg, "--low-hold"); break;
		case OPT_LSLEEP: g_lsleep = opt_duration(optarg, "--low-sleep"); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);
	if (!(prio[HIGH] > prio[MEDIUM] && prio[MEDIUM] > prio[LOW]))
		usage_error("need --high-prio > --medium-prio > --low-prio (got %d/%d/%d)",
			    prio[HIGH], prio[MEDIUM], prio[LOW]);
	for (int i = 0; i < NTH; i++) {
		g_cfg[i].policy = SCHED_FIFO;
		g_cfg[i].prio = prio[i];
		g_cfg[i].prio_set = 1;
		g_cfg[i].cpu = cpu;
	}

	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	int r = pthread_mutexattr_setprotocol(&ma, pi ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE);
	if (r)
		fatal("pthread_mutexattr_setprotocol: %s", strerror(r));
	pthread_mutex_init(&g_lock, &ma);

	setup_signals();
	maybe_mlockall(1);

	void *(*fns[NTH])(void *) = { high_fn, medium_fn, low_fn };
	pthread_t th[NTH];
	for (int i = 0; i < NTH; i++) {
		r = create_thread(&th[i], NULL, fns[i], NULL);
		if (r)
			fatal("pthread_create: %s", strerror(r));
	}
	event_wait(&g_ready, NTH);
	printf("tid main=%d high=%d medium=%d low=%d\n", (int)get_tid(), (int)g_tid[HIGH],
	       (int)g_tid[MEDIUM], (int)g_tid[LOW]);
	fflush(stdout);

	int64_t start = now_ns();
	g_end = limits_end(&g_lim, start);
	g_t0 = start + 2 * NSEC_PER_MSEC;
	event_post(&g_go);

	/* main (SCHED_OTHER, unpinned) just waits for the end or a signal */
	while (!stopping()) {
		int64_t t = now_ns() + 20 * NSEC_PER_MSEC;
		if (g_end != TIME_INF && g_end < t)
			t = g_end;
		if (sleep_until(t) || (g_end != TIME_INF && now_ns() >= g_end))
			break;
	}
	request_stop();
	for (int i = 0; i < NTH; i++)
		pthread_join(th[i], NULL);
	int64_t elapsed = now_ns() - start;

	printf("{\"program\":\"pi_inversion\",\"pi\":%s,\"cpu\":%d,\"iterations\":%lld,"
	       "\"high_iterations\":%lld,\"medium_iterations\":%lld,\"low_iterations\":%lld,"
	       "\"max_lock_wait_ns\":%lld,\"avg_lock_wait_ns\":%lld,\"long_lock_waits\":%lld,"
	       "\"max_high_response_ns\":%lld,\"avg_high_response_ns\":%lld,"
	       "\"max_wake_delay_ns\":%lld,\"avg_wake_delay_ns\":%lld,"
	       "\"high_busy_ns\":%lld,\"medium_busy_ns\":%lld,\"low_busy_ns\":%lld,\"elapsed_ns\":%lld}\n",
	       pi ? "true" : "false", cpu, g_iters[HIGH], g_iters[HIGH], g_iters[MEDIUM], g_iters[LOW],
	       stat_max(&g_lock_wait), stat_avg(&g_lock_wait), g_long_waits,
	       stat_max(&g_hresp), stat_avg(&g_hresp), stat_max(&g_hwake), stat_avg(&g_hwake),
	       (long long)g_busy[HIGH], (long long)g_busy[MEDIUM], (long long)g_busy[LOW],
	       (long long)elapsed);
	fflush(stdout);
	return 0;
}
