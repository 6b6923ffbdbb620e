// SPDX-License-Identifier: GPL-2.0
/* Exited tasks: kept one by one up to --keep-exited, then merged per
 * thread name with exact totals (src/exited.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exited.h"
#include "rttrace/hist.h"

/* A task of name comm with n relief samples of v ns each (bucketed as the
 * BPF side does), the last of them its worst at max ns. */
static struct rt_slot task(const char *comm, uint32_t tid, int n, uint64_t v, uint64_t max)
{
	struct rt_slot s;
	int m;

	memset(&s, 0, sizeof(s));
	strncpy(s.comm, comm, sizeof(s.comm) - 1);
	s.tid = tid;
	s.tgid = 100;
	s.flags = RT_SLOT_VALID | RT_SLOT_DEAD;
	s.added_ns = 1000 + tid;
	for (m = 0; m < RT_NR_METRICS; m++) {
		s.m[m].min_ns = ~0ULL;
		s.m[m].slo_ns = 50000;
	}
	for (int i = 0; i < n; i++) {
		uint64_t x = i == n - 1 ? max : v;

		s.m[RT_RELIEF].count++;
		s.m[RT_RELIEF].sum_ns += x;
		if (x > s.m[RT_RELIEF].max_ns) {
			s.m[RT_RELIEF].max_ns = x;
			s.m[RT_RELIEF].max_start_ns = tid * 1000000ULL;
			s.m[RT_RELIEF].max_end_ns = tid * 1000000ULL + x;
		}
		if (x < s.m[RT_RELIEF].min_ns)
			s.m[RT_RELIEF].min_ns = x;
		s.m[RT_RELIEF].violations += x > 50000;
		s.hist[RT_RELIEF][rt_hist_bucket(x)]++;
	}
	s.find.count[RT_FI_FAULTS] = tid;
	s.find.first_ns[RT_FI_FAULTS] = 5000 - tid;
	return s;
}

static void test_keep_then_merge_per_name(void **state)
{
	struct rt_exited x;
	uint64_t count = 0, sum = 0, viol = 0, faults = 0, hist = 0;
	uint32_t tid;

	(void)state;
	rt_exited_init(&x, 2);
	for (tid = 1; tid <= 10; tid++) {
		struct rt_slot s = task(tid % 2 ? "worker" : "io", tid, (int)tid, 10000, 20000 * tid);

		assert_int_equal(rt_exited_take(&x, &s, NULL, NULL, 0, 99), 0);
		if (tid > 2) {
			count += s.m[RT_RELIEF].count;
			sum += s.m[RT_RELIEF].sum_ns;
			viol += s.m[RT_RELIEF].violations;
			faults += s.find.count[RT_FI_FAULTS];
		}
	}
	assert_int_equal(x.nkept, 2);
	assert_int_equal(x.kept[0].s.tid, 1);
	assert_int_equal(x.kept[1].s.tid, 2);
	assert_true(x.kept[0].s.flags & RT_SLOT_EXITED);
	assert_int_equal(x.ngroups, 2);
	assert_int_equal(x.merged, 8);
	/* tids 3 5 7 9 are workers, 4 6 8 10 io */
	assert_string_equal(x.groups[0].s.comm, "worker");
	assert_int_equal(x.groups[0].threads, 4);
	assert_int_equal(x.groups[1].threads, 4);
	assert_int_equal(x.groups[0].s.tid, 0);
	for (int g = 0; g < 2; g++) {
		const struct rt_metric_stats *m = &x.groups[g].s.m[RT_RELIEF];

		for (unsigned int k = 0; k < RT_HIST_BUCKETS; k++)
			hist += x.groups[g].s.hist[RT_RELIEF][k];
		count -= m->count;
		sum -= m->sum_ns;
		viol -= m->violations;
		faults -= x.groups[g].s.find.count[RT_FI_FAULTS];
	}
	assert_int_equal(count, 0);
	assert_int_equal(sum, 0);
	assert_int_equal(viol, 0);
	assert_int_equal(faults, 0);
	assert_int_equal(hist, 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10);
	/* the worst with its window: worker 9's, io 10's */
	assert_int_equal(x.groups[0].s.m[RT_RELIEF].max_ns, 180000);
	assert_int_equal(x.groups[0].s.m[RT_RELIEF].max_start_ns, 9000000);
	assert_int_equal(x.groups[1].s.m[RT_RELIEF].max_ns, 200000);
	assert_int_equal(x.groups[0].s.m[RT_RELIEF].min_ns, 10000);
	/* each finding keeps its first occurrence */
	assert_int_equal(x.groups[0].s.find.first_ns[RT_FI_FAULTS], 5000 - 9);
	assert_int_equal(x.groups[0].s.added_ns, 1003);
	rt_exited_free(&x);
}

static void test_names_beyond_the_groups_share_one(void **state)
{
	struct rt_exited x;
	char name[16];
	uint32_t i;

	(void)state;
	rt_exited_init(&x, 0);
	for (i = 0; i < RT_EXITED_GROUPS + 10; i++) {
		struct rt_slot s;

		snprintf(name, sizeof(name), "t%u", i);
		s = task(name, i + 1, 1, 1000, 1000);
		assert_int_equal(rt_exited_take(&x, &s, NULL, NULL, 0, 99), 0);
	}
	assert_int_equal(x.nkept, 0);
	assert_int_equal(x.ngroups, RT_EXITED_GROUPS);
	assert_string_equal(x.groups[RT_EXITED_GROUPS - 1].s.comm, RT_EXITED_OTHER);
	assert_int_equal(x.groups[RT_EXITED_GROUPS - 1].threads, 11);
	assert_int_equal(x.merged, RT_EXITED_GROUPS + 10);
	rt_exited_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_then_merge_per_name),
		cmocka_unit_test(test_names_beyond_the_groups_share_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
