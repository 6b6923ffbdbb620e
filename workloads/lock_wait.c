// SPDX-License-Identifier: GPL-2.0
/*
 * lock_wait - a periodic SCHED_FIFO loop that blocks on a mutex held by a
 * lower-priority holder thread, both pinned to one CPU.
 *
 *   loop   (main thread, FIFO 60): every --period (absolute clock_nanosleep),
 *          busy --busy, lock (trylock first, to count contention), unlock.
 *   holder (FIFO 10): every period, --holder-offset before the loop's
 *          release: lock, busy --hold, unlock, relative sleep --holder-sleep.
 *
 * With the defaults the holder holds the lock when the loop wants it, so the
 * loop blocks in futex() (FUTEX_WAIT, or FUTEX_LOCK_PI with --pi) and is
 * woken by the holder's unlock.
 *
 * The blocking, holding and waking happen in named functions that keep their
 * own frames (never inlined, cloned or tail-called), so frame-pointer stack
 * walks name them:
 *   loop:   loop_step -> loop_take_lock -> lock_mutex -> pthread_mutex_lock
 *   holder: holder_work -> holder_hold_lock (busy while holding)
 *           holder_work -> holder_release_lock -> unlock_mutex -> pthread_mutex_unlock
 */
#include "common.h"

static const char usage_text[] =
"Usage: lock_wait [options]\n"
"A periodic SCHED_FIFO loop blocks on a mutex held by a lower-priority holder\n"
"thread; both are pinned to one CPU. Needs root.\n"
"  -d, --duration D        run time (default 5s)\n"
"  -n, --iterations N      stop after N loop iterations (no time limit unless -d given)\n"
"      --pi                use a PTHREAD_PRIO_INHERIT mutex (default: PTHREAD_PRIO_NONE)\n"
"      --cpu N             CPU for both threads (default 1, or 0 on a 1-CPU system)\n"
"      --loop-prio N       loop's SCHED_FIFO priority (default 60)\n"
"      --holder-prio N     holder's SCHED_FIFO priority, below the loop's (default 10)\n"
"      --period P          loop and holder period (default 10ms)\n"
"      --busy B            loop: busy before taking the lock (default 0.5ms)\n"
"      --hold H            holder: busy while holding the lock (default 2ms)\n"
"      --holder-offset O   holder takes the lock O before each loop release (default 1ms)\n"
"      --holder-sleep S    holder: relative sleep after unlocking (default 3ms)\n"
"      --busy-wall         busy loops count wall time (default: only time actually spinning)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid loop=T holder=T' at start, one JSON summary line at exit.\n";

enum { OPT_PI = 1000, OPT_LPRIO, OPT_HPRIO, OPT_PERIOD, OPT_BUSY, OPT_HOLD,
       OPT_HOFF, OPT_HSLEEP };

/* with -h/-d/-n, --cpu, --busy-wall of common.h (no --policy/--prio) */
static const struct option longopts[] = {
	{ "pi", no_argument, 0, OPT_PI },
	{ "loop-prio", required_argument, 0, OPT_LPRIO },
	{ "holder-prio", required_argument, 0, OPT_HPRIO },
	{ "period", required_argument, 0, OPT_PERIOD },
	{ "busy", required_argument, 0, OPT_BUSY },
	{ "hold", required_argument, 0, OPT_HOLD },
	{ "holder-offset", required_argument, 0, OPT_HOFF },
	{ "holder-sleep", required_argument, 0, OPT_HSLEEP },
	{ 0, 0, 0, 0 },
};

static pthread_mutex_t g_lock;
static struct limits g_lim = LIMITS_DEFAULT;
static int64_t g_period = 10 * NSEC_PER_MSEC, g_busy = NSEC_PER_MSEC / 2,
	       g_hold = 2 * NSEC_PER_MSEC, g_hoff = 1 * NSEC_PER_MSEC,
	       g_hsleep = 3 * NSEC_PER_MSEC;
static int64_t g_t0, g_end;
static struct sched_cfg g_hcfg;
static struct event g_ready = EVENT_INIT, g_go = EVENT_INIT;
static pid_t g_holder_tid;

/* results */
static long long g_contended, g_holder_iters, g_holder_missed;
static int64_t g_loop_busy, g_holder_busy;
static struct tstat g_lock_wait;

/*
 * Named frames. noinline (+ noclone on gcc: no .constprop/.isra copies with
 * other names), an empty asm so the body is never "empty" or mergeable, and
 * a volatile increment after each call so no call is a tail call (a jmp
 * would leave the caller's frame out of the stack).
 */
#if defined(__clang__)
#define FRAME __attribute__((noinline))
#else
#define FRAME __attribute__((noinline, noclone))
#endif
static volatile unsigned long g_calls;

FRAME static void lock_mutex(pthread_mutex_t *m)
{
	asm volatile("");
	int r = pthread_mutex_lock(m);
	g_calls++;
	if (r)
		fatal("pthread_mutex_lock: %s", strerror(r));
}

FRAME static void unlock_mutex(pthread_mutex_t *m)
{
	asm volatile("");
	int r = pthread_mutex_unlock(m);
	g_calls++;
	if (r)
		fatal("pthread_mutex_unlock: %s", strerror(r));
}

/* The loop blocks here (in lock_mutex -> pthread_mutex_lock) when contended. */
FRAME static void loop_take_lock(void)
{
	asm volatile("");
	int64_t t = now_ns();
	int r = pthread_mutex_trylock(&g_lock);
	if (r == EBUSY) {
		g_contended++;
		lock_mutex(&g_lock);
		stat_add(&g_lock_wait, now_ns() - t);
	} else if (r) {
		fatal("pthread_mutex_trylock: %s", strerror(r));
	}
	g_calls++;
}

