// SPDX-License-Identifier: GPL-2.0
/*
 * thread_pool - a server whose threads come and go: keeps --threads
 * workers alive, each living a random time in [--min-life, --max-life]
 * and running a periodic loop (absolute timer sleeps of --period, then
 * --busy of work); the main thread starts a new worker as soon as one
 * exits.  Counts, per worker, its timer sleeps that really blocked (a
 * voluntary context switch inside clock_nanosleep, from RUSAGE_THREAD):
 * a tracer's relief samples of a worker are those minus one (the first
 * sleep closes no window; the wakeup from the last one is ended by the
 * exit, which closes none).
 */
#include "common.h"
#include <semaphore.h>
#include <sys/resource.h>

static const char usage_text[] =
"Usage: thread_pool [options]\n"
"Keeps N worker threads alive; each lives a random time, then exits and is replaced.\n"
"  -d, --duration D        run time (default 5s)\n"
"      --threads N         workers alive at once, 1..4096 (default 100)\n"
"      --min-life D        shortest worker life (default 50ms)\n"
"      --max-life D        longest worker life (default 300ms)\n"
"      --period P          worker period (default 10ms)\n"
"      --busy B            work per period (default 20us)\n"
"      --per-thread        print 'worker tid=T sleeps=S' for each worker at its exit\n"
"      --seed N            random seed (default 1)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T' at start, one JSON summary line at exit:\n"
"  workers (started), timer_sleeps (that blocked), relief_expected\n"
"  (sum over workers of blocking sleeps - 1).\n";

enum { OPT_THREADS = 1000, OPT_MIN_LIFE, OPT_MAX_LIFE, OPT_PERIOD, OPT_BUSY, OPT_PER_THREAD,
       OPT_SEED };

static const struct option longopts[] = {
	{ "threads", required_argument, 0, OPT_THREADS },
	{ "min-life", required_argument, 0, OPT_MIN_LIFE },
	{ "max-life", required_argument, 0, OPT_MAX_LIFE },
	{ "period", required_argument, 0, OPT_PERIOD },
	{ "busy", required_argument, 0, OPT_BUSY },
	{ "per-thread", no_argument, 0, OPT_PER_THREAD },
	{ "seed", required_argument, 0, OPT_SEED },
	{ 0, 0, 0, 0 },
};

static struct limits g_lim = LIMITS_DEFAULT;
static int64_t g_min_life = 50 * NSEC_PER_MSEC, g_max_life = 300 * NSEC_PER_MSEC;
static int64_t g_period = 10 * NSEC_PER_MSEC, g_busy = 20 * NSEC_PER_USEC;
static int g_per_thread;
static sem_t g_exited;
static atomic_llong g_sleeps, g_relief, g_workers;
static atomic_int g_alive;
static pthread_mutex_t g_out_lock = PTHREAD_MUTEX_INITIALIZER;

static long thread_nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

static void *worker_fn(void *arg)
{
	int64_t life = (int64_t)(intptr_t)arg, start = now_ns(), next = start + g_period;
	long long sleeps = 0;

	while (!stopping() && next - start <= life) {
		long before = thread_nvcsw();
		int stop = sleep_until(next);

		if (thread_nvcsw() != before)
			sleeps++;
		if (stop)
			break;
		busy_for(g_busy, NULL);
		next += g_period;
	}
	atomic_fetch_add(&g_sleeps, sleeps);
	atomic_fetch_add(&g_relief, sleeps > 0 ? sleeps - 1 : 0);
	if (g_per_thread) {
		pthread_mutex_lock(&g_out_lock);
		printf("worker tid=%d sleeps=%lld\n", (int)get_tid(), sleeps);
		pthread_mutex_unlock(&g_out_lock);
	}
	atomic_fetch_sub(&g_alive, 1);
	sem_post(&g_exited);
	return NULL;
}

static int start_worker(unsigned int *seed)
{
	int64_t life = g_min_life + (int64_t)((double)rand_r(seed) / RAND_MAX *
					      (double)(g_max_life - g_min_life));
	pthread_attr_t attr;
	pthread_t th;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	atomic_fetch_add(&g_alive, 1);
	r = pthread_create(&th, &attr, worker_fn, (void *)(intptr_t)life);
	pthread_attr_destroy(&attr);
	if (r) {
		atomic_fetch_sub(&g_alive, 1);
		fprintf(stderr, "%s: error: pthread_create: %s\n", g_prog, strerror(r));
		return -1;
	}
	atomic_fetch_add(&g_workers, 1);
	return 0;
}

int main(int argc, char **argv)
{
	int nthreads = 100, c, rc = 0;
	unsigned int seed = 1;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts, .lim = &g_lim };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_THREADS: nthreads = (int)opt_int(optarg, "--threads", 1, 4096); break;
		case OPT_MIN_LIFE: g_min_life = opt_duration_pos(optarg, "--min-life"); break;
		case OPT_MAX_LIFE: g_max_life = opt_duration_pos(optarg, "--max-life"); break;
		case OPT_PERIOD: g_period = opt_duration_pos(optarg, "--period"); break;
		case OPT_BUSY: g_busy = opt_duration(optarg, "--busy"); break;
		case OPT_PER_THREAD: g_per_thread = 1; break;
		case OPT_SEED: seed = (unsigned int)opt_int(optarg, "--seed", 0, 1LL << 31); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);
	if (g_max_life < g_min_life)
		usage_error("--max-life is shorter than --min-life");
	setup_signals();
	sem_init(&g_exited, 0, 0);
	printf("tid main=%d\n", (int)get_tid());
	fflush(stdout);

	int64_t start = now_ns(), end = limits_end(&g_lim, start);

	for (int i = 0; i < nthreads && !rc; i++)
		rc = start_worker(&seed);
	/* one new worker per exited one, until the end */
	while (!rc && !stopping() && now_ns() < end) {
		struct timespec ts;

		/* sem_timedwait takes CLOCK_REALTIME: wait in short steps */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * NSEC_PER_MSEC;
		if (ts.tv_nsec >= NSEC_PER_SEC) {
			ts.tv_sec++;
			ts.tv_nsec -= NSEC_PER_SEC;
		}
		if (sem_timedwait(&g_exited, &ts) == 0 && now_ns() < end && !stopping())
			rc = start_worker(&seed);
	}
	request_stop();
	while (atomic_load(&g_alive) > 0) {
		struct timespec d = { 0, NSEC_PER_MSEC };

		nanosleep(&d, NULL);
	}
	pthread_mutex_lock(&g_out_lock);
	printf("{\"program\":\"thread_pool\",\"threads\":%d,\"workers\":%lld,\"timer_sleeps\":%lld,"
	       "\"relief_expected\":%lld,\"period_ns\":%lld,\"elapsed_ns\":%lld}\n",
	       nthreads, (long long)atomic_load(&g_workers), (long long)atomic_load(&g_sleeps),
	       (long long)atomic_load(&g_relief), (long long)g_period,
	       (long long)(now_ns() - start));
	fflush(stdout);
	pthread_mutex_unlock(&g_out_lock);
	return rc ? 1 : 0;
}
