// SPDX-License-Identifier: GPL-2.0
/*
 * control_loop - periodic real-time control loop (main thread is the loop).
 *
 * Each iteration: wake at release (absolute clock_nanosleep), busy --busy,
 * optionally block on a semaphore posted by a "notifier" thread every
 * --post-period (--block D enables it, D = max wait), busy --busy-after.
 * --touch-pages N: after --busy, touch N fresh pages (N minor faults).
 */
#include "common.h"
#include <semaphore.h>
#include <sys/resource.h>

static const char usage_text[] =
"Usage: control_loop [options]\n"
"Periodic control loop; the main thread is the loop.\n"
"  -d, --duration D        run time (default 5s)\n"
"  -n, --iterations N      stop after N iterations (no time limit unless -d given)\n"
"      --period P          loop period (default 10ms)\n"
"      --busy B            busy time per iteration before the block step (default 2ms)\n"
"      --block D           enable block step: after --busy, wait (sem_wait) for the next\n"
"                          notifier post, at most D (timeout)\n"
"      --block-ms N        same as --block N (milliseconds)\n"
"      --post-period Q     notifier post period (default 7ms)\n"
"      --post-offset O     first post at start + O (default: start + Q), so posts\n"
"                          land at a known phase of the loop's period\n"
"      --busy-after B2     busy time after the block step (default 0)\n"
"      --relative          sleep with relative clock_nanosleep(CLOCK_MONOTONIC, 0, period)\n"
"                          after the work (drifting period) instead of absolute deadlines\n"
"      --nanosleep         like --relative, but sleep with nanosleep(period)\n"
"      --touch-pages N     after --busy, touch N fresh pages: N minor page faults per\n"
"                          iteration (default 0)\n"
"      --policy fifo|rr|other  main thread policy (default other)\n"
"      --prio N            main thread RT priority 1..99 (default 50 with fifo/rr)\n"
"      --cpu N             pin main thread to CPU N\n"
"      --notifier-policy fifo|rr|other  (default other)\n"
"      --notifier-prio N   (default 50 with fifo/rr)\n"
"      --notifier-cpu N    pin the notifier thread\n"
"      --busy-wall         busy loops count wall time (default: only time actually spinning)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T [notifier=T2]' at start, one JSON summary line at exit.\n";

enum {
	OPT_PERIOD = 1000, OPT_BUSY, OPT_BLOCK, OPT_BLOCK_MS, OPT_POST_PERIOD, OPT_BUSY_AFTER,
	OPT_RELATIVE, OPT_NPOLICY, OPT_NPRIO, OPT_NCPU, OPT_POST_OFFSET, OPT_NANOSLEEP,
	OPT_TOUCH_PAGES,
};

/* with -h/-d/-n, --policy/--prio/--cpu, --busy-wall of common.h */
static const struct option longopts[] = {
	{ "period", required_argument, 0, OPT_PERIOD },
	{ "busy", required_argument, 0, OPT_BUSY },
	{ "block", required_argument, 0, OPT_BLOCK },
	{ "block-ms", required_argument, 0, OPT_BLOCK_MS },
	{ "post-period", required_argument, 0, OPT_POST_PERIOD },
	{ "busy-after", required_argument, 0, OPT_BUSY_AFTER },
	{ "relative", no_argument, 0, OPT_RELATIVE },
	{ "notifier-policy", required_argument, 0, OPT_NPOLICY },
	{ "notifier-prio", required_argument, 0, OPT_NPRIO },
	{ "notifier-cpu", required_argument, 0, OPT_NCPU },
	{ "post-offset", required_argument, 0, OPT_POST_OFFSET },
	{ "nanosleep", no_argument, 0, OPT_NANOSLEEP },
	{ "touch-pages", required_argument, 0, OPT_TOUCH_PAGES },
	{ 0, 0, 0, 0 },
};

static sem_t g_sem;
static struct event g_ready = EVENT_INIT, g_go = EVENT_INIT;
static int64_t g_t0, g_post_period, g_post_offset = -1;
static struct sched_cfg g_ncfg = SCHED_CFG_DEFAULT;
static pid_t g_notifier_tid;
static long long g_posts;
static struct tstat g_nwake;

/* --nanosleep: relative sleep with nanosleep() (restarted on EINTR). */
static int sleep_rel_nanosleep(int64_t rel_ns)
{
	struct timespec ts = ns_to_ts(rel_ns), rem;
	for (;;) {
		if (stopping())
			return -1;
		if (nanosleep(&ts, &rem) == 0)
			return stopping() ? -1 : 0;
		if (errno != EINTR)
			fatal("nanosleep: %s", strerror(errno));
		ts = rem;
	}
}

