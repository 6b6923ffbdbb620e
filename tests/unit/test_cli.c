// SPDX-License-Identifier: GPL-2.0
/* Option parsing: id lists, SLO arguments, SLO logic and JSON strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cli.h"
#include "report.h"

static void test_id_list(void **state)
{
	uint32_t *ids = NULL;
	const char *why;
	int n = 0;

	assert_int_equal(rt_parse_id_list("12,34,5", &ids, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[2], 5);
	free(ids);
	ids = NULL;
	n = 0;
	assert_int_equal(rt_parse_id_list("12,x", &ids, &n, &why), -1);
	free(ids);
	ids = NULL;
	n = 0;
	assert_int_equal(rt_parse_id_list("-4", &ids, &n, &why), -1);
	assert_int_equal(rt_parse_id_list("0", &ids, &n, &why), -1);
	assert_int_equal(rt_parse_id_list("99999999999", &ids, &n, &why), -1);
	assert_int_equal(rt_parse_id_list(",", &ids, &n, &why), -1);
	free(ids);
}

static void test_slo_arg(void **state)
{
	const char *why;
	uint32_t id;
	uint64_t ns;

	assert_int_equal(rt_parse_slo_arg("100us", &id, &ns, &why), 0);
	assert_int_equal(id, 0);
	assert_int_equal(ns, 100000);
	assert_int_equal(rt_parse_slo_arg("4321=2ms", &id, &ns, &why), 0);
	assert_int_equal(id, 4321);
	assert_int_equal(ns, 2000000);
	/* Bounds wider than the seed's 2^31 ns work. */
	assert_int_equal(rt_parse_slo_arg("10s", &id, &ns, &why), 0);
	assert_int_equal(ns, 10000000000ULL);
	assert_int_equal(rt_parse_slo_arg("x=2ms", &id, &ns, &why), -1);
	assert_int_equal(rt_parse_slo_arg("12=-2ms", &id, &ns, &why), -1);
	assert_int_equal(rt_parse_slo_arg("12=2", &id, &ns, &why), -1);
	assert_int_equal(rt_parse_slo_arg("=2ms", &id, &ns, &why), -1);
}

static void test_comm_utf8(void **state)
{
	char out[64];
	const char bad[16] = { 'a', (char)0xff, 'b', (char)0xc3, (char)0xa9, (char)0xe2, 0 };

	rt_comm_utf8("plain", 16, out, sizeof(out));
	assert_string_equal(out, "plain");
	rt_comm_utf8(bad, 16, out, sizeof(out));
	/* 0xff -> U+FFFD, é kept, a truncated 3-byte sequence -> U+FFFD */
	assert_string_equal(out, "a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_list),
		cmocka_unit_test(test_slo_arg),
		cmocka_unit_test(test_comm_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
