// SPDX-License-Identifier: GPL-2.0
/* CPU hotplug during a session: the changes recorded, where rttrace may
 * run afterwards, the report's sentences, and the re-placement. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>
#include "hotplug.h"
#include "rttrace/rttrace.h"

#define SEC 1000000000ULL

static cpu_set_t cpus(const char *list)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (*list)
		assert_int_equal(rt_cpulist_parse(list, &set, NULL), 0);
	return set;
}

static void assert_cpus(const cpu_set_t *set, const char *list)
{
	char buf[256];

	assert_string_equal(rt_cpulist_format(set, buf, sizeof(buf)), list);
}

static struct rt_hotplug *new_hp(const char *online)
{
	struct rt_hotplug *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->fd = -1;
	h->watching = true;
	h->online = h->online0 = cpus(online);
	return h;
}

static void test_diff_records_each_cpu(void **state)
{
	struct rt_hotplug *h = new_hp("0-3");
	cpu_set_t s;

	(void)state;
	s = cpus("0-3");
	assert_int_equal(rt_hotplug_diff(h, &s, 1 * SEC), 0);
	assert_int_equal(h->n, 0);
	s = cpus("0,2");
	assert_int_equal(rt_hotplug_diff(h, &s, 2 * SEC), 2);
	s = cpus("0-2");
	assert_int_equal(rt_hotplug_diff(h, &s, 3 * SEC), 1);
	/* 3 back, 1 gone in the same read: CPU order */
	s = cpus("0,2-3");
	assert_int_equal(rt_hotplug_diff(h, &s, 4 * SEC), 2);
	assert_int_equal(h->n, 5);
	assert_int_equal(h->changes[0].cpu, 1);
	assert_false(h->changes[0].online);
	assert_int_equal(h->changes[0].t_ns, 2 * SEC);
	assert_int_equal(h->changes[1].cpu, 3);
	assert_false(h->changes[1].online);
	assert_int_equal(h->changes[2].cpu, 1);
	assert_true(h->changes[2].online);
	assert_int_equal(h->changes[2].t_ns, 3 * SEC);
	assert_int_equal(h->changes[3].cpu, 1);
	assert_false(h->changes[3].online);
	assert_int_equal(h->changes[4].cpu, 3);
	assert_true(h->changes[4].online);
	assert_cpus(&h->online, "0,2-3");
	assert_int_equal(h->unlisted, 0);
	free(h);
}

static void test_diff_counts_past_the_cap(void **state)
{
	struct rt_hotplug *h = new_hp("0-1");
	cpu_set_t on = cpus("0-1"), off = cpus("0");
	int i;

	(void)state;
	for (i = 0; i < RT_HOTPLUG_MAX / 2 + 5; i++) {
		assert_int_equal(rt_hotplug_diff(h, &off, (uint64_t)(2 * i) * SEC), 1);
		assert_int_equal(rt_hotplug_diff(h, &on, (uint64_t)(2 * i + 1) * SEC), 1);
	}
	assert_int_equal(h->n, RT_HOTPLUG_MAX);
	assert_int_equal(h->unlisted, 10);
	assert_true(h->changes[RT_HOTPLUG_MAX - 1].online);
	free(h);
}

static void test_allowed(void **state)
{
	cpu_set_t a0 = cpus("0-1"), on0 = cpus("0-2"), on, out;

	(void)state;
	/* rttrace was kept off CPU 2 at the start (its affinity, a cpuset) */
	on = cpus("0-2");
	rt_hotplug_allowed(&a0, &on0, &on, &out);
	assert_cpus(&out, "0-1");
	on = cpus("0,2");
	rt_hotplug_allowed(&a0, &on0, &on, &out);
	assert_cpus(&out, "0");
	/* CPU 3 was offline at the start: it may be used once it is up */
	on = cpus("0-3");
	rt_hotplug_allowed(&a0, &on0, &on, &out);
	assert_cpus(&out, "0-1,3");
}

struct lines {
	char s[8][160];
	int n;
};

static void collect(void *arg, const char *sentence)
{
	struct lines *l = arg;

	assert_true(l->n < 8);
	snprintf(l->s[l->n++], sizeof(l->s[0]), "%s", sentence);
}