/* --touch-pages: an anonymous region, not locked, without huge pages. */
static char *g_pages;
static size_t g_npages, g_pagesz;
static volatile unsigned long g_calls;

static void pages_setup(long long n)
{
	g_pagesz = (size_t)sysconf(_SC_PAGESIZE);
	g_npages = (size_t)n;
	g_pages = mmap(NULL, g_npages * g_pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g_pages == MAP_FAILED)
		fatal("mmap %lld pages: %s", n, strerror(errno));
	/* mlockall(MCL_FUTURE) (RT policies) locked and populated it; locked
	 * pages cannot be dropped with MADV_DONTNEED */
	if (munlock(g_pages, g_npages * g_pagesz))
		fatal("munlock: %s", strerror(errno));
	/* one fault = one 4k page: no THP / mTHP (EINVAL without THP: fine) */
	(void)madvise(g_pages, g_npages * g_pagesz, MADV_NOHUGEPAGE);
}

/*
 * Drop the region's pages, then write one byte per page: each write is a
 * fresh anonymous page, one minor fault. Its own frame (never inlined or
 * cloned) so a stack walk at the faults names it.
 */
#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noinline, noclone))
#endif
static void touch_fresh_pages(void)
{
	asm volatile("");
	if (madvise(g_pages, g_npages * g_pagesz, MADV_DONTNEED))
		fatal("madvise(MADV_DONTNEED): %s", strerror(errno));
	for (size_t i = 0; i < g_npages; i++)
		((volatile char *)g_pages)[i * g_pagesz] = 1;
	g_calls++;
}

static long thread_minflt(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru))
		fatal("getrusage: %s", strerror(errno));
	return ru.ru_minflt;
}

static void *notifier_fn(void *arg)
{
	(void)arg;
	sched_apply("notifier", &g_ncfg);
	g_notifier_tid = get_tid();
	event_post(&g_ready);
	event_wait(&g_go, 1);

	int64_t next = g_t0 + (g_post_offset >= 0 ? g_post_offset : g_post_period);
	while (!stopping()) {
		if (sleep_until(next))
			break;
		stat_add(&g_nwake, now_ns() - next);
		sem_post(&g_sem);
		g_posts++;
		next += g_post_period;
	}
	sem_post(&g_sem);	/* make sure main is not left blocked */
	return NULL;
}