/* One loop job: busy, take the lock (maybe blocking), release it. */
FRAME static void loop_step(void)
{
	asm volatile("");
	g_loop_busy += busy_for(g_busy, NULL);
	loop_take_lock();
	g_calls++;
	unlock_mutex(&g_lock);
	g_calls++;
}

/* The holder busies here while it holds the lock (preempted by the loop). */
FRAME static void holder_hold_lock(void)
{
	asm volatile("");
	g_holder_busy += busy_for(g_hold, NULL);
	g_calls++;
}

/* The holder's unlock wakes the blocked loop: the waker's stack is here. */
FRAME static void holder_release_lock(void)
{
	asm volatile("");
	unlock_mutex(&g_lock);
	g_calls++;
}

FRAME static void holder_work(void)
{
	asm volatile("");
	lock_mutex(&g_lock);
	holder_hold_lock();
	g_calls++;
	holder_release_lock();
	g_calls++;
}

static void *holder_fn(void *arg)
{
	(void)arg;
	sched_apply("holder", &g_hcfg);
	g_holder_tid = get_tid();
	event_post(&g_ready);
	event_wait(&g_go, 1);

	int64_t next = g_t0 - g_hoff;	/* g_hoff before each loop release */
	while (!stopping() && next <= g_end) {
		if (sleep_until(next))
			break;
		holder_work();
		g_holder_iters++;
		if (g_hsleep > 0 && sleep_rel(g_hsleep))
			break;
		next += g_period;
		for (int64_t t = now_ns(); next < t; next += g_period)
			g_holder_missed++;	/* keep the phase: skip missed slots */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int pi = 0, cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, c;
	int lprio = 60, hprio = 10;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
				 .shared = WL_ITERATIONS | WL_CPU | WL_BUSY_WALL,
				 .lim = &g_lim, .cpu = &cpu };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_PI: pi = 1; break;
		case OPT_LPRIO: lprio = opt_prio(optarg, "--loop-prio"); break;
		case OPT_HPRIO: hprio = opt_prio(optarg, "--holder-prio"); break;
		case OPT_PERIOD: g_period = opt_duration_pos(optarg, "--period"); break;
		case OPT_BUSY: g_busy = opt_duration(optarg, "--busy"); break;
		case OPT_HOLD: g_hold = opt_duration(optarg, "--hold"); break;
		case OPT_HOFF: g_hoff = opt_duration(optarg, "--holder-offset"); break;
		case OPT_HSLEEP: g_hsleep = opt_duration(optarg, "--holder-sleep"); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);
	if (lprio <= hprio)
		usage_error("need --loop-prio > --holder-prio (got %d/%d)", lprio, hprio);
	if (g_hoff >= g_period)
		usage_error("--holder-offset must be less than --period");

	struct sched_cfg lcfg = { SCHED_FIFO, lprio, 1, cpu };
	g_hcfg = (struct sched_cfg){ SCHED_FIFO, hprio, 1, cpu };

	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	int r = pthread_mutexattr_setprotocol(&ma, pi ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE);
	if (r)
		fatal("pthread_mutexattr_setprotocol: %s", strerror(r));
	pthread_mutex_init(&g_lock, &ma);

	setup_signals();
	maybe_mlockall(1);

	pthread_t ht;
	r = create_thread(&ht, NULL, holder_fn, NULL);
	if (r)
		fatal("pthread_create: %s", strerror(r));
	event_wait(&g_ready, 1);
	sched_apply("loop", &lcfg);	/* the main thread is the loop */
	printf("tid loop=%d holder=%d\n", (int)get_tid(), (int)g_holder_tid);
	fflush(stdout);

	int64_t start = now_ns();
	g_end = limits_end(&g_lim, start);
	g_t0 = start + 2 * NSEC_PER_MSEC + g_hoff;	/* first loop release */
	event_post(&g_go);

	struct tstat wake = { 0 }, resp = { 0 };
	long long it = 0;
	int64_t next = g_t0;
	while (!stopping() && !limits_iter_done(&g_lim, it) && next <= g_end) {
		if (sleep_until(next))
			break;
		stat_add(&wake, now_ns() - next);
		loop_step();
		stat_add(&resp, now_ns() - next);
		it++;
		next += g_period;
	}
	int64_t elapsed = now_ns() - start;
	request_stop();
	pthread_join(ht, NULL);

	printf("{\"program\":\"lock_wait\",\"pi\":%s,\"cpu\":%d,\"loop_prio\":%d,\"holder_prio\":%d,"
	       "\"iterations\":%lld,\"contended\":%lld,\"period_ns\":%lld,"
	       "\"max_lock_wait_ns\":%lld,\"avg_lock_wait_ns\":%lld,"
	       "\"max_wake_delay_ns\":%lld,\"avg_wake_delay_ns\":%lld,"
	       "\"max_response_ns\":%lld,\"avg_response_ns\":%lld,"
	       "\"holder_iterations\":%lld,\"holder_missed\":%lld,"
	       "\"loop_busy_ns\":%lld,\"holder_busy_ns\":%lld,\"elapsed_ns\":%lld}\n",
	       pi ? "true" : "false", cpu, lprio, hprio, it, g_contended, (long long)g_period,
	       stat_max(&g_lock_wait), stat_avg(&g_lock_wait),
	       stat_max(&wake), stat_avg(&wake), stat_max(&resp), stat_avg(&resp),
	       g_holder_iters, g_holder_missed,
	       (long long)g_loop_busy, (long long)g_holder_busy, (long long)elapsed);
	fflush(stdout);
	return 0;
}
