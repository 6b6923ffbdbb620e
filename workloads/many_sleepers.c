// SPDX-License-Identifier: GPL-2.0
/*
 * many_sleepers - create --threads N threads (64 KiB stacks) that block on a
 * condition variable until the program ends; main sleeps --duration.
 * Stresses tracer per-thread bookkeeping (map sizes, thread discovery).
 */
#include "common.h"

static const char usage_text[] =
"Usage: many_sleepers [options]\n"
"Creates N threads that block (pthread_cond_wait) until the end.\n"
"  -d, --duration D        how long to keep them after creation (default 5s)\n"
"      --threads N         number of sleeping threads, 1..100000 (default 1024)\n"
"      --policy fifo|rr|other  policy of the sleeper threads (default other)\n"
"      --prio N            RT priority 1..99 (default 50 with fifo/rr)\n"
"      --cpu N             pin the sleeper threads to CPU N\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T' at start, 'threads=N' once all N threads are created and\n"
"blocked, one JSON summary line at exit.\n";

enum { OPT_THREADS = 1000 };

/* with -h/-d, --policy/--prio/--cpu of common.h (no -n, no --busy-wall) */
static const struct option longopts[] = {
	{ "threads", required_argument, 0, OPT_THREADS },
	{ 0, 0, 0, 0 },
};

static struct sched_cfg g_cfg = SCHED_CFG_DEFAULT;
static pthread_mutex_t g_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_quit_cv = PTHREAD_COND_INITIALIZER, g_ready_cv = PTHREAD_COND_INITIALIZER;
static int g_quit, g_ready;

static void *sleeper_fn(void *arg)
{
	(void)arg;
	sched_apply("sleeper", &g_cfg);
	pthread_mutex_lock(&g_m);
	g_ready++;
	pthread_cond_signal(&g_ready_cv);
	while (!g_quit)
		pthread_cond_wait(&g_quit_cv, &g_m);
	pthread_mutex_unlock(&g_m);
	return NULL;
}

int main(int argc, char **argv)
{
	struct limits lim = LIMITS_DEFAULT;
	int n = 1024, c;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts, .shared = WL_SCHED,
				 .lim = &lim, .sched = &g_cfg };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_THREADS: n = (int)opt_int(optarg, "--threads", 1, 100000); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);

	pthread_t *th = calloc((size_t)n, sizeof(*th));
	if (!th)
		fatal("out of memory");
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	size_t stack = 64 * 1024;
#ifdef PTHREAD_STACK_MIN
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = PTHREAD_STACK_MIN;
#endif
	int r = pthread_attr_setstacksize(&attr, stack);
	if (r)
		fatal("pthread_attr_setstacksize(%zu): %s", stack, strerror(r));

	setup_signals();
	maybe_mlockall(sched_is_rt(&g_cfg));
	printf("tid main=%d\n", (int)get_tid());
	fflush(stdout);

	int64_t t_create = now_ns();
	int created = 0, rc = 0;
	for (int i = 0; i < n && !stopping(); i++) {
		r = create_thread(&th[i], &attr, sleeper_fn, NULL);
		if (r) {
			fprintf(stderr, "%s: error: pthread_create #%d: %s\n", g_prog, i, strerror(r));
			rc = 1;
			break;
		}
		created++;
	}
	pthread_mutex_lock(&g_m);
	while (g_ready < created)
		pthread_cond_wait(&g_ready_cv, &g_m);
	pthread_mutex_unlock(&g_m);
	int64_t create_ns = now_ns() - t_create;

	if (rc == 0 && !stopping()) {
		printf("threads=%d\n", created);
		fflush(stdout);
		int64_t start = now_ns();
		sleep_until(start + lim.duration_ns);	/* returns early on SIGINT/SIGTERM */
	}

	pthread_mutex_lock(&g_m);
	g_quit = 1;
	pthread_cond_broadcast(&g_quit_cv);
	pthread_mutex_unlock(&g_m);
	for (int i = 0; i < created; i++)
		pthread_join(th[i], NULL);
	int64_t elapsed = now_ns() - t_create;

	printf("{\"program\":\"many_sleepers\",\"threads\":%d,\"requested\":%d,\"stack_bytes\":%zu,"
	       "\"create_ns\":%lld,\"policy\":\"%s\",\"prio\":%d,\"elapsed_ns\":%lld}\n",
	       created, n, stack, (long long)create_ns, policy_name(g_cfg.policy), g_cfg.prio,
	       (long long)elapsed);
	fflush(stdout);
	free(th);
	return rc;
}
