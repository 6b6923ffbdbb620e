// SPDX-License-Identifier: GPL-2.0
/*
 * Untracked task churn for the overhead benchmark: creates short-lived
 * threads (or, with --fork, processes) in batches, as fast as it can,
 * until SIGINT/SIGTERM or --duration.  Every task exits at once, so the
 * tracer sees fork, wakeup_new, switch and exit events of tasks it must
 * ignore.  Prints "tid main=PID" at start and "created=N" at the end.
 *
 *   churn [--batch N] [--fork] [--duration SECONDS]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static void *worker(void *arg)
{
	return arg;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int batch = 32, use_fork = 0, i;
	double duration = 0, t0;
	unsigned long long created = 0;
	pthread_attr_t attr;
	pthread_t th[1024];
	pid_t pids[1024];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--fork"))
			use_fork = 1;
		else if (!strcmp(argv[i], "--duration") && i + 1 < argc)
			duration = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: churn [--batch N] [--fork] [--duration SECONDS]\n");
			return 2;
		}
	}
	if (batch < 1 || batch > 1024) {
		fprintf(stderr, "churn: --batch must be 1..1024\n");
		return 2;
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	printf("tid main=%d\n", (int)getpid());
	fflush(stdout);
	t0 = now_s();
	while (!stop && (duration <= 0 || now_s() - t0 < duration)) {
		int n = 0;

		for (i = 0; i < batch; i++) {
			if (use_fork) {
				pid_t p = fork();

				if (p == 0)
					_exit(0);
				if (p < 0)
					break;
				pids[n++] = p;
			} else {
				if (pthread_create(&th[n], &attr, worker, NULL))
					break;
				n++;
			}
		}
		for (i = 0; i < n; i++) {
			if (use_fork)
				waitpid(pids[i], NULL, 0);
			else
				pthread_join(th[i], NULL);
		}
		created += n;
		if (!n) {
			fprintf(stderr, "churn: cannot create tasks: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("created=%llu\n", created);
	return 0;
}