static void test_sentences(void **state)
{
	const uint64_t t0 = 100 * SEC;
	const struct rt_hotplug_change c[] = {
		{ 1, false, t0 + 1200000000ULL },
		{ 3, true, t0 + 1500000000ULL },   /* offline at the start */
		{ 2, false, t0 + 2000000000ULL },
		{ 1, true, t0 + 2310000000ULL },
		{ 1, false, t0 + 3000000000ULL },
		{ 1, true, t0 + 4000000000ULL },
	};
	struct lines l = { .n = 0 };

	(void)state;
	assert_int_equal(rt_hotplug_sentences(c, 6, true, t0, collect, &l), 4);
	assert_string_equal(l.s[0], "CPU 1 went offline at +1.20 s and came back at +2.31 s");
	assert_string_equal(l.s[1], "CPU 3 came online at +1.50 s");
	assert_string_equal(l.s[2], "CPU 2 went offline at +2.00 s and was still offline at the end");
	assert_string_equal(l.s[3], "CPU 1 went offline at +3.00 s and came back at +4.00 s");
	/* a cut list cannot say what came at the end */
	l.n = 0;
	assert_int_equal(rt_hotplug_sentences(c, 3, false, t0, collect, &l), 3);
	assert_string_equal(l.s[2], "CPU 2 went offline at +2.00 s");
	l.n = 0;
	assert_int_equal(rt_hotplug_sentences(c, 0, true, t0, collect, &l), 0);
}

/* A helper thread pinned to one CPU: the tracked task. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pid_t helper_tid;
static bool helper_done;

static void *helper(void *arg)
{
	pthread_mutex_lock(&mu);
	helper_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&cv);
	while (!helper_done)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return arg;
}

/* rttrace was on CPU b, the tracked task pinned to a; b went away and the
 * kernel let rttrace run anywhere (its affinity broken): when b is back,
 * rttrace goes back on it and says it ran on both. */
static void test_rehome_after_broken_affinity(void **state)
{
	cpu_set_t ours, all, pin, now;
	struct rt_housekeeper hk;
	struct rt_hotplug *h;
	struct rt_slot *slot = calloc(1, sizeof(*slot));
	pthread_t th;
	int a = -1, b = -1, cpu;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(ours), &ours), 0);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &ours)) {
			if (a < 0)
				a = cpu;
			else if (b < 0)
				b = cpu;
		}
	if (b < 0) {
		free(slot);
		skip(); /* one CPU */
	}
	CPU_ZERO(&all);
	CPU_SET(a, &all);
	CPU_SET(b, &all);
	CPU_ZERO(&pin);
	CPU_SET(a, &pin);
	assert_int_equal(pthread_create(&th, NULL, helper, NULL), 0);
	pthread_mutex_lock(&mu);
	while (!helper_tid)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	assert_int_equal(sched_setaffinity(helper_tid, sizeof(pin), &pin), 0);
	slot->tid = (uint32_t)helper_tid;
	slot->flags = RT_SLOT_VALID;

	memset(&hk, 0, sizeof(hk));
	hk.allowed = all;
	CPU_ZERO(&hk.current);
	CPU_SET(b, &hk.current);
	hk.ran_on = hk.current;
	hk.reason = RT_HK_FREE;
	h = new_hp("");
	h->online = h->online0 = all;
	h->allowed0 = all;
	/* the kernel's fallback: anywhere */
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	rt_hotplug_rehome(h, &hk, slot, 1);
	assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
	assert_true(CPU_EQUAL(&now, &hk.current));
	assert_int_equal(CPU_COUNT(&now), 1);
	assert_true(CPU_ISSET(b, &now));
	assert_int_equal(hk.reason, RT_HK_FREE);
	assert_true(CPU_ISSET(a, &hk.ran_on) && CPU_ISSET(b, &hk.ran_on));
	assert_int_equal(hk.moves, 1);
	/* nothing changed since: no move */
	rt_hotplug_rehome(h, &hk, slot, 1);
	assert_int_equal(hk.moves, 1);

	/* b offline (simulated): only a is left, rttrace stays put */
	CPU_CLR(b, &h->online);
	rt_hotplug_rehome(h, &hk, slot, 1);
	assert_true(CPU_EQUAL(&hk.allowed, &pin));
	assert_int_equal(hk.moves, 1);

	/* --housekeeping b: back on b when it returns */
	h->online = all;
	h->user = hk.current;
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	rt_hotplug_rehome(h, &hk, slot, 1);
	assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
	assert_true(CPU_EQUAL(&now, &h->user));

	pthread_mutex_lock(&mu);
	helper_done = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(th, NULL);
	assert_int_equal(sched_setaffinity(0, sizeof(ours), &ours), 0);
	free(h);
	free(slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_records_each_cpu),
		cmocka_unit_test(test_diff_counts_past_the_cap),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_sentences),
		cmocka_unit_test(test_rehome_after_broken_affinity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
