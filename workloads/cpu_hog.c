// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_hog - CPU hog. Default: spin continuously (100% duty).
 * With --busy B < --period P: spin B, then absolute-sleep to the next period.
 */
#include "common.h"

static const char usage_text[] =
"Usage: cpu_hog [options]\n"
"CPU hog on the main thread.\n"
"  -d, --duration D        run time (default 5s)\n"
"  -n, --iterations N      stop after N periods (no time limit unless -d given)\n"
"      --period P          period (default 10ms)\n"
"      --busy B            busy time per period (default = period: spin all the time;\n"
"                          B >= P also means spin all the time)\n"
"      --policy fifo|rr|other  (default other)\n"
"      --prio N            RT priority 1..99 (default 50 with fifo/rr)\n"
"      --cpu N             pin to CPU N\n"
"      --busy-wall         busy loops count wall time (default: only time actually spinning)\n"
"  -h, --help              this help\n"
"Durations: <num>[ns|us|ms|s], bare number = ms.\n"
"stdout: 'tid main=T' at start, one JSON summary line at exit.\n";

enum { OPT_PERIOD = 1000, OPT_BUSY };

/* with -h/-d/-n, --policy/--prio/--cpu, --busy-wall of common.h */
static const struct option longopts[] = {
	{ "period", required_argument, 0, OPT_PERIOD },
	{ "busy", required_argument, 0, OPT_BUSY },
	{ 0, 0, 0, 0 },
};

int main(int argc, char **argv)
{
	struct limits lim = LIMITS_DEFAULT;
	struct sched_cfg cfg = SCHED_CFG_DEFAULT;
	int64_t period = 10 * NSEC_PER_MSEC, busy = -1;
	int c;
	struct wl_cmdline cl = { .usage = usage_text, .own = longopts,
				 .shared = WL_ITERATIONS | WL_SCHED | WL_BUSY_WALL,
				 .lim = &lim, .sched = &cfg };

	while ((c = wl_getopt(&cl, argc, argv)) != -1) {
		switch (c) {
		case OPT_PERIOD: period = opt_duration_pos(optarg, "--period"); break;
		case OPT_BUSY: busy = opt_duration(optarg, "--busy"); break;
		}
	}
	wl_getopt_done(&cl, argc, argv);
	if (busy < 0)
		busy = period;
	int continuous = busy >= period;

	setup_signals();
	maybe_mlockall(sched_is_rt(&cfg));
	sched_apply("main", &cfg);
	printf("tid main=%d\n", (int)get_tid());
	fflush(stdout);

	int64_t start = now_ns(), end = limits_end(&lim, start);
	int64_t next = start, busy_total = 0, busy_wall_total = 0, w;
	long long it = 0;
	struct tstat wake = { 0 };

	while (!stopping() && !limits_iter_done(&lim, it)) {
		if (continuous) {
			int64_t t = now_ns();
			if (t >= end)
				break;
			/* spin in period-sized chunks, never past the end */
			int64_t chunk = period;
			if (end != TIME_INF && end - t < chunk)
				chunk = end - t;
			busy_total += busy_for(chunk, &w);
		} else {
			if (next > end)
				break;
			if (it > 0) {
				if (sleep_until(next))
					break;
				stat_add(&wake, now_ns() - next);
			}
			busy_total += busy_for(busy, &w);
			next += period;
		}
		busy_wall_total += w;
		it++;
	}
	int64_t elapsed = now_ns() - start;

	printf("{\"program\":\"cpu_hog\",\"mode\":\"%s\",\"iterations\":%lld,\"period_ns\":%lld,"
	       "\"busy_ns\":%lld,\"busy_wall_ns\":%lld,\"max_wake_delay_ns\":%lld,"
	       "\"avg_wake_delay_ns\":%lld,\"policy\":\"%s\",\"prio\":%d,\"elapsed_ns\":%lld}\n",
	       continuous ? "continuous" : "periodic", it, (long long)period,
	       (long long)busy_total, (long long)busy_wall_total, stat_max(&wake), stat_avg(&wake),
	       policy_name(cfg.policy), cfg.prio, (long long)elapsed);
	fflush(stdout);
	return 0;
}
