// SPDX-License-Identifier: GPL-2.0
/* Histogram bucketing and percentiles against exact values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include "stats.h"
#include "rttrace/hist.h"

static void add(struct rt_metric_stats *ms, __u32 *h, uint64_t v)
{
	ms->count++;
	ms->sum_ns += v;
	if (v < ms->min_ns)
		ms->min_ns = v;
	if (v > ms->max_ns)
		ms->max_ns = v;
	h[rt_hist_bucket(v)]++;
}

static void test_log2(void **state)
{
	uint64_t v;
	int k;

	for (k = 0; k < 64; k++) {
		v = 1ULL << k;
		assert_int_equal(rt_log2_u64(v), k);
		if (k > 1)
			assert_int_equal(rt_log2_u64(v - 1), k - 1);
	}
}

/* Every value lands in a bucket whose range contains it, and buckets are
 * monotone and narrow (width <= 1/16 of the lower bound). */
static void test_buckets_cover(void **state)
{
	uint64_t v, lo, hi;
	uint32_t b, prev = 0;
	int i;

	assert_int_equal(RT_HIST_BUCKETS, 608);
	for (i = 0; i < 200000; i++) {
		v = (i < 100000) ? (uint64_t)i : (uint64_t)i * i * 37ULL;
		b = rt_hist_bucket(v);
		assert_true(b < RT_HIST_BUCKETS);
		assert_true(b >= prev);
		prev = b;
		rt_bucket_range(b, &lo, &hi);
		assert_true(lo <= v && v <= hi);
		if (lo >= 16)
			assert_true((hi - lo + 1) * 16 <= lo);
	}
	assert_int_equal(rt_hist_bucket(~0ULL), RT_HIST_BUCKETS - 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Percentiles within 5 % (design: 3.1 %) of the exact order statistic. */
static void test_percentiles(void **state)
{
	static __u32 h[RT_HIST_BUCKETS];
	struct rt_metric_stats ms = { .min_ns = ~0ULL };
	double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	enum { N = 100000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	int i, q;

	srand(42);
	for (i = 0; i < N; i++) {
		/* log-uniform 1 us .. 100 ms */
		vals[i] = (uint64_t)(1000.0 * pow(10.0, 5.0 * rand() / (double)RAND_MAX));
		add(&ms, h, vals[i]);
	}
	qsort(vals, N, sizeof(*vals), cmp_u64);
	for (q = 0; q < 4; q++) {
		uint64_t exact = vals[(size_t)ceil(qs[q] * N) - 1];
		uint64_t got = rt_percentile(&ms, h, qs[q]);
		double err = fabs((double)got - (double)exact) / (double)exact;

		assert_true(err < 0.05);
	}
	assert_int_equal(rt_percentile(&ms, h, 1.0), vals[N - 1]);
	assert_int_equal(rt_mean(&ms), (ms.sum_ns + N / 2) / N);
	free(vals);
}

static void test_empty_and_single(void **state)
{
	static __u32 h[RT_HIST_BUCKETS];
	struct rt_metric_stats ms = { .min_ns = ~0ULL };

	assert_int_equal(rt_percentile(&ms, h, 0.99), 0);
	assert_int_equal(rt_mean(&ms), 0);
	add(&ms, h, 1234567);
	/* One sample: every percentile is that sample, exactly. */
	assert_int_equal(rt_percentile(&ms, h, 0.5), 1234567);
	assert_int_equal(rt_percentile(&ms, h, 0.999), 1234567);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2),
		cmocka_unit_test(test_buckets_cover),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_empty_and_single),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