int main(int argc, char **argv)
{
	struct limits lim = LIMITS_DEFAULT;
	struct sched_cfg cfg = SCHED_CFG_DEFAULT;
	int64_t period = 10 * NSEC_PER_MSEC, busy = 2 * NSEC_PER_MSEC, busy_after = 0;
	int64_t block = 0, post_period = 7 * NSEC_PER_MSEC;
	int relative = 0, use_nanosleep = 0, c;
	long long touch_pages = 0;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
				 .shared = WL_ITERATIONS | WL_SCHED | WL_BUSY_WALL,
				 .lim = &lim, .sched = &cfg };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_PERIOD: period = opt_duration_pos(optarg, "--period"); break;
		case OPT_BUSY: busy = opt_duration(optarg, "--busy"); break;
		case OPT_BLOCK: block = opt_duration_pos(optarg, "--block"); break;
		case OPT_BLOCK_MS: block = opt_duration_pos(optarg, "--block-ms"); break;
		case OPT_POST_PERIOD: post_period = opt_duration_pos(optarg, "--post-period"); break;
		case OPT_POST_OFFSET: g_post_offset = opt_duration_pos(optarg, "--post-offset"); break;
		case OPT_BUSY_AFTER: busy_after = opt_duration(optarg, "--busy-after"); break;
		case OPT_RELATIVE: relative = 1; break;
		case OPT_NANOSLEEP: relative = use_nanosleep = 1; break;
		case OPT_TOUCH_PAGES: touch_pages = opt_int(optarg, "--touch-pages", 0, 1 << 20); break;
		case OPT_NPOLICY: g_ncfg.policy = opt_policy(optarg, "--notifier-policy"); break;
		case OPT_NPRIO: g_ncfg.prio = opt_prio(optarg, "--notifier-prio"); g_ncfg.prio_set = 1; break;
		case OPT_NCPU: g_ncfg.cpu = opt_cpu(optarg, "--notifier-cpu"); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);
	sched_cfg_finalize(&g_ncfg, "--notifier-", 50);
	g_post_period = post_period;

	setup_signals();
	maybe_mlockall(sched_is_rt(&cfg) || (block && sched_is_rt(&g_ncfg)));
	if (touch_pages) {
		pages_setup(touch_pages);
		touch_fresh_pages();	/* warm up: its code and libc's madvise are mapped */
	}
	(void)thread_minflt();
	pthread_t nt;
	if (block) {
		if (sem_init(&g_sem, 0, 0))
			fatal("sem_init: %s", strerror(errno));
		int r = create_thread(&nt, NULL, notifier_fn, NULL);
		if (r)
			fatal("pthread_create: %s", strerror(r));
		event_wait(&g_ready, 1);
		sched_apply("main", &cfg);	/* after: notifier must not inherit main's cpu */
		printf("tid main=%d notifier=%d\n", (int)get_tid(), (int)g_notifier_tid);
	} else {
		sched_apply("main", &cfg);
		printf("tid main=%d\n", (int)get_tid());
	}
	fflush(stdout);

	int64_t start = now_ns();
	int64_t end = limits_end(&lim, start);
	g_t0 = start + NSEC_PER_MSEC;	/* first release */
	if (block)
		event_post(&g_go);

	struct tstat wake = { 0 }, resp = { 0 }, blk = { 0 }, flt = { 0 };
	long long it = 0, overruns = 0, block_timeouts = 0;
	int64_t busy_total = 0, busy_wall_total = 0, w;
	int64_t next = g_t0;

	while (!stopping() && !limits_iter_done(&lim, it)) {
		int64_t release;
		if (relative) {
			int64_t t = now_ns();
			if (t + period > end)
				break;
			if (use_nanosleep ? sleep_rel_nanosleep(period) : sleep_rel(period))
				break;
			release = t + period;
		} else {
			if (next > end)
				break;
			if (sleep_until(next))
				break;
			release = next;
		}
		stat_add(&wake, now_ns() - release);
		long minflt = thread_minflt();

		busy_total += busy_for(busy, &w);
		busy_wall_total += w;
		if (touch_pages)
			touch_fresh_pages();

		if (block) {
			while (sem_trywait(&g_sem) == 0)
				;	/* drop stale posts: wait for the next one */
			int64_t tb = now_ns();
			struct timespec dl = ns_to_ts(tb + block);
			int r;
			while ((r = sem_clockwait(&g_sem, CLOCK_MONOTONIC, &dl)) != 0 &&
			       errno == EINTR && !stopping())
				;
			if (r != 0 && errno == ETIMEDOUT)
				block_timeouts++;
			stat_add(&blk, now_ns() - tb);
		}

		busy_total += busy_for(busy_after, &w);
		busy_wall_total += w;

		int64_t done = now_ns();
		stat_add(&resp, done - release);
		stat_add(&flt, thread_minflt() - minflt);
		it++;
		if (!relative) {
			next += period;
			if (done > next)
				overruns++;
		}
	}
	int64_t elapsed = now_ns() - start;

	request_stop();
	if (block)
		pthread_join(nt, NULL);

	printf("{\"program\":\"control_loop\",\"mode\":\"%s\",\"iterations\":%lld,"
	       "\"period_ns\":%lld,\"busy_ns\":%lld,\"busy_wall_ns\":%lld,"
	       "\"max_wake_delay_ns\":%lld,\"avg_wake_delay_ns\":%lld,"
	       "\"max_response_ns\":%lld,\"avg_response_ns\":%lld,\"overruns\":%lld,"
	       "\"blocks\":%lld,\"block_timeouts\":%lld,\"max_block_ns\":%lld,\"avg_block_ns\":%lld,"
	       "\"notifier_posts\":%lld,\"notifier_max_wake_delay_ns\":%lld,"
	       "\"sleep_call\":\"%s\",\"touch_pages\":%lld,"
	       "\"faults_per_iter_min\":%lld,\"faults_per_iter_max\":%lld,"
	       "\"policy\":\"%s\",\"prio\":%d,\"elapsed_ns\":%lld}\n",
	       relative ? "relative" : "absolute", it, (long long)period,
	       (long long)busy_total, (long long)busy_wall_total,
	       stat_max(&wake), stat_avg(&wake), stat_max(&resp), stat_avg(&resp), overruns,
	       blk.n, block_timeouts, stat_max(&blk), stat_avg(&blk),
	       g_posts, stat_max(&g_nwake), use_nanosleep ? "nanosleep" : "clock_nanosleep",
	       touch_pages, flt.n ? (long long)flt.min : 0, stat_max(&flt),
	       policy_name(cfg.policy), cfg.prio, (long long)elapsed);
	fflush(stdout);
	return 0;
}
